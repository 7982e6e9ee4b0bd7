//! Where approval-route deliveries may go (issue 22): internal addresses in any spelling are
//! refused when a route is defined (422 naming `destination`) and again when something is sent,
//! unless `outbound_allow_hosts` names the host; redirects are not followed; and the delivery
//! log tells people who do not administer Verdict only that an attempt failed.

use crate::common;

use axum::http::StatusCode;
use serde_json::{json, Value};

use app::{
    model::Role,
    ssr::{now_millis, services::delivery, Settings},
};
use common::{Reply, TestApp, WebhookReceiver, PASSWORD, REFUND_POLICY};

async fn define(app: &TestApp, admin: &str, integration: &str, destination: &str) -> Reply {
    app.call(
        "POST",
        "/api/v1/admin/approval-routes",
        Some(admin),
        Some(
            json!({"name": "support-managers", "integration": integration,
                    "destination": destination}),
        ),
    )
    .await
}

/// An approval request on the refund policy's route, and one delivery pass.
async fn request_and_deliver(app: &TestApp, admin: &str) -> String {
    let agent = app.agent(admin, "refund-bot", &["refund_limit"]).await;
    let (_, approval) = app.exception_request(&agent, "Parcel lost.").await;
    assert_eq!(
        delivery::run_once(&app.state, now_millis()).await.unwrap(),
        1
    );
    approval
}

#[tokio::test]
async fn internal_destinations_are_refused_in_every_spelling() {
    let app = TestApp::with_exact_settings(Settings::default()).await;
    let admin = app.admin_token().await;
    for destination in [
        "http://127.1/hook",
        "http://0x7f000001/hook",
        "http://2130706433/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::1]:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://0.0.0.0:3000/hook",
        "http://localhost:3000/hook",
        "http://LOCALHOST./hook",
    ] {
        for integration in ["webhook", "chat"] {
            let refused = define(&app, &admin, integration, destination).await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{integration} {destination}: {}",
                refused.text
            );
            assert_eq!(refused.body["error"]["field"], json!("destination"));
            assert!(
                refused.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("internal address"),
                "{}",
                refused.text
            );
        }
    }
    let listed = app
        .call("GET", "/api/v1/admin/approval-routes", Some(&admin), None)
        .await;
    assert_eq!(listed.body, json!([]), "nothing was defined");
}

#[tokio::test]
async fn an_allowed_host_is_delivered_to_in_any_spelling() {
    let app = TestApp::with_exact_settings(Settings {
        outbound_allow_hosts: vec!["127.0.0.1".to_owned()],
        ..Settings::default()
    })
    .await;
    let admin = app.admin_token().await;
    app.publish(&admin, REFUND_POLICY).await;
    let (url, hits) = WebhookReceiver::always(StatusCode::OK, None).await;
    let spelled = url.replace("127.0.0.1", "127.1");

    let defined = define(&app, &admin, "webhook", &spelled).await;
    assert_eq!(defined.status, StatusCode::CREATED, "{}", defined.text);
    request_and_deliver(&app, &admin).await;

    assert_eq!(hits.hits(), 1);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, REFUND_POLICY).await;
    let (elsewhere, elsewhere_hits) = WebhookReceiver::always(StatusCode::OK, None).await;
    let (url, hits) = WebhookReceiver::always(StatusCode::FOUND, Some(elsewhere)).await;
    assert_eq!(
        define(&app, &admin, "chat", &url).await.status,
        StatusCode::CREATED
    );

    let approval = request_and_deliver(&app, &admin).await;

    assert_eq!(hits.hits(), 1);
    assert_eq!(elsewhere_hits.hits(), 0, "not followed");
    let log = delivery::of_approval(&app.state, &approval, true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(log.state, "queued", "a redirect is a failed attempt");
    assert_eq!(log.attempts[0].status_code, Some(302));
}

#[tokio::test]
async fn a_destination_that_became_internal_is_refused_at_delivery() {
    let app = TestApp::with_exact_settings(Settings::default()).await;
    let admin = app.admin_token().await;
    app.publish(&admin, REFUND_POLICY).await;
    let defined = define(&app, &admin, "webhook", "https://hooks.example.com/verdict").await;
    assert_eq!(defined.status, StatusCode::CREATED, "{}", defined.text);
    // As if the name now resolved to a local address (DNS changes after definition).
    let (url, hits) = WebhookReceiver::always(StatusCode::OK, None).await;
    sqlx::query("UPDATE approval_routes SET destination = $1")
        .bind(&url)
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    let approval = request_and_deliver(&app, &admin).await;

    assert_eq!(hits.hits(), 0, "nothing was sent");
    let log = delivery::of_approval(&app.state, &approval, true)
        .await
        .unwrap()
        .unwrap();
    let error = log.attempts[0].error.as_deref().unwrap();
    assert!(error.contains("internal address"), "{error}");
}

#[tokio::test]
async fn the_delivery_log_tells_viewers_only_that_an_attempt_failed() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, REFUND_POLICY).await;
    // Nothing listens on the discard port: a connection error an admin should see.
    let defined = define(&app, &admin, "webhook", "http://127.0.0.1:9/hook").await;
    assert_eq!(defined.status, StatusCode::CREATED, "{}", defined.text);
    let approval = request_and_deliver(&app, &admin).await;

    let admin_cookie = app.sign_in("admin@example.com", PASSWORD).await;
    let for_admin = attempt_seen_by(&app, &admin_cookie, &approval).await;
    assert_eq!(
        for_admin["error"],
        json!("could not connect to the receiver")
    );
    for role in [Role::Viewer, Role::Approver] {
        let cookie = app.signed_in(role).await;
        let seen = attempt_seen_by(&app, &cookie, &approval).await;
        assert_eq!(seen["error"], json!("not delivered (an admin sees why)"));
        assert_eq!(seen["status_code"], Value::Null);
        assert_eq!(seen["latency_ms"], json!(0));
    }
}

/// The first delivery attempt as the request's page shows it to whoever `cookie` signs in.
async fn attempt_seen_by(app: &TestApp, cookie: &str, approval: &str) -> Value {
    let page = app
        .server_fn("load_approval_request", &[("id", approval)], Some(cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page.body["delivery"]["attempts"][0].clone()
}
