//! `Json<T>` whose refusals are Verdict's JSON errors with a plain message, not axum's text.

use axum::{
    extract::{rejection::JsonRejection, FromRequest, Request},
    http::StatusCode,
};
use serde::de::DeserializeOwned;

use app::error::AppError;

use super::ApiError;

pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError(rejection_error(&rejection))),
        }
    }
}

/// Verdict's error for a JSON body axum could not read; the MCP tools read arguments the same way.
pub(crate) fn rejection_error(rejection: &JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            let text = error.body_text();
            let detail = text
                .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                .unwrap_or(&text);
            AppError::invalid(field_of(detail).unwrap_or_default(), detail)
        }
        JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType {
            message: "Send the body as JSON with Content-Type: application/json.".to_owned(),
        },
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        other => AppError::BadRequest {
            message: other.body_text(),
        },
    }
}

/// The offending field: the path serde_path_to_error puts before an error inside a field
/// ("automation_mode: unknown variant …"), or the name serde quotes for a missing or unknown one.
fn field_of(detail: &str) -> Option<String> {
    match detail.split_once(": ") {
        Some((path, _)) if !path.is_empty() && !path.contains(' ') => Some(path.to_owned()),
        _ => field_named_in(detail),
    }
}

/// serde names the offending field as "missing field `x`" or "unknown field `x`".
fn field_named_in(detail: &str) -> Option<String> {
    let start = detail.find('`')? + 1;
    let end = start + detail[start..].find('`')?;
    Some(detail[start..end].to_owned())
}
