use sqlx::{Any, Executor};

from_row! {
    #[derive(Debug, Clone)]
    pub struct AgentRow {
        pub id: String,
        pub name: String,
        pub description: String,
        pub owner_team: String,
        pub frozen_at: Option<i64>,
        pub frozen_by: Option<String>,
        pub frozen_reason: Option<String>,
        pub last_seen_at: Option<i64>,
        pub created_at: i64,
        pub active_keys: i64,
        pub bindings: i64,
    }
}

from_row! {
    #[derive(Debug, Clone)]
    pub struct KeyRow {
        pub id: String,
        pub key_prefix: String,
        pub created_by: String,
        pub created_at: i64,
        pub expires_at: Option<i64>,
        pub revoked_at: Option<i64>,
    }
}

from_row! {
    /// The agent behind a presented key, with whatever freeze applies to it.
    #[derive(Debug, Clone)]
    pub struct KeyHolderRow {
        pub agent_id: String,
        pub agent_name: String,
        pub frozen_reason: Option<String>,
        pub global_freeze: Option<String>,
        pub last_seen_at: Option<i64>,
        /// When a rotated key stops working.
        pub key_expires_at: Option<i64>,
    }
}

pub struct NewAgent<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub owner_team: &'a str,
    pub created_by: &'a str,
    pub now: i64,
}

pub struct NewKey<'a> {
    pub id: &'a str,
    pub agent_id: &'a str,
    pub prefix: &'a str,
    pub digest: &'a str,
    pub created_by: &'a str,
    pub now: i64,
}

const AGENT_SELECT: &str = "SELECT a.id, a.name, a.description, a.owner_team, a.frozen_at, \
    a.frozen_by, a.frozen_reason, a.last_seen_at, a.created_at, \
    (SELECT COUNT(*) FROM agent_keys k WHERE k.agent_id = a.id AND k.revoked_at IS NULL \
     AND (k.expires_at IS NULL OR k.expires_at > $1)) AS active_keys, \
    (SELECT COUNT(*) FROM agent_bindings b WHERE b.agent_id = a.id) AS bindings \
    FROM agents a";

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    agent: NewAgent<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO agents (id, name, description, owner_team, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(agent.id)
    .bind(agent.name)
    .bind(agent.description)
    .bind(agent.owner_team)
    .bind(agent.created_by)
    .bind(agent.now)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    now: i64,
) -> sqlx::Result<Vec<AgentRow>> {
    sqlx::query_as(&format!("{AGENT_SELECT} ORDER BY a.name"))
        .bind(now)
        .fetch_all(db)
        .await
}

/// Finds an agent by its id or, failing that, its name.
pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    id_or_name: &str,
    now: i64,
) -> sqlx::Result<Option<AgentRow>> {
    sqlx::query_as(&format!(
        "{AGENT_SELECT} WHERE a.id = $2 OR a.name = $2 ORDER BY a.id = $2 DESC LIMIT 1"
    ))
    .bind(now)
    .bind(id_or_name)
    .fetch_optional(db)
    .await
}

pub async fn name_taken<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
) -> sqlx::Result<bool> {
    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM agents WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

pub async fn set_freeze<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
    freeze: Option<(&str, &str, i64)>,
) -> sqlx::Result<()> {
    let (reason, by, at) = match freeze {
        Some((reason, by, at)) => (Some(reason), Some(by), Some(at)),
        None => (None, None, None),
    };
    sqlx::query(
        "UPDATE agents SET frozen_reason = $1, frozen_by = $2, frozen_at = $3 WHERE id = $4",
    )
    .bind(reason)
    .bind(by)
    .bind(at)
    .bind(agent_id)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn touch<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE agents SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(agent_id)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn insert_key<'e>(
    db: impl Executor<'e, Database = Any>,
    key: NewKey<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO agent_keys (id, agent_id, key_prefix, key_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(key.id)
    .bind(key.agent_id)
    .bind(key.prefix)
    .bind(key.digest)
    .bind(key.created_by)
    .bind(key.now)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn keys<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
) -> sqlx::Result<Vec<KeyRow>> {
    sqlx::query_as(
        "SELECT id, key_prefix, created_by, created_at, expires_at, revoked_at \
         FROM agent_keys WHERE agent_id = $1 ORDER BY created_at DESC",
    )
    .bind(agent_id)
    .fetch_all(db)
    .await
}

/// Ends the agent's working keys at `expires_at` (never later than an expiry they already had).
pub async fn expire_keys<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE agent_keys SET expires_at = $1 WHERE agent_id = $2 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $1)",
    )
    .bind(expires_at)
    .bind(agent_id)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn revoke_keys<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query("UPDATE agent_keys SET revoked_at = $1 WHERE agent_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(agent_id)
        .execute(db)
        .await
        .map(|done| done.rows_affected())
}

pub async fn key_holder<'e>(
    db: impl Executor<'e, Database = Any>,
    digest: &str,
    now: i64,
) -> sqlx::Result<Option<KeyHolderRow>> {
    sqlx::query_as(
        "SELECT a.id AS agent_id, a.name AS agent_name, a.frozen_reason, a.last_seen_at, \
         k.expires_at AS key_expires_at, \
         (SELECT value FROM system_flags WHERE name = 'global_freeze') AS global_freeze \
         FROM agent_keys k JOIN agents a ON a.id = k.agent_id \
         WHERE k.key_hash = $1 AND k.revoked_at IS NULL \
         AND (k.expires_at IS NULL OR k.expires_at > $2)",
    )
    .bind(digest)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// The team that owns the agent, without the counts `find` computes.
pub async fn owner_team<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT owner_team FROM agents WHERE id = $1")
        .bind(agent_id)
        .fetch_optional(db)
        .await
}
