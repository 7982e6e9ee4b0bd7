//! Backtest runs and their progress, readable from every server.

use sqlx::{Any, Executor};

from_row! {
    #[derive(Debug, Clone)]
    pub struct BacktestRunRow {
        pub total: i64,
        pub processed: i64,
        /// The run's end as the service wrote it; `None` while it runs.
        pub outcome_json: Option<String>,
        pub heartbeat_at: i64,
    }
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    policy_id: &str,
    total: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO backtest_runs (id, policy_id, total, started_at, heartbeat_at) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(id)
    .bind(policy_id)
    .bind(total)
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<Option<BacktestRunRow>> {
    sqlx::query_as(
        "SELECT total, processed, outcome_json, heartbeat_at FROM backtest_runs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Records how far a running run got and answers whether someone asked it to stop.
pub async fn record_progress<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    processed: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let cancel_requested: Option<i64> = sqlx::query_scalar(
        "UPDATE backtest_runs SET processed = $2, heartbeat_at = $3 WHERE id = $1 \
         RETURNING cancel_requested",
    )
    .bind(id)
    .bind(processed)
    .bind(now)
    .fetch_optional(db)
    .await?;
    // A run whose row is gone (cleared as old) has nobody left to report to.
    Ok(cancel_requested.is_none_or(|requested| requested != 0))
}

/// Asks a run to stop and answers where it stands; `None` when there is no such run.
pub async fn request_cancel<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<Option<BacktestRunRow>> {
    sqlx::query_as(
        "UPDATE backtest_runs SET cancel_requested = 1 WHERE id = $1 \
         RETURNING total, processed, outcome_json, heartbeat_at",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn finish<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    processed: i64,
    outcome_json: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE backtest_runs SET processed = $2, outcome_json = $3, heartbeat_at = $4 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(processed)
    .bind(outcome_json)
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn delete_started_before<'e>(
    db: impl Executor<'e, Database = Any>,
    cutoff: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM backtest_runs WHERE started_at < $1")
        .bind(cutoff)
        .execute(db)
        .await
        .map(|_| ())
}
