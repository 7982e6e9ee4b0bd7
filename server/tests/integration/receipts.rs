//! Signed receipts: issued in the close answer and on demand (agents, people, expiry), the public
//! key set, verification by anyone (the API, the command line and independent Python
//! implementations, the README's among them), and every bad input answered clearly, never with a
//! 500.

use std::{path::Path, process::Command};

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};

use app::{
    model::Role,
    ssr::services::{approvals, receipts},
};
use common::{RefundAgent, TestAgent, TestApp, HOST};

use crate::common;

const VERIFY: &str = "/api/v1/receipts/verify";
const KEYS: &str = "/.well-known/verdict-keys.json";

/// A committed refund decision, and its signed receipt as a JSON document.
async fn committed_decision(app: &TestApp) -> (String, Value) {
    let (_, agent) = app.refund_agent().await;
    let decision = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    let evaluated = app
        .step(
            &agent,
            &decision,
            "evaluate",
            json!({"inputs": {"amount": 35.5, "currency": "EUR"}}),
        )
        .await;
    assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
    let written = app
        .step(
            &agent,
            &decision,
            "writes",
            json!({"product": "billing", "operation": "refund.create", "summary": "refunded"}),
        )
        .await;
    assert!(written.status.is_success(), "{}", written.text);
    let closed = app
        .step(&agent, &decision, "close", json!({"action": "commit"}))
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    (decision, closed.body["receipt"].clone())
}

const RECEIPT_ARGUMENTS: &str = r#"{"amount": 35, "currency": "EUR", "order": "o-17"}"#;

/// A decision that evaluated and wrote a refund action, committed; its agent and close answer.
async fn committed_action(app: &TestApp) -> (TestAgent, String, common::Reply) {
    let (_, agent) = app.refund_agent().await;
    let decision = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    let action = json!({
        "product": "payments",
        "operation": "refund.create",
        "arguments": serde_json::from_str::<Value>(RECEIPT_ARGUMENTS).unwrap(),
    });
    let evaluated = app
        .step(&agent, &decision, "evaluate", json!({"action": action}))
        .await;
    assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
    let written = app
        .step(&agent, &decision, "writes", json!({"action": action}))
        .await;
    assert!(written.status.is_success(), "{}", written.text);
    let closed = app
        .step(&agent, &decision, "close", json!({"action": "commit"}))
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    (agent, decision, closed)
}

fn receipt_path(decision: &str) -> String {
    format!("/api/v1/decisions/{decision}/receipt")
}

async fn get_as(app: &TestApp, path: &str, bearer: &str) -> common::Reply {
    app.call("GET", path, Some(bearer), None).await
}

fn admin_receipt_path(decision: &str) -> String {
    format!("/api/v1/admin/decisions/{decision}/receipt")
}

async fn verify_text(app: &TestApp, text: String) -> common::Reply {
    app.send(
        Request::post(VERIFY)
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(text))
            .unwrap(),
    )
    .await
}

async fn verify_document(app: &TestApp, document: &Value) -> common::Reply {
    verify_text(app, document.to_string()).await
}

#[tokio::test]
async fn the_receipt_keys_are_a_public_cacheable_jwks() {
    let app = TestApp::new().await;
    let request = Request::get(KEYS)
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cache = response.headers()[header::CACHE_CONTROL].to_str().unwrap();
    assert!(cache.starts_with("public, max-age="), "{cache}");
    assert!(response.headers().get(header::SET_COOKIE).is_none());

    let reply = app.get(KEYS, None).await;
    let keys = reply.body["keys"].as_array().expect("a keys array");
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(key["x"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    assert!(key.get("d").is_none(), "no private key is published");
    assert_eq!(
        key["kid"].as_str().unwrap(),
        app.state.receipt_keys.current().active().kid()
    );

    // The key file was created at start, private to its owner.
    let path = app.state.receipt_keys.path().expect("a key file");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn a_receipt_verifies_without_a_credential() {
    let app = TestApp::new().await;
    let (decision, document) = committed_decision(&app).await;
    let receipt = &document["receipt"];
    assert_eq!(receipt["decision_id"], decision.as_str());
    assert_eq!(receipt["status"], "committed");
    assert_eq!(receipt["automation_mode"], "autonomous");
    assert_eq!(receipt["actions"][0]["product"], "billing");
    assert!(receipt["actions"][0]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_eq!(receipt["evaluations"][0]["policy_id"], "refund_limit");
    assert_eq!(receipt["evaluations"][0]["outcome"], "allow");

    let reply = verify_document(&app, &document).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    for field in [
        "verified",
        "signature_valid",
        "key_known",
        "decision_found",
        "chain_matches",
    ] {
        assert_eq!(reply.body[field], true, "{field}: {}", reply.text);
    }
    assert!(reply.body["checked_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(reply.body["decision_id"], decision.as_str());
    assert!(reply.body["problem"].is_null());
}

#[tokio::test]
async fn an_altered_receipt_or_signature_does_not_verify() {
    let app = TestApp::new().await;
    let (_, document) = committed_decision(&app).await;

    let mut altered = document.clone();
    altered["receipt"]["status"] = json!("aborted");
    let reply = verify_document(&app, &altered).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["verified"], false);
    assert_eq!(reply.body["signature_valid"], false);
    assert_eq!(reply.body["key_known"], true);
    assert_eq!(
        reply.body["decision_found"], false,
        "not looked up unsigned"
    );
    assert_eq!(reply.body["problem"]["code"], "receipt_altered");
    assert_eq!(reply.body["problem"]["field"], "receipt");

    let mut resigned = document.clone();
    let mut bytes = URL_SAFE_NO_PAD
        .decode(document["signature"]["value"].as_str().unwrap())
        .unwrap();
    bytes[0] ^= 0x80;
    resigned["signature"]["value"] = json!(URL_SAFE_NO_PAD.encode(&bytes));
    let reply = verify_document(&app, &resigned).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["verified"], false);
    assert_eq!(reply.body["signature_valid"], false);
    assert_eq!(reply.body["problem"]["code"], "signature_mismatch");
}

#[tokio::test]
async fn a_receipt_of_another_servers_key_is_not_known() {
    let app = TestApp::new().await;
    let (_, document) = committed_decision(&app).await;
    let elsewhere = verdict_receipt::KeySet::generate().unwrap();
    let receipt: verdict_receipt::Receipt =
        serde_json::from_value(document["receipt"].clone()).unwrap();
    let foreign = elsewhere.sign(receipt).to_value();

    let reply = verify_document(&app, &foreign).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["verified"], false);
    assert_eq!(reply.body["key_known"], false);
    assert_eq!(reply.body["signature_valid"], false);
    assert_eq!(reply.body["decision_found"], false);
    assert_eq!(reply.body["problem"]["code"], "unknown_key");
    assert_eq!(reply.body["problem"]["field"], "signature.kid");
}

#[tokio::test]
async fn unreadable_receipts_are_refused_naming_the_member() {
    let app = TestApp::new().await;
    let (_, document) = committed_decision(&app).await;

    let mut bad_base64 = document.clone();
    bad_base64["signature"]["value"] = json!("%%% not base64 %%%");
    let reply = verify_document(&app, &bad_base64).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.body["error"]["field"], "signature.value");

    let mut missing = document.clone();
    missing["receipt"]
        .as_object_mut()
        .unwrap()
        .remove("chain_head");
    let reply = verify_document(&app, &missing).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.body["error"]["field"], "receipt.chain_head");

    let mut wrong_alg = document.clone();
    wrong_alg["signature"]["alg"] = json!("none");
    let reply = verify_document(&app, &wrong_alg).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.body["error"]["field"], "signature.alg");

    let reply = verify_text(&app, "{\"receipt\": ".to_owned()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);

    let mut deep = document.clone();
    let mut nested = json!("bottom");
    for _ in 0..100 {
        nested = json!({ "n": nested });
    }
    deep["receipt"]["extra"] = nested;
    let reply = verify_document(&app, &deep).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert!(reply.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("deeper"));

    // Deeper than serde_json's own recursion limit, so only the pre-check stands in the way.
    let reply = verify_text(&app, "[".repeat(200_000)).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );

    let mut oversized = document.clone();
    oversized["receipt"]["padding"] = json!("x".repeat(2 * 1024 * 1024));
    let reply = verify_document(&app, &oversized).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.text
    );
    assert_eq!(reply.body["error"]["code"], "too_large");

    let reply = app
        .send(
            Request::post(VERIFY)
                .header(header::HOST, HOST)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(document.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn an_edited_event_row_breaks_chain_matches_naming_the_first_bad_event() {
    let app = TestApp::new().await;
    let (decision, document) = committed_decision(&app).await;
    sqlx::query(
        "UPDATE decision_events SET actor = 'agent:mallory' WHERE decision_id = $1 AND sequence = 2",
    )
    .bind(&decision)
    .execute(&app.state.db.pool)
    .await
    .unwrap();

    let reply = verify_document(&app, &document).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["signature_valid"], true);
    assert_eq!(reply.body["decision_found"], true);
    assert_eq!(reply.body["chain_matches"], false);
    assert_eq!(reply.body["verified"], false);
    assert_eq!(reply.body["first_break"]["sequence"], 2, "{}", reply.text);
}

#[tokio::test]
async fn a_receipt_for_an_unknown_decision_is_signed_but_not_found() {
    let app = TestApp::new().await;
    let mut receipt = verdict_receipt::sample_receipt();
    receipt.decision_id = "no-such-decision".into();
    let document = app.state.receipt_keys.current().sign(receipt).to_value();
    let reply = verify_document(&app, &document).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["signature_valid"], true);
    assert_eq!(reply.body["decision_found"], false);
    assert_eq!(reply.body["verified"], false);
}

fn verdict(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .env_remove("VERDICT_SIGNING_KEY_FILE")
        .env_remove("VERDICT_DATABASE_URL")
        .output()
        .expect("run verdict")
}

/// `verdict receipt verify FILE KEY_FLAG KEYS`: whether it passed, and what it printed.
fn verify_offline(file: &Path, key_flag: &str, keys: &Path) -> (bool, String) {
    let output = verdict(&[
        "receipt",
        "verify",
        file.to_str().unwrap(),
        key_flag,
        keys.to_str().unwrap(),
    ]);
    (output.status.success(), text(&output))
}

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn rotating_keys_keeps_old_receipts_verifiable() {
    let app = TestApp::new().await;
    let (_, document) = committed_decision(&app).await;
    let key_file = app.state.receipt_keys.path().unwrap().to_owned();
    let old_kid = document["signature"]["kid"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let receipt_file = dir.path().join("receipt.json");
    std::fs::write(
        &receipt_file,
        serde_json::to_string_pretty(&document).unwrap(),
    )
    .unwrap();

    let rotated = verdict(&[
        "keys",
        "rotate",
        "--signing-key-file",
        key_file.to_str().unwrap(),
    ]);
    assert!(rotated.status.success(), "{}", text(&rotated));
    assert!(text(&rotated).contains("2 key(s)"), "{}", text(&rotated));

    // The server follows the file: it signs with the new key and still knows the old one.
    let keys = app.state.receipt_keys.reload();
    assert_ne!(keys.active().kid(), old_kid);
    let published = app.get(KEYS, None).await;
    let kids: Vec<&str> = published.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.contains(&old_kid.as_str()));
    let reply = verify_document(&app, &document).await;
    assert_eq!(reply.body["verified"], true, "{}", reply.text);

    // Offline, with the key file and with the published JWKS.
    let (passed, output) = verify_offline(&receipt_file, "--signing-key-file", &key_file);
    assert!(passed && output.starts_with("verified:"), "{output}");
    let jwks_file = dir.path().join("keys.json");
    std::fs::write(&jwks_file, published.text.as_bytes()).unwrap();
    let (passed, output) = verify_offline(&receipt_file, "--keys", &jwks_file);
    assert!(passed, "{output}");

    // Altered, it fails and says why.
    let mut altered = document.clone();
    altered["receipt"]["event_count"] = json!(1);
    std::fs::write(&receipt_file, altered.to_string()).unwrap();
    let (passed, output) = verify_offline(&receipt_file, "--keys", &jwks_file);
    assert!(!passed && output.contains("altered"), "{output}");
}

#[tokio::test]
async fn many_receipts_verify_offline_one_per_line() {
    let app = TestApp::new().await;
    let (_, document) = committed_decision(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("receipts.ndjson");
    let mut lines = String::new();
    for _ in 0..100 {
        lines.push_str(&document.to_string());
        lines.push('\n');
    }
    std::fs::write(&file, lines).unwrap();
    let key_file = app.state.receipt_keys.path().unwrap().to_owned();
    let (passed, output) = verify_offline(&file, "--signing-key-file", &key_file);
    assert!(passed, "{output}");
    assert!(
        output.contains("100 of 100 receipt(s) verified"),
        "{output}"
    );
}

/// The independent implementation: Python's `cryptography` and its own JCS.
fn python_verifies(receipt: &Path, keys: &Path) -> Option<(bool, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/verify_receipt.py");
    let available = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        return None;
    }
    let output = Command::new("python3")
        .arg(script)
        .arg(receipt)
        .arg(keys)
        .output()
        .expect("run python3");
    Some((output.status.success(), text(&output)))
}

#[tokio::test]
async fn python_cryptography_verifies_a_receipt_signed_here() {
    let app = TestApp::new().await;
    let (_, document) = committed_decision(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let receipt_file = dir.path().join("receipt.json");
    let keys_file = dir.path().join("keys.json");
    std::fs::write(
        &receipt_file,
        serde_json::to_string_pretty(&document).unwrap(),
    )
    .unwrap();
    std::fs::write(&keys_file, app.get(KEYS, None).await.text).unwrap();

    let Some((verified, output)) = python_verifies(&receipt_file, &keys_file) else {
        eprintln!(
            "SKIPPED: python3 with the cryptography package is not installed \
             (scripts/setup.sh --tests installs it)"
        );
        return;
    };
    assert!(verified, "{output}");
    assert!(output.starts_with("verified:"), "{output}");

    // Unicode in a signed member: both sides must canonicalise it alike.
    let mut receipt: verdict_receipt::Receipt =
        serde_json::from_value(document["receipt"].clone()).unwrap();
    receipt.intent = "remboursement € \u{1f600} \"quoted\"\n\u{1}".into();
    let unicode = app.state.receipt_keys.current().sign(receipt).to_value();
    std::fs::write(&receipt_file, unicode.to_string()).unwrap();
    let (verified, output) = python_verifies(&receipt_file, &keys_file).unwrap();
    assert!(verified, "{output}");

    let mut altered = document.clone();
    altered["receipt"]["intent"] = json!("billing.refund.cancel");
    std::fs::write(&receipt_file, altered.to_string()).unwrap();
    let (verified, output) = python_verifies(&receipt_file, &keys_file).unwrap();
    assert!(!verified, "{output}");
    assert!(output.contains("NOT verified"), "{output}");
}

#[tokio::test]
async fn the_close_answer_carries_the_receipt_for_commit_and_abort() {
    let app = TestApp::new().await;
    let (agent, decision, closed) = committed_action(&app).await;

    // The decision's fields as before, and the receipt beside them.
    assert_eq!(closed.body["decision_id"], decision.as_str());
    assert_eq!(closed.body["status"], "committed");
    let receipt = &closed.body["receipt"]["receipt"];
    assert_eq!(receipt["decision_id"], decision.as_str());
    assert_eq!(receipt["status"], "committed");
    assert_eq!(receipt["agent"], agent.id.as_str());
    assert_eq!(closed.body["receipt"]["signature"]["alg"], "EdDSA");
    // The action as evaluated and as written: one digest, the one the action has.
    let action: verdict_receipt::Action = serde_json::from_value(json!({
        "product": "payments",
        "operation": "refund.create",
        "arguments": serde_json::from_str::<Value>(RECEIPT_ARGUMENTS).unwrap(),
    }))
    .unwrap();
    let digest = verdict_receipt::action_digest(&action);
    assert_eq!(
        receipt["actions"],
        json!([{"product": "payments", "operation": "refund.create", "digest": digest}])
    );
    assert_eq!(receipt["evaluations"][0]["action_digest"], digest.as_str());
    assert_eq!(receipt["evaluations"][0]["outcome"], "allow");
    let checked = verify_document(&app, &closed.body["receipt"]).await;
    assert_eq!(checked.body["verified"], true, "{}", checked.text);

    let aborted = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    let closed = app
        .step(
            &agent,
            &aborted,
            "close",
            json!({"action": "abort", "reason": "changed my mind"}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    assert_eq!(closed.body["status"], "aborted");
    assert_eq!(closed.body["receipt"]["receipt"]["status"], "aborted");
    assert_eq!(closed.body["receipt"]["receipt"]["actions"], json!([]));
    let checked = verify_document(&app, &closed.body["receipt"]).await;
    assert_eq!(checked.body["verified"], true, "{}", checked.text);
}

#[tokio::test]
async fn an_agent_reads_the_receipts_of_its_own_closed_decisions_only() {
    let app = TestApp::new().await;
    let (agent, decision, closed) = committed_action(&app).await;
    let admin = app.token_for("second-admin@example.com", Role::Admin).await;
    let other = app.agent(&admin, "other-bot", &["refund_limit"]).await;
    let open = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;

    let own = get_as(&app, &receipt_path(&decision), &agent.key).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(
        own.body["receipt"]["chain_head"], closed.body["receipt"]["receipt"]["chain_head"],
        "issued again from the same chain"
    );
    assert_eq!(
        verify_document(&app, &own.body).await.body["verified"],
        true
    );

    let theirs = get_as(&app, &receipt_path(&decision), &other.key).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.text);
    let not_closed = get_as(&app, &receipt_path(&open), &agent.key).await;
    assert_eq!(
        not_closed.status,
        StatusCode::CONFLICT,
        "{}",
        not_closed.text
    );
    assert!(
        not_closed.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not closed yet"),
        "{}",
        not_closed.text
    );
    let nobody = app.get(&receipt_path(&decision), None).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED, "{}", nobody.text);
    let person = get_as(&app, &receipt_path(&decision), &admin).await;
    assert_eq!(
        person.status,
        StatusCode::UNAUTHORIZED,
        "an agent's endpoint"
    );
}

#[tokio::test]
async fn people_read_receipts_with_a_token_or_their_signed_in_session() {
    let app = TestApp::new().await;
    let (agent, decision, _) = committed_action(&app).await;
    let open = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    let viewer = app.token_for("viewer@example.com", Role::Viewer).await;

    let by_token = get_as(&app, &admin_receipt_path(&decision), &viewer).await;
    assert_eq!(by_token.status, StatusCode::OK, "{}", by_token.text);
    assert_eq!(by_token.body["receipt"]["decision_id"], decision.as_str());
    assert_eq!(
        verify_document(&app, &by_token.body).await.body["verified"],
        true
    );

    // The decision page's download link: the browser's session, no token.
    let cookie = app.signed_in(Role::Author).await;
    let by_session = app.get(&admin_receipt_path(&decision), Some(&cookie)).await;
    assert_eq!(by_session.status, StatusCode::OK, "{}", by_session.text);
    assert_eq!(by_session.body["receipt"]["decision_id"], decision.as_str());

    let not_closed = get_as(&app, &admin_receipt_path(&open), &viewer).await;
    assert_eq!(
        not_closed.status,
        StatusCode::CONFLICT,
        "{}",
        not_closed.text
    );
    let missing = get_as(&app, &admin_receipt_path("no-such-decision"), &viewer).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    let nobody = app.get(&admin_receipt_path(&decision), None).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED, "{}", nobody.text);
    // A token that is given must hold, even beside a session.
    let request = Request::get(admin_receipt_path(&decision))
        .header(header::HOST, HOST)
        .header(header::COOKIE, &cookie)
        .header(header::AUTHORIZATION, "Bearer vp_not_a_token")
        .body(Body::empty())
        .unwrap();
    let bad_token = app.send(request).await;
    assert_eq!(
        bad_token.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        bad_token.text
    );
    let agent_key = get_as(&app, &admin_receipt_path(&decision), &agent.key).await;
    assert_eq!(
        agent_key.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        agent_key.text
    );
}

#[tokio::test]
async fn a_decision_closed_by_its_approval_expiring_has_a_receipt() {
    let RefundAgent { app, agent, .. } = TestApp::with_refund_agent().await;
    let (decision, approval) = app.exception_request(&agent, "please").await;
    sqlx::query("UPDATE approvals SET expires_at = 0 WHERE id = $1")
        .bind(&approval)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(approvals::expire_overdue(&app.state).await.unwrap(), 1);

    let reply = get_as(&app, &receipt_path(&decision), &agent.key).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let receipt = &reply.body["receipt"];
    assert_eq!(receipt["status"], "aborted");
    assert_eq!(receipt["evaluations"][0]["outcome"], "requires_exception");
    assert_eq!(receipt["approvals"][0]["outcome"], "expired");
    assert_eq!(receipt["approvals"][0]["by"], "system");
    // No answer recorded an evidence hash: the resolution event's own chain hash stands for it.
    let events = app::ssr::store::decisions::events(&app.state.db.pool, &decision)
        .await
        .unwrap();
    let resolved = events
        .iter()
        .find(|event| event.kind.as_str() == "approval_resolved")
        .expect("the expiry is on record");
    assert_eq!(
        receipt["approvals"][0]["evidence_hash"],
        resolved.hash.as_str()
    );
    assert_eq!(
        verify_document(&app, &reply.body).await.body["verified"],
        true
    );
    let same = receipts::issue(&app.state, &decision).await.unwrap();
    assert_eq!(
        same.receipt.chain_head,
        receipt["chain_head"].as_str().unwrap()
    );
}

/// The README's Python example, run as written against a receipt from this server.
#[tokio::test]
async fn the_readme_python_example_checks_a_receipt_before_paying() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let section = &readme[readme
        .find("## Receipts and keys")
        .expect("the README section")..];
    let start = section.find("```python\n").expect("a Python example") + "```python\n".len();
    let example = &section[start..start + section[start..].find("```").unwrap()];
    let app = TestApp::new().await;
    let (_, _, closed) = committed_action(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let (script, receipt_file, keys_file) = (
        dir.path().join("pay.py"),
        dir.path().join("receipt.json"),
        dir.path().join("keys.json"),
    );
    std::fs::write(&script, example).unwrap();
    std::fs::write(&receipt_file, closed.body["receipt"].to_string()).unwrap();
    std::fs::write(&keys_file, app.get(KEYS, None).await.text).unwrap();
    let run = |arguments: &str| {
        Command::new("python3")
            .arg(&script)
            .arg(&receipt_file)
            .arg(&keys_file)
            .arg(arguments)
            .output()
            .map(|output| (output.status.success(), text(&output)))
    };
    let Ok((paid, output)) = run(RECEIPT_ARGUMENTS) else {
        eprintln!("SKIPPED: no python3");
        return;
    };
    if output.contains("No module named 'cryptography'") {
        eprintln!("SKIPPED: python3 has no cryptography package");
        return;
    }
    assert!(paid && output.contains("paying"), "{output}");
    // Key order and spacing do not matter; the amount does.
    let (paid, output) = run(r#"{"order":"o-17","currency":"EUR","amount":35}"#).unwrap();
    assert!(paid, "{output}");
    let (paid, output) = run(r#"{"amount": 3500, "currency": "EUR", "order": "o-17"}"#).unwrap();
    assert!(!paid && !output.contains("paying"), "{output}");
    let mut altered = closed.body["receipt"].clone();
    altered["receipt"]["status"] = json!("committed ");
    std::fs::write(&receipt_file, altered.to_string()).unwrap();
    let (paid, output) = run(RECEIPT_ARGUMENTS).unwrap();
    assert!(!paid && output.contains("InvalidSignature"), "{output}");
}
