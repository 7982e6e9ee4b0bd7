//! `Path<T>` whose refusals (an id that is not valid percent-encoded UTF-8, or that holds a
//! control character) are Verdict's JSON errors, not axum's plain text.

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use app::error::AppError;

use super::ApiError;

pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // No id holds a control character, and PostgreSQL refuses a NUL in text outright.
        if encodes_a_control_character(parts.uri.path()) {
            return Err(ApiError(AppError::BadRequest {
                message: "The path holds a control character; no id does.".to_owned(),
            }));
        }
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError(AppError::BadRequest {
                message: rejection.body_text(),
            })),
        }
    }
}

/// Whether a percent-escape in `path` decodes to a control character.
fn encodes_a_control_character(path: &str) -> bool {
    path.split('%').skip(1).any(|escaped| {
        escaped
            .get(..2)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .is_some_and(|byte| byte < 0x20 || byte == 0x7f)
    })
}
