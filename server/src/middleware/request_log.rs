use std::time::Duration;

use axum::http::{Request, Response};
use tracing::Span;

/// One span per request. Only the path is recorded: query strings can carry one-time secrets
/// (the setup link), which must never reach a log.
pub fn request_span<B>(request: &Request<B>) -> Span {
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
}

/// One line per request with its status and latency.
pub fn log_response<B>(response: &Response<B>, latency: Duration, _span: &Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "answered"
    );
}
