//! Who may reach which decision: keys (revoked, rotated), freezes, isolation between agents,
//! bindings, rate limits and the agent API's refusals.

use crate::common;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use serde_json::{json, Value};

use app::ssr::Settings;
use common::{TestApp, HOST, REFUND_POLICY};

const REFUND: &str = "billing.refund.create";

fn small_refund() -> Value {
    json!({"inputs": {"amount": 35.5, "currency": "EUR"}})
}

#[tokio::test]
async fn an_agent_never_sees_another_agents_decisions() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, REFUND_POLICY).await;
    let owner = app.agent(&admin, "owner-bot", &["refund_limit"]).await;
    let other = app.agent(&admin, "other-bot", &["refund_limit"]).await;
    let decision = app.open_decision(&owner, REFUND, "autonomous").await;

    let mut replies = Vec::new();
    for (method, path, body) in [
        ("GET", format!("/api/v1/decisions/{decision}"), None),
        ("GET", format!("/api/v1/decisions/{decision}/trace"), None),
        ("GET", format!("/api/v1/decisions/{decision}/verify"), None),
        (
            "GET",
            format!("/api/v1/decisions/{decision}/wait?timeout=1"),
            None,
        ),
        (
            "POST",
            format!("/api/v1/decisions/{decision}/evaluate"),
            Some(small_refund()),
        ),
        (
            "POST",
            format!("/api/v1/decisions/{decision}/context"),
            Some(json!({"summary": "x"})),
        ),
        (
            "POST",
            format!("/api/v1/decisions/{decision}/close"),
            Some(json!({"action": "abort"})),
        ),
    ] {
        replies.push((
            path.clone(),
            app.call(method, &path, Some(&other.key), body).await,
        ));
    }

    for (path, reply) in replies {
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.text
        );
    }
    let untouched = app.event_kinds(&owner, &decision).await;
    assert_eq!(untouched, ["decision_opened"]);
}

#[tokio::test]
async fn revoked_keys_stop_at_once_and_rotation_honours_the_grace_period() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let agent = app.agent(&admin, "key-bot", &[]).await;
    let keys = format!("/api/v1/admin/agents/{}/keys", agent.id);

    let graced = app
        .call(
            "POST",
            &keys,
            Some(&admin),
            Some(json!({"grace_seconds": 3600})),
        )
        .await;
    let graced_key = graced.body["api_key"].as_str().unwrap().to_owned();
    let old_during_grace = status_for(&app, &agent.key).await;
    let immediate = app
        .call(
            "POST",
            &keys,
            Some(&admin),
            Some(json!({"grace_seconds": 0})),
        )
        .await;
    let newest_key = immediate.body["api_key"].as_str().unwrap().to_owned();
    let old_after_immediate = status_for(&app, &graced_key).await;
    let newest = status_for(&app, &newest_key).await;
    let revoked = app.call("DELETE", &keys, Some(&admin), None).await;
    let after_revoke = status_for(&app, &newest_key).await;

    assert_eq!(graced.status, StatusCode::CREATED);
    assert_eq!(
        old_during_grace,
        StatusCode::NOT_FOUND,
        "authenticated; the decision just does not exist"
    );
    assert_eq!(old_after_immediate, StatusCode::UNAUTHORIZED);
    assert_eq!(newest, StatusCode::NOT_FOUND);
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(revoked.body["active_keys"], 0);
    assert_eq!(after_revoke, StatusCode::UNAUTHORIZED);
}

/// The status an agent key gets for a decision that does not exist: 404 once authenticated.
async fn status_for(app: &TestApp, key: &str) -> StatusCode {
    app.call("GET", "/api/v1/decisions/none", Some(key), None)
        .await
        .status
}

async fn set_freeze(app: &TestApp, admin: &str, path: &str, frozen: bool) -> common::Reply {
    app.call(
        "PUT",
        path,
        Some(admin),
        Some(json!({"frozen": frozen, "reason": "incident 12"})),
    )
    .await
}

#[tokio::test]
async fn a_frozen_agent_is_refused_with_423_but_may_abort() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, REFUND_POLICY).await;
    let agent = app.agent(&admin, "frozen-bot", &["refund_limit"]).await;
    let decision = app.open_decision(&agent, REFUND, "autonomous").await;
    let agent_freeze = format!("/api/v1/admin/agents/{}/freeze", agent.id);
    let global_freeze = "/api/v1/admin/freeze";

    let frozen = set_freeze(&app, &admin, &agent_freeze, true).await;
    let open = app
        .call(
            "POST",
            "/api/v1/decisions",
            Some(&agent.key),
            Some(json!({"intent": REFUND, "automation_mode": "autonomous"})),
        )
        .await;
    let evaluate = app
        .step(&agent, &decision, "evaluate", small_refund())
        .await;
    let commit = app
        .step(&agent, &decision, "close", json!({"action": "commit"}))
        .await;
    let read = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}"),
            Some(&agent.key),
            None,
        )
        .await;
    set_freeze(&app, &admin, &agent_freeze, false).await;
    let thawed = app
        .step(&agent, &decision, "evaluate", small_refund())
        .await;
    set_freeze(&app, &admin, global_freeze, true).await;
    let globally_frozen = app
        .step(
            &agent,
            &decision,
            "writes",
            json!({"product": "billing", "operation": "refund"}),
        )
        .await;
    let abort = app
        .step(&agent, &decision, "close", json!({"action": "abort"}))
        .await;
    set_freeze(&app, &admin, global_freeze, false).await;

    assert_eq!(frozen.status, StatusCode::OK, "{}", frozen.text);
    assert_eq!(frozen.body["frozen"]["reason"], "incident 12");
    for reply in [&open, &evaluate, &commit, &globally_frozen] {
        assert_eq!(reply.status, StatusCode::LOCKED, "{}", reply.text);
        assert_eq!(reply.body["error"]["code"], "frozen");
        assert!(reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("incident 12"));
    }
    assert_eq!(read.status, StatusCode::OK, "reading stays possible");
    assert_eq!(thawed.status, StatusCode::OK);
    assert_eq!(abort.body["status"], "aborted");
    let audited: Vec<(String,)> =
        sqlx::query_as("SELECT action FROM audit_log WHERE action LIKE '%freeze%' ORDER BY at, id")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    let actions: Vec<_> = audited.into_iter().map(|(action,)| action).collect();
    assert_eq!(
        actions,
        [
            "agent.freeze",
            "agent.unfreeze",
            "agents.freeze_all",
            "agents.unfreeze_all"
        ]
    );
}

#[tokio::test]
async fn bindings_follow_the_latest_version_or_stay_pinned() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, REFUND_POLICY).await;
    let follower = app.agent(&admin, "follower", &["refund_limit"]).await;
    let pinned = app.agent(&admin, "pinned", &[]).await;
    app.call(
        "POST",
        &format!("/api/v1/admin/agents/{}/bindings", pinned.id),
        Some(&admin),
        Some(json!({"policy_id": "refund_limit", "version": 1})),
    )
    .await;
    let before = app.open_decision(&follower, REFUND, "autonomous").await;
    app.step(&follower, &before, "evaluate", small_refund())
        .await;
    app.publish(
        &admin,
        &REFUND_POLICY.replace("within the agent's limit", "within the limit"),
    )
    .await;

    let follower_now = app.open_decision(&follower, REFUND, "autonomous").await;
    let follows = app
        .step(&follower, &follower_now, "evaluate", small_refund())
        .await;
    let pinned_now = app.open_decision(&pinned, REFUND, "autonomous").await;
    let stays = app
        .step(&pinned, &pinned_now, "evaluate", small_refund())
        .await;
    let unbound_policy = app
        .step(
            &pinned,
            &pinned_now,
            "evaluate",
            json!({"policy_id": "discount_cap", "inputs": {}}),
        )
        .await;
    let past = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{before}/trace"),
            Some(&follower.key),
            None,
        )
        .await;

    assert_eq!(follows.body["evaluations"][0]["version"], 2);
    assert!(follows.body["evaluations"][0]["rationale"]
        .as_str()
        .unwrap()
        .contains("within the limit"));
    assert_eq!(stays.body["evaluations"][0]["version"], 1);
    assert_eq!(unbound_policy.status, StatusCode::FORBIDDEN);
    assert_eq!(
        past.body["events"][1]["payload"]["version"], 1,
        "the past keeps its version"
    );
}

#[tokio::test]
async fn the_agent_api_refuses_bad_requests_with_clear_json_errors() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, REFUND_POLICY).await;
    let agent = app.agent(&admin, "careless-bot", &["refund_limit"]).await;
    let decision = app.open_decision(&agent, REFUND, "autonomous").await;
    let raw = |content_type: &str, body: &str| {
        let request = Request::post("/api/v1/decisions")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, format!("Bearer {}", agent.key))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.to_owned()))
            .unwrap();
        app.send(request)
    };

    let cases = [
        (
            app.call("POST", "/api/v1/decisions", None, Some(json!({})))
                .await,
            401,
            "unauthenticated",
            None,
        ),
        (
            app.call("POST", "/api/v1/decisions", Some(&admin), Some(json!({})))
                .await,
            401,
            "unauthenticated",
            None,
        ),
        (
            app.call(
                "POST",
                "/api/v1/decisions",
                Some("vk_forged"),
                Some(json!({})),
            )
            .await,
            401,
            "unauthenticated",
            None,
        ),
        (
            raw("text/plain", "{}").await,
            415,
            "unsupported_media_type",
            None,
        ),
        (
            raw("application/json", "{not json").await,
            400,
            "bad_request",
            None,
        ),
        (
            raw(
                "application/json",
                r#"{"intent": "x", "automation_mode": "yolo"}"#,
            )
            .await,
            422,
            "invalid",
            Some("automation_mode"),
        ),
        (
            raw("application/json", r#"{"automation_mode": "propose"}"#).await,
            422,
            "invalid",
            Some("intent"),
        ),
        (
            raw(
                "application/json",
                r#"{"intent": "x", "automation_mode": "propose", "admin": true}"#,
            )
            .await,
            422,
            "invalid",
            Some("admin"),
        ),
        (
            raw(
                "application/json",
                r#"{"intent": "drop table;", "automation_mode": "propose"}"#,
            )
            .await,
            422,
            "invalid",
            Some("intent"),
        ),
        (
            app.step(
                &agent,
                "no-such-decision",
                "context",
                json!({"summary": "x"}),
            )
            .await,
            404,
            "not_found",
            None,
        ),
        (
            app.step(&agent, &decision, "context", json!({"summary": "  "}))
                .await,
            422,
            "invalid",
            Some("summary"),
        ),
        (
            app.step(&agent, &decision, "evaluate", json!({"inputs": [1, 2]}))
                .await,
            422,
            "invalid",
            Some("inputs"),
        ),
        (
            app.step(
                &agent,
                &decision,
                "approvals",
                json!({"title": "t", "message": "m", "expires_in_seconds": 0}),
            )
            .await,
            422,
            "invalid",
            Some("expires_in_seconds"),
        ),
        (
            app.step(&agent, &decision, "close", json!({"action": "explode"}))
                .await,
            422,
            "invalid",
            Some("action"),
        ),
        (
            app.call(
                "GET",
                &format!("/api/v1/decisions/{decision}/wait?timeout=soon"),
                Some(&agent.key),
                None,
            )
            .await,
            400,
            "bad_request",
            None,
        ),
        (
            app.call("GET", "/api/v1/decisions/%FF%FE", Some(&agent.key), None)
                .await,
            400,
            "bad_request",
            None,
        ),
        (
            app.call("GET", "/api/v1/no-such-endpoint", Some(&agent.key), None)
                .await,
            404,
            "not_found",
            None,
        ),
    ];

    for (index, (reply, status, code, field)) in cases.iter().enumerate() {
        assert_eq!(
            reply.status.as_u16(),
            *status,
            "case {index}: {}",
            reply.text
        );
        assert_eq!(
            reply.body["error"]["code"], *code,
            "case {index}: {}",
            reply.text
        );
        assert!(
            !reply.body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "case {index}"
        );
        if let Some(field) = field {
            assert_eq!(
                reply.body["error"]["field"], *field,
                "case {index}: {}",
                reply.text
            );
        }
    }
}

#[tokio::test]
async fn an_agent_over_its_rate_is_told_when_to_retry() {
    let app = TestApp::with_settings(Settings {
        agent_rate_limit: 1,
        ..Settings::default()
    })
    .await;
    let admin = app.admin_token().await;
    let agent = app.agent(&admin, "busy-bot", &[]).await;

    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..5 {
        let reply = app
            .call("GET", "/api/v1/decisions/none", Some(&agent.key), None)
            .await;
        statuses.push(reply.status);
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(reply);
        }
    }

    assert_eq!(statuses[0], StatusCode::NOT_FOUND);
    let limited = limited.expect("the burst of 2 is exceeded within 5 quick calls");
    assert_eq!(limited.body["error"]["code"], "rate_limited");
    assert!(limited
        .retry_after
        .as_deref()
        .is_some_and(|seconds| seconds.parse::<u64>().unwrap() >= 1));
}

#[tokio::test]
async fn provisioning_needs_an_admin_and_is_audited() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let viewer_cookie = app.signed_in(app::model::Role::Viewer).await;
    let agent = app.agent(&admin, "audited-bot", &[]).await;

    let as_nobody = app
        .call(
            "POST",
            "/api/v1/admin/agents",
            None,
            Some(json!({"name": "x"})),
        )
        .await;
    let duplicate = app
        .call(
            "POST",
            "/api/v1/admin/agents",
            Some(&admin),
            Some(json!({"name": "audited-bot"})),
        )
        .await;
    let bad_name = app
        .call(
            "POST",
            "/api/v1/admin/agents",
            Some(&admin),
            Some(json!({"name": "Bad Name"})),
        )
        .await;
    let unpublished = app
        .call(
            "POST",
            &format!("/api/v1/admin/agents/{}/bindings", agent.id),
            Some(&admin),
            Some(json!({"policy_id": "nope"})),
        )
        .await;
    let shown = app
        .call(
            "GET",
            "/api/v1/admin/agents/audited-bot",
            Some(&admin),
            None,
        )
        .await;

    assert!(!viewer_cookie.is_empty());
    assert_eq!(as_nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(duplicate.body["error"]["field"], "name");
    assert_eq!(bad_name.body["error"]["field"], "name");
    assert_eq!(unpublished.body["error"]["field"], "policy_id");
    assert_eq!(shown.body["agent"]["id"], agent.id.as_str());
    assert_eq!(shown.body["agent"]["active_keys"], 1);
    assert!(
        !shown.text.contains(&agent.key),
        "a key is never shown again"
    );
    let audited: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'agent.create'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(audited.0, 1);
}
