use leptos::prelude::*;

/// A decision's status as a coloured word.
#[component]
pub fn StatusBadge(status: &'static str) -> impl IntoView {
    view! { <span class=format!("badge decision-{status}")>{status.replace('_', " ")}</span> }
}

/// A combined policy outcome as a coloured word.
#[component]
pub fn OutcomeBadge(outcome: String) -> impl IntoView {
    view! { <span class=format!("badge outcome-{outcome}")>{outcome.replace('_', " ")}</span> }
}
