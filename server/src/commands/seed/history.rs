//! One decision's life, from opening to closing: the events an agent and an approver would
//! have recorded, and the rows the journal would have kept beside them.

use serde_json::json;
use verdict_policy::Outcome;

use app::{
    model::{
        ApprovalRequested, ApprovalResolved, ApprovalStatus, AutomationMode, ClosingAction,
        ContextAdded, DecisionClosed, DecisionOpened, DecisionStatus, EventPayload,
        PolicyEvaluated, PolicyUse, Snapshot,
    },
    ssr::{
        ids::new_id,
        store::{approvals::ApprovalRow, decisions::DecisionRow, decisions::NewEvaluation},
    },
};

use super::{
    scenarios::{scenario, Rng, APPROVERS, APPROVE_REASONS, REJECT_REASONS},
    writing::{Batch, Chain},
    SeedAgent, SeedPolicy, DAY_MILLIS,
};

/// One whole decision: its row, events, evaluation and approval, if any.
pub(super) fn history(
    batch: &mut Batch,
    rng: &mut Rng,
    agent: &SeedAgent,
    policy: &SeedPolicy,
    created_at: i64,
    now: i64,
) {
    let decision_id = new_id();
    let agent_actor = format!("agent:{}", agent.name);
    let mode = match rng.below(10) {
        0 => AutomationMode::Propose,
        1 => AutomationMode::Approve,
        2 => AutomationMode::Override,
        _ => AutomationMode::Autonomous,
    };
    let customer = format!("customer:C-{}", 10_000 + rng.below(90_000));
    let story = scenario(rng, agent.kind);
    let mut chain = Chain::new(decision_id.clone(), created_at, now);
    chain.append(
        &agent_actor,
        DecisionOpened {
            intent: agent.kind.intent().to_owned(),
            automation_mode: mode,
            actor: Some(customer.clone()),
            metadata: Some(json!({"source": "seed"})),
        },
    );
    chain.wait(20 + rng.below(500));
    chain.append(
        &agent_actor,
        ContextAdded {
            summary: story.context.to_owned(),
            payload: None,
        },
    );
    chain.wait(50 + rng.below(1_500));
    chain.append(&agent_actor, story.read);
    chain.wait(5 + rng.below(50));

    let evaluation = policy.policy.evaluate(&story.inputs);
    let matched: Vec<String> = evaluation
        .matched_rules
        .iter()
        .map(|rule| rule.as_str().to_owned())
        .collect();
    let eval_at = chain.now_at();
    let eval_id = chain.append(
        &agent_actor,
        PolicyEvaluated {
            policy_id: Some(policy.id.clone()),
            version: Some(policy.version),
            hash: Some(policy.hash.clone()),
            inputs: story.inputs,
            outcome: evaluation.outcome,
            rationale: evaluation.rationale.clone(),
            decided_by: evaluation
                .decided_by
                .as_ref()
                .map(|rule| rule.as_str().to_owned()),
            matched_rules: matched.clone(),
            approval_route: evaluation.approval_route.clone(),
            action: None,
            action_digest: None,
        },
    );
    batch.evaluations.push(NewEvaluation {
        event_id: eval_id,
        decision_id: decision_id.clone(),
        agent_id: agent.id.clone(),
        policy_id: policy.id.clone(),
        policy_version: policy.version,
        policy_hash: policy.hash.clone(),
        outcome: evaluation.outcome.as_str().to_owned(),
        matched_rules: serde_json::to_string(&matched).unwrap_or_default(),
        at: eval_at,
    });
    let outcome = evaluation.outcome;
    let route = (outcome == Outcome::RequiresException)
        .then(|| evaluation.approval_route.clone())
        .flatten();
    let policies_used = vec![PolicyUse {
        policy_id: policy.id.clone(),
        version: policy.version,
        hash: policy.hash.clone(),
    }];

    let mut status = DecisionStatus::Committed;
    let mut granted = false;
    let mut closing: Option<EventPayload> = None;
    let needs_approval = outcome == Outcome::RequiresException
        || (outcome == Outcome::Allow && mode.needs_approval_to_act());
    if outcome == Outcome::Deny {
        status = DecisionStatus::Aborted;
        closing = Some(aborted(
            ClosingAction::Abort,
            format!("denied: {}", evaluation.rationale),
        ));
    } else if needs_approval {
        chain.wait(100 + rng.below(2_000));
        let approval_id = new_id();
        let requested_at = chain.now_at();
        let message = format!("{}; {}", evaluation.rationale, story.context);
        // Requests of the last twelve hours may still be waiting for someone.
        let pending = requested_at > now - DAY_MILLIS / 2 && rng.chance(0.5);
        let expires_at = requested_at + if pending { 3 * DAY_MILLIS } else { DAY_MILLIS };
        chain.append(
            &agent_actor,
            ApprovalRequested {
                approval_id: approval_id.clone(),
                title: story.title.clone(),
                message: message.clone(),
                approval_route: route.clone(),
                route_version: None,
                required_approvals: 1,
                require_rationale: true,
                expires_at,
                action: None,
                action_digest: None,
            },
        );
        let (approval_status, resolved_at, resolved_by, rationale) = if pending {
            status = DecisionStatus::NeedsApproval;
            (ApprovalStatus::Pending, None, None, None)
        } else {
            chain.wait(120_000 + rng.below(6 * 3_600_000));
            let approver = *rng.pick(&APPROVERS);
            let approve = rng.chance(0.75);
            let rationale = if approve {
                *rng.pick(&APPROVE_REASONS)
            } else {
                *rng.pick(&REJECT_REASONS)
            };
            let resolution = if approve {
                ApprovalStatus::Approved
            } else {
                ApprovalStatus::Rejected
            };
            chain.append(
                &format!("user:{approver}"),
                ApprovalResolved {
                    approval_id: approval_id.clone(),
                    outcome: resolution,
                    by: approver.to_owned(),
                    approvers: Some(if approve {
                        vec![approver.to_owned()]
                    } else {
                        Vec::new()
                    }),
                    rationale: Some(rationale.to_owned()),
                    evidence_hash: None,
                },
            );
            if approve {
                granted = true;
            } else {
                status = DecisionStatus::Aborted;
                closing = Some(aborted(
                    ClosingAction::Abort,
                    "the approver rejected the request".to_owned(),
                ));
            }
            (
                resolution,
                Some(chain.now_at()),
                Some(approver.to_owned()),
                Some(rationale.to_owned()),
            )
        };
        batch.approvals.push(ApprovalRow {
            id: approval_id,
            decision_id: decision_id.clone(),
            agent_id: agent.id.clone(),
            title: story.title.clone(),
            message,
            approval_route: route.clone(),
            require_rationale: 1,
            status: approval_status,
            requested_at,
            expires_at,
            resolved_at,
            resolved_by,
            rationale,
            route_version: None,
            required_approvals: 1,
            action_digest: None,
        });
    } else if rng.chance(0.03) {
        status = DecisionStatus::Aborted;
        closing = Some(aborted(
            ClosingAction::Rollback,
            "the customer withdrew the request".to_owned(),
        ));
    }
    if status == DecisionStatus::Committed {
        chain.wait(30 + rng.below(3_000));
        chain.append(&agent_actor, story.action);
        closing = Some(EventPayload::DecisionCommitted(DecisionClosed {
            action: ClosingAction::Commit,
            reason: None,
        }));
    }
    let mut closed_at = None;
    if let Some(last) = closing {
        chain.wait(5 + rng.below(200));
        chain.append(
            &agent_actor,
            Snapshot {
                policies: policies_used.clone(),
            },
        );
        chain.append(&agent_actor, last);
        closed_at = Some(chain.now_at());
    }
    let head = chain.head();
    let (last_sequence, last_hash, last_at) =
        (head.sequence, head.hash.to_owned(), chain.last_at());
    batch.decisions.push(DecisionRow {
        id: decision_id,
        agent_id: agent.id.clone(),
        intent: agent.kind.intent().to_owned(),
        automation_mode: mode,
        actor: Some(customer),
        status,
        latest_outcome: Some(outcome),
        latest_route: route,
        approval_granted: i64::from(granted),
        policies_used,
        last_sequence,
        last_hash,
        created_at,
        updated_at: last_at,
        closed_at,
        payload_bytes: chain.payload_bytes(),
        latest_inputs_hash: None,
        evaluated_actions: Vec::new(),
        latest_action_digest: None,
        purpose: None,
        risk_tier: None,
        product_uses: Vec::new(),
    });
    batch.events.extend(chain.into_events());
}

fn aborted(action: ClosingAction, reason: String) -> EventPayload {
    EventPayload::DecisionAborted(DecisionClosed {
        action,
        reason: Some(reason),
    })
}
