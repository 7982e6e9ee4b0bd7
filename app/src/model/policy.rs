use serde::{Deserialize, Serialize};

/// Where a policy stands: never published, published (with or without newer draft changes), or
/// archived (kept for history, no longer bound or evaluated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PolicyStatus {
    Draft,
    Published,
    Archived,
}

impl PolicyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyStatus::Draft => "draft",
            PolicyStatus::Published => "published",
            PolicyStatus::Archived => "archived",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicySummary {
    pub id: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub status: PolicyStatus,
    pub latest_version: Option<i64>,
    pub latest_hash: Option<String>,
    pub has_draft_changes: bool,
    pub draft_updated_at: i64,
    /// Agents bound to this policy.
    pub bound_agents: i64,
    /// Evaluations recorded in the last 24 hours.
    pub evaluations_24h: i64,
    pub last_evaluated_at: Option<i64>,
}

/// What the editor opens with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyDraft {
    pub id: String,
    pub status: PolicyStatus,
    pub source: String,
    pub revision: i64,
    pub updated_by: String,
    pub updated_at: i64,
    pub latest_version: Option<i64>,
    /// The inputs of the policy's first test, as JSON: where the dry run's context starts.
    pub sample_context: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyVersionSummary {
    pub policy_id: String,
    pub version: i64,
    pub content_hash: String,
    pub change_note: String,
    pub published_by: String,
    pub published_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyVersion {
    pub summary: PolicyVersionSummary,
    pub source: String,
}

/// One line of a diff between two policy sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DiffLine {
    pub kind: DiffKind,
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    Same,
    Added,
    Removed,
}

/// One evaluation of a policy by an agent, as the policy page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentEvaluation {
    pub event_id: String,
    pub decision_id: String,
    pub agent_name: String,
    pub version: i64,
    pub outcome: String,
    pub matched_rules: Vec<String>,
    pub at: i64,
}
