//! Decision receipts: built from a stored decision and its events, signed with the server's
//! keys (`AppState::receipt_keys`), and checked by anyone against the keys and the stored chain.
//!
//! Issuing one when a decision closes: `receipt_for(&state.db, &id, &state.receipt_keys.current(),
//! &state.settings.link_origin)` (or [`issue`]), after the close is committed.

use serde::Serialize;
use serde_json::Value;
use verdict_receipt::{
    Action, KeySet, Receipt, ReceiptAction, ReceiptApproval, ReceiptEvaluation, SignedReceipt,
    VerifyError, RECEIPT_VERSION,
};

use crate::{
    error::{AppError, AppResult},
    model::ChainBreak,
    ssr::{
        db::Db,
        services::decisions::chain,
        store::{self, decisions::EventRow},
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

fn text(payload: &Value, name: &str) -> Option<String> {
    payload.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// The digest of a write's action: the action it carries (`action: {product, operation,
/// arguments}`), or the digest it recorded (`action_digest`), or, for a write recorded before
/// actions had arguments, its product and operation with no arguments.
fn write_action(payload: &Value) -> ReceiptAction {
    let carried = payload
        .get("action")
        .and_then(|action| serde_json::from_value::<Action>(action.clone()).ok());
    let action = carried.unwrap_or_else(|| Action {
        product: text(payload, "product").unwrap_or_default(),
        operation: text(payload, "operation").unwrap_or_default(),
        arguments: serde_json::Map::new(),
    });
    ReceiptAction {
        digest: text(payload, "action_digest").unwrap_or_else(|| action.digest()),
        product: action.product,
        operation: action.operation,
    }
}

/// The unsigned receipt of a decision as stored now (`key_id` empty: signing sets it).
/// `issuer` is the server's public URL.
pub async fn unsigned_receipt(db: &Db, decision_id: &str, issuer: &str) -> AppResult<Receipt> {
    let decision = store::decisions::find(&db.pool, decision_id, None)
        .await?
        .ok_or_else(|| AppError::not_found("No such decision."))?;
    let events = store::decisions::events(&db.pool, decision_id).await?;
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
        chain_head: events
            .last()
            .map_or_else(|| chain::GENESIS.to_owned(), |event| event.hash.clone()),
        event_count: events.len() as u64,
        issued_at: verdict_receipt::timestamp::now(),
        issuer: issuer.to_owned(),
        key_id: String::new(),
    };
    for event in &events {
        let payload: Value = serde_json::from_str(&event.payload_json).unwrap_or(Value::Null);
        match name_of(&event.kind).as_str() {
            "write" => receipt.actions.push(write_action(&payload)),
            "policy_eval" => receipt.evaluations.push(ReceiptEvaluation {
                policy_id: text(&payload, "policy_id"),
                policy_version: payload.get("version").and_then(Value::as_i64),
                content_hash: text(&payload, "hash"),
                outcome: text(&payload, "outcome").unwrap_or_default(),
                decided_by: text(&payload, "decided_by"),
                action_digest: text(&payload, "action_digest"),
            }),
            "approval_resolved" => receipt.approvals.push(ReceiptApproval {
                by: text(&payload, "by").unwrap_or_default(),
                outcome: text(&payload, "outcome").unwrap_or_default(),
                at: verdict_receipt::timestamp::from_millis(event.at),
                // What the approver granted, until approvals record an evidence hash of their
                // own: the resolution event's chain hash, which covers it and all before it.
                evidence_hash: text(&payload, "evidence_hash")
                    .unwrap_or_else(|| event.hash.clone()),
            }),
            _ => {}
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

/// [`receipt_for`] with this server's keys and public URL.
pub async fn issue(state: &AppState, decision_id: &str) -> AppResult<SignedReceipt> {
    receipt_for(
        &state.db,
        decision_id,
        &state.receipt_keys.current(),
        &state.settings.link_origin,
    )
    .await
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
pub async fn check(state: &AppState, document: &[u8]) -> AppResult<ReceiptCheck> {
    let keys = state.receipt_keys.current();
    let verification = verdict_receipt::verify(document, &keys.jwks());
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
    if store::decisions::find(&state.db.pool, &receipt.decision_id, None)
        .await?
        .is_none()
    {
        return Ok(answer);
    }
    answer.decision_found = true;
    let events = store::decisions::events(&state.db.pool, &receipt.decision_id).await?;
    answer.stored_event_count = Some(events.len() as i64);
    answer.first_break = chain::verify(&events);
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
