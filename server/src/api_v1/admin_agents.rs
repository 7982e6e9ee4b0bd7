//! Provisioning over JSON for admins' personal access tokens: agents, keys, bindings, freezes.

use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use app::{
    model::{AgentDetail, AgentSummary, Binding, Freeze, IssuedAgentKey, Permission},
    ssr::{services::agents, AppState},
};

use super::{error::ErrorBody, json_body::JsonBody, path::ApiPath, person::ApiPerson, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgentBody {
    /// Lowercase letters, digits, '-', '_' or '.', e.g. `refund-bot`.
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    owner_team: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateKeyBody {
    /// How long the agent's current keys keep working (default 0: they stop now).
    #[serde(default)]
    grace_seconds: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindingBody {
    policy_id: String,
    /// Pin this version; without it the binding follows the latest published version.
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeBody {
    frozen: bool,
    /// Required when freezing; shown to people and to the refused agents.
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GlobalFreezeState {
    frozen: Option<Freeze>,
}

#[utoipa::path(
    get, path = "/admin/agents", tag = "admin",
    responses((status = 200, body = Vec<AgentSummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Every agent with its key, binding and freeze status.
pub async fn list(
    State(state): State<AppState>,
    person: ApiPerson,
) -> Result<Json<Vec<AgentSummary>>, ApiError> {
    person.require(Permission::Administer)?;
    Ok(Json(agents::list(&state.db).await?))
}

#[utoipa::path(
    post, path = "/admin/agents", tag = "admin",
    request_body = NewAgentBody,
    responses(
        (status = 201, description = "The agent and its API key, shown this once.", body = IssuedAgentKey),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Create an agent; its API key is in the answer, the only time it is shown.
pub async fn create(
    State(state): State<AppState>,
    person: ApiPerson,
    JsonBody(body): JsonBody<NewAgentBody>,
) -> Result<(StatusCode, Json<IssuedAgentKey>), ApiError> {
    let admin = person.require(Permission::Administer)?;
    let issued = agents::create(
        &state.db,
        &admin.email,
        agents::NewAgentInput {
            name: &body.name,
            description: &body.description,
            owner_team: &body.owner_team,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

#[utoipa::path(
    get, path = "/admin/agents/{id}", tag = "admin",
    params(("id" = String, Path, description = "The agent's id or name")),
    responses((status = 200, body = AgentDetail), (status = 404, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// An agent with its keys, bindings and recent decisions.
pub async fn show(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AgentDetail>, ApiError> {
    person.require(Permission::Read)?;
    Ok(Json(agents::detail(&state.db, &id).await?))
}

#[utoipa::path(
    post, path = "/admin/agents/{id}/keys", tag = "admin",
    params(("id" = String, Path, description = "The agent's id or name")),
    request_body = RotateKeyBody,
    responses((status = 201, description = "The new key, shown this once.", body = IssuedAgentKey), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Issue a new key; the current keys keep working for the grace period.
pub async fn rotate_key(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<RotateKeyBody>,
) -> Result<(StatusCode, Json<IssuedAgentKey>), ApiError> {
    let admin = person.require(Permission::Administer)?;
    let issued = agents::rotate_key(&state.db, &admin.email, &id, body.grace_seconds).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

#[utoipa::path(
    delete, path = "/admin/agents/{id}/keys", tag = "admin",
    params(("id" = String, Path, description = "The agent's id or name")),
    responses((status = 200, description = "Every key revoked at once.", body = AgentSummary), (status = 404, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Revoke every key of the agent at once.
pub async fn revoke_keys(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AgentSummary>, ApiError> {
    let admin = person.require(Permission::Administer)?;
    Ok(Json(
        agents::revoke_keys(&state.db, &admin.email, &id).await?,
    ))
}

#[utoipa::path(
    get, path = "/admin/agents/{id}/bindings", tag = "admin",
    params(("id" = String, Path, description = "The agent's id or name")),
    responses((status = 200, body = Vec<Binding>), (status = 404, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// The policies bound to the agent.
pub async fn bindings(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<Binding>>, ApiError> {
    person.require(Permission::Read)?;
    Ok(Json(agents::bindings(&state.db, &id).await?))
}

#[utoipa::path(
    post, path = "/admin/agents/{id}/bindings", tag = "admin",
    params(("id" = String, Path, description = "The agent's id or name")),
    request_body = BindingBody,
    responses((status = 201, body = Binding), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Bind a published policy, following its latest version or pinned to one.
pub async fn bind(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<BindingBody>,
) -> Result<(StatusCode, Json<Binding>), ApiError> {
    let admin = person.require(Permission::Administer)?;
    let binding = agents::bind(&state.db, &admin.email, &id, &body.policy_id, body.version).await?;
    Ok((StatusCode::CREATED, Json(binding)))
}

#[utoipa::path(
    delete, path = "/admin/agents/{id}/bindings/{policy_id}", tag = "admin",
    params(("id" = String, Path, description = "The agent's id or name"), ("policy_id" = String, Path)),
    responses((status = 204, description = "Unbound; past decisions keep their snapshot."), (status = 404, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Remove a binding; past decisions keep their snapshot.
pub async fn unbind(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath((id, policy_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let admin = person.require(Permission::Administer)?;
    agents::unbind(&state.db, &admin.email, &id, &policy_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    put, path = "/admin/agents/{id}/freeze", tag = "admin",
    params(("id" = String, Path, description = "The agent's id or name")),
    request_body = FreezeBody,
    responses((status = 200, body = AgentSummary), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Freeze (with a reason) or unfreeze one agent.
pub async fn freeze(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<FreezeBody>,
) -> Result<Json<AgentSummary>, ApiError> {
    let admin = person.require(Permission::Administer)?;
    let reason = freeze_reason(&body);
    Ok(Json(
        agents::set_freeze(&state.db, &admin.email, &id, reason).await?,
    ))
}

#[utoipa::path(
    put, path = "/admin/freeze", tag = "admin",
    request_body = FreezeBody,
    responses((status = 200, body = GlobalFreezeState), (status = 422, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Freeze (with a reason) or unfreeze every agent.
pub async fn freeze_all(
    State(state): State<AppState>,
    person: ApiPerson,
    JsonBody(body): JsonBody<FreezeBody>,
) -> Result<Json<GlobalFreezeState>, ApiError> {
    let admin = person.require(Permission::Administer)?;
    let reason = freeze_reason(&body);
    let frozen = agents::set_global_freeze(&state.db, &admin.email, reason).await?;
    Ok(Json(GlobalFreezeState { frozen }))
}

/// Freezing without a reason passes an empty one, which the service refuses by name.
fn freeze_reason(body: &FreezeBody) -> Option<&str> {
    body.frozen
        .then(|| body.reason.as_deref().unwrap_or_default())
}
