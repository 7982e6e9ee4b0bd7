//! What sign-in may cost the server (issue 22): many sign-ins at once with made-up emails drove
//! memory from 104 MB to 1.1 GB (an argon2 hash each), and failure rows were never deleted.

use crate::common;

use axum::http::StatusCode;

use app::{
    model::{Email, Role},
    ssr::{now_millis, services::sign_in, store, Settings},
};
use common::{TestApp, PASSWORD};

async fn failure_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM login_failures")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_ins_beyond_the_hash_limit_are_answered_503_with_retry_after() {
    let app = TestApp::with_settings(Settings {
        password_hashes: 1,
        password_hash_queue: 0,
        ..Settings::default()
    })
    .await;
    app.create_user("ana@example.com", Role::Viewer).await;

    // The one hash slot, taken as a sign-in in progress would take it.
    let busy = app.state.password_hashes.enter().await.unwrap();
    for email in ["ana@example.com", "nobody@example.com"] {
        let refused = app
            .server_fn("login", &[("email", email), ("password", PASSWORD)], None)
            .await;
        assert_eq!(
            refused.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            refused.text
        );
        assert_eq!(refused.retry_after.as_deref(), Some("1"));
        assert!(refused.set_cookie.is_none(), "no session");
    }
    assert_eq!(failure_rows(&app).await, 0, "a refusal is not a failure");

    drop(busy);
    app.sign_in("ana@example.com", PASSWORD).await;
}

#[tokio::test]
async fn failures_past_their_window_are_pruned_and_recent_ones_kept() {
    let app = TestApp::new().await;
    let window = app.state.settings.lockout_window_millis;
    let now = now_millis();
    let pool = &app.state.db.pool;
    for (email, at) in [
        ("guess-1@example.com", now - window - 1),
        ("guess-2@example.com", now - 3 * window),
        ("recent@example.com", now - window / 2),
    ] {
        store::login_failures::record(pool, &Email::parse(email).unwrap(), at)
            .await
            .unwrap();
    }
    // A wrong password now is recent too.
    app.create_user("ana@example.com", Role::Viewer).await;
    let wrong = app
        .server_fn(
            "login",
            &[
                ("email", "ana@example.com"),
                ("password", "not the passphrase"),
            ],
            None,
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text
    );
    assert_eq!(failure_rows(&app).await, 4);

    let pruned = sign_in::prune_failures(&app.state).await.unwrap();

    assert_eq!(pruned, 2);
    assert_eq!(failure_rows(&app).await, 2);
    let (recent, _) = store::login_failures::since(
        pool,
        &Email::parse("recent@example.com").unwrap(),
        now - window,
    )
    .await
    .unwrap();
    assert_eq!(recent, 1, "a failure inside the window still counts");
}
