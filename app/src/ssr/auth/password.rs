//! Argon2id hashing, always on a blocking thread so a sign-in never stalls the async runtime.

use std::sync::OnceLock;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

use crate::{error::AppError, model::Password};

pub async fn hash(password: &Password) -> Result<String, AppError> {
    let plain = password.expose().to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&plain))
        .await
        .map_err(|error| {
            tracing::error!(%error, "password hashing task failed");
            AppError::Internal
        })?
}

fn hash_blocking(plain: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(plain.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| {
            tracing::error!(%error, "password hashing failed");
            AppError::Internal
        })
}

/// Checks `candidate` against `stored`, or against a fixed dummy hash when there is no stored
/// hash, so an unknown email costs the same time as a wrong password.
pub async fn verify(stored: Option<String>, candidate: &str) -> bool {
    let candidate = candidate.to_owned();
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let matched = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(candidate.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        real && matched
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking("no account has this password; it only spends time").unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let password = Password::parse("correct horse battery", "password").unwrap();
        let stored = hash(&password).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(Some(stored.clone()), "correct horse battery").await);
        assert!(!verify(Some(stored), "wrong horse battery").await);
        assert!(!verify(None, "correct horse battery").await);
    }
}
