//! The approval inbox for people: everyone signed in reads it; approvers and admins answer.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{ApprovalInbox, ApprovalRequestView, DecisionStatus},
};

#[cfg(feature = "ssr")]
use crate::{
    model::{Answer, EventWindow, InboxFilter, Permission},
    ssr::{
        auth::{require, session::app_state},
        now_millis,
        services::{approvals, delivery, traces},
    },
};

/// The inbox for the page's URL query (`route=…&agent=…&intent=…&older_than_minutes=…`).
#[server(endpoint = "load_approval_inbox", output = crate::api::codec::JsonText)]
pub async fn load_approval_inbox(query: String) -> Result<ApprovalInbox, AppError> {
    let me = require(Permission::Read).await?;
    let filter = InboxFilter::parse(form_urlencoded::parse(query.as_bytes()))?;
    let db = app_state()?.db;
    Ok(ApprovalInbox {
        pending: approvals::pending(&db, &filter).await?,
        filter,
        resolved: approvals::resolved(&db).await?,
        can_resolve: me.role.allows(Permission::Approve),
        now: now_millis(),
    })
}

#[server(endpoint = "load_approval_request", output = crate::api::codec::JsonText)]
pub async fn load_approval_request(id: String) -> Result<ApprovalRequestView, AppError> {
    let me = require(Permission::Read).await?;
    let state = app_state()?;
    let db = state.db.clone();
    let item = approvals::find(&db, &id).await?;
    // The newest screen of events: an approver answers on the latest state of the decision.
    let detail = traces::detail(&db, &item.decision_id, EventWindow::Latest).await?;
    // From the events shown, not a second read: the answer binds to exactly what was on screen.
    let evidence_hash = detail
        .events
        .last()
        .map(|event| event.hash.clone())
        .unwrap_or_default();
    let earlier_events = detail.events_total - detail.events.len() as i64;
    Ok(ApprovalRequestView {
        item,
        evaluations: approvals::labelled_evaluations(&state, detail.evaluations).await?,
        events: detail.events,
        earlier_events,
        evidence_hash,
        can_resolve: me.role.allows(Permission::Approve),
        approved_by: approvals::approved_by(&db, &id).await?,
        delivery: delivery::of_approval(&state, &id, me.role.allows(Permission::Administer))
            .await?,
        action: approvals::requested_action(&db, &id).await?,
        now: now_millis(),
    })
}

/// Sends a pending request to its route's integration again, with a fresh set of attempts.
#[server(endpoint = "redeliver_approval", output = crate::api::codec::JsonText)]
pub async fn redeliver_approval(id: String) -> Result<(), AppError> {
    require(Permission::Approve).await?;
    delivery::redeliver(&app_state()?, &id).await
}

/// Answers a request. `outcome` is `approved` or `rejected`; `evidence_hash` is the hash the
/// page showed, so an answer never applies to a decision the approver did not see.
#[server(endpoint = "resolve_approval", output = crate::api::codec::JsonText)]
pub async fn resolve_approval(
    id: String,
    outcome: String,
    rationale: String,
    evidence_hash: String,
) -> Result<DecisionStatus, AppError> {
    let me = require(Permission::Approve).await?;
    let answer = answer_of(&outcome)?;
    let decision = approvals::resolve(
        &app_state()?,
        &me,
        approvals::ApproverAnswer {
            approval_id: &id,
            answer,
            rationale: Some(&rationale),
            evidence_hash: Some(&evidence_hash),
        },
    )
    .await?;
    Ok(decision.status)
}

/// How many requests wait for an answer, for the navigation's badge.
#[server(endpoint = "pending_approval_count", output = crate::api::codec::JsonText)]
pub async fn pending_approval_count() -> Result<i64, AppError> {
    require(Permission::Read).await?;
    approvals::pending_count(&app_state()?.db).await
}

/// One request of a bulk answer, with the evidence hash the inbox showed for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkAnswer {
    pub id: String,
    pub evidence_hash: String,
}

/// How one request of a bulk answer went: `refusal` says why it was not answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResult {
    pub id: String,
    pub title: String,
    pub refusal: Option<String>,
}

/// Answers several requests with one outcome and one rationale. Each answer is checked and
/// recorded on its own, as if given one by one; one refusal does not stop the others.
#[server(endpoint = "resolve_approvals", input = server_fn::codec::Json, output = crate::api::codec::JsonText)]
pub async fn resolve_approvals(
    answers: Vec<BulkAnswer>,
    outcome: String,
    rationale: String,
) -> Result<Vec<BulkResult>, AppError> {
    let me = require(Permission::Approve).await?;
    let choice = answer_of(&outcome)?;
    if answers.is_empty() || answers.len() > 200 {
        return Err(AppError::invalid("answers", "Select 1 to 200 requests."));
    }
    let state = app_state()?;
    let ids: Vec<&str> = answers.iter().map(|answer| answer.id.as_str()).collect();
    let titles = approvals::titles(&state.db, &ids).await?;
    // Submitted together, the answers share the journal's commits instead of waiting for one
    // commit each; each is still checked and recorded on its own.
    let results = answers.iter().map(|answer| {
        let (state, me, rationale) = (&state, &me, &rationale);
        async move {
            approvals::resolve(
                state,
                me,
                approvals::ApproverAnswer {
                    approval_id: &answer.id,
                    answer: choice,
                    rationale: Some(rationale),
                    evidence_hash: Some(&answer.evidence_hash),
                },
            )
            .await
        }
    });
    let outcomes = futures_util::future::join_all(results).await;
    Ok(answers
        .into_iter()
        .zip(outcomes)
        .map(|(answer, outcome)| BulkResult {
            title: titles
                .get(&answer.id)
                .cloned()
                .unwrap_or_else(|| answer.id.clone()),
            id: answer.id,
            refusal: outcome.err().map(|error| error.to_string()),
        })
        .collect())
}

/// The inbox's forms send `approved` or `rejected`.
#[cfg(feature = "ssr")]
fn answer_of(outcome: &str) -> Result<Answer, AppError> {
    Answer::parse(outcome).ok_or_else(|| AppError::invalid("outcome", "Choose approve or reject."))
}
