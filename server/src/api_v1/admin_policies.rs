//! Publishing policy files over JSON, for admins' and authors' personal access tokens.

use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use utoipa::ToSchema;

use app::{
    model::{Permission, PolicySummary},
    ssr::{
        services::policies::{self, SourcePublished},
        AppState,
    },
};

use super::{error::ErrorBody, json_body::JsonBody, person::ApiPerson, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// The whole policy document; its `policy:` field names the policy.
    source_yaml: String,
    #[serde(default)]
    change_note: String,
}

#[utoipa::path(
    get, path = "/admin/policies", tag = "admin",
    responses((status = 200, body = Vec<PolicySummary>), (status = 401, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Every policy with its latest version and activity.
pub async fn list(
    State(state): State<AppState>,
    person: ApiPerson,
) -> Result<Json<Vec<PolicySummary>>, ApiError> {
    person.require(Permission::Read)?;
    Ok(Json(policies::list(&state.db).await?))
}

#[utoipa::path(
    post, path = "/admin/policies", tag = "admin",
    request_body = PublishBody,
    responses(
        (status = 201, description = "Published as a new version.", body = SourcePublished),
        (status = 200, description = "Unchanged: the source is the latest version already.", body = SourcePublished),
        (status = 403, body = ErrorBody),
        (status = 422, description = "Invalid, failing its own tests, or archived.", body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Publish a policy document as its next version (validated and tested); unchanged sources are not republished.
pub async fn publish(
    State(state): State<AppState>,
    person: ApiPerson,
    JsonBody(body): JsonBody<PublishBody>,
) -> Result<(StatusCode, Json<SourcePublished>), ApiError> {
    let author = person.require(Permission::AuthorPolicies)?;
    let outcome = policies::publish_source(
        &state.db,
        &state.evaluation_pool,
        &author.email,
        &body.source_yaml,
        &body.change_note,
    )
    .await?;
    let status = if outcome.published {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(outcome)))
}
