use leptos::{prelude::*, server_fn::ServerFn};

use crate::error::AppError;

/// The error of a server action's latest run, if it failed; what a form's messages read.
pub fn last_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|latest| {
            latest
                .as_ref()
                .and_then(|result| result.as_ref().err().cloned())
        })
    })
}

/// The message for one field, shown right under it when the last submission failed on it.
#[component]
pub fn FieldError(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    let message = move || {
        error.with(|latest| {
            latest
                .as_ref()
                .filter(|error| error.field() == Some(field))
                .map(ToString::to_string)
        })
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="field-error" id=format!("{field}-error") role="alert">
                {message}
            </p>
        </Show>
    }
}

/// A form-level error: any failure not tied to one field.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || {
        error.with(|latest| {
            latest
                .as_ref()
                .filter(|error| error.field().is_none())
                .map(ToString::to_string)
        })
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="notice notice-error" role="alert">
                {message}
            </p>
        </Show>
    }
}
