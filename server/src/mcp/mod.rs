//! `POST /mcp`: the agent API as an MCP server (Streamable HTTP transport, protocol 2025-06-18),
//! for agents' API keys. Each tool calls the same decisions service as its REST twin, so results
//! and refusals are the same; a refusal is a tool result with `isError: true`.
//!
//! Hand-written rather than built on `rmcp` (the official Rust SDK, 3.9.0), although rmcp can
//! serve stateless JSON over axum: we need five JSON-RPC methods and no server-to-client
//! messages, while rmcp's server would add about fifteen crates (schemars 1, its macros, rand,
//! sse-stream, sha2 0.11, …) for a session/SSE machinery we switch off, a second Host allow-list
//! beside our own cross-origin policy, and schemars-based tool schemas we could not use: ours
//! come from the utoipa schemas REST publishes. Authentication stays our `ApiAgent` extractor,
//! so a bad key gets REST's 401 before any JSON-RPC is read.
//!
//! Stateless: no `Mcp-Session-Id` is issued or required, every POST carries its own key, and
//! answers are single `application/json` bodies (no SSE stream; `GET /mcp` is 405).

mod jsonrpc;
mod tools;

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde_json::{json, Map, Value};

use app::{
    error::AppError,
    ssr::{auth::agent_key::AgentPrincipal, AppState},
};

use crate::api_v1::{ApiAgent, ApiError};
use jsonrpc::{Message, RpcError, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR};

/// The version we speak and answer `initialize` with unless the client asks for another one we
/// also serve: 2025-03-26 differs only in lacking `structuredContent`, which its clients ignore.
pub const PROTOCOL_VERSION: &str = "2025-06-18";
const SUPPORTED_VERSIONS: &[&str] = &[PROTOCOL_VERSION, "2025-03-26"];

pub fn router() -> Router<AppState> {
    Router::new().route("/mcp", post(handle))
}

async fn handle(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Some(refusal) = refuse_headers(&headers) {
        return refusal;
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiError(AppError::TooLarge).into_response()
        }
        Err(rejection) => {
            return ApiError(AppError::BadRequest {
                message: rejection.body_text(),
            })
            .into_response()
        }
    };
    let message = match serde_json::from_slice::<Value>(&body) {
        Ok(message) => message,
        Err(error) => {
            let error = RpcError::new(PARSE_ERROR, format!("The body is not JSON: {error}."));
            return (
                StatusCode::BAD_REQUEST,
                Json(jsonrpc::failure(Value::Null, error)),
            )
                .into_response();
        }
    };
    match jsonrpc::classify(message) {
        Ok(Message::Notification) => StatusCode::ACCEPTED.into_response(),
        Ok(Message::Request { id, method, params }) => {
            Json(match dispatch(&state, &agent, &method, params).await {
                Ok(result) => jsonrpc::success(id, result),
                Err(error) => jsonrpc::failure(id, error),
            })
            .into_response()
        }
        Err((id, error)) => Json(jsonrpc::failure(id, error)).into_response(),
    }
}

/// A JSON body is required, as on REST; a protocol version we do not speak must be refused with
/// 400 (Streamable HTTP transport, "Protocol Version Header").
fn refuse_headers(headers: &HeaderMap) -> Option<Response> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        let error = AppError::UnsupportedMediaType {
            message: "Send the body as JSON with Content-Type: application/json.".to_owned(),
        };
        return Some(ApiError(error).into_response());
    }
    let version = headers.get("mcp-protocol-version")?;
    if SUPPORTED_VERSIONS
        .iter()
        .any(|supported| version == supported)
    {
        return None;
    }
    let error = RpcError::new(
        INVALID_REQUEST,
        format!("Unsupported MCP-Protocol-Version; this server speaks {PROTOCOL_VERSION}."),
    );
    Some(
        (
            StatusCode::BAD_REQUEST,
            Json(jsonrpc::failure(Value::Null, error)),
        )
            .into_response(),
    )
}

async fn dispatch(
    state: &AppState,
    agent: &AgentPrincipal,
    method: &str,
    params: Map<String, Value>,
) -> Result<Value, RpcError> {
    match method {
        "initialize" => initialize(&params),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(tools::list().clone()),
        "tools/call" => call_tool(state, agent, params).await,
        _ => Err(RpcError::new(
            METHOD_NOT_FOUND,
            format!("No method {method}; this server offers tools only."),
        )),
    }
}

fn initialize(params: &Map<String, Value>) -> Result<Value, RpcError> {
    let requested = params
        .get("protocolVersion")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::new(INVALID_PARAMS, "protocolVersion must be a string."))?;
    let version = SUPPORTED_VERSIONS
        .iter()
        .find(|supported| **supported == requested)
        .unwrap_or(&PROTOCOL_VERSION);
    Ok(json!({
        "protocolVersion": version,
        "capabilities": {"tools": {}},
        "serverInfo": {"name": "verdict", "version": env!("CARGO_PKG_VERSION")},
        "instructions": "Before acting, open a decision (decision_create) and evaluate it \
            (decision_evaluate). Act only when it allows, then record the write (decision_write) \
            and close it (decision_close with action commit). A requires_exception outcome needs \
            a person: decision_request_approval, then decision_wait.",
    }))
}

async fn call_tool(
    state: &AppState,
    agent: &AgentPrincipal,
    mut params: Map<String, Value>,
) -> Result<Value, RpcError> {
    let Some(Value::String(name)) = params.remove("name") else {
        return Err(RpcError::new(INVALID_PARAMS, "name must be a tool's name."));
    };
    // MCP 2025-06-18 lists an unknown tool among protocol errors, not tool results.
    let tool = tools::find(&name)
        .ok_or_else(|| RpcError::new(INVALID_PARAMS, format!("Unknown tool: {name}.")))?;
    let arguments = match params.remove("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(arguments)) => arguments,
        Some(_) => {
            return Err(RpcError::new(
                INVALID_PARAMS,
                "arguments must be an object.",
            ))
        }
    };
    Ok(match tool.call(state, agent, arguments).await {
        Ok(answer) => tool_result(answer, false),
        Err(error) => tool_result(refusal(&error), true),
    })
}

/// The JSON REST answers a refusal with.
fn refusal(error: &AppError) -> Value {
    serde_json::to_value(crate::api_v1::error::ErrorBody::of(error)).unwrap_or_default()
}

/// The answer twice, as the spec asks when a tool returns structured content: as JSON text for
/// clients that read only `content`, and as `structuredContent`.
fn tool_result(answer: Value, is_error: bool) -> Value {
    json!({
        "content": [{"type": "text", "text": answer.to_string()}],
        "structuredContent": answer,
        "isError": is_error,
    })
}
