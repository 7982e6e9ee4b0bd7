//! Approval route versions. Rows are only ever inserted: an edit is a new version.

use sqlx::{Any, Executor};

from_row! {
    #[derive(Debug, Clone)]
    pub struct RouteRow {
        pub name: String,
        pub version: i64,
        pub integration: String,
        pub destination: Option<String>,
        pub signing_secret: Option<String>,
        pub approver_emails: String,
        pub required_approvals: i64,
        pub require_rationale: i64,
        pub default_expiry_seconds: i64,
        pub owner_team_may_approve: i64,
        pub created_by: String,
        pub created_at: i64,
    }
}

const COLUMNS: &str = "name, version, integration, destination, signing_secret, \
    approver_emails, required_approvals, require_rationale, default_expiry_seconds, \
    owner_team_may_approve, created_by, created_at";

pub async fn insert<'e>(db: impl Executor<'e, Database = Any>, row: &RouteRow) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO approval_routes ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&row.name)
    .bind(row.version)
    .bind(&row.integration)
    .bind(&row.destination)
    .bind(&row.signing_secret)
    .bind(&row.approver_emails)
    .bind(row.required_approvals)
    .bind(row.require_rationale)
    .bind(row.default_expiry_seconds)
    .bind(row.owner_team_may_approve)
    .bind(&row.created_by)
    .bind(row.created_at)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn latest<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
) -> sqlx::Result<Option<RouteRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM approval_routes WHERE name = $1 ORDER BY version DESC LIMIT 1"
    ))
    .bind(name)
    .fetch_optional(db)
    .await
}

pub async fn version<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
    version: i64,
) -> sqlx::Result<Option<RouteRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM approval_routes WHERE name = $1 AND version = $2"
    ))
    .bind(name)
    .bind(version)
    .fetch_optional(db)
    .await
}

/// The latest version of every route, by name.
pub async fn list_latest<'e>(db: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<RouteRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM approval_routes r WHERE version = \
         (SELECT MAX(version) FROM approval_routes v WHERE v.name = r.name) ORDER BY name"
    ))
    .fetch_all(db)
    .await
}
