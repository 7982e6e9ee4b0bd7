//! Every change to a decision, as a command the journal applies inside its transaction. Each
//! command reads and validates first and stages its writes only once it cannot be refused, so a
//! refusal leaves the shared batch untouched.

use serde_json::{json, Value};
use verdict_policy::Outcome;

use crate::{
    error::AppError,
    model::{ApprovalStatus, AutomationMode, CloseAction, DecisionStatus, EventKind},
    ssr::{
        ids::new_id,
        now_millis,
        services::approval_routes::DEFAULT_EXPIRY_SECONDS,
        store::{
            approval_routes,
            approvals::{self, ApprovalRow, VoteRow},
            decisions::{DecisionRow, EventRow, NewEvaluation, NewIdempotencyRecord},
        },
    },
};

use super::{
    batch::{Batch, Resolution},
    chain::{canonical_json, link, Head, GENESIS},
    limits,
    rules::{check, Standing, Step},
    views::DecisionView,
};

/// Idempotency records older than this no longer answer; the key may be used afresh.
const IDEMPOTENCY_WINDOW_MILLIS: i64 = 24 * 60 * 60 * 1000;

/// The agent on whose behalf a command runs; its decisions are the only ones it can reach.
#[derive(Debug, Clone)]
pub struct AgentScope {
    pub agent_id: String,
    pub agent_name: String,
}

impl AgentScope {
    fn actor(&self) -> String {
        format!("agent:{}", self.agent_name)
    }
}

/// An `Idempotency-Key` and the digest of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub scope: String,
    pub request_hash: String,
}

#[derive(Debug, Clone)]
pub struct OpenDecision {
    pub intent: String,
    pub automation_mode: AutomationMode,
    pub actor: Option<String>,
    pub metadata: Option<Value>,
}

/// One policy's verdict, ready to be recorded.
#[derive(Debug, Clone)]
pub struct RecordedEvaluation {
    pub policy_id: Option<String>,
    pub version: Option<i64>,
    pub hash: Option<String>,
    pub inputs: Value,
    pub outcome: Outcome,
    pub rationale: String,
    pub decided_by: Option<String>,
    pub matched_rules: Vec<String>,
    pub approval_route: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewApprovalRequest {
    pub title: String,
    pub message: String,
    pub approval_route: Option<String>,
    pub require_rationale: bool,
    /// `None`: the route's default expiry (an hour without a route).
    pub expires_in_millis: Option<i64>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Open {
        scope: AgentScope,
        request: OpenDecision,
        idempotency: Option<IdempotencyClaim>,
    },
    /// A context note, a read or a write: an event whose payload the caller has validated.
    Note {
        scope: AgentScope,
        decision_id: String,
        kind: EventKind,
        payload: Value,
        idempotency: Option<IdempotencyClaim>,
    },
    Evaluate {
        scope: AgentScope,
        decision_id: String,
        evaluations: Vec<RecordedEvaluation>,
    },
    RequestApproval {
        scope: AgentScope,
        decision_id: String,
        request: NewApprovalRequest,
    },
    Close {
        scope: AgentScope,
        decision_id: String,
        action: CloseAction,
        reason: Option<String>,
    },
    ResolveApproval {
        approval_id: String,
        approver: String,
        approve: bool,
        rationale: Option<String>,
        /// The decision's chain head when the approver looked; the answer binds to it.
        evidence_hash: Option<String>,
    },
    ExpireApproval {
        approval_id: String,
    },
}

/// What a command did: the decision afterwards and the events it appended.
#[derive(Debug, Clone)]
pub struct Applied {
    pub decision: DecisionRow,
    pub events: Vec<EventRow>,
    /// The approval request the command created, if it created one.
    pub approval: Option<ApprovalRow>,
    /// The first answer, when an idempotency key repeated an earlier request.
    pub replay: Option<String>,
    pub status_changed: bool,
}

impl Applied {
    pub fn status(&self) -> DecisionStatus {
        self.decision.status()
    }
}

pub enum Refusal {
    /// The command is not allowed; nothing was written.
    Refused(AppError),
    /// The database failed; the transaction must be abandoned.
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Refusal {
    fn from(error: sqlx::Error) -> Self {
        Refusal::Database(error)
    }
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        Refusal::Refused(error)
    }
}

type Conn = sqlx::AnyConnection;

impl Command {
    /// The decision the command names, if it names one (approvals name theirs indirectly).
    pub fn decision_id(&self) -> Option<&str> {
        match self {
            Command::Note { decision_id, .. }
            | Command::Evaluate { decision_id, .. }
            | Command::RequestApproval { decision_id, .. }
            | Command::Close { decision_id, .. } => Some(decision_id),
            Command::Open { .. }
            | Command::ResolveApproval { .. }
            | Command::ExpireApproval { .. } => None,
        }
    }
}

/// Validates `command` against the decision as `batch` leaves it and stages its writes there.
pub async fn apply(
    conn: &mut Conn,
    batch: &mut Batch,
    command: &Command,
) -> Result<Applied, Refusal> {
    let now = now_millis();
    match command {
        Command::Open {
            scope,
            request,
            idempotency,
        } => open(conn, batch, scope, request, idempotency.as_ref(), now).await,
        Command::Note {
            scope,
            decision_id,
            kind,
            payload,
            idempotency,
        } => {
            let decision = owned_decision(conn, batch, decision_id, scope).await?;
            if let Some(claim) = idempotency {
                if let Some(replay) = replay(conn, batch, &scope.agent_id, claim, now).await? {
                    return Ok(unchanged(decision, Some(replay)));
                }
            }
            let step = if *kind == EventKind::Write {
                Step::Write
            } else {
                Step::AddNote
            };
            check(step, &standing(&decision))?;
            limits::check_room(&decision, 1, canonical_json(payload).len())?;
            let mut change = Change::new(decision, now);
            change.append(*kind, scope.actor(), payload.clone());
            let applied = change.write(batch);
            if let Some(claim) = idempotency {
                let answer =
                    serde_json::to_string(&super::views::EventView::of(&applied.events[0]))
                        .unwrap_or_default();
                remember(batch, &scope.agent_id, claim, answer, now);
            }
            Ok(applied)
        }
        Command::Evaluate {
            scope,
            decision_id,
            evaluations,
        } => {
            let decision = owned_decision(conn, batch, decision_id, scope).await?;
            check(Step::Evaluate, &standing(&decision))?;
            let bytes = evaluations
                .iter()
                .map(|evaluation| canonical_json(&evaluation.inputs).len())
                .sum();
            limits::check_room(&decision, evaluations.len() + 1, bytes)?;
            Ok(evaluate(batch, scope, decision, evaluations, now))
        }
        Command::RequestApproval {
            scope,
            decision_id,
            request,
        } => {
            let decision = owned_decision(conn, batch, decision_id, scope).await?;
            check(Step::RequestApproval, &standing(&decision))?;
            limits::check_room(&decision, 1, request.title.len() + request.message.len())?;
            request_approval(conn, batch, scope, decision, request, now).await
        }
        Command::Close {
            scope,
            decision_id,
            action,
            reason,
        } => {
            let decision = owned_decision(conn, batch, decision_id, scope).await?;
            let step = match action {
                CloseAction::Commit => Step::Commit,
                CloseAction::Rollback | CloseAction::Abort => Step::Abort,
            };
            check(step, &standing(&decision))?;
            let payload = json!({"action": action, "reason": reason});
            close(conn, batch, decision, *action, scope.actor(), payload, now).await
        }
        Command::ResolveApproval {
            approval_id,
            approver,
            approve,
            rationale,
            evidence_hash,
        } => {
            resolve(
                conn,
                batch,
                Answer {
                    approval_id,
                    approver,
                    approve: *approve,
                    rationale: rationale.as_deref(),
                    evidence_hash: evidence_hash.as_deref(),
                },
                now,
            )
            .await
        }
        Command::ExpireApproval { approval_id } => expire(conn, batch, approval_id, now).await,
    }
}

async fn open(
    conn: &mut Conn,
    batch: &mut Batch,
    scope: &AgentScope,
    request: &OpenDecision,
    idempotency: Option<&IdempotencyClaim>,
    now: i64,
) -> Result<Applied, Refusal> {
    if let Some(claim) = idempotency {
        if let Some(replay) = replay(conn, batch, &scope.agent_id, claim, now).await? {
            let first: DecisionView = serde_json::from_str(&replay).map_err(|error| {
                tracing::error!(%error, "unreadable idempotency record");
                AppError::Internal
            })?;
            let decision = owned_decision(conn, batch, &first.decision_id, scope).await?;
            return Ok(unchanged(decision, Some(replay)));
        }
    }
    let decision = DecisionRow {
        id: new_id(),
        agent_id: scope.agent_id.clone(),
        intent: request.intent.clone(),
        automation_mode: request.automation_mode.as_str().to_owned(),
        actor: request.actor.clone(),
        status: DecisionStatus::Open.as_str().to_owned(),
        latest_outcome: None,
        latest_route: None,
        approval_granted: 0,
        policies_used: "[]".to_owned(),
        last_sequence: 0,
        last_hash: GENESIS.to_owned(),
        created_at: now,
        updated_at: now,
        closed_at: None,
        payload_bytes: 0,
        latest_inputs_hash: None,
    };
    let mut change = Change::new(decision, now);
    change.append(
        EventKind::DecisionOpened,
        scope.actor(),
        json!({
            "intent": request.intent,
            "automation_mode": request.automation_mode,
            "actor": request.actor,
            "metadata": request.metadata,
        }),
    );
    change.is_new = true;
    let applied = change.write(batch);
    if let Some(claim) = idempotency {
        let answer =
            serde_json::to_string(&DecisionView::of(&applied.decision)).unwrap_or_default();
        remember(batch, &scope.agent_id, claim, answer, now);
    }
    Ok(applied)
}

fn evaluate(
    batch: &mut Batch,
    scope: &AgentScope,
    decision: DecisionRow,
    evaluations: &[RecordedEvaluation],
    now: i64,
) -> Applied {
    let combined = evaluations
        .iter()
        .map(|evaluation| evaluation.outcome)
        .fold(Outcome::Allow, Outcome::strictest);
    let route = evaluations
        .iter()
        .filter(|evaluation| evaluation.outcome == Outcome::RequiresException)
        .find_map(|evaluation| evaluation.approval_route.clone());
    let mut used: Vec<Value> = serde_json::from_str(&decision.policies_used).unwrap_or_default();
    for evaluation in evaluations {
        if let (Some(policy_id), Some(version), Some(hash)) =
            (&evaluation.policy_id, evaluation.version, &evaluation.hash)
        {
            let entry = json!({"policy_id": policy_id, "version": version, "hash": hash});
            if !used.contains(&entry) {
                used.push(entry);
            }
        }
    }
    let inputs_hash = inputs_digest(evaluations);
    // An approval covers the inputs it was asked on: evaluating others takes it back.
    let voids_approval = decision.approval_granted != 0
        && decision.latest_inputs_hash.as_deref() != Some(inputs_hash.as_str());
    let mut change = Change::new(decision, now);
    change.decision.latest_outcome = Some(combined.as_str().to_owned());
    change.decision.latest_route = route;
    change.decision.policies_used = Value::Array(used).to_string();
    change.decision.latest_inputs_hash = Some(inputs_hash);
    for evaluation in evaluations {
        change.append(
            EventKind::PolicyEval,
            scope.actor(),
            json!({
                "policy_id": evaluation.policy_id,
                "version": evaluation.version,
                "hash": evaluation.hash,
                "inputs": evaluation.inputs,
                "outcome": evaluation.outcome,
                "rationale": evaluation.rationale,
                "decided_by": evaluation.decided_by,
                "matched_rules": evaluation.matched_rules,
                "approval_route": evaluation.approval_route,
            }),
        );
    }
    if voids_approval {
        change.decision.approval_granted = 0;
        if change.decision.status() == DecisionStatus::Approved {
            change.set_status(DecisionStatus::Open);
        }
        change.append(
            EventKind::ApprovalVoided,
            scope.actor(),
            json!({
                "reason": "the inputs were evaluated again and differ from those the approval \
                           was granted on; a new approval is needed",
                "outcome": combined,
            }),
        );
    }
    let applied = change.write(batch);
    for (event, evaluation) in applied.events.iter().zip(evaluations) {
        if let (Some(policy_id), Some(version), Some(hash)) =
            (&evaluation.policy_id, evaluation.version, &evaluation.hash)
        {
            batch.record_evaluation(NewEvaluation {
                event_id: event.id.clone(),
                decision_id: event.decision_id.clone(),
                agent_id: scope.agent_id.clone(),
                policy_id: policy_id.clone(),
                policy_version: version,
                policy_hash: hash.clone(),
                outcome: evaluation.outcome.as_str().to_owned(),
                matched_rules: serde_json::to_string(&evaluation.matched_rules).unwrap_or_default(),
                at: now,
            });
        }
    }
    applied
}

async fn request_approval(
    conn: &mut Conn,
    batch: &mut Batch,
    scope: &AgentScope,
    decision: DecisionRow,
    request: &NewApprovalRequest,
    now: i64,
) -> Result<Applied, Refusal> {
    let route_name = route_of_request(&decision, request.approval_route.as_deref())?;
    // A route named but not defined still reaches the inbox, with the defaults.
    let route = match &route_name {
        Some(name) => approval_routes::latest(&mut *conn, name).await?,
        None => None,
    };
    let require_rationale = request.require_rationale
        || route
            .as_ref()
            .is_some_and(|route| route.require_rationale != 0);
    let expires_in_millis = request.expires_in_millis.unwrap_or_else(|| {
        route
            .as_ref()
            .map_or(DEFAULT_EXPIRY_SECONDS, |route| route.default_expiry_seconds)
            * 1000
    });
    let approval = ApprovalRow {
        id: new_id(),
        decision_id: decision.id.clone(),
        agent_id: scope.agent_id.clone(),
        title: request.title.clone(),
        message: request.message.clone(),
        approval_route: route_name.clone(),
        require_rationale: i64::from(require_rationale),
        status: ApprovalStatus::Pending.as_str().to_owned(),
        requested_at: now,
        expires_at: now.saturating_add(expires_in_millis),
        resolved_at: None,
        resolved_by: None,
        rationale: None,
        route_version: route.as_ref().map(|route| route.version),
        required_approvals: route.as_ref().map_or(1, |route| route.required_approvals),
    };
    let mut change = Change::new(decision, now);
    change.set_status(DecisionStatus::NeedsApproval);
    change.append(
        EventKind::ApprovalRequested,
        scope.actor(),
        json!({
            "approval_id": approval.id,
            "title": approval.title,
            "message": approval.message,
            "approval_route": route_name,
            "route_version": approval.route_version,
            "required_approvals": approval.required_approvals,
            "require_rationale": require_rationale,
            "expires_at": approval.expires_at,
        }),
    );
    let mut applied = change.write(batch);
    batch.request_approval(approval.clone());
    applied.approval = Some(approval);
    Ok(applied)
}

/// Where an approval request goes. When the latest evaluation requires an exception, the policy
/// that required it decides (the route it named, or the default route when it named none): an
/// agent naming another route would choose its own approvers. Only a request the policies did
/// not ask for (an allowed action in `propose` or `approve` mode) may name a route.
fn route_of_request(
    decision: &DecisionRow,
    asked: Option<&str>,
) -> Result<Option<String>, Refusal> {
    let evaluated = decision.latest_route.as_deref();
    let policy_decides = standing(decision).latest_outcome == Some(Outcome::RequiresException);
    match asked {
        Some(asked) if policy_decides && Some(asked) != evaluated => Err(AppError::invalid(
            "approval_route",
            match evaluated {
                Some(route) => format!(
                    "The policy that requires this exception sends it to route {route}; \
                         leave approval_route out or name that route."
                ),
                None => "The policy that requires this exception names no route, so the \
                             default route applies; leave approval_route out."
                    .to_owned(),
            },
        )
        .into()),
        Some(asked) => Ok(Some(asked.to_owned())),
        None => Ok(evaluated.map(str::to_owned)),
    }
}

/// A digest of what an evaluation was asked on: each policy's inputs, in order.
fn inputs_digest(evaluations: &[RecordedEvaluation]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for evaluation in evaluations {
        hasher.update(canonical_json(&evaluation.inputs).as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(hasher.finalize())
}

async fn close(
    conn: &mut Conn,
    batch: &mut Batch,
    decision: DecisionRow,
    action: CloseAction,
    actor: String,
    payload: Value,
    now: i64,
) -> Result<Applied, Refusal> {
    let (kind, status) = match action {
        CloseAction::Commit => (EventKind::DecisionCommitted, DecisionStatus::Committed),
        CloseAction::Rollback | CloseAction::Abort => {
            (EventKind::DecisionAborted, DecisionStatus::Aborted)
        }
    };
    let policies: Value = serde_json::from_str(&decision.policies_used).unwrap_or(json!([]));
    let decision_id = decision.id.clone();
    let mut change = Change::new(decision, now);
    change.set_status(status);
    change.decision.closed_at = Some(now);
    change.append(
        EventKind::Snapshot,
        actor.clone(),
        json!({"policies": policies}),
    );
    change.append(kind, actor, payload);
    let applied = change.write(batch);
    if status == DecisionStatus::Aborted {
        withdraw_pending_approvals(conn, batch, &decision_id, now).await?;
    }
    Ok(applied)
}

/// An aborted decision's open requests can no longer be answered; the inbox should not show them.
async fn withdraw_pending_approvals(
    conn: &mut Conn,
    batch: &mut Batch,
    decision_id: &str,
    now: i64,
) -> Result<(), Refusal> {
    let withdrawal = Resolution {
        approval_id: String::new(),
        status: ApprovalStatus::Expired.as_str(),
        by: "system".to_owned(),
        rationale: Some("the decision was aborted".to_owned()),
        at: now,
        must_apply: false,
    };
    for approval in approvals::of_decision(&mut *conn, decision_id).await? {
        if approval.status == ApprovalStatus::Pending.as_str() {
            batch.resolve_approval(Resolution {
                approval_id: approval.id,
                ..withdrawal.clone()
            });
        }
    }
    batch.resolve_new_approvals(decision_id, &withdrawal);
    Ok(())
}

/// A person's answer to an approval request.
struct Answer<'a> {
    approval_id: &'a str,
    approver: &'a str,
    approve: bool,
    rationale: Option<&'a str>,
    evidence_hash: Option<&'a str>,
}

async fn resolve(
    conn: &mut Conn,
    batch: &mut Batch,
    answer: Answer<'_>,
    now: i64,
) -> Result<Applied, Refusal> {
    let Answer {
        approval_id,
        approver,
        approve,
        rationale,
        evidence_hash,
    } = answer;
    let approval = pending_approval(conn, approval_id).await?;
    if approval.require_rationale != 0 && rationale.is_none_or(|text| text.trim().is_empty()) {
        return Err(AppError::invalid("rationale", "This approval needs a rationale.").into());
    }
    let decision = batch
        .decision(conn, &approval.decision_id)
        .await?
        .ok_or_else(|| AppError::not_found("The approval's decision is gone."))?;
    if evidence_hash.is_some_and(|seen| seen != decision.last_hash) {
        return Err(AppError::conflict(
            "The decision changed since you looked at it; look again before you answer.",
        )
        .into());
    }
    check(Step::ResolveApproval, &standing(&decision))?;
    let mut approvers = approvals::approvers_so_far(&mut *conn, approval_id).await?;
    approvers.extend(batch.staged_approvers(approval_id));
    if approvers.iter().any(|earlier| earlier == approver) {
        return Err(AppError::conflict("You have already approved this request.").into());
    }
    batch.record_vote(VoteRow {
        approval_id: approval_id.to_owned(),
        voter: approver.to_owned(),
        approve,
        rationale: rationale.map(str::to_owned),
        at: now,
    });
    if approve {
        approvers.push(approver.to_owned());
    }
    let mut change = Change::new(decision, now);
    let still_needed = approval.required_approvals - approvers.len() as i64;
    if approve && still_needed > 0 {
        change.append(
            EventKind::ApprovalVote,
            answerer_actor(approver),
            json!({
                "approval_id": approval.id,
                "by": approver,
                "rationale": rationale,
                "approvals": approvers.len(),
                "required_approvals": approval.required_approvals,
            }),
        );
        return Ok(change.write(batch));
    }
    let (status, decision_status) = if approve {
        (ApprovalStatus::Approved, DecisionStatus::Approved)
    } else {
        (ApprovalStatus::Rejected, DecisionStatus::Rejected)
    };
    change.set_status(decision_status);
    if approve {
        change.decision.approval_granted = 1;
    }
    change.append(
        EventKind::ApprovalResolved,
        answerer_actor(approver),
        json!({
            "approval_id": approval.id,
            "outcome": status,
            "by": approver,
            "approvers": approvers,
            "rationale": rationale,
        }),
    );
    let applied = change.write(batch);
    batch.resolve_approval(Resolution {
        approval_id: approval_id.to_owned(),
        status: status.as_str(),
        by: approver.to_owned(),
        rationale: rationale.map(str::to_owned),
        at: now,
        must_apply: true,
    });
    Ok(applied)
}

/// People act as `user:EMAIL`; a route's receiver already names itself `integration:…`.
fn answerer_actor(approver: &str) -> String {
    if approver.starts_with("integration:") {
        approver.to_owned()
    } else {
        format!("user:{approver}")
    }
}

async fn expire(
    conn: &mut Conn,
    batch: &mut Batch,
    approval_id: &str,
    now: i64,
) -> Result<Applied, Refusal> {
    let approval = pending_approval(conn, approval_id).await?;
    if approval.expires_at > now {
        return Err(AppError::conflict("The approval has not expired yet.").into());
    }
    let decision = batch
        .decision(conn, &approval.decision_id)
        .await?
        .ok_or_else(|| AppError::not_found("The approval's decision is gone."))?;
    check(Step::Abort, &standing(&decision))?;
    let resolution = json!({
        "approval_id": approval.id,
        "outcome": ApprovalStatus::Expired,
        "by": "system",
        "rationale": null,
    });
    let policies: Value = serde_json::from_str(&decision.policies_used).unwrap_or(json!([]));
    let mut change = Change::new(decision, now);
    change.set_status(DecisionStatus::Aborted);
    change.decision.closed_at = Some(now);
    change.append(EventKind::ApprovalResolved, "system".to_owned(), resolution);
    change.append(
        EventKind::Snapshot,
        "system".to_owned(),
        json!({"policies": policies}),
    );
    change.append(
        EventKind::DecisionAborted,
        "system".to_owned(),
        json!({"action": "expired", "reason": "the approval request expired"}),
    );
    let applied = change.write(batch);
    batch.resolve_approval(Resolution {
        approval_id: approval_id.to_owned(),
        status: ApprovalStatus::Expired.as_str(),
        by: "system".to_owned(),
        rationale: None,
        at: now,
        must_apply: true,
    });
    Ok(applied)
}

async fn pending_approval(conn: &mut Conn, approval_id: &str) -> Result<ApprovalRow, Refusal> {
    let approval = approvals::find(&mut *conn, approval_id)
        .await?
        .ok_or_else(|| AppError::not_found("No such approval request."))?;
    if approval.status != ApprovalStatus::Pending.as_str() {
        let by = approval
            .resolved_by
            .map(|by| format!(" by {by}"))
            .unwrap_or_default();
        return Err(AppError::conflict(format!(
            "The approval request is already {}{by}.",
            approval.status
        ))
        .into());
    }
    Ok(approval)
}

/// The decision, if it is this agent's; another agent's decision is as good as absent.
async fn owned_decision(
    conn: &mut Conn,
    batch: &mut Batch,
    decision_id: &str,
    scope: &AgentScope,
) -> Result<DecisionRow, Refusal> {
    batch
        .decision(conn, decision_id)
        .await?
        .filter(|decision| decision.agent_id == scope.agent_id)
        .ok_or_else(|| AppError::not_found("No such decision.").into())
}

pub fn standing(decision: &DecisionRow) -> Standing {
    Standing {
        status: decision.status(),
        mode: decision.mode(),
        latest_outcome: decision
            .latest_outcome
            .as_deref()
            .and_then(|outcome| outcome.parse().ok()),
        approval_granted: decision.approval_granted != 0,
    }
}

async fn replay(
    conn: &mut Conn,
    batch: &Batch,
    agent_id: &str,
    claim: &IdempotencyClaim,
    now: i64,
) -> Result<Option<String>, Refusal> {
    let Some(record) = batch
        .idempotency_record(conn, agent_id, &claim.scope)
        .await?
    else {
        return Ok(None);
    };
    if now - record.created_at > IDEMPOTENCY_WINDOW_MILLIS {
        return Ok(None);
    }
    if record.request_hash != claim.request_hash {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "This Idempotency-Key was already used with a different request body.",
        )
        .into());
    }
    Ok(Some(record.response_json))
}

fn remember(batch: &mut Batch, agent_id: &str, claim: &IdempotencyClaim, answer: String, now: i64) {
    batch.remember_idempotency(NewIdempotencyRecord {
        agent_id: agent_id.to_owned(),
        scope: claim.scope.clone(),
        request_hash: claim.request_hash.clone(),
        response_json: answer,
        created_at: now,
    });
}

fn unchanged(decision: DecisionRow, replay: Option<String>) -> Applied {
    Applied {
        decision,
        events: Vec::new(),
        approval: None,
        replay,
        status_changed: false,
    }
}

/// A decision's new state and the events that lead there, chained onto its current head.
struct Change {
    decision: DecisionRow,
    expected_sequence: i64,
    events: Vec<EventRow>,
    now: i64,
    is_new: bool,
    status_changed: bool,
}

impl Change {
    fn new(decision: DecisionRow, now: i64) -> Self {
        Self {
            expected_sequence: decision.last_sequence,
            decision,
            events: Vec::new(),
            now,
            is_new: false,
            status_changed: false,
        }
    }

    fn set_status(&mut self, status: DecisionStatus) {
        self.decision.status = status.as_str().to_owned();
        self.status_changed = true;
    }

    fn append(&mut self, kind: EventKind, actor: String, payload: Value) {
        let head = Head {
            sequence: self.decision.last_sequence,
            hash: &self.decision.last_hash,
        };
        let event = link(&self.decision.id, head, kind, self.now, actor, &payload);
        self.decision.payload_bytes = self
            .decision
            .payload_bytes
            .saturating_add(event.payload_json.len() as i64);
        self.decision.last_sequence = event.sequence;
        self.decision.last_hash = event.hash.clone();
        self.events.push(event);
    }

    /// Stages the change; the flush checks that no other server moved the head meanwhile.
    fn write(mut self, batch: &mut Batch) -> Applied {
        self.decision.updated_at = self.now;
        if self.is_new {
            batch.open(self.decision.clone(), &self.events);
        } else {
            batch.advance(self.decision.clone(), self.expected_sequence, &self.events);
        }
        Applied {
            decision: self.decision,
            events: self.events,
            approval: None,
            replay: None,
            status_changed: self.status_changed || self.is_new,
        }
    }
}
