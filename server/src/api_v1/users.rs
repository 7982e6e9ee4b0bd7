use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;

use app::{
    model::{DisplayName, Email, Password, Permission, UserSummary},
    ssr::{services::users, AppState},
};

use super::{error::ErrorBody, json_body::JsonBody, path::ApiPath, person::ApiPerson, ApiError};

#[utoipa::path(
    get, path = "/admin/users", tag = "people",
    responses((status = 200, body = Vec<UserSummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("personal_token" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    person: ApiPerson,
) -> Result<Json<Vec<UserSummary>>, ApiError> {
    person.require(Permission::Administer)?;
    Ok(Json(users::list(&state.db).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    email: String,
    display_name: String,
    role: String,
    password: String,
}

#[utoipa::path(
    post, path = "/admin/users", tag = "people",
    request_body = NewUserBody,
    responses((status = 201, body = UserSummary), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("personal_token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    person: ApiPerson,
    JsonBody(body): JsonBody<NewUserBody>,
) -> Result<(StatusCode, Json<UserSummary>), ApiError> {
    let admin = person.require(Permission::Administer)?;
    let new_person = users::NewPerson {
        email: Email::parse(&body.email)?,
        display_name: DisplayName::parse(&body.display_name)?,
        role: body.role.parse()?,
        password: Password::parse(&body.password, "password")?,
    };
    let created = users::create(&state.db, &admin.email, new_person).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamBody {
    /// The person's team; `null` or empty for none.
    team: Option<String>,
}

#[utoipa::path(
    put, path = "/admin/users/{id}/team", tag = "people",
    params(("id" = String, Path, description = "The person's id")),
    request_body = TeamBody,
    responses((status = 200, body = UserSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("personal_token" = []))
)]
/// Put a person in a team, for routes that keep an agent's owner team from approving it.
pub async fn set_team(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<TeamBody>,
) -> Result<Json<UserSummary>, ApiError> {
    let admin = person.require(Permission::Administer)?;
    Ok(Json(
        users::set_team(&state.db, &admin.email, &id, body.team.as_deref()).await?,
    ))
}
