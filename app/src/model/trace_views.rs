//! What the trace explorer and its API show: a list page, a decision whole, an export line, its
//! charts, a chain's verification and a replay. The filter that selects them is in
//! `trace_query.rs`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use verdict_policy::Outcome;

use super::{
    decision::{ApprovalStatus, AutomationMode, DecisionStatus},
    product_use::{ProductUse, RiskTier},
};

/// A policy version a decision evaluated, as recorded in its snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyUse {
    pub policy_id: String,
    pub version: i64,
    pub hash: String,
}

/// A decision's latest approval request, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceApproval {
    pub status: ApprovalStatus,
    /// Who resolved it (`system` when it expired); `None` while pending.
    pub approver: Option<String>,
}

/// One row of the explorer's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceSummary {
    pub id: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub agent_id: String,
    pub agent_name: String,
    pub intent: String,
    pub automation_mode: AutomationMode,
    pub status: DecisionStatus,
    /// The combined outcome of the latest evaluation: allow, requires_exception or deny.
    pub latest_outcome: Option<Outcome>,
    pub policies_used: Vec<PolicyUse>,
    pub approval: Option<TraceApproval>,
    /// From opening to closing, in milliseconds; `None` while open.
    pub duration_ms: Option<i64>,
    /// The purpose fixed by the decision's first read of a catalogued data product.
    #[serde(default)]
    pub purpose: Option<String>,
    /// The highest risk tier of the catalogued operations the decision used: `read_only`,
    /// `local_write`, `network`, `delegated` or `destructive`; `None` when it used none.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub risk_tier: Option<RiskTier>,
}

/// A page of decisions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TracePage {
    pub decisions: Vec<TraceSummary>,
    /// Pass as `cursor` for the next (older) page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One event of a decision's hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceEvent {
    pub event_id: String,
    pub sequence: i64,
    pub kind: String,
    /// Unix milliseconds.
    pub at: i64,
    pub actor: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// A recorded evaluation, read from its `policy_eval` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceEvaluation {
    pub event_id: String,
    pub sequence: i64,
    pub at: i64,
    /// `None` when no bound policy applied and the decision was denied for that reason.
    pub policy_id: Option<String>,
    pub version: Option<i64>,
    pub hash: Option<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub inputs: Value,
    pub outcome: Outcome,
    pub rationale: String,
    pub decided_by: Option<String>,
    pub matched_rules: Vec<String>,
    pub approval_route: Option<String>,
}

/// An approval request of a decision, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceApprovalRecord {
    pub id: String,
    pub title: String,
    pub message: String,
    pub approval_route: Option<String>,
    pub status: ApprovalStatus,
    pub requested_at: i64,
    pub expires_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
    pub rationale: Option<String>,
}

/// Everything recorded about one decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceDetail {
    pub decision: TraceSummary,
    /// On whose behalf the agent acted, as the agent said.
    pub actor: Option<String>,
    /// One screen of events in chain order (see `events_total` and `next_after`).
    pub events: Vec<TraceEvent>,
    /// Every evaluation recorded, whichever screen of events is shown.
    pub evaluations: Vec<TraceEvaluation>,
    pub approvals: Vec<TraceApprovalRecord>,
    /// How many events the decision holds.
    pub events_total: i64,
    /// Pass as `after` for the next screen of events; `None` on the last screen.
    pub next_after: Option<i64>,
}

/// Which screen of a decision's events to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventWindow {
    /// The first screen after this sequence number (0: from the start).
    After(i64),
    /// The newest screen, ending at the chain head: what an approver answers on.
    Latest,
}

impl EventWindow {
    /// Events on one screen of the decision and approval pages and of the API.
    pub const SCREEN: i64 = 100;
}

/// One line of an NDJSON export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceExportLine {
    pub decision: TraceSummary,
    /// The catalogued operations the decision used (refused attempts are among the events),
    /// once each, in first-use order.
    pub products_used: Vec<ProductUse>,
    pub events: Vec<TraceEvent>,
}

/// How the filtered decisions spread over time, by outcome, and how long their approval
/// requests waited for an answer. Charted over the filter's time range, or the last 14 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceCharts {
    /// The charted window, Unix milliseconds, `from` inclusive and `to` exclusive.
    pub from: i64,
    pub to: i64,
    /// An hour or a day, in milliseconds.
    pub bucket_millis: i64,
    /// Every bucket of the window, oldest first, empty ones included.
    pub volume: Vec<VolumeBucket>,
    /// Answered approval requests by how long they waited, fastest first.
    pub approval_times: Vec<WaitBucket>,
    /// Decisions by risk tier, least risky first, then those that used no catalogued
    /// operation (`tier` `None`); every tier listed, empty ones included.
    pub risk_tiers: Vec<TierCount>,
}

/// Decisions of the charted window at one risk tier (`None`: no catalogued operation used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierCount {
    pub tier: Option<RiskTier>,
    pub decisions: i64,
}

/// Decisions opened within one bucket, by combined outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeBucket {
    /// Unix milliseconds.
    pub start: i64,
    pub allow: i64,
    pub requires_exception: i64,
    pub deny: i64,
    pub not_evaluated: i64,
}

impl VolumeBucket {
    pub fn total(&self) -> i64 {
        self.allow + self.requires_exception + self.deny + self.not_evaluated
    }
}

/// Approval requests answered within one span of waiting, e.g. "10 min–1 h".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitBucket {
    pub label: String,
    pub answered: i64,
}

/// Where a stored chain stops matching its recomputation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChainBreak {
    pub sequence: i64,
    pub event_id: String,
    pub reason: String,
}

/// A decision's hash chain recomputed on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Verification {
    pub decision_id: String,
    pub intact: bool,
    pub events: i64,
    pub first_break: Option<ChainBreak>,
}

/// Where a replayed evaluation differs from the recorded one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReplayDifference {
    /// outcome, matched_rules, rationale, decided_by, approval_route, hash or policy_version.
    pub field: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub recorded: Value,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub replayed: Value,
}

/// One recorded evaluation re-run with its recorded policy version and inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReplayedEvaluation {
    pub event_id: String,
    pub sequence: i64,
    pub policy_id: Option<String>,
    pub version: Option<i64>,
    pub recorded_outcome: Outcome,
    /// `None` when there was nothing to re-run (no policy applied, or the version is missing).
    pub replayed_outcome: Option<Outcome>,
    pub identical: bool,
    pub differences: Vec<ReplayDifference>,
    /// Why nothing was re-run, when nothing was.
    pub note: Option<String>,
}

/// The determinism proof of a decision: every evaluation re-run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReplayReport {
    pub decision_id: String,
    /// True when every evaluation replayed identically.
    pub identical: bool,
    pub evaluations: Vec<ReplayedEvaluation>,
}
