use leptos::prelude::*;

/// A decision's status as a coloured word.
#[component]
pub fn StatusBadge(status: &'static str) -> impl IntoView {
    view! { <span class=format!("badge decision-{status}")>{status.replace('_', " ")}</span> }
}

/// A combined policy outcome as a coloured word.
#[component]
pub fn OutcomeBadge(outcome: verdict_policy::Outcome) -> impl IntoView {
    let name = outcome.as_str();
    view! { <span class=format!("badge outcome-{name}")>{name.replace('_', " ")}</span> }
}
