//! Decision receipts: built from a stored decision and its events, signed with the server's
//! keys (`AppState::receipt_keys`), and checked by anyone against the keys and the stored chain.
//!
//! Issuing one when a decision closes: `receipt_for(&state.db, &id, &state.receipt_keys.current(),
//! &state.settings.link_origin)` (or [`issue`]), after the close is committed.

use serde::Serialize;
use serde_json::Value;
use verdict_receipt::{
    Action, KeySet, Receipt, ReceiptAction, ReceiptApproval, ReceiptEvaluation, ReceiptProductUse,
    SignedReceipt, VerifyError, RECEIPT_VERSION,
};

use crate::{
    error::{AppError, AppResult},
    model::{ChainBreak, EventPayload, Write},
    ssr::{
        db::Db,
        services::decisions::chain,
        store::{
            self,
            decisions::{DecisionRow, EventRow},
        },
        AppState,
    },
};

/// A closed set name (status, mode, kind) as it is written in JSON, whether it is held as text
/// or as its enum.
fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(name)) => name,
        _ => String::new(),
    }
}

/// A write's action as the receipt lists it: its product and operation, and the digest it
/// recorded (`action_digest`, of the action with its arguments). A write recorded without one
/// (before actions had arguments, or of a decision that never evaluated an action) gets the
/// digest of its product and operation with `{}` as arguments, so every listed action has a
/// digest a verifier can recompute.
fn write_action(write: &Write) -> ReceiptAction {
    let digest = write.action_digest.clone().unwrap_or_else(|| {
        Action {
            product: write.product.clone(),
            operation: write.operation.clone(),
            arguments: write.arguments.clone().unwrap_or_default(),
        }
        .digest()
    });
    ReceiptAction {
        product: write.product.clone(),
        operation: write.operation.clone(),
        digest,
        risk_tier: write.risk_tier.map(|tier| tier.as_str().to_owned()),
    }
}

/// What one event adds to a receipt: a `write` its action, a `policy_eval` its evaluation (with
/// the digest of the action it evaluated, if any), an `approval_resolved` its approval. `hash` is
/// the event's chain hash and `at` its time (Unix milliseconds).
fn add_event(receipt: &mut Receipt, payload: &EventPayload, at: i64, hash: &str) {
    match payload {
        EventPayload::Write(write) => receipt.actions.push(write_action(write)),
        EventPayload::PolicyEvaluated(evaluated) => receipt.evaluations.push(ReceiptEvaluation {
            policy_id: evaluated.policy_id.clone(),
            policy_version: evaluated.version,
            content_hash: evaluated.hash.clone(),
            outcome: evaluated.outcome.as_str().to_owned(),
            decided_by: evaluated.decided_by.clone(),
            action_digest: evaluated.action_digest.clone(),
        }),
        EventPayload::ApprovalResolved(resolved) => receipt.approvals.push(ReceiptApproval {
            by: resolved.by.clone(),
            outcome: resolved.outcome.as_str().to_owned(),
            at: verdict_receipt::timestamp::from_millis(at),
            // The head the approver answered on; resolutions recorded before it was kept have
            // their own chain hash instead, which covers everything the approver saw.
            evidence_hash: resolved
                .evidence_hash
                .clone()
                .unwrap_or_else(|| hash.to_owned()),
        }),
        _ => {}
    }
}

/// The unsigned receipt of a decision as stored now (`key_id` empty: signing sets it).
/// `issuer` is the server's public URL.
pub async fn unsigned_receipt(db: &Db, decision_id: &str, issuer: &str) -> AppResult<Receipt> {
    let decision = store::decisions::find(&db.pool, decision_id, None)
        .await?
        .ok_or_else(|| AppError::not_found("No such decision."))?;
    receipt_of(db, &decision, issuer).await
}

async fn receipt_of(db: &Db, decision: &DecisionRow, issuer: &str) -> AppResult<Receipt> {
    let events = store::decisions::events(&db.pool, &decision.id).await?;
    let mut receipt = Receipt {
        receipt_version: RECEIPT_VERSION,
        decision_id: decision.id.clone(),
        agent: decision.agent_id.clone(),
        intent: decision.intent.clone(),
        automation_mode: name_of(&decision.automation_mode),
        status: name_of(&decision.status),
        actions: Vec::new(),
        evaluations: Vec::new(),
        approvals: Vec::new(),
        purpose: decision.purpose.clone(),
        risk_tier: decision.risk_tier.map(|tier| tier.as_str().to_owned()),
        products: decision
            .product_uses
            .iter()
            .map(|used| ReceiptProductUse {
                product: used.product.clone(),
                product_version: used.version,
                operation: used.operation.clone(),
                kind: used.kind.as_str().to_owned(),
                risk_tier: used.risk_tier.as_str().to_owned(),
            })
            .collect(),
        chain_head: events
            .last()
            .map_or_else(|| chain::GENESIS.to_owned(), |event| event.hash.clone()),
        event_count: events.len() as u64,
        issued_at: verdict_receipt::timestamp::now(),
        issuer: issuer.to_owned(),
        key_id: String::new(),
    };
    for event in &events {
        match EventPayload::read(&event.kind, &event.payload_json) {
            Some(payload) => add_event(&mut receipt, &payload, event.at, &event.hash),
            // Verdict writes no such event; `verify` names the chain break if it was altered.
            None => tracing::warn!(decision = %decision.id, sequence = event.sequence,
                "an event of this decision does not read as its kind; left out of its receipt"),
        }
    }
    Ok(receipt)
}

/// The decision's receipt, signed with the active key of `keys`.
pub async fn receipt_for(
    db: &Db,
    decision_id: &str,
    keys: &KeySet,
    issuer: &str,
) -> AppResult<SignedReceipt> {
    Ok(keys.sign(unsigned_receipt(db, decision_id, issuer).await?))
}

/// [`receipt_for`] with this server's keys and public URL. Receipts are built from the stored
/// chain whenever asked for, so every closed decision has one, however it closed (the agent's
/// commit or abort, or its approval expiring).
pub async fn issue(state: &AppState, decision_id: &str) -> AppResult<SignedReceipt> {
    receipt_for(
        &state.db,
        decision_id,
        &state.receipt_keys.current(),
        &state.settings.link_origin,
    )
    .await
}

/// The receipt of a closed decision: for an agent (`agent_id`), only of its own decisions
/// (another's is 404, as if it did not exist); for people (`None`), of any. An open decision has
/// none yet (409).
pub async fn of_closed_decision(
    state: &AppState,
    decision_id: &str,
    agent_id: Option<&str>,
) -> AppResult<SignedReceipt> {
    let decision = store::decisions::find(&state.db.pool, decision_id, agent_id)
        .await?
        .ok_or_else(|| AppError::not_found("No such decision."))?;
    if !decision.status.is_closed() {
        return Err(AppError::conflict(format!(
            "The decision is not closed yet ({}): its receipt is issued when it commits or aborts.",
            decision.status
        )));
    }
    let receipt = receipt_of(&state.db, &decision, &state.settings.link_origin).await?;
    Ok(state.receipt_keys.current().sign(receipt))
}

/// What checking a receipt found (`POST /api/v1/receipts/verify`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReceiptCheck {
    /// All of the four below.
    pub verified: bool,
    /// The Ed25519 signature verifies over the receipt's canonical (RFC 8785) bytes.
    pub signature_valid: bool,
    /// The signature's key is one of this server's (`/.well-known/verdict-keys.json`).
    pub key_known: bool,
    /// The receipt's decision is stored here. Looked up only for a validly signed receipt.
    pub decision_found: bool,
    /// The stored chain recomputes intact, and its event number `event_count` has the hash
    /// `chain_head`.
    pub chain_matches: bool,
    /// When this check ran (RFC 3339, UTC).
    pub checked_at: String,
    pub decision_id: Option<String>,
    pub key_id: Option<String>,
    /// Why it is not verified, when the signature does not hold.
    pub problem: Option<ReceiptProblem>,
    /// How many events the stored decision has (more than the receipt's `event_count` when
    /// events were added after it was issued).
    pub stored_event_count: Option<i64>,
    /// The first stored event that does not match its recomputed hash, if any.
    pub first_break: Option<ChainBreak>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReceiptProblem {
    /// unknown_key, receipt_altered, signature_mismatch or key_mismatch.
    pub code: String,
    pub message: String,
    /// The receipt member at fault (dotted path).
    pub field: Option<String>,
}

/// The refusal for a document that cannot be read as a signed receipt.
fn refusal(problem: &VerifyError) -> AppError {
    match problem {
        VerifyError::TooLarge { .. } => AppError::TooLarge,
        VerifyError::MalformedJson(message) => AppError::BadRequest {
            message: format!("the receipt is not JSON ({message})"),
        },
        problem => AppError::invalid(problem.field().unwrap_or("body"), problem.to_string()),
    }
}

/// Checks a signed receipt document: its signature against this server's keys, then (for a
/// validly signed one) the decision it names against the stored, recomputed chain. A document
/// that cannot be read as a signed receipt is refused (413, 400 or 422 naming the member); one
/// that can is answered, verified or not.
///
/// Anyone may call this, so its CPU work (parsing and canonicalising up to 1 MiB, the
/// signature, recomputing the chain) runs on the evaluation pool: bounded by its slots, 503 when
/// they are all busy, never on the request workers.
pub async fn check(state: &AppState, document: &[u8]) -> AppResult<ReceiptCheck> {
    let jwks = state.receipt_keys.current().jwks();
    let document = document.to_vec();
    let verification = state
        .evaluation_pool
        .run(move || verdict_receipt::verify(&document, &jwks))
        .await?;
    if let Some(problem) = verification.problem.as_ref().filter(|p| p.is_unreadable()) {
        return Err(refusal(problem));
    }
    let mut answer = ReceiptCheck {
        verified: false,
        signature_valid: verification.signature_valid,
        key_known: verification.key_known,
        decision_found: false,
        chain_matches: false,
        checked_at: verdict_receipt::timestamp::now(),
        decision_id: verification
            .receipt
            .as_ref()
            .map(|receipt| receipt.decision_id.clone()),
        key_id: verification.kid.clone(),
        problem: verification.problem.as_ref().map(|problem| ReceiptProblem {
            code: problem.code().to_owned(),
            message: problem.to_string(),
            field: problem.field().map(str::to_owned),
        }),
        stored_event_count: None,
        first_break: None,
    };
    // Only a receipt this server signed is looked up: anyone may call this, and an unsigned
    // one would make it an oracle for which decision ids exist.
    let Some(receipt) = verification
        .receipt
        .as_ref()
        .filter(|_| verification.verified())
    else {
        return Ok(answer);
    };
    // Every decision has at least its opening event: no events, no decision.
    let events = store::decisions::events(&state.db.pool, &receipt.decision_id).await?;
    if events.is_empty() {
        return Ok(answer);
    }
    answer.decision_found = true;
    answer.stored_event_count = Some(events.len() as i64);
    let (first_break, events) = state
        .evaluation_pool
        .run(move || (chain::verify(&events), events))
        .await?;
    answer.first_break = first_break;
    answer.chain_matches = answer.first_break.is_none() && head_matches(&events, receipt);
    answer.verified = answer.chain_matches;
    Ok(answer)
}

fn head_matches(events: &[EventRow], receipt: &Receipt) -> bool {
    let Some(index) = usize::try_from(receipt.event_count)
        .ok()
        .and_then(|count| count.checked_sub(1))
    else {
        return receipt.chain_head == chain::GENESIS;
    };
    events
        .get(index)
        .is_some_and(|event| event.hash == receipt.chain_head)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use verdict_policy::Outcome;

    use super::*;
    use crate::model::{
        event::{ApprovalResolved, PolicyEvaluated, Write},
        ApprovalStatus,
    };

    fn empty_receipt() -> Receipt {
        let mut receipt = verdict_receipt::sample_receipt();
        receipt.actions.clear();
        receipt.evaluations.clear();
        receipt.approvals.clear();
        receipt
    }

    fn add<T: Serialize>(receipt: &mut Receipt, kind: &str, payload: &T) {
        let text = serde_json::to_string(payload).unwrap_or_default();
        let payload = EventPayload::read(kind, &text).expect("a payload of its kind");
        add_event(receipt, &payload, 1_700_000_000_000, "hash-of-event");
    }

    fn refund(arguments: Option<Value>, digest: Option<&str>) -> Write {
        Write {
            product: "payments".into(),
            operation: "refund.create".into(),
            summary: None,
            idempotency_key: None,
            arguments: arguments.and_then(|arguments| arguments.as_object().cloned()),
            action_digest: digest.map(str::to_owned),
            risk_tier: None,
        }
    }

    // The event types are the stored payloads' shape: reading them through their own
    // serialisation holds the receipt to their field names.
    #[test]
    fn a_receipt_lists_writes_evaluations_and_approvals_from_their_events() {
        let mut receipt = empty_receipt();
        let arguments = json!({"amount": 10, "order": "o-1"});
        let action = Action {
            product: "payments".into(),
            operation: "refund.create".into(),
            arguments: arguments.as_object().cloned().unwrap_or_default(),
        };
        let digest = action.digest();
        add(
            &mut receipt,
            "policy_eval",
            &PolicyEvaluated {
                policy_id: Some("refund_limit".into()),
                version: Some(2),
                hash: Some("ab".repeat(32)),
                inputs: arguments.clone(),
                outcome: Outcome::Allow,
                rationale: "small".into(),
                decided_by: Some("small_refund".into()),
                matched_rules: vec!["small_refund".into()],
                approval_route: None,
                action: Some(serde_json::from_value(json!(action)).unwrap()),
                action_digest: Some(digest.clone()),
            },
        );
        add(
            &mut receipt,
            "write",
            &refund(Some(arguments), Some(&digest)),
        );
        add(
            &mut receipt,
            "approval_resolved",
            &ApprovalResolved {
                approval_id: "apr_1".into(),
                outcome: ApprovalStatus::Approved,
                by: "ana@example.com".into(),
                approvers: Some(vec!["ana@example.com".into()]),
                rationale: None,
                evidence_hash: None,
            },
        );
        add(&mut receipt, "context_added", &json!({"summary": "x"}));

        assert_eq!(
            receipt.evaluations[0],
            ReceiptEvaluation {
                policy_id: Some("refund_limit".into()),
                policy_version: Some(2),
                content_hash: Some("ab".repeat(32)),
                outcome: "allow".into(),
                decided_by: Some("small_refund".into()),
                action_digest: Some(digest.clone()),
            }
        );
        assert_eq!(
            receipt.actions,
            vec![ReceiptAction {
                product: "payments".into(),
                operation: "refund.create".into(),
                digest,
                risk_tier: None,
            }]
        );
        assert_eq!(receipt.approvals[0].by, "ana@example.com");
        assert_eq!(receipt.approvals[0].outcome, "approved");
        assert_eq!(receipt.approvals[0].evidence_hash, "hash-of-event");
        assert_eq!(receipt.approvals[0].at, "2023-11-14T22:13:20.000Z");
    }

    #[test]
    fn a_write_without_a_digest_gets_one_of_its_product_and_operation() {
        let mut receipt = empty_receipt();
        add(&mut receipt, "write", &refund(None, None));
        let bare = Action {
            product: "payments".into(),
            operation: "refund.create".into(),
            arguments: serde_json::Map::new(),
        };
        assert_eq!(receipt.actions[0].digest, bare.digest());
        assert_eq!(
            receipt.actions[0].digest,
            verdict_receipt::action_digest(&bare)
        );
    }
}
