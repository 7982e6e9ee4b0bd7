//! The delivery queue of approval requests whose route sends them somewhere, and every attempt.

use sqlx::{Any, Executor};

use crate::ssr::db::Backend;

from_row! {
    #[derive(Debug, Clone)]
    pub struct DeliveryRow {
        pub approval_id: String,
        pub route_name: String,
        pub route_version: i64,
        pub state: String,
        pub attempts: i64,
        pub attempts_allowed: i64,
        pub next_attempt_at: i64,
    }
}

from_row! {
    #[derive(Debug, Clone)]
    pub struct AttemptRow {
        pub attempt: i64,
        pub at: i64,
        pub status_code: Option<i64>,
        pub error: Option<String>,
        pub latency_ms: i64,
    }
}

const COLUMNS: &str =
    "approval_id, route_name, route_version, state, attempts, attempts_allowed, next_attempt_at";

/// Queues every pending request whose route delivers and that is not queued yet. Several
/// servers may do this at once: the primary key keeps one row per request.
pub async fn enqueue_new<'e>(
    db: impl Executor<'e, Database = Any>,
    attempts_allowed: i64,
) -> sqlx::Result<u64> {
    sqlx::query(
        "INSERT INTO approval_deliveries (approval_id, route_name, route_version, state, \
         attempts, attempts_allowed, next_attempt_at, locked_until) \
         SELECT ap.id, ap.approval_route, ap.route_version, 'queued', 0, $1, ap.requested_at, 0 \
         FROM approvals ap JOIN approval_routes r \
           ON r.name = ap.approval_route AND r.version = ap.route_version \
         WHERE ap.status = 'pending' AND r.integration <> 'inbox' \
           AND NOT EXISTS (SELECT 1 FROM approval_deliveries d WHERE d.approval_id = ap.id) \
         ON CONFLICT (approval_id) DO NOTHING",
    )
    .bind(attempts_allowed)
    .execute(db)
    .await
    .map(|done| done.rows_affected())
}

/// Takes up to `limit` due deliveries for this server until `locked_until`, counting the
/// attempt. On PostgreSQL rows another server is claiming are skipped, not waited for; SQLite
/// has one writer at a time, so the same statement cannot hand a row to two servers.
pub async fn claim_due<'e>(
    db: impl Executor<'e, Database = Any>,
    backend: Backend,
    now: i64,
    locked_until: i64,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    let skip_locked = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    sqlx::query_as(&format!(
        "UPDATE approval_deliveries SET locked_until = $1, attempts = attempts + 1 \
         WHERE approval_id IN (SELECT approval_id FROM approval_deliveries \
           WHERE state = 'queued' AND next_attempt_at <= $2 AND locked_until <= $2 \
           ORDER BY next_attempt_at LIMIT $3{skip_locked}) \
         RETURNING {COLUMNS}"
    ))
    .bind(locked_until)
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub struct AttemptRecord<'a> {
    pub approval_id: &'a str,
    pub attempt: i64,
    pub at: i64,
    pub status_code: Option<i64>,
    pub error: Option<&'a str>,
    pub latency_ms: i64,
}

pub async fn record_attempt<'e>(
    db: impl Executor<'e, Database = Any>,
    record: &AttemptRecord<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO delivery_attempts (approval_id, attempt, at, status_code, error, latency_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(record.approval_id)
    .bind(record.attempt)
    .bind(record.at)
    .bind(record.status_code)
    .bind(record.error)
    .bind(record.latency_ms)
    .execute(db)
    .await
    .map(|_| ())
}

/// Leaves `state` after an attempt; a queued row waits until `next_attempt_at`.
pub async fn settle<'e>(
    db: impl Executor<'e, Database = Any>,
    approval_id: &str,
    state: &str,
    next_attempt_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE approval_deliveries SET state = $1, next_attempt_at = $2, locked_until = 0 \
         WHERE approval_id = $3",
    )
    .bind(state)
    .bind(next_attempt_at)
    .bind(approval_id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Queues a delivery again now, with `more_attempts` more attempts allowed.
pub async fn requeue<'e>(
    db: impl Executor<'e, Database = Any>,
    approval_id: &str,
    now: i64,
    more_attempts: i64,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE approval_deliveries SET state = 'queued', next_attempt_at = $1, locked_until = 0, \
         attempts_allowed = attempts + $2 WHERE approval_id = $3",
    )
    .bind(now)
    .bind(more_attempts)
    .bind(approval_id)
    .execute(db)
    .await
    .map(|done| done.rows_affected())
}

pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    approval_id: &str,
) -> sqlx::Result<Option<DeliveryRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM approval_deliveries WHERE approval_id = $1"
    ))
    .bind(approval_id)
    .fetch_optional(db)
    .await
}

pub async fn attempts<'e>(
    db: impl Executor<'e, Database = Any>,
    approval_id: &str,
) -> sqlx::Result<Vec<AttemptRow>> {
    sqlx::query_as(
        "SELECT attempt, at, status_code, error, latency_ms FROM delivery_attempts \
         WHERE approval_id = $1 ORDER BY attempt",
    )
    .bind(approval_id)
    .fetch_all(db)
    .await
}
