//! The tool catalogue: one tool per agent REST call, each calling the same decisions service with
//! the same request types. Input schemas are generated from those types' utoipa schemas (the
//! ones `/api/v1/openapi.json` publishes), so the two surfaces cannot drift apart.

use std::{sync::LazyLock, time::Duration};

use axum::Json;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use crate::api_v1::{close_with_receipt, rejection_error};

use app::{
    error::{AppError, AppResult},
    model::DecisionStatus,
    ssr::{
        auth::agent_key::AgentPrincipal,
        services::{
            decisions::{self, requests::*},
            receipts,
        },
        AppState,
    },
};

/// The decision a per-decision tool acts on; REST has it in the path.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionArguments {
    /// The decision's id, as `decision_create` answered it.
    decision_id: String,
}

/// What REST takes as the `Idempotency-Key` header; MCP calls have no headers of their own.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateOptions {
    /// Repeating a key with the same arguments within 24 h answers the first decision again.
    #[serde(default)]
    idempotency_key: Option<String>,
}

/// REST's `/wait` query, with the decision it waits on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct WaitArguments {
    /// The decision's id, as `decision_create` answered it.
    decision_id: String,
    /// Seconds to wait at most (default 30, at most 60).
    #[serde(default)]
    timeout: Option<u64>,
    /// The status the agent last saw; defaults to the status when the call arrives.
    #[serde(default)]
    since: Option<DecisionStatus>,
}

#[derive(Clone, Copy)]
enum Action {
    Create,
    AddContext,
    Read,
    Evaluate,
    RequestApproval,
    Write,
    Get,
    Wait,
    Close,
    Trace,
    Receipt,
}

pub struct Tool {
    name: &'static str,
    description: &'static str,
    read_only: bool,
    action: Action,
    input_schema: fn() -> Value,
}

const TOOLS: &[Tool] = &[
    Tool {
        name: "decision_create",
        description: "Open a decision before acting: say what you intend to do (e.g. billing.refund.create) and how much you may do on your own. Answers the decision, with its decision_id for the other tools.",
        read_only: false,
        action: Action::Create,
        input_schema: || merged(schema::<CreateOptions>(), schema::<OpenDecisionRequest>()),
    },
    Tool {
        name: "decision_add_context",
        description: "Record a note on an open decision: what you were asked and what you know.",
        read_only: false,
        action: Action::AddContext,
        input_schema: with_decision_id::<ContextRequest>,
    },
    Tool {
        name: "decision_read",
        description: "Record that you read a system or data product for this decision, and why.",
        read_only: false,
        action: Action::Read,
        input_schema: with_decision_id::<ReadRequest>,
    },
    Tool {
        name: "decision_evaluate",
        description: "Evaluate the bound policies on the facts of the intended action (inputs). Answers the strictest outcome: allow, requires_exception (ask with decision_request_approval) or deny.",
        read_only: false,
        action: Action::Evaluate,
        input_schema: with_decision_id::<EvaluateRequest>,
    },
    Tool {
        name: "decision_request_approval",
        description: "Ask a person to approve an exception; the decision waits for them (see decision_wait).",
        read_only: false,
        action: Action::RequestApproval,
        input_schema: with_decision_id::<ApprovalRequestBody>,
    },
    Tool {
        name: "decision_write",
        description: "Record the change you made, once the decision allows acting (evaluated allow, or approved).",
        read_only: false,
        action: Action::Write,
        input_schema: with_decision_id::<WriteRequest>,
    },
    Tool {
        name: "decision_get",
        description: "The decision as it stands: status, latest outcome, whether approval was granted.",
        read_only: true,
        action: Action::Get,
        input_schema: schema::<DecisionArguments>,
    },
    Tool {
        name: "decision_wait",
        description: "Wait until the decision's status changes (e.g. a person approved or rejected it) or the timeout passes; changed says which.",
        read_only: true,
        action: Action::Wait,
        input_schema: schema::<WaitArguments>,
    },
    Tool {
        name: "decision_close",
        description: "Close the decision: commit what was done, or abort or roll back. Answers the decision with its signed receipt (receipt, signature), which the service that carries out the action can verify.",
        read_only: false,
        action: Action::Close,
        input_schema: with_decision_id::<CloseRequest>,
    },
    Tool {
        name: "decision_trace",
        description: "Every event recorded on the decision, in order.",
        read_only: true,
        action: Action::Trace,
        input_schema: schema::<DecisionArguments>,
    },
    Tool {
        name: "decision_receipt",
        description: "The signed receipt of a closed decision (as decision_close answered it): what was decided, by which policy versions, pinned to the decision's hash chain and signed with Ed25519. Verify it with the keys at /.well-known/verdict-keys.json.",
        read_only: true,
        action: Action::Receipt,
        input_schema: schema::<DecisionArguments>,
    },
];

/// The `tools/list` result; built once, since it never changes while the server runs.
pub fn list() -> &'static Value {
    static LIST: LazyLock<Value> = LazyLock::new(|| {
        let tools: Vec<Value> = TOOLS
            .iter()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "inputSchema": (tool.input_schema)(),
                    "annotations": {"readOnlyHint": tool.read_only},
                })
            })
            .collect();
        json!({ "tools": tools })
    });
    &LIST
}

pub fn find(name: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|tool| tool.name == name)
}

impl Tool {
    /// Runs the tool: the REST call's answer as JSON, or its refusal.
    pub async fn call(
        &self,
        state: &AppState,
        agent: &AgentPrincipal,
        mut arguments: Map<String, Value>,
    ) -> AppResult<Value> {
        match self.action {
            Action::Create => {
                let options: CreateOptions = take(&mut arguments, &["idempotency_key"])?;
                let request = parse(arguments)?;
                let key = options.idempotency_key.as_deref();
                answer(decisions::open(state, agent, request, key).await?.value)
            }
            Action::AddContext => {
                let (id, request) = split(arguments)?;
                answer(decisions::add_context(state, agent, &id, request).await?)
            }
            Action::Read => {
                let (id, request) = split(arguments)?;
                answer(decisions::record_read(state, agent, &id, request).await?)
            }
            Action::Evaluate => {
                let (id, request) = split(arguments)?;
                answer(decisions::evaluate(state, agent, &id, request).await?)
            }
            Action::RequestApproval => {
                let (id, request) = split(arguments)?;
                answer(decisions::request_approval(state, agent, &id, request).await?)
            }
            Action::Write => {
                let (id, request) = split(arguments)?;
                answer(
                    decisions::record_write(state, agent, &id, request)
                        .await?
                        .value,
                )
            }
            Action::Close => {
                let (id, request) = split(arguments)?;
                answer(close_with_receipt(state, agent, &id, request).await?)
            }
            Action::Get => {
                let DecisionArguments { decision_id } = parse(arguments)?;
                answer(decisions::get(state, agent, &decision_id).await?)
            }
            Action::Trace => {
                let DecisionArguments { decision_id } = parse(arguments)?;
                answer(decisions::trace(state, agent, &decision_id).await?)
            }
            Action::Receipt => {
                let DecisionArguments { decision_id } = parse(arguments)?;
                answer(
                    receipts::of_closed_decision(state, &decision_id, Some(&agent.agent_id))
                        .await?,
                )
            }
            Action::Wait => {
                let arguments: WaitArguments = parse(arguments)?;
                // The same default as REST's `/wait`; the service caps it.
                let timeout = Duration::from_secs(arguments.timeout.unwrap_or(30));
                let id = &arguments.decision_id;
                let _slot = state.wait_slots.enter(&agent.agent_id)?;
                answer(decisions::wait(state, agent, id, arguments.since, timeout).await?)
            }
        }
    }
}

fn answer(value: impl Serialize) -> AppResult<Value> {
    serde_json::to_value(value).map_err(|_| AppError::Internal)
}

/// Splits `decision_id` off a per-decision tool's arguments; the rest is the REST body.
fn split<T: DeserializeOwned>(mut arguments: Map<String, Value>) -> AppResult<(String, T)> {
    let DecisionArguments { decision_id } = take(&mut arguments, &["decision_id"])?;
    Ok((decision_id, parse(arguments)?))
}

/// Removes `keys` from `arguments` and reads them as `T`.
fn take<T: DeserializeOwned>(arguments: &mut Map<String, Value>, keys: &[&str]) -> AppResult<T> {
    let taken = keys
        .iter()
        .filter_map(|key| Some(((*key).to_owned(), arguments.remove(*key)?)))
        .collect();
    parse(taken)
}

/// Reads arguments as REST reads a body (axum's JSON reader, which names the path at fault), so
/// a refusal names the same field with the same message.
fn parse<T: DeserializeOwned>(arguments: Map<String, Value>) -> AppResult<T> {
    let bytes = serde_json::to_vec(&arguments).map_err(|_| AppError::Internal)?;
    match Json::<T>::from_bytes(&bytes) {
        Ok(Json(value)) => Ok(value),
        Err(rejection) => Err(rejection_error(&rejection)),
    }
}

/// A per-decision tool's schema: `decision_id` and the REST body's fields.
fn with_decision_id<T: ToSchema>() -> Value {
    merged(schema::<DecisionArguments>(), schema::<T>())
}

/// One object schema with the properties and required names of both. The first one's own
/// description (of an argument wrapper) would mislead; the tool's description says what it does.
fn merged(mut first: Value, second: Value) -> Value {
    if let Some(first) = first.as_object_mut() {
        first.remove("description");
    }
    for key in ["properties", "required"] {
        match (first.get_mut(key), second.get(key)) {
            (Some(Value::Object(ours)), Some(Value::Object(theirs))) => {
                ours.extend(theirs.clone());
            }
            (Some(Value::Array(ours)), Some(Value::Array(theirs))) => {
                ours.extend(theirs.iter().cloned());
            }
            (None, Some(theirs)) => first[key] = theirs.clone(),
            _ => {}
        }
    }
    first
}

/// `T`'s OpenAPI schema as a self-contained JSON Schema: references to other component
/// schemas (the enums) are inlined, since an MCP input schema has no components to point into.
fn schema<T: ToSchema>() -> Value {
    let mut components = Vec::new();
    T::schemas(&mut components);
    let definitions: Map<String, Value> = components
        .into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or_default()))
        .collect();
    let mut schema = inline(
        serde_json::to_value(T::schema()).unwrap_or_default(),
        &definitions,
    );
    // The request types refuse unknown fields; say so, so clients can check before sending.
    schema["additionalProperties"] = Value::Bool(false);
    schema
}

fn inline(value: Value, definitions: &Map<String, Value>) -> Value {
    match value {
        Value::Object(object) => {
            let target = object
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
                .and_then(|name| definitions.get(name));
            match target {
                Some(target) => inline(target.clone(), definitions),
                None => Value::Object(
                    object
                        .into_iter()
                        .map(|(key, value)| (key, inline(value, definitions)))
                        .collect(),
                ),
            }
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| inline(item, definitions))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_self_contained_objects_with_the_rest_fields() {
        for tool in TOOLS {
            let schema = (tool.input_schema)();
            assert_eq!(schema["type"], "object", "{}", tool.name);
            assert!(
                !schema.to_string().contains("$ref"),
                "{}: {schema}",
                tool.name
            );
        }
        let create = find("decision_create").map(|tool| (tool.input_schema)());
        let create = create.unwrap_or_default();
        assert_eq!(
            create["properties"]["automation_mode"]["enum"],
            json!(["propose", "approve", "override", "autonomous"])
        );
        assert!(create["properties"]["idempotency_key"].is_object());
        let write = with_decision_id::<WriteRequest>();
        assert!(write.get("description").is_none(), "{write}");
        // A write names its action (or, for decisions that evaluated none, product and
        // operation): only the decision is required by the schema; the service checks the rest.
        assert_eq!(write["required"], json!(["decision_id"]));
        let action = &write["properties"]["action"];
        assert!(
            action.to_string().contains("arguments") && action.to_string().contains("operation"),
            "{write}"
        );
    }

    #[test]
    fn argument_refusals_name_the_field_as_rest_does() {
        let error = parse::<OpenDecisionRequest>(
            json!({"intent": "x", "automation_mode": "yolo"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
        .err();
        assert_eq!(
            error.as_ref().and_then(AppError::field),
            Some("automation_mode")
        );
        let error = parse::<DecisionArguments>(Map::new()).err();
        assert_eq!(
            error.as_ref().and_then(AppError::field),
            Some("decision_id")
        );
    }
}
