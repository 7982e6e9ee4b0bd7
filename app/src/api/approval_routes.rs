//! Approval routes for people: everyone signed in reads them; admins define new versions.

// A form's server function takes one argument per field; the route form has nine.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{ApprovalRoute, DefinedRoute},
};

#[cfg(feature = "ssr")]
use crate::{
    model::Permission,
    ssr::{
        auth::{require, session::app_state},
        services::approval_routes::{self, RouteDefinition},
    },
};

/// The routes page: every route's latest version, and whether this person may define routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutesOverview {
    pub routes: Vec<ApprovalRoute>,
    pub can_administer: bool,
}

#[server(endpoint = "load_approval_routes", output = crate::api::codec::JsonText)]
pub async fn load_approval_routes() -> Result<RoutesOverview, AppError> {
    let me = require(Permission::Read).await?;
    Ok(RoutesOverview {
        routes: approval_routes::list(&app_state()?.db).await?,
        can_administer: me.role.allows(Permission::Administer),
    })
}

/// The form's fields as typed: numbers may be empty (the defaults), checkboxes send "on".
#[server(endpoint = "define_approval_route", output = crate::api::codec::JsonText)]
pub async fn define_approval_route(
    name: String,
    integration: String,
    destination: String,
    approver_emails: String,
    required_approvals: String,
    default_expiry_seconds: String,
    #[server(default)] require_rationale: Option<String>,
    #[server(default)] owner_team_may_approve: Option<String>,
    #[server(default)] rotate_secret: Option<String>,
) -> Result<DefinedRoute, AppError> {
    let admin = require(Permission::Administer).await?;
    let number = |field: &str, text: &str| -> Result<Option<i64>, AppError> {
        match text.trim() {
            "" => Ok(None),
            digits => digits
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid(field, format!("{field} is a whole number."))),
        }
    };
    let definition = RouteDefinition {
        required_approvals: number("required_approvals", &required_approvals)?,
        default_expiry_seconds: number("default_expiry_seconds", &default_expiry_seconds)?,
        name,
        integration,
        destination: Some(destination),
        approver_emails: approver_emails
            .split([',', '\n'])
            .map(str::trim)
            .filter(|email| !email.is_empty())
            .map(str::to_owned)
            .collect(),
        require_rationale: Some(require_rationale.is_some()),
        owner_team_may_approve: Some(owner_team_may_approve.is_some()),
        rotate_secret: rotate_secret.is_some(),
    };
    let state = app_state()?;
    approval_routes::define(&state.db, &state.outbound, &admin.email, definition).await
}
