//! Every change to a decision, as a command the journal applies inside its transaction. Each
//! command reads and validates first and stages its writes only once it cannot be refused, so a
//! refusal leaves the shared batch untouched.

use serde_json::Value;
use verdict_policy::Outcome;

use crate::{
    error::AppError,
    model::{
        Action, Answer, ApprovalVoided, AutomationMode, CloseAction, DecisionClosed,
        DecisionOpened, DecisionStatus, EvaluatedAction, EventPayload, OperationKind,
        PolicyEvaluated, PolicyUse, ProductUse, Read, ReadRefused, RefusalCode, RiskTier, Snapshot,
        Write, WriteRefused,
    },
    ssr::{
        ids::new_id,
        now_millis,
        store::{
            approvals::ApprovalRow,
            decisions::{DecisionRow, EventRow, NewEvaluation, NewIdempotencyRecord},
            product_uses::NewProductUse,
        },
    },
};

pub use super::approval_commands::Approver;
use super::{
    actions,
    approval_commands::{self, ApprovalAnswer},
    batch::Batch,
    catalogue,
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
    pub(super) fn actor(&self) -> String {
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
        /// Boxed: a write's payload (with its action) is the largest of all commands.
        payload: Box<EventPayload>,
        /// For reads and writes: what the catalogue said (`Uncatalogued` before a catalogue).
        catalogue: Option<catalogue::Check>,
        idempotency: Option<IdempotencyClaim>,
    },
    /// One policy's verdict per evaluation, ready to be recorded.
    Evaluate {
        scope: AgentScope,
        decision_id: String,
        evaluations: Vec<PolicyEvaluated>,
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
        approver: Approver,
        answer: Answer,
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
    /// A refusal that was recorded (`write_refused`): committed as an event, answered as an
    /// error.
    pub refused: Option<AppError>,
}

impl Applied {
    pub fn status(&self) -> DecisionStatus {
        self.decision.status
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

pub(super) type Conn = sqlx::AnyConnection;

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
            payload,
            catalogue,
            idempotency,
        } => {
            let decision = owned_decision(conn, batch, decision_id, scope).await?;
            if let Some(claim) = idempotency {
                if let Some(replay) = replay(conn, batch, &scope.agent_id, claim, now).await? {
                    return Ok(unchanged(decision, Some(replay)));
                }
            }
            let attempt = Attempt {
                scope,
                catalogue: catalogue.as_ref(),
                now,
            };
            let applied = match payload.as_ref() {
                EventPayload::Write(write) => attempt.write(batch, decision, write)?,
                EventPayload::Read(read) => attempt.read(batch, decision, read)?,
                other => {
                    check(Step::AddNote, &standing(&decision))?;
                    let mut change = Change::new(decision, now);
                    change.append(scope.actor(), other.clone());
                    change.write_within_limits(batch)?
                }
            };
            if let (Some(claim), None) = (idempotency, &applied.refused) {
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
            Ok(evaluate(batch, scope, decision, evaluations, now)?)
        }
        Command::RequestApproval {
            scope,
            decision_id,
            request,
        } => {
            let decision = owned_decision(conn, batch, decision_id, scope).await?;
            check(Step::RequestApproval, &standing(&decision))?;
            approval_commands::request_approval(conn, batch, scope, decision, request, now).await
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
            let closing = DecisionClosed {
                action: (*action).into(),
                reason: reason.clone(),
            };
            close(conn, batch, decision, *action, scope.actor(), closing, now).await
        }
        Command::ResolveApproval {
            approval_id,
            approver,
            answer,
            rationale,
            evidence_hash,
        } => {
            let answer = ApprovalAnswer {
                approval_id,
                approver,
                answer: *answer,
                rationale: rationale.as_deref(),
                evidence_hash: evidence_hash.as_deref(),
            };
            approval_commands::resolve(conn, batch, answer, now).await
        }
        Command::ExpireApproval { approval_id } => {
            approval_commands::expire(conn, batch, approval_id, now).await
        }
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
        automation_mode: request.automation_mode,
        actor: request.actor.clone(),
        status: DecisionStatus::Open,
        latest_outcome: None,
        latest_route: None,
        approval_granted: 0,
        policies_used: Vec::new(),
        last_sequence: 0,
        last_hash: GENESIS.to_owned(),
        created_at: now,
        updated_at: now,
        closed_at: None,
        payload_bytes: 0,
        latest_inputs_hash: None,
        evaluated_actions: Vec::new(),
        latest_action_digest: None,
        purpose: None,
        risk_tier: None,
        product_uses: Vec::new(),
    };
    let mut change = Change::new(decision, now);
    change.append(
        scope.actor(),
        DecisionOpened {
            intent: request.intent.clone(),
            automation_mode: request.automation_mode,
            actor: request.actor.clone(),
            metadata: request.metadata.clone(),
        },
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
    evaluations: &[PolicyEvaluated],
    now: i64,
) -> Result<Applied, AppError> {
    let combined = evaluations
        .iter()
        .map(|evaluation| evaluation.outcome)
        .fold(Outcome::Allow, Outcome::strictest);
    let route = evaluations
        .iter()
        .filter(|evaluation| evaluation.outcome == Outcome::RequiresException)
        .find_map(|evaluation| evaluation.approval_route.clone());
    let inputs_hash = inputs_digest(evaluations);
    // An approval covers the inputs it was asked on: evaluating others takes it back.
    let voids_approval = decision.approval_granted != 0
        && decision.latest_inputs_hash.as_deref() != Some(inputs_hash.as_str());
    let mut change = Change::new(decision, now);
    for evaluation in evaluations {
        if let (Some(policy_id), Some(version), Some(hash)) =
            (&evaluation.policy_id, evaluation.version, &evaluation.hash)
        {
            let entry = PolicyUse {
                policy_id: policy_id.clone(),
                version,
                hash: hash.clone(),
            };
            if !change.decision.policies_used.contains(&entry) {
                change.decision.policies_used.push(entry);
            }
        }
    }
    // Every evaluation of one call carries the same action (or none).
    let action = evaluations.first().and_then(|evaluation| {
        evaluation
            .action
            .clone()
            .zip(evaluation.action_digest.clone())
    });
    change.decision.latest_action_digest = action.as_ref().map(|(_, digest)| digest.clone());
    if let Some((action, digest)) = action {
        // The same action evaluated again keeps one entry, with its latest outcome.
        let actions = &mut change.decision.evaluated_actions;
        actions.retain(|evaluated| evaluated.digest != digest);
        actions.push(EvaluatedAction {
            digest,
            action,
            outcome: combined,
        });
        limits::check_actions(actions.len())?;
    }
    change.decision.latest_outcome = Some(combined);
    change.decision.latest_route = route;
    change.decision.latest_inputs_hash = Some(inputs_hash);
    for evaluation in evaluations {
        change.append(scope.actor(), evaluation.clone());
    }
    if voids_approval {
        change.decision.approval_granted = 0;
        if change.decision.status == DecisionStatus::Approved {
            change.set_status(DecisionStatus::Open);
        }
        change.append(
            scope.actor(),
            ApprovalVoided {
                reason: "the inputs were evaluated again and differ from those the approval \
                         was granted on; a new approval is needed"
                    .to_owned(),
                outcome: combined,
            },
        );
    }
    let applied = change.write_within_limits(batch)?;
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
    Ok(applied)
}

/// Where the decision stands for the binding rule (`actions.rs`).
fn binding_of(decision: &DecisionRow) -> actions::Evaluated<'_> {
    actions::Evaluated {
        actions: &decision.evaluated_actions,
        latest: decision.latest_action_digest.as_deref(),
        approval_granted: decision.approval_granted != 0,
    }
}

/// The action a write presents, with its digest; `None` for a write without arguments (the
/// shape from before actions, accepted only by decisions that evaluated none).
fn attempted(write: &Write) -> Option<(Action, String)> {
    let arguments = write.arguments.clone()?;
    let digest = write.action_digest.clone()?;
    let action = Action {
        product: write.product.clone(),
        operation: write.operation.clone(),
        arguments,
    };
    Some((action, digest))
}

/// A read or a write an agent attempts: recorded when every rule allows it, otherwise recorded
/// as refused (`read_refused` / `write_refused`) and answered with the refusal once committed.
/// A closed decision takes nothing more, not even a refusal: that attempt is only answered.
struct Attempt<'a> {
    scope: &'a AgentScope,
    catalogue: Option<&'a catalogue::Check>,
    now: i64,
}

impl Attempt<'_> {
    fn read(
        &self,
        batch: &mut Batch,
        decision: DecisionRow,
        read: &Read,
    ) -> Result<Applied, Refusal> {
        check(Step::AddNote, &standing(&decision))?;
        let used = match self.catalogue {
            Some(catalogue::Check::Refused(refusal)) => {
                return Ok(self.refuse_read(batch, decision, read, refusal.clone())?)
            }
            Some(catalogue::Check::Catalogued(catalogued)) => Some(catalogue::Use {
                catalogued: (**catalogued).clone(),
                purpose: Some(read.purpose.clone()),
            }),
            Some(catalogue::Check::Uncatalogued) | None => None,
        };
        if let Some(used) = &used {
            if let Err(refusal) = catalogue::check_on_decision(&decision, used) {
                return Ok(self.refuse_read(batch, decision, read, refusal)?);
            }
        }
        let mut change = Change::new(decision, self.now);
        if let Some(used) = &used {
            catalogue::note_use(&mut change.decision, used);
        }
        change.append(self.scope.actor(), read.clone());
        let applied = change.write_within_limits(batch)?;
        if let Some(used) = &used {
            let recorded = Indexed::recorded(&used.catalogued.product_use, Some(&read.purpose));
            self.index(batch, &applied, recorded);
        }
        Ok(applied)
    }

    fn refuse_read(
        &self,
        batch: &mut Batch,
        decision: DecisionRow,
        read: &Read,
        refusal: catalogue::Refusal,
    ) -> Result<Applied, AppError> {
        let mut change = Change::new(decision, self.now);
        change.append(
            self.scope.actor(),
            ReadRefused {
                product: read.product.clone(),
                operation: read.operation.clone(),
                purpose: read.purpose.clone(),
                code: refusal.code,
                reason: refusal.reason.clone(),
                risk_tier: refusal.risk_tier,
            },
        );
        let mut applied = change.write_within_limits(batch)?;
        let refused = Indexed {
            product: &read.product,
            operation: read.operation.as_deref().unwrap_or_default(),
            kind: OperationKind::Read,
            risk_tier: refusal.risk_tier,
            purpose: Some(&read.purpose),
            refused: Some(refusal.code),
        };
        self.index(batch, &applied, refused);
        applied.refused = Some(refusal.error());
        Ok(applied)
    }

    fn write(
        &self,
        batch: &mut Batch,
        decision: DecisionRow,
        write: &Write,
    ) -> Result<Applied, Refusal> {
        // A write the catalogue, the state machine, the binding rule or the decision's
        // catalogue rules refuse is an attempt to act: it is recorded (`write_refused`) unless
        // the decision is closed for good.
        if decision.status.is_closed() {
            check(Step::Write, &standing(&decision))?;
        }
        let used = match self.catalogue {
            Some(catalogue::Check::Refused(refusal)) => {
                let refused = Refused::of(refusal);
                return Ok(self.refuse_write(batch, decision, write, refused)?);
            }
            Some(catalogue::Check::Catalogued(catalogued)) => Some(catalogue::Use {
                catalogued: (**catalogued).clone(),
                purpose: None,
            }),
            Some(catalogue::Check::Uncatalogued) | None => None,
        };
        let refused = match check(Step::Write, &standing(&decision)) {
            Err(error) => Some(Refused {
                mismatch: actions::Mismatch {
                    reason: error.to_string(),
                    closest: None,
                    differing: Vec::new(),
                },
                code: RefusalCode::NotAllowedYet,
                risk_tier: None,
                error,
            }),
            Ok(()) => binding_of(&decision)
                .check_write(
                    attempted(write)
                        .as_ref()
                        .map(|(action, digest)| (action, digest.as_str())),
                )
                .err()
                .map(|mismatch| Refused {
                    error: AppError::from(&mismatch),
                    mismatch,
                    code: RefusalCode::ActionMismatch,
                    risk_tier: None,
                }),
        };
        let refused = refused.or_else(|| {
            let used = used.as_ref()?;
            catalogue::check_on_decision(&decision, used)
                .err()
                .map(|refusal| Refused::of(&refusal))
        });
        if let Some(refused) = refused {
            let risk_tier = used
                .as_ref()
                .map(|used| used.catalogued.product_use.risk_tier);
            let refused = Refused {
                risk_tier: refused.risk_tier.or(risk_tier),
                ..refused
            };
            return Ok(self.refuse_write(batch, decision, write, refused)?);
        }
        let mut change = Change::new(decision, self.now);
        if let Some(used) = &used {
            catalogue::note_use(&mut change.decision, used);
        }
        change.append(self.scope.actor(), write.clone());
        let applied = change.write_within_limits(batch)?;
        if let Some(used) = &used {
            let purpose = applied.decision.purpose.clone();
            let recorded = Indexed::recorded(&used.catalogued.product_use, purpose.as_deref());
            self.index(batch, &applied, recorded);
        }
        Ok(applied)
    }

    /// Records a refused write (and, for catalogued products, indexes it) so an auditor sees
    /// the attempt; the caller hears the refusal once it is committed.
    fn refuse_write(
        &self,
        batch: &mut Batch,
        decision: DecisionRow,
        write: &Write,
        refused: Refused,
    ) -> Result<Applied, AppError> {
        let attempted = attempted(write);
        let purpose = decision.purpose.clone();
        let mut change = Change::new(decision, self.now);
        change.append(
            self.scope.actor(),
            WriteRefused {
                reason: refused.mismatch.reason.clone(),
                attempted_digest: attempted.as_ref().map(|(_, digest)| digest.clone()),
                closest_digest: refused.mismatch.closest.clone(),
                differing: refused.mismatch.differing.clone(),
                code: Some(refused.code),
                product: attempted.is_none().then(|| write.product.clone()),
                operation: attempted.is_none().then(|| write.operation.clone()),
                attempted: attempted.map(|(action, _)| action),
                risk_tier: refused.risk_tier,
            },
        );
        let mut applied = change.write_within_limits(batch)?;
        if matches!(self.catalogue, Some(check) if *check != catalogue::Check::Uncatalogued) {
            let indexed = Indexed {
                product: &write.product,
                operation: &write.operation,
                kind: OperationKind::Write,
                risk_tier: refused.risk_tier,
                purpose: purpose.as_deref(),
                refused: Some(refused.code),
            };
            self.index(batch, &applied, indexed);
        }
        applied.refused = Some(refused.error);
        Ok(applied)
    }

    /// Indexes a read or write of a catalogued product (`product_uses`), recorded or refused,
    /// under the event just staged.
    fn index(&self, batch: &mut Batch, applied: &Applied, indexed: Indexed<'_>) {
        let Some(event) = applied.events.first() else {
            return;
        };
        batch.record_product_use(NewProductUse {
            event_id: event.id.clone(),
            decision_id: event.decision_id.clone(),
            agent_id: self.scope.agent_id.clone(),
            product: indexed.product.to_owned(),
            operation: indexed.operation.to_owned(),
            kind: indexed.kind.as_str(),
            risk_tier: indexed.risk_tier.map(RiskTier::as_str),
            purpose: indexed.purpose.map(str::to_owned),
            refused: indexed.refused.map(RefusalCode::as_str),
            at: self.now,
        });
    }
}

/// What the `product_uses` index keeps of one read or write.
struct Indexed<'a> {
    product: &'a str,
    operation: &'a str,
    kind: OperationKind,
    risk_tier: Option<RiskTier>,
    purpose: Option<&'a str>,
    /// The refusal's code; `None` for a use that was recorded.
    refused: Option<RefusalCode>,
}

impl<'a> Indexed<'a> {
    fn recorded(product_use: &'a ProductUse, purpose: Option<&'a str>) -> Self {
        Indexed {
            product: &product_use.product,
            operation: &product_use.operation,
            kind: product_use.kind,
            risk_tier: Some(product_use.risk_tier),
            purpose,
            refused: None,
        }
    }
}

/// A refused write: what is recorded, its code, and what the agent hears.
struct Refused {
    mismatch: actions::Mismatch,
    code: RefusalCode,
    risk_tier: Option<RiskTier>,
    error: AppError,
}

impl Refused {
    fn of(refusal: &catalogue::Refusal) -> Self {
        Refused {
            mismatch: actions::Mismatch {
                reason: refusal.reason.clone(),
                closest: None,
                differing: Vec::new(),
            },
            code: refusal.code,
            risk_tier: refusal.risk_tier,
            error: refusal.error(),
        }
    }
}

/// A digest of what an evaluation was asked on: each policy's inputs, in order.
fn inputs_digest(evaluations: &[PolicyEvaluated]) -> String {
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
    closing: DecisionClosed,
    now: i64,
) -> Result<Applied, Refusal> {
    let (last, status) = match action {
        CloseAction::Commit => (
            EventPayload::DecisionCommitted(closing),
            DecisionStatus::Committed,
        ),
        CloseAction::Rollback | CloseAction::Abort => (
            EventPayload::DecisionAborted(closing),
            DecisionStatus::Aborted,
        ),
    };
    let decision_id = decision.id.clone();
    let mut change = Change::new(decision, now);
    change.set_status(status);
    change.decision.closed_at = Some(now);
    change.snapshot(actor.clone());
    change.append(actor, last);
    let applied = change.write(batch);
    if status == DecisionStatus::Aborted {
        approval_commands::withdraw_pending_approvals(conn, batch, &decision_id, now).await?;
    }
    Ok(applied)
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
        status: decision.status,
        mode: decision.automation_mode,
        latest_outcome: decision.latest_outcome,
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
        refused: None,
    }
}

/// A decision's new state and the events that lead there, chained onto its current head.
pub(super) struct Change {
    pub(super) decision: DecisionRow,
    expected_sequence: i64,
    events: Vec<EventRow>,
    now: i64,
    is_new: bool,
    status_changed: bool,
}

impl Change {
    pub(super) fn new(decision: DecisionRow, now: i64) -> Self {
        Self {
            expected_sequence: decision.last_sequence,
            decision,
            events: Vec::new(),
            now,
            is_new: false,
            status_changed: false,
        }
    }

    pub(super) fn set_status(&mut self, status: DecisionStatus) {
        self.decision.status = status;
        self.status_changed = true;
    }

    pub(super) fn append(&mut self, actor: String, payload: impl Into<EventPayload>) {
        let head = Head {
            sequence: self.decision.last_sequence,
            hash: &self.decision.last_hash,
        };
        let event = link(&self.decision.id, head, self.now, actor, &payload.into());
        self.decision.payload_bytes = self
            .decision
            .payload_bytes
            .saturating_add(event.payload_json.len() as i64);
        self.decision.last_sequence = event.sequence;
        self.decision.last_hash = event.hash.clone();
        self.events.push(event);
    }

    /// The policy versions the decision evaluated, recorded as it closes.
    pub(super) fn snapshot(&mut self, actor: String) {
        let policies = self.decision.policies_used.clone();
        self.append(actor, Snapshot { policies });
    }

    /// Stages the change; the flush checks that no other server moved the head meanwhile.
    /// Stages an agent's change, unless it would take the decision past its bounds
    /// (`limits`). People's answers, expiry and closing use `write`: never refused for size.
    pub(super) fn write_within_limits(self, batch: &mut Batch) -> Result<Applied, AppError> {
        limits::check(&self.decision)?;
        Ok(self.write(batch))
    }

    pub(super) fn write(mut self, batch: &mut Batch) -> Applied {
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
            refused: None,
        }
    }
}
