use leptos::prelude::*;

use crate::model::{format_relative, format_utc};

/// A stored time as exact UTC; rendered identically on the server and in the browser.
#[component]
pub fn UtcTime(unix_millis: i64) -> impl IntoView {
    let text = format_utc(unix_millis);
    let title = text.clone();
    view! { <time title=title>{text}</time> }
}

/// "3 min ago" against the server's `now`, with the exact UTC time on hover.
#[component]
pub fn RelativeTime(unix_millis: i64, now: i64) -> impl IntoView {
    let title = format_utc(unix_millis);
    view! { <time title=title>{format_relative(unix_millis, now)}</time> }
}
