//! A policy's recorded evaluations with the inputs their events carry, read in pages for
//! backtests.

use sqlx::{Any, Executor};

from_row! {
    #[derive(Debug, Clone)]
    pub struct RecordedEvaluationRow {
        pub event_id: String,
        pub decision_id: String,
        pub at: i64,
        pub policy_version: i64,
        pub outcome: String,
        pub payload_json: String,
    }
}

/// Where the next page starts: just after this evaluation in (`at`, `event_id`) order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvaluationCursor {
    pub at: i64,
    pub event_id: String,
}

pub async fn count_since<'e>(
    db: impl Executor<'e, Database = Any>,
    policy_id: &str,
    since: i64,
) -> sqlx::Result<i64> {
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM policy_evaluations WHERE policy_id = $1 AND at >= $2")
            .bind(policy_id)
            .bind(since)
            .fetch_one(db)
            .await?;
    Ok(count)
}

/// The next `limit` evaluations of `policy_id` at or after `since`, oldest first, after `after`.
pub async fn page_since<'e>(
    db: impl Executor<'e, Database = Any>,
    policy_id: &str,
    since: i64,
    after: &EvaluationCursor,
    limit: i64,
) -> sqlx::Result<Vec<RecordedEvaluationRow>> {
    sqlx::query_as(
        "SELECT pe.event_id, pe.decision_id, pe.at, pe.policy_version, pe.outcome, e.payload_json \
         FROM policy_evaluations pe JOIN decision_events e ON e.id = pe.event_id \
         WHERE pe.policy_id = $1 AND pe.at >= $2 \
           AND (pe.at > $3 OR (pe.at = $3 AND pe.event_id > $4)) \
         ORDER BY pe.at, pe.event_id LIMIT $5",
    )
    .bind(policy_id)
    .bind(since)
    .bind(after.at)
    .bind(&after.event_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
