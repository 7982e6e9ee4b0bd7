//! Bearer secrets (personal access tokens, setup tokens): high-entropy random strings, stored only
//! as SHA-256 digests. A fast digest is enough because the secret is random, not chosen by a person.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, hex-encoded.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A new personal access token: what the person sees once, and what is stored.
pub struct IssuedToken {
    pub plaintext: String,
    pub prefix: String,
    pub digest: String,
}

pub const PERSONAL_TOKEN_PREFIX: &str = "vp_";

pub const AGENT_KEY_PREFIX: &str = "vk_";

pub fn issue_personal_token() -> IssuedToken {
    issue_with_prefix(PERSONAL_TOKEN_PREFIX)
}

pub fn issue_agent_key() -> IssuedToken {
    issue_with_prefix(AGENT_KEY_PREFIX)
}

fn issue_with_prefix(kind: &str) -> IssuedToken {
    let plaintext = format!("{kind}{}", random_secret());
    IssuedToken {
        prefix: plaintext.chars().take(10).collect(),
        digest: digest(&plaintext),
        plaintext,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_as_digests() {
        let first = issue_personal_token();
        let second = issue_personal_token();
        assert!(first.plaintext.starts_with("vp_"));
        assert_eq!(first.plaintext.len(), 3 + 64);
        assert_ne!(first.plaintext, second.plaintext);
        assert_eq!(first.digest, digest(&first.plaintext));
        assert!(!first.digest.contains(&first.plaintext));
        let key = issue_agent_key();
        assert!(key.plaintext.starts_with("vk_"));
        assert_eq!(key.plaintext.len(), 3 + 64);
    }

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
