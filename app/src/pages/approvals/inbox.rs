use std::time::Duration;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::approvals::load_approval_inbox,
    components::{PageHeader, RelativeTime, UtcTime},
    model::{ApprovalInbox, ApprovalItem},
    pages::{forbidden::Refusal, traces::format_duration},
};

/// How often an open inbox asks for new requests.
const REFRESH_EVERY: Duration = Duration::from_secs(3);

/// Pending requests, newest first, and the latest answers. The list refreshes itself while open,
/// so a new request appears without a reload.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let inbox = Resource::new(|| (), |_| load_approval_inbox());
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || inbox.refetch(), REFRESH_EVERY) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <PageHeader title="Approvals" summary="Exceptions agents asked for, waiting for a person's judgment.">
            <A href="/approval-routes" attr:class="button-link">"Routes"</A>
        </PageHeader>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match inbox.await {
                    Ok(inbox) => view! { <InboxView inbox /> }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn InboxView(inbox: ApprovalInbox) -> impl IntoView {
    let now = inbox.now;
    let waiting = inbox.pending.len();
    view! {
        <section aria-labelledby="pending-heading">
            <h2 id="pending-heading">
                "Waiting " <span class="badge" data-testid="pending-count">{waiting}</span>
            </h2>
            {if inbox.pending.is_empty() {
                view! { <p class="empty-state">"Nothing waits for an answer."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Pending requests">
                        <table class="inbox">
                            <caption class="visually-hidden">"Pending approval requests, newest first"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Request"</th>
                                    <th scope="col">"Agent"</th>
                                    <th scope="col">"Intent"</th>
                                    <th scope="col">"Route"</th>
                                    <th scope="col">"Asked"</th>
                                    <th scope="col">"Expires"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {inbox.pending.into_iter().map(|item| view! { <PendingRow item now /> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="resolved-heading">
            <h2 id="resolved-heading">"Answered lately"</h2>
            {if inbox.resolved.is_empty() {
                view! { <p class="muted">"No request has been answered yet."</p> }.into_any()
            } else {
                view! { <ResolvedTable items=inbox.resolved /> }.into_any()
            }}
        </section>
    }
}

#[component]
fn PendingRow(item: ApprovalItem, now: i64) -> impl IntoView {
    view! {
        <tr>
            <td><A href=format!("/approvals/{}", item.id)>{item.title.clone()}</A></td>
            <td class="mono">{item.agent_name.clone()}</td>
            <td class="mono">{item.intent.clone()}</td>
            <td class="mono">{item.approval_route.clone().unwrap_or_else(|| "—".to_owned())}</td>
            <td><RelativeTime unix_millis=item.requested_at now /></td>
            <td><RelativeTime unix_millis=item.expires_at now /></td>
        </tr>
    }
}

#[component]
fn ResolvedTable(items: Vec<ApprovalItem>) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Answered requests">
            <table class="inbox-history">
                <caption class="visually-hidden">"Answered approval requests, latest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Request"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"Rationale"</th>
                        <th scope="col">"Answered"</th>
                        <th scope="col" class="num">"Took"</th>
                    </tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|item| {
                        let status = item.status.as_str();
                        let took = item.resolved_at.map(|at| format_duration(at - item.requested_at));
                        view! {
                            <tr>
                                <td><A href=format!("/approvals/{}", item.id)>{item.title.clone()}</A></td>
                                <td><span class=format!("badge approval-{status}")>{status}</span></td>
                                <td>{item.resolved_by.clone()}</td>
                                <td>{item.rationale.clone()}</td>
                                <td>{item.resolved_at.map(|at| view! { <UtcTime unix_millis=at /> })}</td>
                                <td class="num">{took}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
