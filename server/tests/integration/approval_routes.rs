//! Approval routes: defining versions, delivery to a real local receiver (signed per Standard
//! Webhooks, checked here by an implementation of our own), retries, the receiver's signed
//! answer, chat messages, several approvals, named approvers and the owner-team rule.

use crate::common;

use axum::{
    body::Body,
    http::{HeaderMap, Request, StatusCode},
};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use app::{
    model::Role,
    ssr::{now_millis, services::delivery, Settings},
};
use common::{RefundAgent, Reply, TestApp, WebhookReceiver};

/// Standard Webhooks: base64(HMAC-SHA256(key, "id.timestamp.body")), the key being the secret's
/// base64 after `whsec_`.
fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Standard Webhooks' asymmetric `v1a`: whether `encoded` (standard base64) is an Ed25519
/// signature of "id.timestamp.body" by one of the JWKS's keys (`x`: base64url public key).
fn v1a_verifies(jwks: &Value, encoded: &str, id: &str, timestamp: i64, body: &str) -> bool {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return false;
    };
    let Ok(signature) = Signature::from_slice(&bytes) else {
        return false;
    };
    let message = format!("{id}.{timestamp}.{body}");
    jwks["keys"].as_array().into_iter().flatten().any(|key| {
        let public = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key["x"].as_str().unwrap_or_default())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
            .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok());
        public.is_some_and(|public| public.verify(message.as_bytes(), &signature).is_ok())
    })
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).unwrap().to_str().unwrap()
}

/// The refund fixture, with this file's helpers.
struct Setup(RefundAgent);

impl std::ops::Deref for Setup {
    type Target = RefundAgent;

    fn deref(&self) -> &RefundAgent {
        &self.0
    }
}

async fn setup() -> Setup {
    setup_with(Settings::default()).await
}

async fn setup_with(settings: Settings) -> Setup {
    Setup(
        TestApp::with_settings(settings)
            .await
            .into_refund_agent()
            .await,
    )
}

impl Setup {
    async fn define_route(&self, body: Value) -> Reply {
        self.app.define_route(&self.admin, body).await
    }

    /// A refund above the limit asking for approval on the policy's route, support-managers.
    async fn request(&self) -> (String, String) {
        self.app
            .exception_request(&self.agent, "Parcel lost.")
            .await
    }

    async fn evidence(&self, token: &str, approval: &str) -> String {
        let shown = self
            .app
            .call(
                "GET",
                &format!("/api/v1/approvals/{approval}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
        shown.body["evidence_hash"].as_str().unwrap().to_owned()
    }

    async fn answer(&self, token: &str, approval: &str, outcome: &str) -> Reply {
        let evidence_hash = self.evidence(token, approval).await;
        self.app
            .call(
                "POST",
                &format!("/api/v1/approvals/{approval}/resolve"),
                Some(token),
                Some(json!({"outcome": outcome, "rationale": "checked", "evidence_hash": evidence_hash})),
            )
            .await
    }

    async fn decision_status(&self, decision: &str) -> String {
        self.app.decision_status(&self.agent, decision).await
    }
}

#[tokio::test]
async fn a_route_is_versioned_its_secret_shown_once_and_bad_fields_named() {
    let s = setup().await;

    let first = s
        .define_route(json!({"name": "support-managers", "integration": "webhook",
                             "destination": "https://hooks.example.com/verdict"}))
        .await;
    let second = s
        .define_route(json!({"name": "support-managers", "integration": "webhook",
                             "destination": "https://hooks.example.com/verdict", "required_approvals": 2}))
        .await;
    let rotated = s
        .define_route(json!({"name": "support-managers", "integration": "webhook",
                             "destination": "https://hooks.example.com/verdict", "rotate_secret": true}))
        .await;

    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.body["route"]["version"], 1);
    let secret = first.body["signing_secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(second.body["route"]["version"], 2);
    assert_eq!(second.body["route"]["required_approvals"], 2);
    assert!(
        second.body["signing_secret"].is_null(),
        "kept, not shown again"
    );
    assert_eq!(rotated.body["route"]["version"], 3);
    assert_ne!(rotated.body["signing_secret"].as_str().unwrap(), secret);
    let listed = s
        .app
        .call("GET", "/api/v1/admin/approval-routes", Some(&s.admin), None)
        .await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(listed.body[0]["version"], 3);
    assert!(!listed.text.contains("whsec_"), "secrets are never listed");
    let (defined,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'route.define'")
            .fetch_one(&s.app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(defined, 3, "each version is audited");

    let refusals = [
        (json!({"name": "Bad Name", "integration": "inbox"}), "name"),
        (json!({"name": "r", "integration": "pager"}), "integration"),
        (
            json!({"name": "r", "integration": "webhook"}),
            "destination",
        ),
        (
            json!({"name": "r", "integration": "chat", "destination": "ftp://x"}),
            "destination",
        ),
        (
            json!({"name": "r", "integration": "inbox", "destination": "https://x.example"}),
            "destination",
        ),
        (
            json!({"name": "r", "integration": "inbox", "required_approvals": 0}),
            "required_approvals",
        ),
        (
            json!({"name": "r", "integration": "inbox", "approver_emails": ["a@example.com"], "required_approvals": 2}),
            "required_approvals",
        ),
        (
            json!({"name": "r", "integration": "inbox", "approver_emails": ["not an email"]}),
            "approver_emails",
        ),
        (
            json!({"name": "r", "integration": "inbox", "default_expiry_seconds": 5}),
            "default_expiry_seconds",
        ),
        (
            json!({"name": "r", "integration": "inbox", "colour": "red"}),
            "colour",
        ),
    ];
    for (body, field) in refusals {
        let refused = s.define_route(body.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            refused.text
        );
        assert_eq!(
            refused.body["error"]["field"], field,
            "{body}: {}",
            refused.text
        );
    }
    let viewer = s.app.token_for("viewer@example.com", Role::Viewer).await;
    let forbidden = s
        .app
        .call(
            "POST",
            "/api/v1/admin/approval-routes",
            Some(&viewer),
            Some(json!({"name": "r", "integration": "inbox"})),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_webhook_is_signed_retried_after_failures_and_every_attempt_kept() {
    let s = setup().await;
    let receiver = WebhookReceiver::default();
    let url = receiver
        .start(&[
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::SERVICE_UNAVAILABLE,
        ])
        .await;
    let defined = s
        .define_route(
            json!({"name": "support-managers", "integration": "webhook", "destination": url}),
        )
        .await;
    assert_eq!(defined.status, StatusCode::CREATED, "{}", defined.text);
    let secret = defined.body["signing_secret"].as_str().unwrap().to_owned();
    let (_, approval) = s.request().await;
    let now = now_millis();

    let first = delivery::run_once(&s.app.state, now).await.unwrap();
    let too_early = delivery::run_once(&s.app.state, now + 500).await.unwrap();
    let second = delivery::run_once(&s.app.state, now + 1_000).await.unwrap();
    let third = delivery::run_once(&s.app.state, now + 3_000).await.unwrap();
    let after_success = delivery::run_once(&s.app.state, now + 600_000)
        .await
        .unwrap();

    assert_eq!(
        (first, too_early, second, third, after_success),
        (1, 0, 1, 1, 0)
    );
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    // Receivers without the secret check `v1a` with the server's published keys.
    let jwks = s.app.get("/.well-known/verdict-keys.json", None).await.body;
    for (headers, body) in &received {
        let id = header(headers, "webhook-id");
        let timestamp: i64 = header(headers, "webhook-timestamp").parse().unwrap();
        let expected = format!("v1,{}", signature(&secret, id, timestamp, body));
        let signatures: Vec<&str> = header(headers, "webhook-signature").split(' ').collect();
        assert_eq!(signatures.len(), 2, "{signatures:?}");
        assert_eq!(signatures[0], expected);
        let v1a = signatures[1].strip_prefix("v1a,").expect("a v1a signature");
        assert!(v1a_verifies(&jwks, v1a, id, timestamp, body), "{v1a}");
        assert!(!v1a_verifies(&jwks, v1a, id, timestamp + 1, body));
        assert!(!v1a_verifies(
            &jwks,
            v1a,
            id,
            timestamp,
            &body.replace("refund-bot", "refund-bat")
        ));
        assert_eq!(
            id,
            format!("msg_{approval}"),
            "the same message id on every retry"
        );
        let payload: Value = serde_json::from_str(body).unwrap();
        assert_eq!(payload["type"], "approval.requested");
        assert_eq!(payload["approval"]["id"], approval);
        assert_eq!(payload["approval"]["agent"], "refund-bot");
        assert_eq!(payload["approval"]["route_version"], 1);
        assert!(payload["resolve_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v1/approvals/{approval}/resolve")));
    }
    let delivery = delivery::of_approval(&s.app.state, &approval, true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(delivery.state, "delivered");
    let statuses: Vec<Option<i64>> = delivery.attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(statuses, vec![Some(500), Some(503), Some(200)]);
    assert!(delivery.attempts[0]
        .error
        .as_deref()
        .unwrap()
        .contains("500"));
}

#[tokio::test]
async fn an_unreachable_receiver_gives_up_but_the_request_waits_and_can_be_redelivered() {
    let s = setup().await;
    s.define_route(json!({"name": "support-managers", "integration": "webhook",
                          "destination": "http://127.0.0.1:9/nobody-listens"}))
        .await;
    let (decision, approval) = s.request().await;
    let mut now = now_millis();

    for _ in 0..delivery::ATTEMPTS_ALLOWED {
        assert_eq!(delivery::run_once(&s.app.state, now).await.unwrap(), 1);
        now += 10 * 60 * 1000;
    }
    let exhausted = delivery::run_once(&s.app.state, now).await.unwrap();

    assert_eq!(exhausted, 0);
    let failed = delivery::of_approval(&s.app.state, &approval, true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.state, "failed");
    assert_eq!(failed.attempts.len() as i64, delivery::ATTEMPTS_ALLOWED);
    assert!(failed
        .attempts
        .iter()
        .all(|a| a.status_code.is_none() && a.error.is_some()));
    assert_eq!(s.decision_status(&decision).await, "needs_approval");
    let inbox = s
        .app
        .call(
            "GET",
            "/api/v1/approvals?status=pending",
            Some(&s.admin),
            None,
        )
        .await;
    assert!(inbox.text.contains(&approval), "still in the inbox");
    delivery::redeliver(&s.app.state, &approval).await.unwrap();
    assert_eq!(
        delivery::run_once(&s.app.state, now_millis())
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn the_receiver_answers_signed_and_a_stale_or_wrong_signature_is_401() {
    let s = setup().await;
    let defined = s
        .define_route(json!({"name": "support-managers", "integration": "webhook",
                             "destination": "https://hooks.example.com/verdict"}))
        .await;
    let secret = defined.body["signing_secret"].as_str().unwrap().to_owned();
    let (decision, approval) = s.request().await;
    let evidence = s.evidence(&s.admin, &approval).await;
    let body = json!({"outcome": "approved", "rationale": "manager ok'd it in the tool",
                      "evidence_hash": evidence, "on_behalf_of": "maria@example.com"})
    .to_string();
    let signed = |timestamp: i64, secret: &str| {
        Request::post(format!("/api/v1/approvals/{approval}/resolve"))
            .header("host", common::HOST)
            .header("content-type", "application/json")
            .header("webhook-id", "msg_answer_1")
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                format!("v1,{}", signature(secret, "msg_answer_1", timestamp, &body)),
            )
            .body(Body::from(body.clone()))
            .unwrap()
    };
    let now = now_millis() / 1000;
    let other_secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode([7u8; 32])
    );

    let stale = s.app.send(signed(now - 301, &secret)).await;
    let wrong = s.app.send(signed(now, &other_secret)).await;
    let good = s.app.send(signed(now, &secret)).await;

    assert_eq!(stale.status, StatusCode::UNAUTHORIZED, "{}", stale.text);
    assert_eq!(stale.body["error"]["code"], "bad_signature");
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);
    assert_eq!(good.status, StatusCode::OK, "{}", good.text);
    assert_eq!(good.body["decision_status"], "approved");
    assert_eq!(s.decision_status(&decision).await, "approved");
    let trace = s
        .app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/trace"),
            Some(&s.agent.key),
            None,
        )
        .await;
    let resolved = trace.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["kind"] == "approval_resolved")
        .unwrap();
    assert_eq!(
        resolved["actor"],
        "integration:support-managers:maria@example.com"
    );
}

#[tokio::test]
async fn a_chat_route_posts_the_request_with_links_to_answer_it() {
    let s = setup().await;
    let receiver = WebhookReceiver::default();
    let url = receiver.start(&[]).await;
    s.define_route(json!({"name": "support-managers", "integration": "chat", "destination": url}))
        .await;
    let (_, approval) = s.request().await;

    delivery::run_once(&s.app.state, now_millis())
        .await
        .unwrap();

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let message: Value = serde_json::from_str(&received[0].1).unwrap();
    let text = message["text"].as_str().unwrap();
    assert!(text.contains("Refund of 950 USD"), "{text}");
    assert!(text.contains("refund-bot"), "{text}");
    assert!(
        text.contains(&format!("/approvals/{approval}?answer=approve|Approve")),
        "{text}"
    );
    assert!(
        text.contains(&format!("/approvals/{approval}?answer=reject|Reject")),
        "{text}"
    );
    assert!(received[0].0.get("webhook-signature").is_none());
}

#[tokio::test]
async fn two_of_three_approve_and_one_rejection_rejects() {
    let s = setup().await;
    s.define_route(
        json!({"name": "support-managers", "integration": "inbox", "required_approvals": 2}),
    )
    .await;
    let ana = s.app.token_for("ana@example.com", Role::Approver).await;
    let ben = s.app.token_for("ben@example.com", Role::Approver).await;
    let cy = s.app.token_for("cy@example.com", Role::Approver).await;
    let (approved_decision, approved) = s.request().await;
    let (rejected_decision, rejected) = s.request().await;

    let first = s.answer(&ana, &approved, "approved").await;
    let again = s.answer(&ana, &approved, "approved").await;
    let still = s.decision_status(&approved_decision).await;
    let second = s.answer(&ben, &approved, "approved").await;
    s.answer(&ana, &rejected, "approved").await;
    let rejection = s.answer(&cy, &rejected, "rejected").await;
    let late = s.answer(&ben, &rejected, "approved").await;

    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["decision_status"], "needs_approval");
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(still, "needs_approval");
    assert_eq!(
        second.body["decision_status"], "approved",
        "{}",
        second.text
    );
    assert_eq!(s.decision_status(&approved_decision).await, "approved");
    assert_eq!(
        rejection.body["decision_status"], "rejected",
        "{}",
        rejection.text
    );
    assert_eq!(s.decision_status(&rejected_decision).await, "rejected");
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.text.contains("cy@example.com"), "{}", late.text);
}

#[tokio::test]
async fn named_approvers_and_the_owner_team_rule_are_enforced() {
    let s = setup().await;
    s.define_route(json!({"name": "support-managers", "integration": "inbox",
                          "approver_emails": ["ana@example.com", "ben@example.com"]}))
        .await;
    let ana = s.app.token_for("ana@example.com", Role::Approver).await;
    let ben = s.app.token_for("ben@example.com", Role::Approver).await;
    let outsider = s.app.token_for("cy@example.com", Role::Approver).await;
    let placed = s.app.place_in_team(&s.admin, &ben, "support").await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.text);
    let (_, approval) = s.request().await;

    let not_named = s.answer(&outsider, &approval, "approved").await;
    let owner_team = s.answer(&ben, &approval, "approved").await;
    let allowed = s.answer(&ana, &approval, "approved").await;

    assert_eq!(
        not_named.status,
        StatusCode::FORBIDDEN,
        "{}",
        not_named.text
    );
    assert!(not_named.text.contains("not among them"));
    assert_eq!(
        owner_team.status,
        StatusCode::FORBIDDEN,
        "{}",
        owner_team.text
    );
    assert!(owner_team.text.contains("owner team"));
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);

    s.define_route(json!({"name": "support-managers", "integration": "inbox",
                          "owner_team_may_approve": true}))
        .await;
    let (_, next) = s.request().await;
    let team_may = s.answer(&ben, &next, "approved").await;
    assert_eq!(team_may.status, StatusCode::OK, "{}", team_may.text);
}

#[tokio::test]
async fn of_two_approvers_racing_exactly_one_wins_every_time() {
    // A hundred rounds of agent calls would pass the default rate limit.
    let s = setup_with(Settings {
        agent_rate_limit: 0,
        ..Settings::default()
    })
    .await;
    let ana = s.app.token_for("ana@example.com", Role::Approver).await;
    let ben = s.app.token_for("ben@example.com", Role::Approver).await;

    for round in 0..100 {
        let (decision, approval) = s.request().await;
        let evidence = s.evidence(&ana, &approval).await;
        let path = format!("/api/v1/approvals/{approval}/resolve");
        let approve = json!({"outcome": "approved", "evidence_hash": evidence});
        let reject = json!({"outcome": "rejected", "evidence_hash": evidence});

        let (first, second) = tokio::join!(
            s.app.call("POST", &path, Some(&ana), Some(approve)),
            s.app.call("POST", &path, Some(&ben), Some(reject))
        );

        let mut statuses = [first.status, second.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}"
        );
        let winner = if first.status == StatusCode::OK {
            "approved"
        } else {
            "rejected"
        };
        assert_eq!(s.decision_status(&decision).await, winner, "round {round}");
    }
}
