//! The approval inbox for people: requests appear, approvers answer with a rationale bound to
//! what they saw, answers are final, and the agent sees the outcome.

use crate::common;

use axum::http::StatusCode;
use serde_json::json;

use app::model::Role;
use common::{Reply, TestAgent, TestApp, REFUND_POLICY};

const APPROVER: &str = "approver@example.com";
const SECOND_APPROVER: &str = "second-approver@example.com";

/// A refund above the limit whose agent asked for an approval that needs a rationale.
async fn pending_request() -> (TestApp, TestAgent, String, String) {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, REFUND_POLICY).await;
    let agent = app.agent(&admin, "refund-bot", &["refund_limit"]).await;
    let decision = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    let evaluated = app
        .step(
            &agent,
            &decision,
            "evaluate",
            json!({"inputs": {"amount": 950.0, "currency": "USD"}}),
        )
        .await;
    assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
    let requested = app
        .step(
            &agent,
            &decision,
            "approvals",
            json!({"title": "Refund of 950 USD", "message": "The customer's parcel was lost.",
                   "require_rationale": true}),
        )
        .await;
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.text);
    let approval = requested.body["approval_id"].as_str().unwrap().to_owned();
    (app, agent, decision, approval)
}

async fn answer(
    app: &TestApp,
    cookie: &str,
    approval: &str,
    outcome: &str,
    rationale: &str,
    evidence_hash: &str,
) -> Reply {
    app.server_fn(
        "resolve_approval",
        &[
            ("id", approval),
            ("outcome", outcome),
            ("rationale", rationale),
            ("evidence_hash", evidence_hash),
        ],
        Some(cookie),
    )
    .await
}

async fn evidence(app: &TestApp, cookie: &str, approval: &str) -> String {
    let shown = app
        .server_fn("load_approval_request", &[("id", approval)], Some(cookie))
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    shown.body["evidence_hash"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_approver_answers_with_a_rationale_and_the_agent_proceeds() {
    let (app, agent, decision, approval) = pending_request().await;
    app.create_user(APPROVER, Role::Approver).await;
    let approver = app.sign_in(APPROVER, common::PASSWORD).await;

    let inbox = app
        .server_fn("load_approval_inbox", &[], Some(&approver))
        .await;
    let hash = evidence(&app, &approver, &approval).await;
    let without_rationale = answer(&app, &approver, &approval, "approved", " ", &hash).await;
    let approved = answer(
        &app,
        &approver,
        &approval,
        "approved",
        "lost parcel confirmed by the carrier",
        &hash,
    )
    .await;
    let waited = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/wait?timeout=1"),
            Some(&agent.key),
            None,
        )
        .await;
    let committed = app
        .step(&agent, &decision, "close", json!({"action": "commit"}))
        .await;

    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.text);
    assert_eq!(inbox.body["pending"][0]["id"], approval.as_str());
    assert_eq!(inbox.body["pending"][0]["agent_name"], "refund-bot");
    assert_eq!(inbox.body["pending"][0]["require_rationale"], true);
    assert_eq!(inbox.body["can_resolve"], true);
    assert_eq!(without_rationale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(without_rationale.body["field"], "rationale");
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body, "approved");
    assert_eq!(waited.body["decision"]["status"], "approved");
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.text);
}

#[tokio::test]
async fn an_answer_binds_to_what_was_shown_and_is_final() {
    let (app, agent, decision, approval) = pending_request().await;
    app.create_user(APPROVER, Role::Approver).await;
    app.create_user(SECOND_APPROVER, Role::Approver).await;
    let approver = app.sign_in(APPROVER, common::PASSWORD).await;
    let second = app.sign_in(SECOND_APPROVER, common::PASSWORD).await;
    let seen_before_the_note = evidence(&app, &approver, &approval).await;
    let noted = app
        .step(
            &agent,
            &decision,
            "context",
            json!({"summary": "the customer called again"}),
        )
        .await;
    assert_eq!(noted.status, StatusCode::CREATED, "{}", noted.text);

    let stale = answer(
        &app,
        &approver,
        &approval,
        "approved",
        "looked fine",
        &seen_before_the_note,
    )
    .await;
    let current = evidence(&app, &approver, &approval).await;
    let rejected = answer(
        &app,
        &approver,
        &approval,
        "rejected",
        "a second call is a red flag",
        &current,
    )
    .await;
    let too_late = answer(&app, &second, &approval, "approved", "fine by me", &current).await;
    let inbox = app
        .server_fn("load_approval_inbox", &[], Some(&second))
        .await;

    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert!(stale.text.contains("look again"), "{}", stale.text);
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
    assert_eq!(rejected.body, "rejected");
    assert_eq!(too_late.status, StatusCode::CONFLICT);
    assert!(
        too_late
            .text
            .contains("already rejected by approver@example.com"),
        "{}",
        too_late.text
    );
    assert_eq!(inbox.body["pending"], json!([]));
    assert_eq!(inbox.body["resolved"][0]["resolved_by"], APPROVER);
    assert_eq!(
        inbox.body["resolved"][0]["rationale"],
        "a second call is a red flag"
    );
}

#[tokio::test]
async fn only_approvers_and_admins_answer_and_everyone_signed_in_reads() {
    let (app, _agent, _decision, approval) = pending_request().await;
    let viewer = app.signed_in(Role::Viewer).await;
    let author = app.signed_in(Role::Author).await;

    let read = app
        .server_fn("load_approval_inbox", &[], Some(&viewer))
        .await;
    let hash = evidence(&app, &viewer, &approval).await;
    let by_viewer = answer(&app, &viewer, &approval, "approved", "why not", &hash).await;
    let by_author = answer(&app, &author, &approval, "approved", "why not", &hash).await;
    let by_stranger = app.server_fn("load_approval_inbox", &[], None).await;
    let unknown = app
        .server_fn(
            "load_approval_request",
            &[("id", "no-such-request")],
            Some(&viewer),
        )
        .await;

    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["can_resolve"], false);
    assert_eq!(by_viewer.status, StatusCode::FORBIDDEN);
    assert_eq!(by_author.status, StatusCode::FORBIDDEN);
    assert_eq!(by_stranger.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn approvers_work_the_inbox_over_json_with_a_token() {
    let (app, _agent, _decision, approval) = pending_request().await;
    let approver = app.token_for(APPROVER, Role::Approver).await;
    let viewer = app.token_for("viewer@example.com", Role::Viewer).await;

    let pending = app
        .call(
            "GET",
            "/api/v1/approvals?status=pending",
            Some(&approver),
            None,
        )
        .await;
    let shown = app
        .call(
            "GET",
            &format!("/api/v1/approvals/{approval}"),
            Some(&approver),
            None,
        )
        .await;
    let hash = shown.body["evidence_hash"].as_str().unwrap().to_owned();
    let resolve = |token: String, body: serde_json::Value| {
        let app = &app;
        let path = format!("/api/v1/approvals/{approval}/resolve");
        async move { app.call("POST", &path, Some(&token), Some(body)).await }
    };
    let by_viewer = resolve(
        viewer.clone(),
        json!({"outcome": "approved", "rationale": "ok", "evidence_hash": hash}),
    )
    .await;
    let bad_outcome = resolve(
        approver.clone(),
        json!({"outcome": "expired", "rationale": "ok", "evidence_hash": hash}),
    )
    .await;
    let approved = resolve(
        approver.clone(),
        json!({"outcome": "approved", "rationale": "carrier confirmed", "evidence_hash": hash}),
    )
    .await;
    let again = resolve(
        approver.clone(),
        json!({"outcome": "rejected", "rationale": "changed my mind", "evidence_hash": hash}),
    )
    .await;
    let resolved = app
        .call(
            "GET",
            "/api/v1/approvals?status=resolved",
            Some(&viewer),
            None,
        )
        .await;

    assert_eq!(pending.status, StatusCode::OK, "{}", pending.text);
    assert_eq!(pending.body[0]["id"], approval.as_str());
    assert_eq!(shown.body["title"], "Refund of 950 USD");
    assert_eq!(by_viewer.status, StatusCode::FORBIDDEN);
    assert_eq!(bad_outcome.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_outcome.body["error"]["field"], "outcome");
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body["decision_status"], "approved");
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(resolved.body[0]["resolved_by"], APPROVER);
}
