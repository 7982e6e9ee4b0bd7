use crate::common;

use axum::http::StatusCode;
use common::TestApp;

use app::model::Role;

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_once() {
    let app = TestApp::new().await;
    let token = app.state.setup_token.issue();
    let fields = |email: &'static str| {
        vec![
            ("token", token.clone()),
            ("email", email.to_owned()),
            ("display_name", "First".to_owned()),
            ("password", "first admin password".to_owned()),
        ]
    };
    let as_pairs =
        |fields: &[(&'static str, String)]| -> Vec<(&'static str, String)> { fields.to_vec() };

    let open = app
        .server_fn("setup_status", &[("token", &token)], None)
        .await;
    let first_fields = as_pairs(&fields("first@example.com"));
    let first: Vec<(&str, &str)> = first_fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = app.server_fn("setup_first_admin", &first, None).await;
    let closed = app
        .server_fn("setup_status", &[("token", &token)], None)
        .await;
    let second_fields = as_pairs(&fields("second@example.com"));
    let second: Vec<(&str, &str)> = second_fields
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let again = app.server_fn("setup_first_admin", &second, None).await;

    assert_eq!(open.body, true);
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let cookie = created.set_cookie.expect("the first admin is signed in");
    let me = app.server_fn("who_am_i", &[], Some(&cookie)).await;
    assert_eq!(me.body["role"], "admin");
    assert_eq!(closed.body, false);
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let page = app.get(&format!("/setup?token={token}"), None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_wrong_setup_token_opens_nothing() {
    let app = TestApp::new().await;
    app.state.setup_token.issue();

    let reply = app
        .server_fn(
            "setup_first_admin",
            &[
                ("token", "guess"),
                ("email", "x@example.com"),
                ("display_name", "X"),
                ("password", "long enough password"),
            ],
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app::ssr::store::users::count(&app.state.db.pool)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::new().await;

    let health = app.get("/healthz", None).await;
    let ready = app.get("/readyz", None).await;

    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "ok");
    assert_eq!(ready.status, StatusCode::OK);
}

#[tokio::test]
async fn pages_are_refused_on_the_server_by_role() {
    let app = TestApp::new().await;
    let approver = app.signed_in(Role::Approver).await;
    let admin = app.signed_in(Role::Admin).await;

    let refused = app.get("/users", Some(&approver)).await;
    let allowed = app.get("/users", Some(&admin)).await;

    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text.contains("Your role does not allow this."));
    assert!(!refused.text.contains("admin@example.com"));
    assert_eq!(allowed.status, StatusCode::OK);
    assert!(allowed.text.contains("approver@example.com"));
}
