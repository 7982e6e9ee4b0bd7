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

/// The run number of `action`'s latest success (0 before any). A resource keyed on it loads again
/// after a success only, so a refused form is not built anew and keeps what was typed.
pub fn last_success<S>(action: ServerAction<S>) -> Memo<usize>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Memo::new(move |previous: Option<&usize>| {
        let succeeded = action.value().with(|latest| matches!(latest, Some(Ok(_))));
        if succeeded {
            // The version is bumped just before the value is set: read, not tracked.
            action.version().get_untracked()
        } else {
            previous.copied().unwrap_or(0)
        }
    })
}
