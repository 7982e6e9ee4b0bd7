//! Public keys as a JSON Web Key Set (RFC 7517; Ed25519 keys per RFC 8037):
//! `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"…","x":"<base64url>","use":"sig","alg":"EdDSA"}]}`.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ed25519_dalek::VerifyingKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{limits, receipt::ALG};

/// A public key that verifies receipts, named by its `kid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: String,
    pub key: VerifyingKey,
}

impl PublicKey {
    /// The key's JWK (`kty` OKP, `crv` Ed25519).
    pub fn to_jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(self.key.as_bytes()),
            "use": "sig",
            "alg": ALG,
        })
    }
}

/// The RFC 7638 JWK thumbprint of an Ed25519 public key (RFC 8037 §A.3): base64url of the
/// SHA-256 of `{"crv":"Ed25519","kty":"OKP","x":"…"}`. Verdict uses it as the key's `kid`, so a
/// `kid` names exactly one key.
pub fn thumbprint(key: &VerifyingKey) -> String {
    let members = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(key.as_bytes())
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(members.as_bytes()))
}

/// The keys a verifier trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jwks {
    keys: Vec<PublicKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("the key set is {size} bytes; at most {limit} are read")]
    TooLarge { size: usize, limit: usize },
    #[error("the key set nests deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("the key set is not JSON: {0}")]
    MalformedJson(String),
    #[error("the key set has no \"keys\" array")]
    NoKeys,
    #[error("keys[{index}]: {message}")]
    InvalidKey { index: usize, message: String },
}

impl Jwks {
    pub fn new(keys: Vec<PublicKey>) -> Self {
        Self { keys }
    }

    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// The key named `kid`, if trusted.
    pub fn find(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys
            .iter()
            .find(|key| key.kid == kid)
            .map(|key| &key.key)
    }

    pub fn to_value(&self) -> Value {
        json!({"keys": self.keys.iter().map(PublicKey::to_jwk).collect::<Vec<_>>()})
    }

    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    /// Reads a JWKS document. Keys of other types or curves, or meant for other uses or
    /// algorithms, are skipped; an Ed25519 key that cannot be read is an error naming it.
    pub fn from_json(bytes: &[u8]) -> Result<Self, JwksError> {
        if bytes.len() > limits::MAX_DOCUMENT_BYTES {
            return Err(JwksError::TooLarge {
                size: bytes.len(),
                limit: limits::MAX_DOCUMENT_BYTES,
            });
        }
        if limits::nests_deeper_than(bytes, limits::MAX_DEPTH) {
            return Err(JwksError::TooDeep {
                limit: limits::MAX_DEPTH,
            });
        }
        let document: Value = serde_json::from_slice(bytes)
            .map_err(|error| JwksError::MalformedJson(error.to_string()))?;
        let entries = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(JwksError::NoKeys)?;
        let mut keys = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let invalid = |message: &str| JwksError::InvalidKey {
                index,
                message: message.to_owned(),
            };
            let text = |name: &str| entry.get(name).and_then(Value::as_str);
            if text("kty") != Some("OKP") || text("crv") != Some("Ed25519") {
                continue;
            }
            if text("use").is_some_and(|usage| usage != "sig")
                || text("alg").is_some_and(|alg| alg != ALG)
            {
                continue;
            }
            let kid = text("kid").ok_or_else(|| invalid("has no \"kid\""))?;
            let x = text("x").ok_or_else(|| invalid("has no \"x\""))?;
            let bytes = URL_SAFE_NO_PAD
                .decode(x)
                .map_err(|_| invalid("\"x\" is not unpadded base64url"))?;
            let bytes: [u8; 32] = bytes
                .try_into()
                .map_err(|_| invalid("\"x\" is not 32 bytes"))?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|_| invalid("\"x\" is not an Ed25519 public key"))?;
            keys.push(PublicKey {
                kid: kid.to_owned(),
                key,
            });
        }
        Ok(Self { keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeySet;

    #[test]
    fn a_key_set_round_trips_through_jwks() {
        let keys = KeySet::generate().unwrap();
        let jwks = keys.jwks();
        let text = jwks.to_json();
        let read = Jwks::from_json(text.as_bytes()).unwrap();
        assert_eq!(read, jwks);
        let jwk = &jwks.to_value()["keys"][0];
        assert_eq!(jwk["kty"], "OKP");
        assert_eq!(jwk["crv"], "Ed25519");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["alg"], "EdDSA");
        assert_eq!(jwk["kid"], keys.active().kid());
        assert!(jwk.get("d").is_none(), "no private part in a JWKS");
    }

    #[test]
    fn the_kid_is_the_rfc_8037_thumbprint() {
        // RFC 8037 §A.2–A.3: the example key's thumbprint.
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        let key = VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
        assert_eq!(
            thumbprint(&key),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn foreign_keys_are_skipped_and_broken_ed25519_keys_named() {
        let set = br#"{"keys":[{"kty":"RSA","kid":"r","n":"x","e":"AQAB"},
            {"kty":"OKP","crv":"X25519","kid":"x","x":"AAAA"}]}"#;
        assert!(Jwks::from_json(set).unwrap().keys().is_empty());
        let bad = br#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"!!"}]}"#;
        assert!(matches!(
            Jwks::from_json(bad),
            Err(JwksError::InvalidKey { index: 0, .. })
        ));
        assert_eq!(Jwks::from_json(b"{}"), Err(JwksError::NoKeys));
        assert!(matches!(
            Jwks::from_json(b"{"),
            Err(JwksError::MalformedJson(_))
        ));
    }
}
