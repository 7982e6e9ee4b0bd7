//! What agents send, as REST bodies and MCP tool arguments alike. Shapes are checked by serde
//! (unknown fields refused); contents by `validate` before anything is recorded.

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{
    error::{AppError, AppResult},
    model::{Action, AutomationMode, CloseAction},
};

/// Free text longer than this is refused rather than stored.
const MAX_TEXT_CHARS: usize = 4000;
/// JSON payloads (metadata, context payloads, evaluation inputs) larger than this are refused.
const MAX_JSON_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenDecisionRequest {
    /// What the agent intends to do, e.g. `refund.create`; policies are scoped by it.
    pub intent: String,
    pub automation_mode: AutomationMode,
    /// On whose behalf the agent acts (a customer, a ticket), free text.
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextRequest {
    pub summary: String,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    /// The data product read, e.g. `customer_profiles` (once the catalogue holds a product, it
    /// must be a catalogued one granted to the agent; before, any system's name).
    pub product: String,
    /// The product's read operation, e.g. `profile.read`; required for catalogued products.
    #[serde(default)]
    pub operation: Option<String>,
    /// Why it was read, e.g. `support`: one of the product's allowed purposes. The first read
    /// fixes the decision's purpose; a read with another purpose later is 409.
    pub purpose: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub record_count: Option<u64>,
    /// The fields read, if the agent names them (at most 100).
    #[serde(default)]
    pub fields: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    /// Evaluate only this bound policy; otherwise every bound policy whose intents match.
    #[serde(default)]
    pub policy_id: Option<String>,
    /// The policies' inputs. With an `action`, its arguments fill the inputs of the same names
    /// (a value given here too must equal the argument) and `action` is
    /// `{product, operation, digest}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub inputs: Map<String, Value>,
    /// The exact action the agent is about to take. Once a decision evaluated one, its writes
    /// must present an evaluated, permitted action (409 `action_mismatch` otherwise).
    #[serde(default)]
    pub action: Option<Action>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequestBody {
    pub title: String,
    pub message: String,
    /// Defaults to the route named by the latest `requires_exception` evaluation.
    #[serde(default)]
    pub approval_route: Option<String>,
    #[serde(default)]
    pub require_rationale: Option<bool>,
    /// Defaults to one hour; at most seven days.
    #[serde(default)]
    pub expires_in_seconds: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteRequest {
    /// The action carried out, exactly as evaluated. Required once the decision evaluated an
    /// action; then it must equal one evaluated and permitted in the decision.
    #[serde(default)]
    pub action: Option<Action>,
    /// Without `action` (decisions that evaluated none): the system changed, e.g. `billing`.
    #[serde(default)]
    pub product: Option<String>,
    /// Without `action`: what was done to it, e.g. `refund.create`.
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    /// Repeating a write with the same key records it once.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    pub action: CloseAction,
    #[serde(default)]
    pub reason: Option<String>,
}

pub const MAX_APPROVAL_SECONDS: u64 = 7 * 24 * 3600;

/// A required line of text: trimmed, not empty, not too long, no control characters.
pub fn required_text(field: &str, text: &str, max_chars: usize) -> AppResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AppError::invalid(
            field,
            format!("{field} must not be empty."),
        ));
    }
    optional_text(field, Some(trimmed), max_chars).map(Option::unwrap_or_default)
}

pub fn optional_text(
    field: &str,
    text: Option<&str>,
    max_chars: usize,
) -> AppResult<Option<String>> {
    let Some(text) = text else { return Ok(None) };
    // Agents' free text may hold paragraphs; it is stored as sent (`required_text` trims).
    crate::model::text::check(field, text, max_chars, crate::model::text::Lines::Many)?;
    Ok(Some(text.to_owned()))
}

pub fn long_text(field: &str, text: &str) -> AppResult<String> {
    required_text(field, text, MAX_TEXT_CHARS)
}

pub fn optional_long_text(field: &str, text: Option<&str>) -> AppResult<Option<String>> {
    optional_text(field, text, MAX_TEXT_CHARS)
}

/// An intent: a short dotted name such as `refund.create`.
pub fn intent(text: &str) -> AppResult<String> {
    let intent = required_text("intent", text, 200)?;
    if !intent
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '/'))
    {
        return Err(AppError::invalid(
            "intent",
            "intent may use letters, digits and . _ - : / only, e.g. refund.create.",
        ));
    }
    Ok(intent)
}

/// An action as the agent sent it, checked: product and operation are short names, the
/// arguments bounded like inputs.
pub fn action(action: Action) -> AppResult<Action> {
    let Action {
        product,
        operation,
        arguments,
    } = action;
    json_size("action.arguments", &arguments)?;
    Ok(Action {
        product: required_text("action.product", &product, 200)?,
        operation: required_text("action.operation", &operation, 200)?,
        arguments,
    })
}

pub fn json_size(field: &str, value: &impl serde::Serialize) -> AppResult<()> {
    let bytes = serde_json::to_string(value).map_or(usize::MAX, |text| text.len());
    if bytes > MAX_JSON_BYTES {
        return Err(AppError::invalid(
            field,
            format!(
                "{field} may be at most {} KiB of JSON.",
                MAX_JSON_BYTES / 1024
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("title", "  hi ", 10).unwrap(), "hi");
        assert_eq!(
            required_text("title", "   ", 10).unwrap_err().field(),
            Some("title")
        );
        assert!(required_text("title", "abcdefghijk", 10).is_err());
        assert!(required_text("title", "nul\0byte", 10).is_err());
        assert!(required_text("title", "two\nlines", 10).is_ok());
    }

    #[test]
    fn intents_are_dotted_names() {
        assert_eq!(intent("refund.create").unwrap(), "refund.create");
        assert_eq!(intent("refund create").unwrap_err().field(), Some("intent"));
        assert!(intent("<script>").is_err());
    }
}
