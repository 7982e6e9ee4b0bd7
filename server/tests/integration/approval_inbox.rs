//! The approval inbox for people: requests appear, approvers answer with a rationale bound to
//! what they saw, answers are final, and the agent sees the outcome.

use crate::common;

use axum::http::StatusCode;
use serde_json::json;

use app::model::Role;
use common::{RefundAgent, Reply, TestAgent, TestApp, REFUND_POLICY};

const APPROVER: &str = "approver@example.com";
const SECOND_APPROVER: &str = "second-approver@example.com";

/// A refund above the limit whose agent asked for an approval that needs a rationale.
async fn pending_request() -> (TestApp, TestAgent, String, String) {
    let (RefundAgent { app, agent, .. }, decision, approval) =
        request_on(json!({"amount": 950.0, "currency": "USD"})).await;
    (app, agent, decision, approval)
}

/// The refund agent evaluated `inputs`, which need an exception, and asked for an approval
/// that needs a rationale: the app, the decision and the approval request.
async fn request_on(inputs: serde_json::Value) -> (RefundAgent, String, String) {
    let refund = TestApp::with_refund_agent().await;
    let (app, agent) = (&refund.app, &refund.agent);
    let decision = app
        .open_decision(agent, "billing.refund.create", "autonomous")
        .await;
    let evaluated = app
        .step(agent, &decision, "evaluate", json!({ "inputs": inputs }))
        .await;
    assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
    let requested = app
        .step(
            agent,
            &decision,
            "approvals",
            json!({"title": "Refund of 950 USD", "message": "The customer's parcel was lost.",
                   "require_rationale": true}),
        )
        .await;
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.text);
    let approval = requested.body["approval_id"].as_str().unwrap().to_owned();
    (refund, decision, approval)
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
        .server_fn("load_approval_inbox", &[("query", "")], Some(&approver))
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
        .server_fn("load_approval_inbox", &[("query", "")], Some(&second))
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
        .server_fn("load_approval_inbox", &[("query", "")], Some(&viewer))
        .await;
    let hash = evidence(&app, &viewer, &approval).await;
    let by_viewer = answer(&app, &viewer, &approval, "approved", "why not", &hash).await;
    let by_author = answer(&app, &author, &approval, "approved", "why not", &hash).await;
    let by_stranger = app
        .server_fn("load_approval_inbox", &[("query", "")], None)
        .await;
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

#[tokio::test]
async fn the_inbox_filters_by_route_agent_intent_and_age_and_names_a_bad_filter() {
    let (app, _agent, _decision, approval) = pending_request().await;
    let token = app.token_for(APPROVER, Role::Approver).await;
    let list = |query: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            app.call(
                "GET",
                &format!("/api/v1/approvals?{query}"),
                Some(&token),
                None,
            )
            .await
        }
    };

    let by_route = list("route=support-managers").await;
    let other_route = list("route=finance").await;
    let by_agent = list("agent=refund-bot&intent=billing.").await;
    let other_intent = list("intent=hr.").await;
    let too_young = list("older_than_minutes=30").await;
    let bad_age = list("older_than_minutes=soon").await;
    let unknown = list("colour=red").await;

    let ids = |reply: &Reply| -> Vec<String> {
        reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&by_route), vec![approval.clone()]);
    assert!(by_route.body[0]["evidence_hash"].as_str().unwrap().len() == 64);
    assert_eq!(
        by_route.body[0]["asked_by"],
        "refund_limit v1 (large_refund)"
    );
    assert!(ids(&other_route).is_empty());
    assert_eq!(ids(&by_agent), vec![approval.clone()]);
    assert!(ids(&other_intent).is_empty());
    assert!(ids(&too_young).is_empty());
    assert_eq!(bad_age.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_age.body["error"]["field"], "older_than_minutes");
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.body["error"]["field"], "colour");
    let cookie = app.sign_in(APPROVER, common::PASSWORD).await;
    let page = app
        .server_fn(
            "load_approval_inbox",
            &[("query", "route=finance")],
            Some(&cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.body["pending"].as_array().unwrap().is_empty());
    let count = app
        .server_fn("pending_approval_count", &[], Some(&cookie))
        .await;
    assert_eq!(count.body, json!(1));
}

#[tokio::test]
async fn a_bulk_answer_resolves_each_request_and_lists_the_refused() {
    let (app, agent, first_decision, first) = pending_request().await;
    let second_decision = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    app.step(
        &agent,
        &second_decision,
        "evaluate",
        json!({"inputs": {"amount": 700.0, "currency": "EUR"}}),
    )
    .await;
    let second = app
        .step(
            &agent,
            &second_decision,
            "approvals",
            json!({"title": "Refund of 700 EUR", "message": "Damaged."}),
        )
        .await
        .body["approval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_user(APPROVER, Role::Approver).await;
    let cookie = app.sign_in(APPROVER, common::PASSWORD).await;
    let first_hash = evidence(&app, &cookie, &first).await;
    let second_hash = evidence(&app, &cookie, &second).await;
    // The agent adds a note after the approver looked: that answer must be refused.
    app.step(
        &agent,
        &second_decision,
        "context",
        json!({"summary": "customer called again"}),
    )
    .await;
    let body = json!({
        "answers": [
            {"id": first, "evidence_hash": first_hash},
            {"id": second, "evidence_hash": second_hash},
        ],
        "outcome": "approved",
        "rationale": "both within the quarterly budget",
    });

    let reply = app
        .send(
            axum::http::Request::post("/api/resolve_approvals")
                .header("host", common::HOST)
                .header("origin", common::ORIGIN)
                .header("content-type", "application/json")
                .header("cookie", &cookie)
                .body(axum::body::Body::from(body.to_string()))
                .unwrap(),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.body[0]["refusal"].is_null(), "{}", reply.text);
    assert!(
        reply.body[1]["refusal"]
            .as_str()
            .unwrap()
            .contains("look again"),
        "{}",
        reply.text
    );
    let status = |decision: String| {
        let app = &app;
        let key = agent.key.clone();
        async move {
            app.call(
                "GET",
                &format!("/api/v1/decisions/{decision}"),
                Some(&key),
                None,
            )
            .await
            .body["status"]
                .clone()
        }
    };
    assert_eq!(status(first_decision).await, "approved");
    assert_eq!(status(second_decision).await, "needs_approval");
}

/// The request's inputs carry the description and unit that the evaluated policy version
/// declares for each (the starter refund policy's), not those of a later version; inputs the
/// version does not declare come unlabelled.
#[tokio::test]
async fn inputs_carry_the_evaluated_versions_descriptions_and_units() {
    let (RefundAgent { app, admin, .. }, _decision, approval) =
        request_on(json!({"amount": 950.0, "currency": "USD", "order": "o-12"})).await;
    // Version 2 says something else; the request was judged by version 1.
    let later = REFUND_POLICY
        .replace("unit: currency units", "unit: EUR")
        .replace("How much to refund", "Refunded amount");
    assert_ne!(later, REFUND_POLICY);
    app.publish(&admin, &later).await;
    let viewer = app.signed_in(Role::Viewer).await;

    let shown = app
        .server_fn("load_approval_request", &[("id", &approval)], Some(&viewer))
        .await;

    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    let evaluation = &shown.body["evaluations"][0];
    assert_eq!(evaluation["evaluation"]["version"], 1);
    let inputs = evaluation["inputs"].as_array().expect("labelled inputs");
    let row = |name: &str| {
        inputs
            .iter()
            .find(|row| row["name"] == name)
            .unwrap_or_else(|| panic!("no input {name} in {inputs:?}"))
    };
    assert_eq!(inputs.len(), 3, "{inputs:?}");
    assert_eq!(row("amount")["value"], 950.0);
    assert_eq!(
        row("amount")["description"],
        "How much to refund, in whole units of the currency (not cents)"
    );
    assert_eq!(row("amount")["unit"], "currency units");
    assert_eq!(row("currency")["value"], "USD");
    assert_eq!(
        row("currency")["description"],
        "ISO 4217 code of the refund's currency"
    );
    assert_eq!(row("currency")["unit"], serde_json::Value::Null);
    assert_eq!(row("order")["value"], "o-12");
    assert_eq!(row("order")["description"], serde_json::Value::Null);
    assert_eq!(row("order")["unit"], serde_json::Value::Null);
    // The raw inputs are there as recorded, for the JSON toggle.
    assert_eq!(evaluation["evaluation"]["inputs"]["amount"], 950.0);
}
