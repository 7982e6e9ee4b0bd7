use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use app::ssr::{db_faults, AppState};

/// While the database does not answer, a balancer or probe may ask again after this long.
const RETRY_AFTER_SECONDS: &str = "5";

/// Alive and able to reach the database.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ok"}))).into_response(),
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            database_unreachable(db_faults::classify(&error))
        }
    }
}

/// Ready for traffic: the router only exists once migrations have run, and the database must
/// answer, so a balancer stops sending requests while it is gone and resumes when it is back
/// (no restart: the pools reconnect by themselves).
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))).into_response(),
        Err(error) => database_unreachable(db_faults::classify(&error)),
    }
}

/// 503 with `Retry-After`, naming the fault (`unreachable`, `busy`, `no_space`) when it is one.
fn database_unreachable(fault: Option<db_faults::DbFault>) -> Response {
    let cause = fault.map_or("error", db_faults::DbFault::cause);
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, RETRY_AFTER_SECONDS)],
        Json(json!({"status": "database unreachable", "cause": cause})),
    )
        .into_response()
}
