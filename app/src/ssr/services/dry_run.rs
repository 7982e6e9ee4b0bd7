//! The dry run behind the editor's preview and `POST /api/v1/policies/dry-run`: one function,
//! so both answer exactly the same. It runs on the evaluation pool, never on a request worker,
//! and each person has a rate of dry runs, generous enough for a preview at typing speed.

use serde_json::Value;
use verdict_policy::DryRunReport;

use crate::{
    error::{AppError, AppResult},
    model::CurrentUser,
    ssr::AppState,
};

use super::policies::check_source_size;

/// Counts one dry run against `person`'s rate: 429 with `Retry-After` beyond it.
pub fn admit(state: &AppState, person: &CurrentUser) -> AppResult<()> {
    state
        .dry_run_limiter
        .check(&person.email)
        .map_err(|retry_after_seconds| AppError::RateLimited {
            retry_after_seconds,
        })
}

/// Parses `context` (a JSON object of inputs; empty means `{}`) and dry-runs `source` on it.
pub async fn run(state: &AppState, source: String, context: &str) -> AppResult<DryRunReport> {
    let context = if context.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(context).map_err(|error| {
            AppError::invalid(
                "context",
                format!("The context is not valid JSON: {error}."),
            )
        })?
    };
    run_value(state, source, context).await
}

pub async fn run_value(
    state: &AppState,
    source: String,
    context: Value,
) -> AppResult<DryRunReport> {
    check_source_size(&source)?;
    if !context.is_object() {
        return Err(AppError::invalid(
            "context",
            "The context must be a JSON object of inputs, e.g. {\"amount\": 10}.",
        ));
    }
    state
        .evaluation_pool
        .run(move || verdict_policy::dry_run(&source, &context))
        .await
}
