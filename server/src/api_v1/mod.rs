//! The JSON API under `/api/v1`. People reach it with personal access tokens; agents (later)
//! with API keys. Errors are always `{"error": {"code", "message", "field"}}`.

mod error;
mod json_body;
mod me;
mod person;
mod policies;
mod users;

use axum::{
    routing::{get, post},
    Router,
};

use app::ssr::AppState;

pub use error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me::show))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/policies/dry-run", post(policies::dry_run))
        .fallback(error::no_such_endpoint)
}
