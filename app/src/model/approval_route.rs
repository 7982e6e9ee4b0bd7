//! Approval routes: where a policy's `approval_route:` sends an exception, who may approve it
//! and how. Versioned like policies: a change is a new version, and each approval records the
//! version it used.

use serde::{Deserialize, Serialize};

/// How a route reaches people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Integration {
    /// No delivery: the request waits in the Verdict inbox.
    Inbox,
    /// A JSON request signed per Standard Webhooks; the receiver may answer, signed the same way.
    Webhook,
    /// A chat message (Slack-style incoming webhook) with links to the request's page.
    Chat,
    /// An email to each named approver with signed, single-use approve and reject links.
    Email,
}

impl Integration {
    pub const ALL: [Integration; 4] = [
        Integration::Inbox,
        Integration::Webhook,
        Integration::Chat,
        Integration::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Integration::Inbox => "inbox",
            Integration::Webhook => "webhook",
            Integration::Chat => "chat",
            Integration::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|integration| integration.as_str() == text)
    }
}

/// One version of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApprovalRoute {
    pub name: String,
    pub version: i64,
    pub integration: Integration,
    /// The URL deliveries are posted to (webhook and chat).
    pub destination: Option<String>,
    /// Only these people may approve; empty: everyone whose role may approve.
    pub approver_emails: Vec<String>,
    /// Distinct approvals needed; one rejection rejects.
    pub required_approvals: i64,
    pub require_rationale: bool,
    pub default_expiry_seconds: i64,
    /// Whether people of the agent's owner team may approve its requests.
    pub owner_team_may_approve: bool,
    pub created_by: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// A route version just defined; a webhook route's signing secret is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DefinedRoute {
    pub route: ApprovalRoute,
    /// `whsec_…`, present when the version has a new secret.
    pub signing_secret: Option<String>,
}

/// A delivery of an approval request to its route, with every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub route_name: String,
    pub route_version: i64,
    /// `queued`, `delivered` or `failed` (no retries left; the request still waits).
    pub state: String,
    pub next_attempt_at: i64,
    pub attempts: Vec<DeliveryAttempt>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryAttempt {
    pub attempt: i64,
    pub at: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
}
