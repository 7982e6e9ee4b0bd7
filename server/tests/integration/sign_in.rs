use crate::common;

use axum::http::StatusCode;
use common::{TestApp, PASSWORD};

use app::{
    model::Role,
    ssr::{services::users, store},
};

#[tokio::test]
async fn signing_in_sets_an_http_only_strict_cookie_and_identifies_the_person() {
    let app = TestApp::new().await;
    app.create_user("ana@example.com", Role::Author).await;

    let reply = app
        .server_fn(
            "login",
            &[("email", "ANA@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["role"], "author");
    let cookie = reply.set_cookie.expect("cookie");
    assert!(cookie.starts_with("verdict_session="));
    let me = app.server_fn("who_am_i", &[], Some(&cookie)).await;
    assert_eq!(me.body["email"], "ana@example.com");
}

#[tokio::test]
async fn cookie_attributes_forbid_scripts_and_other_sites() {
    let app = TestApp::new().await;
    app.create_user("ana@example.com", Role::Viewer).await;
    let request = axum::http::Request::post("/api/login")
        .header("host", common::HOST)
        .header("origin", common::ORIGIN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!(
            "email=ana%40example.com&password={}",
            PASSWORD.replace(' ', "+")
        )))
        .unwrap();

    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap();

    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain-http default: {cookie}");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::new().await;
    app.create_user("ana@example.com", Role::Viewer).await;

    let wrong_password = app
        .server_fn(
            "login",
            &[
                ("email", "ana@example.com"),
                ("password", "not the password"),
            ],
            None,
        )
        .await;
    let unknown_email = app
        .server_fn(
            "login",
            &[("email", "nobody@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;

    assert_eq!(wrong_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_password.status, unknown_email.status);
    assert_eq!(wrong_password.body, unknown_email.body);
    assert!(wrong_password.set_cookie.is_none());
}

#[tokio::test]
async fn five_failures_lock_the_email_out_even_for_the_right_password() {
    let app = TestApp::new().await;
    app.create_user("ana@example.com", Role::Viewer).await;
    for _ in 0..5 {
        let reply = app
            .server_fn(
                "login",
                &[
                    ("email", "ana@example.com"),
                    ("password", "guess guess guess"),
                ],
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    let locked = app
        .server_fn(
            "login",
            &[("email", "ana@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;

    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body["message"]
        .as_str()
        .unwrap()
        .contains("Too many failed sign-ins"));
    assert!(locked.set_cookie.is_none());
    let other = app.signed_in(Role::Viewer).await;
    assert!(!other.is_empty(), "another email is not locked");
}

#[tokio::test]
async fn signing_in_again_cycles_the_session_id_and_retires_the_old_one() {
    let app = TestApp::new().await;
    app.create_user("ana@example.com", Role::Viewer).await;
    let first = app.sign_in("ana@example.com", PASSWORD).await;

    let reply = app
        .server_fn(
            "login",
            &[("email", "ana@example.com"), ("password", PASSWORD)],
            Some(&first),
        )
        .await;

    let second = reply.set_cookie.expect("new cookie");
    assert_ne!(first, second);
    let old = app.server_fn("who_am_i", &[], Some(&first)).await;
    assert_eq!(
        old.body,
        serde_json::Value::Null,
        "the old id no longer signs anyone in"
    );
    let new = app.server_fn("who_am_i", &[], Some(&second)).await;
    assert_eq!(new.body["email"], "ana@example.com");
}

#[tokio::test]
async fn signing_out_ends_the_session_in_the_store() {
    let app = TestApp::new().await;
    let cookie = app.signed_in(Role::Admin).await;

    let reply = app.server_fn("logout", &[], Some(&cookie)).await;

    assert_eq!(reply.status, StatusCode::OK);
    let after = app.server_fn("list_users", &[], Some(&cookie)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deactivation_and_password_reset_end_existing_sessions() {
    let app = TestApp::new().await;
    let admin = app.signed_in(Role::Admin).await;
    let viewer = app.signed_in(Role::Viewer).await;
    let author = app.signed_in(Role::Author).await;
    let viewer_id = id_of(&app, "viewer@example.com").await;
    let author_id = id_of(&app, "author@example.com").await;

    let deactivated = app
        .server_fn(
            "set_user_active",
            &[("user_id", &viewer_id), ("active", "false")],
            Some(&admin),
        )
        .await;
    let reset = app
        .server_fn(
            "reset_password",
            &[
                ("user_id", &author_id),
                ("password", "a brand new passphrase"),
            ],
            Some(&admin),
        )
        .await;

    assert_eq!(deactivated.status, StatusCode::OK);
    assert_eq!(reset.status, StatusCode::OK);
    assert_eq!(
        app.server_fn("who_am_i", &[], Some(&viewer)).await.body,
        serde_json::Value::Null
    );
    assert_eq!(
        app.server_fn("who_am_i", &[], Some(&author)).await.body,
        serde_json::Value::Null
    );
    let refused = app
        .server_fn(
            "login",
            &[("email", "viewer@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.sign_in("author@example.com", "a brand new passphrase")
        .await;
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_deactivated() {
    let app = TestApp::new().await;
    app.create_user("only@example.com", Role::Admin).await;
    let id = id_of(&app, "only@example.com").await;

    let demoted = users::change_role(&app.state.db, "test", &id, Role::Viewer).await;
    let deactivated = users::deactivate(&app.state.db, "test", &id).await;

    assert_eq!(demoted.unwrap_err().status_code(), 409);
    assert_eq!(deactivated.unwrap_err().status_code(), 409);
}

async fn id_of(app: &TestApp, email: &str) -> String {
    let email = app::model::Email::parse(email).unwrap();
    store::users::find_by_email(&app.state.db.pool, &email)
        .await
        .unwrap()
        .expect("user exists")
        .id
}
