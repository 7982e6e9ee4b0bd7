//! A small known decision history for the trace explorer's tests, over its JSON API and its
//! pages alike.

use axum::http::StatusCode;
use serde_json::{json, Value};

use app::{
    model::{Email, Role},
    ssr::{services::approvals, store},
};

use super::{TestAgent, TestApp, REFUND_POLICY};

const DISCOUNT_POLICY: &str =
    include_str!("../../../../app/src/policies/templates/discount_cap.yaml");
pub const APPROVER: &str = "approver@example.com";

/// A small known history, oldest first:
/// 1. refund-bot: small refund, context "parcel arrived DAMAGED", committed (allow)
/// 2. refund-bot: large refund, approval approved by APPROVER ("zebra"), committed
/// 3. discount-bot: small discount, aborted (allow)
/// 4. discount-bot: free-tier discount, denied, still open
/// 5. refund-bot: opened only
pub struct History {
    pub app: TestApp,
    pub admin: String,
    pub refund: TestAgent,
    pub discount: TestAgent,
    pub ids: Vec<String>,
}

pub async fn history() -> History {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, REFUND_POLICY).await;
    app.publish(&admin, DISCOUNT_POLICY).await;
    let refund = app.agent(&admin, "refund-bot", &["refund_limit"]).await;
    let discount = app.agent(&admin, "discount-bot", &["discount_cap"]).await;
    app.create_user(APPROVER, Role::Approver).await;
    let mut ids = Vec::new();

    let first = app
        .open_decision(&refund, "billing.refund.create", "autonomous")
        .await;
    ok(app
        .step(
            &refund,
            &first,
            "context",
            json!({"summary": "the parcel arrived DAMAGED"}),
        )
        .await);
    ok(app
        .step(
            &refund,
            &first,
            "evaluate",
            json!({"inputs": {"amount": 35.5, "currency": "EUR"}}),
        )
        .await);
    ok(app.step(&refund, &first, "writes", write()).await);
    ok(app
        .step(&refund, &first, "close", json!({"action": "commit"}))
        .await);
    ids.push(first);

    let second = app
        .open_decision(&refund, "billing.refund.create", "autonomous")
        .await;
    ok(app
        .step(
            &refund,
            &second,
            "evaluate",
            json!({"inputs": {"amount": 950.0, "currency": "USD"}}),
        )
        .await);
    let requested = app
        .step(
            &refund,
            &second,
            "approvals",
            json!({"title": "Large refund", "message": "please check"}),
        )
        .await;
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.text);
    resolve(
        &app,
        requested.body["approval_id"].as_str().unwrap(),
        "checked the ticket, zebra stripes",
    )
    .await;
    ok(app.step(&refund, &second, "writes", write()).await);
    ok(app
        .step(&refund, &second, "close", json!({"action": "commit"}))
        .await);
    ids.push(second);

    let third = app
        .open_decision(&discount, "billing.discount.apply", "autonomous")
        .await;
    ok(app
        .step(
            &discount,
            &third,
            "evaluate",
            json!({"inputs": {"proposed_discount": 0.05, "account_tier": "pro"}}),
        )
        .await);
    ok(app
        .step(&discount, &third, "close", json!({"action": "abort"}))
        .await);
    ids.push(third);

    let fourth = app
        .open_decision(&discount, "billing.discount.apply", "propose")
        .await;
    ok(app
        .step(
            &discount,
            &fourth,
            "evaluate",
            json!({"inputs": {"proposed_discount": 0.05, "account_tier": "free"}}),
        )
        .await);
    ids.push(fourth);

    let fifth = app
        .open_decision(&refund, "billing.refund.create", "autonomous")
        .await;
    ids.push(fifth);

    History {
        app,
        admin,
        refund,
        discount,
        ids,
    }
}

fn write() -> Value {
    json!({"product": "billing", "operation": "refund.create"})
}

fn ok(reply: super::Reply) {
    assert!(
        reply.status.is_success(),
        "{}: {}",
        reply.status,
        reply.text
    );
}

async fn resolve(app: &TestApp, approval_id: &str, rationale: &str) {
    let approver =
        store::users::find_by_email(&app.state.db.pool, &Email::parse(APPROVER).unwrap())
            .await
            .unwrap()
            .and_then(|row| row.current_user())
            .unwrap();
    let answer = approvals::ApproverAnswer {
        approval_id,
        answer: app::model::Answer::Approve,
        rationale: Some(rationale),
        evidence_hash: None,
    };
    approvals::resolve(&app.state, &approver, answer)
        .await
        .expect("resolve approval");
}
