use crate::common;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use common::{TestApp, HOST, ORIGIN};
use serde_json::{json, Value};

use app::{model::Role, ssr::Settings};

const GOOD: &str = "policy: cap
inputs:
  amount: { type: number, required: true }
rules:
  - name: small
    when: amount <= 10.0
    outcome: allow
    rationale: \"amount {{amount}} is small\"
tests:
  - name: small passes
    inputs: { amount: 1.0 }
    expect: allow
";

async fn token(app: &TestApp, cookie: &str) -> String {
    app.server_fn(
        "create_token",
        &[("name", "t"), ("expires_in_days", "")],
        Some(cookie),
    )
    .await
    .body["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn dry_run_request(auth: Option<&str>, cookie: Option<&str>, body: String) -> Request<Body> {
    let mut request = Request::post("/api/v1/policies/dry-run")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = auth {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn dry_run_evaluates_a_good_policy_and_persists_nothing() {
    let app = TestApp::new().await;
    let author = app.signed_in(Role::Author).await;
    let token = token(&app, &author).await;
    let body = json!({"source_yaml": GOOD, "context": {"amount": 3.5}}).to_string();

    let reply = app.send(dry_run_request(Some(&token), None, body)).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["evaluation"]["outcome"], "allow");
    assert_eq!(reply.body["evaluation"]["rationale"], "amount 3.5 is small");
    assert_eq!(reply.body["tests"][0]["passed"], true);
    let listed = app.server_fn("list_policies", &[], Some(&author)).await;
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn dry_run_reports_invalid_yaml_with_its_line() {
    let app = TestApp::new().await;
    let author = app.signed_in(Role::Author).await;
    let broken = GOOD.replace("outcome: allow", "outcome: maybe");
    let body = json!({"source_yaml": broken, "context": {}}).to_string();

    let reply = app.send(dry_run_request(None, Some(&author), body)).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["evaluation"], Value::Null);
    let first = &reply.body["diagnostics"][0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["line"], 7);
}

#[tokio::test]
async fn dry_run_refuses_bad_context_bad_json_strangers_and_viewers() {
    let app = TestApp::new().await;
    let viewer = app.signed_in(Role::Viewer).await;
    let viewer_token = token(&app, &viewer).await;
    let author = app.signed_in(Role::Author).await;

    let not_object = app
        .send(dry_run_request(
            None,
            Some(&author),
            json!({"source_yaml": GOOD, "context": [1]}).to_string(),
        ))
        .await;
    let broken_json = app
        .send(dry_run_request(
            None,
            Some(&viewer),
            "{\"source_yaml\": ".to_owned(),
        ))
        .await;
    let stranger = app
        .send(dry_run_request(
            None,
            None,
            json!({"source_yaml": GOOD}).to_string(),
        ))
        .await;
    let viewer_by_token = app
        .send(dry_run_request(
            Some(&viewer_token),
            None,
            json!({"source_yaml": GOOD}).to_string(),
        ))
        .await;
    let viewer_by_session = app
        .send(dry_run_request(
            None,
            Some(&viewer),
            json!({"source_yaml": GOOD}).to_string(),
        ))
        .await;

    assert_eq!(not_object.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(not_object.body["error"]["field"], "context");
    assert_eq!(broken_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
    assert_eq!(viewer_by_token.status, StatusCode::FORBIDDEN);
    assert_eq!(viewer_by_session.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn dry_run_refuses_an_oversized_body_with_413() {
    let app = TestApp::with_settings(Settings {
        max_body_bytes: 4096,
        ..Settings::default()
    })
    .await;
    let author = app.signed_in(Role::Author).await;
    let huge = json!({"source_yaml": "#".repeat(10_000)}).to_string();
    let mut request = dry_run_request(None, Some(&author), huge.clone());
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, huge.len().into());

    let reply = app.send(request).await;

    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn save(app: &TestApp, cookie: &str, id: &str, source: &str, base: i64) -> common::Reply {
    app.server_fn(
        "save_draft",
        &[
            ("id", id),
            ("source", source),
            ("base_revision", &base.to_string()),
        ],
        Some(cookie),
    )
    .await
}

async fn publish(app: &TestApp, cookie: &str, id: &str, base: i64, note: &str) -> common::Reply {
    app.server_fn(
        "publish_policy",
        &[
            ("id", id),
            ("base_revision", &base.to_string()),
            ("change_note", note),
        ],
        Some(cookie),
    )
    .await
}

#[tokio::test]
async fn publishing_makes_immutable_numbered_versions_and_refuses_bad_drafts() {
    let app = TestApp::new().await;
    let author = app.signed_in(Role::Author).await;
    let revision = app.create_draft(&author, "refunds", "refund_limit").await;

    let first = publish(&app, &author, "refunds", revision, "first cut").await;
    let unchanged = publish(&app, &author, "refunds", revision, "again").await;
    let draft = app
        .server_fn("load_policy_draft", &[("id", "refunds")], Some(&author))
        .await;
    let original = draft.body["source"].as_str().unwrap().to_owned();
    let failing = original.replace("expect: requires_exception", "expect: allow");
    let saved = save(&app, &author, "refunds", &failing, revision).await;
    let refused = publish(&app, &author, "refunds", revision + 1, "should fail").await;
    let fixed = failing
        .replace("amount <= 200.0", "amount <= 2000.0")
        .replace("amount > 200.0", "amount > 2000.0");
    save(&app, &author, "refunds", &fixed, revision + 1).await;
    let second = publish(
        &app,
        &author,
        "refunds",
        revision + 2,
        "raise the limit to 250",
    )
    .await;
    let versions = app
        .server_fn("policy_versions", &[("id", "refunds")], Some(&author))
        .await;
    let diff = app
        .server_fn(
            "version_diff",
            &[("id", "refunds"), ("from", "1"), ("to", "2")],
            Some(&author),
        )
        .await;

    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["version"], 1);
    let v1 = app
        .server_fn(
            "load_policy_version",
            &[("id", "refunds"), ("version", "1")],
            Some(&author),
        )
        .await;
    assert_eq!(
        first.body["content_hash"],
        verdict_policy::content_hash(v1.body["source"].as_str().unwrap())
    );
    assert_eq!(unchanged.status, StatusCode::CONFLICT);
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("large refund needs a manager"),
        "{}",
        refused.text
    );
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(second.body["version"], 2);
    assert_eq!(versions.body.as_array().unwrap().len(), 2);
    assert_eq!(
        v1.body["source"], draft.body["source"],
        "version 1 is what was published, unchanged"
    );
    let changed: Vec<&Value> = diff
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|line| line["kind"] != "same")
        .collect();
    assert!(changed
        .iter()
        .any(|line| line["kind"] == "added" && line["text"].as_str().unwrap().contains("2000.0")));
}

#[tokio::test]
async fn a_save_based_on_an_older_draft_is_a_conflict_not_an_overwrite() {
    let app = TestApp::new().await;
    let ana = app.signed_in(Role::Author).await;
    let revision = app.create_draft(&ana, "caps", "").await;
    let source = app
        .server_fn("load_policy_draft", &[("id", "caps")], Some(&ana))
        .await
        .body["source"]
        .as_str()
        .unwrap()
        .to_owned();

    let first = save(&app, &ana, "caps", &format!("{source}# ana\n"), revision).await;
    let second = save(&app, &ana, "caps", &format!("{source}# bo\n"), revision).await;

    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.body["message"].as_str().unwrap().contains("Reload"));
    let now = app
        .server_fn("load_policy_draft", &[("id", "caps")], Some(&ana))
        .await;
    assert!(now.body["source"].as_str().unwrap().ends_with("# ana\n"));
}

#[tokio::test]
async fn publish_and_archive_are_audited_and_archived_policies_stay_read_only() {
    let app = TestApp::new().await;
    let author = app.signed_in(Role::Author).await;
    let revision = app.create_draft(&author, "pii", "pii_access").await;
    let published = publish(&app, &author, "pii", revision, "initial").await;

    let archived = app
        .server_fn("archive_policy", &[("id", "pii")], Some(&author))
        .await;
    let edit_after = save(&app, &author, "pii", "policy: pii\n", revision).await;

    assert_eq!(archived.status, StatusCode::OK);
    assert_eq!(edit_after.status, StatusCode::CONFLICT);
    let entries: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT actor, action, after_json FROM audit_log WHERE target = $1 ORDER BY at, action",
    )
    .bind("pii")
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|(_, action, _)| action.as_str())
        .collect();
    assert!(
        actions.contains(&"policy.publish") && actions.contains(&"policy.archive"),
        "{actions:?}"
    );
    let publish_entry = entries
        .iter()
        .find(|(_, action, _)| action == "policy.publish")
        .unwrap();
    assert_eq!(publish_entry.0, "author@example.com");
    let after: Value = serde_json::from_str(publish_entry.2.as_deref().unwrap()).unwrap();
    assert_eq!(after["version"], 1);
    assert_eq!(after["hash"], published.body["content_hash"]);
    let listed = app.server_fn("list_policies", &[], Some(&author)).await;
    assert_eq!(listed.body[0]["status"], "archived");
}

#[tokio::test]
async fn policy_ids_and_duplicates_are_checked() {
    let app = TestApp::new().await;
    let author = app.signed_in(Role::Author).await;
    app.create_draft(&author, "caps", "").await;

    let duplicate = app
        .server_fn(
            "create_policy",
            &[("id", "caps"), ("template", "")],
            Some(&author),
        )
        .await;
    let bad = app
        .server_fn(
            "create_policy",
            &[("id", "Bad Id!"), ("template", "")],
            Some(&author),
        )
        .await;

    for reply in [duplicate, bad] {
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.body["field"], "id");
    }
}

#[tokio::test]
async fn the_policy_list_and_page_show_agents_and_their_evaluations() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let viewer = app.signed_in(Role::Viewer).await;
    app.publish(&admin, common::REFUND_POLICY).await;
    let agent = app.agent(&admin, "refund-bot", &["refund_limit"]).await;
    let decision = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    app.step(
        &agent,
        &decision,
        "evaluate",
        json!({"inputs": {"amount": 950.0, "currency": "USD"}}),
    )
    .await;

    let listed = app.server_fn("list_policies", &[], Some(&viewer)).await;
    let recent = app
        .server_fn(
            "recent_evaluations",
            &[("id", "refund_limit")],
            Some(&viewer),
        )
        .await;

    let refund = &listed.body.as_array().unwrap()[0];
    assert_eq!(refund["bound_agents"], 1);
    assert_eq!(refund["evaluations_24h"], 1);
    assert!(refund["last_evaluated_at"].is_i64());
    assert_eq!(recent.status, StatusCode::OK, "{}", recent.text);
    let first = &recent.body[0];
    assert_eq!(first["agent_name"], "refund-bot");
    assert_eq!(first["outcome"], "requires_exception");
    assert_eq!(first["matched_rules"], json!(["large_refund"]));
    assert_eq!(first["decision_id"], decision.as_str());
}
