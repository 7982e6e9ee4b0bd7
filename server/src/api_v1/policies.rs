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

use super::{error::ErrorBody, json_body::JsonBody, person::ApiPerson, ApiError};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DryRunBody {
    /// The policy document to evaluate; nothing is saved.
    source_yaml: String,
    /// The inputs to evaluate it against.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    context: Option<Value>,
}

#[utoipa::path(
    post, path = "/policies/dry-run", tag = "policies",
    request_body = DryRunBody,
    responses(
        (status = 200, description = "Diagnostics, the evaluation with its per-rule explanation, and the policy's own tests: what the editor's preview shows.", body = Object),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, description = "Over the person's rate of dry runs; `Retry-After` says when to try again.", body = ErrorBody),
        (status = 503, description = "Every policy evaluation slot is busy; `Retry-After` says when to try again.", body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// The editor's preview for scripts: admins and authors, by token or session. Each person has a
/// rate of dry runs, and they run on the evaluation pool, off the request workers.
pub async fn dry_run(
    State(state): State<AppState>,
    person: Result<ApiPerson, ApiError>,
    session: Session,
    JsonBody(body): JsonBody<DryRunBody>,
) -> Result<Json<DryRunReport>, ApiError> {
    let person = match person {
        Ok(person) => person.require(Permission::AuthorPolicies)?,
        Err(_) => {
            let user = user_of_session(&state.db, &session)
                .await?
                .ok_or(ApiError(AppError::Unauthenticated))?;
            ApiPerson(user).require(Permission::AuthorPolicies)?
        }
    };
    dry_run::admit(&state, &person)?;
    let context = body
        .context
        .unwrap_or_else(|| Value::Object(Default::default()));
    Ok(Json(
        dry_run::run_value(&state, body.source_yaml, context).await?,
    ))
}
