//! `Authorization: Bearer vk_…`: the agent behind an API key, within its rate limit.

use axum::{extract::FromRequestParts, http::request::Parts};

use app::{
    error::AppError,
    ssr::{auth::agent_key, AppState},
};

use super::ApiError;

pub struct ApiAgent(pub agent_key::AgentPrincipal);

impl FromRequestParts<AppState> for ApiAgent {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = bearer(parts).ok_or(ApiError(AppError::Unauthenticated))?;
        let agent = agent_key::authenticate(&state.db, key).await?;
        state
            .agent_limiter
            .check(&agent.agent_id)
            .map_err(|retry_after_seconds| {
                ApiError(AppError::RateLimited {
                    retry_after_seconds,
                })
            })?;
        Ok(Self(agent))
    }
}

pub fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
}
