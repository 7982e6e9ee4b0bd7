//! The approval inbox for people: everyone signed in reads it; approvers and admins answer.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{ApprovalInbox, ApprovalRequestView, DecisionStatus},
};

#[cfg(feature = "ssr")]
use crate::{
    model::Permission,
    ssr::{
        auth::{require, session::app_state},
        now_millis,
        services::{approvals, delivery, traces},
    },
};

#[server(endpoint = "load_approval_inbox")]
pub async fn load_approval_inbox() -> Result<ApprovalInbox, AppError> {
    let me = require(Permission::Read).await?;
    let db = app_state()?.db;
    Ok(ApprovalInbox {
        pending: approvals::pending(&db).await?,
        resolved: approvals::resolved(&db).await?,
        can_resolve: me.role.allows(Permission::Approve),
        now: now_millis(),
    })
}

#[server(endpoint = "load_approval_request")]
pub async fn load_approval_request(id: String) -> Result<ApprovalRequestView, AppError> {
    let me = require(Permission::Read).await?;
    let state = app_state()?;
    let db = state.db.clone();
    let item = approvals::find(&db, &id).await?;
    let detail = traces::detail(&db, &item.decision_id).await?;
    // From the events shown, not a second read: the answer binds to exactly what was on screen.
    let evidence_hash = detail
        .events
        .last()
        .map(|event| event.hash.clone())
        .unwrap_or_default();
    Ok(ApprovalRequestView {
        item,
        evaluations: detail.evaluations,
        events: detail.events,
        evidence_hash,
        can_resolve: me.role.allows(Permission::Approve),
        approved_by: approvals::approved_by(&db, &id).await?,
        delivery: delivery::of_approval(&state, &id).await?,
        now: now_millis(),
    })
}

/// Sends a pending request to its route's integration again, with a fresh set of attempts.
#[server(endpoint = "redeliver_approval")]
pub async fn redeliver_approval(id: String) -> Result<(), AppError> {
    require(Permission::Approve).await?;
    delivery::redeliver(&app_state()?, &id).await
}

/// Answers a request. `outcome` is `approved` or `rejected`; `evidence_hash` is the hash the
/// page showed, so an answer never applies to a decision the approver did not see.
#[server(endpoint = "resolve_approval")]
pub async fn resolve_approval(
    id: String,
    outcome: String,
    rationale: String,
    evidence_hash: String,
) -> Result<DecisionStatus, AppError> {
    let me = require(Permission::Approve).await?;
    let approve = match outcome.as_str() {
        "approved" => true,
        "rejected" => false,
        _ => return Err(AppError::invalid("outcome", "Choose approve or reject.")),
    };
    let decision = approvals::resolve(
        &app_state()?,
        &me,
        approvals::ApproverAnswer {
            approval_id: &id,
            approve,
            rationale: Some(&rationale),
            evidence_hash: Some(&evidence_hash),
        },
    )
    .await?;
    Ok(decision.status)
}
