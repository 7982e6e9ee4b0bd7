use sqlx::{Any, Executor};

/// One admin action, written in the same transaction as the change it describes.
pub struct AuditEntry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn record<'e>(
    db: impl Executor<'e, Database = Any>,
    entry: AuditEntry<'_>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, target, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(crate::ssr::ids::new_id())
    .bind(now)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.before.map(|value| value.to_string()))
    .bind(entry.after.map(|value| value.to_string()))
    .execute(db)
    .await
    .map(|_| ())
}

from_row! {
    #[derive(Debug)]
    pub struct AuditRow {
        pub id: String,
        pub at: i64,
        pub actor: String,
        pub action: String,
        pub target: String,
        pub before_json: Option<String>,
        pub after_json: Option<String>,
    }
}

/// Which entries a page holds: newest first, starting after `before` (an `(at, id)` pair).
pub struct AuditSlice<'a> {
    /// Actions whose name starts with `area.` or, for actions on all of them at once, with the
    /// plural `areas.` (`agents.freeze_all` is in the `agent` area).
    pub area: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub before: Option<(i64, &'a str)>,
    pub limit: i64,
}

/// A keyset page: `(at, id)` after the cursor, so a deep page costs what the first does.
pub async fn page<'e>(
    db: impl Executor<'e, Database = Any>,
    slice: AuditSlice<'_>,
) -> sqlx::Result<Vec<AuditRow>> {
    let prefix = slice.area.map(|area| format!("{area}."));
    let plural = slice.area.map(|area| format!("{area}s."));
    let (before_at, before_id) = slice.before.unzip();
    sqlx::query_as(
        "SELECT id, at, actor, action, target, before_json, after_json FROM audit_log \
         WHERE ($1 IS NULL OR substr(action, 1, length($1)) = $1 \
                OR substr(action, 1, length($2)) = $2) \
         AND ($3 IS NULL OR actor = $3) \
         AND ($4 IS NULL OR at < $4 OR (at = $4 AND id < $5)) \
         ORDER BY at DESC, id DESC LIMIT $6",
    )
    .bind(prefix)
    .bind(plural)
    .bind(slice.actor)
    .bind(before_at)
    .bind(before_id)
    .bind(slice.limit)
    .fetch_all(db)
    .await
}
