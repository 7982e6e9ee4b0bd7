//! The dry run behind the editor's preview and `POST /api/v1/policies/dry-run`: one function,
//! so both answer exactly the same.

use serde_json::Value;
use verdict_policy::DryRunReport;

use crate::error::{AppError, AppResult};

use super::policies::check_source_size;

/// Parses `context` (a JSON object of inputs; empty means `{}`) and dry-runs `source` on it.
pub fn run(source: &str, context: &str) -> AppResult<DryRunReport> {
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
    run_value(source, &context)
}

pub fn run_value(source: &str, context: &Value) -> AppResult<DryRunReport> {
    check_source_size(source)?;
    if !context.is_object() {
        return Err(AppError::invalid(
            "context",
            "The context must be a JSON object of inputs, e.g. {\"amount\": 10}.",
        ));
    }
    Ok(verdict_policy::dry_run(source, context))
}
