//! The OpenAPI document and the router come from the same annotations; these tests hold them to
//! each other from the outside: every documented operation is routed, and the agent API's
//! endpoints are all documented.

use crate::common;

use axum::http::StatusCode;
use serde_json::Value;

use common::TestApp;

async fn document(app: &TestApp) -> Value {
    let reply = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.body
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_bearer_schemes() {
    let app = TestApp::new().await;

    let document = document(&app).await;

    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(document["servers"][0]["url"], "/api/v1");
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["agent_key"]["scheme"], "bearer");
    assert_eq!(schemes["personal_token"]["scheme"], "bearer");
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::new().await;
    let document = document(&app).await;
    let paths = document["paths"].as_object().unwrap();

    let mut checked = 0;
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            if !["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let concrete = path
                .replace("{id}", "x")
                .replace("{policy_id}", "y")
                .replace("{product}", "z");
            let body = (method != "get" && method != "delete").then(|| serde_json::json!({}));
            let reply = app
                .call(
                    &method.to_uppercase(),
                    &format!("/api/v1{concrete}"),
                    None,
                    body,
                )
                .await;
            assert_ne!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert!(
                !reply.text.contains("No such API endpoint"),
                "{method} {path} is documented but not routed"
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} operations documented");
}

#[tokio::test]
async fn the_agent_api_is_documented_completely() {
    let app = TestApp::new().await;
    let document = document(&app).await;
    let paths = &document["paths"];

    for (method, path) in [
        ("post", "/decisions"),
        ("post", "/decisions/{id}/context"),
        ("post", "/decisions/{id}/reads"),
        ("post", "/decisions/{id}/evaluate"),
        ("post", "/decisions/{id}/approvals"),
        ("post", "/decisions/{id}/writes"),
        ("post", "/decisions/{id}/close"),
        ("get", "/decisions/{id}"),
        ("get", "/decisions/{id}/trace"),
        ("get", "/decisions/{id}/wait"),
        ("get", "/decisions/{id}/verify"),
        ("post", "/admin/policies"),
        ("post", "/admin/agents"),
        ("post", "/admin/agents/{id}/bindings"),
    ] {
        let operation = &paths[path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        assert!(
            operation["responses"].as_object().unwrap().len() >= 2,
            "{method} {path} documents its refusals"
        );
    }
    let open = &paths["/decisions"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(open["$ref"], "#/components/schemas/OpenDecisionRequest");
    let schema = &document["components"]["schemas"]["OpenDecisionRequest"];
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, ["intent", "automation_mode"]);
}
