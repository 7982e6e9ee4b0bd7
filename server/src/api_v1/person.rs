use axum::{extract::FromRequestParts, http::request::Parts};

use app::{
    error::AppError,
    model::{CurrentUser, Permission},
    ssr::{auth::personal_token, AppState},
};

use super::ApiError;

/// The person behind `Authorization: Bearer vp_…`, with their current role.
pub struct ApiPerson(pub CurrentUser);

impl ApiPerson {
    pub fn require(self, permission: Permission) -> Result<CurrentUser, ApiError> {
        if self.0.role.allows(permission) {
            Ok(self.0)
        } else {
            Err(ApiError(AppError::Forbidden))
        }
    }
}

impl FromRequestParts<AppState> for ApiPerson {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or(ApiError(AppError::Unauthenticated))?;
        Ok(Self(
            personal_token::authenticate(&state.db, token.trim()).await?,
        ))
    }
}
