//! The Content-Security-Policy of an HTML page: scripts only from this origin or carrying the
//! page's own nonce (Leptos puts it on its inline hydration scripts), WebAssembly for the
//! bundle, styles and connections to this origin only, and never inside another site's frame.

use http::{header::CONTENT_SECURITY_POLICY, HeaderValue};
use leptos::{nonce::use_nonce, prelude::use_context};
use leptos_axum::ResponseOptions;

pub fn policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the policy with this render's nonce on the page's response.
pub fn set_for_this_page() {
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&policy(&nonce)) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}
