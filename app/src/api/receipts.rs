//! A closed decision's signed receipt, as its page shows it: issued from the stored chain and
//! checked just now, as `POST /api/v1/receipts/verify` would check it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::{
    model::Permission,
    ssr::{
        auth::{require, session::app_state},
        services::receipts,
    },
};

/// What the decision page says about a closed decision's receipt; the document itself is
/// downloaded from `GET /api/v1/admin/decisions/{id}/receipt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptSummary {
    /// The signing key's id in `/.well-known/verdict-keys.json`.
    pub key_id: String,
    /// The hash of the decision's last event, which the receipt pins.
    pub chain_head: String,
    pub event_count: u64,
    /// RFC 3339, UTC.
    pub issued_at: String,
    pub actions: usize,
    pub evaluations: usize,
    pub approvals: usize,
    /// The signature verifies with this server's keys and the stored chain recomputes intact up
    /// to `chain_head`.
    pub verified: bool,
    /// Why it does not verify, when it does not.
    pub problem: Option<String>,
}

/// The receipt of decision `id`, or `None` while it is open (receipts are issued when a decision
/// commits or aborts). Everyone who may read decisions may read their receipts.
#[server(endpoint = "load_decision_receipt", output = crate::api::codec::JsonText)]
pub async fn load_decision_receipt(id: String) -> Result<Option<ReceiptSummary>, AppError> {
    require(Permission::Read).await?;
    let state = app_state()?;
    let signed = match receipts::of_closed_decision(&state, &id, None).await {
        Ok(signed) => signed,
        Err(AppError::Conflict { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    let check = receipts::check(&state, signed.to_json().as_bytes()).await?;
    let problem = match (&check.problem, &check.first_break) {
        (Some(problem), _) => Some(problem.message.clone()),
        (None, Some(first_break)) => Some(format!(
            "event #{} ({}) does not match its hash: {}",
            first_break.sequence, first_break.event_id, first_break.reason
        )),
        (None, None) if !check.verified => {
            Some("the stored chain does not end at the receipt's chain head".to_owned())
        }
        (None, None) => None,
    };
    let receipt = signed.receipt;
    Ok(Some(ReceiptSummary {
        key_id: receipt.key_id,
        chain_head: receipt.chain_head,
        event_count: receipt.event_count,
        issued_at: receipt.issued_at,
        actions: receipt.actions.len(),
        evaluations: receipt.evaluations.len(),
        approvals: receipt.approvals.len(),
        verified: check.verified,
        problem,
    }))
}
