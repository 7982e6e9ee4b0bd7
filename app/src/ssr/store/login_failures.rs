use sqlx::{Any, Executor};

use crate::model::Email;

pub async fn record<'e>(
    db: impl Executor<'e, Database = Any>,
    email: &Email,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO login_failures (email, failed_at) VALUES ($1, $2)")
        .bind(email.as_str())
        .bind(now)
        .execute(db)
        .await
        .map(|_| ())
}

/// Failures for `email` since `since`, and the time of the oldest of them.
pub async fn since<'e>(
    db: impl Executor<'e, Database = Any>,
    email: &Email,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>)> {
    sqlx::query_as(
        "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE email = $1 AND failed_at >= $2",
    )
    .bind(email.as_str())
    .bind(since)
    .fetch_one(db)
    .await
}

pub async fn clear<'e>(db: impl Executor<'e, Database = Any>, email: &Email) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email.as_str())
        .execute(db)
        .await
        .map(|_| ())
}

/// Deletes every failure older than `before`; how many were deleted.
pub async fn delete_before<'e>(
    db: impl Executor<'e, Database = Any>,
    before: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM login_failures WHERE failed_at < $1")
        .bind(before)
        .execute(db)
        .await
        .map(|done| done.rows_affected())
}
