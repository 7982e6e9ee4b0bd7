use leptos::prelude::*;

use crate::{error::AppError, model::CurrentUser};

#[cfg(feature = "ssr")]
use crate::ssr::auth::session::{app_state, request_session};

#[server(endpoint = "login", output = crate::api::codec::JsonText)]
pub async fn login(email: String, password: String) -> Result<CurrentUser, AppError> {
    let state = app_state()?;
    let session = request_session().await?;
    crate::ssr::services::sign_in::sign_in(&state, &session, &email, &password).await
}

#[server(endpoint = "logout", output = crate::api::codec::JsonText)]
pub async fn logout() -> Result<(), AppError> {
    let session = request_session().await?;
    crate::ssr::auth::session::sign_out(&session).await
}

/// The signed-in person, or `None`; never an error for being signed out.
#[server(endpoint = "who_am_i", output = crate::api::codec::JsonText)]
pub async fn who_am_i() -> Result<Option<CurrentUser>, AppError> {
    let state = app_state()?;
    let session = request_session().await?;
    crate::ssr::auth::session::user_of_session(&state.db, &session).await
}

/// Whether the first-run setup page is open for this token.
#[server(endpoint = "setup_status", output = crate::api::codec::JsonText)]
pub async fn setup_status(token: String) -> Result<bool, AppError> {
    let state = app_state()?;
    Ok(state.setup_token.matches(&token)
        && crate::ssr::store::users::count(&state.db.pool).await? == 0)
}

#[server(endpoint = "setup_first_admin", output = crate::api::codec::JsonText)]
pub async fn setup_first_admin(
    token: String,
    email: String,
    display_name: String,
    password: String,
) -> Result<(), AppError> {
    use crate::model::{DisplayName, Email, Password, Role};
    use crate::ssr::services::users::{create_first_admin, NewPerson};

    let state = app_state()?;
    let person = NewPerson {
        email: Email::parse(&email)?,
        display_name: DisplayName::parse(&display_name)?,
        role: Role::Admin,
        password: Password::parse(&password, "password")?,
    };
    create_first_admin(&state, &token, person).await?;
    let session = request_session().await?;
    crate::ssr::services::sign_in::sign_in(&state, &session, &email, &password).await?;
    Ok(())
}
