use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;

use app::error::AppError;

/// The JSON API's error: the application's error, answered as JSON with its status.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = Json(ErrorBody::of(&self.0));
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        match &self.0 {
            AppError::Unauthenticated => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            error => {
                if let Some(seconds) = error.retry_after_seconds() {
                    headers.insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
                }
            }
        }
        response
    }
}

pub async fn no_such_endpoint() -> ApiError {
    ApiError(AppError::not_found(
        "No such API endpoint; see /api/v1/openapi.json.",
    ))
}

pub async fn method_not_allowed() -> ApiError {
    ApiError(AppError::MethodNotAllowed {
        message: "This endpoint does not take that method; see /api/v1/openapi.json.".to_owned(),
    })
}

/// Every refusal's body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

impl ErrorBody {
    /// The body REST answers `error` with; MCP tools answer the same.
    pub fn of(error: &AppError) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: error.code().to_owned(),
                message: error.to_string(),
                field: error.field().map(str::to_owned),
                differing: error.differing_fields().map(<[String]>::to_vec),
                risk_tier: error.risk_tier().map(str::to_owned),
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable: invalid, unauthenticated, forbidden, not_found, conflict,
    /// action_mismatch, frozen; refused reads and writes (recorded on the decision):
    /// unknown_product, unknown_operation, product_archived (422), not_granted,
    /// purpose_not_allowed, tier_forbids_mode, approval_required (403), purpose_changed (409);
    /// rate_limited, unavailable, too_large, unsupported_media_type, bad_request, bad_signature,
    /// method_not_allowed, internal.
    code: String,
    /// For people: what went wrong and what to do.
    message: String,
    /// The request field at fault, when there is one.
    field: Option<String>,
    /// `action_mismatch` only: the fields of the attempted action that differ from the closest
    /// action the decision evaluated (`product`, `operation`, `arguments.NAME`).
    #[serde(skip_serializing_if = "Option::is_none")]
    differing: Option<Vec<String>>,
    /// `tier_forbids_mode` and `approval_required`: the risk tier of the operation refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    risk_tier: Option<String>,
}
