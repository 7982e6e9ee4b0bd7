//! Verdict's decision receipts, and the cryptography under them.
//!
//! - **Actions** ([`Action`], [`action_digest`]): `{product, operation, arguments}`, digested as
//!   `sha256:` + hex SHA-256 of its RFC 8785 (JCS) canonical JSON, so argument key order and
//!   number spelling (`1.0` vs `1`) do not matter and everything else does.
//! - **Receipts** ([`Receipt`], [`SignedReceipt`]): what a decision decided, signed with Ed25519
//!   over the receipt's JCS bytes; the document is `{"receipt": {…}, "signature": {"alg":
//!   "EdDSA", "kid", "value", "receipt_digest"}}` (see [`SignedReceipt`]).
//! - **Keys** ([`KeySet`], [`KeyStore`], [`rotate_file`]): a JSON key file (mode 0600, never
//!   the database) of Ed25519 keys named by their RFC 7638 thumbprints, one active; public keys
//!   as a JWKS ([`Jwks`]).
//! - **Verification** ([`verify`]): offline, against a JWKS; bounded, never panics.
//! - **Webhooks** ([`webhook`]): Standard Webhooks' `v1a` Ed25519 signature with the same keys.
//!
//! Issuing a receipt when a decision closes:
//!
//! ```
//! use verdict_receipt::{KeyStore, Receipt, RECEIPT_VERSION};
//! # let store = KeyStore::ephemeral().unwrap();
//! # let receipt = verdict_receipt::sample_receipt();
//! // `store` is the server's (AppState::receipt_keys); `receipt` is built from the decision,
//! // with `key_id` left empty: signing fills it in.
//! let signed = store.current().sign(receipt);
//! let document: serde_json::Value = signed.to_value();
//! let check = verdict_receipt::verify(signed.to_json().as_bytes(), &store.current().jwks());
//! assert!(check.verified());
//! ```

mod action;
pub mod jwks;
pub mod keys;
pub mod limits;
mod receipt;
pub mod timestamp;
mod verify;
pub mod webhook;

pub use action::{action_digest, canonical_json, sha256_digest, Action};
pub use jwks::{Jwks, JwksError, PublicKey};
pub use keys::{
    open_or_create, read_key_file, rotate_file, KeyFileError, KeyPair, KeySet, KeyStore,
};
pub use receipt::{
    Receipt, ReceiptAction, ReceiptApproval, ReceiptEvaluation, ReceiptProductUse, Signature,
    SignedReceipt, ALG, RECEIPT_VERSION,
};
pub use verify::{verify, Verification, VerifyError};

/// The file name of a server's key file when none is given: beside the SQLite database, or in
/// `./data/`.
pub const DEFAULT_KEY_FILE_NAME: &str = "verdict-signing-keys.json";

/// A receipt like a closed decision's (two evaluations, an approval, a write), unsigned: for
/// tests, examples and benchmarks.
#[doc(hidden)]
pub fn sample_receipt() -> Receipt {
    Receipt {
        receipt_version: RECEIPT_VERSION,
        decision_id: "dec_1".into(),
        agent: "agt_1".into(),
        intent: "billing.refund.create".into(),
        automation_mode: "autonomous".into(),
        status: "committed".into(),
        actions: vec![ReceiptAction {
            product: "billing".into(),
            operation: "refund.create".into(),
            digest: action_digest(&Action {
                product: "billing".into(),
                operation: "refund.create".into(),
                arguments: serde_json::json!({"amount": 950, "currency": "USD"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            }),
            risk_tier: None,
        }],
        evaluations: vec![
            ReceiptEvaluation {
                policy_id: Some("refund_limit".into()),
                policy_version: Some(3),
                content_hash: Some("ab".repeat(32)),
                outcome: "requires_exception".into(),
                decided_by: Some("large_refund".into()),
                action_digest: None,
            },
            ReceiptEvaluation {
                policy_id: Some("business_hours".into()),
                policy_version: Some(1),
                content_hash: Some("cd".repeat(32)),
                outcome: "allow".into(),
                decided_by: None,
                action_digest: None,
            },
        ],
        approvals: vec![ReceiptApproval {
            by: "ana@example.com".into(),
            outcome: "approved".into(),
            at: "2026-05-01T12:00:00.000Z".into(),
            evidence_hash: "ef".repeat(32),
        }],
        purpose: None,
        risk_tier: None,
        products: Vec::new(),
        chain_head: "01".repeat(32),
        event_count: 7,
        issued_at: "2026-05-01T12:00:01.000Z".into(),
        issuer: "https://verdict.example.com".into(),
        key_id: String::new(),
    }
}
