use sqlx::{Any, Executor};

from_row! {
    #[derive(Debug, Clone)]
    pub struct PolicyRow {
        pub id: String,
        pub status: String,
        pub draft_source: String,
        pub draft_revision: i64,
        pub draft_updated_by: String,
        pub draft_updated_at: i64,
        pub latest_version: i64,
    }
}

from_row! {
    #[derive(Debug, Clone)]
    pub struct VersionRow {
        pub policy_id: String,
        pub version: i64,
        pub source: String,
        pub content_hash: String,
        pub description: Option<String>,
        pub owner: Option<String>,
        pub change_note: String,
        pub published_by: String,
        pub published_at: i64,
    }
}

from_row! {
    /// A policy with its latest published version, as the list shows it.
    #[derive(Debug, Clone)]
    pub struct ListedRow {
        pub id: String,
        pub status: String,
        pub draft_source: String,
        pub draft_updated_at: i64,
        pub latest_version: i64,
        pub latest_hash: Option<String>,
        pub latest_description: Option<String>,
        pub latest_owner: Option<String>,
    }
}

pub const ARCHIVED: &str = "archived";

const POLICY_COLUMNS: &str = "id, status, draft_source, draft_revision, draft_updated_by, \
                              draft_updated_at, latest_version";
const VERSION_COLUMNS: &str = "policy_id, version, source, content_hash, description, owner, \
                               change_note, published_by, published_at";

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    source: &str,
    actor: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO policies (id, status, draft_source, draft_revision, draft_updated_by, \
         draft_updated_at, latest_version, created_by, created_at) \
         VALUES ($1, 'active', $2, 1, $3, $4, 0, $3, $4)",
    )
    .bind(id)
    .bind(source)
    .bind(actor)
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<Option<PolicyRow>> {
    sqlx::query_as(&format!(
        "SELECT {POLICY_COLUMNS} FROM policies WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn list<'e>(db: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<ListedRow>> {
    sqlx::query_as(
        "SELECT p.id, p.status, p.draft_source, p.draft_updated_at, p.latest_version, \
         v.content_hash AS latest_hash, v.description AS latest_description, \
         v.owner AS latest_owner \
         FROM policies p LEFT JOIN policy_versions v \
         ON v.policy_id = p.id AND v.version = p.latest_version \
         ORDER BY p.id",
    )
    .fetch_all(db)
    .await
}

/// Saves a draft only if nobody saved since `base_revision`; returns whether it was saved.
pub async fn save_draft<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    source: &str,
    base_revision: i64,
    actor: &str,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE policies SET draft_source = $1, draft_revision = draft_revision + 1, \
         draft_updated_by = $2, draft_updated_at = $3 WHERE id = $4 AND draft_revision = $5",
    )
    .bind(source)
    .bind(actor)
    .bind(now)
    .bind(id)
    .bind(base_revision)
    .execute(db)
    .await
    .map(|done| done.rows_affected() == 1)
}

pub async fn set_status<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    status: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE policies SET status = $1 WHERE id = $2")
        .bind(status)
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

pub struct NewVersion<'a> {
    pub policy_id: &'a str,
    pub version: i64,
    pub source: &'a str,
    pub content_hash: &'a str,
    pub description: Option<&'a str>,
    pub owner: Option<&'a str>,
    pub change_note: &'a str,
    pub published_by: &'a str,
    pub now: i64,
}

/// Inserts the next version; the primary key makes a concurrent publish of the same number fail.
pub async fn insert_version(
    tx: &mut sqlx::AnyConnection,
    version: NewVersion<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO policy_versions (policy_id, version, source, content_hash, description, \
         owner, change_note, published_by, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(version.policy_id)
    .bind(version.version)
    .bind(version.source)
    .bind(version.content_hash)
    .bind(version.description)
    .bind(version.owner)
    .bind(version.change_note)
    .bind(version.published_by)
    .bind(version.now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE policies SET latest_version = $1 WHERE id = $2")
        .bind(version.version)
        .bind(version.policy_id)
        .execute(&mut *tx)
        .await
        .map(|_| ())
}

pub async fn versions<'e>(
    db: impl Executor<'e, Database = Any>,
    policy_id: &str,
) -> sqlx::Result<Vec<VersionRow>> {
    sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM policy_versions WHERE policy_id = $1 ORDER BY version DESC"
    ))
    .bind(policy_id)
    .fetch_all(db)
    .await
}

pub async fn version<'e>(
    db: impl Executor<'e, Database = Any>,
    policy_id: &str,
    version: i64,
) -> sqlx::Result<Option<VersionRow>> {
    sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM policy_versions WHERE policy_id = $1 AND version = $2"
    ))
    .bind(policy_id)
    .bind(version)
    .fetch_optional(db)
    .await
}
