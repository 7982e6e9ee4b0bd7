//! Decision envelopes: what agents open, evaluate, write and close. Reads go to the pool; every
//! change goes through the journal, which commits them in groups.

pub mod actions;
mod approval_commands;
mod batch;
pub mod catalogue;
pub mod chain;
pub mod commands;
mod evaluation;
pub mod journal;
mod limits;
pub mod policy_cache;
pub mod requests;
pub mod rules;
pub mod views;

use std::{sync::Arc, time::Duration};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use verdict_policy::Outcome;

use crate::{
    error::{AppError, AppResult},
    model::{
        CloseAction, ContextAdded, DecisionStatus, EventPayload, OperationKind, PolicyEvaluated,
        Read, Write,
    },
    ssr::{store, AppState},
};

use crate::ssr::auth::agent_key::AgentPrincipal;
use chain::canonical_json;
use commands::{Command, IdempotencyClaim, NewApprovalRequest, OpenDecision};
use requests::*;
use views::*;

/// The most fields one read may name.
const MAX_READ_FIELDS: usize = 100;

/// The longest an agent may wait on one `/wait` call.
pub const MAX_WAIT_SECONDS: u64 = 60;

/// An answer and whether it repeats the first answer to the same idempotency key.
pub struct Answer<T> {
    pub value: T,
    pub replayed: bool,
}

pub async fn open(
    state: &AppState,
    agent: &AgentPrincipal,
    request: OpenDecisionRequest,
    idempotency_key: Option<&str>,
) -> AppResult<Answer<DecisionView>> {
    agent.require_unfrozen()?;
    let intent = intent(&request.intent)?;
    let actor = optional_text("actor", request.actor.as_deref(), 200)?;
    if let Some(metadata) = &request.metadata {
        json_size("metadata", metadata)?;
    }
    let fingerprint = json!({
        "intent": intent,
        "automation_mode": request.automation_mode,
        "actor": actor,
        "metadata": request.metadata,
    });
    let idempotency = idempotency_key
        .map(|key| claim(format!("open:{}", idempotency_key_text(key)?), &fingerprint))
        .transpose()?;
    let applied = state
        .journal
        .submit(Command::Open {
            scope: agent.scope(),
            request: OpenDecision {
                intent,
                automation_mode: request.automation_mode,
                actor,
                metadata: request.metadata,
            },
            idempotency,
        })
        .await?;
    Ok(match applied.replay {
        Some(first) => Answer {
            value: serde_json::from_str(&first).map_err(|_| AppError::Internal)?,
            replayed: true,
        },
        None => Answer {
            value: DecisionView::of(&applied.decision),
            replayed: false,
        },
    })
}

pub async fn add_context(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
    request: ContextRequest,
) -> AppResult<EventView> {
    agent.require_unfrozen()?;
    let summary = long_text("summary", &request.summary)?;
    if let Some(payload) = &request.payload {
        json_size("payload", payload)?;
    }
    let payload = ContextAdded {
        summary,
        payload: request.payload,
    };
    note(state, agent, decision_id, payload.into(), None, None)
        .await
        .map(|answer| answer.value)
}

pub async fn record_read(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
    request: ReadRequest,
) -> AppResult<EventView> {
    agent.require_unfrozen()?;
    let fields = request
        .fields
        .map(|fields| {
            if fields.len() > MAX_READ_FIELDS {
                return Err(AppError::invalid(
                    "fields",
                    format!("A read may name at most {MAX_READ_FIELDS} fields."),
                ));
            }
            fields
                .iter()
                .map(|field| required_text("fields", field, 200))
                .collect::<AppResult<Vec<_>>>()
        })
        .transpose()?;
    let mut payload = Read {
        product: required_text("product", &request.product, 200)?,
        purpose: long_text("purpose", &request.purpose)?,
        summary: optional_long_text("summary", request.summary.as_deref())?,
        record_count: request.record_count,
        operation: optional_text("operation", request.operation.as_deref(), 200)?,
        product_version: None,
        risk_tier: None,
        fields,
    };
    let check = catalogue::check(
        &state.db,
        &agent.agent_id,
        &payload.product,
        payload.operation.as_deref(),
        Some(OperationKind::Read),
    )
    .await?;
    if let catalogue::Check::Catalogued(catalogued) = &check {
        payload.product_version = Some(catalogued.product_use.version);
        payload.risk_tier = Some(catalogued.product_use.risk_tier);
    }
    note(state, agent, decision_id, payload.into(), Some(check), None)
        .await
        .map(|answer| answer.value)
}

pub async fn record_write(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
    request: WriteRequest,
) -> AppResult<Answer<EventView>> {
    agent.require_unfrozen()?;
    let summary = optional_long_text("summary", request.summary.as_deref())?;
    let mut write = match (request.action, request.product, request.operation) {
        (Some(action), None, None) => {
            let action = requests::action(action)?;
            Write {
                action_digest: Some(actions::digest(&action)),
                product: action.product,
                operation: action.operation,
                arguments: Some(action.arguments),
                summary,
                idempotency_key: request.idempotency_key.clone(),
                risk_tier: None,
            }
        }
        (Some(_), _, _) => {
            return Err(AppError::invalid(
                "action",
                "Give either action or product and operation, not both.",
            ))
        }
        (None, product, operation) => Write {
            product: required_text("product", product.as_deref().unwrap_or(""), 200)?,
            operation: required_text("operation", operation.as_deref().unwrap_or(""), 200)?,
            summary,
            idempotency_key: request.idempotency_key.clone(),
            arguments: None,
            action_digest: None,
            risk_tier: None,
        },
    };
    // The key covers what the agent sent, not what the catalogue adds (a tier may change
    // between a write and its retry).
    let idempotency = request
        .idempotency_key
        .as_deref()
        .map(|key| {
            claim(
                format!("write:{decision_id}:{}", idempotency_key_text(key)?),
                &EventPayload::from(write.clone()).to_value(),
            )
        })
        .transpose()?;
    let check = catalogue::check(
        &state.db,
        &agent.agent_id,
        &write.product,
        Some(&write.operation),
        Some(OperationKind::Write),
    )
    .await?;
    if let catalogue::Check::Catalogued(catalogued) = &check {
        write.risk_tier = Some(catalogued.product_use.risk_tier);
    }
    let payload = EventPayload::from(write);
    note(state, agent, decision_id, payload, Some(check), idempotency).await
}

async fn note(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
    payload: EventPayload,
    catalogue: Option<catalogue::Check>,
    idempotency: Option<IdempotencyClaim>,
) -> AppResult<Answer<EventView>> {
    let applied = state
        .journal
        .submit(Command::Note {
            scope: agent.scope(),
            decision_id: decision_id.to_owned(),
            payload: Box::new(payload),
            catalogue,
            idempotency,
        })
        .await?;
    if let Some(refusal) = applied.refused {
        return Err(refusal);
    }
    match (applied.replay, applied.events.first()) {
        (Some(first), _) => Ok(Answer {
            value: serde_json::from_str(&first).map_err(|_| AppError::Internal)?,
            replayed: true,
        }),
        (None, Some(event)) => Ok(Answer {
            value: EventView::of(event),
            replayed: false,
        }),
        (None, None) => Err(AppError::Internal),
    }
}

async fn bound_versions(
    state: &AppState,
    agent_id: &str,
) -> AppResult<Arc<Vec<store::bindings::BoundVersionRow>>> {
    if let Some(versions) = state.db.access.bound_versions(agent_id) {
        return Ok(versions);
    }
    let read_at = state.db.access.generation();
    let versions = Arc::new(store::bindings::bound_versions(&state.db.pool, agent_id).await?);
    state
        .db
        .access
        .keep_bound_versions(agent_id, read_at, versions.clone());
    Ok(versions)
}

/// The policies that may be scoped to products, as `bound_versions` keeps an agent's: every
/// evaluation of a decision that used a product asks, and only a publish or archive changes it.
async fn product_scoped_versions(
    state: &AppState,
) -> AppResult<Arc<Vec<store::bindings::BoundVersionRow>>> {
    if let Some(versions) = state.db.access.product_scoped() {
        return Ok(versions);
    }
    let read_at = state.db.access.generation();
    let versions = Arc::new(store::product_uses::product_scoped_versions(&state.db.pool).await?);
    state
        .db
        .access
        .keep_product_scoped(read_at, versions.clone());
    Ok(versions)
}

pub async fn evaluate(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
    request: EvaluateRequest,
) -> AppResult<EvaluationResult> {
    agent.require_unfrozen()?;
    json_size("inputs", &request.inputs)?;
    let action = request
        .action
        .map(|action| {
            let action = requests::action(action)?;
            let digest = actions::digest(&action);
            AppResult::Ok((action, digest))
        })
        .transpose()?;
    let mut inputs = match &action {
        Some((action, digest)) => actions::inputs_with_action(request.inputs, action, digest)?,
        None => request.inputs,
    };
    let decision = store::decisions::find(&state.db.pool, decision_id, Some(&agent.agent_id))
        .await?
        .ok_or_else(|| AppError::not_found("No such decision."))?;
    rules::check(rules::Step::Evaluate, &commands::standing(&decision))?;
    let product_level =
        catalogue_inputs(state, agent, &decision, action.as_ref(), &mut inputs).await?;
    let inputs = Value::Object(inputs);
    let bound = bound_versions(state, &agent.agent_id).await?;
    let selected: Vec<_> = match request.policy_id.as_deref() {
        Some(policy_id) => vec![bound
            .iter()
            .find(|bound| bound.policy_id == policy_id)
            .cloned()
            .ok_or(AppError::Forbidden)?],
        None => bound.to_vec(),
    };
    // Evaluation is CPU work, bounded by the policies' cost limits and the inputs' bounds: it
    // runs on the evaluation pool (503 when every slot is busy), off the request workers.
    let cache = state.policy_cache.clone();
    let intent = decision.intent.clone();
    let explicit = request.policy_id.is_some();
    let with_action = action.is_some();
    let (evaluations, inputs) = state
        .evaluation_pool
        .run(move || {
            let evaluations = evaluation::evaluate_bound(
                &cache,
                selected,
                product_level,
                &inputs,
                &intent,
                explicit,
                with_action,
            );
            (evaluations, inputs)
        })
        .await?;
    let mut evaluations = evaluations?;
    if evaluations.is_empty() {
        evaluations.push(PolicyEvaluated {
            policy_id: None,
            version: None,
            hash: None,
            inputs,
            outcome: Outcome::Deny,
            rationale: format!(
                "No policy bound to this agent applies to intent {}; nothing may happen without one.",
                decision.intent
            ),
            decided_by: None,
            matched_rules: Vec::new(),
            approval_route: None,
            action: None,
            action_digest: None,
        });
    }
    if let Some((action, digest)) = action {
        for evaluation in &mut evaluations {
            evaluation.action = Some(action.clone());
            evaluation.action_digest = Some(digest.clone());
        }
    }
    let applied = state
        .journal
        .submit(Command::Evaluate {
            scope: agent.scope(),
            decision_id: decision_id.to_owned(),
            evaluations: evaluations.clone(),
        })
        .await?;
    let views: Vec<EvaluationView> = applied
        .events
        .iter()
        .zip(evaluations)
        .map(|(event, evaluation)| EvaluationView {
            event_id: event.id.clone(),
            policy_id: evaluation.policy_id,
            version: evaluation.version,
            hash: evaluation.hash,
            outcome: evaluation.outcome,
            rationale: evaluation.rationale,
            matched_rules: evaluation.matched_rules,
            approval_route: evaluation.approval_route,
        })
        .collect();
    Ok(EvaluationResult {
        decision_id: decision_id.to_owned(),
        // Every evaluation sets the decision's latest outcome.
        outcome: applied.decision.latest_outcome.ok_or(AppError::Internal)?,
        evaluations: views,
        status: applied.status(),
    })
}

/// Fills the catalogue's inputs (`catalogue::fill_inputs`) from the evaluated action's product
/// and operation, or else the decision's latest catalogued use, and the decision's purpose; and
/// finds the product-level policies that judge this decision too, with each product's own facts. An action naming a product
/// the agent may not use, or at a tier its mode forbids, is refused before anything is judged.
async fn catalogue_inputs(
    state: &AppState,
    agent: &AgentPrincipal,
    decision: &store::decisions::DecisionRow,
    action: Option<&(crate::model::Action, String)>,
    inputs: &mut serde_json::Map<String, Value>,
) -> AppResult<evaluation::ProductLevel> {
    let named = match action {
        Some((action, _)) => Some((action.product.as_str(), action.operation.as_str(), None)),
        None => decision.product_uses.last().map(|used| {
            (
                used.product.as_str(),
                used.operation.as_str(),
                Some(used.kind),
            )
        }),
    };
    let catalogued = match named {
        Some((product, operation, kind)) => {
            match catalogue::check(&state.db, &agent.agent_id, product, Some(operation), kind)
                .await?
            {
                catalogue::Check::Refused(refusal) => return Err(refusal.error()),
                catalogue::Check::Catalogued(catalogued) => Some(catalogued),
                catalogue::Check::Uncatalogued => None,
            }
        }
        None => None,
    };
    if let Some(catalogued) = &catalogued {
        if let Some(refusal) = catalogue::tier_refusal(decision, &catalogued.product_use) {
            return Err(refusal.error());
        }
    }
    let in_use = catalogued.is_some()
        || !decision.product_uses.is_empty()
        || catalogue::catalogue_in_use(&state.db).await?;
    if !in_use {
        return Ok(evaluation::ProductLevel::default());
    }
    catalogue::fill_inputs(inputs, catalogued.as_deref(), decision.purpose.as_deref())?;
    // Each product-level policy judges with its own product's facts: one entry per product, the
    // action's (or the latest use's) first.
    let mut facts: Vec<catalogue::Catalogued> = catalogued.iter().map(|c| (**c).clone()).collect();
    for used in decision.product_uses.iter().rev() {
        if facts
            .iter()
            .any(|known| known.product_use.product == used.product)
        {
            continue;
        }
        let kind = Some(used.kind);
        let check = catalogue::check(
            &state.db,
            &agent.agent_id,
            &used.product,
            Some(&used.operation),
            kind,
        );
        match check.await? {
            catalogue::Check::Refused(refusal) => return Err(refusal.error()),
            catalogue::Check::Catalogued(catalogued) => facts.push(*catalogued),
            catalogue::Check::Uncatalogued => {}
        }
    }
    let candidates = if facts.is_empty() {
        Vec::new()
    } else {
        product_scoped_versions(state).await?.to_vec()
    };
    Ok(evaluation::ProductLevel { candidates, facts })
}

pub async fn request_approval(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
    request: ApprovalRequestBody,
) -> AppResult<ApprovalCreated> {
    agent.require_unfrozen()?;
    let expires_in_millis = match request.expires_in_seconds {
        None => None,
        Some(seconds) if (1..=MAX_APPROVAL_SECONDS).contains(&seconds) => {
            Some(i64::try_from(seconds * 1000).unwrap_or(i64::MAX))
        }
        Some(_) => {
            return Err(AppError::invalid(
                "expires_in_seconds",
                format!("expires_in_seconds must be between 1 and {MAX_APPROVAL_SECONDS}."),
            ))
        }
    };
    let approval_route = optional_text("approval_route", request.approval_route.as_deref(), 100)?;
    let applied = state
        .journal
        .submit(Command::RequestApproval {
            scope: agent.scope(),
            decision_id: decision_id.to_owned(),
            request: NewApprovalRequest {
                title: required_text("title", &request.title, 200)?,
                message: long_text("message", &request.message)?,
                approval_route,
                require_rationale: request.require_rationale.unwrap_or(false),
                expires_in_millis,
            },
        })
        .await?;
    let approval = applied.approval.ok_or(AppError::Internal)?;
    Ok(ApprovalCreated {
        approval_id: approval.id,
        status: approval.status,
        decision_id: approval.decision_id,
        approval_route: approval.approval_route,
        expires_at: approval.expires_at,
    })
}

pub async fn close(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
    request: CloseRequest,
) -> AppResult<DecisionView> {
    if request.action == CloseAction::Commit {
        agent.require_unfrozen()?;
    }
    let reason = optional_long_text("reason", request.reason.as_deref())?;
    let applied = state
        .journal
        .submit(Command::Close {
            scope: agent.scope(),
            decision_id: decision_id.to_owned(),
            action: request.action,
            reason,
        })
        .await?;
    Ok(DecisionView::of(&applied.decision))
}

pub async fn get(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
) -> AppResult<DecisionView> {
    Ok(DecisionView::of(&owned(state, agent, decision_id).await?))
}

pub async fn trace(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
) -> AppResult<Trace> {
    let decision = owned(state, agent, decision_id).await?;
    let events = store::decisions::events(&state.db.pool, decision_id).await?;
    Ok(Trace {
        decision: DecisionView::of(&decision),
        events: events.iter().map(EventView::of).collect(),
    })
}

/// Answers when the decision's status differs from `since` (by default, its status now), or
/// when `timeout` passes.
pub async fn wait(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
    since: Option<DecisionStatus>,
    timeout: Duration,
) -> AppResult<WaitResult> {
    let mut changes = state.journal.subscribe();
    let current = owned(state, agent, decision_id).await?;
    let since = since.unwrap_or_else(|| DecisionView::of(&current).status);
    let deadline = tokio::time::Instant::now() + timeout.min(Duration::from_secs(MAX_WAIT_SECONDS));
    let mut view = DecisionView::of(&current);
    loop {
        if view.status != since {
            return Ok(WaitResult {
                decision: view,
                changed: true,
            });
        }
        let recheck = tokio::time::Instant::now() + state.settings.wait_recheck;
        tokio::select! {
            change = changes.recv() => {
                let relevant = match change {
                    Ok(change) => change.decision_id == decision_id,
                    // Missed announcements: look at the decision itself.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return Err(AppError::Internal),
                };
                if !relevant { continue; }
            }
            _ = tokio::time::sleep_until(recheck.min(deadline)) => {}
        }
        view = DecisionView::of(&owned(state, agent, decision_id).await?);
        if tokio::time::Instant::now() >= deadline && view.status == since {
            return Ok(WaitResult {
                decision: view,
                changed: false,
            });
        }
    }
}

/// Recomputes the decision's hash chain. `agent` scopes it to that agent's own decisions.
pub async fn verify(
    state: &AppState,
    agent: Option<&AgentPrincipal>,
    decision_id: &str,
) -> AppResult<Verification> {
    let agent_id = agent.map(|agent| agent.agent_id.as_str());
    store::decisions::find(&state.db.pool, decision_id, agent_id)
        .await?
        .ok_or_else(|| AppError::not_found("No such decision."))?;
    let events = store::decisions::events(&state.db.pool, decision_id).await?;
    let first_break = chain::verify(&events);
    Ok(Verification {
        decision_id: decision_id.to_owned(),
        intact: first_break.is_none(),
        events: events.len() as i64,
        first_break,
    })
}

async fn owned(
    state: &AppState,
    agent: &AgentPrincipal,
    decision_id: &str,
) -> AppResult<store::decisions::DecisionRow> {
    store::decisions::find(&state.db.pool, decision_id, Some(&agent.agent_id))
        .await?
        .ok_or_else(|| AppError::not_found("No such decision."))
}

fn idempotency_key_text(key: &str) -> AppResult<&str> {
    let valid = (1..=200).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic());
    if valid {
        Ok(key)
    } else {
        Err(AppError::invalid(
            "Idempotency-Key",
            "An idempotency key is 1 to 200 visible ASCII characters.",
        ))
    }
}

fn claim(scope: String, request: &Value) -> AppResult<IdempotencyClaim> {
    Ok(IdempotencyClaim {
        scope,
        request_hash: hex::encode(Sha256::digest(canonical_json(request).as_bytes())),
    })
}
