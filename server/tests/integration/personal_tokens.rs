use crate::common;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use common::{TestApp, HOST};

use app::model::Role;

fn api_get(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_token_acts_as_its_owner_with_their_role_until_revoked() {
    let app = TestApp::new().await;
    let cookie = app.signed_in(Role::Approver).await;
    let created = app
        .server_fn(
            "create_token",
            &[("name", "CI"), ("expires_in_days", "30")],
            Some(&cookie),
        )
        .await;
    let token = created.body["token"]
        .as_str()
        .expect("token shown once")
        .to_owned();
    let token_id = created.body["summary"]["id"].as_str().unwrap().to_owned();

    let me = app.send(api_get("/api/v1/me", &token)).await;
    let admin_only = app.send(api_get("/api/v1/admin/users", &token)).await;
    let listed = app.server_fn("list_tokens", &[], Some(&cookie)).await;
    app.server_fn("revoke_token", &[("token_id", &token_id)], Some(&cookie))
        .await;
    let after_revoke = app.send(api_get("/api/v1/me", &token)).await;

    assert!(token.starts_with("vp_"));
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["role"], "approver");
    assert_eq!(admin_only.status, StatusCode::FORBIDDEN);
    assert_eq!(admin_only.body["error"]["code"], "forbidden");
    assert!(
        listed.body[0]["last_used_at"].is_i64(),
        "last use is recorded"
    );
    assert!(
        !listed.text.contains(&token),
        "the token is never shown again"
    );
    assert_eq!(after_revoke.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_and_malformed_tokens_are_401() {
    let app = TestApp::new().await;

    let unknown = app.send(api_get("/api/v1/me", "vp_0000")).await;
    let foreign = app.send(api_get("/api/v1/me", "not-a-token")).await;
    let none = app.get("/api/v1/me", None).await;

    for reply in [unknown, foreign, none] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.body["error"]["code"], "unauthenticated");
    }
}

#[tokio::test]
async fn an_admin_token_creates_people_over_the_json_api() {
    let app = TestApp::new().await;
    let cookie = app.signed_in(Role::Admin).await;
    let token = app
        .server_fn(
            "create_token",
            &[("name", "provisioning"), ("expires_in_days", "")],
            Some(&cookie),
        )
        .await
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let request = Request::post("/api/v1/admin/users")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"email":"cy@example.com","display_name":"Cy","role":"author","password":"long enough password"}"#,
        ))
        .unwrap();

    let created = app.send(request).await;
    let listed = app.send(api_get("/api/v1/admin/users", &token)).await;

    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["role"], "author");
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn token_names_and_expiry_are_checked() {
    let app = TestApp::new().await;
    let cookie = app.signed_in(Role::Viewer).await;

    let no_name = app
        .server_fn(
            "create_token",
            &[("name", " "), ("expires_in_days", "")],
            Some(&cookie),
        )
        .await;
    let bad_expiry = app
        .server_fn(
            "create_token",
            &[("name", "x"), ("expires_in_days", "-3")],
            Some(&cookie),
        )
        .await;

    assert_eq!(no_name.body["field"], "name");
    assert_eq!(bad_expiry.body["field"], "expires_in_days");
    assert_eq!(bad_expiry.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_token_never_opens_html_pages() {
    let app = TestApp::new().await;
    let cookie = app.signed_in(Role::Admin).await;
    let token = app
        .server_fn(
            "create_token",
            &[("name", "x"), ("expires_in_days", "")],
            Some(&cookie),
        )
        .await
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = app.send(api_get("/users", &token)).await;

    assert!(
        !page.text.contains("admin@example.com"),
        "no user data rendered for a bearer token"
    );
}
