//! Approval routes over JSON for admins' personal access tokens: define a new version, list.

use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use utoipa::ToSchema;

use app::{
    model::{ApprovalRoute, DefinedRoute, Permission},
    ssr::{
        services::approval_routes::{self, RouteDefinition},
        AppState,
    },
};

use super::{error::ErrorBody, json_body::JsonBody, person::ApiPerson, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteBody {
    /// The name policies give in `approval_route:`, e.g. `support-managers`.
    name: String,
    /// `inbox`, `webhook` or `chat`.
    integration: String,
    /// The URL webhook and chat deliveries are posted to.
    #[serde(default)]
    destination: Option<String>,
    /// Only these people may approve; empty or absent: everyone whose role may approve.
    #[serde(default)]
    approver_emails: Vec<String>,
    /// Distinct approvals needed (default 1); one rejection rejects.
    #[serde(default)]
    required_approvals: Option<i64>,
    #[serde(default)]
    require_rationale: Option<bool>,
    /// How long a request waits when the agent does not say (default 3600).
    #[serde(default)]
    default_expiry_seconds: Option<i64>,
    /// Whether people of the agent's owner team may approve its requests (default false).
    #[serde(default)]
    owner_team_may_approve: Option<bool>,
    /// Make a new signing secret for a webhook route instead of keeping the previous one.
    #[serde(default)]
    rotate_secret: bool,
}

#[utoipa::path(
    get, path = "/admin/approval-routes", tag = "admin",
    responses((status = 200, description = "The latest version of every route.", body = Vec<ApprovalRoute>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Every approval route at its latest version.
pub async fn list(
    State(state): State<AppState>,
    person: ApiPerson,
) -> Result<Json<Vec<ApprovalRoute>>, ApiError> {
    person.require(Permission::Read)?;
    Ok(Json(approval_routes::list(&state.db).await?))
}

#[utoipa::path(
    post, path = "/admin/approval-routes", tag = "admin",
    request_body = RouteBody,
    responses(
        (status = 201, description = "The new version; a new webhook signing secret is shown this once.", body = DefinedRoute),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Define a route, or a new version of one; requests already made keep the version they used.
pub async fn define(
    State(state): State<AppState>,
    person: ApiPerson,
    JsonBody(body): JsonBody<RouteBody>,
) -> Result<(StatusCode, Json<DefinedRoute>), ApiError> {
    let admin = person.require(Permission::Administer)?;
    let defined = approval_routes::define(
        &state.db,
        &state.outbound,
        &admin.email,
        RouteDefinition {
            name: body.name,
            integration: body.integration,
            destination: body.destination,
            approver_emails: body.approver_emails,
            required_approvals: body.required_approvals,
            require_rationale: body.require_rationale,
            default_expiry_seconds: body.default_expiry_seconds,
            owner_team_may_approve: body.owner_team_may_approve,
            rotate_secret: body.rotate_secret,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(defined)))
}
