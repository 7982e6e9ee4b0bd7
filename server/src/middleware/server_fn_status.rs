//! Server functions answer every error with 500; this maps Verdict's own error to its real status
//! (403, 422, …) in one place, so scripts and tests see what happened.

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};

use app::error::AppError;

const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Error bodies are a small JSON object; anything bigger is not ours and is passed on untouched.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// What a page that could not reach the database asks the browser to wait.
const PAGE_RETRY_AFTER_SECONDS: u64 = 5;

pub async fn server_fn_status(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    // A page rendered while the database is away answers 503 with its message in HTML; say
    // when to come back there too, as the JSON surfaces do.
    if response.status() == StatusCode::SERVICE_UNAVAILABLE
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(PAGE_RETRY_AFTER_SECONDS),
        );
    }
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "could not read a server function's error body");
            return Response::from_parts(parts, Body::empty());
        }
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status_code()) {
            parts.status = status;
        }
        if let Some(seconds) = error.retry_after_seconds() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
