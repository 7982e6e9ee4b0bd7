use sqlx::{Any, Executor};

use crate::model::TokenSummary;

from_row! {
    #[derive(Debug, Clone)]
    pub struct TokenRow {
        pub id: String,
        pub user_id: String,
        pub name: String,
        pub token_prefix: String,
        pub created_at: i64,
        pub expires_at: Option<i64>,
        pub last_used_at: Option<i64>,
        pub revoked_at: Option<i64>,
    }
}

impl TokenRow {
    pub fn summary(&self) -> TokenSummary {
        TokenSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            prefix: self.token_prefix.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            revoked: self.revoked_at.is_some(),
        }
    }

    pub fn usable_at(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expiry| expiry > now)
    }
}

const COLUMNS: &str =
    "id, user_id, name, token_prefix, created_at, expires_at, last_used_at, revoked_at";

pub struct NewToken<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub name: &'a str,
    pub prefix: &'a str,
    pub digest: &'a str,
    pub now: i64,
    pub expires_at: Option<i64>,
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    token: NewToken<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO personal_access_tokens (id, user_id, name, token_prefix, token_hash, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token.id)
    .bind(token.user_id)
    .bind(token.name)
    .bind(token.prefix)
    .bind(token.digest)
    .bind(token.now)
    .bind(token.expires_at)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn list_for_user<'e>(
    db: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM personal_access_tokens WHERE user_id = $1 ORDER BY created_at DESC"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

pub async fn find_by_digest<'e>(
    db: impl Executor<'e, Database = Any>,
    digest: &str,
) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM personal_access_tokens WHERE token_hash = $1"
    ))
    .bind(digest)
    .fetch_optional(db)
    .await
}

pub async fn touch<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE personal_access_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Revokes one of `user_id`'s tokens; returns whether a live token was revoked.
pub async fn revoke<'e>(
    db: impl Executor<'e, Database = Any>,
    user_id: &str,
    id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE personal_access_tokens SET revoked_at = $1 \
         WHERE user_id = $2 AND id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(id)
    .execute(db)
    .await
    .map(|done| done.rows_affected() == 1)
}

/// Revokes every live token of `user_id`; returns how many.
pub async fn revoke_all_of_user<'e>(
    db: impl Executor<'e, Database = Any>,
    user_id: &str,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE personal_access_tokens SET revoked_at = $1 \
         WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await
    .map(|done| done.rows_affected())
}
