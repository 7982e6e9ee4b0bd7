use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use serde_json::Value;

use crate::{
    api::approvals::{load_approval_request, RedeliverApproval, ResolveApproval},
    components::{
        last_error, FieldError, FormError, OutcomeBadge, PageHeader, RelativeTime, UtcTime,
    },
    model::{
        Action, Answer, ApprovalEvaluation, ApprovalItem, ApprovalRequestView, ApprovalStatus,
        LabelledInput,
    },
    pages::{
        layout::WaitingApprovals,
        refusal::Refusal,
        traces::{input_rows, value_text, TimelineEvent},
    },
};

use super::delivery::DeliverySection;

/// One request with what the approver needs to judge it: the message, every evaluation's inputs,
/// rationale and rules, and the decision's events so far. The answer binds to the events shown.
#[component]
pub fn ApprovalRequestPage() -> impl IntoView {
    let params = use_params_map();
    // Chat links open the page as `?answer=approve` or `?answer=reject`: that answer is chosen.
    let chosen = use_query_map()
        .read_untracked()
        .get("answer")
        .and_then(|word| Answer::parse(&word));
    let answer = ServerAction::<ResolveApproval>::new();
    let redeliver = ServerAction::<RedeliverApproval>::new();
    let waiting = use_context::<WaitingApprovals>();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(waiting)) = (answer.value().get(), waiting) {
            waiting.refresh();
        }
    });
    let request = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                answer.version().get(),
                redeliver.version().get(),
            )
        },
        |(id, _, _)| load_approval_request(id),
    );
    view! {
        <PageHeader title="Approval request" summary="An agent asks for an exception; your answer and its rationale become part of the decision's record.">
            <A href="/approvals" attr:class="button-link">"Inbox"</A>
        </PageHeader>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match request.await {
                    Ok(request) => view! { <RequestView request answer redeliver chosen /> }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RequestView(
    request: ApprovalRequestView,
    answer: ServerAction<ResolveApproval>,
    redeliver: ServerAction<RedeliverApproval>,
    chosen: Option<Answer>,
) -> impl IntoView {
    let item = request.item.clone();
    let now = request.now;
    let opened_at = request
        .events
        .first()
        .map(|event| event.at)
        .unwrap_or(item.requested_at);
    let answerable = item.status == ApprovalStatus::Pending && request.can_resolve;
    let decision_href = format!("/traces/{}", item.decision_id);
    view! {
        <h2>{item.title.clone()}</h2>
        <p class="approval-message">{item.message.clone()}</p>
        <dl class="facts">
            <dt>"Agent"</dt>
            <dd class="mono">{item.agent_name.clone()}</dd>
            <dt>"Intent"</dt>
            <dd class="mono">{item.intent.clone()}</dd>
            <dt>"Route"</dt>
            <dd class="mono">{route_label(&item)}</dd>
            <dt>"Approvals"</dt>
            <dd>{approvals_label(item.required_approvals, &request.approved_by)}</dd>
            <dt>"Asked"</dt>
            <dd><UtcTime unix_millis=item.requested_at /></dd>
            <dt>"Expires"</dt>
            <dd><RelativeTime unix_millis=item.expires_at now /></dd>
            <dt>"Decision"</dt>
            <dd class="mono"><A href=format!("/traces/{}", item.decision_id)>{item.decision_id.clone()}</A></dd>
        </dl>
        {request.action.clone().map(|(action, digest)| view! { <ActionTable action digest /> })}
        <Status request=request.clone() />
        {answerable.then(|| view! {
            <AnswerForm
                answer
                approval_id=item.id.clone()
                evidence_hash=request.evidence_hash.clone()
                require_rationale=item.require_rationale
                chosen
            />
        })}
        {request.delivery.clone().map(|delivery| view! {
            <DeliverySection delivery approval_id=item.id.clone() can_redeliver=answerable redeliver />
        })}
        <section aria-labelledby="evaluations-heading">
            <h2 id="evaluations-heading">"What the policies said"</h2>
            {request.evaluations.into_iter().map(|evaluation| view! { <EvaluationCard evaluation /> }).collect_view()}
        </section>
        <section aria-labelledby="events-heading">
            <h2 id="events-heading">"The decision so far"</h2>
            {(request.earlier_events > 0).then(|| view! {
                <p class="muted" data-testid="earlier-events">
                    {format!("{} earlier events are not shown here; ", request.earlier_events)}
                    <A href=decision_href>"see the whole decision"</A>
                    "."
                </p>
            })}
            <ol class="timeline">
                {request.events.into_iter().map(|event| view! { <TimelineEvent event opened_at /> }).collect_view()}
            </ol>
        </section>
    }
}

/// The exact action an approval grants: product, operation and every argument, readable.
#[component]
fn ActionTable(action: Action, digest: String) -> impl IntoView {
    view! {
        <section aria-labelledby="action-heading" data-testid="action-table">
            <h2 id="action-heading">"The action this approval grants"</h2>
            <p class="muted">
                "Approving permits exactly this action and no other; its digest is "
                <span class="mono">{digest}</span>"."
            </p>
            <table class="table">
                <tbody>
                    <tr><th scope="row">"Product"</th><td class="mono">{action.product}</td></tr>
                    <tr><th scope="row">"Operation"</th><td class="mono">{action.operation}</td></tr>
                    {action.arguments.into_iter().map(|(name, value)| view! {
                        <tr>
                            <th scope="row" class="mono">{name}</th>
                            <td class="mono">{value_text(&value)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

fn route_label(item: &ApprovalItem) -> String {
    match (&item.approval_route, item.route_version) {
        (Some(route), Some(version)) => format!("{route} v{version}"),
        (Some(route), None) => format!("{route} (not defined: inbox only)"),
        (None, _) => "—".to_owned(),
    }
}

fn approvals_label(required: i64, approved_by: &[String]) -> String {
    if required <= 1 && approved_by.is_empty() {
        "one approval needed".to_owned()
    } else if approved_by.is_empty() {
        format!("{required} approvals needed; none yet")
    } else {
        format!(
            "{} of {required} given: {}",
            approved_by.len(),
            approved_by.join(", ")
        )
    }
}

#[component]
fn Status(request: ApprovalRequestView) -> impl IntoView {
    let item = request.item;
    match item.status {
        ApprovalStatus::Pending if request.can_resolve => ().into_any(),
        ApprovalStatus::Pending => view! {
            <p class="notice" role="status" data-testid="approval-status">
                "Waiting for an approver. Your role may read this request but not answer it."
            </p>
        }
        .into_any(),
        status => view! {
            <p class="notice" role="status" data-testid="approval-status">
                <strong>{status.as_str()}</strong>
                {item.resolved_by.map(|by| format!(" by {by}"))}
                {item.resolved_at.map(|at| view! { " at " <UtcTime unix_millis=at /> })}
                {item.rationale.map(|rationale| format!(": {rationale}"))}
            </p>
        }
        .into_any(),
    }
}

#[component]
fn AnswerForm(
    answer: ServerAction<ResolveApproval>,
    approval_id: String,
    evidence_hash: String,
    require_rationale: bool,
    /// The answer the link that opened the page chose, if any.
    chosen: Option<Answer>,
) -> impl IntoView {
    let error = last_error(answer);
    let reject = chosen == Some(Answer::Reject);
    let label = if require_rationale {
        "Rationale (required)"
    } else {
        "Rationale"
    };
    view! {
        <ActionForm action=answer attr:class="answer-form" attr:aria-label="Answer this request">
            <input type="hidden" name="id" value=approval_id />
            <input type="hidden" name="evidence_hash" value=evidence_hash />
            <fieldset>
                <legend>"Your answer"</legend>
                <label><input type="radio" name="outcome" value="approved" checked=!reject /> " Approve"</label>
                <label><input type="radio" name="outcome" value="rejected" checked=reject /> " Reject"</label>
            </fieldset>
            <FieldError error field="outcome" />
            <label for="rationale">{label}</label>
            <textarea id="rationale" name="rationale" rows="3"
                aria-describedby="rationale-error"
                placeholder="Why: what you checked, what convinced you"></textarea>
            <FieldError error field="rationale" />
            <FormError error />
            <button type="submit">"Send answer"</button>
        </ActionForm>
    }
}

/// One policy's verdict as an approver reads it: the outcome and the policy, the rationale in
/// words, the inputs it was given as a table (each with the description and unit the policy
/// declares for it), and the raw JSON one click away.
#[component]
fn EvaluationCard(evaluation: ApprovalEvaluation) -> impl IntoView {
    let ApprovalEvaluation {
        evaluation,
        inputs: labelled,
    } = evaluation;
    let raw = serde_json::to_string_pretty(&evaluation.inputs).unwrap_or_default();
    // Inputs that were not an object have no labels: they read as recorded.
    let rows: Vec<LabelledInput> = if labelled.is_empty() {
        input_rows(&evaluation.inputs)
            .into_iter()
            .map(|(name, text)| LabelledInput {
                name,
                value: Value::String(text),
                description: None,
                unit: None,
            })
            .collect()
    } else {
        labelled
    };
    let policy = match (&evaluation.policy_id, evaluation.version) {
        (Some(policy_id), Some(version)) => format!("{policy_id} v{version}"),
        _ => "no bound policy applied".to_owned(),
    };
    let decided_by = evaluation
        .decided_by
        .clone()
        .map(|rule| format!("Rule {rule} decided: "));
    view! {
        <article class="evaluation" data-testid="evaluation">
            <p>
                <OutcomeBadge outcome=evaluation.outcome />
                " " <span class="mono">{policy}</span>
                {(!evaluation.matched_rules.is_empty()).then(|| format!(" — rules: {}", evaluation.matched_rules.join(", ")))}
            </p>
            <p class="evaluation-rationale">{decided_by}{evaluation.rationale.clone()}</p>
            {if rows.is_empty() {
                view! { <p class="muted">"No inputs were recorded."</p> }.into_any()
            } else {
                view! {
                    <table class="inputs-table" data-testid="inputs-table">
                        <caption>"Inputs the policy was given"</caption>
                        <thead>
                            <tr><th scope="col">"Input"</th><th scope="col">"Value"</th></tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().map(|input| view! { <InputRow input /> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <details class="raw-json">
                <summary>"Raw inputs (JSON)"</summary>
                <pre class="code-view">{raw}</pre>
            </details>
        </article>
    }
}

/// One input: its name with the policy's description of it under, its value with the unit after.
#[component]
fn InputRow(input: LabelledInput) -> impl IntoView {
    view! {
        <tr>
            <th scope="row">
                <span class="mono">{input.name}</span>
                {input.description.map(|description| view! {
                    <span class="input-description">{description}</span>
                })}
            </th>
            <td>
                <span class="mono">{value_text(&input.value)}</span>
                {input.unit.map(|unit| view! { " " <span class="input-unit">{unit}</span> })}
            </td>
        </tr>
    }
}
