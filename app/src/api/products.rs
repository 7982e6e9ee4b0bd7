//! The data product catalogue for people: everyone signed in reads it; admins apply definitions,
//! archive products and grant agents their operations (as over `/api/v1/admin/products`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{
        ProductActivity, ProductApplied, ProductDetail, ProductGrant, ProductPolicy,
        ProductSummary, ProductVersionSummary,
    },
};

#[cfg(feature = "ssr")]
use crate::{
    model::Permission,
    ssr::{
        auth::{require, session::app_state},
        services::{product_activity, products},
    },
};

/// The products page: every product at its latest version, and whether this person may change
/// the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductsOverview {
    pub products: Vec<ProductSummary>,
    pub can_administer: bool,
}

/// One product's page: its latest version, grants and every version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductView {
    pub detail: ProductDetail,
    pub versions: Vec<ProductVersionSummary>,
    /// The product-level policies that judge every decision using it.
    pub policies: Vec<ProductPolicy>,
    /// Its latest reads and writes, recorded or refused, newest first.
    pub activity: Vec<ProductActivity>,
    pub can_administer: bool,
}

/// The data products section of an agent's page: what it holds and, for admins, the active
/// products it may be granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentGrants {
    pub grants: Vec<ProductGrant>,
    /// Active products (empty for people who cannot grant).
    pub grantable: Vec<ProductSummary>,
}

#[server(endpoint = "load_products", output = crate::api::codec::JsonText)]
pub async fn load_products() -> Result<ProductsOverview, AppError> {
    let me = require(Permission::Read).await?;
    Ok(ProductsOverview {
        products: products::list(&app_state()?.db).await?,
        can_administer: me.role.allows(Permission::Administer),
    })
}

#[server(endpoint = "load_product", output = crate::api::codec::JsonText)]
pub async fn load_product(name: String) -> Result<ProductView, AppError> {
    let me = require(Permission::Read).await?;
    let db = app_state()?.db;
    Ok(ProductView {
        detail: products::detail(&db, &name).await?,
        versions: products::versions(&db, &name).await?,
        policies: product_activity::policies_of(&db, &name).await?,
        activity: product_activity::recent_uses(&db, &name).await?,
        can_administer: me.role.allows(Permission::Administer),
    })
}

/// Applies a product document as its next version (an unchanged one changes nothing).
#[server(endpoint = "apply_product", output = crate::api::codec::JsonText)]
pub async fn apply_product(source_yaml: String) -> Result<ProductApplied, AppError> {
    let admin = require(Permission::Administer).await?;
    products::apply_source(&app_state()?.db, &admin.email, &source_yaml).await
}

#[server(endpoint = "archive_product", output = crate::api::codec::JsonText)]
pub async fn archive_product(name: String) -> Result<ProductSummary, AppError> {
    let admin = require(Permission::Administer).await?;
    products::archive(&app_state()?.db, &admin.email, &name).await
}

#[server(endpoint = "load_agent_grants", output = crate::api::codec::JsonText)]
pub async fn load_agent_grants(agent: String) -> Result<AgentGrants, AppError> {
    let me = require(Permission::Read).await?;
    let db = app_state()?.db;
    let grantable = if me.role.allows(Permission::Administer) {
        products::list(&db)
            .await?
            .into_iter()
            .filter(|product| product.status == crate::ssr::store::products::ACTIVE)
            .collect()
    } else {
        Vec::new()
    };
    Ok(AgentGrants {
        grants: products::grants_of_agent(&db, &agent).await?,
        grantable,
    })
}

/// Grants the agent the ticked operations of a product, replacing what it had of it; none
/// ticked is refused on `operations`.
#[server(endpoint = "grant_product", output = crate::api::codec::JsonText)]
pub async fn grant_product(
    agent: String,
    product: String,
    #[server(default)] operations: Vec<String>,
) -> Result<ProductGrant, AppError> {
    let admin = require(Permission::Administer).await?;
    if product.trim().is_empty() {
        return Err(AppError::invalid("product", "Choose a data product."));
    }
    products::grant(
        &app_state()?.db,
        &admin.email,
        &agent,
        &product,
        &operations,
    )
    .await
}

#[server(endpoint = "revoke_product_grant", output = crate::api::codec::JsonText)]
pub async fn revoke_product_grant(agent: String, product: String) -> Result<(), AppError> {
    let admin = require(Permission::Administer).await?;
    products::revoke(&app_state()?.db, &admin.email, &agent, &product).await
}
