use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use super::{format_duration, policy_version_href, sentence::event_sentence};
use crate::{
    api::{
        receipts::{load_decision_receipt, ReceiptSummary},
        traces::{load_decision_trace, DecisionTrace},
    },
    components::{OutcomeBadge, PageHeader, StatusBadge, UtcTime},
    model::{ReplayReport, TraceEvent, TraceSummary, Verification},
    pages::{products::TierBadge, refusal::Refusal},
};

/// One decision whole: what it was, the proofs (chain recomputed, evaluations replayed), the
/// policy versions it used, and every event in order.
#[component]
pub fn DecisionTracePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let trace = Resource::new(
        move || {
            let after = query
                .read()
                .get("after")
                .and_then(|after| after.parse::<i64>().ok());
            (params.read().get("id").unwrap_or_default(), after)
        },
        |(id, after)| load_decision_trace(id, after),
    );
    // Made here with the trace, never under the boundary (see the README on hydration).
    let receipt = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_decision_receipt,
    );
    view! {
        <PageHeader title="Decision" summary="Every step this decision took, in order, with proof that none was altered.">
            <A href="/traces" attr:class="button-link">"All decisions"</A>
        </PageHeader>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match trace.await {
                    Ok(trace) => {
                        // A receipt that cannot be issued does not hide the trace.
                        let receipt = receipt.await.ok().flatten();
                        view! { <DecisionTraceView trace receipt /> }.into_any()
                    }
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DecisionTraceView(trace: DecisionTrace, receipt: Option<ReceiptSummary>) -> impl IntoView {
    let DecisionTrace {
        detail,
        verification,
        replay,
    } = trace;
    let opened_at = detail.decision.created_at;
    let decision_id = detail.decision.id.clone();
    view! {
        <Summary decision=detail.decision.clone() actor=detail.actor.clone() />
        <section class="proofs" aria-label="Proofs">
            <ChainProof verification />
            <ReplayProof replay />
        </section>
        <ReceiptPanel decision_id=decision_id.clone() receipt />
        <PoliciesUsed decision=detail.decision />
        <section aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">"Timeline"</h2>
            <EventScreen
                decision_id
                shown=detail.events.iter().map(|event| event.sequence).collect()
                total=detail.events_total
                next_after=detail.next_after
            />
            <ol class="timeline">
                {detail.events.into_iter().map(|event| view! { <TimelineEvent event opened_at /> }).collect_view()}
            </ol>
        </section>
    }
}

/// A closed decision's signed receipt: what it pins, whether it verifies now, and the document
/// to download (from the admin receipt endpoint, which reads the browser's session too). An open
/// decision has none yet.
#[component]
fn ReceiptPanel(decision_id: String, receipt: Option<ReceiptSummary>) -> impl IntoView {
    let Some(receipt) = receipt else {
        return view! {
            <p class="muted" data-testid="receipt-pending">
                "A signed receipt is issued when the decision commits or aborts."
            </p>
        }
        .into_any();
    };
    let href = format!("/api/v1/admin/decisions/{decision_id}/receipt");
    let file_name = format!("receipt-{decision_id}.json");
    view! {
        <section aria-labelledby="receipt-heading" data-testid="receipt">
            <h2 id="receipt-heading">"Receipt"</h2>
            <p>
                {if receipt.verified {
                    view! {
                        <span class="badge status-active" data-testid="receipt-verified">"Verified"</span>
                        " Signature and chain checked on the server just now."
                    }
                    .into_any()
                } else {
                    view! {
                        <span class="badge outcome-deny" data-testid="receipt-verified">"Not verified"</span>
                        " " {receipt.problem.clone().unwrap_or_default()}
                    }
                    .into_any()
                }}
            </p>
            <dl class="facts">
                <dt>"Signing key"</dt>
                <dd class="mono" data-testid="receipt-key-id">{receipt.key_id.clone()}</dd>
                <dt>"Chain head"</dt>
                <dd class="mono" title="The hash of the last event the receipt covers">{receipt.chain_head.clone()}</dd>
                <dt>"Events"</dt>
                <dd>{receipt.event_count}</dd>
                <dt>"Issued at"</dt>
                <dd><time>{receipt.issued_at.clone()}</time></dd>
                <dt>"Covers"</dt>
                <dd>{format!(
                    "{}, {}, {}",
                    counted(receipt.actions, "action"),
                    counted(receipt.evaluations, "evaluation"),
                    counted(receipt.approvals, "approval")
                )}</dd>
            </dl>
            // A download, not a page: the router must not take it.
            <a
                href=href
                class="button-link"
                rel="external"
                download=file_name
                data-testid="download-receipt"
            >
                "Download receipt"
            </a>
            " "
            <span class="muted">"Anyone can check it: POST it to /api/v1/receipts/verify, or verify it offline with the keys at /.well-known/verdict-keys.json."</span>
        </section>
    }
    .into_any()
}

/// "1 action", "2 actions".
fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Which events this screen shows, with links to the first and the next screen when the
/// decision holds more than one.
#[component]
fn EventScreen(
    decision_id: String,
    shown: Vec<i64>,
    total: i64,
    next_after: Option<i64>,
) -> impl IntoView {
    let (Some(first), Some(last)) = (shown.first().copied(), shown.last().copied()) else {
        return ().into_any();
    };
    if first == 1 && next_after.is_none() {
        return ().into_any();
    }
    view! {
        <p class="muted" data-testid="event-screen">
            {format!("Events {first} to {last} of {total}. ")}
            {(first > 1).then(|| view! { <A href=format!("/traces/{decision_id}")>"First events"</A> " "})}
            {next_after.map(|after| view! {
                <A href=format!("/traces/{decision_id}?after={after}")>"Next events"</A>
            })}
        </p>
    }
    .into_any()
}

#[component]
fn Summary(decision: TraceSummary, actor: Option<String>) -> impl IntoView {
    let agent_href = format!("/agents/{}", decision.agent_name);
    view! {
        <dl class="facts">
            <dt>"Decision"</dt>
            <dd class="mono">{decision.id.clone()}</dd>
            <dt>"Agent"</dt>
            <dd class="mono"><A href=agent_href>{decision.agent_name.clone()}</A></dd>
            <dt>"Intent"</dt>
            <dd class="mono">{decision.intent.clone()}</dd>
            <dt>"Automation mode"</dt>
            <dd>{decision.automation_mode.as_str()}</dd>
            <dt>"On behalf of"</dt>
            <dd>{actor.unwrap_or_else(|| "—".to_owned())}</dd>
            <dt>"Status"</dt>
            <dd><StatusBadge status=decision.status.as_str() /></dd>
            <dt>"Outcome"</dt>
            <dd>
                {match decision.latest_outcome {
                    Some(outcome) => view! { <OutcomeBadge outcome /> }.into_any(),
                    None => "not evaluated".into_any(),
                }}
            </dd>
            <dt>"Purpose"</dt>
            <dd data-testid="decision-purpose">
                {match decision.purpose.clone() {
                    Some(purpose) => view! { <span class="mono">{purpose}</span> }.into_any(),
                    None => "none: no catalogued data read".into_any(),
                }}
            </dd>
            <dt>"Risk tier"</dt>
            <dd data-testid="decision-risk-tier">
                {match decision.risk_tier {
                    Some(tier) => view! { <TierBadge tier /> }.into_any(),
                    None => "none: no catalogued operation used".into_any(),
                }}
            </dd>
            <dt>"Opened"</dt>
            <dd><UtcTime unix_millis=decision.created_at /></dd>
            <dt>"Duration"</dt>
            <dd>{decision.duration_ms.map(format_duration).unwrap_or_else(|| "still open".to_owned())}</dd>
        </dl>
    }
}

#[component]
fn ChainProof(verification: Verification) -> impl IntoView {
    match verification.first_break {
        None => view! {
            <p class="notice notice-success" role="status" data-testid="chain-status">
                <strong>"Chain intact. "</strong>
                {format!(
                    "All {} event hashes were recomputed on the server just now and match.",
                    verification.events
                )}
            </p>
        }
        .into_any(),
        Some(first_break) => view! {
            <p class="notice notice-error" role="alert" data-testid="chain-status">
                <strong>"Chain broken. "</strong>
                {format!(
                    "Event #{} ({}) does not match: {}. Everything from it on cannot be trusted.",
                    first_break.sequence, first_break.event_id, first_break.reason
                )}
            </p>
        }
        .into_any(),
    }
}

#[component]
fn ReplayProof(replay: ReplayReport) -> impl IntoView {
    let rerun = replay
        .evaluations
        .iter()
        .filter(|evaluation| evaluation.replayed_outcome.is_some())
        .count();
    if replay.evaluations.is_empty() {
        return view! {
            <p class="notice" role="status" data-testid="replay-status">
                "Replay: this decision recorded no evaluation."
            </p>
        }
        .into_any();
    }
    if replay.identical {
        return view! {
            <p class="notice notice-success" role="status" data-testid="replay-status">
                <strong>"Replay identical. "</strong>
                {format!(
                    "{rerun} of {} recorded evaluations re-run with their recorded policy version and inputs gave the same outcome, rules and rationale.",
                    replay.evaluations.len()
                )}
            </p>
        }
        .into_any();
    }
    view! {
        <div class="notice notice-error" role="alert" data-testid="replay-status">
            <p><strong>"Replay differs. "</strong>"Re-running these evaluations did not give what was recorded:"</p>
            <ul>
                {replay.evaluations.into_iter().filter(|evaluation| !evaluation.identical).map(|evaluation| view! {
                    <li>
                        {format!("Event #{}: ", evaluation.sequence)}
                        {evaluation.note.clone()}
                        {evaluation.differences.into_iter().map(|difference| format!(
                            " {} was {} and is now {}.",
                            difference.field, difference.recorded, difference.replayed
                        )).collect::<String>()}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

#[component]
fn PoliciesUsed(decision: TraceSummary) -> impl IntoView {
    view! {
        <section aria-labelledby="policies-heading">
            <h2 id="policies-heading">"Policy versions used"</h2>
            {if decision.policies_used.is_empty() {
                view! { <p class="muted">"None: no bound policy was evaluated."</p> }.into_any()
            } else {
                view! {
                    <ul class="policy-uses">
                        {decision.policies_used.into_iter().map(|used| view! {
                            <li>
                                <A href=policy_version_href(&used.policy_id, used.version)>
                                    {format!("{} v{}", used.policy_id, used.version)}
                                </A>
                                " " <span class="mono muted" title="The version's content hash">{format!("sha256 {}", used.hash)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// One event of a decision's chain: a sentence saying what happened, when and by whom, with
/// the raw payload and its hash one click away.
#[component]
pub(crate) fn TimelineEvent(event: TraceEvent, opened_at: i64) -> impl IntoView {
    let payload = serde_json::to_string_pretty(&event.payload).unwrap_or_default();
    let sentence = event_sentence(&event);
    let kind = event.kind.clone();
    view! {
        <li class=format!("timeline-event event-{kind}") data-kind=kind.clone()>
            <div class="event-head">
                <span class="event-sequence">{format!("#{}", event.sequence)}</span>
                <strong>{kind.replace('_', " ")}</strong>
                <UtcTime unix_millis=event.at />
                <span class="muted" title="Since the decision was opened">
                    {format!("+{}", format_duration(event.at - opened_at))}
                </span>
                <span class="muted">{format!("by {}", event.actor)}</span>
            </div>
            <p class="event-sentence">{sentence}</p>
            <details class="raw-json">
                <summary>"Raw event and hash"</summary>
                <pre class="code-view">{payload}</pre>
                <p class="mono muted event-hash" title="SHA-256 of the previous hash and this event's canonical bytes">
                    {format!("hash {}", event.hash)}
                </p>
            </details>
        </li>
    }
}
