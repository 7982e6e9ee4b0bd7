use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use verdict_policy::{CheckReport, DryRunReport};

use crate::{
    error::AppError,
    model::{
        DiffLine, PolicyDraft, PolicySummary, PolicyVersion, PolicyVersionSummary, RecentEvaluation,
    },
};

#[cfg(feature = "ssr")]
use crate::{
    model::Permission,
    ssr::{
        auth::{require, session::app_state},
        services::{approval_routes, policies, policy_diff::diff_lines},
    },
};

/// What the publish dialog shows before the author confirms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishPreview {
    pub against_version: Option<i64>,
    pub diff: Vec<DiffLine>,
    pub check: CheckReport,
    /// E.g. that an approval route the draft names is not defined.
    pub warnings: Vec<String>,
}

#[server(endpoint = "list_policies", output = crate::api::codec::JsonText)]
pub async fn list_policies() -> Result<Vec<PolicySummary>, AppError> {
    require(Permission::Read).await?;
    policies::list(&app_state()?.db).await
}

#[server(endpoint = "recent_evaluations", output = crate::api::codec::JsonText)]
pub async fn recent_evaluations(id: String) -> Result<Vec<RecentEvaluation>, AppError> {
    require(Permission::Read).await?;
    policies::recent_evaluations(&app_state()?.db, &id, 20).await
}

#[server(endpoint = "create_policy", output = crate::api::codec::JsonText)]
pub async fn create_policy(id: String, template: String) -> Result<PolicyDraft, AppError> {
    let author = require(Permission::AuthorPolicies).await?;
    let id = policies::parse_id(&id)?;
    policies::create(&app_state()?.db, &author.email, &id, &template).await
}

#[server(endpoint = "load_policy_draft", output = crate::api::codec::JsonText)]
pub async fn load_policy_draft(id: String) -> Result<PolicyDraft, AppError> {
    require(Permission::Read).await?;
    policies::draft(&app_state()?.db, &id).await
}

#[server(endpoint = "save_draft", output = crate::api::codec::JsonText)]
pub async fn save_draft(
    id: String,
    source: String,
    base_revision: i64,
) -> Result<PolicyDraft, AppError> {
    let author = require(Permission::AuthorPolicies).await?;
    policies::save_draft(&app_state()?.db, &author.email, &id, &source, base_revision).await
}

#[server(endpoint = "prepare_publish", output = crate::api::codec::JsonText)]
pub async fn prepare_publish(id: String) -> Result<PublishPreview, AppError> {
    require(Permission::Read).await?;
    let state = app_state()?;
    let db = state.db.clone();
    let draft = policies::draft(&db, &id).await?;
    let latest = match draft.latest_version {
        Some(version) => Some(policies::version(&db, &id, version).await?),
        None => None,
    };
    let previous = latest
        .as_ref()
        .map_or("", |version| version.source.as_str());
    let warnings = match verdict_policy::Policy::parse(&draft.source) {
        Ok(policy) => {
            approval_routes::undefined_warning(&approval_routes::undefined_in(&db, &policy).await?)
                .into_iter()
                .collect()
        }
        // An invalid draft's errors are shown by the check already.
        Err(_) => Vec::new(),
    };
    // The check runs the draft's tests: policy work, on the evaluation pool.
    let source = draft.source.clone();
    let check = state
        .evaluation_pool
        .run(move || verdict_policy::check(&source))
        .await?;
    Ok(PublishPreview {
        against_version: draft.latest_version,
        diff: diff_lines(previous, &draft.source),
        check,
        warnings,
    })
}

#[server(endpoint = "publish_policy", output = crate::api::codec::JsonText)]
pub async fn publish_policy(
    id: String,
    base_revision: i64,
    change_note: String,
) -> Result<PolicyVersionSummary, AppError> {
    let author = require(Permission::AuthorPolicies).await?;
    let state = app_state()?;
    policies::publish(
        &state.db,
        &state.evaluation_pool,
        &author.email,
        &id,
        base_revision,
        &change_note,
    )
    .await
}

#[server(endpoint = "archive_policy", output = crate::api::codec::JsonText)]
pub async fn archive_policy(id: String) -> Result<(), AppError> {
    let author = require(Permission::AuthorPolicies).await?;
    policies::archive(&app_state()?.db, &author.email, &id).await
}

/// The editor's live preview: validates, lints, tests and evaluates a draft against a context,
/// persisting nothing. Authors and admins only, like `POST /api/v1/policies/dry-run`.
#[server(endpoint = "dry_run", input = server_fn::codec::Json, output = crate::api::codec::JsonText)]
pub async fn dry_run(source: String, context: String) -> Result<DryRunReport, AppError> {
    let person = require(Permission::AuthorPolicies).await?;
    let state = app_state()?;
    crate::ssr::services::dry_run::admit(&state, &person)?;
    crate::ssr::services::dry_run::run(&state, source, &context).await
}

/// The defined approval routes' names, which the editor offers after `approval_route:`.
#[server(endpoint = "approval_route_names", output = crate::api::codec::JsonText)]
pub async fn approval_route_names() -> Result<Vec<String>, AppError> {
    require(Permission::Read).await?;
    let routes = approval_routes::list(&app_state()?.db).await?;
    Ok(routes.into_iter().map(|route| route.name).collect())
}

#[server(endpoint = "policy_versions", output = crate::api::codec::JsonText)]
pub async fn policy_versions(id: String) -> Result<Vec<PolicyVersionSummary>, AppError> {
    require(Permission::Read).await?;
    policies::versions(&app_state()?.db, &id).await
}

#[server(endpoint = "load_policy_version", output = crate::api::codec::JsonText)]
pub async fn load_policy_version(id: String, version: i64) -> Result<PolicyVersion, AppError> {
    require(Permission::Read).await?;
    policies::version(&app_state()?.db, &id, version).await
}

#[server(endpoint = "version_diff", output = crate::api::codec::JsonText)]
pub async fn version_diff(id: String, from: i64, to: i64) -> Result<Vec<DiffLine>, AppError> {
    require(Permission::Read).await?;
    let db = app_state()?.db;
    let old = policies::version(&db, &id, from).await?;
    let new = policies::version(&db, &id, to).await?;
    Ok(diff_lines(&old.source, &new.source))
}
