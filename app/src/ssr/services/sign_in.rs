use tower_sessions::Session;

use crate::{
    error::{AppError, AppResult},
    model::{CurrentUser, Email},
    ssr::{auth::password, auth::session, now_millis, store, AppState},
};

/// The one message for a wrong password and an unknown email, so neither reveals which it was.
pub const WRONG_CREDENTIALS: &str = "That email and password do not match an active account.";

/// Signs a person in, refusing further attempts for an email that failed too often recently.
pub async fn sign_in(
    state: &AppState,
    session: &Session,
    email: &str,
    candidate: &str,
) -> AppResult<CurrentUser> {
    let email = Email::parse(email)?;
    let now = now_millis();
    let window_start = now - state.settings.lockout_window_millis;
    let (recent_failures, oldest) =
        store::login_failures::since(&state.db.pool, &email, window_start).await?;
    if recent_failures >= state.settings.max_failed_logins {
        let unlocks_at = oldest.unwrap_or(now) + state.settings.lockout_window_millis;
        let minutes = ((unlocks_at - now) / 60_000).max(1);
        return Err(AppError::TooManyAttempts {
            message: format!(
                "Too many failed sign-ins for this email. Try again in {minutes} min, or ask an \
                 admin to reset your password."
            ),
        });
    }

    let row = store::users::find_by_email(&state.db.pool, &email).await?;
    let stored_hash = row.as_ref().map(|row| row.password_hash.clone());
    let hashing = state.password_hashes.enter().await?;
    let password_matches = password::verify(stored_hash, candidate).await;
    drop(hashing);
    let user = row
        .filter(|row| password_matches && row.is_active())
        .and_then(|row| row.current_user().map(|user| (row, user)));

    match user {
        Some((row, user)) => {
            store::login_failures::clear(&state.db.pool, &email).await?;
            session::sign_in(session, &row).await?;
            tracing::info!(user = %user.id, "signed in");
            Ok(user)
        }
        None => {
            store::login_failures::record(&state.db.pool, &email, now).await?;
            Err(AppError::invalid("password", WRONG_CREDENTIALS))
        }
    }
}

/// Deletes failures older than the lock-out window: they no longer count, and emails tried
/// once (a guessing run through made-up addresses) would otherwise stay forever.
pub async fn prune_failures(state: &AppState) -> AppResult<u64> {
    let before = now_millis() - state.settings.lockout_window_millis;
    Ok(store::login_failures::delete_before(&state.db.pool, before).await?)
}
