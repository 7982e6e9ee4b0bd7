//! Agents as people see them: identity, key status, freeze, bindings and recent decisions.

use serde::{Deserialize, Serialize};

use super::decision::{AutomationMode, DecisionStatus};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Freeze {
    pub reason: String,
    pub by: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AgentSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner_team: String,
    pub frozen: Option<Freeze>,
    pub last_seen_at: Option<i64>,
    /// Keys that authenticate right now (a rotated key counts during its grace period).
    pub active_keys: i64,
    pub bindings: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AgentKeySummary {
    pub id: String,
    pub prefix: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Binding {
    pub policy_id: String,
    /// `None` follows the latest published version.
    pub pinned_version: Option<i64>,
    /// The version an evaluation would use now, if the policy has one.
    pub effective_version: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DecisionSummary {
    pub id: String,
    pub agent_id: String,
    pub intent: String,
    pub automation_mode: AutomationMode,
    pub status: DecisionStatus,
    pub latest_outcome: Option<verdict_policy::Outcome>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AgentDetail {
    pub agent: AgentSummary,
    pub keys: Vec<AgentKeySummary>,
    pub bindings: Vec<Binding>,
    pub recent_decisions: Vec<DecisionSummary>,
    pub global_freeze: Option<Freeze>,
}

/// An agent just created or given a new key: the key is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssuedAgentKey {
    pub agent: AgentSummary,
    pub api_key: String,
}
