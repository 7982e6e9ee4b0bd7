//! The one HTTP router: pages, server functions, the JSON API and operations endpoints.

use axum::{routing::get, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{
    limit::RequestBodyLimitLayer, timeout::RequestBodyTimeoutLayer, trace::TraceLayer,
};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

use app::{
    shell,
    ssr::{session_store::DbSessionStore, AppState},
    App,
};

use crate::{api_v1, health, mcp, middleware};

pub const SESSION_COOKIE: &str = "verdict_session";

/// A request body that takes longer than this to arrive is cut off (408), so slow senders
/// cannot hold connections open.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub fn build(state: AppState, sessions: DbSessionStore) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    // The OpenAPI document, built once, for the API reference page.
    let api_document = app::ssr::api_document::ApiDocument(std::sync::Arc::new(
        api_v1::router_and_document()
            .1
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_owned()),
    ));
    let leptos_options = state.leptos_options.clone();
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(state.settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(12)));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/.well-known/verdict-keys.json", get(api_v1::receipt_keys))
        .nest("/api/v1", api_v1::router())
        .route("/traces.ndjson", get(api_v1::export_traces_for_session))
        .merge(mcp::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_state.clone());
                provide_context(api_document.clone());
            },
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(middleware::server_fn_status))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::refuse_cross_origin,
        ))
        .layer(RequestBodyLimitLayer::new(state.settings.max_body_bytes))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(axum::middleware::from_fn(middleware::add_security_headers))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(middleware::request_span)
                .on_response(middleware::log_response),
        )
        .with_state(state)
}
