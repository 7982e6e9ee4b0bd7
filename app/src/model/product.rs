//! The data product catalogue as the API and pages show it.

use serde::{Deserialize, Serialize};
pub use verdict_policy::catalogue::Classification;

use super::product_use::{Approval, OperationKind, RiskTier};

/// One thing agents can do with a data product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductOperation {
    pub name: String,
    /// `read` or `write`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub kind: OperationKind,
    /// `read_only`, `local_write`, `network`, `delegated` or `destructive`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub risk_tier: RiskTier,
    /// `none` or `required`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub approval: Approval,
}

/// A data product at its latest version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductSummary {
    pub name: String,
    pub description: Option<String>,
    pub owner_team: Option<String>,
    /// `public`, `internal`, `confidential` or `restricted`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub classification: Classification,
    pub contains_pii: bool,
    pub allowed_purposes: Vec<String>,
    pub operations: Vec<ProductOperation>,
    /// `active` or `archived`.
    pub status: String,
    pub latest_version: i64,
    pub content_hash: String,
    /// Who applied the latest version, and when (Unix milliseconds).
    pub updated_by: String,
    pub updated_at: i64,
    /// Agents granted at least one of its operations.
    pub granted_agents: i64,
}

/// A data product with its latest source and the agents granted its operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductDetail {
    pub product: ProductSummary,
    pub source_yaml: String,
    pub grants: Vec<ProductGrant>,
}

/// One immutable version of a data product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductVersionSummary {
    pub product: String,
    pub version: i64,
    pub content_hash: String,
    pub source_yaml: String,
    pub published_by: String,
    /// Unix milliseconds.
    pub published_at: i64,
}

/// What applying a data product file did: a new version, or nothing because the source is the
/// latest version already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductApplied {
    pub product: String,
    pub version: i64,
    pub hash: String,
    /// False when the source was identical to the latest version.
    pub applied: bool,
    /// Lint warnings, `line L:C: message`.
    pub warnings: Vec<String>,
}

/// The operations of one data product granted to one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductGrant {
    pub agent_id: String,
    pub agent_name: String,
    pub product: String,
    pub operations: Vec<String>,
    pub granted_by: String,
    /// Unix milliseconds.
    pub granted_at: i64,
}
