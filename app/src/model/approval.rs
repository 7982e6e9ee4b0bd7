//! The approval inbox as approvers read it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Action, ApprovalStatus, Delivery, TraceEvaluation, TraceEvent};
use crate::error::AppError;

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
    /// The hash of the decision's latest event now: what an answer from this list binds to.
    pub evidence_hash: String,
    /// The policy version and rules whose `requires_exception` asked for this, e.g.
    /// `refund_limit v1 (large_refund)`.
    pub asked_by: Option<String>,
}

/// The inbox page: what waits, what was answered lately, and whether this person may answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalInbox {
    pub filter: InboxFilter,
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
    pub evaluations: Vec<ApprovalEvaluation>,
    /// The newest screen of the decision's events, ending at its chain head.
    pub events: Vec<TraceEvent>,
    /// Older events not shown here (the decision's page shows them all, a screen at a time).
    pub earlier_events: i64,
    /// The decision's latest event hash as shown; an answer carrying another is refused.
    pub evidence_hash: String,
    pub can_resolve: bool,
    /// Who has approved so far, when several approvals are needed.
    pub approved_by: Vec<String>,
    /// The delivery to the route's integration, with every attempt; `None` for the inbox.
    pub delivery: Option<Delivery>,
    /// The exact action an approval grants, with its digest, when the decision evaluated one.
    pub action: Option<(Action, String)>,
    pub now: i64,
}

/// An evaluation as the approval page shows it: what was recorded, and its inputs labelled by
/// the policy version that judged them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalEvaluation {
    pub evaluation: TraceEvaluation,
    /// The entries of the recorded inputs object, in the order recorded; empty when the
    /// inputs are not an object (they read as recorded, in `evaluation.inputs`).
    pub inputs: Vec<LabelledInput>,
}

/// One input an evaluation was given, with what the evaluated policy version says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledInput {
    pub name: String,
    pub value: Value,
    /// The input's `description` in the policy version; `None` when it has none, or the
    /// version does not declare the input.
    pub description: Option<String>,
    /// The input's `unit`, e.g. `EUR` or `records`, shown after the value.
    pub unit: Option<String>,
}

/// Which pending requests the inbox lists; every field narrows it. Parsed from the page's URL
/// query and from `GET /api/v1/approvals`, so a filtered inbox can be shared as a link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxFilter {
    pub route: Option<String>,
    /// The agent's name.
    pub agent: Option<String>,
    /// Requests whose decision's intent starts with this.
    pub intent: Option<String>,
    /// Requests waiting at least this many minutes.
    pub older_than_minutes: Option<i64>,
}

impl InboxFilter {
    /// Reads `route`, `agent`, `intent` and `older_than_minutes`; empty values do not filter,
    /// anything else is refused naming the parameter.
    pub fn parse<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, AppError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut filter = Self::default();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref().trim());
            if value.is_empty() {
                continue;
            }
            let text = |max: usize| -> Result<Option<String>, AppError> {
                if !super::text::is_clean(value, max, super::text::Lines::One) {
                    Err(AppError::invalid(
                        key,
                        format!("{key} may be at most {max} characters."),
                    ))
                } else {
                    Ok(Some(value.to_owned()))
                }
            };
            match key {
                "route" => filter.route = text(100)?,
                "agent" => filter.agent = text(64)?,
                "intent" => filter.intent = text(200)?,
                "older_than_minutes" => {
                    let minutes: i64 = value.parse().map_err(|_| {
                        AppError::invalid(key, "older_than_minutes is a whole number of minutes.")
                    })?;
                    if !(0..=525_600).contains(&minutes) {
                        return Err(AppError::invalid(
                            key,
                            "older_than_minutes is 0 to 525600 (a year).",
                        ));
                    }
                    filter.older_than_minutes = Some(minutes);
                }
                "status" => {}
                other => {
                    return Err(AppError::invalid(
                        other,
                        format!(
                        "Unknown filter {other}: use route, agent, intent or older_than_minutes."
                    ),
                    ))
                }
            }
        }
        Ok(filter)
    }
}

/// An answer to an approval request, however it is given: the inbox's forms and bulk answer
/// (`approved`/`rejected`), the REST body's `outcome`, an answer link (`approve`/`reject`) or a
/// route receiver's signed answer. Each surface parses its word into this once, at its edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Approve,
    Reject,
}

impl Answer {
    /// The word any surface sends, in either form: `approve`/`approved`, `reject`/`rejected`.
    pub fn parse(word: &str) -> Option<Answer> {
        match word {
            "approve" | "approved" => Some(Answer::Approve),
            "reject" | "rejected" => Some(Answer::Reject),
            _ => None,
        }
    }

    /// What the request becomes when this answer decides it.
    pub fn outcome(self) -> ApprovalStatus {
        match self {
            Answer::Approve => ApprovalStatus::Approved,
            Answer::Reject => ApprovalStatus::Rejected,
        }
    }

    /// The word an answer link carries.
    pub fn link_word(self) -> &'static str {
        match self {
            Answer::Approve => "approve",
            Answer::Reject => "reject",
        }
    }
}

#[cfg(test)]
mod answer_tests {
    use super::*;

    #[test]
    fn every_surface_word_parses_to_one_answer() {
        for (word, answer) in [
            ("approve", Answer::Approve),
            ("approved", Answer::Approve),
            ("reject", Answer::Reject),
            ("rejected", Answer::Reject),
        ] {
            assert_eq!(Answer::parse(word), Some(answer), "{word}");
        }
        for word in ["", "Approve", "yes", "expired", "pending"] {
            assert_eq!(Answer::parse(word), None, "{word}");
        }
        assert_eq!(Answer::Approve.outcome(), ApprovalStatus::Approved);
        assert_eq!(
            Answer::parse(Answer::Reject.link_word()),
            Some(Answer::Reject)
        );
    }
}
