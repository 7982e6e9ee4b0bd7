//! Reads and writes of catalogued data products by decisions: the catalogue facts a read or a
//! write is checked against, and one row per use (recorded or refused) for the product page
//! and the explorer. The events on the chain stay the record; these rows index them.

use sqlx::{Any, Executor};

use super::{bindings::BoundVersionRow, script::Script, values::ROWS_PER_STATEMENT};

/// One read or write of a product, recorded or refused, as the flush writes it.
#[derive(Debug, Clone)]
pub struct NewProductUse {
    pub event_id: String,
    pub decision_id: String,
    pub agent_id: String,
    pub product: String,
    pub operation: String,
    /// `read` or `write`.
    pub kind: &'static str,
    pub risk_tier: Option<&'static str>,
    pub purpose: Option<String>,
    /// The refusal's code; `None` for a use that was recorded.
    pub refused: Option<&'static str>,
    pub at: i64,
}

from_row! {
    /// A use as the product page lists it, with the agent's name.
    #[derive(Debug, Clone)]
    pub struct ProductUseRow {
        pub event_id: String,
        pub decision_id: String,
        pub agent_name: String,
        pub operation: String,
        pub kind: String,
        pub risk_tier: Option<String>,
        pub purpose: Option<String>,
        pub refused: Option<String>,
        pub at: i64,
    }
}

/// Whether the catalogue governs reads and writes: it does once it holds an active product.
pub async fn catalogue_in_use<'e>(db: impl Executor<'e, Database = Any>) -> sqlx::Result<bool> {
    let found: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM products WHERE status = 'active' LIMIT 1")
            .fetch_optional(db)
            .await?;
    Ok(found.is_some())
}

/// The operations of `product` granted to `agent_id`.
pub async fn granted_operations<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
    product: &str,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT operation FROM agent_product_grants WHERE agent_id = $1 AND product = $2",
    )
    .bind(agent_id)
    .bind(product)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(operation,)| operation).collect())
}

/// The latest versions of active policies whose source mentions a products scope: the
/// candidates for product-level policies (the caller parses them and keeps those that apply).
pub async fn product_scoped_versions<'e>(
    db: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<BoundVersionRow>> {
    sqlx::query_as(
        "SELECT v.policy_id, v.version, v.content_hash, v.source \
         FROM policies p JOIN policy_versions v \
         ON v.policy_id = p.id AND v.version = p.latest_version \
         WHERE p.status = 'active' AND v.source LIKE '%products%' ORDER BY v.policy_id",
    )
    .fetch_all(db)
    .await
}

pub fn insert_many<'q>(script: &mut Script<'q>, uses: &'q [NewProductUse]) {
    for chunk in uses.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO product_uses (event_id, decision_id, agent_id, product, operation, kind, \
             risk_tier, purpose, refused, at) VALUES {}",
            script.rows(chunk.len(), 10)
        );
        let (_, mut statement) = script.statement(&sql);
        for row in chunk {
            statement
                .bind(&row.event_id)
                .bind(&row.decision_id)
                .bind(&row.agent_id)
                .bind(&row.product)
                .bind(&row.operation)
                .bind(row.kind)
                .bind(row.risk_tier)
                .bind(&row.purpose)
                .bind(row.refused)
                .bind(row.at);
        }
    }
}

/// A product's latest reads and writes, newest first.
pub async fn recent_of_product<'e>(
    db: impl Executor<'e, Database = Any>,
    product: &str,
    limit: i64,
) -> sqlx::Result<Vec<ProductUseRow>> {
    sqlx::query_as(
        "SELECT u.event_id, u.decision_id, a.name AS agent_name, u.operation, u.kind, \
         u.risk_tier, u.purpose, u.refused, u.at FROM product_uses u \
         JOIN agents a ON a.id = u.agent_id WHERE u.product = $1 \
         ORDER BY u.at DESC, u.event_id DESC LIMIT $2",
    )
    .bind(product)
    .bind(limit)
    .fetch_all(db)
    .await
}
