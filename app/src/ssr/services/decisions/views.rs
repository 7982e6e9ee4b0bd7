//! What the agent API answers, shared by REST and MCP so both say exactly the same thing.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use verdict_policy::Outcome;

use crate::{
    model::{ApprovalStatus, AutomationMode, DecisionStatus, RiskTier, TraceEvent},
    ssr::store::decisions::{DecisionRow, EventRow},
};

pub use crate::model::Verification;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DecisionView {
    pub decision_id: String,
    pub status: DecisionStatus,
    pub intent: String,
    pub automation_mode: AutomationMode,
    pub actor: Option<String>,
    /// The combined outcome of the latest evaluation: allow, requires_exception or deny.
    pub latest_outcome: Option<Outcome>,
    pub approval_granted: bool,
    /// The purpose fixed by the decision's first read of a catalogued data product.
    #[serde(default)]
    pub purpose: Option<String>,
    /// The highest risk tier of the catalogued operations the decision used: `read_only`,
    /// `local_write`, `network`, `delegated` or `destructive`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub risk_tier: Option<RiskTier>,
    /// Events recorded so far.
    pub events: i64,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

impl DecisionView {
    pub fn of(row: &DecisionRow) -> Self {
        Self {
            decision_id: row.id.clone(),
            status: row.status,
            intent: row.intent.clone(),
            automation_mode: row.automation_mode,
            actor: row.actor.clone(),
            latest_outcome: row.latest_outcome,
            approval_granted: row.approval_granted != 0,
            purpose: row.purpose.clone(),
            risk_tier: row.risk_tier,
            events: row.last_sequence,
            created_at: row.created_at,
            updated_at: row.updated_at,
            closed_at: row.closed_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    pub event_id: String,
    pub decision_id: String,
    pub sequence: i64,
    pub kind: String,
    /// Unix milliseconds.
    pub at: i64,
    pub actor: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

impl EventView {
    /// The event as [`TraceEvent`] shows it, with its decision named (agents' answers hold one
    /// event at a time).
    pub fn of(row: &EventRow) -> Self {
        let TraceEvent {
            event_id,
            sequence,
            kind,
            at,
            actor,
            payload,
            prev_hash,
            hash,
        } = TraceEvent::from(row);
        Self {
            event_id,
            decision_id: row.decision_id.clone(),
            sequence,
            kind,
            at,
            actor,
            payload,
            prev_hash,
            hash,
        }
    }
}

/// The one reading of a stored event for an answer. The payload is shown as stored, whatever
/// its kind: the chain's hashes are over those bytes, and a reader checks them against it.
impl From<&EventRow> for TraceEvent {
    fn from(row: &EventRow) -> Self {
        TraceEvent {
            event_id: row.id.clone(),
            sequence: row.sequence,
            kind: row.kind.clone(),
            at: row.at,
            actor: row.actor.clone(),
            payload: serde_json::from_str(&row.payload_json).unwrap_or(Value::Null),
            prev_hash: row.prev_hash.clone(),
            hash: row.hash.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EvaluationView {
    pub event_id: String,
    /// `null` when no bound policy applied and the decision was denied for that reason.
    pub policy_id: Option<String>,
    pub version: Option<i64>,
    pub hash: Option<String>,
    pub outcome: Outcome,
    pub rationale: String,
    pub matched_rules: Vec<String>,
    pub approval_route: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EvaluationResult {
    pub decision_id: String,
    /// The strictest outcome of all evaluations.
    pub outcome: Outcome,
    pub evaluations: Vec<EvaluationView>,
    pub status: DecisionStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalCreated {
    pub approval_id: String,
    /// Always `pending` when created.
    pub status: ApprovalStatus,
    pub decision_id: String,
    pub approval_route: Option<String>,
    /// Unix milliseconds after which the request expires and the decision is aborted.
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Trace {
    pub decision: DecisionView,
    pub events: Vec<EventView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WaitResult {
    pub decision: DecisionView,
    /// False when the timeout passed with the status unchanged.
    pub changed: bool,
}
