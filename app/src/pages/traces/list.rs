use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map, params::ParamsMap};

use super::{format_duration, policy_version_href};
use crate::{
    api::traces::load_traces,
    components::{OutcomeBadge, PageHeader, StatusBadge, UtcTime},
    error::AppError,
    model::TraceSummary,
    pages::forbidden::Refusal,
};

const STATUSES: &[&str] = &[
    "open",
    "needs_approval",
    "approved",
    "rejected",
    "committed",
    "aborted",
];
const OUTCOMES: &[&str] = &["allow", "requires_exception", "deny"];

/// Decisions, newest first, narrowed by a filter that lives in the URL: the form submits as a
/// plain GET, so a view is a link anyone can share, and it works before the page hydrates.
#[component]
pub fn TracesPage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(move || query_text(&query.read()), load_traces);
    view! {
        <PageHeader title="Traces" summary="Every decision agents made, step by step, with proof.">
            // A download, not a page: the router must not take it.
            <a
                href=move || format!("/traces.ndjson?{}", with_cursor(&query.read(), ""))
                class="button-link"
                rel="external"
                download="decisions.ndjson"
            >
                "Export NDJSON"
            </a>
        </PageHeader>
        <FilterForm query=query.get_untracked() />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let next = page
                            .next_cursor
                            .map(|cursor| format!("/traces?{}", with_cursor(&query.read_untracked(), &cursor)));
                        let first = query.read_untracked().get("cursor").is_some().then(|| {
                            format!("/traces?{}", with_cursor(&query.read_untracked(), ""))
                        });
                        view! {
                            {if page.decisions.is_empty() {
                                view! { <p class="empty-state">"No decision matches this filter."</p> }.into_any()
                            } else {
                                view! { <TracesTable decisions=page.decisions /> }.into_any()
                            }}
                            <nav class="pager" aria-label="Pages">
                                {first.map(|href| view! { <A href=href>"← Newest"</A> })}
                                {next.map(|href| view! { <A href=href attr:rel="next">"Older decisions →"</A> })}
                            </nav>
                        }.into_any()
                    }
                    Err(AppError::Invalid { field, message }) => view! {
                        <p class="notice notice-error" role="alert" data-field=field>{message}</p>
                    }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The URL's query as the server function takes it: `key=value&…`.
fn query_text(query: &ParamsMap) -> String {
    query.to_query_string().trim_start_matches('?').to_owned()
}

/// The same filter starting at `cursor` (the first page when empty); other parameters stay as
/// the person typed them, less the empty ones a submitted form carries.
fn with_cursor(query: &ParamsMap, cursor: &str) -> String {
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

#[component]
fn FilterForm(query: ParamsMap) -> impl IntoView {
    let value = |key: &str| query.get(key).unwrap_or_default();
    let selected = |key: &str, option: &str| query.get_str(key) == Some(option);
    view! {
        <form method="get" action="/traces" class="trace-filters" role="search" aria-label="Filter decisions">
            <label class="wide">
                "Text"
                <input type="search" name="q" value=value("q")
                    placeholder="A word of a rationale, summary or approval title" />
            </label>
            <label>"Agent" <input type="text" name="agent" value=value("agent") placeholder="name" /></label>
            <label>"Intent starts with" <input type="text" name="intent" value=value("intent") placeholder="billing." /></label>
            <label>
                "Status"
                <select name="status">
                    <option value="">"any"</option>
                    {STATUSES.iter().map(|status| view! {
                        <option value=*status selected=selected("status", status)>{status.replace('_', " ")}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                "Outcome"
                <select name="outcome">
                    <option value="">"any"</option>
                    {OUTCOMES.iter().map(|outcome| view! {
                        <option value=*outcome selected=selected("outcome", outcome)>{outcome.replace('_', " ")}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Policy id" <input type="text" name="policy" value=value("policy") /></label>
            <label>"Version" <input type="number" name="policy_version" min="1" value=value("policy_version") /></label>
            <label>"Approver" <input type="email" name="approver" value=value("approver") placeholder="email" /></label>
            <label>"From (UTC)" <input type="date" name="from" value=value("from") /></label>
            <label>"To (UTC)" <input type="date" name="to" value=value("to") /></label>
            <div class="filter-actions">
                <button type="submit">"Filter"</button>
                <a href="/traces">"Clear"</a>
            </div>
        </form>
    }
}

#[component]
fn TracesTable(decisions: Vec<TraceSummary>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="traces">
                <caption class="visually-hidden">"Decisions, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Opened"</th>
                        <th scope="col">"Agent"</th>
                        <th scope="col">"Intent"</th>
                        <th scope="col">"Mode"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"Policies"</th>
                        <th scope="col">"Approval"</th>
                        <th scope="col" class="num">"Duration"</th>
                    </tr>
                </thead>
                <tbody>
                    {decisions.into_iter().map(|decision| view! { <TraceRow decision /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn TraceRow(decision: TraceSummary) -> impl IntoView {
    let href = format!("/traces/{}", decision.id);
    let agent_href = format!("/agents/{}", decision.agent_name);
    view! {
        <tr>
            <td><A href=href attr:title=decision.id.clone()><UtcTime unix_millis=decision.created_at /></A></td>
            <td class="mono"><A href=agent_href>{decision.agent_name.clone()}</A></td>
            <td class="mono">{decision.intent.clone()}</td>
            <td>{decision.automation_mode.as_str()}</td>
            <td><StatusBadge status=decision.status.as_str() /></td>
            <td>{decision.latest_outcome.clone().map(|outcome| view! { <OutcomeBadge outcome /> })}</td>
            <td class="mono">
                {decision.policies_used.iter().map(|used| view! {
                    <A href=policy_version_href(&used.policy_id, used.version) attr:title=format!("sha256 {}", used.hash)>
                        {format!("{} v{}", used.policy_id, used.version)}
                    </A>
                    " "
                }).collect_view()}
            </td>
            <td>
                {decision.approval.clone().map(|approval| view! {
                    {approval.status.as_str()}
                    {approval.approver.map(|by| format!(" by {by}"))}
                })}
            </td>
            <td class="num">{decision.duration_ms.map(format_duration)}</td>
        </tr>
    }
}
