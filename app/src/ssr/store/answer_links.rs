//! The shared secret that signs emailed answer links, and the links already used.

use sqlx::{Any, Executor};

/// The secret named `name`, made from `candidate` if no server has made it yet.
pub async fn secret<'e, E>(db: E, name: &str, candidate: &str) -> sqlx::Result<String>
where
    E: Executor<'e, Database = Any> + Copy,
{
    sqlx::query(
        "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(candidate)
    .execute(db)
    .await?;
    sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(db)
        .await
}

pub async fn is_used<'e>(
    db: impl Executor<'e, Database = Any>,
    digest: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT used_at FROM answer_link_uses WHERE token_digest = $1")
            .bind(digest)
            .fetch_optional(db)
            .await?;
    Ok(found.is_some())
}

/// Records a use; false when the link had been used already (by this or another server).
pub async fn mark_used<'e>(
    db: impl Executor<'e, Database = Any>,
    digest: &str,
    approval_id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO answer_link_uses (token_digest, approval_id, used_at) VALUES ($1, $2, $3) \
         ON CONFLICT (token_digest) DO NOTHING",
    )
    .bind(digest)
    .bind(approval_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}
