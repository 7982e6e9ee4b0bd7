//! The JSON-RPC 2.0 envelope MCP speaks: one message per POST (batches were dropped from MCP in
//! 2025-06-18), told apart as request, notification or a client's response by their fields.

use serde::Serialize;
use serde_json::{json, Map, Value};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;

/// One incoming message, classified.
pub enum Message {
    /// Has an `id`: must be answered.
    Request {
        id: Value,
        method: String,
        params: Map<String, Value>,
    },
    /// No `id`, or a response to a request of ours (we send none): nothing to answer.
    Notification,
}

/// Reads one message. `Err` carries the error to answer and the id to answer it under (null when
/// the message is too broken to have one).
pub fn classify(message: Value) -> Result<Message, (Value, RpcError)> {
    let Value::Object(mut message) = message else {
        return Err((
            Value::Null,
            RpcError::new(INVALID_REQUEST, "Send one JSON-RPC 2.0 object per request."),
        ));
    };
    let id = message.remove("id");
    let invalid = |id: Option<Value>, text: &str| {
        Err((
            id.unwrap_or(Value::Null),
            RpcError::new(INVALID_REQUEST, text),
        ))
    };
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid(id, "\"jsonrpc\" must be \"2.0\".");
    }
    let method = match message.remove("method") {
        Some(Value::String(method)) => method,
        Some(_) => return invalid(id, "\"method\" must be a string."),
        None if message.contains_key("result") || message.contains_key("error") => {
            return Ok(Message::Notification)
        }
        None => return invalid(id, "\"method\" is missing."),
    };
    let Some(id) = id else {
        return Ok(Message::Notification);
    };
    if !(id.is_string() || id.is_number()) {
        return invalid(None, "\"id\" must be a string or a number.");
    }
    let params = match message.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(params)) => params,
        Some(_) => {
            return Err((
                id,
                RpcError::new(INVALID_PARAMS, "\"params\" must be an object."),
            ))
        }
    };
    Ok(Message::Request { id, method, params })
}

#[derive(Debug, Serialize)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

pub fn success(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

pub fn failure(id: Value, error: RpcError) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": error})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_notifications_and_broken_messages_are_told_apart() {
        let request = classify(json!({"jsonrpc": "2.0", "id": 7, "method": "ping"}));
        assert!(matches!(request, Ok(Message::Request { ref method, .. }) if method == "ping"));
        let notification =
            classify(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        assert!(matches!(notification, Ok(Message::Notification)));
        let response = classify(json!({"jsonrpc": "2.0", "id": 1, "result": {}}));
        assert!(matches!(response, Ok(Message::Notification)));

        let batch = classify(json!([{"jsonrpc": "2.0", "id": 1, "method": "ping"}]));
        assert!(matches!(
            batch,
            Err((
                Value::Null,
                RpcError {
                    code: INVALID_REQUEST,
                    ..
                }
            ))
        ));
        let old = classify(json!({"jsonrpc": "1.0", "id": 1, "method": "ping"}));
        assert!(matches!(
            old,
            Err((
                _,
                RpcError {
                    code: INVALID_REQUEST,
                    ..
                }
            ))
        ));
        let null_id = classify(json!({"jsonrpc": "2.0", "id": null, "method": "ping"}));
        assert!(matches!(
            null_id,
            Err((
                Value::Null,
                RpcError {
                    code: INVALID_REQUEST,
                    ..
                }
            ))
        ));
        let list_params =
            classify(json!({"jsonrpc": "2.0", "id": "a", "method": "ping", "params": [1]}));
        assert!(matches!(
            list_params,
            Err((
                _,
                RpcError {
                    code: INVALID_PARAMS,
                    ..
                }
            ))
        ));
    }
}
