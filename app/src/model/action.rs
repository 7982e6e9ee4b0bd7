//! An action: what an agent is about to do (or did), exactly — a product's operation with its
//! arguments. A decision that evaluated an action permits that action and no other (the binding
//! rule, `ssr/services/decisions/actions.rs`); its digest (`sha256:` + hex SHA-256 of the
//! action's RFC 8785 canonical JSON) is what events, approvals and receipts name.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// The data product or system acted on, e.g. `payments`.
    pub product: String,
    /// What is done to it, e.g. `refund.create`.
    pub operation: String,
    /// The operation's arguments, exactly as the executing service will receive them.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub arguments: Map<String, Value>,
}

/// An action evaluated in a decision, with the outcome its evaluation gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluatedAction {
    pub digest: String,
    pub action: Action,
    pub outcome: verdict_policy::Outcome,
}
