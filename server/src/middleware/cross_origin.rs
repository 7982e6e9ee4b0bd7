//! CSRF defence: a state-changing request that a browser says came from another site is refused.
//! SameSite=Strict cookies already keep the session off such requests; this is the second lock.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use app::ssr::AppState;

pub async fn refuse_cross_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || same_origin(request.headers(), state.settings.public_origin.as_deref()) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "refused a cross-origin state-changing request");
    (
        StatusCode::FORBIDDEN,
        Json(json!({"error": {
            "code": "cross_origin",
            "message": "This request came from another site and was refused.",
        }})),
    )
        .into_response()
}

/// The browser's word on where the request came from (`Origin`, else `Referer`) must be this
/// site. Requests with neither come from scripts, not browsers: they carry no ambient cookie
/// authority worth stealing, so they pass.
fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|value| value.to_str().ok());
    let Some(claimed) = claimed else {
        return true;
    };
    let origin_of_claim = origin_of(claimed);
    match public_origin {
        Some(expected) => origin_of_claim == Some(expected),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|value| value.to_str().ok());
            host.is_some_and(|host| {
                origin_of_claim.is_some_and(|origin| {
                    origin == format!("http://{host}") || origin == format!("https://{host}")
                })
            })
        }
    }
}

/// `scheme://host[:port]` of a URL, without path or query.
fn origin_of(url: &str) -> Option<&str> {
    let after_scheme = url.find("://")? + 3;
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |offset| after_scheme + offset);
    Some(&url[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.clone(), HeaderValue::from_str(value).unwrap()))
            .collect()
    }

    #[test]
    fn same_host_origin_passes_and_another_site_does_not() {
        let ours = headers(&[
            (header::HOST, "verdict.test"),
            (header::ORIGIN, "http://verdict.test"),
        ]);
        assert!(same_origin(&ours, None));
        let theirs = headers(&[
            (header::HOST, "verdict.test"),
            (header::ORIGIN, "http://evil.test"),
        ]);
        assert!(!same_origin(&theirs, None));
    }

    #[test]
    fn configured_public_origin_wins_over_host() {
        let referer = headers(&[(header::REFERER, "https://verdict.example.com/users?x=1")]);
        assert!(same_origin(&referer, Some("https://verdict.example.com")));
        assert!(!same_origin(&referer, Some("https://other.example.com")));
    }

    #[test]
    fn requests_without_browser_provenance_pass() {
        assert!(same_origin(&HeaderMap::new(), None));
    }
}
