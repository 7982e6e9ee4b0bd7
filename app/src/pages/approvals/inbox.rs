use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_query_map, params::ParamsMap};

use crate::{
    api::approvals::{load_approval_inbox, resolve_approvals, BulkAnswer},
    components::{every_while_shown, PageHeader, RelativeTime, UtcTime},
    error::AppError,
    model::{ApprovalInbox, ApprovalItem},
    pages::{
        layout::WaitingApprovals,
        traces::format_duration,
        url_query::{query_text, ListError},
    },
};

/// How often an open inbox asks for new requests.
const REFRESH_EVERY: Duration = Duration::from_secs(3);

/// Pending requests, newest first, narrowed by a filter in the URL, and the latest answers. The
/// list refreshes itself while open, so a new request appears without a reload.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let query = use_query_map();
    let inbox = Resource::new(move || query_text(&query.read()), load_approval_inbox);
    every_while_shown(REFRESH_EVERY, move || inbox.refetch());
    let waiting = use_context::<WaitingApprovals>();
    let answered = Callback::new(move |()| {
        inbox.refetch();
        if let Some(waiting) = waiting {
            waiting.refresh();
        }
    });
    // Outside the refreshing list, so ticks and a typed rationale survive each refresh.
    let bulk = BulkState::default();
    view! {
        <PageHeader title="Approvals" summary="Exceptions agents asked for, waiting for a person's judgment.">
            <A href="/approval-routes" attr:class="button-link">"Routes"</A>
        </PageHeader>
        <InboxFilterForm query=query.get_untracked() />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match inbox.await {
                    Ok(inbox) => view! { <InboxView inbox answered bulk /> }.into_any(),
                    Err(error) => view! { <ListError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A plain GET form, so a filtered inbox is a link and works before the page hydrates.
#[component]
fn InboxFilterForm(query: ParamsMap) -> impl IntoView {
    let value = |key: &str| query.get(key).unwrap_or_default();
    view! {
        <form method="get" action="/approvals" class="trace-filters" role="search" aria-label="Filter pending requests">
            <label>"Route" <input type="text" name="route" value=value("route") placeholder="support-managers" /></label>
            <label>"Agent" <input type="text" name="agent" value=value("agent") placeholder="name" /></label>
            <label>"Intent starts with" <input type="text" name="intent" value=value("intent") placeholder="billing." /></label>
            <label>"Waiting at least (minutes)" <input type="number" name="older_than_minutes" min="0" value=value("older_than_minutes") /></label>
            <div class="filter-actions">
                <button type="submit">"Filter"</button>
                <a href="/approvals">"Clear"</a>
            </div>
        </form>
    }
}

/// A bulk answer in the making: the requests ticked (each with the evidence hash the list
/// showed), the rationale typed, and how the last bulk answer went.
#[derive(Clone, Copy)]
struct BulkState {
    selected: RwSignal<Vec<(String, String)>>,
    rationale: RwSignal<String>,
    report: RwSignal<Option<Result<String, AppError>>>,
}

impl Default for BulkState {
    fn default() -> Self {
        Self {
            selected: RwSignal::new(Vec::new()),
            rationale: RwSignal::new(String::new()),
            report: RwSignal::new(None),
        }
    }
}

#[component]
fn InboxView(inbox: ApprovalInbox, answered: Callback<()>, bulk: BulkState) -> impl IntoView {
    let now = inbox.now;
    let waiting = inbox.pending.len();
    let can_resolve = inbox.can_resolve;
    let selected = bulk.selected;
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
                                    {can_resolve.then(|| view! { <th scope="col"><span class="visually-hidden">"Select"</span></th> })}
                                    <th scope="col">"Request"</th>
                                    <th scope="col">"Agent"</th>
                                    <th scope="col">"Intent"</th>
                                    <th scope="col">"Asked for by"</th>
                                    <th scope="col">"Route"</th>
                                    <th scope="col">"Asked"</th>
                                    <th scope="col">"Expires"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {inbox.pending.into_iter().map(|item| view! { <PendingRow item now can_resolve selected /> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    {can_resolve.then(|| view! { <BulkAnswerForm bulk answered /> })}
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
    .into_any()
}

#[component]
fn PendingRow(
    item: ApprovalItem,
    now: i64,
    can_resolve: bool,
    selected: RwSignal<Vec<(String, String)>>,
) -> impl IntoView {
    let id = item.id.clone();
    let choice = (item.id.clone(), item.evidence_hash.clone());
    let is_selected =
        move || selected.with(|chosen| chosen.iter().any(|(chosen, _)| *chosen == id));
    let title = item.title.clone();
    view! {
        <tr>
            {can_resolve.then(move || view! {
                <td>
                    <input type="checkbox" aria-label=format!("Select {title}") prop:checked=is_selected
                        on:change=move |event| {
                            let ticked = event_target_checked(&event);
                            selected.update(|chosen| {
                                chosen.retain(|(id, _)| *id != choice.0);
                                if ticked {
                                    chosen.push(choice.clone());
                                }
                            });
                        } />
                </td>
            })}
            <td><A href=format!("/approvals/{}", item.id)>{item.title.clone()}</A></td>
            <td class="mono">{item.agent_name.clone()}</td>
            <td class="mono">{item.intent.clone()}</td>
            <td class="mono">{item.asked_by.clone().unwrap_or_else(|| "—".to_owned())}</td>
            <td class="mono">{item.approval_route.clone().unwrap_or_else(|| "—".to_owned())}</td>
            <td><RelativeTime unix_millis=item.requested_at now /></td>
            <td><RelativeTime unix_millis=item.expires_at now /></td>
        </tr>
    }
}

/// One rationale for every ticked request, approved or rejected together; each answer is
/// checked on its own, and the refusals are listed.
#[component]
fn BulkAnswerForm(bulk: BulkState, answered: Callback<()>) -> impl IntoView {
    let BulkState {
        selected,
        rationale,
        report,
    } = bulk;
    let answer = move |outcome: &'static str| {
        let answers: Vec<BulkAnswer> = selected
            .get()
            .into_iter()
            .map(|(id, evidence_hash)| BulkAnswer { id, evidence_hash })
            .collect();
        let typed = rationale.get();
        spawn_local(async move {
            let result = resolve_approvals(answers, outcome.to_owned(), typed).await;
            let summary = result.map(|results| {
                let refused: Vec<String> = results
                    .iter()
                    .filter_map(|result| {
                        result
                            .refusal
                            .as_ref()
                            .map(|why| format!("{}: {why}", result.title))
                    })
                    .collect();
                let done = results.len() - refused.len();
                if refused.is_empty() {
                    format!("{done} answered.")
                } else {
                    format!("{done} answered; refused: {}", refused.join("; "))
                }
            });
            selected.set(Vec::new());
            rationale.set(String::new());
            report.set(Some(summary));
            answered.run(());
        });
    };
    let none_selected = move || selected.with(Vec::is_empty);
    view! {
        <div class="form-card bulk-answer" role="group" aria-labelledby="bulk-heading">
            <h3 id="bulk-heading">{move || format!("Answer the {} selected", selected.with(Vec::len))}</h3>
            <label for="bulk-rationale">"Rationale (for each selected request)"</label>
            <input id="bulk-rationale" type="text" prop:value=rationale
                on:input=move |event| rationale.set(event_target_value(&event)) />
            <div class="inline-fields">
                <button type="button" class="button-primary" disabled=none_selected on:click=move |_| answer("approved")>"Approve selected"</button>
                <button type="button" disabled=none_selected on:click=move |_| answer("rejected")>"Reject selected"</button>
            </div>
            {move || report.get().map(|summary| match summary {
                Ok(text) => view! { <p class="notice notice-success" role="status">{text}</p> }.into_any(),
                Err(error) => view! { <p class="notice notice-error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </div>
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
