use sqlx::{Any, Executor, FromRow};

use super::values::{placeholders, ROWS_PER_STATEMENT};

#[derive(Debug, Clone, FromRow)]
pub struct ApprovalRow {
    pub id: String,
    pub decision_id: String,
    pub agent_id: String,
    pub title: String,
    pub message: String,
    pub approval_route: Option<String>,
    pub require_rationale: i64,
    pub status: String,
    pub requested_at: i64,
    pub expires_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
    pub rationale: Option<String>,
}

const APPROVAL_COLUMNS: &str = "id, decision_id, agent_id, title, message, approval_route, \
    require_rationale, status, requested_at, expires_at, resolved_at, resolved_by, rationale";

/// Inserts new requests, many rows per statement.
pub async fn insert_many(conn: &mut sqlx::AnyConnection, rows: &[ApprovalRow]) -> sqlx::Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO approvals ({APPROVAL_COLUMNS}) VALUES {}",
            placeholders(conn, chunk.len(), 13)
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(&row.id)
                .bind(&row.decision_id)
                .bind(&row.agent_id)
                .bind(&row.title)
                .bind(&row.message)
                .bind(&row.approval_route)
                .bind(row.require_rationale)
                .bind(&row.status)
                .bind(row.requested_at)
                .bind(row.expires_at)
                .bind(row.resolved_at)
                .bind(&row.resolved_by)
                .bind(&row.rationale);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<Option<ApprovalRow>> {
    sqlx::query_as(&format!(
        "SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Resolves a pending request; false when it was no longer pending (someone else resolved it).
pub async fn resolve(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    status: &str,
    by: &str,
    rationale: Option<&str>,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE approvals SET status = $1, resolved_by = $2, rationale = $3, resolved_at = $4 \
         WHERE id = $5 AND status = 'pending'",
    )
    .bind(status)
    .bind(by)
    .bind(rationale)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await
    .map(|done| done.rows_affected() == 1)
}

pub async fn overdue<'e>(
    db: impl Executor<'e, Database = Any>,
    now: i64,
    limit: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= $1 \
         ORDER BY expires_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub async fn of_decision<'e>(
    db: impl Executor<'e, Database = Any>,
    decision_id: &str,
) -> sqlx::Result<Vec<ApprovalRow>> {
    sqlx::query_as(&format!(
        "SELECT {APPROVAL_COLUMNS} FROM approvals WHERE decision_id = $1 ORDER BY requested_at"
    ))
    .bind(decision_id)
    .fetch_all(db)
    .await
}
