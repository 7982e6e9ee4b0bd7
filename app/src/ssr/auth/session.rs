//! Cookie sessions for people in the browser.

use leptos::prelude::use_context;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::{
    error::{AppError, AppResult},
    model::{CurrentUser, Permission, UserId},
    ssr::{db::Db, store::users, AppState},
};

const SESSION_KEY: &str = "verdict.auth";

/// What the session remembers: who, and the epoch of their account when they signed in. A later
/// deactivation or password reset bumps the epoch, which ends this session on its next request.
#[derive(Debug, Serialize, Deserialize)]
struct SessionAuth {
    user_id: String,
    epoch: i64,
}

impl users::UserRow {
    pub fn current_user(&self) -> Option<CurrentUser> {
        Some(CurrentUser {
            id: UserId(self.id.clone()),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role()?,
            team: self.team.clone(),
        })
    }
}

/// Starts a signed-in session under a fresh id, so an id planted before sign-in is worthless.
pub async fn sign_in(session: &Session, user: &users::UserRow) -> AppResult<()> {
    session.cycle_id().await?;
    session
        .insert(
            SESSION_KEY,
            SessionAuth {
                user_id: user.id.clone(),
                epoch: user.session_epoch,
            },
        )
        .await?;
    Ok(())
}

/// Deletes the session from the store, so the cookie is worthless on every server.
pub async fn sign_out(session: &Session) -> AppResult<()> {
    session.flush().await?;
    Ok(())
}

pub async fn user_of_session(db: &Db, session: &Session) -> AppResult<Option<CurrentUser>> {
    let Some(auth) = session.get::<SessionAuth>(SESSION_KEY).await? else {
        return Ok(None);
    };
    let row = users::find_by_id(&db.pool, &auth.user_id).await?;
    match row {
        Some(row) if row.is_active() && row.session_epoch == auth.epoch => Ok(row.current_user()),
        _ => {
            session.flush().await?;
            Ok(None)
        }
    }
}

pub fn app_state() -> AppResult<AppState> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the request context");
        AppError::Internal
    })
}

pub async fn request_session() -> AppResult<Session> {
    leptos_axum::extract::<Session>().await.map_err(|error| {
        tracing::error!(%error, "session layer missing");
        AppError::Internal
    })
}

/// The signed-in person, or `Unauthenticated`.
pub async fn require_signed_in() -> AppResult<CurrentUser> {
    let state = app_state()?;
    let session = request_session().await?;
    user_of_session(&state.db, &session)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// The signed-in person if their role grants `permission`; every server function starts here.
pub async fn require(permission: Permission) -> AppResult<CurrentUser> {
    let user = require_signed_in().await?;
    if user.role.allows(permission) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}
