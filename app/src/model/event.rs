//! What each event of a decision's hash chain records: one type per event kind, written by the
//! decision commands and the seed and read by the trace pages, replay and backtests.
//!
//! The field names are the stored JSON's keys: the chain hashes each payload's canonical bytes
//! (`services::decisions::chain`), so renaming a field here would make new events differ from
//! the ones already stored, and old rows would no longer read. The tests below hold every type
//! to the JSON written before these types existed.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use verdict_policy::Outcome;

use super::{
    action::Action,
    decision::{ApprovalStatus, AutomationMode, CloseAction, EventKind, RefusalCode},
    product_use::RiskTier,
    trace_views::PolicyUse,
};

/// `decision_opened`: what the agent said it intends, and in which mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionOpened {
    pub intent: String,
    pub automation_mode: AutomationMode,
    pub actor: Option<String>,
    pub metadata: Option<Value>,
}

/// `context_added`: a note the agent attached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextAdded {
    pub summary: String,
    pub payload: Option<Value>,
}

/// `read`: data the agent read, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Read {
    pub product: String,
    pub purpose: String,
    pub summary: Option<String>,
    pub record_count: Option<u64>,
    /// A read of a catalogued product: the operation, the product version it was checked
    /// against, its risk tier, and the fields read if the agent named them. Absent from reads
    /// of uncatalogued systems, which store exactly what they did before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_tier: Option<RiskTier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

/// `read_refused`: a read the catalogue, the decision's purpose or its risk tier refused: the
/// attempt is on the record, and nothing else changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadRefused {
    pub product: String,
    pub operation: Option<String>,
    pub purpose: String,
    pub code: RefusalCode,
    pub reason: String,
    /// The operation's tier, when the product and operation are catalogued.
    pub risk_tier: Option<RiskTier>,
}

/// `policy_eval`: one policy's verdict on the agent's inputs. `policy_id`, `version` and `hash`
/// are `None` when no bound policy applied and the decision was denied for that reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyEvaluated {
    pub policy_id: Option<String>,
    pub version: Option<i64>,
    pub hash: Option<String>,
    pub inputs: Value,
    pub outcome: Outcome,
    pub rationale: String,
    pub decided_by: Option<String>,
    pub matched_rules: Vec<String>,
    pub approval_route: Option<String>,
    /// The exact action evaluated (its arguments are in `inputs` too), when the agent gave one.
    /// Absent from evaluations of inputs alone, which store exactly what they did before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// `sha256:` + hex SHA-256 of the action's RFC 8785 canonical JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_digest: Option<String>,
}

/// `approval_requested`: the agent asked people to approve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRequested {
    pub approval_id: String,
    pub title: String,
    pub message: String,
    pub approval_route: Option<String>,
    // Histories written by `verdict seed` before these types existed lack the next two.
    #[serde(default)]
    pub route_version: Option<i64>,
    #[serde(default = "one")]
    pub required_approvals: i64,
    pub require_rationale: bool,
    /// Unix milliseconds.
    pub expires_at: i64,
    /// The exact action the approval would grant, when the decision evaluated one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_digest: Option<String>,
}

fn one() -> i64 {
    1
}

/// `approval_vote`: one approval of a request that needs several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalVote {
    pub approval_id: String,
    pub by: String,
    pub rationale: Option<String>,
    /// Approvals so far, this one included.
    pub approvals: i64,
    pub required_approvals: i64,
}

/// `approval_resolved`: a request approved, rejected or expired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalResolved {
    pub approval_id: String,
    pub outcome: ApprovalStatus,
    /// The person (or `system`, on expiry) whose answer resolved it.
    pub by: String,
    /// Everyone who approved; absent when the request expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvers: Option<Vec<String>>,
    pub rationale: Option<String>,
    /// The chain head the answer was given on (what the approver saw; the answer is refused if
    /// it differs from the head they sent). Absent from events written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_hash: Option<String>,
}

/// `approval_voided`: a granted approval taken back because other inputs were evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalVoided {
    pub reason: String,
    pub outcome: Outcome,
}

/// `write`: what the agent changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Write {
    pub product: String,
    pub operation: String,
    pub summary: Option<String>,
    pub idempotency_key: Option<String>,
    /// The action carried out, with its arguments (writes of decisions that evaluated no action
    /// may leave it out, and store what they did before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<serde_json::Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_digest: Option<String>,
    /// The operation's risk tier, for writes of a catalogued product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_tier: Option<RiskTier>,
}

/// `write_refused`: a write the binding rule refused (409 `action_mismatch`): the attempt is on
/// the record, and nothing else changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteRefused {
    pub reason: String,
    /// The attempted action, when the write presented one.
    pub attempted: Option<Action>,
    pub attempted_digest: Option<String>,
    /// The evaluated action the attempt came closest to.
    pub closest_digest: Option<String>,
    /// The attempt's fields that differ from it (`product`, `operation`, `arguments.NAME`).
    pub differing: Vec<String>,
    /// Why, as a code (absent from refusals recorded before codes: the binding rule's and the
    /// state machine's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<RefusalCode>,
    /// The product and operation named, for writes without an action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_tier: Option<RiskTier>,
}

/// `snapshot`: the policy versions the decision evaluated, recorded as it closes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub policies: Vec<PolicyUse>,
}

/// How a decision closed: the agent's [`CloseAction`], or the clock when its approval expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosingAction {
    Commit,
    Rollback,
    Abort,
    Expired,
}

impl From<CloseAction> for ClosingAction {
    fn from(action: CloseAction) -> Self {
        match action {
            CloseAction::Commit => ClosingAction::Commit,
            CloseAction::Rollback => ClosingAction::Rollback,
            CloseAction::Abort => ClosingAction::Abort,
        }
    }
}

/// `decision_committed` and `decision_aborted`: the last event of a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionClosed {
    pub action: ClosingAction,
    pub reason: Option<String>,
}

/// An event's payload, by kind. Serialises as the payload alone (the kind is its own column).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventPayload {
    DecisionOpened(DecisionOpened),
    ContextAdded(ContextAdded),
    Read(Read),
    PolicyEvaluated(PolicyEvaluated),
    ApprovalRequested(ApprovalRequested),
    ApprovalVote(ApprovalVote),
    ApprovalResolved(ApprovalResolved),
    ApprovalVoided(ApprovalVoided),
    Write(Write),
    WriteRefused(WriteRefused),
    ReadRefused(ReadRefused),
    Snapshot(Snapshot),
    DecisionCommitted(DecisionClosed),
    DecisionAborted(DecisionClosed),
}

impl EventPayload {
    pub fn kind(&self) -> EventKind {
        match self {
            EventPayload::DecisionOpened(_) => EventKind::DecisionOpened,
            EventPayload::ContextAdded(_) => EventKind::ContextAdded,
            EventPayload::Read(_) => EventKind::Read,
            EventPayload::PolicyEvaluated(_) => EventKind::PolicyEval,
            EventPayload::ApprovalRequested(_) => EventKind::ApprovalRequested,
            EventPayload::ApprovalVote(_) => EventKind::ApprovalVote,
            EventPayload::ApprovalResolved(_) => EventKind::ApprovalResolved,
            EventPayload::ApprovalVoided(_) => EventKind::ApprovalVoided,
            EventPayload::Write(_) => EventKind::Write,
            EventPayload::WriteRefused(_) => EventKind::WriteRefused,
            EventPayload::ReadRefused(_) => EventKind::ReadRefused,
            EventPayload::Snapshot(_) => EventKind::Snapshot,
            EventPayload::DecisionCommitted(_) => EventKind::DecisionCommitted,
            EventPayload::DecisionAborted(_) => EventKind::DecisionAborted,
        }
    }

    /// The payload as JSON, as the chain hashes and stores it.
    pub fn to_value(&self) -> Value {
        // Every field is a string, a number, a bool or JSON already: serialising cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Reads a stored payload of the given kind.
    pub fn parse(kind: EventKind, payload: Value) -> Result<Self, serde_json::Error> {
        use serde_json::from_value as read;
        Ok(match kind {
            EventKind::DecisionOpened => EventPayload::DecisionOpened(read(payload)?),
            EventKind::ContextAdded => EventPayload::ContextAdded(read(payload)?),
            EventKind::Read => EventPayload::Read(read(payload)?),
            EventKind::PolicyEval => EventPayload::PolicyEvaluated(read(payload)?),
            EventKind::ApprovalRequested => EventPayload::ApprovalRequested(read(payload)?),
            EventKind::ApprovalVote => EventPayload::ApprovalVote(read(payload)?),
            EventKind::ApprovalResolved => EventPayload::ApprovalResolved(read(payload)?),
            EventKind::ApprovalVoided => EventPayload::ApprovalVoided(read(payload)?),
            EventKind::Write => EventPayload::Write(read(payload)?),
            EventKind::WriteRefused => EventPayload::WriteRefused(read(payload)?),
            EventKind::ReadRefused => EventPayload::ReadRefused(read(payload)?),
            EventKind::Snapshot => EventPayload::Snapshot(read(payload)?),
            EventKind::DecisionCommitted => EventPayload::DecisionCommitted(read(payload)?),
            EventKind::DecisionAborted => EventPayload::DecisionAborted(read(payload)?),
        })
    }

    /// Reads a stored event's kind and payload text; `None` when either is not one Verdict
    /// writes.
    pub fn read(kind: &str, payload_json: &str) -> Option<Self> {
        let kind = EventKind::parse(kind)?;
        let payload = serde_json::from_str(payload_json).ok()?;
        Self::parse(kind, payload).ok()
    }
}

macro_rules! from_payload {
    ($($type:ident => $variant:ident),+ $(,)?) => {
        $(impl From<$type> for EventPayload {
            fn from(payload: $type) -> Self {
                EventPayload::$variant(payload)
            }
        })+
    };
}

from_payload!(
    DecisionOpened => DecisionOpened,
    ContextAdded => ContextAdded,
    Read => Read,
    PolicyEvaluated => PolicyEvaluated,
    ApprovalRequested => ApprovalRequested,
    ApprovalVote => ApprovalVote,
    ApprovalResolved => ApprovalResolved,
    ApprovalVoided => ApprovalVoided,
    Write => Write,
    WriteRefused => WriteRefused,
    ReadRefused => ReadRefused,
    Snapshot => Snapshot,
);

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;

    /// Payloads exactly as the commands stored them before these types existed (canonical:
    /// keys sorted, no spaces), one or more per kind, and what each reads as.
    pub(crate) fn stored_today() -> Vec<(&'static str, &'static str, EventPayload)> {
        vec![
            (
                "decision_opened",
                r#"{"actor":"customer:C-1","automation_mode":"autonomous","intent":"billing.refund.create","metadata":{"source":"seed"}}"#,
                EventPayload::DecisionOpened(DecisionOpened {
                    intent: "billing.refund.create".into(),
                    automation_mode: AutomationMode::Autonomous,
                    actor: Some("customer:C-1".into()),
                    metadata: Some(json!({"source": "seed"})),
                }),
            ),
            (
                "decision_opened",
                r#"{"actor":null,"automation_mode":"propose","intent":"refund.create","metadata":null}"#,
                EventPayload::DecisionOpened(DecisionOpened {
                    intent: "refund.create".into(),
                    automation_mode: AutomationMode::Propose,
                    actor: None,
                    metadata: None,
                }),
            ),
            (
                "context_added",
                r#"{"payload":{"ticket":42},"summary":"customer reports damage"}"#,
                EventPayload::ContextAdded(ContextAdded {
                    summary: "customer reports damage".into(),
                    payload: Some(json!({"ticket": 42})),
                }),
            ),
            (
                "read",
                r#"{"product":"crm","purpose":"find the account","record_count":3,"summary":null}"#,
                EventPayload::Read(Read {
                    product: "crm".into(),
                    purpose: "find the account".into(),
                    summary: None,
                    record_count: Some(3),
                    operation: None,
                    product_version: None,
                    risk_tier: None,
                    fields: None,
                }),
            ),
            (
                "read",
                r#"{"fields":["email"],"operation":"profile.read","product":"customer_profiles","product_version":2,"purpose":"support","record_count":1,"risk_tier":"read_only","summary":null}"#,
                EventPayload::Read(Read {
                    product: "customer_profiles".into(),
                    purpose: "support".into(),
                    summary: None,
                    record_count: Some(1),
                    operation: Some("profile.read".into()),
                    product_version: Some(2),
                    risk_tier: Some(RiskTier::ReadOnly),
                    fields: Some(vec!["email".into()]),
                }),
            ),
            (
                "read_refused",
                r#"{"code":"purpose_not_allowed","operation":"profile.read","product":"customer_profiles","purpose":"marketing","reason":"customer_profiles may not be used for marketing","risk_tier":"read_only"}"#,
                EventPayload::ReadRefused(ReadRefused {
                    product: "customer_profiles".into(),
                    operation: Some("profile.read".into()),
                    purpose: "marketing".into(),
                    code: RefusalCode::PurposeNotAllowed,
                    reason: "customer_profiles may not be used for marketing".into(),
                    risk_tier: Some(RiskTier::ReadOnly),
                }),
            ),
            (
                "policy_eval",
                r#"{"approval_route":"finance","decided_by":"large_refund","hash":"ab12","inputs":{"amount":250.5,"currency":"EUR"},"matched_rules":["large_refund"],"outcome":"requires_exception","policy_id":"refund_limit","rationale":"refunds over 200 need finance","version":2}"#,
                EventPayload::PolicyEvaluated(PolicyEvaluated {
                    policy_id: Some("refund_limit".into()),
                    version: Some(2),
                    hash: Some("ab12".into()),
                    inputs: json!({"amount": 250.5, "currency": "EUR"}),
                    outcome: Outcome::RequiresException,
                    rationale: "refunds over 200 need finance".into(),
                    decided_by: Some("large_refund".into()),
                    matched_rules: vec!["large_refund".into()],
                    approval_route: Some("finance".into()),
                    action: None,
                    action_digest: None,
                }),
            ),
            (
                "policy_eval",
                r#"{"approval_route":null,"decided_by":null,"hash":null,"inputs":{},"matched_rules":[],"outcome":"deny","policy_id":null,"rationale":"No policy bound to this agent applies to intent x; nothing may happen without one.","version":null}"#,
                EventPayload::PolicyEvaluated(PolicyEvaluated {
                    policy_id: None,
                    version: None,
                    hash: None,
                    inputs: json!({}),
                    outcome: Outcome::Deny,
                    rationale: "No policy bound to this agent applies to intent x; nothing may \
                                happen without one."
                        .into(),
                    decided_by: None,
                    matched_rules: Vec::new(),
                    approval_route: None,
                    action: None,
                    action_digest: None,
                }),
            ),
            (
                "approval_requested",
                r#"{"approval_id":"a1","approval_route":"finance","expires_at":1700000000000,"message":"please","require_rationale":true,"required_approvals":2,"route_version":3,"title":"Refund"}"#,
                EventPayload::ApprovalRequested(ApprovalRequested {
                    approval_id: "a1".into(),
                    title: "Refund".into(),
                    message: "please".into(),
                    approval_route: Some("finance".into()),
                    route_version: Some(3),
                    required_approvals: 2,
                    require_rationale: true,
                    expires_at: 1_700_000_000_000,
                    action: None,
                    action_digest: None,
                }),
            ),
            (
                "approval_vote",
                r#"{"approval_id":"a1","approvals":1,"by":"ana@example.com","rationale":null,"required_approvals":2}"#,
                EventPayload::ApprovalVote(ApprovalVote {
                    approval_id: "a1".into(),
                    by: "ana@example.com".into(),
                    rationale: None,
                    approvals: 1,
                    required_approvals: 2,
                }),
            ),
            (
                "approval_resolved",
                r#"{"approval_id":"a1","approvers":["ana@example.com","bo@example.com"],"by":"bo@example.com","outcome":"approved","rationale":"checked"}"#,
                EventPayload::ApprovalResolved(ApprovalResolved {
                    approval_id: "a1".into(),
                    outcome: ApprovalStatus::Approved,
                    by: "bo@example.com".into(),
                    approvers: Some(vec!["ana@example.com".into(), "bo@example.com".into()]),
                    rationale: Some("checked".into()),
                    evidence_hash: None,
                }),
            ),
            (
                "approval_resolved",
                r#"{"approval_id":"a1","by":"system","outcome":"expired","rationale":null}"#,
                EventPayload::ApprovalResolved(ApprovalResolved {
                    approval_id: "a1".into(),
                    outcome: ApprovalStatus::Expired,
                    by: "system".into(),
                    approvers: None,
                    rationale: None,
                    evidence_hash: None,
                }),
            ),
            (
                "approval_voided",
                r#"{"outcome":"allow","reason":"the inputs were evaluated again and differ from those the approval was granted on; a new approval is needed"}"#,
                EventPayload::ApprovalVoided(ApprovalVoided {
                    reason: "the inputs were evaluated again and differ from those the approval \
                             was granted on; a new approval is needed"
                        .into(),
                    outcome: Outcome::Allow,
                }),
            ),
            (
                "write",
                r#"{"idempotency_key":"k-1","operation":"refund.create","product":"billing","summary":null}"#,
                EventPayload::Write(Write {
                    product: "billing".into(),
                    operation: "refund.create".into(),
                    summary: None,
                    idempotency_key: Some("k-1".into()),
                    arguments: None,
                    action_digest: None,
                    risk_tier: None,
                }),
            ),
            (
                "write_refused",
                r#"{"attempted":{"arguments":{"amount":1000},"operation":"refund.create","product":"payments"},"attempted_digest":"sha256:bb","closest_digest":"sha256:aa","differing":["arguments.amount"],"reason":"this action differs from every action evaluated in the decision (closest: arguments.amount)"}"#,
                EventPayload::WriteRefused(WriteRefused {
                    reason: "this action differs from every action evaluated in the decision \
                             (closest: arguments.amount)"
                        .into(),
                    attempted: Some(Action {
                        product: "payments".into(),
                        operation: "refund.create".into(),
                        arguments: json!({"amount": 1000}).as_object().cloned().unwrap(),
                    }),
                    attempted_digest: Some("sha256:bb".into()),
                    closest_digest: Some("sha256:aa".into()),
                    differing: vec!["arguments.amount".into()],
                    code: None,
                    product: None,
                    operation: None,
                    risk_tier: None,
                }),
            ),
            (
                "write_refused",
                r#"{"attempted":null,"attempted_digest":null,"closest_digest":null,"code":"approval_required","differing":[],"operation":"refund.create","product":"payments","reason":"needs an approval","risk_tier":"network"}"#,
                EventPayload::WriteRefused(WriteRefused {
                    reason: "needs an approval".into(),
                    attempted: None,
                    attempted_digest: None,
                    closest_digest: None,
                    differing: Vec::new(),
                    code: Some(RefusalCode::ApprovalRequired),
                    product: Some("payments".into()),
                    operation: Some("refund.create".into()),
                    risk_tier: Some(RiskTier::Network),
                }),
            ),
            (
                "snapshot",
                r#"{"policies":[{"hash":"ab12","policy_id":"refund_limit","version":2}]}"#,
                EventPayload::Snapshot(Snapshot {
                    policies: vec![PolicyUse {
                        policy_id: "refund_limit".into(),
                        version: 2,
                        hash: "ab12".into(),
                    }],
                }),
            ),
            (
                "decision_committed",
                r#"{"action":"commit","reason":null}"#,
                EventPayload::DecisionCommitted(DecisionClosed {
                    action: ClosingAction::Commit,
                    reason: None,
                }),
            ),
            (
                "decision_aborted",
                r#"{"action":"rollback","reason":"the customer withdrew"}"#,
                EventPayload::DecisionAborted(DecisionClosed {
                    action: ClosingAction::Rollback,
                    reason: Some("the customer withdrew".into()),
                }),
            ),
            (
                "decision_aborted",
                r#"{"action":"expired","reason":"the approval request expired"}"#,
                EventPayload::DecisionAborted(DecisionClosed {
                    action: ClosingAction::Expired,
                    reason: Some("the approval request expired".into()),
                }),
            ),
        ]
    }

    #[test]
    fn events_stored_today_read_as_their_types() {
        for (kind, text, expected) in stored_today() {
            let read = EventPayload::read(kind, text);
            assert_eq!(read.as_ref(), Some(&expected), "{kind}: {text}");
        }
    }

    /// The chain hashes a payload's JSON value in canonical form, so equal values store equal
    /// bytes; `chain`'s tests compare the canonical bytes themselves.
    #[test]
    fn new_events_write_the_same_json_as_before() {
        for (kind, text, payload) in stored_today() {
            assert_eq!(payload.kind().as_str(), kind);
            let before: Value = serde_json::from_str(text).unwrap();
            assert_eq!(payload.to_value(), before, "{kind}");
        }
    }

    #[test]
    fn every_kind_has_a_stored_example() {
        let covered: Vec<&str> = stored_today().iter().map(|(kind, ..)| *kind).collect();
        for kind in EventKind::ALL {
            assert!(covered.contains(&kind.as_str()), "{kind} has no example");
        }
    }

    #[test]
    fn seeded_histories_without_the_later_fields_still_read() {
        let requested = EventPayload::read(
            "approval_requested",
            r#"{"approval_id":"a1","approval_route":null,"expires_at":5,"message":"m","require_rationale":true,"title":"t"}"#,
        );
        let Some(EventPayload::ApprovalRequested(requested)) = requested else {
            panic!("unreadable: {requested:?}");
        };
        assert_eq!(
            (requested.route_version, requested.required_approvals),
            (None, 1)
        );
        let resolved = EventPayload::read(
            "approval_resolved",
            r#"{"approval_id":"a1","by":"ana@example.com","outcome":"rejected","rationale":"no"}"#,
        );
        assert!(matches!(
            resolved,
            Some(EventPayload::ApprovalResolved(ApprovalResolved {
                approvers: None,
                ..
            }))
        ));
    }

    #[test]
    fn a_payload_of_another_shape_or_kind_is_refused() {
        assert_eq!(EventPayload::read("write", r#"{"product":"crm"}"#), None);
        assert_eq!(EventPayload::read("teleport", "{}"), None);
        assert_eq!(EventPayload::read("snapshot", "not json"), None);
    }
}
