//! Backtesting a draft against a policy's recorded evaluations: counts on a known history,
//! the changed decisions listed, refusals naming their field, cancelling, and who may run one.

use crate::common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{send_to, server_fn_request, Reply, TestApp, REFUND_POLICY};
use serde_json::{json, Value};

use app::model::Role;

/// Refunds up to 100 instead of 200 go through without a manager.
fn stricter_draft() -> String {
    REFUND_POLICY
        .replace("amount <= 200.0", "amount <= 100.0")
        .replace("amount > 200.0", "amount > 100.0")
}

/// One decision per amount, each evaluated once against refund_limit v1; returns their ids.
async fn history(app: &TestApp, inputs: &[Value]) -> Vec<String> {
    let (_, agent) = app.refund_agent().await;
    let mut decisions = Vec::new();
    for input in inputs {
        let decision = app
            .open_decision(&agent, "billing.refund.create", "autonomous")
            .await;
        let evaluated = app
            .step(&agent, &decision, "evaluate", json!({ "inputs": input }))
            .await;
        assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
        decisions.push(decision);
    }
    decisions
}

async fn start(app: &TestApp, cookie: &str, source: &str, days: &str) -> Reply {
    app.server_fn(
        "start_backtest",
        &[("id", "refund_limit"), ("source", source), ("days", days)],
        Some(cookie),
    )
    .await
}

/// Follows a run until it stops running.
async fn finished(app: &TestApp, cookie: &str, started: Reply) -> Value {
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_owned();
    let mut progress = started.body;
    for _ in 0..200 {
        if progress["state"] != "running" {
            return progress;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let polled = app
            .server_fn("poll_backtest", &[("run_id", &run_id)], Some(cookie))
            .await;
        assert_eq!(polled.status, StatusCode::OK, "{}", polled.text);
        progress = polled.body;
    }
    panic!("the backtest was still running after 200 polls: {progress}");
}

fn count(report: &Value, recorded: &str, draft: &str) -> u64 {
    report["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|transition| transition["recorded"] == recorded && transition["draft"] == draft)
        .map_or(0, |transition| transition["count"].as_u64().unwrap())
}

#[tokio::test]
async fn a_stricter_draft_shows_which_recorded_outcomes_would_change() {
    let app = TestApp::new().await;
    let decisions = history(
        &app,
        &[
            json!({"amount": 50.0, "currency": "EUR"}),
            json!({"amount": 150.0, "currency": "EUR"}),
            json!({"amount": 180.0, "currency": "USD"}),
            json!({"amount": 250.0, "currency": "USD"}),
            json!({"amount": 20.0, "currency": "GBP", "customer": {"refunds_last_90_days": 4}}),
        ],
    )
    .await;
    let cookie = app.signed_in(Role::Author).await;

    let progress = finished(
        &app,
        &cookie,
        start(&app, &cookie, &stricter_draft(), "30").await,
    )
    .await;

    assert_eq!(progress["state"], "finished");
    assert_eq!(progress["processed"], 5);
    assert_eq!(progress["total"], 5);
    let report = &progress["report"];
    assert_eq!(report["evaluated"], 5);
    assert_eq!(report["unchanged"], 3);
    assert_eq!(report["changed"], 2);
    assert_eq!(count(report, "allow", "allow"), 1);
    assert_eq!(count(report, "allow", "requires_exception"), 2);
    assert_eq!(count(report, "requires_exception", "requires_exception"), 1);
    assert_eq!(count(report, "deny", "deny"), 1);
    let changed: Vec<&str> = report["changed_evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|changed| changed["decision_id"].as_str().unwrap())
        .collect();
    assert_eq!(changed, vec![decisions[1].as_str(), decisions[2].as_str()]);
    assert_eq!(report["changed_evaluations"][0]["recorded_version"], 1);
}

#[tokio::test]
async fn the_published_source_itself_changes_nothing_and_records_nothing() {
    let app = TestApp::new().await;
    history(&app, &[json!({"amount": 50.0, "currency": "EUR"})]).await;
    let cookie = app.signed_in(Role::Viewer).await;
    let decisions_before = decision_count(&app).await;

    let progress = finished(&app, &cookie, start(&app, &cookie, REFUND_POLICY, "").await).await;

    assert_eq!(progress["state"], "finished");
    assert_eq!(progress["report"]["window_days"], 30);
    assert_eq!(progress["report"]["evaluated"], 1);
    assert_eq!(progress["report"]["changed"], 0);
    assert_eq!(decision_count(&app).await, decisions_before);
}

async fn decision_count(app: &TestApp) -> i64 {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM decisions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    count
}

#[tokio::test]
async fn bad_drafts_and_windows_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let cookie = app.signed_in(Role::Author).await;
    let other_policy = REFUND_POLICY.replace("policy: refund_limit", "policy: other_policy");
    let cases = [
        ("policy: [unclosed", "30", "source"),
        (other_policy.as_str(), "30", "source"),
        (REFUND_POLICY, "abc", "days"),
        (REFUND_POLICY, "0", "days"),
        (REFUND_POLICY, "99999999999", "days"),
    ];

    for (source, days, field) in cases {
        let reply = start(&app, &cookie, source, days).await;

        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{days}: {}",
            reply.text
        );
        assert_eq!(reply.body["field"], field, "{days}: {}", reply.text);
    }
    let unknown = app
        .server_fn("poll_backtest", &[("run_id", "no-such-run")], Some(&cookie))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    let stranger = app
        .server_fn(
            "start_backtest",
            &[
                ("id", "refund_limit"),
                ("source", REFUND_POLICY),
                ("days", "30"),
            ],
            None,
        )
        .await;
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
}

/// Copies the one recorded evaluation (its event and its row) `copies` times, so that a run has
/// several pages of work.
async fn copy_the_evaluation(app: &TestApp, copies: u32) {
    let pool = &app.state.db.pool;
    let numbers = format!(
        "WITH RECURSIVE copy(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copy WHERE n < {copies})"
    );
    sqlx::query(&format!(
        "{numbers} INSERT INTO decision_events \
           (decision_id, sequence, id, kind, at, actor, payload_json, prev_hash, hash) \
         SELECT e.decision_id, 1000 + copy.n, e.id || '-' || CAST(copy.n AS TEXT), e.kind, e.at, \
           e.actor, e.payload_json, e.prev_hash, e.hash \
         FROM decision_events e JOIN policy_evaluations pe ON pe.event_id = e.id, copy"
    ))
    .execute(pool)
    .await
    .expect("copy the evaluation's event");
    sqlx::query(&format!(
        "{numbers} INSERT INTO policy_evaluations (event_id, decision_id, agent_id, policy_id, \
           policy_version, policy_hash, outcome, matched_rules, at) \
         SELECT pe.event_id || '-' || CAST(copy.n AS TEXT), pe.decision_id, pe.agent_id, \
           pe.policy_id, pe.policy_version, pe.policy_hash, pe.outcome, pe.matched_rules, pe.at \
         FROM policy_evaluations pe, copy"
    ))
    .execute(pool)
    .await
    .expect("copy the evaluation's row");
}

#[tokio::test]
async fn a_run_is_followed_and_cancelled_through_another_server() {
    let app = TestApp::new().await;
    history(&app, &[json!({"amount": 50.0, "currency": "EUR"})]).await;
    copy_the_evaluation(&app, 12_000).await;
    let cookie = app.signed_in(Role::Viewer).await;
    let other = app.another_server().await;
    let on_other = |name: &'static str, run_id: String| {
        let cookie = cookie.clone();
        let other = other.clone();
        async move {
            let reply = send_to(
                &other,
                server_fn_request(name, &[("run_id", &run_id)], Some(&cookie)),
            )
            .await;
            assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.text);
            reply.body
        }
    };

    let started = start(&app, &cookie, &stricter_draft(), "").await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_owned();
    on_other("cancel_backtest", run_id.clone()).await;
    let mut progress = on_other("poll_backtest", run_id.clone()).await;
    for _ in 0..500 {
        if progress["state"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        progress = on_other("poll_backtest", run_id.clone()).await;
    }

    assert_eq!(progress["state"], "cancelled", "{progress}");
    assert_eq!(progress["total"], 12_001);
    let processed = progress["processed"].as_u64().unwrap();
    assert!(processed < 12_001, "{progress}");
    assert_eq!(progress["report"]["evaluated"].as_u64(), Some(processed));
}

#[tokio::test]
async fn a_run_whose_server_went_silent_is_reported_failed() {
    const ORPHANED_RUN: &str = "01900000-0000-7000-8000-000000000001";
    let app = TestApp::new().await;
    let cookie = app.signed_in(Role::Viewer).await;
    // A run some server began and stopped writing about ten minutes ago.
    let long_ago = app::ssr::now_millis() - 10 * 60 * 1000;
    sqlx::query(
        "INSERT INTO backtest_runs (id, policy_id, total, started_at, heartbeat_at) \
         VALUES ($1, 'refund_limit', 40, $2, $2)",
    )
    .bind(ORPHANED_RUN)
    .bind(long_ago)
    .execute(&app.state.db.pool)
    .await
    .unwrap();

    let polled = app
        .server_fn("poll_backtest", &[("run_id", ORPHANED_RUN)], Some(&cookie))
        .await;

    assert_eq!(polled.status, StatusCode::OK, "{}", polled.text);
    assert_eq!(polled.body["state"], "failed");
    assert!(polled.body["failure"]
        .as_str()
        .unwrap()
        .contains("stopped before it finished"));
}
