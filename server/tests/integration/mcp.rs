//! The MCP endpoint over the real router: the handshake, the tool catalogue, a decision's whole
//! lifecycle through `tools/call`, and refusals answered as REST answers them.

use crate::common;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use serde_json::{json, Value};
use tower::ServiceExt;

use common::{RefundAgent, Reply, TestApp, HOST};

const REFUND: &str = "billing.refund.create";

/// POSTs one raw body to `/mcp` as a Streamable HTTP client does.
async fn post(app: &TestApp, key: Option<&str>, body: String) -> Reply {
    let mut request = Request::post("/mcp")
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream");
    if let Some(key) = key {
        request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    app.send(request.body(Body::from(body)).expect("request"))
        .await
}

async fn rpc(app: &TestApp, key: &str, method: &str, params: Value) -> Reply {
    let message = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    post(app, Some(key), message.to_string()).await
}

/// Calls a tool and returns its result (`content`, `structuredContent`, `isError`).
async fn call(world: &RefundAgent, tool: &str, arguments: Value) -> Value {
    let reply = rpc(
        &world.app,
        &world.agent.key,
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["id"], 1, "{}", reply.text);
    reply.body["result"].clone()
}

fn assert_answered(result: &Value) {
    assert_eq!(result["isError"], false, "{result}");
    let text = result["content"][0]["text"].as_str().unwrap_or_default();
    let parsed: Value = serde_json::from_str(text).unwrap_or_default();
    assert_eq!(
        parsed, result["structuredContent"],
        "text and structure agree"
    );
}

fn assert_refused(result: &Value, code: &str) {
    assert_eq!(result["isError"], true, "{result}");
    assert_eq!(
        result["structuredContent"]["error"]["code"], code,
        "{result}"
    );
    let text = result["content"][0]["text"].as_str().unwrap_or_default();
    let parsed: Value = serde_json::from_str(text).unwrap_or_default();
    assert_eq!(
        parsed, result["structuredContent"],
        "text and structure agree"
    );
}

#[tokio::test]
async fn initialize_answers_our_protocol_version_and_the_tools_capability() {
    let world = TestApp::with_refund_agent().await;

    let reply = rpc(
        &world.app,
        &world.agent.key,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
    )
    .await;
    let unknown_version = rpc(
        &world.app,
        &world.agent.key,
        "initialize",
        json!({"protocolVersion": "1999-01-01", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
    )
    .await;
    let initialized = post(
        &world.app,
        Some(&world.agent.key),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
    )
    .await;
    let ping = rpc(&world.app, &world.agent.key, "ping", json!({})).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let result = &reply.body["result"];
    assert_eq!(result["protocolVersion"], "2025-06-18");
    assert_eq!(result["serverInfo"]["name"], "verdict");
    assert!(result["serverInfo"]["version"].is_string());
    assert_eq!(result["capabilities"], json!({"tools": {}}));
    assert_eq!(
        unknown_version.body["result"]["protocolVersion"],
        "2025-06-18"
    );
    assert_eq!(initialized.status, StatusCode::ACCEPTED);
    assert!(initialized.text.is_empty(), "{}", initialized.text);
    assert_eq!(ping.body, json!({"jsonrpc": "2.0", "id": 1, "result": {}}));
}

#[tokio::test]
async fn tools_list_offers_one_tool_per_rest_call_with_object_schemas() {
    let world = TestApp::with_refund_agent().await;

    let reply = rpc(&world.app, &world.agent.key, "tools/list", json!({})).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let tools = reply.body["result"]["tools"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = tools
        .iter()
        .filter_map(|tool| tool["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "decision_create",
            "decision_add_context",
            "decision_read",
            "decision_evaluate",
            "decision_request_approval",
            "decision_write",
            "decision_get",
            "decision_wait",
            "decision_close",
            "decision_trace",
            "decision_receipt"
        ]
    );
    for tool in &tools {
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        assert!(tool["description"].is_string(), "{tool}");
    }
    let evaluate = &tools[3]["inputSchema"];
    assert_eq!(evaluate["required"], json!(["decision_id"]));
    let wait = &tools[7]["inputSchema"]["properties"];
    assert!(
        wait["decision_id"].is_object() && wait["timeout"].is_object() && wait["since"].is_object()
    );
}

#[tokio::test]
async fn a_decision_runs_from_create_to_commit_through_tools() {
    let world = TestApp::with_refund_agent().await;

    let created = call(
        &world,
        "decision_create",
        json!({"intent": REFUND, "automation_mode": "autonomous"}),
    )
    .await;
    let id = created["structuredContent"]["decision_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let evaluated = call(
        &world,
        "decision_evaluate",
        json!({"decision_id": id, "inputs": {"amount": 35.5, "currency": "EUR"}}),
    )
    .await;
    let written = call(
        &world,
        "decision_write",
        json!({"decision_id": id, "product": "billing", "operation": "refund.create"}),
    )
    .await;
    let closed = call(
        &world,
        "decision_close",
        json!({"decision_id": id, "action": "commit"}),
    )
    .await;
    let fetched = call(&world, "decision_get", json!({"decision_id": id})).await;
    let waited = call(
        &world,
        "decision_wait",
        json!({"decision_id": id, "timeout": 0, "since": "open"}),
    )
    .await;
    let traced = call(&world, "decision_trace", json!({"decision_id": id})).await;
    let receipt = call(&world, "decision_receipt", json!({"decision_id": id})).await;

    assert_answered(&created);
    assert_eq!(created["structuredContent"]["status"], "open");
    assert_answered(&evaluated);
    assert_eq!(evaluated["structuredContent"]["outcome"], "allow");
    assert_answered(&written);
    assert_eq!(written["structuredContent"]["kind"], "write");
    assert_answered(&closed);
    assert_eq!(closed["structuredContent"]["status"], "committed");
    // The close answer is the decision with its signed receipt, as REST's is.
    let mut closed_decision = closed["structuredContent"].clone();
    let closing_receipt = closed_decision
        .as_object_mut()
        .and_then(|answer| answer.remove("receipt"))
        .unwrap_or_default();
    assert_eq!(fetched["structuredContent"], closed_decision);
    assert_eq!(closing_receipt["receipt"]["decision_id"], id.as_str());
    assert_eq!(closing_receipt["receipt"]["status"], "committed");
    assert_eq!(closing_receipt["signature"]["alg"], "EdDSA");
    assert_answered(&receipt);
    let fetched_receipt = &receipt["structuredContent"];
    assert_eq!(fetched_receipt["receipt"]["decision_id"], id.as_str());
    assert_eq!(
        fetched_receipt["receipt"]["chain_head"],
        closing_receipt["receipt"]["chain_head"]
    );
    let checked = world
        .app
        .call(
            "POST",
            "/api/v1/receipts/verify",
            None,
            Some(fetched_receipt.clone()),
        )
        .await;
    assert_eq!(checked.body["verified"], true, "{}", checked.text);
    assert_eq!(waited["structuredContent"]["changed"], true);
    let rest = world
        .app
        .call(
            "GET",
            &format!("/api/v1/decisions/{id}/trace"),
            Some(&world.agent.key),
            None,
        )
        .await;
    assert_eq!(
        traced["structuredContent"], rest.body,
        "the same answer as REST"
    );
}

#[tokio::test]
async fn refusals_are_tool_errors_with_the_rest_error_codes() {
    let world = TestApp::with_refund_agent().await;
    let other = world
        .app
        .agent(&world.admin, "other-bot", &["refund_limit"])
        .await;
    let theirs = world.app.open_decision(&other, REFUND, "autonomous").await;
    let ours = world
        .app
        .open_decision(&world.agent, REFUND, "autonomous")
        .await;

    let early_write = call(
        &world,
        "decision_write",
        json!({"decision_id": ours, "product": "billing", "operation": "refund.create"}),
    )
    .await;
    let not_ours = call(&world, "decision_get", json!({"decision_id": theirs})).await;
    let their_receipt = call(&world, "decision_receipt", json!({"decision_id": theirs})).await;
    let open_receipt = call(&world, "decision_receipt", json!({"decision_id": ours})).await;
    let bad_mode = call(
        &world,
        "decision_create",
        json!({"intent": REFUND, "automation_mode": "yolo"}),
    )
    .await;
    let extra_field = call(
        &world,
        "decision_get",
        json!({"decision_id": ours, "colour": "red"}),
    )
    .await;
    let rest_write = world
        .app
        .step(
            &world.agent,
            &ours,
            "writes",
            json!({"product": "billing", "operation": "refund.create"}),
        )
        .await;

    assert_refused(&early_write, "conflict");
    assert_eq!(
        early_write["structuredContent"], rest_write.body,
        "the same refusal as REST"
    );
    assert_refused(&not_ours, "not_found");
    assert_refused(&their_receipt, "not_found");
    assert_refused(&open_receipt, "conflict");
    assert_refused(&bad_mode, "invalid");
    assert_eq!(
        bad_mode["structuredContent"]["error"]["field"],
        "automation_mode"
    );
    assert_refused(&extra_field, "invalid");
    assert_eq!(extra_field["structuredContent"]["error"]["field"], "colour");
}

#[tokio::test]
async fn a_write_of_another_action_is_refused_over_mcp_as_over_rest() {
    let world = TestApp::with_refund_agent().await;
    let decision = world
        .app
        .open_decision(&world.agent, REFUND, "autonomous")
        .await;
    let action = |amount: i64| {
        json!({"product": "payments", "operation": "refund.create",
               "arguments": {"amount": amount, "currency": "USD"}})
    };
    let evaluated = call(
        &world,
        "decision_evaluate",
        json!({"decision_id": decision, "action": action(20)}),
    )
    .await;
    assert_answered(&evaluated);
    assert_eq!(evaluated["structuredContent"]["outcome"], "allow");

    let other = call(
        &world,
        "decision_write",
        json!({"decision_id": decision, "action": action(2000)}),
    )
    .await;
    assert_refused(&other, "action_mismatch");
    assert_eq!(
        other["structuredContent"]["error"]["differing"],
        json!(["arguments.amount"])
    );
    let same = call(
        &world,
        "decision_write",
        json!({"decision_id": decision, "action": action(20)}),
    )
    .await;
    assert_answered(&same);
    let kinds = world.app.event_kinds(&world.agent, &decision).await;
    assert_eq!(
        kinds,
        ["decision_opened", "policy_eval", "write_refused", "write"],
        "the refused attempt is on the record"
    );
}

#[tokio::test]
async fn protocol_errors_are_json_rpc_errors() {
    let world = TestApp::with_refund_agent().await;
    let key = world.agent.key.as_str();

    let unknown_tool = rpc(
        &world.app,
        key,
        "tools/call",
        json!({"name": "decision_delete", "arguments": {}}),
    )
    .await;
    let unknown_method = rpc(&world.app, key, "resources/list", json!({})).await;
    let malformed = post(&world.app, Some(key), "{not json".to_owned()).await;
    let no_name = rpc(&world.app, key, "tools/call", json!({"arguments": {}})).await;
    let empty = post(&world.app, Some(key), String::new()).await;

    assert_eq!(unknown_tool.status, StatusCode::OK);
    assert_eq!(
        unknown_tool.body["error"]["code"], -32602,
        "{}",
        unknown_tool.text
    );
    assert_eq!(unknown_method.body["error"]["code"], -32601);
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.body["error"]["code"], -32700);
    assert_eq!(malformed.body["id"], Value::Null);
    assert_eq!(no_name.body["error"]["code"], -32602);
    assert_eq!(empty.body["error"]["code"], -32700);
}

#[tokio::test]
async fn the_endpoint_takes_agent_keys_only_and_post_only() {
    let world = TestApp::with_refund_agent().await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();

    let no_key = post(&world.app, None, ping.clone()).await;
    let challenge = world
        .app
        .router
        .clone()
        .oneshot(
            Request::post("/mcp")
                .header(header::HOST, HOST)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(ping.clone()))
                .expect("request"),
        )
        .await
        .map(|response| response.headers().get(header::WWW_AUTHENTICATE).cloned());
    let bad_key = post(&world.app, Some("vk_not_a_key"), ping).await;
    let get = world
        .app
        .call("GET", "/mcp", Some(&world.agent.key), None)
        .await;
    let unsupported_version = world
        .app
        .send(
            Request::post("/mcp")
                .header(header::HOST, HOST)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {}", world.agent.key))
                .header("mcp-protocol-version", "1999-01-01")
                .body(Body::from(
                    json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string(),
                ))
                .expect("request"),
        )
        .await;

    assert_eq!(no_key.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no_key.body["error"]["code"], "unauthenticated");
    assert_eq!(
        challenge
            .ok()
            .flatten()
            .as_ref()
            .and_then(|value| value.to_str().ok()),
        Some("Bearer")
    );
    assert_eq!(bad_key.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_key.body["error"]["code"], "unauthenticated");
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(unsupported_version.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reads_take_the_catalogue_fields_and_refusals_are_recorded_over_mcp_as_over_rest() {
    let world = TestApp::with_refund_agent().await;
    let profiles = include_str!("../../../app/src/products/customer_profiles.yaml");
    let applied = world
        .app
        .call(
            "POST",
            "/api/v1/admin/products",
            Some(&world.admin),
            Some(json!({ "source_yaml": profiles })),
        )
        .await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.text);
    let granted = world
        .app
        .call(
            "POST",
            &format!("/api/v1/admin/agents/{}/grants", world.agent.id),
            Some(&world.admin),
            Some(json!({"product": "customer_profiles", "operations": ["profile.read"]})),
        )
        .await;
    assert!(granted.status.is_success(), "{}", granted.text);
    let decision = world
        .app
        .open_decision(&world.agent, REFUND, "autonomous")
        .await;
    let read = |purpose: &str| {
        json!({"decision_id": decision, "product": "customer_profiles",
               "operation": "profile.read", "purpose": purpose, "fields": ["email"]})
    };

    let refused = call(&world, "decision_read", read("marketing")).await;
    let allowed = call(&world, "decision_read", read("support")).await;

    assert_answered(&allowed);
    assert_eq!(
        allowed["structuredContent"]["payload"]["risk_tier"],
        "read_only"
    );
    assert_refused(&refused, "purpose_not_allowed");
    assert_eq!(refused["structuredContent"]["error"]["field"], "purpose");
    let kinds = world.app.event_kinds(&world.agent, &decision).await;
    assert_eq!(kinds, ["decision_opened", "read_refused", "read"]);
}
