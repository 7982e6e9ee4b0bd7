//! Areas that later work fills in. Each says plainly that it is not built yet; none shows
//! invented data.

use leptos::prelude::*;

use crate::components::PageHeader;

#[component]
fn NotBuiltYet(what: &'static str) -> impl IntoView {
    view! {
        <section class="empty-state">
            <h2>"Not built yet"</h2>
            <p>{what}</p>
        </section>
    }
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    view! {
        <PageHeader title="Approvals" summary="Exceptions agents asked for, waiting for a person's judgment." />
        <NotBuiltYet what="The approval inbox, with approve and reject and their rationale, arrives here." />
    }
}
