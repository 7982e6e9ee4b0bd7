use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::PageHeader;

const AREAS: [(&str, &str, &str); 5] = [
    ("/policies", "Policies", "Write the rules, as YAML, that decide whether an agent's action is allowed, denied or needs an exception. Drafts become immutable, versioned policies when published."),
    ("/agents", "Agents", "Register each AI agent, issue its API key and bind the policies that govern it."),
    ("/approvals", "Approvals", "Approve or reject the exceptions agents ask for, with a rationale kept as evidence."),
    ("/traces", "Traces", "Find any decision and see every step: what the agent read, which policy versions decided, who approved, what it wrote."),
    ("/profile", "Your profile", "Your account and the personal access tokens your scripts use on the JSON API."),
];

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <PageHeader
            title="Home"
            summary="Verdict is where you decide, in advance and on the record, which actions your AI agents may take."
        />
        <ul class="area-grid">
            {AREAS
                .into_iter()
                .map(|(href, name, purpose)| {
                    view! {
                        <li class="area-card">
                            <h2><A href=href>{name}</A></h2>
                            <p>{purpose}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
