//! A catalogue of hostile and malformed requests across the agent API, the admin API, the
//! dry-run endpoint and server functions. Every one gets a 4xx with a clear error (JSON on the
//! API), none a 5xx, and the server still answers `/healthz` afterwards. Free text with SQL and
//! script in it is stored verbatim and rendered escaped.

use crate::common;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use serde_json::json;

use app::model::Role;
use common::{RefundAgent, TestApp, HOST, ORIGIN, REFUND_POLICY};

/// One hostile request and what it is.
struct Case {
    what: String,
    request: Request<Body>,
}

fn raw(
    method: &str,
    path: &str,
    bearer: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST);
    if let Some(bearer) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    }
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    request.body(Body::from(body)).unwrap()
}

fn json_body(method: &str, path: &str, bearer: Option<&str>, body: &str) -> Request<Body> {
    raw(
        method,
        path,
        bearer,
        Some("application/json"),
        body.as_bytes().to_vec(),
    )
}

fn form(path: &str, cookie: Option<&str>, body: &[u8]) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body.to_vec())).unwrap()
}

fn deep_nesting(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

const SCRIPT_AND_SQL: &str = "<script>alert('x')</script>'; DROP TABLE decisions; --";

#[tokio::test]
async fn every_hostile_request_is_a_clear_4xx_and_the_server_stays_up() {
    let RefundAgent { app, admin, agent } = TestApp::with_refund_agent().await;
    let other = app.agent(&admin, "other-bot", &["refund_limit"]).await;
    let decision = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    let others = app
        .open_decision(&other, "billing.refund.create", "autonomous")
        .await;
    // A decision whose policy requires an exception: the agent may not pick its approvers.
    let excepted = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    app.step(
        &agent,
        &excepted,
        "evaluate",
        json!({"inputs": {"amount": 950.0, "currency": "USD"}}),
    )
    .await;
    app.create_user("ops@example.com", Role::Admin).await;
    let cookie = app.sign_in("ops@example.com", common::PASSWORD).await;
    let key = agent.key.as_str();
    let mut cases: Vec<Case> = Vec::new();
    let mut add = |what: String, request: Request<Body>| cases.push(Case { what, request });

    for route in ["no-such-route", "anyone", ""] {
        add(
            format!("an exception request naming its own route {route:?}"),
            json_body(
                "POST",
                &format!("/api/v1/decisions/{excepted}/approvals"),
                Some(key),
                &json!({"title": "Refund", "message": "m", "approval_route": route}).to_string(),
            ),
        );
    }
    for after in ["-1", "soon", "1e9999"] {
        add(
            format!("a decision's events after {after:?}"),
            raw(
                "GET",
                &format!("/api/v1/admin/decisions/{decision}?after={after}"),
                Some(&admin),
                None,
                Vec::new(),
            ),
        );
    }

    // Malformed bodies on every agent endpoint that takes one.
    let endpoints = [
        "/api/v1/decisions".to_owned(),
        format!("/api/v1/decisions/{decision}/context"),
        format!("/api/v1/decisions/{decision}/reads"),
        format!("/api/v1/decisions/{decision}/evaluate"),
        format!("/api/v1/decisions/{decision}/approvals"),
        format!("/api/v1/decisions/{decision}/writes"),
        format!("/api/v1/decisions/{decision}/close"),
    ];
    let malformed: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{not json".to_vec()),
        ("an array", b"[1, 2, 3]".to_vec()),
        ("a string", b"\"text\"".to_vec()),
        ("an empty body", Vec::new()),
        ("unknown fields", br#"{"colour": "red"}"#.to_vec()),
        ("NaN", br#"{"summary": NaN}"#.to_vec()),
        ("Infinity", br#"{"summary": Infinity}"#.to_vec()),
        (
            "invalid UTF-8",
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
        ),
        (
            "10,000-deep nesting",
            format!(r#"{{"payload": {}}}"#, deep_nesting(10_000)).into_bytes(),
        ),
        (
            "a number beyond f64",
            br#"{"record_count": 1e400}"#.to_vec(),
        ),
    ];
    for path in &endpoints {
        for (what, body) in &malformed {
            add(
                format!("POST {path} with {what}"),
                raw(
                    "POST",
                    path,
                    Some(key),
                    Some("application/json"),
                    body.clone(),
                ),
            );
        }
        add(
            format!("POST {path} as text/plain"),
            raw("POST", path, Some(key), Some("text/plain"), b"{}".to_vec()),
        );
        add(
            format!("POST {path} without credentials"),
            json_body("POST", path, None, "{}"),
        );
        add(
            format!("POST {path} with a garbage key"),
            json_body("POST", path, Some("vk_garbage"), "{}"),
        );
        add(
            format!("POST {path} with a person's token"),
            json_body("POST", path, Some(&admin), "{}"),
        );
    }

    // Field values of the wrong type, missing, out of range or full of control characters.
    let fields = [
        (
            "/api/v1/decisions".to_owned(),
            r#"{"intent": 42, "automation_mode": "autonomous"}"#.to_owned(),
        ),
        (
            "/api/v1/decisions".to_owned(),
            r#"{"automation_mode": "autonomous"}"#.to_owned(),
        ),
        (
            "/api/v1/decisions".to_owned(),
            r#"{"intent": "billing.refund", "automation_mode": "yolo"}"#.to_owned(),
        ),
        (
            "/api/v1/decisions".to_owned(),
            r#"{"intent": "", "automation_mode": "autonomous"}"#.to_owned(),
        ),
        (
            "/api/v1/decisions".to_owned(),
            format!(
                r#"{{"intent": "{}", "automation_mode": "autonomous"}}"#,
                "a".repeat(10_000)
            ),
        ),
        (
            "/api/v1/decisions".to_owned(),
            "{\"intent\": \"bill\\u0000ing\", \"automation_mode\": \"autonomous\"}".to_owned(),
        ),
        (
            "/api/v1/decisions".to_owned(),
            r#"{"intent": "billing'; DROP TABLE x", "automation_mode": "autonomous"}"#.to_owned(),
        ),
        (
            "/api/v1/decisions".to_owned(),
            r#"{"intent": "a", "intent": "b", "automation_mode": "autonomous"}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/reads"),
            r#"{"product": "crm", "purpose": "x", "record_count": 99999999999999999999}"#
                .to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/reads"),
            r#"{"product": "crm", "purpose": "x", "record_count": -1}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/reads"),
            r#"{"product": 7, "purpose": "x"}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/evaluate"),
            r#"{"inputs": [1, 2]}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/evaluate"),
            r#"{"inputs": {}, "policy_id": "not_bound_here"}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/approvals"),
            r#"{"title": "t", "message": "m", "expires_in_seconds": 0}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/approvals"),
            r#"{"title": "t", "message": "m", "expires_in_seconds": 18446744073709551616}"#
                .to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/writes"),
            r#"{"product": "billing"}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/close"),
            r#"{"action": "explode"}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/context"),
            format!(r#"{{"summary": "{}"}}"#, "x".repeat(100_000)),
        ),
        (
            format!("/api/v1/decisions/{decision}/approvals"),
            r#"{"title": "a\u0000b", "message": "m"}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/approvals"),
            r#"{"title": "t", "message": "a\u0000b"}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/reads"),
            r#"{"product": "c\u0000rm", "purpose": "x"}"#.to_owned(),
        ),
        (
            format!("/api/v1/decisions/{decision}/writes"),
            r#"{"product": "billing", "operation": "re\u0000fund"}"#.to_owned(),
        ),
        (
            "/api/v1/decisions".to_owned(),
            r#"{"intent": "billing.refund", "automation_mode": "autonomous", "actor": "a\u0000b"}"#
                .to_owned(),
        ),
    ];
    for (path, body) in &fields {
        add(
            format!("POST {path} with {}", &body[..body.len().min(60)]),
            json_body("POST", path, Some(key), body),
        );
    }

    // Ids: another agent's, made up, huge, traversal, encoded NUL.
    let ids = [
        others.clone(),
        "00000000-0000-0000-0000-000000000000".to_owned(),
        "x".repeat(5_000),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        "abc%00def".to_owned(),
        "%FF%FE".to_owned(),
        "1%20OR%201=1".to_owned(),
    ];
    for id in &ids {
        let short = &id[..id.len().min(40)];
        add(
            format!("GET decision {short}"),
            json_body("GET", &format!("/api/v1/decisions/{id}"), Some(key), ""),
        );
        add(
            format!("GET trace of {short}"),
            json_body(
                "GET",
                &format!("/api/v1/decisions/{id}/trace"),
                Some(key),
                "",
            ),
        );
        add(
            format!("POST context to {short}"),
            json_body(
                "POST",
                &format!("/api/v1/decisions/{id}/context"),
                Some(key),
                r#"{"summary": "x"}"#,
            ),
        );
    }
    add(
        "wait with a negative timeout".into(),
        json_body(
            "GET",
            &format!("/api/v1/decisions/{decision}/wait?timeout=-5"),
            Some(key),
            "",
        ),
    );
    add(
        "wait with a huge timeout".into(),
        json_body(
            "GET",
            &format!("/api/v1/decisions/{decision}/wait?timeout=99999999999999999999"),
            Some(key),
            "",
        ),
    );
    add(
        "an unknown endpoint".into(),
        json_body("GET", "/api/v1/no-such-thing", Some(key), ""),
    );
    add(
        "DELETE on decisions".into(),
        json_body("DELETE", "/api/v1/decisions", Some(key), ""),
    );
    add(
        "Basic auth".into(),
        raw(
            "GET",
            &format!("/api/v1/decisions/{decision}"),
            None,
            None,
            Vec::new(),
        ),
    );

    // The admin API.
    let admin_cases = [
        ("POST", "/api/v1/admin/policies", r#"{"source_yaml": 12}"#.to_owned()),
        ("POST", "/api/v1/admin/policies", r#"{"source_yaml": "policy: [unclosed"}"#.to_owned()),
        ("POST", "/api/v1/admin/policies", format!(r#"{{"source_yaml": "{}"}}"#, "a".repeat(300_000))),
        ("POST", "/api/v1/admin/agents", r#"{"name": "Bad Name!"}"#.to_owned()),
        ("POST", "/api/v1/admin/agents", r#"{"name": "refund-bot"}"#.to_owned()),
        ("POST", "/api/v1/admin/agents", r#"{"name": "x", "shoe_size": 9}"#.to_owned()),
        ("POST", "/api/v1/admin/agents/refund-bot/bindings", r#"{"policy_id": "no_such_policy"}"#.to_owned()),
        ("POST", "/api/v1/admin/agents/refund-bot/bindings", r#"{"policy_id": "refund_limit", "version": 99}"#.to_owned()),
        ("POST", "/api/v1/admin/agents/no-such-bot/keys", r#"{"grace_seconds": 0}"#.to_owned()),
        ("POST", "/api/v1/admin/agents/refund-bot/keys", r#"{"grace_seconds": -1}"#.to_owned()),
        ("PUT", "/api/v1/admin/agents/refund-bot/freeze", r#"{"frozen": "yes"}"#.to_owned()),
        ("PUT", "/api/v1/admin/freeze", r#"{"frozen": true}"#.to_owned()),
        ("POST", "/api/v1/admin/users", r#"{"email": "not-an-email", "display_name": "x", "role": "admin", "password": "long enough password"}"#.to_owned()),
        ("POST", "/api/v1/admin/users", r#"{"email": "a@example.com", "display_name": "x", "role": "emperor", "password": "long enough password"}"#.to_owned()),
        ("POST", "/api/v1/admin/users", r#"{"email": "a@example.com", "display_name": "x", "role": "admin", "password": "short"}"#.to_owned()),
        ("GET", "/api/v1/admin/decisions?limit=100000", String::new()),
        ("GET", "/api/v1/admin/decisions?cursor=zz", String::new()),
        ("GET", "/api/v1/admin/decisions?from=99999999999999999999", String::new()),
        ("GET", "/api/v1/admin/decisions?status=finished", String::new()),
        ("GET", "/api/v1/approvals?older_than_minutes=forever", String::new()),
        ("POST", "/api/v1/admin/approval-routes", r#"{"name": "r", "integration": "webhook", "destination": "javascript:alert(1)"}"#.to_owned()),
        ("POST", "/api/v1/approvals/no-such-approval/resolve", r#"{"outcome": "approved", "evidence_hash": "x"}"#.to_owned()),
        ("POST", "/api/v1/approvals/no-such-approval/resolve", r#"{"outcome": "maybe", "evidence_hash": "x"}"#.to_owned()),
    ];
    for (method, path, body) in &admin_cases {
        add(
            format!("{method} {path} {}", &body[..body.len().min(50)]),
            json_body(method, path, Some(&admin), body),
        );
    }
    add(
        "an agent key on the admin API".into(),
        json_body("GET", "/api/v1/admin/agents", Some(key), ""),
    );
    add(
        "an expired-looking token".into(),
        json_body("GET", "/api/v1/me", Some("vp_0000"), ""),
    );

    // The dry-run endpoint.
    for (what, body) in [
        (
            "source of the wrong type",
            r#"{"source_yaml": [], "context": {}}"#.to_owned(),
        ),
        (
            "context not an object",
            format!(
                r#"{{"source_yaml": {}, "context": 5}}"#,
                json!(REFUND_POLICY)
            ),
        ),
        (
            "deep context",
            format!(
                r#"{{"source_yaml": {}, "context": {}}}"#,
                json!(REFUND_POLICY),
                deep_nesting(5_000)
            ),
        ),
        ("missing source", r#"{"context": {}}"#.to_owned()),
    ] {
        add(
            format!("dry-run with {what}"),
            json_body("POST", "/api/v1/policies/dry-run", Some(&admin), &body),
        );
    }

    // Server functions, as forms.
    for (what, path, body) in [
        (
            "login without a password",
            "/api/login",
            b"email=a%40example.com".to_vec(),
        ),
        (
            "login with invalid UTF-8",
            "/api/login",
            b"email=%FF%FE&password=x".to_vec(),
        ),
        (
            "create_user with a bad email",
            "/api/create_user",
            b"email=nope&display_name=x&role=viewer&password=long+enough+password".to_vec(),
        ),
        (
            "create_user with a NUL in the name",
            "/api/create_user",
            b"email=n%40example.com&display_name=a%00b&role=viewer&password=long+enough+password"
                .to_vec(),
        ),
        (
            "change_role to a made-up role",
            "/api/change_role",
            b"user_id=x&role=emperor".to_vec(),
        ),
        (
            "save_draft with a revision that is not a number",
            "/api/save_draft",
            b"id=refund_limit&source=x&base_revision=abc".to_vec(),
        ),
        (
            "create_policy with a traversal id",
            "/api/create_policy",
            b"id=..%2F..%2Fetc&template=refund_limit".to_vec(),
        ),
        (
            "start_backtest over a century",
            "/api/start_backtest",
            b"id=refund_limit&source=x&days=36500".to_vec(),
        ),
        (
            "load_traces with an unknown filter",
            "/api/load_traces",
            b"query=colour%3Dred".to_vec(),
        ),
        (
            "an unknown server function",
            "/api/no_such_function",
            b"x=1".to_vec(),
        ),
    ] {
        add(
            format!("server function: {what}"),
            form(path, Some(&cookie), &body),
        );
    }
    add("a form post from another site".into(), {
        let mut request = form(
            "/api/create_user",
            Some(&cookie),
            b"email=m%40example.com&display_name=M&role=admin&password=long+enough+password",
        );
        request
            .headers_mut()
            .insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        request
    });
    add(
        "a 2 MB form".into(),
        form("/api/login", None, &vec![b'a'; 2 * 1024 * 1024]),
    );
    add(
        "a 10 MB JSON body".into(),
        raw(
            "POST",
            "/api/v1/decisions",
            Some(key),
            Some("application/json"),
            vec![b' '; 10 * 1024 * 1024],
        ),
    );

    let total = cases.len();
    assert!(total >= 100, "the catalogue has {total} cases");
    let mut failures = Vec::new();
    for case in cases {
        let is_api = case.request.uri().path().starts_with("/api/v1");
        let reply = app.send(case.request).await;
        let clear = reply.status.is_client_error()
            && (!is_api
                || (reply.body["error"]["code"].is_string()
                    && reply.body["error"]["message"]
                        .as_str()
                        .is_some_and(|m| !m.is_empty())));
        if !clear {
            failures.push(format!(
                "{}: {} {}",
                case.what,
                reply.status,
                &reply.text[..reply.text.len().min(200)]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} not a clear 4xx:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn script_and_sql_in_free_text_are_stored_verbatim_and_rendered_escaped() {
    let RefundAgent { app, agent, .. } = TestApp::with_refund_agent().await;
    let decision = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    app.create_user("ops@example.com", Role::Admin).await;
    let cookie = app.sign_in("ops@example.com", common::PASSWORD).await;

    let noted = app
        .step(
            &agent,
            &decision,
            "context",
            json!({"summary": SCRIPT_AND_SQL}),
        )
        .await;
    let trace = app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/trace"),
            Some(&agent.key),
            None,
        )
        .await;
    let page = app.get(&format!("/traces/{decision}"), Some(&cookie)).await;

    assert_eq!(noted.status, StatusCode::CREATED, "{}", noted.text);
    let stored = trace.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["kind"] == "context_added")
        .unwrap();
    assert_eq!(
        stored["payload"]["summary"], SCRIPT_AND_SQL,
        "stored verbatim"
    );
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text.contains("<script>alert('x')</script>"),
        "never rendered as markup"
    );
    assert!(page.text.contains("&lt;script&gt;"), "rendered escaped");
}

#[tokio::test]
async fn pages_allow_only_their_own_nonced_scripts_and_no_response_may_be_framed() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let app = TestApp::new().await;
    let get = |path: &str| {
        Request::get(path)
            .header(header::HOST, HOST)
            .body(Body::empty())
            .unwrap()
    };

    let page = app.router.clone().oneshot(get("/login")).await.unwrap();
    let api = app
        .router
        .clone()
        .oneshot(get("/api/v1/openapi.json"))
        .await
        .unwrap();

    let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the page's policy")
        .to_owned();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    for response in [&page, &api] {
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
        assert_eq!(response.headers()[header::REFERRER_POLICY], "same-origin");
        assert!(response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
    }
    let html = String::from_utf8(
        page.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every inline script carries this page's nonce: {html}"
    );
    assert!(!html.contains(" onclick="), "no inline event handlers");
}
