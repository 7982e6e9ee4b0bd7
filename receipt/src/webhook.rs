//! Standard Webhooks' asymmetric signature: `webhook-signature: v1a,<base64>` where the base64
//! (standard alphabet, padded) is the Ed25519 signature of `{webhook-id}.{webhook-timestamp}.{body}`,
//! made with the same keys as receipts. Receivers verify with a public key from the JWKS (or
//! its `whpk_` form) instead of sharing a secret. The header is a space-separated list, so a
//! `v1a` signature stands beside the HMAC `v1` one.

use base64::{engine::general_purpose::STANDARD, Engine};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// The bytes signed: `{msg_id}.{timestamp}.{payload}`.
fn signed_content(msg_id: &str, timestamp: i64, payload: &[u8]) -> Vec<u8> {
    let mut content = format!("{msg_id}.{timestamp}.").into_bytes();
    content.extend_from_slice(payload);
    content
}

/// `v1a,<base64 Ed25519 signature>` of a delivery.
pub fn sign_v1a(key: &SigningKey, msg_id: &str, timestamp: i64, payload: &[u8]) -> String {
    let signature = key.sign(&signed_content(msg_id, timestamp, payload));
    format!("v1a,{}", STANDARD.encode(signature.to_bytes()))
}

/// Whether any `v1a` signature in a `webhook-signature` header verifies with `key`. Other
/// versions (`v1`, HMAC) are skipped. The caller checks the timestamp's age.
pub fn verify_v1a(
    key: &VerifyingKey,
    msg_id: &str,
    timestamp: i64,
    payload: &[u8],
    header: &str,
) -> bool {
    let content = signed_content(msg_id, timestamp, payload);
    header
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1a,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .filter_map(|bytes| <[u8; 64]>::try_from(bytes.as_slice()).ok())
        .any(|bytes| {
            key.verify_strict(&content, &Signature::from_bytes(&bytes))
                .is_ok()
        })
}

/// A public key as Standard Webhooks presents one: `whpk_` + base64 of its 32 bytes.
pub fn whpk(key: &VerifyingKey) -> String {
    format!("whpk_{}", STANDARD.encode(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeySet;

    #[test]
    fn a_v1a_signature_verifies_beside_a_v1_one() {
        let keys = KeySet::generate().unwrap();
        let public = keys.active().verifying_key();
        let body = br#"{"type":"approval.requested"}"#;
        let v1a = keys.sign_webhook("msg_1", 1_700_000_000, body);
        assert!(v1a.starts_with("v1a,"));
        assert_eq!(STANDARD.decode(&v1a[4..]).unwrap().len(), 64);
        let header = format!("v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= {v1a}");
        assert!(verify_v1a(&public, "msg_1", 1_700_000_000, body, &header));
        assert!(!verify_v1a(&public, "msg_2", 1_700_000_000, body, &header));
        assert!(!verify_v1a(&public, "msg_1", 1_700_000_001, body, &header));
        assert!(!verify_v1a(&public, "msg_1", 1_700_000_000, b"{}", &header));
        assert!(!verify_v1a(
            &public,
            "msg_1",
            1_700_000_000,
            body,
            "v1a,!!!"
        ));
        assert!(whpk(&public).starts_with("whpk_"));
    }

    #[test]
    fn the_signed_content_is_id_dot_timestamp_dot_body() {
        let keys = KeySet::generate().unwrap();
        let header = keys.sign_webhook("msg_x", 42, b"body");
        let bytes: [u8; 64] = STANDARD.decode(&header[4..]).unwrap().try_into().unwrap();
        keys.active()
            .verifying_key()
            .verify_strict(b"msg_x.42.body", &Signature::from_bytes(&bytes))
            .unwrap();
    }
}
