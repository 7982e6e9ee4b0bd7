//! Every render of a page hands the browser the same hydration data. The browser numbers a
//! page's resources in the order it creates them and reads each one's server value by that
//! number; a page whose server render numbers them differently fails to hydrate.

use std::collections::BTreeSet;

use crate::common::TestApp;

use app::model::Role;
use axum::http::StatusCode;
use futures::future::join_all;

/// Enough renders to catch a render whose numbering differs one time in fifteen.
const RENDERS: usize = 120;
/// Renders in flight at once, as a busy server sees them.
const AT_ONCE: usize = 6;

/// The page's resource numbers as the server listed them, or a note that a resource failed.
/// The list is a set (Leptos 0.9 writes it from a hash set, in any order), so it is sorted.
fn hydration_numbers(page: &str) -> String {
    if page.contains(r#"{\"Err\":{\"code\":\"internal\"}}"#) {
        return "a resource failed on the server".to_owned();
    }
    let Some(listed) = page
        .split("__PENDING_RESOURCES=")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
    else {
        return "no resources listed".to_owned();
    };
    let mut numbers: Vec<&str> = listed
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .filter(|number| !number.is_empty())
        .collect();
    numbers.sort_unstable();
    numbers.join(",")
}

async fn numberings_of(app: &TestApp, path: &str, cookie: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for _ in 0..RENDERS / AT_ONCE {
        let renders = join_all((0..AT_ONCE).map(|_| app.get(path, Some(cookie)))).await;
        for render in renders {
            assert_eq!(render.status, StatusCode::OK, "{path}: {}", render.text);
            seen.insert(hydration_numbers(&render.text));
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_signed_in_page_numbers_its_resources_the_same_on_every_render() {
    let app = TestApp::new().await;
    let admin = app.signed_in(Role::Admin).await;
    app.create_draft(&admin, "numbered", "refund_limit").await;
    let admin_token = app.token_for("second-admin@example.com", Role::Admin).await;
    app.agent(&admin_token, "numbered-bot", &[]).await;
    let applied = app
        .call(
            "POST",
            "/api/v1/admin/products",
            Some(&admin_token),
            Some(serde_json::json!({
                "source_yaml": include_str!("../../../app/src/products/payments.yaml")
            })),
        )
        .await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.text);
    let pages = [
        "/policies/numbered/edit",
        "/policies/numbered/versions",
        "/",
        "/policies",
        "/agents",
        "/agents/numbered-bot",
        "/products",
        "/products/payments",
        "/api-reference",
        "/approvals",
        "/approval-routes",
        "/traces",
        "/audit",
        "/users",
        "/profile",
    ];

    for page in pages {
        let seen = numberings_of(&app, page, &admin).await;

        assert_eq!(seen.len(), 1, "{page}: renders differ: {seen:?}");
    }
}
