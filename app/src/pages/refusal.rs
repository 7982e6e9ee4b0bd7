use leptos::prelude::*;

use crate::error::AppError;

/// What a page shows instead of its content when the server refused the request; on the server
/// it also sets the response status, so the refusal is visible to scripts too.
#[component]
pub fn Refusal(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(error.status_code()) {
            response.set_status(status);
        }
    }
    let hint = match error {
        AppError::Forbidden => "Ask an admin if you need access.",
        AppError::Unauthenticated => "Sign in, then try again.",
        _ => "",
    };
    view! {
        <section class="refusal" role="alert">
            <h2>{error.to_string()}</h2>
            <p>{hint}</p>
        </section>
    }
}
