//! Pages whose filter lives in the URL hand its query to their server function as text, link
//! to the next page by swapping the cursor alone, and show a refused filter as a message.

use leptos::prelude::*;
use leptos_router::{components::A, params::ParamsMap};

use crate::{error::AppError, pages::refusal::Refusal};

/// The URL's query as a server function takes it: `key=value&…`.
pub fn query_text(query: &ParamsMap) -> String {
    query.to_query_string().trim_start_matches('?').to_owned()
}

/// The same filter starting at `cursor` (the first page when empty); other parameters stay as
/// the person typed them, less the empty ones a submitted form carries.
pub fn with_cursor(query: &ParamsMap, cursor: &str) -> String {
    let mut pairs: ParamsMap = query
        .into_iter()
        .filter(|(key, value)| *key != "cursor" && !value.is_empty())
        .map(|(key, value)| (key.clone(), value.to_owned()))
        .collect();
    if !cursor.is_empty() {
        pairs.insert("cursor", cursor.to_owned());
    }
    query_text(&pairs)
}

/// Links to the newest page (when not on it) and to the next, older one (when there is one).
#[component]
pub fn Pager(
    path: &'static str,
    query: ParamsMap,
    next_cursor: Option<String>,
    older: &'static str,
) -> impl IntoView {
    let first = query
        .get("cursor")
        .is_some()
        .then(|| format!("{path}?{}", with_cursor(&query, "")));
    let next = next_cursor.map(|cursor| format!("{path}?{}", with_cursor(&query, &cursor)));
    view! {
        <nav class="pager" aria-label="Pages">
            {first.map(|href| view! { <A href=href>"← Newest"</A> })}
            {next.map(|href| view! { <A href=href attr:rel="next">{older}</A> })}
        </nav>
    }
}

/// A filter the server refused says which parameter and why; anything else is a refusal.
#[component]
pub fn ListError(error: AppError) -> impl IntoView {
    match error {
        AppError::Invalid { field, message } => view! {
            <p class="notice notice-error" role="alert" data-field=field>{message}</p>
        }
        .into_any(),
        error => view! { <Refusal error /> }.into_any(),
    }
}
