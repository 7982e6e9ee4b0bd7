use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map, params::ParamsMap};

use super::{charts::TraceChartsView, format_duration, policy_version_href};
use crate::{
    api::traces::{load_trace_charts, load_traces},
    components::{OutcomeBadge, PageHeader, StatusBadge, UtcTime},
    model::{RiskTier, TraceSummary},
    pages::{
        products::TierBadge,
        url_query::{query_text, with_cursor, ListError, Pager},
    },
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
    let charts = Resource::new(move || with_cursor(&query.read(), ""), load_trace_charts);
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
        // The charts stream in on their own, so a slow aggregate never holds up the table.
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                charts.await.ok().map(|charts| view! { <TraceChartsView charts /> })
            })}
        </Suspense>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! {
                        {if page.decisions.is_empty() {
                            view! { <p class="empty-state">"No decision matches this filter."</p> }.into_any()
                        } else {
                            view! { <TracesTable decisions=page.decisions /> }.into_any()
                        }}
                        <Pager path="/traces" query=query.get_untracked() next_cursor=page.next_cursor older="Older decisions →" />
                    }.into_any(),
                    Err(error) => view! { <ListError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn FilterForm(query: ParamsMap) -> impl IntoView {
    let value = |key: &str| query.get(key).unwrap_or_default();
    view! {
        <form method="get" action="/traces" class="trace-filters" role="search" aria-label="Filter decisions">
            <label class="wide">
                "Text"
                <input type="search" name="q" value=value("q")
                    placeholder="A word of a rationale, summary or approval title" />
            </label>
            <label>"Agent" <input type="text" name="agent" value=value("agent") placeholder="name" /></label>
            <label>"Intent starts with" <input type="text" name="intent" value=value("intent") placeholder="billing." /></label>
            <Choice label="Status" name="status" options=STATUSES.to_vec() chosen=query.get("status") />
            <Choice label="Outcome" name="outcome" options=OUTCOMES.to_vec() chosen=query.get("outcome") />
            <label>"Policy id" <input type="text" name="policy" value=value("policy") /></label>
            <label>"Version" <input type="number" name="policy_version" min="1" value=value("policy_version") /></label>
            <label>"Approver" <input type="email" name="approver" value=value("approver") placeholder="email" /></label>
            <label>"Data product" <input type="text" name="product" value=value("product") placeholder="customer_profiles" /></label>
            <label>"Purpose" <input type="text" name="purpose" value=value("purpose") placeholder="support" /></label>
            <Choice
                label="Risk tier"
                name="risk_tier"
                options=RiskTier::ALL.iter().map(|tier| tier.as_str()).collect()
                chosen=query.get("risk_tier")
            />
            <label>"From (UTC)" <input type="date" name="from" value=value("from") /></label>
            <label>"To (UTC)" <input type="date" name="to" value=value("to") /></label>
            <div class="filter-actions">
                <button type="submit">"Filter"</button>
                <a href="/traces">"Clear"</a>
            </div>
        </form>
    }
}

/// A select of `options` (`any` first, for no filter), `chosen` selected.
#[component]
fn Choice(
    label: &'static str,
    name: &'static str,
    options: Vec<&'static str>,
    chosen: Option<String>,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <select name=name>
                <option value="">"any"</option>
                {options.into_iter().map(|option| view! {
                    <option value=option selected=chosen.as_deref() == Some(option)>{option.replace('_', " ")}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn TracesTable(decisions: Vec<TraceSummary>) -> impl IntoView {
    view! {
        // Focusable, so a keyboard can scroll it when long values make it wider than the page.
        <div class="table-wrap" tabindex="0" role="region" aria-label="Decisions">
            <table class="traces">
                <caption class="visually-hidden">"Decisions, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Opened"</th>
                        <th scope="col">"Agent"</th>
                        <th scope="col">"Intent"</th>
                        <th scope="col" class="col-mode">"Mode"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"Policies"</th>
                        <th scope="col">"Purpose, tier"</th>
                        <th scope="col">"Approval"</th>
                        <th scope="col" class="num col-duration">"Duration"</th>
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
            <td class="col-mode">{decision.automation_mode.as_str()}</td>
            <td><StatusBadge status=decision.status.as_str() /></td>
            <td>{decision.latest_outcome.map(|outcome| view! { <OutcomeBadge outcome /> })}</td>
            <td class="mono">
                {decision.policies_used.iter().map(|used| view! {
                    <A href=policy_version_href(&used.policy_id, used.version) attr:title=format!("sha256 {}", used.hash)>
                        {format!("{} v{}", used.policy_id, used.version)}
                    </A>
                    " "
                }).collect_view()}
            </td>
            <td class="data-use">
                {decision.purpose.clone().map(|purpose| view! { <span class="mono">{purpose}</span> " " })}
                {decision.risk_tier.map(|tier| view! { <TierBadge tier /> })}
            </td>
            <td class="approval">
                {decision.approval.clone().map(|approval| view! {
                    {approval.status.as_str()}
                    {approval.approver.map(|by| format!(" by {by}"))}
                })}
            </td>
            <td class="num col-duration">{decision.duration_ms.map(format_duration)}</td>
        </tr>
    }
}
