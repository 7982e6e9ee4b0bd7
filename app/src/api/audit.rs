//! The admin audit log for people: every role may read it, nobody may change it.

use leptos::prelude::*;

use crate::{error::AppError, model::AuditPage};

#[cfg(feature = "ssr")]
use crate::{
    model::{AuditQuery, Permission},
    ssr::{
        auth::{require, session::app_state},
        services::audit,
    },
};

/// A page of the audit log; `query` is the page's URL query (`area=…&actor=…&cursor=…`).
#[server(endpoint = "load_audit", output = crate::api::codec::JsonText)]
pub async fn load_audit(query: String) -> Result<AuditPage, AppError> {
    require(Permission::Read).await?;
    let query = AuditQuery::parse(form_urlencoded::parse(query.as_bytes()))?;
    audit::page(&app_state()?.db, &query).await
}
