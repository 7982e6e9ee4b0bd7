//! Decision envelopes through the agent API: every automation mode's lifecycle, the state
//! machine's refusals, approvals, expiry, idempotency and the hash chain.

use crate::common;

use axum::http::StatusCode;
use serde_json::{json, Value};

use app::{
    model::Role,
    ssr::{services::approvals, store},
};
use common::{RefundAgent, TestApp};

const REFUND: &str = "billing.refund.create";

fn small_refund() -> Value {
    json!({"inputs": {"amount": 35.5, "currency": "EUR"}})
}

fn large_refund() -> Value {
    json!({"inputs": {"amount": 950.0, "currency": "USD"}})
}

fn write() -> Value {
    json!({"product": "billing", "operation": "refund.create", "summary": "refund issued"})
}

async fn approve(world: &RefundAgent, approval_id: &str, approve: bool) {
    world
        .app
        .create_user("approver@example.com", Role::Approver)
        .await;
    let approver = store::users::find_by_email(
        &world.app.state.db.pool,
        &app::model::Email::parse("approver@example.com").unwrap(),
    )
    .await
    .unwrap()
    .and_then(|row| row.current_user())
    .unwrap();
    approvals::resolve(
        &world.app.state,
        &approver,
        approvals::ApproverAnswer {
            approval_id,
            answer: if approve {
                app::model::Answer::Approve
            } else {
                app::model::Answer::Reject
            },
            rationale: Some("checked the ticket"),
            evidence_hash: None,
        },
    )
    .await
    .expect("resolve approval");
}

#[tokio::test]
async fn an_autonomous_decision_runs_from_open_to_commit_with_a_snapshot() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let decision = app.open_decision(agent, REFUND, "autonomous").await;

    let context = app
        .step(
            agent,
            &decision,
            "context",
            json!({"summary": "customer asked for a refund", "payload": {"ticket": 42}}),
        )
        .await;
    let read = app.step(agent, &decision, "reads", json!({"product": "crm.customers", "purpose": "check refund history", "record_count": 1})).await;
    let evaluation = app.step(agent, &decision, "evaluate", small_refund()).await;
    let written = app.step(agent, &decision, "writes", write()).await;
    let committed = app
        .step(agent, &decision, "close", json!({"action": "commit"}))
        .await;

    assert_eq!(context.status, StatusCode::CREATED);
    assert_eq!(read.status, StatusCode::CREATED);
    assert_eq!(evaluation.status, StatusCode::OK, "{}", evaluation.text);
    assert_eq!(evaluation.body["outcome"], "allow");
    let first = &evaluation.body["evaluations"][0];
    assert_eq!(first["policy_id"], "refund_limit");
    assert_eq!(first["version"], 1);
    assert_eq!(first["matched_rules"], json!(["small_refund"]));
    assert!(first["rationale"].as_str().unwrap().contains("35.5 EUR"));
    assert!(first["event_id"].is_string());
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.text);
    assert_eq!(committed.body["status"], "committed");
    assert_eq!(
        app.event_kinds(agent, &decision).await,
        [
            "decision_opened",
            "context_added",
            "read",
            "policy_eval",
            "write",
            "snapshot",
            "decision_committed"
        ]
    );
    let trace = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/trace"),
            Some(&agent.key),
            None,
        )
        .await;
    let snapshot = &trace.body["events"][5]["payload"]["policies"][0];
    assert_eq!(snapshot["policy_id"], "refund_limit");
    assert_eq!(snapshot["version"], 1);
    assert_eq!(snapshot["hash"], first["hash"]);
    let verified = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/verify"),
            Some(&agent.key),
            None,
        )
        .await;
    assert_eq!(verified.body["intact"], true, "{}", verified.text);
    assert_eq!(verified.body["events"], 7);
}

#[tokio::test]
async fn an_exception_needs_a_granted_approval_before_writing() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let decision = app.open_decision(agent, REFUND, "autonomous").await;

    let evaluation = app.step(agent, &decision, "evaluate", large_refund()).await;
    let early_write = app.step(agent, &decision, "writes", write()).await;
    let requested = app
        .step(
            agent,
            &decision,
            "approvals",
            json!({"title": "Refund 950 USD", "message": "Customer is a VIP"}),
        )
        .await;
    let waiting_write = app.step(agent, &decision, "writes", write()).await;
    let waiting = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}"),
            Some(&agent.key),
            None,
        )
        .await;
    approve(
        &world,
        requested.body["approval_id"].as_str().unwrap(),
        true,
    )
    .await;
    let granted_write = app.step(agent, &decision, "writes", write()).await;
    let committed = app
        .step(agent, &decision, "close", json!({"action": "commit"}))
        .await;

    assert_eq!(evaluation.body["outcome"], "requires_exception");
    assert_eq!(
        evaluation.body["evaluations"][0]["approval_route"],
        "support-managers"
    );
    assert_eq!(early_write.status, StatusCode::CONFLICT);
    assert!(early_write.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("exception"));
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.text);
    assert_eq!(requested.body["status"], "pending");
    assert_eq!(
        requested.body["approval_route"], "support-managers",
        "the route comes from the evaluation"
    );
    assert_eq!(waiting_write.status, StatusCode::CONFLICT);
    assert_eq!(waiting.body["status"], "needs_approval");
    assert_eq!(
        granted_write.status,
        StatusCode::CREATED,
        "{}",
        granted_write.text
    );
    assert_eq!(committed.body["status"], "committed");
    let kinds = app.event_kinds(agent, &decision).await;
    // Both early writes were attempts to act: refused, and on the record.
    assert_eq!(
        kinds[1..6],
        [
            "policy_eval",
            "write_refused",
            "approval_requested",
            "write_refused",
            "approval_resolved"
        ]
    );
}

#[tokio::test]
async fn propose_and_approve_modes_act_only_after_a_person_approves() {
    for mode in ["propose", "approve"] {
        let world = TestApp::with_refund_agent().await;
        let (app, agent) = (&world.app, &world.agent);
        let decision = app.open_decision(agent, REFUND, mode).await;
        app.step(agent, &decision, "evaluate", small_refund()).await;

        let refused = app
            .step(agent, &decision, "close", json!({"action": "commit"}))
            .await;
        let requested = app.step(agent, &decision, "approvals", json!({"title": "Proposal", "message": "Refund 35.5 EUR", "approval_route": "support-leads"})).await;
        approve(
            &world,
            requested.body["approval_id"].as_str().unwrap(),
            true,
        )
        .await;
        let written = app.step(agent, &decision, "writes", write()).await;
        let committed = app
            .step(agent, &decision, "close", json!({"action": "commit"}))
            .await;

        assert_eq!(refused.status, StatusCode::CONFLICT, "{mode}");
        assert!(refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(mode));
        assert_eq!(requested.body["approval_route"], "support-leads");
        assert_eq!(
            written.status,
            StatusCode::CREATED,
            "{mode}: {}",
            written.text
        );
        assert_eq!(committed.body["status"], "committed", "{mode}");
    }
}

#[tokio::test]
async fn override_mode_acts_on_an_allowing_evaluation() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let decision = app.open_decision(agent, REFUND, "override").await;
    app.step(agent, &decision, "evaluate", small_refund()).await;

    let written = app.step(agent, &decision, "writes", write()).await;
    let committed = app
        .step(agent, &decision, "close", json!({"action": "commit"}))
        .await;

    assert_eq!(written.status, StatusCode::CREATED);
    assert_eq!(committed.body["status"], "committed");
}

#[tokio::test]
async fn a_rejected_decision_cannot_act_but_can_be_aborted() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let decision = app.open_decision(agent, REFUND, "autonomous").await;
    app.step(agent, &decision, "evaluate", large_refund()).await;
    let requested = app
        .step(
            agent,
            &decision,
            "approvals",
            json!({"title": "t", "message": "m"}),
        )
        .await;
    approve(
        &world,
        requested.body["approval_id"].as_str().unwrap(),
        false,
    )
    .await;

    let write_refused = app.step(agent, &decision, "writes", write()).await;
    let commit_refused = app
        .step(agent, &decision, "close", json!({"action": "commit"}))
        .await;
    let aborted = app
        .step(
            agent,
            &decision,
            "close",
            json!({"action": "abort", "reason": "rejected"}),
        )
        .await;

    assert_eq!(write_refused.status, StatusCode::CONFLICT);
    assert!(write_refused.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("rejected"));
    assert_eq!(commit_refused.status, StatusCode::CONFLICT);
    assert_eq!(aborted.body["status"], "aborted");
    assert_eq!(
        app.event_kinds(agent, &decision).await.last().unwrap(),
        "decision_aborted"
    );
}

#[tokio::test]
async fn a_denied_or_unevaluated_decision_cannot_write() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let unevaluated = app.open_decision(agent, REFUND, "autonomous").await;
    let denied = app.open_decision(agent, REFUND, "autonomous").await;
    app.step(agent, &denied, "evaluate", json!({"inputs": {"amount": 20.0, "currency": "GBP", "customer": {"refunds_last_90_days": 4}}})).await;

    let before_evaluation = app.step(agent, &unevaluated, "writes", write()).await;
    let after_deny = app.step(agent, &denied, "writes", write()).await;

    assert_eq!(before_evaluation.status, StatusCode::CONFLICT);
    assert!(before_evaluation.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("evaluated"));
    assert_eq!(after_deny.status, StatusCode::CONFLICT);
    assert!(after_deny.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("deny"));
}

#[tokio::test]
async fn illegal_transitions_are_409_naming_the_state() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let committed = app.open_decision(agent, REFUND, "autonomous").await;
    app.step(agent, &committed, "evaluate", small_refund())
        .await;
    app.step(agent, &committed, "close", json!({"action": "commit"}))
        .await;
    let waiting = app.open_decision(agent, REFUND, "autonomous").await;
    app.step(agent, &waiting, "evaluate", large_refund()).await;
    app.step(
        agent,
        &waiting,
        "approvals",
        json!({"title": "t", "message": "m"}),
    )
    .await;

    let attempts = [
        (
            &committed,
            "close",
            json!({"action": "commit"}),
            "committed",
        ),
        (&committed, "close", json!({"action": "abort"}), "committed"),
        (&committed, "evaluate", small_refund(), "committed"),
        (
            &committed,
            "context",
            json!({"summary": "late note"}),
            "committed",
        ),
        (
            &committed,
            "approvals",
            json!({"title": "t", "message": "m"}),
            "committed",
        ),
        (
            &waiting,
            "approvals",
            json!({"title": "t", "message": "m"}),
            "needs_approval",
        ),
        (&waiting, "evaluate", small_refund(), "needs_approval"),
        (
            &waiting,
            "close",
            json!({"action": "commit"}),
            "needs_approval",
        ),
    ];
    for (decision, step, body, state) in attempts {
        let reply = app.step(agent, decision, step, body).await;
        assert_eq!(
            reply.status,
            StatusCode::CONFLICT,
            "{step} in {state}: {}",
            reply.text
        );
        assert_eq!(reply.body["error"]["code"], "conflict");
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(state),
            "{}",
            reply.text
        );
    }
    let rollback = app
        .step(agent, &waiting, "close", json!({"action": "rollback"}))
        .await;
    assert_eq!(
        rollback.body["status"], "aborted",
        "rollback works while waiting"
    );
}

#[tokio::test]
async fn an_unanswered_approval_expires_and_aborts_the_decision() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let decision = app.open_decision(agent, REFUND, "autonomous").await;
    app.step(agent, &decision, "evaluate", large_refund()).await;
    let requested = app
        .step(
            agent,
            &decision,
            "approvals",
            json!({"title": "t", "message": "m", "expires_in_seconds": 60}),
        )
        .await;
    let approval_id = requested.body["approval_id"].as_str().unwrap();
    let not_yet = approvals::expire_overdue(&app.state).await.unwrap();
    sqlx::query("UPDATE approvals SET expires_at = 0 WHERE id = $1")
        .bind(approval_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    let expired = approvals::expire_overdue(&app.state).await.unwrap();

    assert_eq!((not_yet, expired), (0, 1));
    let shown = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}"),
            Some(&agent.key),
            None,
        )
        .await;
    assert_eq!(shown.body["status"], "aborted");
    let kinds = app.event_kinds(agent, &decision).await;
    assert_eq!(
        kinds[kinds.len() - 3..],
        ["approval_resolved", "snapshot", "decision_aborted"]
    );
    let trace = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/trace"),
            Some(&agent.key),
            None,
        )
        .await;
    assert_eq!(
        trace.body["events"][kinds.len() - 3]["payload"]["outcome"],
        "expired"
    );
}

#[tokio::test]
async fn waiting_returns_when_an_approver_answers() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let decision = app.open_decision(agent, REFUND, "autonomous").await;
    app.step(agent, &decision, "evaluate", large_refund()).await;
    let requested = app
        .step(
            agent,
            &decision,
            "approvals",
            json!({"title": "t", "message": "m"}),
        )
        .await;
    let approval_id = requested.body["approval_id"].as_str().unwrap().to_owned();

    let quiet = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/wait?timeout=1"),
            Some(&agent.key),
            None,
        )
        .await;
    let waiting = {
        let router_app = app.router.clone();
        let path = format!("/api/v1/decisions/{decision}/wait?timeout=30&since=needs_approval");
        let key = agent.key.clone();
        tokio::spawn(async move {
            use tower::ServiceExt;
            let request = axum::http::Request::get(path)
                .header("host", common::HOST)
                .header("authorization", format!("Bearer {key}"))
                .body(axum::body::Body::empty())
                .unwrap();
            let response = router_app.oneshot(request).await.unwrap();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        })
    };
    approve(&world, &approval_id, true).await;
    let answered = waiting.await.unwrap();

    assert_eq!(quiet.body["changed"], false, "{}", quiet.text);
    assert_eq!(quiet.body["decision"]["status"], "needs_approval");
    assert_eq!(answered["changed"], true);
    assert_eq!(answered["decision"]["status"], "approved");
}

#[tokio::test]
async fn an_idempotency_key_returns_the_first_answer_and_refuses_another_body() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let open = |body: Value| {
        let request = axum::http::Request::post("/api/v1/decisions")
            .header("host", common::HOST)
            .header("authorization", format!("Bearer {}", agent.key))
            .header("content-type", "application/json")
            .header("idempotency-key", "order-7")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        app.send(request)
    };
    let body = json!({"intent": REFUND, "automation_mode": "autonomous"});

    let first = open(body.clone()).await;
    let again = open(body).await;
    let different = open(json!({"intent": REFUND, "automation_mode": "propose"})).await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, first.body);
    assert_eq!(different.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(different.body["error"]["field"], "Idempotency-Key");
    let opened: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM decisions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(opened.0, 1);
}

#[tokio::test]
async fn a_repeated_write_key_records_one_write() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let decision = app.open_decision(agent, REFUND, "autonomous").await;
    app.step(agent, &decision, "evaluate", small_refund()).await;
    let keyed =
        json!({"product": "billing", "operation": "refund.create", "idempotency_key": "refund-1"});

    let first = app.step(agent, &decision, "writes", keyed.clone()).await;
    let again = app.step(agent, &decision, "writes", keyed).await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["event_id"], first.body["event_id"]);
    let writes = app
        .event_kinds(agent, &decision)
        .await
        .iter()
        .filter(|kind| *kind == "write")
        .count();
    assert_eq!(writes, 1);
}

#[tokio::test]
async fn without_a_matching_policy_the_answer_is_deny_on_the_record() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let decision = app
        .open_decision(agent, "crm.record.delete", "autonomous")
        .await;

    let evaluation = app
        .step(agent, &decision, "evaluate", json!({"inputs": {}}))
        .await;

    assert_eq!(evaluation.body["outcome"], "deny");
    assert_eq!(evaluation.body["evaluations"][0]["policy_id"], Value::Null);
    assert!(evaluation.body["evaluations"][0]["rationale"]
        .as_str()
        .unwrap()
        .contains("crm.record.delete"));
    assert_eq!(
        app.event_kinds(agent, &decision).await,
        ["decision_opened", "policy_eval"]
    );
}

#[tokio::test]
async fn altering_a_stored_event_breaks_the_chain_at_that_event() {
    let world = TestApp::with_refund_agent().await;
    let (app, agent) = (&world.app, &world.agent);
    let decision = app.open_decision(agent, REFUND, "autonomous").await;
    app.step(agent, &decision, "evaluate", large_refund()).await;
    app.step(agent, &decision, "context", json!({"summary": "note"}))
        .await;
    sqlx::query("UPDATE decision_events SET payload_json = REPLACE(payload_json, 'requires_exception', 'allow') WHERE decision_id = $1 AND sequence = 2")
        .bind(&decision)
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    let verified = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/verify"),
            Some(&agent.key),
            None,
        )
        .await;

    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.body["intact"], false);
    assert_eq!(verified.body["first_break"]["sequence"], 2);
}
