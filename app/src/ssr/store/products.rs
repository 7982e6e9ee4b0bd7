//! The data product catalogue: products, their immutable versions, and agents' grants.

use sqlx::{Any, Executor};
use verdict_policy::catalogue::Classification;

from_row! {
    /// A product with its latest version's parsed fields.
    #[derive(Debug, Clone)]
    pub struct ProductRow {
        pub name: String,
        pub status: String,
        pub latest_version: i64,
        pub created_by: String,
        pub created_at: i64,
        pub content_hash: String,
        pub description: Option<String>,
        pub owner_team: Option<String>,
        pub classification: Classification as String,
        pub contains_pii: i64,
        pub allowed_purposes: String,
        pub operations: String,
        pub published_by: String,
        pub published_at: i64,
    }
}

from_row! {
    #[derive(Debug, Clone)]
    pub struct VersionRow {
        pub product: String,
        pub version: i64,
        pub source_yaml: String,
        pub content_hash: String,
        pub published_by: String,
        pub published_at: i64,
    }
}

from_row! {
    /// One granted operation, with the agent's name.
    #[derive(Debug, Clone)]
    pub struct GrantRow {
        pub agent_id: String,
        pub agent_name: String,
        pub product: String,
        pub operation: String,
        pub granted_by: String,
        pub granted_at: i64,
    }
}

pub const ACTIVE: &str = "active";
pub const ARCHIVED: &str = "archived";

const PRODUCT_SELECT: &str = "SELECT p.name, p.status, p.latest_version, p.created_by, \
     p.created_at, v.content_hash, v.description, v.owner_team, v.classification, \
     v.contains_pii, v.allowed_purposes, v.operations, v.published_by, v.published_at \
     FROM products p JOIN product_versions v \
     ON v.product = p.name AND v.version = p.latest_version";
const VERSION_COLUMNS: &str =
    "product, version, source_yaml, content_hash, published_by, published_at";
const GRANT_SELECT: &str = "SELECT g.agent_id, a.name AS agent_name, g.product, g.operation, \
     g.granted_by, g.granted_at FROM agent_product_grants g JOIN agents a ON a.id = g.agent_id";

pub async fn list<'e>(db: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<ProductRow>> {
    sqlx::query_as(&format!("{PRODUCT_SELECT} ORDER BY p.name"))
        .fetch_all(db)
        .await
}

pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
) -> sqlx::Result<Option<ProductRow>> {
    sqlx::query_as(&format!("{PRODUCT_SELECT} WHERE p.name = $1"))
        .bind(name)
        .fetch_optional(db)
        .await
}

/// The product's status and latest version number, if it exists (with no version yet too).
pub async fn head<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
) -> sqlx::Result<Option<(String, i64)>> {
    sqlx::query_as("SELECT status, latest_version FROM products WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await
}

/// Archives an active product; returns whether it was active (false: archived already).
pub async fn archive<'e>(db: impl Executor<'e, Database = Any>, name: &str) -> sqlx::Result<bool> {
    sqlx::query("UPDATE products SET status = $1 WHERE name = $2 AND status = $3")
        .bind(ARCHIVED)
        .bind(name)
        .bind(ACTIVE)
        .execute(db)
        .await
        .map(|done| done.rows_affected() == 1)
}

/// Creates the product with no version yet, unless it exists.
pub async fn insert_if_absent<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
    actor: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO products (name, status, latest_version, created_by, created_at) \
         VALUES ($1, 'active', 0, $2, $3) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(actor)
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}

pub struct NewVersion<'a> {
    pub product: &'a str,
    pub version: i64,
    pub source_yaml: &'a str,
    pub content_hash: &'a str,
    pub description: Option<&'a str>,
    pub owner_team: Option<&'a str>,
    pub classification: &'a str,
    pub contains_pii: bool,
    /// JSON.
    pub allowed_purposes: &'a str,
    /// JSON.
    pub operations: &'a str,
    pub published_by: &'a str,
    pub now: i64,
}

/// Inserts the next version; the primary key makes a concurrent apply of the same number fail.
pub async fn insert_version(
    tx: &mut sqlx::AnyConnection,
    version: NewVersion<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO product_versions (product, version, source_yaml, content_hash, description, \
         owner_team, classification, contains_pii, allowed_purposes, operations, published_by, \
         published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(version.product)
    .bind(version.version)
    .bind(version.source_yaml)
    .bind(version.content_hash)
    .bind(version.description)
    .bind(version.owner_team)
    .bind(version.classification)
    .bind(i64::from(version.contains_pii))
    .bind(version.allowed_purposes)
    .bind(version.operations)
    .bind(version.published_by)
    .bind(version.now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE products SET latest_version = $1 WHERE name = $2")
        .bind(version.version)
        .bind(version.product)
        .execute(&mut *tx)
        .await
        .map(|_| ())
}

pub async fn versions<'e>(
    db: impl Executor<'e, Database = Any>,
    product: &str,
) -> sqlx::Result<Vec<VersionRow>> {
    sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM product_versions WHERE product = $1 ORDER BY version DESC"
    ))
    .bind(product)
    .fetch_all(db)
    .await
}

pub async fn version<'e>(
    db: impl Executor<'e, Database = Any>,
    product: &str,
    version: i64,
) -> sqlx::Result<Option<VersionRow>> {
    sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM product_versions WHERE product = $1 AND version = $2"
    ))
    .bind(product)
    .bind(version)
    .fetch_optional(db)
    .await
}

/// Every granted operation of `product`, by agent name then operation.
pub async fn grants_of_product<'e>(
    db: impl Executor<'e, Database = Any>,
    product: &str,
) -> sqlx::Result<Vec<GrantRow>> {
    sqlx::query_as(&format!(
        "{GRANT_SELECT} WHERE g.product = $1 ORDER BY a.name, g.operation"
    ))
    .bind(product)
    .fetch_all(db)
    .await
}

/// Every granted operation of an agent, by product then operation.
pub async fn grants_of_agent<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
) -> sqlx::Result<Vec<GrantRow>> {
    sqlx::query_as(&format!(
        "{GRANT_SELECT} WHERE g.agent_id = $1 ORDER BY g.product, g.operation"
    ))
    .bind(agent_id)
    .fetch_all(db)
    .await
}

/// How many agents hold a grant on each product.
pub async fn granted_agent_counts<'e>(
    db: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT product, COUNT(DISTINCT agent_id) FROM agent_product_grants GROUP BY product",
    )
    .fetch_all(db)
    .await
}

/// Removes the agent's grants on `product`; returns how many operations were granted.
pub async fn revoke<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
    product: &str,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM agent_product_grants WHERE agent_id = $1 AND product = $2")
        .bind(agent_id)
        .bind(product)
        .execute(db)
        .await
        .map(|done| done.rows_affected())
}

pub async fn insert_grant<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
    product: &str,
    operation: &str,
    actor: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO agent_product_grants (agent_id, product, operation, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(agent_id)
    .bind(product)
    .bind(operation)
    .bind(actor)
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}
