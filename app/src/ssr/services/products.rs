//! The data product catalogue: applying definitions as immutable versions, and granting agents
//! the operations they may use. Nothing here is enforced on decisions yet (see
//! `docs/products.md`).

use std::collections::HashMap;

use serde_json::json;
use verdict_policy::catalogue::Product;
use verdict_policy::{content_hash, Diagnostic, ProductName};

use crate::ssr::db_faults::is_unique_violation;
use crate::{
    error::{AppError, AppResult},
    model::{
        ProductApplied, ProductDetail, ProductGrant, ProductOperation, ProductSummary,
        ProductVersionSummary,
    },
    ssr::{
        db::Db,
        now_millis,
        store::{
            self,
            audit::AuditEntry,
            products::{GrantRow, NewVersion, ProductRow, VersionRow, ACTIVE, ARCHIVED},
        },
    },
};

/// Product sources larger than this are refused; real ones are a few hundred bytes.
pub const MAX_SOURCE_BYTES: usize = 64 * 1024;

fn located(diagnostic: &Diagnostic) -> String {
    format!(
        "line {}:{}: {}",
        diagnostic.line, diagnostic.column, diagnostic.message
    )
}

/// Parses a data product source, or refuses it (422 on `source_yaml`) with every error's line.
pub fn parse_source(source: &str) -> AppResult<Product> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(AppError::invalid(
            "source_yaml",
            format!(
                "A data product may be at most {} KiB.",
                MAX_SOURCE_BYTES / 1024
            ),
        ));
    }
    Product::parse(source).map_err(|diagnostics| {
        let reasons: Vec<String> = diagnostics.iter().map(located).collect();
        AppError::invalid(
            "source_yaml",
            format!("Not a valid data product: {}.", reasons.join("; ")),
        )
    })
}

/// Applies `source` as the next version of the product it names, creating the product if it is
/// new; an identical source (line endings aside) is the latest version already and changes
/// nothing.
pub async fn apply_source(db: &Db, actor: &str, source: &str) -> AppResult<ProductApplied> {
    let product = parse_source(source)?;
    let warnings: Vec<String> = product.lint().iter().map(located).collect();
    let hash = content_hash(source);
    let name = product.name().as_str();
    let operations: Vec<ProductOperation> = product
        .operations()
        .iter()
        .map(|op| ProductOperation {
            name: op.name.to_string(),
            kind: op.kind,
            risk_tier: op.risk_tier,
            approval: op.approval,
        })
        .collect();
    let operations_json = serde_json::to_string(&operations).unwrap_or_else(|_| "[]".into());
    let purposes: Vec<&str> = product
        .allowed_purposes()
        .iter()
        .map(|p| p.as_str())
        .collect();
    let purposes_json = serde_json::to_string(&purposes).unwrap_or_else(|_| "[]".into());
    let (product, hash, operations_json, purposes_json) =
        (&product, &hash, &operations_json, &purposes_json);
    let (version, applied) = db
        .write("products.apply", |mut tx| async move {
            let now = now_millis();
            store::products::insert_if_absent(&mut *tx, name, actor, now).await?;
            let (status, latest) = store::products::head(&mut *tx, name)
                .await?
                .ok_or_else(|| AppError::not_found(format!("No data product {name}.")))?;
            if status != ACTIVE {
                return Err(AppError::conflict(format!(
                    "{name} is archived; it can no longer change."
                )));
            }
            if let Some(current) = store::products::version(&mut *tx, name, latest).await? {
                if &current.content_hash == hash {
                    return Ok((latest, false));
                }
            }
            let version = latest + 1;
            store::products::insert_version(
                &mut tx,
                NewVersion {
                    product: name,
                    version,
                    source_yaml: source,
                    content_hash: hash,
                    description: product.description(),
                    owner_team: product.owner_team(),
                    classification: product.classification().as_str(),
                    contains_pii: product.contains_pii(),
                    allowed_purposes: purposes_json,
                    operations: operations_json,
                    published_by: actor,
                    now,
                },
            )
            .await
            .map_err(|error| {
                if is_unique_violation(&error) {
                    AppError::conflict(format!(
                        "{name} was changed at the same time; apply it again."
                    ))
                } else {
                    AppError::from(error)
                }
            })?;
            store::audit::record(
                &mut *tx,
                AuditEntry {
                    actor,
                    action: "product.apply",
                    target: name,
                    before: (latest > 0).then(|| json!({"version": latest})),
                    after: Some(json!({"version": version, "hash": hash})),
                },
                now,
            )
            .await?;
            tx.commit().await?;
            Ok((version, true))
        })
        .await?;
    // The first product puts reads and writes under the catalogue (`decisions::catalogue`).
    db.access.invalidate();
    Ok(ProductApplied {
        product: name.to_owned(),
        version,
        hash: hash.clone(),
        applied,
        warnings,
    })
}

pub async fn list(db: &Db) -> AppResult<Vec<ProductSummary>> {
    let counts: HashMap<String, i64> = store::products::granted_agent_counts(&db.pool)
        .await?
        .into_iter()
        .collect();
    Ok(store::products::list(&db.pool)
        .await?
        .into_iter()
        .map(|row| {
            let granted = counts.get(&row.name).copied().unwrap_or(0);
            summary_of(row, granted)
        })
        .collect())
}

pub async fn detail(db: &Db, name: &str) -> AppResult<ProductDetail> {
    let mut conn = db.pool.acquire().await?;
    let row = existing(&mut conn, name).await?;
    let source_yaml = store::products::version(&mut *conn, name, row.latest_version)
        .await?
        .map(|version| version.source_yaml)
        .unwrap_or_default();
    let grants = group_grants(store::products::grants_of_product(&mut *conn, name).await?);
    let granted_agents = i64::try_from(grants.len()).unwrap_or(i64::MAX);
    Ok(ProductDetail {
        product: summary_of(row, granted_agents),
        source_yaml,
        grants,
    })
}

pub async fn versions(db: &Db, name: &str) -> AppResult<Vec<ProductVersionSummary>> {
    let mut conn = db.pool.acquire().await?;
    existing(&mut conn, name).await?;
    Ok(store::products::versions(&mut *conn, name)
        .await?
        .into_iter()
        .map(version_summary)
        .collect())
}

/// The products and operations granted to an agent (by id or name).
pub async fn grants_of_agent(db: &Db, agent: &str) -> AppResult<Vec<ProductGrant>> {
    let mut conn = db.pool.acquire().await?;
    let agent = agent_named(&mut conn, agent).await?;
    Ok(group_grants(
        store::products::grants_of_agent(&mut *conn, &agent.id).await?,
    ))
}

/// Grants the agent exactly `operations` of `product` (replacing what it had of that product).
/// An unknown product, or an operation the product does not define, is refused naming the field;
/// an archived product is a conflict (409).
pub async fn grant(
    db: &Db,
    actor: &str,
    agent: &str,
    product: &str,
    operations: &[String],
) -> AppResult<ProductGrant> {
    let product_name = ProductName::new(product.trim())
        .map_err(|error| AppError::invalid("product", error.to_string()))?;
    let mut wanted: Vec<&str> = operations.iter().map(|op| op.trim()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Err(AppError::invalid(
            "operations",
            "Name at least one operation to grant; to take every one away, delete the grant.",
        ));
    }
    let (product_name, wanted) = (product_name.as_str(), &wanted);
    let agent_id = db
        .write("products.grant", |mut tx| async move {
            let now = now_millis();
            let agent = agent_named(&mut tx, agent).await?;
            let row = store::products::find(&mut *tx, product_name)
                .await?
                .ok_or_else(|| {
                    AppError::invalid("product", format!("No data product {product_name}."))
                })?;
            if row.status != ACTIVE {
                return Err(AppError::conflict(format!(
                    "{product_name} is archived; it cannot be granted."
                )));
            }
            let defined = operations_of(&row);
            let unknown: Vec<&str> = wanted
                .iter()
                .copied()
                .filter(|op| !defined.iter().any(|d| d.name == *op))
                .collect();
            if !unknown.is_empty() {
                let names: Vec<&str> = defined.iter().map(|d| d.name.as_str()).collect();
                return Err(AppError::invalid(
                    "operations",
                    format!(
                        "{product_name} has no operation {} (it has: {}).",
                        unknown.join(", "),
                        names.join(", ")
                    ),
                ));
            }
            let before = store::products::grants_of_agent(&mut *tx, &agent.id).await?;
            let before: Vec<&str> = before
                .iter()
                .filter(|g| g.product == product_name)
                .map(|g| g.operation.as_str())
                .collect();
            store::products::revoke(&mut *tx, &agent.id, product_name).await?;
            for op in wanted {
                store::products::insert_grant(&mut *tx, &agent.id, product_name, op, actor, now)
                    .await?;
            }
            store::audit::record(
                &mut *tx,
                AuditEntry {
                    actor,
                    action: "agent.grant",
                    target: &agent.name,
                    before: (!before.is_empty())
                        .then(|| json!({"product": product_name, "operations": before})),
                    after: Some(json!({"product": product_name, "operations": wanted})),
                },
                now,
            )
            .await?;
            tx.commit().await?;
            Ok(agent.id)
        })
        .await?;
    grants_of_agent(db, &agent_id)
        .await?
        .into_iter()
        .find(|g| g.product == product_name)
        .ok_or_else(|| AppError::not_found(format!("No grant of {product_name}.")))
}

/// Archives a product: it can no longer be applied or granted. Its versions stay, and so do the
/// grants agents hold (they can still be revoked). Archiving it again is a conflict (409).
pub async fn archive(db: &Db, actor: &str, name: &str) -> AppResult<ProductSummary> {
    db.write("products.archive", |mut tx| async move {
        let row = existing(&mut tx, name).await?;
        if !store::products::archive(&mut *tx, name).await? {
            return Err(AppError::conflict(format!("{name} is archived already.")));
        }
        store::audit::record(
            &mut *tx,
            AuditEntry {
                actor,
                action: "product.archive",
                target: name,
                before: Some(json!({"status": row.status, "version": row.latest_version})),
                after: Some(json!({"status": ARCHIVED})),
            },
            now_millis(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    db.access.invalidate();
    Ok(detail(db, name).await?.product)
}

/// Takes every operation of `product` away from the agent.
pub async fn revoke(db: &Db, actor: &str, agent: &str, product: &str) -> AppResult<()> {
    db.write("products.revoke", |mut tx| async move {
        let now = now_millis();
        let agent = agent_named(&mut tx, agent).await?;
        if store::products::revoke(&mut *tx, &agent.id, product).await? == 0 {
            return Err(AppError::not_found(format!(
                "{} has no grant of {product}.",
                agent.name
            )));
        }
        store::audit::record(
            &mut *tx,
            AuditEntry {
                actor,
                action: "agent.revoke_grant",
                target: &agent.name,
                before: Some(json!({"product": product})),
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

async fn agent_named(
    conn: &mut sqlx::AnyConnection,
    id_or_name: &str,
) -> AppResult<store::agents::AgentRow> {
    store::agents::find(&mut *conn, id_or_name, now_millis())
        .await?
        .ok_or_else(|| AppError::not_found(format!("No agent {id_or_name}.")))
}

async fn existing(conn: &mut sqlx::AnyConnection, name: &str) -> AppResult<ProductRow> {
    store::products::find(&mut *conn, name)
        .await?
        .ok_or_else(|| AppError::not_found(format!("No data product {name}.")))
}

fn operations_of(row: &ProductRow) -> Vec<ProductOperation> {
    serde_json::from_str(&row.operations).unwrap_or_default()
}

fn summary_of(row: ProductRow, granted_agents: i64) -> ProductSummary {
    ProductSummary {
        operations: operations_of(&row),
        allowed_purposes: serde_json::from_str(&row.allowed_purposes).unwrap_or_default(),
        name: row.name,
        description: row.description,
        owner_team: row.owner_team,
        classification: row.classification,
        contains_pii: row.contains_pii != 0,
        status: row.status,
        latest_version: row.latest_version,
        content_hash: row.content_hash,
        updated_by: row.published_by,
        updated_at: row.published_at,
        granted_agents,
    }
}

fn version_summary(row: VersionRow) -> ProductVersionSummary {
    ProductVersionSummary {
        product: row.product,
        version: row.version,
        content_hash: row.content_hash,
        source_yaml: row.source_yaml,
        published_by: row.published_by,
        published_at: row.published_at,
    }
}

/// One grant per (agent, product) from rows of one operation each, in the rows' order.
fn group_grants(rows: Vec<GrantRow>) -> Vec<ProductGrant> {
    let mut grants: Vec<ProductGrant> = Vec::new();
    for row in rows {
        match grants
            .iter_mut()
            .find(|g| g.agent_id == row.agent_id && g.product == row.product)
        {
            Some(grant) => {
                grant.operations.push(row.operation);
                if row.granted_at > grant.granted_at {
                    grant.granted_at = row.granted_at;
                    grant.granted_by = row.granted_by;
                }
            }
            None => grants.push(ProductGrant {
                agent_id: row.agent_id,
                agent_name: row.agent_name,
                product: row.product,
                operations: vec![row.operation],
                granted_by: row.granted_by,
                granted_at: row.granted_at,
            }),
        }
    }
    grants
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{model::AuditQuery, products::STARTER_PRODUCTS, ssr::services::audit};

    /// The audit page's `product` area matches an action by its first word, so every entry a
    /// product change writes must start with `product.`.
    #[tokio::test]
    async fn product_changes_are_in_the_product_area_of_the_audit_log() {
        let dir = std::env::temp_dir().join(format!("verdict-products-{}", uuid::Uuid::now_v7()));
        let url = format!("sqlite:{}", dir.join("test.db").display());
        let (db, _) = Db::connect(&url).await.expect("database");
        let actor = "ada@example.com";
        apply_source(&db, actor, STARTER_PRODUCTS[1].source)
            .await
            .unwrap();
        archive(&db, actor, "payments").await.unwrap();

        let actions_in = |area: &str| {
            let query = AuditQuery {
                area: Some(area.to_owned()),
                ..AuditQuery::default()
            };
            let db = &db;
            async move {
                let mut actions: Vec<String> = audit::page(db, &query)
                    .await
                    .unwrap()
                    .entries
                    .into_iter()
                    .map(|entry| entry.action)
                    .collect();
                actions.sort_unstable();
                actions
            }
        };
        assert_eq!(
            actions_in("product").await,
            ["product.apply", "product.archive"]
        );
        assert_eq!(actions_in("policy").await, Vec::<String>::new());
        std::fs::remove_dir_all(dir).ok();
    }
}
