use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;

use app::{
    model::{DisplayName, Email, Password, Permission, UserSummary},
    ssr::{services::users, AppState},
};

use super::{error::ErrorBody, json_body::JsonBody, person::ApiPerson, ApiError};

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
