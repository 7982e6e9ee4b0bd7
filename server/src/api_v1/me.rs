use axum::Json;

use app::model::CurrentUser;

use super::person::ApiPerson;

pub async fn show(ApiPerson(person): ApiPerson) -> Json<CurrentUser> {
    Json(person)
}
