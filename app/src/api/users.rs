use leptos::prelude::*;

use crate::{error::AppError, model::UserSummary};

#[cfg(feature = "ssr")]
use crate::{
    model::{Permission, UserId},
    ssr::{auth::require, auth::session::app_state, services::users},
};

#[server(endpoint = "list_users", output = crate::api::codec::JsonText)]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    require(Permission::Administer).await?;
    users::list(&app_state()?.db).await
}

#[server(endpoint = "create_user", output = crate::api::codec::JsonText)]
pub async fn create_user(
    email: String,
    display_name: String,
    role: String,
    password: String,
) -> Result<UserSummary, AppError> {
    use crate::model::{DisplayName, Email, Password};

    let admin = require(Permission::Administer).await?;
    let person = users::NewPerson {
        email: Email::parse(&email)?,
        display_name: DisplayName::parse(&display_name)?,
        role: role.parse()?,
        password: Password::parse(&password, "password")?,
    };
    users::create(&app_state()?.db, &admin.email, person).await
}

#[server(endpoint = "change_role", output = crate::api::codec::JsonText)]
pub async fn change_role(user_id: String, role: String) -> Result<UserSummary, AppError> {
    let admin = require(Permission::Administer).await?;
    let role = role.parse()?;
    users::change_role(&app_state()?.db, &admin.email, &user_id, role).await
}

#[server(endpoint = "reset_password", output = crate::api::codec::JsonText)]
pub async fn reset_password(user_id: String, password: String) -> Result<(), AppError> {
    let admin = require(Permission::Administer).await?;
    let password = crate::model::Password::parse(&password, "password")?;
    users::reset_password(&app_state()?.db, &admin.email, &user_id, &password).await
}

#[server(endpoint = "set_user_active", output = crate::api::codec::JsonText)]
pub async fn set_user_active(user_id: String, active: bool) -> Result<UserSummary, AppError> {
    let admin = require(Permission::Administer).await?;
    if admin.id == UserId(user_id.clone()) && !active {
        return Err(AppError::conflict("You cannot deactivate yourself."));
    }
    let db = app_state()?.db;
    if active {
        users::reactivate(&db, &admin.email, &user_id).await
    } else {
        users::deactivate(&db, &admin.email, &user_id).await
    }
}
