//! `Authorization: Bearer vp_…` on the JSON API acts as the token's owner, with their role.

use crate::{
    error::{AppError, AppResult},
    model::CurrentUser,
    ssr::{db::Db, db_faults, now_millis, store},
};

use super::tokens::{digest, PERSONAL_TOKEN_PREFIX};

/// How stale a token's "last used" may be (shown on the tokens page as a date and time).
const LAST_USED_PRECISION_MILLIS: i64 = 60_000;

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
    // When the token was last used is worth recording to the minute, not on every call: the
    // write took SQLite's lock outside the write turn on each request, and waited out the busy
    // handler's back-off behind the journal (people's calls beside 16 agents: p99 1.2 s).
    // Nor is it worth refusing a read over: on a full disk or a busy database the call goes on
    // (and its own writes are refused 503).
    if token
        .last_used_at
        .is_some_and(|last_used| now - last_used < LAST_USED_PRECISION_MILLIS)
    {
        return Ok(user);
    }
    let touched = {
        let _turn = db.write_turn.take(db.backend).await;
        store::tokens::touch(&db.pool, &token.id, now).await
    };
    if let Err(error) = touched {
        match db_faults::classify(&error) {
            Some(fault) => {
                tracing::warn!(%error, cause = fault.cause(), "could not record a token's use");
            }
            None => return Err(error.into()),
        }
    }
    Ok(user)
}
