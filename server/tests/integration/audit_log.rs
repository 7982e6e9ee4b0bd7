//! The admin audit log as people read it: every admin action with who, what and when, filtered
//! and paged newest first.

use crate::common;

use axum::http::StatusCode;
use serde_json::Value;

use app::{
    model::Role,
    ssr::store::audit::{self, AuditEntry},
};
use common::{RefundAgent, TestApp};

fn actions(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn each_admin_action_is_listed_newest_first_with_who_and_what() {
    let RefundAgent { app, .. } = TestApp::with_refund_agent().await;
    let viewer = app.signed_in(Role::Viewer).await;

    let everything = app
        .server_fn("load_audit", &[("query", "")], Some(&viewer))
        .await;
    let agents_only = app
        .server_fn("load_audit", &[("query", "area=agent")], Some(&viewer))
        .await;
    let by_admin = app
        .server_fn(
            "load_audit",
            &[("query", "actor=admin%40example.com&area=policy")],
            Some(&viewer),
        )
        .await;

    assert_eq!(everything.status, StatusCode::OK, "{}", everything.text);
    assert_eq!(
        actions(&everything.body),
        vec![
            "user.create",
            "agent.bind",
            "agent.create",
            "policy.publish",
            "policy.create",
            "token.create",
            "user.create"
        ]
    );
    assert_eq!(
        actions(&agents_only.body),
        vec!["agent.bind", "agent.create"]
    );
    let publish = &by_admin.body["entries"][0];
    assert_eq!(publish["action"], "policy.publish");
    assert_eq!(publish["actor"], "admin@example.com");
    assert_eq!(publish["target"], "refund_limit");
    assert_eq!(
        actions(&by_admin.body),
        vec!["policy.publish", "policy.create"]
    );
}

#[tokio::test]
async fn pages_follow_each_other_without_gaps_or_repeats() {
    let app = TestApp::new().await;
    let viewer = app.signed_in(Role::Viewer).await;
    // Entries written at the same millisecond too, so the cursor's tie-break on id is exercised.
    for index in 0..60 {
        audit::record(
            &app.state.db.pool,
            AuditEntry {
                actor: "ada@example.com",
                action: "agent.freeze",
                target: &format!("agent-{index:02}"),
                before: None,
                after: None,
            },
            1_000 + index / 2,
        )
        .await
        .unwrap();
    }

    let first = app
        .server_fn("load_audit", &[("query", "area=agent")], Some(&viewer))
        .await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = app
        .server_fn(
            "load_audit",
            &[("query", &format!("area=agent&cursor={cursor}"))],
            Some(&viewer),
        )
        .await;

    let targets: Vec<String> = [&first, &second]
        .iter()
        .flat_map(|page| page.body["entries"].as_array().unwrap().clone())
        .map(|entry| entry["target"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(targets.len(), 60);
    let mut distinct = targets.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 60);
    assert_eq!(second.body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn bad_filters_are_refused_naming_them_and_strangers_see_nothing() {
    let app = TestApp::new().await;
    let viewer = app.signed_in(Role::Viewer).await;

    let bad_area = app
        .server_fn("load_audit", &[("query", "area=everything")], Some(&viewer))
        .await;
    let unknown = app
        .server_fn("load_audit", &[("query", "colour=red")], Some(&viewer))
        .await;
    let stranger = app.server_fn("load_audit", &[("query", "")], None).await;

    assert_eq!(bad_area.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_area.body["field"], "area");
    assert_eq!(unknown.body["field"], "colour");
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_agent_area_finds_the_global_freeze_too() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.agent(&admin, "refund-bot", &[]).await;
    for frozen in [true, false] {
        let reply = app
            .call(
                "PUT",
                "/api/v1/admin/freeze",
                Some(&admin),
                Some(serde_json::json!({"frozen": frozen, "reason": "incident 12"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let viewer = app.signed_in(Role::Viewer).await;

    let agents = app
        .server_fn("load_audit", &[("query", "area=agent")], Some(&viewer))
        .await;
    let users = app
        .server_fn("load_audit", &[("query", "area=user")], Some(&viewer))
        .await;

    assert_eq!(agents.status, StatusCode::OK, "{}", agents.text);
    assert_eq!(
        actions(&agents.body),
        vec!["agents.unfreeze_all", "agents.freeze_all", "agent.create"]
    );
    assert!(actions(&users.body)
        .iter()
        .all(|action| action.starts_with("user.")));
}
