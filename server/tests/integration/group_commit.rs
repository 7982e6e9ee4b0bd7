//! The decision journal under concurrency: many requests share a transaction, two servers share
//! a database, and still every acknowledged event is on record exactly once in an intact chain.

use crate::common;

use axum::http::StatusCode;
use futures::future::join_all;
use serde_json::json;

use std::time::Duration;

use app::{model::Role, ssr::Settings};
use common::{json_request, send_to, RefundAgent, TestAgent, TestApp};

const REFUND: &str = "billing.refund.create";
const NOTES: usize = 40;

async fn app_with_agent() -> (TestApp, TestAgent) {
    let RefundAgent { app, agent, .. } = TestApp::with_refund_agent().await;
    (app, agent)
}

#[tokio::test]
async fn concurrent_notes_on_one_server_are_all_recorded_in_one_chain() {
    let (app, agent) = app_with_agent().await;
    let decision = app.open_decision(&agent, REFUND, "autonomous").await;

    let replies = join_all((0..NOTES).map(|n| {
        app.step(
            &agent,
            &decision,
            "context",
            json!({"summary": format!("note {n}")}),
        )
    }))
    .await;

    assert!(replies
        .iter()
        .all(|reply| reply.status == StatusCode::CREATED));
    let kinds = app.event_kinds(&agent, &decision).await;
    assert_eq!(kinds.len(), 1 + NOTES);
    let verified = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/verify"),
            Some(&agent.key),
            None,
        )
        .await;
    assert_eq!(verified.body["intact"], true, "{}", verified.text);
}

#[tokio::test]
async fn two_servers_appending_to_one_decision_never_fork_or_lose_an_acknowledged_event() {
    let (app, agent) = app_with_agent().await;
    let other = app.another_server().await;
    let decision = app.open_decision(&agent, REFUND, "autonomous").await;

    let replies = join_all((0..NOTES).map(|n| {
        let router = if n % 2 == 0 { &app.router } else { &other };
        let path = format!("/api/v1/decisions/{decision}/context");
        let body = json!({"summary": format!("note {n}")});
        send_to(
            router,
            json_request("POST", &path, Some(&agent.key), Some(body)),
        )
    }))
    .await;

    let acknowledged: Vec<String> = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::CREATED)
        .map(|reply| {
            reply.body["payload"]["summary"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for refused in replies
        .iter()
        .filter(|reply| reply.status != StatusCode::CREATED)
    {
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
        assert!(refused.text.contains("retry"), "{}", refused.text);
    }
    assert!(!acknowledged.is_empty());
    let trace = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/trace"),
            Some(&agent.key),
            None,
        )
        .await;
    let mut recorded: Vec<String> = trace.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "context_added")
        .map(|event| event["payload"]["summary"].as_str().unwrap().to_owned())
        .collect();
    let mut expected = acknowledged.clone();
    recorded.sort();
    expected.sort();
    assert_eq!(recorded, expected);
    let verified = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/verify"),
            Some(&agent.key),
            None,
        )
        .await;
    assert_eq!(verified.body["intact"], true, "{}", verified.text);
}

#[tokio::test]
async fn concurrent_opens_with_one_idempotency_key_open_one_decision() {
    let (app, agent) = app_with_agent().await;
    let body = json!({"intent": REFUND, "automation_mode": "autonomous"});

    let replies = join_all((0..10).map(|_| {
        let mut request = json_request(
            "POST",
            "/api/v1/decisions",
            Some(&agent.key),
            Some(body.clone()),
        );
        request
            .headers_mut()
            .insert("idempotency-key", "order-7".parse().unwrap());
        app.send(request)
    }))
    .await;

    let ids: std::collections::BTreeSet<&str> = replies
        .iter()
        .map(|reply| {
            assert!(reply.status.is_success(), "{}", reply.text);
            reply.body["decision_id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

#[tokio::test]
async fn an_answer_on_one_server_wakes_an_agent_waiting_on_another() {
    // On PostgreSQL the waiter's own re-reads are put out of reach, so only the other server's
    // announcement (LISTEN/NOTIFY) can wake it within the wait; SQLite has no such channel and
    // relies on the re-reads.
    let on_postgres = std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty());
    let app = TestApp::with_settings(Settings {
        wait_recheck: if on_postgres {
            Duration::from_secs(600)
        } else {
            Settings::default().wait_recheck
        },
        ..Settings::default()
    })
    .await;
    let other = app.another_server().await;
    let (_, agent) = app.refund_agent().await;
    let approver = app.token_for("approver@example.com", Role::Approver).await;
    let (decision, approval) = app.exception_request(&agent, "Lost.").await;
    let shown = send_to(
        &other,
        json_request(
            "GET",
            &format!("/api/v1/approvals/{approval}"),
            Some(&approver),
            None,
        ),
    )
    .await;
    let evidence = shown.body["evidence_hash"].as_str().unwrap().to_owned();

    let wait_path = format!("/api/v1/decisions/{decision}/wait?timeout=20");
    let resolve_path = format!("/api/v1/approvals/{approval}/resolve");
    let (waited, answered) =
        tokio::join!(app.call("GET", &wait_path, Some(&agent.key), None), async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            send_to(
                &other,
                json_request(
                    "POST",
                    &resolve_path,
                    Some(&approver),
                    Some(json!({"outcome": "approved", "evidence_hash": evidence})),
                ),
            )
            .await
        });

    assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    assert_eq!(waited.status, StatusCode::OK, "{}", waited.text);
    assert_eq!(waited.body["changed"], true, "{}", waited.text);
    assert_eq!(
        waited.body["decision"]["status"], "approved",
        "{}",
        waited.text
    );
}
