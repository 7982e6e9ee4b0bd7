//! Answering from an emailed link: the link is the credential. Opening it shows what is being
//! answered; the answer counts only once the person confirms, and the link then stops working.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{Answer, DecisionStatus},
};

#[cfg(feature = "ssr")]
use crate::{
    model::{Email, Permission},
    ssr::{
        auth::session::app_state,
        services::{answer_links, approvals, mail},
        store,
    },
};

/// What an emailed link would answer, for its confirmation page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerLinkView {
    pub approval_id: String,
    pub title: String,
    pub message: String,
    pub agent_name: String,
    pub intent: String,
    pub answer: Answer,
    pub recipient: String,
    pub require_rationale: bool,
    pub expires_at: i64,
    /// The decision's latest event hash as shown; the confirmation binds to it.
    pub evidence_hash: String,
    pub now: i64,
}

#[server(endpoint = "inspect_answer_link", output = crate::api::codec::JsonText)]
pub async fn inspect_answer_link(token: String) -> Result<AnswerLinkView, AppError> {
    let db = app_state()?.db;
    let claim = answer_links::verify(&db, &token).await?;
    let item = approvals::find(&db, &claim.approval_id).await?;
    Ok(AnswerLinkView {
        approval_id: item.id,
        title: item.title,
        message: item.message,
        agent_name: item.agent_name,
        intent: item.intent,
        answer: claim.answer,
        recipient: claim.recipient,
        require_rationale: item.require_rationale,
        expires_at: claim.expires_at,
        evidence_hash: item.evidence_hash,
        now: crate::ssr::now_millis(),
    })
}

/// Records the link's answer as the person it was sent to, who must be an active approver.
#[server(endpoint = "answer_by_link", output = crate::api::codec::JsonText)]
pub async fn answer_by_link(
    token: String,
    rationale: String,
    evidence_hash: String,
) -> Result<DecisionStatus, AppError> {
    let state = app_state()?;
    let claim = answer_links::verify(&state.db, &token).await?;
    let email = Email::parse(&claim.recipient)?;
    let approver = store::users::find_by_email(&state.db.pool, &email)
        .await?
        .filter(|row| row.is_active())
        .and_then(|row| row.current_user())
        .filter(|person| person.role.allows(Permission::Approve))
        .ok_or_else(|| AppError::NotPermitted {
            message: format!(
                "{} has no active approver account in Verdict; an admin must add one first.",
                claim.recipient
            ),
        })?;
    let decision = approvals::resolve(
        &state,
        &approver,
        approvals::ApproverAnswer {
            approval_id: &claim.approval_id,
            answer: claim.answer,
            rationale: Some(&rationale),
            evidence_hash: Some(&evidence_hash),
        },
    )
    .await?;
    answer_links::consume(&state.db, &claim).await?;
    if let Some(smtp) = &state.settings.smtp {
        let answer = claim.answer.outcome();
        let item = approvals::find(&state.db, &claim.approval_id).await?;
        let text = format!(
            "You {answer} \"{}\" ({} asked for {}).\nRationale: {rationale}\n",
            item.title, item.agent_name, item.intent
        );
        let html = format!("<p>{}</p>", mail::escape_html(&text).replace('\n', "<br>"));
        let confirmation = mail::Mail {
            to: &claim.recipient,
            subject: &format!("You {answer}: {}", item.title),
            text,
            html,
        };
        // The answer is recorded; a confirmation that cannot be sent is only logged.
        if let Err(error) = mail::send(smtp, confirmation).await {
            tracing::warn!(%error, approval = %claim.approval_id, "confirmation email not sent");
        }
    }
    Ok(decision.status)
}
