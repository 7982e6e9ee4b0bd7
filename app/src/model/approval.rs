//! The approval inbox as approvers read it.

use serde::{Deserialize, Serialize};

use super::{ApprovalStatus, Delivery, TraceEvaluation, TraceEvent};

/// One approval request, with the agent and intent it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApprovalItem {
    pub id: String,
    pub decision_id: String,
    pub agent_name: String,
    pub intent: String,
    pub title: String,
    pub message: String,
    pub approval_route: Option<String>,
    pub require_rationale: bool,
    pub status: ApprovalStatus,
    /// Unix milliseconds.
    pub requested_at: i64,
    pub expires_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
    pub rationale: Option<String>,
    /// The version of `approval_route` the request used; `None` when no such route is defined.
    pub route_version: Option<i64>,
    /// Distinct approvals needed; one rejection rejects.
    pub required_approvals: i64,
}

/// The inbox page: what waits, what was answered lately, and whether this person may answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalInbox {
    pub pending: Vec<ApprovalItem>,
    pub resolved: Vec<ApprovalItem>,
    pub can_resolve: bool,
    pub now: i64,
}

/// One request as its page shows it: the request, everything the decision recorded so far,
/// and the hash an answer binds to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRequestView {
    pub item: ApprovalItem,
    pub evaluations: Vec<TraceEvaluation>,
    pub events: Vec<TraceEvent>,
    /// The decision's latest event hash as shown; an answer carrying another is refused.
    pub evidence_hash: String,
    pub can_resolve: bool,
    /// Who has approved so far, when several approvals are needed.
    pub approved_by: Vec<String>,
    /// The delivery to the route's integration, with every attempt; `None` for the inbox.
    pub delivery: Option<Delivery>,
    pub now: i64,
}
