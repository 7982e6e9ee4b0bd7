//! Resolving approval requests: by a person, or by the clock when nobody answered in time.

use crate::{
    error::AppResult,
    model::CurrentUser,
    ssr::{now_millis, store, AppState},
};

use super::decisions::{commands::Command, requests::optional_long_text, views::DecisionView};

/// Overdue requests expired per sweep; the rest wait for the next sweep.
const EXPIRY_BATCH: i64 = 500;

pub async fn resolve(
    state: &AppState,
    approver: &CurrentUser,
    approval_id: &str,
    approve: bool,
    rationale: Option<&str>,
) -> AppResult<DecisionView> {
    let rationale =
        optional_long_text("rationale", rationale.map(str::trim))?.filter(|text| !text.is_empty());
    let applied = state
        .journal
        .submit(Command::ResolveApproval {
            approval_id: approval_id.to_owned(),
            approver: approver.email.clone(),
            approve,
            rationale,
        })
        .await?;
    Ok(DecisionView::of(&applied.decision))
}

/// Expires every overdue pending request (its decision is aborted); returns how many.
pub async fn expire_overdue(state: &AppState) -> AppResult<usize> {
    let overdue = store::approvals::overdue(&state.db.pool, now_millis(), EXPIRY_BATCH).await?;
    let mut expired = 0;
    for approval_id in overdue {
        // Another server (or an approver) may have resolved it since; that is not an error.
        if state
            .journal
            .submit(Command::ExpireApproval { approval_id })
            .await
            .is_ok()
        {
            expired += 1;
        }
    }
    Ok(expired)
}
