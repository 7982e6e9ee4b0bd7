use axum::{extract::State, Json};
use serde::Deserialize;
use serde_json::Value;
use tower_sessions::Session;

use app::{
    error::AppError,
    model::Permission,
    ssr::{auth::session::user_of_session, services::dry_run, AppState},
};
use verdict_policy::DryRunReport;

use super::{json_body::JsonBody, person::ApiPerson, ApiError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DryRunBody {
    source_yaml: String,
    #[serde(default)]
    context: Option<Value>,
}

/// The editor's preview for scripts: admins' and authors' tokens, or any signed-in session.
pub async fn dry_run(
    State(state): State<AppState>,
    person: Result<ApiPerson, ApiError>,
    session: Session,
    JsonBody(body): JsonBody<DryRunBody>,
) -> Result<Json<DryRunReport>, ApiError> {
    match person {
        Ok(person) => {
            person.require(Permission::AuthorPolicies)?;
        }
        Err(_) => {
            user_of_session(&state.db, &session)
                .await?
                .ok_or(ApiError(AppError::Unauthenticated))?;
        }
    }
    let context = body
        .context
        .unwrap_or_else(|| Value::Object(Default::default()));
    Ok(Json(dry_run::run_value(&body.source_yaml, &context)?))
}
