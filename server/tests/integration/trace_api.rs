//! The trace explorer's JSON API: filters, keyset pages, one decision, verify, replay, export,
//! who may read it, and the seed command's history passing verify and replay.

use crate::common;

use std::collections::HashSet;

use axum::http::{header, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use app::model::Role;
use common::{
    json_request,
    trace_history::{history, History, APPROVER},
    TestApp,
};
use verdict_server::commands::seed::{seed, SeedOptions};

/// A personal access token of a person with `role`.
async fn token_of(app: &TestApp, role: Role) -> String {
    app.token_for(&format!("{role}-reader@example.com"), role)
        .await
}

/// The ids of the decisions a filter finds, newest first.
async fn found(world: &History, query: &str) -> Vec<String> {
    let reply = world
        .app
        .call(
            "GET",
            &format!("/api/v1/admin/decisions?{query}"),
            Some(&world.admin),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    ids_of(&reply.body)
}

fn ids_of(page: &Value) -> Vec<String> {
    page["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|decision| decision["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The history's decisions by their 1-based numbers, newest first (as the list orders them).
fn numbered(world: &History, numbers: &[usize]) -> Vec<String> {
    let mut ids: Vec<String> = numbers.iter().map(|n| world.ids[n - 1].clone()).collect();
    ids.sort_by_key(|id| std::cmp::Reverse(world.ids.iter().position(|known| known == id)));
    ids
}

#[tokio::test]
async fn each_filter_narrows_the_list_to_the_matching_decisions() {
    let world = history().await;

    let everything = found(&world, "").await;
    let by_name = found(&world, "agent=discount-bot").await;
    let by_id = found(&world, &format!("agent={}", world.discount.id)).await;
    let refunds = found(&world, "intent=billing.refund").await;
    let billing = found(&world, "intent=billing.").await;
    let exact_intent = found(&world, "intent=billing.discount.apply").await;
    let other_intent = found(&world, "intent=crm.").await;
    let committed = found(&world, "status=committed").await;
    let open = found(&world, "status=open").await;
    let denied = found(&world, "outcome=deny").await;
    let excepted = found(&world, "outcome=requires_exception").await;
    let discount_policy = found(&world, "policy=discount_cap").await;
    let refund_v1 = found(&world, "policy=refund_limit&policy_version=1").await;
    let refund_v2 = found(&world, "policy=refund_limit&policy_version=2").await;
    let approved_by = found(&world, &format!("approver={APPROVER}")).await;
    let nobody_approved = found(&world, "approver=someone@example.com").await;
    let zebra = found(&world, "q=zebra").await;
    let damaged = found(&world, "q=damaged").await;
    let combined = found(&world, "agent=refund-bot&status=committed&q=ZEBRA").await;

    assert_eq!(everything, numbered(&world, &[1, 2, 3, 4, 5]));
    assert_eq!(by_name, numbered(&world, &[3, 4]));
    assert_eq!(by_id, by_name);
    assert_eq!(refunds, numbered(&world, &[1, 2, 5]));
    assert_eq!(billing, everything);
    assert_eq!(exact_intent, numbered(&world, &[3, 4]));
    assert!(other_intent.is_empty());
    assert_eq!(committed, numbered(&world, &[1, 2]));
    assert_eq!(open, numbered(&world, &[4, 5]));
    assert_eq!(denied, numbered(&world, &[4]));
    assert_eq!(excepted, numbered(&world, &[2]));
    assert_eq!(discount_policy, numbered(&world, &[3, 4]));
    assert_eq!(refund_v1, numbered(&world, &[1, 2]));
    assert!(refund_v2.is_empty());
    assert_eq!(approved_by, numbered(&world, &[2]));
    assert!(nobody_approved.is_empty());
    assert_eq!(zebra, numbered(&world, &[2]));
    assert_eq!(damaged, numbered(&world, &[1]));
    assert_eq!(combined, numbered(&world, &[2]));
}

#[tokio::test]
async fn a_time_range_keeps_the_decisions_created_within_it() {
    let world = history().await;
    let page = world
        .app
        .call("GET", "/api/v1/admin/decisions", Some(&world.admin), None)
        .await;
    let times: Vec<(String, i64)> = page.body["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_owned(),
                d["created_at"].as_i64().unwrap(),
            )
        })
        .collect();
    let from = times.iter().find(|(id, _)| *id == world.ids[1]).unwrap().1;
    let to = times.iter().find(|(id, _)| *id == world.ids[3]).unwrap().1;

    let within = found(&world, &format!("from={from}&to={to}")).await;

    let expected: Vec<String> = times
        .iter()
        .filter(|(_, at)| *at >= from && *at < to)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(within, expected);
    assert!(within.contains(&world.ids[1]));
    assert!(!within.contains(&world.ids[3]));
}

#[tokio::test]
async fn a_row_shows_agent_mode_outcome_policies_approval_and_duration() {
    let world = history().await;

    let page = world
        .app
        .call("GET", "/api/v1/admin/decisions", Some(&world.admin), None)
        .await;

    let rows = page.body["decisions"].as_array().unwrap();
    let approved = rows.iter().find(|row| row["id"] == world.ids[1]).unwrap();
    assert_eq!(approved["agent_name"], "refund-bot");
    assert_eq!(approved["agent_id"], world.refund.id.as_str());
    assert_eq!(approved["intent"], "billing.refund.create");
    assert_eq!(approved["automation_mode"], "autonomous");
    assert_eq!(approved["status"], "committed");
    assert_eq!(approved["latest_outcome"], "requires_exception");
    assert_eq!(approved["policies_used"][0]["policy_id"], "refund_limit");
    assert_eq!(approved["policies_used"][0]["version"], 1);
    assert_eq!(approved["approval"]["status"], "approved");
    assert_eq!(approved["approval"]["approver"], APPROVER);
    assert!(approved["duration_ms"].as_i64().unwrap() >= 0);
    let opened = rows.iter().find(|row| row["id"] == world.ids[4]).unwrap();
    assert_eq!(opened["duration_ms"], Value::Null);
    assert_eq!(opened["latest_outcome"], Value::Null);
    assert_eq!(opened["approval"], Value::Null);
    assert_eq!(page.body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn keyset_pages_return_every_decision_once_while_new_ones_arrive() {
    let world = history().await;
    let mut earlier = world.ids.clone();
    for _ in 0..4 {
        earlier.push(
            world
                .app
                .open_decision(&world.refund, "billing.refund.create", "autonomous")
                .await,
        );
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/admin/decisions?limit=2&cursor={cursor}"),
            None => "/api/v1/admin/decisions?limit=2".to_owned(),
        };
        let page = world.app.call("GET", &path, Some(&world.admin), None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        seen.extend(ids_of(&page.body));
        pages += 1;
        // Newer decisions arrive between page fetches; they belong before page 1.
        world
            .app
            .open_decision(&world.discount, "billing.discount.apply", "autonomous")
            .await;
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }

    assert_eq!(pages, 5);
    assert_eq!(seen.len(), earlier.len());
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no decision twice");
    let expected: HashSet<&String> = earlier.iter().collect();
    assert_eq!(unique, expected);
}

#[tokio::test]
async fn a_decision_shows_its_events_evaluations_and_approvals() {
    let world = history().await;

    let reply = world
        .app
        .call(
            "GET",
            &format!("/api/v1/admin/decisions/{}", world.ids[1]),
            Some(&world.admin),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["decision"]["id"], world.ids[1].as_str());
    let kinds: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "decision_opened",
            "policy_eval",
            "approval_requested",
            "approval_resolved",
            "write",
            "snapshot",
            "decision_committed"
        ]
    );
    assert_eq!(body["evaluations"][0]["outcome"], "requires_exception");
    assert_eq!(body["evaluations"][0]["inputs"]["amount"], 950.0);
    assert_eq!(
        body["evaluations"][0]["matched_rules"],
        json!(["large_refund"])
    );
    assert_eq!(body["approvals"][0]["title"], "Large refund");
    assert_eq!(body["approvals"][0]["resolved_by"], APPROVER);
    assert_eq!(
        body["approvals"][0]["rationale"],
        "checked the ticket, zebra stripes"
    );
    let missing = world
        .app
        .call(
            "GET",
            "/api/v1/admin/decisions/no-such-decision",
            Some(&world.admin),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["code"], "not_found");
}

#[tokio::test]
async fn verify_says_intact_and_then_finds_a_tampered_event() {
    let world = history().await;
    let path = format!("/api/v1/admin/decisions/{}/verify", world.ids[0]);

    let before = world.app.call("GET", &path, Some(&world.admin), None).await;
    sqlx::query(
        "UPDATE decision_events SET payload_json = REPLACE(payload_json, 'DAMAGED', 'fine') \
         WHERE decision_id = $1 AND sequence = 2",
    )
    .bind(&world.ids[0])
    .execute(&world.app.state.db.pool)
    .await
    .unwrap();
    let after = world.app.call("GET", &path, Some(&world.admin), None).await;

    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    assert_eq!(before.body["intact"], true);
    assert_eq!(before.body["events"], 6);
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body["intact"], false);
    assert_eq!(after.body["first_break"]["sequence"], 2);
}

#[tokio::test]
async fn replay_is_identical_and_names_what_differs_after_tampering() {
    let world = history().await;
    let path = format!("/api/v1/admin/decisions/{}/replay", world.ids[1]);

    let before = world.app.call("GET", &path, Some(&world.admin), None).await;
    sqlx::query(
        "UPDATE decision_events SET payload_json = \
         REPLACE(payload_json, '\"outcome\":\"requires_exception\"', '\"outcome\":\"allow\"') \
         WHERE decision_id = $1 AND kind = 'policy_eval'",
    )
    .bind(&world.ids[1])
    .execute(&world.app.state.db.pool)
    .await
    .unwrap();
    let after = world.app.call("GET", &path, Some(&world.admin), None).await;

    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    assert_eq!(before.body["identical"], true);
    let replayed = &before.body["evaluations"][0];
    assert_eq!(replayed["policy_id"], "refund_limit");
    assert_eq!(replayed["version"], 1);
    assert_eq!(replayed["recorded_outcome"], "requires_exception");
    assert_eq!(replayed["replayed_outcome"], "requires_exception");
    assert_eq!(replayed["identical"], true);
    assert_eq!(replayed["differences"], json!([]));
    assert_eq!(after.body["identical"], false);
    let difference = &after.body["evaluations"][0]["differences"][0];
    assert_eq!(difference["field"], "outcome");
    assert_eq!(difference["recorded"], "allow");
    assert_eq!(difference["replayed"], "requires_exception");
}

/// GETs `path` and reads the whole body as text, with the content type.
async fn raw_get(app: &TestApp, path: &str, bearer: &str) -> (StatusCode, String, String) {
    let response = app
        .router
        .clone()
        .oneshot(json_request("GET", path, Some(bearer), None))
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn export_streams_one_line_per_decision_with_its_events() {
    let world = history().await;

    let (status, content_type, text) =
        raw_get(&world.app, "/api/v1/admin/decisions/export", &world.admin).await;
    let (_, _, committed) = raw_get(
        &world.app,
        "/api/v1/admin/decisions/export?status=committed",
        &world.admin,
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(content_type, "application/x-ndjson");
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    let ids: Vec<String> = lines
        .iter()
        .map(|line| line["decision"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, numbered(&world, &[1, 2, 3, 4, 5]));
    let first = lines
        .iter()
        .find(|line| line["decision"]["id"] == world.ids[0])
        .unwrap();
    let sequences: Vec<i64> = first["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(sequences, [1, 2, 3, 4, 5, 6]);
    assert_eq!(first["events"][0]["kind"], "decision_opened");
    assert!(first["events"][0]["hash"].is_string());
    assert_eq!(committed.lines().count(), 2);
}

#[tokio::test]
async fn viewers_may_read_and_agents_and_strangers_may_not() {
    let world = history().await;
    let viewer = token_of(&world.app, Role::Viewer).await;
    let id = &world.ids[1];
    let paths = [
        "/api/v1/admin/decisions".to_owned(),
        "/api/v1/admin/decisions/export".to_owned(),
        format!("/api/v1/admin/decisions/{id}"),
        format!("/api/v1/admin/decisions/{id}/verify"),
        format!("/api/v1/admin/decisions/{id}/replay"),
    ];

    for path in &paths {
        let as_viewer = world.app.call("GET", path, Some(&viewer), None).await;
        let as_agent = world
            .app
            .call("GET", path, Some(&world.refund.key), None)
            .await;
        let anonymous = world.app.call("GET", path, None, None).await;

        assert_eq!(
            as_viewer.status,
            StatusCode::OK,
            "{path}: {}",
            as_viewer.text
        );
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&as_agent.status),
            "{path}: {}",
            as_agent.status
        );
        assert!(as_agent.body["error"]["code"].is_string(), "{path}");
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(anonymous.body["error"]["code"], "unauthenticated");
    }
}

#[tokio::test]
async fn bad_filter_values_are_refused_naming_the_parameter() {
    let world = history().await;

    for (query, field) in [
        ("status=done", "status"),
        ("outcome=maybe", "outcome"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("from=yesterday", "from"),
        ("from=20&to=10", "to"),
        ("intent=bill%20ing", "intent"),
        ("policy_version=1", "policy_version"),
        ("cursor=not-a-cursor", "cursor"),
        ("agent=nobody", "agent"),
        ("policy=no_such_policy", "policy"),
        ("colour=red", "colour"),
    ] {
        let reply = world
            .app
            .call(
                "GET",
                &format!("/api/v1/admin/decisions?{query}"),
                Some(&world.admin),
                None,
            )
            .await;

        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(reply.body["error"]["code"], "invalid", "{query}");
        assert_eq!(reply.body["error"]["field"], field, "{query}");
    }
    let export = world
        .app
        .call(
            "GET",
            "/api/v1/admin/decisions/export?cursor=00",
            Some(&world.admin),
            None,
        )
        .await;
    assert_eq!(export.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(export.body["error"]["field"], "cursor");
}

#[tokio::test]
async fn seeded_history_verifies_replays_identically_and_exports_across_pages() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let options = SeedOptions {
        decisions: 250,
        agents: 4,
        days: 90,
        seed: 7,
    };

    let report = seed(&app.state.db, &options, &mut |_| {})
        .await
        .expect("seed");

    assert_eq!(report.decisions, 250);
    assert_eq!(report.evaluations, 250);
    assert!(report.approvals > 0);
    let page = app
        .call(
            "GET",
            "/api/v1/admin/decisions?limit=500",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let rows = page.body["decisions"].as_array().unwrap();
    assert_eq!(rows.len(), 250);
    let statuses: HashSet<&str> = rows
        .iter()
        .map(|row| row["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains("committed") && statuses.contains("aborted"));
    let agents: HashSet<&str> = rows
        .iter()
        .map(|row| row["agent_name"].as_str().unwrap())
        .collect();
    assert_eq!(agents.len(), 4);
    for row in rows.iter().step_by(5) {
        let id = row["id"].as_str().unwrap();
        let verified = app
            .call(
                "GET",
                &format!("/api/v1/admin/decisions/{id}/verify"),
                Some(&admin),
                None,
            )
            .await;
        let replayed = app
            .call(
                "GET",
                &format!("/api/v1/admin/decisions/{id}/replay"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(verified.body["intact"], true, "{id}: {}", verified.text);
        assert_eq!(replayed.body["identical"], true, "{id}: {}", replayed.text);
        assert_eq!(replayed.body["evaluations"].as_array().unwrap().len(), 1);
    }
    let approved = app
        .call(
            "GET",
            "/api/v1/admin/decisions?approver=maria.lopez@example.com",
            Some(&admin),
            None,
        )
        .await;
    assert!(!approved.body["decisions"].as_array().unwrap().is_empty());
    let (status, _, export) = raw_get(&app, "/api/v1/admin/decisions/export", &admin).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<Value> = export
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 250);
    let unique: HashSet<&str> = lines
        .iter()
        .map(|line| line["decision"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(unique.len(), 250);
}

#[tokio::test]
async fn walking_the_newest_and_sorting_the_few_matches_find_the_same_pages() {
    use app::ssr::store::traces::{list, Drive, ListFilter};
    let world = history().await;
    let db = &world.app.state.db;
    let filters = [
        (
            Drive::Intent,
            ListFilter {
                intent_prefix: Some("billing.refund".into()),
                ..ListFilter::default()
            },
        ),
        (
            Drive::Policy,
            ListFilter {
                policy_id: Some("refund_limit".into()),
                policy_version: Some(1),
                ..ListFilter::default()
            },
        ),
        (
            Drive::Approver,
            ListFilter {
                approver: Some(APPROVER.into()),
                ..ListFilter::default()
            },
        ),
    ];

    for (drive, filter) in filters {
        let mut pages = Vec::new();
        for way in [Drive::Recency, drive] {
            let mut ids = Vec::new();
            let mut filter = ListFilter {
                drive: way,
                ..filter.clone()
            };
            loop {
                let page = list(&db.pool, db.backend, &filter, 1).await.unwrap();
                let Some(last) = page.last() else { break };
                ids.push(last.id.clone());
                filter.before = Some((last.created_at, last.id.clone()));
            }
            pages.push(ids);
        }

        assert!(!pages[0].is_empty(), "{drive:?}");
        assert_eq!(pages[0], pages[1], "{drive:?}");
    }
}
