//! Offline verification of a signed receipt document against trusted keys. Never panics: the
//! input is bounded in size and nesting before it is parsed, and every failure is a
//! [`VerifyError`].

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ed25519_dalek::Signature;
use serde_json::{Map, Value};

use crate::{
    action::{canonical_json, sha256_digest},
    jwks::Jwks,
    limits::{nests_deeper_than, MAX_DEPTH, MAX_DOCUMENT_BYTES},
    receipt::{Receipt, ALG, RECEIPT_VERSION},
};

/// Why a document does not verify. [`VerifyError::is_unreadable`] separates documents that
/// cannot be read as a signed receipt at all (the sender's mistake) from readable ones whose
/// signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the document is {size} bytes; a receipt is at most {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("the document nests arrays and objects deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("the document is not JSON: {0}")]
    MalformedJson(String),
    #[error("{field}: {message}")]
    InvalidField { field: String, message: String },
    #[error("signature.alg is {0:?}; receipts are signed with EdDSA (Ed25519)")]
    UnsupportedAlgorithm(String),
    #[error("receipt.receipt_version is {0}; this verifier reads version 1")]
    UnsupportedVersion(u64),
    #[error("{field} is not unpadded base64url")]
    BadBase64 { field: String },
    #[error("signature.value is {0} bytes; an Ed25519 signature is 64")]
    BadSignatureLength(usize),
    #[error("no trusted key has kid {0:?} (a receipt of another server, or a key not published)")]
    UnknownKey(String),
    #[error(
        "the receipt was altered after it was signed: its canonical bytes no longer match the \
         signature (nor signature.receipt_digest)"
    )]
    ReceiptAltered,
    #[error(
        "the signature does not verify: the signature was altered (the receipt still matches \
         signature.receipt_digest), or the receipt and its digest both were"
    )]
    SignatureMismatch,
    #[error(
        "the signature verifies, but receipt.key_id {receipt:?} is not signature.kid {signature:?}"
    )]
    KeyMismatch { receipt: String, signature: String },
}

impl VerifyError {
    /// A short machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::TooDeep { .. } => "too_deep",
            Self::MalformedJson(_) => "malformed_json",
            Self::InvalidField { .. } => "invalid_field",
            Self::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            Self::UnsupportedVersion(_) => "unsupported_version",
            Self::BadBase64 { .. } => "bad_base64",
            Self::BadSignatureLength(_) => "bad_signature_length",
            Self::UnknownKey(_) => "unknown_key",
            Self::ReceiptAltered => "receipt_altered",
            Self::SignatureMismatch => "signature_mismatch",
            Self::KeyMismatch { .. } => "key_mismatch",
        }
    }

    /// The document member at fault, as a dotted path.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::InvalidField { field, .. } | Self::BadBase64 { field } => Some(field),
            Self::UnsupportedAlgorithm(_) => Some("signature.alg"),
            Self::UnsupportedVersion(_) => Some("receipt.receipt_version"),
            Self::BadSignatureLength(_) => Some("signature.value"),
            Self::UnknownKey(_) => Some("signature.kid"),
            Self::ReceiptAltered => Some("receipt"),
            Self::SignatureMismatch => Some("signature.value"),
            Self::KeyMismatch { .. } => Some("receipt.key_id"),
            Self::TooLarge { .. } | Self::TooDeep { .. } | Self::MalformedJson(_) => None,
        }
    }

    /// Whether the document could not be read as a signed receipt (as opposed to one that was
    /// read and does not verify: an unknown key, an altered receipt or signature).
    pub fn is_unreadable(&self) -> bool {
        !matches!(
            self,
            Self::UnknownKey(_)
                | Self::ReceiptAltered
                | Self::SignatureMismatch
                | Self::KeyMismatch { .. }
        )
    }
}

/// What verifying a document found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The Ed25519 signature verifies over the receipt's canonical bytes with the named key.
    pub signature_valid: bool,
    /// The signature's `kid` names a trusted key.
    pub key_known: bool,
    /// The signature's `kid`, when the document could be read that far.
    pub kid: Option<String>,
    /// The receipt, when the document could be read as one (signed or not).
    pub receipt: Option<Receipt>,
    /// Why it does not verify; `None` when it does.
    pub problem: Option<VerifyError>,
}

impl Verification {
    pub fn verified(&self) -> bool {
        self.problem.is_none() && self.signature_valid && self.key_known
    }

    fn failed(problem: VerifyError) -> Self {
        Self {
            signature_valid: false,
            key_known: false,
            kid: None,
            receipt: None,
            problem: Some(problem),
        }
    }
}

/// Verifies a signed receipt document (see [`crate::SignedReceipt`] for its shape) against
/// `keys`: the signature over the RFC 8785 canonical bytes of its `receipt` member, by the key
/// its `signature.kid` names.
pub fn verify(document: &[u8], keys: &Jwks) -> Verification {
    let parsed = match read(document) {
        Ok(parsed) => parsed,
        Err(problem) => return Verification::failed(problem),
    };
    let mut verification = Verification {
        signature_valid: false,
        key_known: false,
        kid: Some(parsed.kid.clone()),
        receipt: Some(parsed.receipt.clone()),
        problem: None,
    };
    let Some(key) = keys.find(&parsed.kid) else {
        verification.problem = Some(VerifyError::UnknownKey(parsed.kid));
        return verification;
    };
    verification.key_known = true;
    let signature = Signature::from_bytes(&parsed.signature);
    if key.verify_strict(&parsed.canonical, &signature).is_err() {
        let digest_matches = parsed
            .receipt_digest
            .as_deref()
            .is_some_and(|digest| digest == sha256_digest(&parsed.canonical));
        verification.problem = Some(if digest_matches || parsed.receipt_digest.is_none() {
            VerifyError::SignatureMismatch
        } else {
            VerifyError::ReceiptAltered
        });
        return verification;
    }
    verification.signature_valid = true;
    if parsed.receipt.key_id != parsed.kid {
        verification.problem = Some(VerifyError::KeyMismatch {
            receipt: parsed.receipt.key_id,
            signature: parsed.kid,
        });
    }
    verification
}

struct Parsed {
    receipt: Receipt,
    canonical: Vec<u8>,
    kid: String,
    signature: [u8; 64],
    receipt_digest: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> VerifyError {
    VerifyError::InvalidField {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn member<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    path: &str,
) -> Result<&'a Value, VerifyError> {
    object.get(name).ok_or_else(|| invalid(path, "is missing"))
}

fn text<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    path: &str,
) -> Result<&'a str, VerifyError> {
    member(object, name, path)?
        .as_str()
        .ok_or_else(|| invalid(path, "is not a string"))
}

fn read(document: &[u8]) -> Result<Parsed, VerifyError> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(VerifyError::TooLarge {
            size: document.len(),
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    if nests_deeper_than(document, MAX_DEPTH) {
        return Err(VerifyError::TooDeep { limit: MAX_DEPTH });
    }
    let value: Value = serde_json::from_slice(document)
        .map_err(|error| VerifyError::MalformedJson(error.to_string()))?;
    let top = value
        .as_object()
        .ok_or_else(|| invalid("", "a signed receipt is a JSON object"))?;
    let receipt_value = member(top, "receipt", "receipt")?;
    if !receipt_value.is_object() {
        return Err(invalid("receipt", "is not an object"));
    }
    let signature = member(top, "signature", "signature")?
        .as_object()
        .ok_or_else(|| invalid("signature", "is not an object"))?;
    let alg = text(signature, "alg", "signature.alg")?;
    if alg != ALG {
        return Err(VerifyError::UnsupportedAlgorithm(alg.to_owned()));
    }
    let kid = text(signature, "kid", "signature.kid")?;
    if kid.is_empty() || kid.len() > 200 {
        return Err(invalid(
            "signature.kid",
            "is empty or longer than 200 bytes",
        ));
    }
    let encoded = text(signature, "value", "signature.value")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| VerifyError::BadBase64 {
            field: "signature.value".to_owned(),
        })?;
    let signature_bytes: [u8; 64] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| VerifyError::BadSignatureLength(bytes.len()))?;
    let receipt_digest = match signature.get("receipt_digest") {
        None | Some(Value::Null) => None,
        Some(Value::String(digest)) => Some(digest.clone()),
        Some(_) => return Err(invalid("signature.receipt_digest", "is not a string")),
    };
    if let Some(version) = receipt_value.get("receipt_version") {
        match version.as_u64() {
            Some(v) if v == u64::from(RECEIPT_VERSION) => {}
            Some(v) => return Err(VerifyError::UnsupportedVersion(v)),
            None => return Err(invalid("receipt.receipt_version", "is not an integer")),
        }
    }
    let receipt: Receipt = serde_json::from_value(receipt_value.clone())
        .map_err(|error| receipt_error(&error.to_string()))?;
    let canonical =
        canonical_json(receipt_value).map_err(|error| invalid("receipt", error.to_string()))?;
    Ok(Parsed {
        receipt,
        canonical,
        kid: kid.to_owned(),
        signature: signature_bytes,
        receipt_digest,
    })
}

/// serde names the member at fault as "missing field `x`" or "invalid type: …" (for which the
/// member is not named); the path points at it when it can.
fn receipt_error(message: &str) -> VerifyError {
    let named = message
        .find('`')
        .and_then(|start| {
            let rest = &message[start + 1..];
            rest.find('`').map(|end| &rest[..end])
        })
        .filter(|name| !name.is_empty() && !name.contains(' '));
    let field = match named {
        Some(name) => format!("receipt.{name}"),
        None => "receipt".to_owned(),
    };
    invalid(&field, message)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use serde_json::json;

    use super::*;
    use crate::{sample_receipt, KeySet};

    fn signed() -> (KeySet, Value) {
        let keys = KeySet::generate().unwrap();
        let document = keys.sign(sample_receipt()).to_value();
        (keys, document)
    }

    fn check(document: &Value, keys: &KeySet) -> Verification {
        verify(document.to_string().as_bytes(), &keys.jwks())
    }

    #[test]
    fn a_signed_receipt_verifies() {
        let (keys, document) = signed();
        let verification = check(&document, &keys);
        assert!(verification.verified(), "{verification:?}");
        assert!(verification.signature_valid && verification.key_known);
        assert_eq!(verification.kid.as_deref(), Some(keys.active().kid()));
        assert_eq!(verification.receipt.unwrap().decision_id, "dec_1");
    }

    #[test]
    fn reindenting_and_reordering_do_not_matter() {
        let (keys, document) = signed();
        let pretty = serde_json::to_string_pretty(&document).unwrap();
        assert!(verify(pretty.as_bytes(), &keys.jwks()).verified());
        // Members in another order than JCS's.
        let receipt = document["receipt"].as_object().unwrap();
        let mut reversed = String::from("{");
        for (index, (name, value)) in receipt.iter().rev().enumerate() {
            if index > 0 {
                reversed.push(',');
            }
            reversed.push_str(&format!("{}:{}", json!(name), value));
        }
        reversed.push('}');
        let text = format!(
            r#"{{"signature":{},"receipt":{reversed}}}"#,
            document["signature"]
        );
        assert!(verify(text.as_bytes(), &keys.jwks()).verified());
    }

    #[test]
    fn an_altered_field_is_named_as_such() {
        let (keys, mut document) = signed();
        document["receipt"]["status"] = json!("committed-but-not-really");
        let verification = check(&document, &keys);
        assert!(!verification.verified());
        assert!(verification.key_known);
        assert!(!verification.signature_valid);
        assert_eq!(verification.problem, Some(VerifyError::ReceiptAltered));
        assert!(!verification.problem.unwrap().is_unreadable());

        let (keys, mut document) = signed();
        document["receipt"]["event_count"] = json!(8);
        assert_eq!(
            check(&document, &keys).problem,
            Some(VerifyError::ReceiptAltered)
        );

        // An added member is an alteration too.
        let (keys, mut document) = signed();
        document["receipt"]["note"] = json!("added later");
        assert_eq!(
            check(&document, &keys).problem,
            Some(VerifyError::ReceiptAltered)
        );
    }

    #[test]
    fn an_altered_signature_is_named_as_such() {
        let (keys, mut document) = signed();
        let mut bytes = URL_SAFE_NO_PAD
            .decode(document["signature"]["value"].as_str().unwrap())
            .unwrap();
        bytes[10] ^= 0x01;
        document["signature"]["value"] = json!(URL_SAFE_NO_PAD.encode(&bytes));
        let verification = check(&document, &keys);
        assert!(!verification.signature_valid);
        assert_eq!(verification.problem, Some(VerifyError::SignatureMismatch));
    }

    #[test]
    fn a_signature_of_another_receipt_does_not_verify() {
        let (keys, mut document) = signed();
        let mut other = sample_receipt();
        other.decision_id = "dec_2".into();
        let other = keys.sign(other).to_value();
        document["signature"] = other["signature"].clone();
        assert!(!check(&document, &keys).signature_valid);
    }

    #[test]
    fn an_unknown_kid_is_not_a_known_key() {
        let (_, document) = signed();
        let elsewhere = KeySet::generate().unwrap();
        let verification = check(&document, &elsewhere);
        assert!(!verification.key_known);
        assert!(!verification.signature_valid);
        assert!(matches!(
            verification.problem,
            Some(VerifyError::UnknownKey(_))
        ));
        assert_eq!(verification.problem.unwrap().field(), Some("signature.kid"));
    }

    #[test]
    fn bad_base64_is_named() {
        let (keys, mut document) = signed();
        document["signature"]["value"] = json!("not*base64!");
        let problem = check(&document, &keys).problem.unwrap();
        assert_eq!(
            problem,
            VerifyError::BadBase64 {
                field: "signature.value".into()
            }
        );
        assert!(problem.is_unreadable());

        // Standard base64 with padding is not base64url.
        let (keys, mut document) = signed();
        let bytes = URL_SAFE_NO_PAD
            .decode(document["signature"]["value"].as_str().unwrap())
            .unwrap();
        document["signature"]["value"] = json!(STANDARD.encode(&bytes));
        let problem = check(&document, &keys).problem.unwrap();
        assert!(
            matches!(problem, VerifyError::BadBase64 { .. }),
            "{problem:?}"
        );

        let (keys, mut document) = signed();
        document["signature"]["value"] = json!(URL_SAFE_NO_PAD.encode([1u8; 10]));
        assert_eq!(
            check(&document, &keys).problem,
            Some(VerifyError::BadSignatureLength(10))
        );
    }

    #[test]
    fn malformed_documents_are_named() {
        let keys = KeySet::generate().unwrap().jwks();
        let problem = |text: &str| verify(text.as_bytes(), &keys).problem.unwrap();
        assert!(matches!(
            problem("{\"receipt\":"),
            VerifyError::MalformedJson(_)
        ));
        assert!(matches!(problem(""), VerifyError::MalformedJson(_)));
        assert!(matches!(
            problem("\u{0}\u{1}"),
            VerifyError::MalformedJson(_)
        ));
        assert_eq!(problem("[]").field(), Some(""));
        assert_eq!(problem("{}").field(), Some("receipt"));
        assert_eq!(problem(r#"{"receipt":{}}"#).field(), Some("signature"));
        assert_eq!(
            problem(r#"{"receipt":{},"signature":{"alg":"EdDSA","kid":"k"}}"#).field(),
            Some("signature.value")
        );
        assert_eq!(
            problem(r#"{"receipt":{},"signature":{"alg":"RS256","kid":"k","value":""}}"#),
            VerifyError::UnsupportedAlgorithm("RS256".into())
        );

        let (set, mut document) = signed();
        document["receipt"]
            .as_object_mut()
            .unwrap()
            .remove("chain_head");
        let problem = check(&document, &set).problem.unwrap();
        assert_eq!(problem.field(), Some("receipt.chain_head"), "{problem}");

        let (set, mut document) = signed();
        document["receipt"]["receipt_version"] = json!(2);
        assert_eq!(
            check(&document, &set).problem,
            Some(VerifyError::UnsupportedVersion(2))
        );

        let (set, mut document) = signed();
        document["receipt"]["event_count"] = json!("seven");
        let problem = check(&document, &set).problem.unwrap();
        assert!(
            matches!(problem, VerifyError::InvalidField { .. }),
            "{problem:?}"
        );
    }

    #[test]
    fn oversized_and_deeply_nested_documents_are_refused_before_parsing() {
        let keys = KeySet::generate().unwrap().jwks();
        let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(MAX_DOCUMENT_BYTES));
        assert!(matches!(
            verify(big.as_bytes(), &keys).problem,
            Some(VerifyError::TooLarge { .. })
        ));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            verify(deep.as_bytes(), &keys).problem,
            Some(VerifyError::TooDeep { limit: MAX_DEPTH })
        );
        let (set, mut document) = signed();
        let mut nested = json!(1);
        for _ in 0..40 {
            nested = json!([nested]);
        }
        document["receipt"]["extra"] = nested;
        assert_eq!(
            check(&document, &set).problem,
            Some(VerifyError::TooDeep { limit: MAX_DEPTH })
        );
    }

    #[test]
    fn garbage_never_panics() {
        let keys = KeySet::generate().unwrap().jwks();
        for text in [
            "null", "1", "\"x\"", "{\"receipt\":1,\"signature\":1}",
            "{\"receipt\":{\"receipt_version\":-1},\"signature\":{\"alg\":\"EdDSA\",\"kid\":\"k\",\"value\":\"\"}}",
            "{\"receipt\":{},\"signature\":{\"alg\":\"EdDSA\",\"kid\":\"\",\"value\":\"AA\"}}",
            "\u{feff}{}", "{\"a\":\"\\ud800\"}",
        ] {
            assert!(!verify(text.as_bytes(), &keys).verified(), "{text}");
        }
        assert!(!verify(&[0xff, 0xfe, 0x00], &keys).verified());
    }
}
