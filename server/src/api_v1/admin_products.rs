//! The data product catalogue over JSON: anyone signed in may read it; admins apply definitions,
//! archive products and grant agents operations.

use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use utoipa::ToSchema;

use app::{
    model::{
        Permission, ProductApplied, ProductDetail, ProductGrant, ProductSummary,
        ProductVersionSummary,
    },
    ssr::{services::products, AppState},
};

use super::{error::ErrorBody, json_body::JsonBody, path::ApiPath, person::ApiPerson, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    /// The whole data product document; its `product:` field names the product.
    source_yaml: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// A data product's name.
    product: String,
    /// Operations of that product; they replace what the agent was granted of it.
    operations: Vec<String>,
}

#[utoipa::path(
    get, path = "/admin/products", tag = "admin",
    responses((status = 200, body = Vec<ProductSummary>), (status = 401, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Every data product at its latest version.
pub async fn list(
    State(state): State<AppState>,
    person: ApiPerson,
) -> Result<Json<Vec<ProductSummary>>, ApiError> {
    person.require(Permission::Read)?;
    Ok(Json(products::list(&state.db).await?))
}

#[utoipa::path(
    post, path = "/admin/products", tag = "admin",
    request_body = ApplyBody,
    responses(
        (status = 201, description = "Applied as a new version.", body = ProductApplied),
        (status = 200, description = "Unchanged: the source is the latest version already.", body = ProductApplied),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The product is archived.", body = ErrorBody),
        (status = 422, description = "Not a valid data product; the message gives each error's line and column.", body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Apply a data product document as its next version; unchanged sources are not re-applied.
pub async fn apply(
    State(state): State<AppState>,
    person: ApiPerson,
    JsonBody(body): JsonBody<ApplyBody>,
) -> Result<(StatusCode, Json<ProductApplied>), ApiError> {
    let admin = person.require(Permission::Administer)?;
    let outcome = products::apply_source(&state.db, &admin.email, &body.source_yaml).await?;
    let status = if outcome.applied {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(outcome)))
}

#[utoipa::path(
    get, path = "/admin/products/{id}", tag = "admin",
    params(("id" = String, Path, description = "The product's name")),
    responses((status = 200, body = ProductDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// A data product with its latest source and the agents granted its operations.
pub async fn show(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<ProductDetail>, ApiError> {
    person.require(Permission::Read)?;
    Ok(Json(products::detail(&state.db, &name).await?))
}

#[utoipa::path(
    get, path = "/admin/products/{id}/versions", tag = "admin",
    params(("id" = String, Path, description = "The product's name")),
    responses((status = 200, body = Vec<ProductVersionSummary>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Every version of a data product, newest first, with who applied it and when.
pub async fn versions(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<Vec<ProductVersionSummary>>, ApiError> {
    person.require(Permission::Read)?;
    Ok(Json(products::versions(&state.db, &name).await?))
}

#[utoipa::path(
    post, path = "/admin/products/{id}/archive", tag = "admin",
    params(("id" = String, Path, description = "The product's name")),
    responses(
        (status = 200, description = "Archived: it can no longer be applied or granted; its versions and grants stay.", body = ProductSummary),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The product is archived already.", body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Archive a data product: it can no longer be applied or granted; its versions stay on record.
pub async fn archive(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<ProductSummary>, ApiError> {
    let admin = person.require(Permission::Administer)?;
    Ok(Json(
        products::archive(&state.db, &admin.email, &name).await?,
    ))
}

#[utoipa::path(
    get, path = "/admin/agents/{id}/grants", tag = "admin",
    params(("id" = String, Path, description = "The agent's id or name")),
    responses((status = 200, body = Vec<ProductGrant>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// The data products and operations granted to the agent.
pub async fn grants(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<ProductGrant>>, ApiError> {
    person.require(Permission::Read)?;
    Ok(Json(products::grants_of_agent(&state.db, &id).await?))
}

#[utoipa::path(
    post, path = "/admin/agents/{id}/grants", tag = "admin",
    params(("id" = String, Path, description = "The agent's id or name")),
    request_body = GrantBody,
    responses(
        (status = 201, body = ProductGrant),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The product is archived.", body = ErrorBody),
        (status = 422, description = "An unknown product (`field: product`) or an operation it does not define (`field: operations`).", body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Grant the agent operations of a data product, replacing what it had of that product.
pub async fn grant(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<GrantBody>,
) -> Result<(StatusCode, Json<ProductGrant>), ApiError> {
    let admin = person.require(Permission::Administer)?;
    let grant = products::grant(
        &state.db,
        &admin.email,
        &id,
        &body.product,
        &body.operations,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(grant)))
}

#[utoipa::path(
    delete, path = "/admin/agents/{id}/grants/{product}", tag = "admin",
    params(("id" = String, Path, description = "The agent's id or name"), ("product" = String, Path)),
    responses(
        (status = 204, description = "Every operation of the product taken away."),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Take every operation of a data product away from the agent.
pub async fn revoke(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath((id, product)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let admin = person.require(Permission::Administer)?;
    products::revoke(&state.db, &admin.email, &id, &product).await?;
    Ok(StatusCode::NO_CONTENT)
}
