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

fn rejection_error(rejection: &JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            let detail = error.body_text();
            AppError::invalid(field_named_in(&detail).unwrap_or_default(), detail)
        }
        JsonRejection::MissingJsonContentType(_) => AppError::BadRequest {
            message: "send the body as JSON with Content-Type: application/json".to_owned(),
        },
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::BadRequest {
            message: "the body is too large".to_owned(),
        },
        other => AppError::BadRequest {
            message: other.body_text(),
        },
    }
}

/// serde names the offending field as "missing field `x`" or "unknown field `x`".
fn field_named_in(detail: &str) -> Option<String> {
    let start = detail.find('`')? + 1;
    let end = start + detail[start..].find('`')?;
    Some(detail[start..end].to_owned())
}
