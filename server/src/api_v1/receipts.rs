//! Receipts: a closed decision's signed receipt for its agent and for people, and what anyone
//! can check them with: the public keys and a verification endpoint, neither of which takes a
//! credential.

use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use tower_sessions::Session;
use utoipa::ToSchema;
use verdict_receipt::SignedReceipt;

use app::{
    error::AppError,
    model::Permission,
    ssr::{
        auth::session::user_of_session,
        services::receipts::{self, ReceiptCheck},
        AppState,
    },
};

use super::{agent::ApiAgent, error::ErrorBody, path::ApiPath, person::ApiPerson, ApiError};

/// How long caches may keep the key set: a rotated key signs at once, but receipts it signed
/// verify with a cached set only once the cache is refreshed, so keep this short.
const KEYS_MAX_AGE_SECONDS: u32 = 300;

/// `GET /.well-known/verdict-keys.json`: every public key that signed or signs receipts, as a
/// JWKS (`kty` OKP, `crv` Ed25519). Public, cacheable, no credential.
pub async fn jwks(State(state): State<AppState>) -> Response {
    let body = state.receipt_keys.current().jwks().to_json();
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/jwk-set+json"),
        )],
        body,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={KEYS_MAX_AGE_SECONDS}")) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// A signed receipt document, as `GET …/receipt` and the close answer hand it out. The
/// signature covers the RFC 8785 canonical JSON of `receipt` (so re-indenting or reordering
/// members in transit does not break it).
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)] // Documentation: handlers read and answer `verdict_receipt::SignedReceipt`.
pub struct SignedReceiptDocument {
    /// The receipt: `receipt_version`, `decision_id`, `agent`, `intent`, `automation_mode`,
    /// `status`, `actions`, `evaluations`, `approvals`, `chain_head`, `event_count`,
    /// `issued_at`, `issuer`, `key_id`.
    #[schema(value_type = Object)]
    receipt: serde_json::Value,
    signature: ReceiptSignatureDocument,
}

#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ReceiptSignatureDocument {
    /// Always `EdDSA` (Ed25519).
    alg: String,
    /// The signing key's id in `/.well-known/verdict-keys.json`.
    kid: String,
    /// Unpadded base64url of the Ed25519 signature over the RFC 8785 canonical JSON of `receipt`.
    value: String,
    /// `sha256:` + hex SHA-256 of those canonical bytes (not signed; tells an altered receipt
    /// from an altered signature).
    receipt_digest: Option<String>,
}

#[utoipa::path(
    post, path = "/receipts/verify", tag = "receipts",
    request_body(content = SignedReceiptDocument, content_type = "application/json",
        description = "A signed receipt document, at most 1 MiB and 32 levels deep."),
    responses(
        (status = 200, description = "The receipt was read: whether it verifies, and what does not hold. `verified` needs a valid signature by a key of this server, the decision stored here, and its chain intact up to the receipt's `chain_head`.", body = ReceiptCheck),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB.", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`.", body = ErrorBody),
        (status = 422, description = "The body is not a signed receipt: `field` names the member at fault (a missing or mistyped member, bad base64, a signature that is not 64 bytes, another algorithm, nesting deeper than 32 levels).", body = ErrorBody),
    ),
    security(())
)]
/// Verify a signed receipt: its Ed25519 signature against this server's keys, then its decision
/// against the stored hash chain, recomputed. No credential needed.
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ReceiptCheck>, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            let media = media.trim().to_ascii_lowercase();
            media == "application/json" || media.ends_with("+json")
        });
    if !is_json {
        return Err(ApiError(AppError::UnsupportedMediaType {
            message: "Send the receipt as JSON with Content-Type: application/json.".to_owned(),
        }));
    }
    let limit = verdict_receipt::limits::MAX_DOCUMENT_BYTES.min(state.settings.max_body_bytes);
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError(AppError::TooLarge))?;
    Ok(Json(receipts::check(&state, &bytes).await?))
}

#[utoipa::path(
    get, path = "/decisions/{id}/receipt", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    responses(
        (status = 200, description = "The decision's signed receipt, issued now from its stored chain (so `issued_at` is the time of this call; everything else is the same on every call).", body = SignedReceiptDocument),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No such decision, or another agent's.", body = ErrorBody),
        (status = 409, description = "The decision is not closed yet: receipts are issued once it commits or aborts.", body = ErrorBody),
    ),
    security(("agent_key" = []))
)]
/// The signed receipt of one of the agent's closed decisions (the close answer carries it too).
pub async fn for_agent(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SignedReceipt>, ApiError> {
    Ok(Json(
        receipts::of_closed_decision(&state, &id, Some(&agent.agent_id)).await?,
    ))
}

#[utoipa::path(
    get, path = "/admin/decisions/{id}/receipt", tag = "traces",
    params(("id" = String, Path, description = "The decision's id")),
    responses(
        (status = 200, description = "The decision's signed receipt, issued now from its stored chain.", body = SignedReceiptDocument),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The decision is not closed yet.", body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// The signed receipt of any closed decision, for everyone who may read decisions. Without a
/// token, the browser's signed-in session is read instead (the decision page's download link).
pub async fn for_person(
    State(state): State<AppState>,
    headers: HeaderMap,
    person: Result<ApiPerson, ApiError>,
    session: Session,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SignedReceipt>, ApiError> {
    // A token that is given must hold; only a request without one reads the session.
    let person = if headers.contains_key(header::AUTHORIZATION) {
        person?
    } else {
        user_of_session(&state.db, &session)
            .await?
            .map(ApiPerson)
            .ok_or(ApiError(AppError::Unauthenticated))?
    };
    person.require(Permission::Read)?;
    Ok(Json(receipts::of_closed_decision(&state, &id, None).await?))
}
