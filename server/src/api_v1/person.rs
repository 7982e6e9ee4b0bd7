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
        let token = super::agent::bearer(parts).ok_or(ApiError(AppError::Unauthenticated))?;
        Ok(Self(personal_token::authenticate(&state.db, token).await?))
    }
}
