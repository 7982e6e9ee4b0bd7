use sqlx::{Any, Executor};

from_row! {
    #[derive(Debug, Clone)]
    pub struct BindingRow {
        pub policy_id: String,
        pub pinned_version: Option<i64>,
        pub latest_version: i64,
        pub created_by: String,
        pub created_at: i64,
    }
}

from_row! {
    /// A binding resolved to the version an evaluation uses now, with its source.
    #[derive(Debug, Clone)]
    pub struct BoundVersionRow {
        pub policy_id: String,
        pub version: i64,
        pub content_hash: String,
        pub source: String,
    }
}

pub async fn upsert<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
    policy_id: &str,
    pinned_version: Option<i64>,
    actor: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO agent_bindings (agent_id, policy_id, pinned_version, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agent_id, policy_id) DO UPDATE SET \
         pinned_version = excluded.pinned_version, created_by = excluded.created_by, \
         created_at = excluded.created_at",
    )
    .bind(agent_id)
    .bind(policy_id)
    .bind(pinned_version)
    .bind(actor)
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn delete<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
    policy_id: &str,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM agent_bindings WHERE agent_id = $1 AND policy_id = $2")
        .bind(agent_id)
        .bind(policy_id)
        .execute(db)
        .await
        .map(|done| done.rows_affected() == 1)
}

pub async fn of_agent<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
) -> sqlx::Result<Vec<BindingRow>> {
    sqlx::query_as(
        "SELECT b.policy_id, b.pinned_version, p.latest_version, b.created_by, b.created_at \
         FROM agent_bindings b JOIN policies p ON p.id = b.policy_id \
         WHERE b.agent_id = $1 ORDER BY b.policy_id",
    )
    .bind(agent_id)
    .fetch_all(db)
    .await
}

/// The versions an agent's evaluation uses now: pinned ones as pinned, the others at their
/// latest published version; archived and never-published policies are left out.
pub async fn bound_versions<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
) -> sqlx::Result<Vec<BoundVersionRow>> {
    sqlx::query_as(
        "SELECT v.policy_id, v.version, v.content_hash, v.source \
         FROM agent_bindings b JOIN policies p ON p.id = b.policy_id \
         JOIN policy_versions v ON v.policy_id = b.policy_id \
         AND v.version = COALESCE(b.pinned_version, p.latest_version) \
         WHERE b.agent_id = $1 AND p.status = 'active' ORDER BY v.policy_id",
    )
    .bind(agent_id)
    .fetch_all(db)
    .await
}

/// How many agents each policy is bound to.
pub async fn counts_by_policy<'e>(
    db: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT policy_id, COUNT(*) FROM agent_bindings GROUP BY policy_id")
        .fetch_all(db)
        .await
}
