//! `Authorization: Bearer vp_…` on the JSON API acts as the token's owner, with their role.

use crate::{
    error::{AppError, AppResult},
    model::CurrentUser,
    ssr::{db::Db, now_millis, store},
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
    store::tokens::touch(&db.pool, &token.id, now).await?;
    Ok(user)
}
