use crate::common;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use common::{TestApp, HOST, ORIGIN};

use app::{
    model::Role,
    ssr::{store, Settings},
};

#[tokio::test]
async fn a_state_change_from_another_origin_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let admin = app.signed_in(Role::Admin).await;
    let request = Request::post("/api/create_user")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, "http://evil.example")
        .header(header::COOKIE, &admin)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            "email=mallory%40example.com&display_name=M&role=admin&password=long+enough+password",
        ))
        .unwrap();

    let reply = app.send(request).await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body["error"]["code"], "cross_origin");
    assert_eq!(store::users::count(&app.state.db.pool).await.unwrap(), 1);
}

#[tokio::test]
async fn the_same_origin_passes_the_cross_origin_check() {
    let app = TestApp::new().await;
    let admin = app.signed_in(Role::Admin).await;

    let reply = app
        .server_fn(
            "create_user",
            &[
                ("email", "bo@example.com"),
                ("display_name", "Bo"),
                ("role", "approver"),
                ("password", "long enough password"),
            ],
            Some(&admin),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["role"], "approver");
}

#[tokio::test]
async fn an_oversized_body_gets_413() {
    let app = TestApp::with_settings(Settings {
        max_body_bytes: 1024,
        ..Settings::default()
    })
    .await;
    let request = Request::post("/api/login")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, 4096)
        .body(Body::from(format!("email={}", "a".repeat(4090))))
        .unwrap();

    let reply = app.send(request).await;

    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_form_missing_fields_gets_400_with_a_message() {
    let app = TestApp::new().await;

    let reply = app
        .server_fn("login", &[("email", "ana@example.com")], None)
        .await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.body["code"], "bad_request");
    assert!(!reply.body["message"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn bad_field_values_get_422_naming_the_field() {
    let app = TestApp::new().await;
    let admin = app.signed_in(Role::Admin).await;

    let bad_email = app
        .server_fn(
            "create_user",
            &[
                ("email", "not-an-email"),
                ("display_name", "X"),
                ("role", "viewer"),
                ("password", "long enough password"),
            ],
            Some(&admin),
        )
        .await;
    let bad_role = app
        .server_fn(
            "create_user",
            &[
                ("email", "x@example.com"),
                ("display_name", "X"),
                ("role", "root"),
                ("password", "long enough password"),
            ],
            Some(&admin),
        )
        .await;
    let short_password = app
        .server_fn(
            "create_user",
            &[
                ("email", "x@example.com"),
                ("display_name", "X"),
                ("role", "viewer"),
                ("password", "short"),
            ],
            Some(&admin),
        )
        .await;

    for (reply, field) in [
        (bad_email, "email"),
        (bad_role, "role"),
        (short_password, "password"),
    ] {
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.text
        );
        assert_eq!(reply.body["field"], field);
    }
}

#[tokio::test]
async fn malformed_json_on_the_api_gets_a_json_error() {
    let app = TestApp::new().await;
    app.create_user("admin@example.com", Role::Admin).await;
    let token = personal_token(&app, "admin@example.com").await;
    let send = |body: &'static str, content_type: &'static str| {
        Request::post("/api/v1/admin/users")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };

    let broken = app.send(send("{\"email\": ", "application/json")).await;
    let missing = app
        .send(send("{\"email\": \"a@example.com\"}", "application/json"))
        .await;
    let not_json = app.send(send("email=a", "text/plain")).await;

    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.body["error"]["code"], "bad_request");
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.body["error"]["field"], "display_name");
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(not_json.body["error"]["code"], "unsupported_media_type");
}

async fn personal_token(app: &TestApp, email: &str) -> String {
    let email = app::model::Email::parse(email).unwrap();
    let owner = store::users::find_by_email(&app.state.db.pool, &email)
        .await
        .unwrap()
        .unwrap()
        .current_user()
        .unwrap();
    app::ssr::services::tokens::create(&app.state.db, &owner, "test", None)
        .await
        .unwrap()
        .plaintext
}
