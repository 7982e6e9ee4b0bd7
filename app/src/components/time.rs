use leptos::prelude::*;

use crate::model::format_utc;

/// A stored time as exact UTC; rendered identically on the server and in the browser.
#[component]
pub fn UtcTime(unix_millis: i64) -> impl IntoView {
    let text = format_utc(unix_millis);
    let title = text.clone();
    view! { <time title=title>{text}</time> }
}
