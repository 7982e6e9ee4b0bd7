//! Approval integrity (issue 22): the policy, not the agent, decides where an exception goes and
//! who may answer it; an approval covers only the inputs it was asked on; a decision's size is
//! bounded; tokens end with their person's deactivation or password reset.

use crate::common;

use axum::http::StatusCode;
use serde_json::{json, Value};

use app::{
    model::Role,
    ssr::{services::users, Settings},
};
use common::{RefundAgent, Reply, TestApp, REFUND_POLICY};

const REFUND: &str = "billing.refund.create";

/// The refund fixture, with this file's helpers.
struct Setup(RefundAgent);

impl std::ops::Deref for Setup {
    type Target = RefundAgent;

    fn deref(&self) -> &RefundAgent {
        &self.0
    }
}

async fn setup() -> Setup {
    // Some tests make hundreds of agent calls, past the default rate limit.
    let app = TestApp::with_settings(Settings {
        agent_rate_limit: 0,
        ..Settings::default()
    })
    .await;
    Setup(app.into_refund_agent().await)
}

fn refund(amount: f64) -> Value {
    json!({"inputs": {"amount": amount, "currency": "USD"}})
}

fn write() -> Value {
    json!({"product": "billing", "operation": "refund.create", "summary": "refund issued"})
}

impl Setup {
    async fn define_route(&self, body: Value) {
        let defined = self.app.define_route(&self.admin, body).await;
        assert_eq!(defined.status, StatusCode::CREATED, "{}", defined.text);
    }

    async fn evaluated(&self, amount: f64) -> String {
        let decision = self
            .app
            .open_decision(&self.agent, REFUND, "autonomous")
            .await;
        let evaluated = self.step(&decision, "evaluate", refund(amount)).await;
        assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
        decision
    }

    async fn step(&self, decision: &str, step: &str, body: Value) -> Reply {
        self.app.step(&self.agent, decision, step, body).await
    }

    async fn ask(&self, decision: &str, route: Option<&str>) -> Reply {
        let mut body = json!({"title": "Refund", "message": "Parcel lost."});
        if let Some(route) = route {
            body["approval_route"] = json!(route);
        }
        self.step(decision, "approvals", body).await
    }

    async fn answer(&self, token: &str, approval: &str) -> Reply {
        let shown = self
            .app
            .call(
                "GET",
                &format!("/api/v1/approvals/{approval}"),
                Some(&self.admin),
                None,
            )
            .await;
        let evidence_hash = shown.body["evidence_hash"].clone();
        self.app
            .call(
                "POST",
                &format!("/api/v1/approvals/{approval}/resolve"),
                Some(token),
                Some(json!({"outcome": "approved", "rationale": "checked",
                            "evidence_hash": evidence_hash})),
            )
            .await
    }

    async fn user_id(&self, token: &str) -> String {
        let me = self.app.call("GET", "/api/v1/me", Some(token), None).await;
        me.body["id"].as_str().unwrap().to_owned()
    }

    async fn status(&self, decision: &str) -> String {
        self.app.decision_status(&self.agent, decision).await
    }
}

#[tokio::test]
async fn an_agent_cannot_send_its_exception_to_another_route() {
    let s = setup().await;
    s.define_route(json!({"name": "support-managers", "integration": "inbox",
                          "approver_emails": ["ana@example.com"], "required_approvals": 1}))
        .await;
    s.define_route(json!({"name": "anyone", "integration": "inbox",
                          "owner_team_may_approve": true}))
        .await;
    let decision = s.evaluated(950.0).await;

    let undefined = s.ask(&decision, Some("no-such-route")).await;
    let looser = s.ask(&decision, Some("anyone")).await;
    let status_after_refusals = s.status(&decision).await;
    let named = s.ask(&decision, Some("support-managers")).await;

    for refused in [&undefined, &looser] {
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.text
        );
        assert_eq!(refused.body["error"]["field"], "approval_route");
        assert!(
            refused.text.contains("support-managers"),
            "{}",
            refused.text
        );
    }
    assert_eq!(status_after_refusals, "open", "a refusal changes nothing");
    assert_eq!(named.status, StatusCode::CREATED, "{}", named.text);
    assert_eq!(named.body["approval_route"], "support-managers");
    let approval = named.body["approval_id"].as_str().unwrap();
    let cy = s.app.token_for("cy@example.com", Role::Approver).await;
    let refused = s.answer(&cy, approval).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
}

#[tokio::test]
async fn an_undefined_route_keeps_the_owner_team_from_approving() {
    let s = setup().await;
    // The refund policy names support-managers, which this server never defined.
    let ben = s.app.token_for("ben@example.com", Role::Approver).await;
    let ana = s.app.token_for("ana@example.com", Role::Approver).await;
    let placed = s.app.place_in_team(&s.admin, &ben, "support").await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.text);
    let (decision, approval) = s.app.exception_request(&s.agent, "Parcel lost.").await;

    let owner_team = s.answer(&ben, &approval).await;
    let outsider = s.answer(&ana, &approval).await;

    assert_eq!(
        owner_team.status,
        StatusCode::FORBIDDEN,
        "{}",
        owner_team.text
    );
    assert!(
        owner_team.text.contains("owner team"),
        "{}",
        owner_team.text
    );
    assert_eq!(outsider.status, StatusCode::OK, "{}", outsider.text);
    assert_eq!(s.status(&decision).await, "approved");
}

#[tokio::test]
async fn an_approval_covers_only_the_inputs_it_was_granted_on() {
    let s = setup().await;
    let ana = s.app.token_for("ana@example.com", Role::Approver).await;

    // Approved on 150 … then evaluated on 9999: the approval is void, the write refused.
    let decision = s.evaluated(950.0).await;
    let approval = s.ask(&decision, None).await.body["approval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.answer(&ana, &approval).await.status, StatusCode::OK);
    let changed = s.step(&decision, "evaluate", refund(9999.0)).await;
    let refused_write = s.step(&decision, "writes", write()).await;
    let status_after = s.status(&decision).await;
    let asked_again = s.ask(&decision, None).await;

    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.body["status"], "open", "{}", changed.text);
    assert_eq!(
        refused_write.status,
        StatusCode::CONFLICT,
        "{}",
        refused_write.text
    );
    assert_eq!(status_after, "open");
    assert_eq!(
        asked_again.status,
        StatusCode::CREATED,
        "{}",
        asked_again.text
    );
    let kinds = s.app.event_kinds(&s.agent, &decision).await;
    let voided = kinds.iter().position(|kind| kind == "approval_voided");
    assert!(voided.is_some(), "{kinds:?}");
    assert_eq!(kinds[voided.unwrap() - 1], "policy_eval", "{kinds:?}");
    let trace = s
        .app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/trace"),
            Some(&s.agent.key),
            None,
        )
        .await;
    assert!(
        trace.text.contains("differ from those the approval"),
        "{}",
        trace.text
    );

    // The other order: evaluating the same inputs again keeps the approval.
    let same = s.evaluated(950.0).await;
    let approval = s.ask(&same, None).await.body["approval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.answer(&ana, &approval).await.status, StatusCode::OK);
    let again = s.step(&same, "evaluate", refund(950.0)).await;
    let written = s.step(&same, "writes", write()).await;
    assert_eq!(again.body["status"], "approved", "{}", again.text);
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);
    let kinds = s.app.event_kinds(&s.agent, &same).await;
    assert!(
        !kinds.iter().any(|kind| kind == "approval_voided"),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn a_decision_holds_a_bounded_number_of_events_and_bytes() {
    let s = setup().await;
    let decision = s.app.open_decision(&s.agent, REFUND, "autonomous").await;
    let mut last = None;
    for note in 0..600 {
        let added = s
            .step(
                &decision,
                "context",
                json!({"summary": format!("note {note}")}),
            )
            .await;
        if added.status != StatusCode::CREATED {
            last = Some((note, added));
            break;
        }
    }
    let (refused_at, refused) = last.expect("a limit on events");
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert_eq!(refused.body["error"]["field"], "events");
    // The opening event plus the notes fill the 500 events.
    assert_eq!(refused_at, 499);
    let path = format!("/api/v1/admin/decisions/{decision}");
    let first = s.app.call("GET", &path, Some(&s.admin), None).await;
    let second = s
        .app
        .call("GET", &format!("{path}?after=100"), Some(&s.admin), None)
        .await;
    let bad = s
        .app
        .call("GET", &format!("{path}?after=soon"), Some(&s.admin), None)
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["events"].as_array().unwrap().len(), 100);
    assert_eq!(first.body["events_total"], 500);
    assert_eq!(first.body["next_after"], 100);
    assert_eq!(second.body["events"][0]["sequence"], 101);
    assert_eq!(second.body["next_after"], 200);
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert_eq!(bad.body["error"]["field"], "after");
    let closed = s.step(&decision, "close", json!({"action": "abort"})).await;
    assert_eq!(
        closed.status,
        StatusCode::OK,
        "a full decision still closes: {}",
        closed.text
    );

    let big = s.app.open_decision(&s.agent, REFUND, "autonomous").await;
    let payload = json!({"blob": "x".repeat(60 * 1024)});
    let mut accepted = 0;
    let refused = loop {
        let added = s
            .step(
                &big,
                "context",
                json!({"summary": "data", "payload": payload}),
            )
            .await;
        if added.status != StatusCode::CREATED {
            break added;
        }
        accepted += 1;
        assert!(accepted < 100, "no limit on bytes");
    };
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert_eq!(refused.body["error"]["field"], "payload");
    assert!(
        (60..=70).contains(&accepted),
        "4 MiB of 60 KiB notes: {accepted}"
    );
}

#[tokio::test]
async fn tokens_end_with_a_deactivation_or_a_password_reset_for_good() {
    let s = setup().await;
    let ana = s.app.token_for("ana@example.com", Role::Approver).await;
    let ben = s.app.token_for("ben@example.com", Role::Approver).await;
    let (ana_id, ben_id) = (s.user_id(&ana).await, s.user_id(&ben).await);
    let db = &s.app.state.db;

    users::deactivate(db, "user:admin@example.com", &ana_id)
        .await
        .unwrap();
    users::reactivate(db, "user:admin@example.com", &ana_id)
        .await
        .unwrap();
    let password = app::model::Password::parse("another long passphrase", "password").unwrap();
    users::reset_password(db, "user:admin@example.com", &ben_id, &password)
        .await
        .unwrap();

    for token in [&ana, &ben] {
        let me = s.app.call("GET", "/api/v1/me", Some(token), None).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.text);
    }
}

#[tokio::test]
async fn publishing_a_policy_that_names_an_undefined_route_warns_the_author() {
    let s = setup().await;
    let source = REFUND_POLICY.replace("Refunds above 200", "Refunds over 200");

    let warned = s.app.publish(&s.admin, &source).await;
    s.define_route(json!({"name": "support-managers", "integration": "inbox"}))
        .await;
    let quiet = s
        .app
        .publish(&s.admin, &source.replace("over 200", "beyond 200"))
        .await;

    let warnings = warned["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warned}");
    assert!(
        warnings[0].as_str().unwrap().contains("support-managers"),
        "{warned}"
    );
    assert_eq!(quiet["warnings"], json!([]), "{quiet}");
}
