//! The JSON API under `/api/v1`. People reach it with personal access tokens; agents with API
//! keys. Errors are always `{"error": {"code", "message", "field"}}`.

mod admin_agents;
mod admin_policies;
mod admin_products;
mod agent;
mod approval_routes;
mod approvals;
mod decisions;
pub(crate) mod error;
mod json_body;
mod layer_responses;
mod me;
pub mod openapi;
mod path;
mod person;
mod policies;
mod receipts;
mod traces;
mod users;

use std::sync::Arc;

use axum::{routing::get, Router};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use app::ssr::AppState;

pub use agent::ApiAgent;
pub(crate) use decisions::close_with_receipt;
pub use error::{ApiError, ErrorBody};
pub(crate) use json_body::rejection_error;
pub use receipts::jwks as receipt_keys;
pub use traces::export_for_session as export_traces_for_session;

/// The API's router and its OpenAPI document, built from the same route annotations.
pub fn router_and_document() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut document) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(me::show))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::set_team))
        .routes(routes!(approval_routes::list, approval_routes::define))
        .routes(routes!(policies::dry_run))
        .routes(routes!(admin_policies::list, admin_policies::publish))
        .routes(routes!(admin_agents::list, admin_agents::create))
        .routes(routes!(admin_agents::show))
        .routes(routes!(admin_agents::rotate_key, admin_agents::revoke_keys))
        .routes(routes!(admin_agents::bindings, admin_agents::bind))
        .routes(routes!(admin_agents::unbind))
        .routes(routes!(admin_agents::freeze))
        .routes(routes!(admin_agents::freeze_all))
        .routes(routes!(admin_products::list, admin_products::apply))
        .routes(routes!(admin_products::show))
        .routes(routes!(admin_products::versions))
        .routes(routes!(admin_products::archive))
        .routes(routes!(admin_products::grants, admin_products::grant))
        .routes(routes!(admin_products::revoke))
        .routes(routes!(approvals::list))
        .routes(routes!(approvals::show))
        .routes(routes!(approvals::resolve))
        .routes(routes!(traces::list))
        .routes(routes!(traces::export))
        .routes(routes!(traces::show))
        .routes(routes!(traces::verify))
        .routes(routes!(traces::replay))
        .routes(routes!(decisions::open))
        .routes(routes!(decisions::show))
        .routes(routes!(decisions::add_context))
        .routes(routes!(decisions::record_read))
        .routes(routes!(decisions::evaluate))
        .routes(routes!(decisions::request_approval))
        .routes(routes!(decisions::record_write))
        .routes(routes!(decisions::close))
        .routes(routes!(decisions::trace))
        .routes(routes!(decisions::wait))
        .routes(routes!(decisions::verify))
        .routes(routes!(receipts::verify))
        .routes(routes!(receipts::for_agent))
        .routes(routes!(receipts::for_person))
        .split_for_parts();
    layer_responses::add_to(&mut document);
    (router, document)
}

pub fn router() -> Router<AppState> {
    let (api, document) = router_and_document();
    let document_json = openapi::OpenApiJson(Arc::new(
        document
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_owned()),
    ));
    api.route(
        "/openapi.json",
        get(openapi::serve).with_state(document_json),
    )
    .fallback(error::no_such_endpoint)
    .method_not_allowed_fallback(error::method_not_allowed)
}
