use sqlx::{Any, Executor};

pub const GLOBAL_FREEZE: &str = "global_freeze";

from_row! {
    #[derive(Debug, Clone)]
    pub struct FlagRow {
        pub value: String,
        pub updated_by: String,
        pub updated_at: i64,
    }
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
) -> sqlx::Result<Option<FlagRow>> {
    sqlx::query_as("SELECT value, updated_by, updated_at FROM system_flags WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await
}

pub async fn set<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
    value: &str,
    actor: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO system_flags (name, value, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(name)
    .bind(value)
    .bind(actor)
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn clear<'e>(db: impl Executor<'e, Database = Any>, name: &str) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM system_flags WHERE name = $1")
        .bind(name)
        .execute(db)
        .await
        .map(|done| done.rows_affected() == 1)
}
