use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, model::TokenSummary};

#[cfg(feature = "ssr")]
use crate::ssr::{auth::require_signed_in, auth::session::app_state, services::tokens};

/// A freshly created token: `token` is shown once and cannot be retrieved again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTokenView {
    pub token: String,
    pub summary: TokenSummary,
}

#[server(endpoint = "list_tokens", output = crate::api::codec::JsonText)]
pub async fn list_tokens() -> Result<Vec<TokenSummary>, AppError> {
    let me = require_signed_in().await?;
    tokens::list(&app_state()?.db, &me).await
}

#[server(endpoint = "create_token", output = crate::api::codec::JsonText)]
pub async fn create_token(name: String, expires_in_days: String) -> Result<NewTokenView, AppError> {
    let me = require_signed_in().await?;
    let name = tokens::parse_name(&name)?;
    let expiry = tokens::parse_expiry_days(&expires_in_days)?;
    let created = tokens::create(&app_state()?.db, &me, &name, expiry).await?;
    Ok(NewTokenView {
        token: created.plaintext,
        summary: created.summary,
    })
}

#[server(endpoint = "revoke_token", output = crate::api::codec::JsonText)]
pub async fn revoke_token(token_id: String) -> Result<(), AppError> {
    let me = require_signed_in().await?;
    tokens::revoke(&app_state()?.db, &me, &token_id).await
}
