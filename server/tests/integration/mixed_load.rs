//! People's writes while agents are busy (issue 15): on SQLite a read-then-write transaction used
//! to fail at once with "database is locked" whenever the journal committed between its read and
//! its write. Agents run decisions flat out through the journal while admins, an author, an
//! approver and the explorer work at the same time, for a fixed number of operations each:
//! nothing may answer 5xx, every person's write is applied or refused with a 4xx, and every
//! decision acknowledged as committed is on record as committed.

use crate::common;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use futures::future::join_all;
use serde_json::{json, Value};

use app::{
    model::Role,
    ssr::{store, Settings},
};
use common::{Reply, TestAgent, TestApp, REFUND_POLICY};

const AGENTS: usize = 4;
const DECISIONS_PER_AGENT: usize = 30;
const ADMIN_ROUNDS: usize = 12;
const EXCEPTIONS: usize = 16;

/// Who did what, and what they were answered.
type Log = Vec<(String, StatusCode)>;

fn record(log: &mut Log, what: &str, reply: &Reply) {
    log.push((what.to_owned(), reply.status));
}

async fn agent_work(app: &TestApp, agent: &TestAgent) -> (Log, Vec<String>) {
    let mut log = Log::new();
    let mut committed = Vec::new();
    for _ in 0..DECISIONS_PER_AGENT {
        let opened = app
            .call(
                "POST",
                "/api/v1/decisions",
                Some(&agent.key),
                Some(json!({"intent": "billing.refund.create", "automation_mode": "autonomous"})),
            )
            .await;
        record(&mut log, "agent: open", &opened);
        let Some(decision) = opened.body["decision_id"].as_str().map(str::to_owned) else {
            continue;
        };
        let steps = [
            (
                "evaluate",
                json!({"inputs": {"amount": 20.0, "currency": "EUR"}}),
            ),
            (
                "writes",
                json!({"product": "billing", "operation": "refund.create", "summary": "refund"}),
            ),
            ("close", json!({"action": "commit"})),
        ];
        for (step, body) in steps {
            let reply = app.step(agent, &decision, step, body).await;
            record(&mut log, &format!("agent: {step}"), &reply);
            if step == "close" && reply.status == StatusCode::OK {
                committed.push(decision.clone());
            }
        }
    }
    (log, committed)
}

async fn admin_agents(app: &TestApp, admin: &str, who: usize) -> Log {
    let mut log = Log::new();
    for round in 0..ADMIN_ROUNDS {
        let created = app
            .call(
                "POST",
                "/api/v1/admin/agents",
                Some(admin),
                Some(json!({"name": format!("mixed-{who}-{round}"), "owner_team": "ops"})),
            )
            .await;
        record(&mut log, "admin: create agent", &created);
        let Some(id) = created.body["agent"]["id"].as_str().map(str::to_owned) else {
            continue;
        };
        let path = format!("/api/v1/admin/agents/{id}");
        let calls = [
            (
                "POST",
                format!("{path}/bindings"),
                json!({"policy_id": "refund_limit"}),
            ),
            (
                "PUT",
                format!("{path}/freeze"),
                json!({"frozen": true, "reason": "mixed load"}),
            ),
            ("PUT", format!("{path}/freeze"), json!({"frozen": false})),
            ("POST", format!("{path}/keys"), json!({"grace_seconds": 0})),
        ];
        for (method, path, body) in calls {
            let reply = app.call(method, &path, Some(admin), Some(body)).await;
            record(
                &mut log,
                &format!("admin: {method} {}", path.rsplit('/').next().unwrap()),
                &reply,
            );
        }
    }
    log
}

async fn admin_policies_and_routes(app: &TestApp, admin: &str) -> Log {
    let mut log = Log::new();
    for round in 0..ADMIN_ROUNDS {
        let route = app
            .call(
                "POST",
                "/api/v1/admin/approval-routes",
                Some(admin),
                Some(json!({"name": format!("mixed-route-{}", round % 3), "integration": "inbox"})),
            )
            .await;
        record(&mut log, "admin: define route", &route);
        let source = REFUND_POLICY.replace(
            "Refunds above 200 need a manager's approval",
            &format!("Refunds above 200 need a manager's approval (round {round})"),
        );
        let published = app
            .call(
                "POST",
                "/api/v1/admin/policies",
                Some(admin),
                Some(json!({"source_yaml": source})),
            )
            .await;
        record(&mut log, "admin: publish", &published);
    }
    log
}

async fn author_drafts(app: &TestApp, cookie: &str) -> Log {
    let mut log = Log::new();
    let mut revision = app.create_draft(cookie, "mixed_draft", "").await;
    for round in 0..ADMIN_ROUNDS * 2 {
        let source = format!("policy: mixed_draft\ndescription: round {round}\n");
        let saved = app
            .server_fn(
                "save_draft",
                &[
                    ("id", "mixed_draft"),
                    ("source", &source),
                    ("base_revision", &revision.to_string()),
                ],
                Some(cookie),
            )
            .await;
        record(&mut log, "author: save draft", &saved);
        if let Some(next) = saved.body["revision"].as_i64() {
            revision = next;
        }
    }
    log
}

async fn approver_answers(app: &TestApp, token: &str, cookie: &str, approvals: &[String]) -> Log {
    let mut log = Log::new();
    let (one_by_one, bulk) = approvals.split_at(approvals.len() / 2);
    for approval in one_by_one {
        let shown = app
            .call(
                "GET",
                &format!("/api/v1/approvals/{approval}"),
                Some(token),
                None,
            )
            .await;
        record(&mut log, "approver: look", &shown);
        let answered = app
            .call(
                "POST",
                &format!("/api/v1/approvals/{approval}/resolve"),
                Some(token),
                Some(json!({"outcome": "approved", "rationale": "fine",
                            "evidence_hash": shown.body["evidence_hash"]})),
            )
            .await;
        record(&mut log, "approver: answer", &answered);
    }
    let answers: Vec<Value> = bulk.iter().map(|id| json!({"id": id})).collect();
    let body = json!({"answers": answers, "outcome": "rejected", "rationale": "not now"});
    let answered = app
        .send(
            Request::post("/api/resolve_approvals")
                .header("host", common::HOST)
                .header("origin", common::ORIGIN)
                .header("content-type", "application/json")
                .header("cookie", cookie)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    record(&mut log, "approver: bulk answer", &answered);
    if answered.status == StatusCode::OK {
        for result in answered.body.as_array().unwrap() {
            let refusal = result["refusal"].as_str().unwrap_or_default();
            assert!(
                !refusal.contains("on our side"),
                "a bulk answer failed inside: {refusal}"
            );
        }
    }
    log
}

async fn explorer_reads(app: &TestApp, token: &str) -> Log {
    let mut log = Log::new();
    for _ in 0..ADMIN_ROUNDS * 2 {
        let listed = app
            .call("GET", "/api/v1/admin/decisions?limit=50", Some(token), None)
            .await;
        record(&mut log, "explorer: list", &listed);
    }
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn people_change_things_while_agents_are_busy_without_a_single_5xx() {
    let app = TestApp::with_settings(Settings {
        agent_rate_limit: 0,
        ..Settings::default()
    })
    .await;
    let admin = app.admin_token().await;
    let second_admin = app.token_for("root@example.com", Role::Admin).await;
    app.publish(&admin, REFUND_POLICY).await;
    let mut agents = Vec::new();
    for index in 0..AGENTS {
        agents.push(
            app.agent(&admin, &format!("busy-{index}"), &["refund_limit"])
                .await,
        );
    }
    let asker = app.agent(&admin, "asker", &["refund_limit"]).await;
    let mut approvals = Vec::new();
    for _ in 0..EXCEPTIONS {
        approvals.push(app.exception_request(&asker, "mixed load").await.1);
    }
    app.create_user("author@example.com", Role::Author).await;
    let author = app.sign_in("author@example.com", common::PASSWORD).await;
    let approver = app.token_for("approver@example.com", Role::Approver).await;
    let approver_cookie = app.sign_in("approver@example.com", common::PASSWORD).await;
    let viewer = app.token_for("viewer@example.com", Role::Viewer).await;

    let agent_runs = join_all(agents.iter().map(|agent| agent_work(&app, agent)));
    let people = async {
        let logs = tokio::join!(
            admin_agents(&app, &admin, 0),
            admin_agents(&app, &second_admin, 1),
            admin_policies_and_routes(&app, &admin),
            author_drafts(&app, &author),
            approver_answers(&app, &approver, &approver_cookie, &approvals),
            explorer_reads(&app, &viewer),
        );
        [logs.0, logs.1, logs.2, logs.3, logs.4, logs.5].concat()
    };
    let (agent_runs, people) = tokio::join!(agent_runs, people);

    let mut log: Log = people.clone();
    let mut committed = Vec::new();
    for (agent_log, agent_committed) in agent_runs {
        log.extend(agent_log);
        committed.extend(agent_committed);
    }
    let failures: Vec<_> = log
        .iter()
        .filter(|(_, status)| status.is_server_error())
        .collect();
    assert!(failures.is_empty(), "5xx under mixed load: {failures:?}");
    for (what, status) in &people {
        assert!(
            status.is_success() || status.is_client_error(),
            "{what}: {status}"
        );
    }
    let applied = people
        .iter()
        .filter(|(_, status)| status.is_success())
        .count();
    assert!(
        applied * 10 >= people.len() * 9,
        "people's writes were mostly refused: {applied} of {}",
        people.len()
    );
    assert_eq!(
        committed.len(),
        AGENTS * DECISIONS_PER_AGENT,
        "every decision committed"
    );
    for decision in &committed {
        let row = store::decisions::find(&app.state.db.pool, decision, None)
            .await
            .unwrap()
            .expect("an acknowledged decision is on record");
        assert_eq!(row.status.as_str(), "committed");
    }
}
