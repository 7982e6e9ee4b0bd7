//! The receipt a decision gets when it closes, and the signed document that carries it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::action::canonical_json;

/// The receipt format this crate writes; readers accept it and refuse others.
pub const RECEIPT_VERSION: u32 = 1;

/// The signature algorithm of every receipt (JOSE's name for Ed25519).
pub const ALG: &str = "EdDSA";

/// What was decided, by whom and under which policy versions, pinned to the decision's event
/// chain. Its signed bytes are its RFC 8785 canonical JSON ([`Receipt::canonical_bytes`]).
///
/// Times are RFC 3339 UTC with milliseconds (see [`crate::timestamp`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub receipt_version: u32,
    pub decision_id: String,
    /// The agent's id.
    pub agent: String,
    pub intent: String,
    pub automation_mode: String,
    /// The decision's status when the receipt was issued: `committed`, `aborted`, …
    pub status: String,
    /// The actions written, in order.
    pub actions: Vec<ReceiptAction>,
    /// Every policy evaluation, in order.
    pub evaluations: Vec<ReceiptEvaluation>,
    /// Every resolved approval request, in order.
    pub approvals: Vec<ReceiptApproval>,
    /// The purpose fixed by the decision's first read of a catalogued data product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The highest risk tier of the catalogued operations used: `read_only`, `local_write`,
    /// `network`, `delegated` or `destructive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_tier: Option<String>,
    /// The catalogued data product operations the decision used, once each, in first-use
    /// order. Absent (like `purpose` and `risk_tier`) when it used none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<ReceiptProductUse>,
    /// The hash of the decision's last event when the receipt was issued.
    pub chain_head: String,
    /// How many events the chain had then (`chain_head` is event number `event_count`).
    pub event_count: u64,
    pub issued_at: String,
    /// The issuing server's public URL.
    pub issuer: String,
    /// The `kid` of the key that signed it; set by [`crate::KeySet::sign`].
    pub key_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptAction {
    pub product: String,
    pub operation: String,
    /// [`crate::action_digest`] of the action.
    pub digest: String,
    /// The operation's risk tier, for writes of a catalogued product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_tier: Option<String>,
}

/// One catalogued operation a decision used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptProductUse {
    pub product: String,
    /// The product version the use was checked against.
    pub product_version: i64,
    pub operation: String,
    /// `read` or `write`.
    pub kind: String,
    pub risk_tier: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptEvaluation {
    /// `None` when no policy applied (the evaluation denied for want of one).
    pub policy_id: Option<String>,
    pub policy_version: Option<i64>,
    /// The policy version's content hash.
    pub content_hash: Option<String>,
    /// `allow`, `deny` or `requires_exception`.
    pub outcome: String,
    /// The rule that decided, if any.
    pub decided_by: Option<String>,
    /// The digest of the action evaluated; absent when the evaluation carried no action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptApproval {
    /// Who resolved it (an email, or `system` for an expiry).
    pub by: String,
    /// `approved`, `rejected` or `expired`.
    pub outcome: String,
    pub at: String,
    /// A hash of what the approver was shown and granted.
    pub evidence_hash: String,
}

impl Receipt {
    /// The bytes that are signed: the receipt's RFC 8785 canonical JSON.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // A receipt holds strings and integers only, which JCS always serialises.
        canonical_json(self).unwrap_or_default()
    }
}

/// A receipt with its detached signature, as handed out and as verified:
///
/// ```json
/// {
///   "receipt": { "receipt_version": 1, "decision_id": "…", …, "key_id": "KID" },
///   "signature": {
///     "alg": "EdDSA",
///     "kid": "KID",
///     "value": "<base64url, unpadded: Ed25519 signature over JCS(receipt)>",
///     "receipt_digest": "sha256:<hex SHA-256 of JCS(receipt)>"
///   }
/// }
/// ```
///
/// The signature covers the RFC 8785 canonical bytes of the `receipt` member, so the document
/// may be re-indented or its members reordered in transit and still verify; a verifier
/// canonicalises `receipt` itself. `receipt_digest` is not signed: it only lets a verifier tell a
/// receipt that was altered (its digest no longer matches) from a signature that was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedReceipt {
    pub receipt: Receipt,
    pub signature: Signature,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub alg: String,
    pub kid: String,
    pub value: String,
    pub receipt_digest: String,
}

impl SignedReceipt {
    /// The document as compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The document as a JSON value (for embedding in an API answer).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}
