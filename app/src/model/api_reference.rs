//! The JSON API as the reference page shows it: groups of operations with their fields and
//! responses, read on the server from the served OpenAPI document (`ssr::api_document`).

use serde::{Deserialize, Serialize};

/// The JSON API as the reference page shows it, read from the served OpenAPI document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    pub title: String,
    pub description: String,
    pub version: String,
    /// Where the operations' paths start, e.g. `/api/v1`.
    pub base_path: String,
    pub groups: Vec<ApiGroup>,
}

/// The operations of one tag, e.g. `decisions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiGroup {
    pub tag: String,
    pub description: String,
    pub operations: Vec<ApiOperation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    /// Upper case: `GET`, `POST`…
    pub method: String,
    /// Relative to `base_path`, e.g. `/decisions/{id}/close`.
    pub path: String,
    pub operation_id: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    /// The credentials accepted, e.g. "agent API key (vk_…)".
    pub auth: Vec<String>,
    pub parameters: Vec<ApiField>,
    /// The request body's schema name, if there is a body.
    pub body_schema: Option<String>,
    pub body_fields: Vec<ApiField>,
    pub responses: Vec<ApiResponse>,
    pub curl: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiField {
    pub name: String,
    /// `path`, `query`, `header` or `body`.
    pub location: String,
    pub type_name: String,
    pub required: bool,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiResponse {
    pub status: String,
    pub description: String,
}
