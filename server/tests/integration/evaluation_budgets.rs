//! Evaluation budgets on the server: the issue's policy is refused at publish naming the bound
//! to declare; inputs beyond a policy's bounds are refused with 422 before evaluation; the
//! costliest admitted dry runs and evaluations run on the evaluation pool, several at once,
//! while `/healthz` keeps answering; a full pool or a caller over their dry-run rate is told to
//! come back (`Retry-After`).

use crate::common;

use axum::http::{header, StatusCode};
use serde_json::{json, Value};

use app::{model::Role, ssr::Settings};
use common::{server_fn_request, TestApp};

/// The policy from the issue: nested loops over a list with no declared bound.
const UNBOUNDED: &str = "policy: cubic
inputs:
  l: { type: list }
rules:
  - name: r
    when: l.all(x, l.all(y, l.all(z, x + y + z > -1)))
    outcome: deny
";

/// Nearly as costly as a policy may be: eleven rules, each close to the per-rule limit at
/// `max_items: 70`, and each running every one of its 70 × 70 steps on inputs at that bound.
fn costliest_admitted() -> String {
    let mut source = String::from(
        "policy: costliest\nscope:\n  intents: [\"costly.*\"]\ninputs:\n  \
         l: { type: list, max_items: 70, max_length: 8 }\ndefault: allow\nrules:\n",
    );
    for n in 0..11 {
        source.push_str(&format!(
            "  - {{ name: r{n}, when: \"l.all(x, !l.exists(y, x == y + {}))\", outcome: deny }}\n",
            1000 + n
        ));
    }
    source
}

fn at_bound() -> Value {
    json!({ "l": (0..70).collect::<Vec<i64>>() })
}

fn dry_run(token: &str, source: &str, context: Value) -> axum::http::Request<axum::body::Body> {
    common::json_request(
        "POST",
        "/api/v1/policies/dry-run",
        Some(token),
        Some(json!({ "source_yaml": source, "context": context })),
    )
}

#[tokio::test]
async fn the_issue_policy_is_refused_at_publish_and_in_the_preview() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;

    let published = app
        .call(
            "POST",
            "/api/v1/admin/policies",
            Some(&admin),
            Some(json!({ "source_yaml": UNBOUNDED, "change_note": "cubic" })),
        )
        .await;
    let previewed = app.send(dry_run(&admin, UNBOUNDED, json!({}))).await;

    assert_eq!(
        published.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        published.text
    );
    let message = published.body["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("line 6:"), "{message}");
    assert!(message.contains("declare the most items `l`"), "{message}");
    assert_eq!(previewed.status, StatusCode::OK, "{}", previewed.text);
    assert_eq!(previewed.body["evaluation"], Value::Null);
    assert_eq!(previewed.body["diagnostics"][0]["code"], "unbounded_input");
}

#[tokio::test]
async fn costly_work_at_once_leaves_healthz_answering() {
    let app = TestApp::with_settings(Settings {
        evaluation_slots: 2,
        dry_run_rate_limit: 0,
        ..Settings::default()
    })
    .await;
    let admin = app.admin_token().await;
    let source = costliest_admitted();
    app.publish(&admin, &source).await;
    let agent = app.agent(&admin, "costly", &["costliest"]).await;
    let mut decisions = Vec::new();
    for _ in 0..3 {
        decisions.push(app.open_decision(&agent, "costly.run", "autonomous").await);
    }

    let dry_runs = (0..4).map(|_| app.send(dry_run(&admin, &source, at_bound())));
    let evaluations = decisions
        .iter()
        .map(|id| app.step(&agent, id, "evaluate", json!({ "inputs": at_bound() })));
    let work = async {
        let dry_runs = futures::future::join_all(dry_runs).await;
        let evaluations = futures::future::join_all(evaluations).await;
        (dry_runs, evaluations)
    };
    let ((dry_runs, evaluations), health) = tokio::join!(work, app.get("/healthz", None));

    assert_eq!(health.status, StatusCode::OK, "{}", health.text);
    for reply in dry_runs.iter().chain(&evaluations) {
        // Served within budget, or told to come back: never an error or a hang.
        match reply.status {
            StatusCode::OK => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(reply.body["error"]["code"], "unavailable", "{}", reply.text);
                assert!(reply.retry_after.is_some(), "{}", reply.text);
            }
            other => panic!("{other}: {}", reply.text),
        }
    }
    for reply in dry_runs.iter().filter(|r| r.status == StatusCode::OK) {
        assert_eq!(
            reply.body["evaluation"]["outcome"], "deny",
            "{}",
            reply.text
        );
        assert_eq!(
            reply.body["evaluation"]["error"],
            Value::Null,
            "{}",
            reply.text
        );
    }
    for reply in evaluations.iter().filter(|r| r.status == StatusCode::OK) {
        assert_eq!(reply.body["outcome"], "deny", "{}", reply.text);
    }
    assert!(
        dry_runs
            .iter()
            .chain(&evaluations)
            .any(|r| r.status == StatusCode::OK),
        "nothing was served"
    );
}

#[tokio::test]
async fn inputs_beyond_their_bounds_are_refused_before_evaluation() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, &costliest_admitted()).await;
    let agent = app.agent(&admin, "costly", &["costliest"]).await;
    let decision = app.open_decision(&agent, "costly.run", "autonomous").await;

    let too_many = json!({ "inputs": { "l": (0..71).collect::<Vec<i64>>() } });
    let refused = app.step(&agent, &decision, "evaluate", too_many).await;
    let too_long = json!({ "inputs": { "l": ["a string longer than eight"] } });
    let refused_long = app.step(&agent, &decision, "evaluate", too_long).await;
    let events = app.event_kinds(&agent, &decision).await;

    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert_eq!(refused.body["error"]["field"], "inputs.l");
    let message = refused.body["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("more than 70 items"), "{message}");
    assert_eq!(refused_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused_long.text.contains("max_length"),
        "{}",
        refused_long.text
    );
    assert!(
        !events.iter().any(|kind| kind == "policy_eval"),
        "{events:?}"
    );
}

#[tokio::test]
async fn dry_runs_have_a_rate_per_person_and_viewers_have_none() {
    let app = TestApp::with_settings(Settings {
        dry_run_rate_limit: 1,
        ..Settings::default()
    })
    .await;
    let admin = app.admin_token().await;
    let viewer = app.signed_in(Role::Viewer).await;
    let cheap = "policy: cheap\nrules:\n  - { name: r, when: 'true', outcome: allow }\n";

    let mut replies = Vec::new();
    for _ in 0..3 {
        replies.push(app.send(dry_run(&admin, cheap, json!({}))).await);
    }
    let mut by_viewer = server_fn_request("dry_run", &[], Some(&viewer));
    *by_viewer.body_mut() = json!({ "source": cheap, "context": "" }).to_string().into();
    by_viewer.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    let viewer_reply = app.send(by_viewer).await;

    // A burst of twice the rate passes; the next is told when to come back.
    assert_eq!(replies[0].status, StatusCode::OK, "{}", replies[0].text);
    assert_eq!(replies[1].status, StatusCode::OK, "{}", replies[1].text);
    assert_eq!(
        replies[2].status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        replies[2].text
    );
    assert!(replies[2].retry_after.is_some());
    assert_eq!(
        viewer_reply.status,
        StatusCode::FORBIDDEN,
        "{}",
        viewer_reply.text
    );
}

#[tokio::test]
async fn a_version_published_before_the_limits_fails_closed_and_is_recorded() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, &costliest_admitted()).await;
    // As if published before validation refused it: the stored source is the issue's policy,
    // under a hash no cache has seen.
    let legacy = UNBOUNDED.replace("policy: cubic", "policy: costliest");
    sqlx::query("UPDATE policy_versions SET source = $1, content_hash = $2 WHERE policy_id = $3")
        .bind(&legacy)
        .bind("legacy-hash")
        .bind("costliest")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    app.state.db.access.invalidate();
    let agent = app.agent(&admin, "legacy", &["costliest"]).await;
    let decision = app.open_decision(&agent, "costly.run", "autonomous").await;

    let evaluated = app
        .step(
            &agent,
            &decision,
            "evaluate",
            json!({ "inputs": { "l": [1] } }),
        )
        .await;
    let events = app.event_kinds(&agent, &decision).await;

    assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
    assert_eq!(evaluated.body["outcome"], "deny");
    let rationale = evaluated.body["evaluations"][0]["rationale"]
        .as_str()
        .unwrap_or("");
    assert!(
        rationale.contains("no longer passes validation"),
        "{rationale}"
    );
    assert!(rationale.contains("max_items"), "{rationale}");
    assert!(
        events.iter().any(|kind| kind == "policy_eval"),
        "{events:?}"
    );
}
