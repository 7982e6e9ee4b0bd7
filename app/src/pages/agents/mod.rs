//! Agents: the list with the global freeze, one agent's keys, bindings and decisions, and the
//! JSON API's reference for the people who wire agents up.

mod detail;
mod list;
mod reference;

pub use detail::AgentDetailPage;
pub use list::AgentsPage;
pub use reference::ApiReferencePage;

use leptos::prelude::*;

use crate::{
    components::{ShownOnceSecret, UtcTime},
    model::Freeze,
};

/// An id in monospace, shortened, the full value on hover and selectable as a whole.
#[component]
fn ShortId(id: String) -> impl IntoView {
    let short: String = id.chars().take(8).collect();
    let short = if short.len() < id.len() {
        format!("{short}…")
    } else {
        short
    };
    view! { <span class="mono short-id" title=id.clone() data-full=id>{short}</span> }
}

/// The banner everyone sees while every agent is frozen.
#[component]
fn GlobalFreezeBanner(freeze: Freeze) -> impl IntoView {
    view! {
        <p class="notice notice-warning freeze-banner" role="status" data-testid="global-freeze">
            <strong>"All agents are frozen: "</strong>
            {freeze.reason}
            " — by " {freeze.by} " at " <UtcTime unix_millis=freeze.at />
        </p>
    }
}

/// The API key of an agent just created or rotated: shown this once.
#[component]
fn ShownOnceKey(agent: String, api_key: String) -> impl IntoView {
    view! {
        <ShownOnceSecret secret=api_key test_id="agent-key">
            <strong>"Copy this API key for " {agent} " now — it is shown only once. "</strong>
            "Verdict keeps only a digest; if it is lost, rotate the key."
        </ShownOnceSecret>
    }
}
