//! `Authorization: Bearer vp_…` on the JSON API acts as the token's owner, with their role.

use crate::{
    error::{AppError, AppResult},
    model::CurrentUser,
    ssr::{db::Db, db_faults, now_millis, store},
};

use super::tokens::{digest, PERSONAL_TOKEN_PREFIX};

pub async fn authenticate(db: &Db, presented: &str) -> AppResult<CurrentUser> {
    if !presented.starts_with(PERSONAL_TOKEN_PREFIX) {
        return Err(AppError::Unauthenticated);
    }
    let now = now_millis();
    let token = store::tokens::find_by_digest(&db.pool, &digest(presented))
        .await?
        .filter(|token| token.usable_at(now))
        .ok_or(AppError::Unauthenticated)?;
    let user = store::users::find_by_id(&db.pool, &token.user_id)
        .await?
        .filter(store::users::UserRow::is_active)
        .and_then(|row| row.current_user())
        .ok_or(AppError::Unauthenticated)?;
    // When the token was last used is worth recording, not worth refusing a read over: on a
    // full disk or a busy database the call goes on (and its own writes are refused 503).
    if let Err(error) = store::tokens::touch(&db.pool, &token.id, now).await {
        match db_faults::classify(&error) {
            Some(fault) => {
                tracing::warn!(%error, cause = fault.cause(), "could not record a token's use");
            }
            None => return Err(error.into()),
        }
    }
    Ok(user)
}
