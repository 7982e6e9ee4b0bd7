//! What a data product's page shows of its use: the latest reads and writes of it (recorded or
//! refused), and the product-level policies that judge every decision using it.

use verdict_policy::Policy;

use crate::{
    error::{AppError, AppResult},
    model::{ProductActivity, ProductPolicy},
    ssr::{db::Db, store},
};

/// How many of a product's latest uses its page lists.
pub const RECENT_USES: i64 = 50;

/// The product's latest reads and writes, newest first.
pub async fn recent_uses(db: &Db, product: &str) -> AppResult<Vec<ProductActivity>> {
    let rows = store::product_uses::recent_of_product(&db.pool, product, RECENT_USES).await?;
    rows.into_iter()
        .map(|row| {
            let damaged = |what: &str| {
                tracing::error!(event = %row.event_id, what, "a product use row does not read");
                AppError::Internal
            };
            Ok(ProductActivity {
                kind: row.kind.parse().map_err(|_| damaged("kind"))?,
                risk_tier: row
                    .risk_tier
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(|_| damaged("risk_tier"))?,
                refused: row
                    .refused
                    .as_deref()
                    .map(|code| crate::model::RefusalCode::parse(code).ok_or(()))
                    .transpose()
                    .map_err(|()| damaged("refused"))?,
                event_id: row.event_id,
                decision_id: row.decision_id,
                agent_name: row.agent_name,
                operation: row.operation,
                purpose: row.purpose,
                at: row.at,
            })
        })
        .collect()
}

/// The active policies whose latest version is scoped to `product`.
pub async fn policies_of(db: &Db, product: &str) -> AppResult<Vec<ProductPolicy>> {
    let candidates = store::product_uses::product_scoped_versions(&db.pool).await?;
    Ok(candidates
        .into_iter()
        .filter(|version| {
            Policy::parse(&version.source).is_ok_and(|policy| policy.applies_to_product(product))
        })
        .map(|version| ProductPolicy {
            policy_id: version.policy_id,
            version: version.version,
        })
        .collect())
}
