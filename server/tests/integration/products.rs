//! The data product catalogue over `/api/v1/admin/products`, the pages' server functions and
//! `verdict product apply`: versions, bad definitions with their lines, grants, archiving and
//! who may do what.

use crate::common;

use std::process::Command;

use axum::http::StatusCode;
use serde_json::{json, Value};

use app::model::Role;
use common::{Reply, TestApp};

const PROFILES: &str = include_str!("../../../app/src/products/customer_profiles.yaml");
const PAYMENTS: &str = include_str!("../../../app/src/products/payments.yaml");

async fn apply(app: &TestApp, token: &str, source: &str) -> Reply {
    app.call(
        "POST",
        "/api/v1/admin/products",
        Some(token),
        Some(json!({ "source_yaml": source })),
    )
    .await
}

async fn grant(app: &TestApp, token: &str, agent: &str, body: Value) -> Reply {
    app.call(
        "POST",
        &format!("/api/v1/admin/agents/{agent}/grants"),
        Some(token),
        Some(body),
    )
    .await
}

async fn get(app: &TestApp, token: &str, path: &str) -> Reply {
    app.call("GET", path, Some(token), None).await
}

async fn delete(app: &TestApp, token: &str, path: &str) -> Reply {
    app.call("DELETE", path, Some(token), None).await
}

/// The refusal's field and message, asserting it is a 422.
fn invalid(reply: &Reply) -> (String, String) {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.body["error"]["code"], "invalid", "{}", reply.text);
    (
        reply.body["error"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        reply.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn applying_creates_versions_and_an_identical_source_changes_nothing() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;

    let first = apply(&app, &admin, PROFILES).await;
    let again = apply(&app, &admin, &PROFILES.replace('\n', "\r\n")).await;
    let changed = PROFILES.replace("[support, compliance]", "[support, compliance, fraud]");
    let second = apply(&app, &admin, &changed).await;

    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.body["product"], "customer_profiles");
    assert_eq!(first.body["version"], 1);
    assert_eq!(first.body["applied"], true);
    assert_eq!(first.body["warnings"], json!([]));
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["applied"], false);
    assert_eq!(again.body["version"], 1);
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    assert_eq!(second.body["version"], 2);

    let shown = get(&app, &admin, "/api/v1/admin/products/customer_profiles").await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    let product = &shown.body["product"];
    assert_eq!(product["latest_version"], 2);
    assert_eq!(product["classification"], "confidential");
    assert_eq!(product["contains_pii"], true);
    assert_eq!(
        product["allowed_purposes"],
        json!(["support", "compliance", "fraud"])
    );
    assert_eq!(
        product["operations"],
        json!([{"name": "profile.read", "kind": "read", "risk_tier": "read_only", "approval": "none"}])
    );
    assert_eq!(product["updated_by"], "admin@example.com");
    assert_eq!(shown.body["source_yaml"], changed);

    let versions = get(
        &app,
        &admin,
        "/api/v1/admin/products/customer_profiles/versions",
    )
    .await;
    assert_eq!(versions.status, StatusCode::OK, "{}", versions.text);
    let listed: Vec<i64> = versions
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [2, 1]);
    assert_eq!(versions.body[1]["source_yaml"], PROFILES);
    assert_eq!(versions.body[1]["published_by"], "admin@example.com");

    let audit: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, target FROM audit_log WHERE action = 'product.apply' ORDER BY at",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        audit.len(),
        2,
        "an unchanged apply is not audited: {audit:?}"
    );
}

#[tokio::test]
async fn the_list_shows_every_product_at_its_latest_version() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    apply(&app, &admin, PROFILES).await;
    apply(&app, &admin, PAYMENTS).await;

    let listed = get(&app, &admin, "/api/v1/admin/products").await;

    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let names: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["customer_profiles", "payments"]);
    let refund = &listed.body[1]["operations"][1];
    assert_eq!(refund["name"], "refund.create");
    assert_eq!(refund["kind"], "write");
    assert_eq!(refund["risk_tier"], "network");
    assert_eq!(refund["approval"], "required");
}

#[tokio::test]
async fn bad_definitions_are_refused_naming_the_field_and_line() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;

    let cases = [
        (
            PAYMENTS.replace("name: refund.create", "name: payment.read"),
            "line 12:11",
            "defined twice",
        ),
        (
            PAYMENTS.replace("risk_tier: network", "risk_tier: dangerous"),
            "line 14:16",
            "unknown risk tier `dangerous`",
        ),
        (
            PAYMENTS.replace("kind: write", "kind: delete"),
            "line 13:11",
            "unknown operation kind `delete`",
        ),
        (
            PAYMENTS.replace("classification: restricted", "classification: secret"),
            "line 4:17",
            "unknown classification `secret`",
        ),
        (
            PAYMENTS.replace("approval: required", "approval: sometimes"),
            "line 15:15",
            "unknown approval `sometimes`",
        ),
        (
            PAYMENTS.replace("owner_team:", "team:"),
            "line 3:1",
            "unknown key `team`",
        ),
        (
            PAYMENTS.replace("product: payments", "product: Payments!"),
            "line 1:10",
            "invalid product name",
        ),
        ("product: [oops".to_owned(), "line ", "YAML syntax error"),
    ];
    for (source, line, words) in &cases {
        let reply = apply(&app, &admin, source).await;
        let (field, message) = invalid(&reply);
        assert_eq!(field, "source_yaml", "{message}");
        assert!(message.contains(line), "{line}: {message}");
        assert!(message.contains(words), "{words}: {message}");
    }

    let listed = get(&app, &admin, "/api/v1/admin/products").await;
    assert_eq!(listed.body, json!([]), "nothing was written");
}

#[tokio::test]
async fn a_pii_product_without_purposes_is_applied_with_a_warning() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let source = PROFILES.replace("allowed_purposes: [support, compliance]\n", "");

    let reply = apply(&app, &admin, &source).await;

    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let warnings = reply.body["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].as_str().unwrap();
    assert!(warning.starts_with("line 5:15:"), "{warning}");
    assert!(warning.contains("no `allowed_purposes`"), "{warning}");
}

#[tokio::test]
async fn unknown_fields_in_the_body_and_unknown_products_are_refused() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;

    let extra = app
        .call(
            "POST",
            "/api/v1/admin/products",
            Some(&admin),
            Some(json!({"source_yaml": PAYMENTS, "note": "x"})),
        )
        .await;
    let missing = get(&app, &admin, "/api/v1/admin/products/nothing_here").await;
    let missing_versions = get(&app, &admin, "/api/v1/admin/products/nothing_here/versions").await;

    assert_eq!(invalid(&extra).0, "note");
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    assert_eq!(missing_versions.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn grants_name_known_operations_and_replace_per_product() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    apply(&app, &admin, PROFILES).await;
    apply(&app, &admin, PAYMENTS).await;
    let agent = app.agent(&admin, "support-bot", &[]).await;

    let first = grant(
        &app,
        &admin,
        "support-bot",
        json!({"product": "payments", "operations": ["refund.create", "payment.read"]}),
    )
    .await;
    let narrowed = grant(
        &app,
        &admin,
        &agent.id,
        json!({"product": "payments", "operations": ["payment.read"]}),
    )
    .await;
    let profiles = grant(
        &app,
        &admin,
        &agent.id,
        json!({"product": "customer_profiles", "operations": ["profile.read"]}),
    )
    .await;

    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(
        first.body["operations"],
        json!(["payment.read", "refund.create"])
    );
    assert_eq!(first.body["agent_name"], "support-bot");
    assert_eq!(narrowed.status, StatusCode::CREATED, "{}", narrowed.text);
    assert_eq!(narrowed.body["operations"], json!(["payment.read"]));
    assert_eq!(profiles.status, StatusCode::CREATED, "{}", profiles.text);

    let listed = get(
        &app,
        &admin,
        &format!("/api/v1/admin/agents/{}/grants", agent.id),
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let held: Vec<(String, Value)> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["product"].as_str().unwrap().to_owned(),
                g["operations"].clone(),
            )
        })
        .collect();
    assert_eq!(
        held,
        [
            ("customer_profiles".to_owned(), json!(["profile.read"])),
            ("payments".to_owned(), json!(["payment.read"])),
        ]
    );
    let product = get(&app, &admin, "/api/v1/admin/products/payments").await;
    assert_eq!(product.body["product"]["granted_agents"], 1);
    assert_eq!(product.body["grants"][0]["agent_name"], "support-bot");

    let revoked = delete(
        &app,
        &admin,
        "/api/v1/admin/agents/support-bot/grants/payments",
    )
    .await;
    let revoked_again = delete(
        &app,
        &admin,
        "/api/v1/admin/agents/support-bot/grants/payments",
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text);
    assert_eq!(revoked_again.status, StatusCode::NOT_FOUND);
    let after = get(&app, &admin, "/api/v1/admin/agents/support-bot/grants").await;
    assert_eq!(after.body.as_array().unwrap().len(), 1, "{}", after.text);

    let audit: Vec<(String,)> = sqlx::query_as(
        "SELECT action FROM audit_log WHERE target = 'support-bot' AND action LIKE 'agent.%grant' \
         ORDER BY at",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let mut actions: Vec<&str> = audit.iter().map(|(a,)| a.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "agent.grant",
            "agent.grant",
            "agent.grant",
            "agent.revoke_grant"
        ]
    );
}

#[tokio::test]
async fn grants_of_unknown_products_or_operations_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    apply(&app, &admin, PAYMENTS).await;
    app.agent(&admin, "support-bot", &[]).await;

    let unknown_product = grant(
        &app,
        &admin,
        "support-bot",
        json!({"product": "ledgers", "operations": ["entry.read"]}),
    )
    .await;
    let bad_name = grant(
        &app,
        &admin,
        "support-bot",
        json!({"product": "Ledgers!", "operations": ["entry.read"]}),
    )
    .await;
    let unknown_operation = grant(
        &app,
        &admin,
        "support-bot",
        json!({"product": "payments", "operations": ["payment.read", "refund.delete"]}),
    )
    .await;
    let no_operations = grant(
        &app,
        &admin,
        "support-bot",
        json!({"product": "payments", "operations": []}),
    )
    .await;
    let unknown_agent = grant(
        &app,
        &admin,
        "nobody",
        json!({"product": "payments", "operations": ["payment.read"]}),
    )
    .await;

    let (field, message) = invalid(&unknown_product);
    assert_eq!(field, "product");
    assert!(message.contains("ledgers"), "{message}");
    assert_eq!(invalid(&bad_name).0, "product");
    let (field, message) = invalid(&unknown_operation);
    assert_eq!(field, "operations");
    assert!(message.contains("refund.delete"), "{message}");
    assert_eq!(invalid(&no_operations).0, "operations");
    assert_eq!(unknown_agent.status, StatusCode::NOT_FOUND);

    let held = get(&app, &admin, "/api/v1/admin/agents/support-bot/grants").await;
    assert_eq!(held.body, json!([]), "nothing was granted");
}

#[tokio::test]
async fn readers_may_look_but_only_admins_apply_archive_and_grant() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    apply(&app, &admin, PAYMENTS).await;
    app.agent(&admin, "support-bot", &[]).await;

    for role in [Role::Author, Role::Approver, Role::Viewer] {
        let token = app
            .token_for(&format!("{}@example.com", role.as_str()), role)
            .await;
        for path in [
            "/api/v1/admin/products",
            "/api/v1/admin/products/payments",
            "/api/v1/admin/products/payments/versions",
            "/api/v1/admin/agents/support-bot/grants",
        ] {
            let reply = get(&app, &token, path).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{role:?} {path}: {}",
                reply.text
            );
        }
        let applied = apply(&app, &token, PROFILES).await;
        let granted = grant(
            &app,
            &token,
            "support-bot",
            json!({"product": "payments", "operations": ["payment.read"]}),
        )
        .await;
        let revoked = delete(
            &app,
            &token,
            "/api/v1/admin/agents/support-bot/grants/payments",
        )
        .await;
        let archived = archive(&app, &token, "payments").await;
        for reply in [&applied, &granted, &revoked, &archived] {
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{role:?}: {}",
                reply.text
            );
        }
    }
    let anonymous = app.call("GET", "/api/v1/admin/products", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let anonymous_archive = app
        .call(
            "POST",
            "/api/v1/admin/products/payments/archive",
            None,
            None,
        )
        .await;
    assert_eq!(anonymous_archive.status, StatusCode::UNAUTHORIZED);
    let listed = get(&app, &admin, "/api/v1/admin/products").await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1, "nothing applied");
    assert_eq!(listed.body[0]["status"], "active", "nothing archived");
}

async fn archive(app: &TestApp, token: &str, product: &str) -> Reply {
    app.call(
        "POST",
        &format!("/api/v1/admin/products/{product}/archive"),
        Some(token),
        None,
    )
    .await
}

#[tokio::test]
async fn an_archived_product_is_kept_but_can_no_longer_change_or_be_granted() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    apply(&app, &admin, PAYMENTS).await;
    app.agent(&admin, "support-bot", &[]).await;
    let held = grant(
        &app,
        &admin,
        "support-bot",
        json!({"product": "payments", "operations": ["payment.read"]}),
    )
    .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.text);

    let archived = archive(&app, &admin, "payments").await;
    let again = archive(&app, &admin, "payments").await;
    let applied = apply(&app, &admin, &PAYMENTS.replace("billing", "fraud")).await;
    let granted = grant(
        &app,
        &admin,
        "support-bot",
        json!({"product": "payments", "operations": ["refund.create"]}),
    )
    .await;
    let unknown = archive(&app, &admin, "ledgers").await;

    assert_eq!(archived.status, StatusCode::OK, "{}", archived.text);
    assert_eq!(archived.body["name"], "payments");
    assert_eq!(archived.body["status"], "archived");
    assert_eq!(archived.body["latest_version"], 1);
    assert_eq!(archived.body["granted_agents"], 1);
    for (reply, words) in [
        (&again, "archived already"),
        (&applied, "archived"),
        (&granted, "archived"),
    ] {
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
        assert_eq!(reply.body["error"]["code"], "conflict", "{}", reply.text);
        let message = reply.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{words}: {message}");
    }
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);

    let shown = get(&app, &admin, "/api/v1/admin/products/payments").await;
    assert_eq!(shown.body["product"]["status"], "archived");
    assert_eq!(shown.body["source_yaml"], PAYMENTS, "no new version");
    let versions = get(&app, &admin, "/api/v1/admin/products/payments/versions").await;
    assert_eq!(versions.body.as_array().unwrap().len(), 1);
    let kept = get(&app, &admin, "/api/v1/admin/agents/support-bot/grants").await;
    assert_eq!(
        kept.body[0]["operations"],
        json!(["payment.read"]),
        "the grant stays"
    );
    let revoked = delete(
        &app,
        &admin,
        "/api/v1/admin/agents/support-bot/grants/payments",
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text);

    let audit: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT actor, target, before_json, after_json FROM audit_log \
         WHERE action = 'product.archive'",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(audit.len(), 1, "archived once: {audit:?}");
    let (actor, target, before, after) = &audit[0];
    assert_eq!(
        (actor.as_str(), target.as_str()),
        ("admin@example.com", "payments")
    );
    let before: Value = serde_json::from_str(before.as_deref().unwrap()).unwrap();
    let after: Value = serde_json::from_str(after.as_deref().unwrap()).unwrap();
    assert_eq!(before, json!({"status": "active", "version": 1}));
    assert_eq!(after, json!({"status": "archived"}));
}

/// The agent page's grant form for support-bot and payments as the browser posts it: each
/// ticked operation as `operations[]`.
async fn grant_form(app: &TestApp, cookie: &str, operations: &[&str]) -> Reply {
    let mut fields = vec![("agent", "support-bot"), ("product", "payments")];
    fields.extend(
        operations
            .iter()
            .map(|operation| ("operations[]", *operation)),
    );
    app.server_fn("grant_product", &fields, Some(cookie)).await
}

/// The products page and the agent's page use these server functions, with the browser's form
/// encoding (ticked operations arrive as `operations[]`).
#[tokio::test]
async fn the_pages_apply_archive_and_grant_through_server_functions() {
    let app = TestApp::new().await;
    let admin_token = app.token_for("second-admin@example.com", Role::Admin).await;
    app.agent(&admin_token, "support-bot", &[]).await;
    let admin = app.signed_in(Role::Admin).await;
    let viewer = app.signed_in(Role::Viewer).await;

    let broken = app
        .server_fn(
            "apply_product",
            &[(
                "source_yaml",
                &PAYMENTS.replace("kind: write", "kind: delete"),
            )],
            Some(&admin),
        )
        .await;
    let applied = app
        .server_fn("apply_product", &[("source_yaml", PAYMENTS)], Some(&admin))
        .await;
    let by_viewer = app
        .server_fn("apply_product", &[("source_yaml", PROFILES)], Some(&viewer))
        .await;
    assert_eq!(
        broken.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        broken.text
    );
    assert_eq!(broken.body["field"], "source_yaml");
    assert!(
        broken.body["message"]
            .as_str()
            .unwrap()
            .contains("line 13:11"),
        "{}",
        broken.text
    );
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.text);
    assert_eq!(applied.body["version"], 1);
    assert_eq!(
        by_viewer.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_viewer.text
    );

    let nothing_ticked = grant_form(&app, &admin, &[]).await;
    let granted = grant_form(&app, &admin, &["payment.read", "refund.create"]).await;
    let by_viewer = grant_form(&app, &viewer, &["payment.read"]).await;
    assert_eq!(
        by_viewer.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_viewer.text
    );
    assert_eq!(nothing_ticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nothing_ticked.body["field"], "operations");
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    assert_eq!(
        granted.body["operations"],
        json!(["payment.read", "refund.create"])
    );

    let seen = app
        .server_fn(
            "load_agent_grants",
            &[("agent", "support-bot")],
            Some(&viewer),
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    assert_eq!(seen.body["grants"][0]["product"], "payments");
    assert_eq!(seen.body["grantable"], json!([]), "viewers grant nothing");
    let offered = app
        .server_fn(
            "load_agent_grants",
            &[("agent", "support-bot")],
            Some(&admin),
        )
        .await;
    assert_eq!(offered.body["grantable"][0]["name"], "payments");

    let archived = app
        .server_fn("archive_product", &[("name", "payments")], Some(&admin))
        .await;
    let archived_by_viewer = app
        .server_fn("archive_product", &[("name", "payments")], Some(&viewer))
        .await;
    let again = app
        .server_fn("archive_product", &[("name", "payments")], Some(&admin))
        .await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.text);
    assert_eq!(archived_by_viewer.status, StatusCode::FORBIDDEN);
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let offered = app
        .server_fn(
            "load_agent_grants",
            &[("agent", "support-bot")],
            Some(&admin),
        )
        .await;
    assert_eq!(
        offered.body["grantable"],
        json!([]),
        "archived: not offered"
    );

    let revoked = app
        .server_fn(
            "revoke_product_grant",
            &[("agent", "support-bot"), ("product", "payments")],
            Some(&admin),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);

    let product_area = app
        .server_fn("load_audit", &[("query", "area=product")], Some(&viewer))
        .await;
    assert_eq!(product_area.status, StatusCode::OK, "{}", product_area.text);
    let actions: Vec<&str> = product_area.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["product.archive", "product.apply"]);
}

fn verdict(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .env("VERDICT_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run verdict")
}

#[test]
fn products_are_applied_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("verdict.db").display());
    let good = dir.path().join("payments.yaml");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&good, PAYMENTS).unwrap();
    std::fs::write(
        &bad,
        PAYMENTS.replace("risk_tier: network", "risk_tier: huge"),
    )
    .unwrap();
    let good = good.to_str().unwrap();

    let first = verdict(&url, &["product", "apply", good]);
    let again = verdict(&url, &["product", "apply", good]);
    let refused = verdict(&url, &["product", "apply", bad.to_str().unwrap()]);

    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied payments v1"));
    assert!(String::from_utf8_lossy(&again.stdout).contains("unchanged payments v1"));
    assert!(!refused.status.success());
    let printed = String::from_utf8_lossy(&refused.stderr);
    assert!(
        printed.contains("line 14:16") && printed.contains("unknown risk tier `huge`"),
        "{printed}"
    );
}
