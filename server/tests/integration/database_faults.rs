//! When the database goes away, callers hear 503 with `Retry-After` and the reason, never 500;
//! when it comes back, service resumes without a restart. (`scripts/fault-test.sh` does the
//! same to a real PostgreSQL and a real full disk, under load.)

use crate::common;

use axum::http::StatusCode;
use serde_json::json;
use sqlx::Executor;

use common::{RefundAgent, Reply, TestAgent, TestApp};

const REFUND: &str = "billing.refund.create";

async fn app_with_agent() -> (TestApp, String, TestAgent) {
    let RefundAgent { app, admin, agent } = TestApp::with_refund_agent().await;
    (app, admin, agent)
}

fn assert_unavailable(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        reply.text
    );
    assert!(reply.retry_after.is_some(), "{what}: no Retry-After");
}

#[tokio::test]
async fn a_database_that_is_gone_is_answered_503_with_retry_after_on_every_surface() {
    let (app, admin, agent) = app_with_agent().await;
    let cookie = app.sign_in("admin@example.com", common::PASSWORD).await;

    // Act: every connection to the database is gone, for requests and for the journal alike
    // (which has not taken its connection yet: it takes one at its first command).
    app.state.db.pool.close().await;
    app.state.db.journal.close().await;
    let agent_call = app
        .step(
            &agent,
            "01a238dc-0000-7000-8000-000000000000",
            "evaluate",
            json!({"inputs": {"amount": 20.0, "currency": "USD"}}),
        )
        .await;
    let agent_open = app
        .call(
            "POST",
            "/api/v1/decisions",
            Some(&agent.key),
            Some(json!({"intent": REFUND, "automation_mode": "autonomous"})),
        )
        .await;
    let person_write = app
        .call(
            "POST",
            "/api/v1/admin/agents",
            Some(&admin),
            Some(json!({"name": "another-bot", "owner_team": "support"})),
        )
        .await;
    let page_write = app
        .server_fn(
            "create_agent",
            &[
                ("name", "page-bot"),
                ("description", ""),
                ("owner_team", "support"),
            ],
            Some(&cookie),
        )
        .await;
    let ready = app.get("/readyz", None).await;
    let health = app.get("/healthz", None).await;

    // Assert
    for (reply, what) in [
        (&agent_call, "an agent's evaluation"),
        (&agent_open, "an agent opening a decision"),
        (&person_write, "a person's write over the API"),
    ] {
        assert_unavailable(reply, what);
        assert_eq!(reply.body["error"]["code"], "unavailable", "{what}");
    }
    assert_unavailable(&page_write, "a person's write from a page");
    assert!(
        page_write.text.contains("database"),
        "the page is told why: {}",
        page_write.text
    );
    assert_unavailable(&ready, "/readyz");
    assert_unavailable(&health, "/healthz");
    assert_eq!(health.body["cause"], "unreachable");
}

/// SQLite rolls a transaction back by itself when the database is full; sqlx still counted it
/// open, so the journal's only connection refused every later transaction (500s until a
/// restart). Now the full database is a 503 and the next command is applied.
#[tokio::test]
async fn the_journal_writes_again_after_sqlite_ran_out_of_room() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        return; // a SQLite matter
    }
    let (app, _admin, agent) = app_with_agent().await;
    // The journal's one connection (taken before its first command) may not make the file
    // grow by a single page: as on a full disk.
    {
        let mut journal = app.state.db.journal.acquire().await.unwrap();
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut *journal)
            .await
            .unwrap();
        journal
            .execute(format!("PRAGMA max_page_count = {pages}").as_str())
            .await
            .unwrap();
    }
    let decision = app.open_decision(&agent, REFUND, "autonomous").await;
    let big_note = json!({"summary": "a long note", "payload": {"padding": "y".repeat(20_000)}});

    // Act
    let refused = app
        .step(&agent, &decision, "context", big_note.clone())
        .await;
    let next = app.step(&agent, &decision, "context", big_note).await;

    // Assert
    assert_unavailable(&refused, "a note that does not fit");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("disk is full"),
        "{}",
        refused.text
    );
    assert_eq!(next.status, StatusCode::CREATED, "{}", next.text);
    let kinds = app.event_kinds(&agent, &decision).await;
    assert_eq!(kinds.len(), 2, "opened and one note: {kinds:?}");
}
