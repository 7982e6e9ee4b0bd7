use axum::Json;

use app::model::CurrentUser;

use super::{error::ErrorBody, person::ApiPerson};

#[utoipa::path(
    get, path = "/me", tag = "people",
    responses((status = 200, description = "The token's owner.", body = CurrentUser), (status = 401, body = ErrorBody)),
    security(("personal_token" = []))
)]
pub async fn show(ApiPerson(person): ApiPerson) -> Json<CurrentUser> {
    Json(person)
}
