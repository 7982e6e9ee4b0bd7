//! A Verdict router over a real, fresh database for each test: a new SQLite file, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` names a server.

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    Router,
};
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::{Connection, Executor};
use tower::ServiceExt;

use app::{
    model::{DisplayName, Email, Password, Role},
    ssr::{services::users, AppState, Settings},
};
use verdict_server::{commands::open_state, router};

pub mod trace_history;
mod webhook_receiver;
pub use webhook_receiver::WebhookReceiver;

pub const HOST: &str = "verdict.test";
pub const ORIGIN: &str = "http://verdict.test";
pub const PASSWORD: &str = "a long test passphrase";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    url: String,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub set_cookie: Option<String>,
    pub retry_after: Option<String>,
    pub body: Value,
    pub text: String,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(Settings::default()).await
    }

    /// `settings`, with deliveries allowed to reach 127.0.0.1, where tests run their receivers
    /// (a server refuses internal destinations unless told otherwise).
    pub async fn with_settings(mut settings: Settings) -> Self {
        settings.outbound_allow_hosts.push("127.0.0.1".to_owned());
        Self::with_exact_settings(settings).await
    }

    /// `settings` as given: no internal destination is allowed unless they say so.
    pub async fn with_exact_settings(mut settings: Settings) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        settings
            .signing_key_file
            .get_or_insert_with(|| signing_key_file(&dir));
        let url = match std::env::var("TEST_DATABASE_URL") {
            Ok(server) if !server.is_empty() => fresh_postgres_database(&server).await,
            _ => format!("sqlite:{}", dir.path().join("verdict.db").display()),
        };
        let (state, sessions) = open_state(&url, settings, dir.path())
            .await
            .expect("open test database");
        let router = router::build(state.clone(), sessions);
        Self {
            router,
            state,
            url,
            _dir: dir,
        }
    }

    /// Another server on the same database, with its own journal and caches.
    pub async fn another_server(&self) -> Router {
        let settings = Settings {
            signing_key_file: Some(signing_key_file(&self._dir)),
            ..Settings::default()
        };
        let (state, sessions) = open_state(&self.url, settings, self._dir.path())
            .await
            .expect("open the shared test database again");
        router::build(state, sessions)
    }

    pub async fn create_user(&self, email: &str, role: Role) {
        users::create(
            &self.state.db,
            "test",
            users::NewPerson {
                email: Email::parse(email).unwrap(),
                display_name: DisplayName::parse(email.split('@').next().unwrap()).unwrap(),
                role,
                password: Password::parse(PASSWORD, "password").unwrap(),
            },
        )
        .await
        .expect("create user");
    }

    /// Creates a person with `role` and signs them in; returns their session cookie.
    pub async fn signed_in(&self, role: Role) -> String {
        let email = format!("{role}@example.com");
        self.create_user(&email, role).await;
        self.sign_in(&email, PASSWORD).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let reply = self
            .server_fn("login", &[("email", email), ("password", password)], None)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "sign-in failed: {}",
            reply.text
        );
        reply.set_cookie.expect("sign-in sets a session cookie")
    }

    /// Calls a server function as the browser's form post does.
    pub async fn server_fn(
        &self,
        name: &str,
        fields: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Reply {
        self.send(server_fn_request(name, fields, cookie)).await
    }

    /// Creates policy `id`'s draft from `template` (empty: a blank draft); returns its revision.
    pub async fn create_draft(&self, cookie: &str, id: &str, template: &str) -> i64 {
        let reply = self
            .server_fn(
                "create_policy",
                &[("id", id), ("template", template)],
                Some(cookie),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body["revision"].as_i64().unwrap()
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(path).header(header::HOST, HOST);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        send_to(&self.router, request).await
    }
}

/// The receipt signing key file of a test's servers, in its temporary directory whatever the
/// database (the default for PostgreSQL would be `./data/`).
pub fn signing_key_file(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("verdict-signing-keys.json")
}

/// A server function call as the browser's form post makes it, for any server of the test.
pub fn server_fn_request(
    name: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
) -> Request<Body> {
    let body = serde_urlencoded(fields);
    let mut request = Request::post(format!("/api/{name}"))
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body)).unwrap()
}

fn serde_urlencoded(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Creates an empty database on the PostgreSQL server for one test and returns its URL.
async fn fresh_postgres_database(server_url: &str) -> String {
    let name = format!("verdict_test_{}", uuid_like());
    let mut admin = sqlx::PgConnection::connect(server_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let (base, _) = server_url
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL ends with /DATABASE");
    format!("{base}/{name}")
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub const REFUND_POLICY: &str =
    include_str!("../../../../app/src/policies/templates/refund_limit.yaml");

/// An agent provisioned over the admin API: its id and its API key.
pub struct TestAgent {
    pub id: String,
    pub key: String,
}

/// An app with an admin, the refund policy (`refund_limit`) published and `refund-bot` bound to
/// it: where most decision and approval tests start.
pub struct RefundAgent {
    pub app: TestApp,
    /// The admin's personal access token.
    pub admin: String,
    pub agent: TestAgent,
}

impl TestApp {
    /// A fresh app with default settings, set up as [`RefundAgent`] says.
    pub async fn with_refund_agent() -> RefundAgent {
        Self::new().await.into_refund_agent().await
    }

    /// This app, set up as [`RefundAgent`] says (for apps built with other settings).
    pub async fn into_refund_agent(self) -> RefundAgent {
        let (admin, agent) = self.refund_agent().await;
        RefundAgent {
            app: self,
            admin,
            agent,
        }
    }

    /// On this app: an admin's token, the refund policy published and `refund-bot` bound to it.
    pub async fn refund_agent(&self) -> (String, TestAgent) {
        let admin = self.admin_token().await;
        self.publish(&admin, REFUND_POLICY).await;
        let agent = self.agent(&admin, "refund-bot", &["refund_limit"]).await;
        (admin, agent)
    }
}

impl TestApp {
    /// Sends a JSON request (or none) with an optional bearer credential.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.send(json_request(method, path, bearer, body)).await
    }

    /// An admin's personal access token.
    pub async fn admin_token(&self) -> String {
        self.token_for("admin@example.com", Role::Admin).await
    }

    /// Creates a person with `role` and returns a personal access token of theirs.
    pub async fn token_for(&self, email: &str, role: Role) -> String {
        self.create_user(email, role).await;
        let person = app::ssr::store::users::find_by_email(
            &self.state.db.pool,
            &Email::parse(email).unwrap(),
        )
        .await
        .unwrap()
        .and_then(|row| row.current_user())
        .unwrap();
        app::ssr::services::tokens::create(&self.state.db, &person, "tests", None)
            .await
            .unwrap()
            .plaintext
    }

    /// Publishes `source` over the admin API.
    pub async fn publish(&self, admin: &str, source: &str) -> Value {
        let reply = self
            .call(
                "POST",
                "/api/v1/admin/policies",
                Some(admin),
                Some(serde_json::json!({"source_yaml": source, "change_note": "test"})),
            )
            .await;
        assert!(reply.status.is_success(), "publish failed: {}", reply.text);
        reply.body
    }

    /// Creates an agent over the admin API and binds `policies` to it (latest versions).
    pub async fn agent(&self, admin: &str, name: &str, policies: &[&str]) -> TestAgent {
        let created = self
            .call(
                "POST",
                "/api/v1/admin/agents",
                Some(admin),
                Some(serde_json::json!({"name": name, "owner_team": "support"})),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let id = created.body["agent"]["id"].as_str().unwrap().to_owned();
        for policy in policies {
            let bound = self
                .call(
                    "POST",
                    &format!("/api/v1/admin/agents/{id}/bindings"),
                    Some(admin),
                    Some(serde_json::json!({"policy_id": policy})),
                )
                .await;
            assert_eq!(bound.status, StatusCode::CREATED, "{}", bound.text);
        }
        TestAgent {
            id,
            key: created.body["api_key"].as_str().unwrap().to_owned(),
        }
    }

    /// Opens a decision for `agent` and returns its id.
    pub async fn open_decision(&self, agent: &TestAgent, intent: &str, mode: &str) -> String {
        let opened = self
            .call(
                "POST",
                "/api/v1/decisions",
                Some(&agent.key),
                Some(serde_json::json!({"intent": intent, "automation_mode": mode})),
            )
            .await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
        opened.body["decision_id"].as_str().unwrap().to_owned()
    }

    /// POSTs `body` to `/api/v1/decisions/{id}/{step}` as `agent`.
    pub async fn step(&self, agent: &TestAgent, decision: &str, step: &str, body: Value) -> Reply {
        self.call(
            "POST",
            &format!("/api/v1/decisions/{decision}/{step}"),
            Some(&agent.key),
            Some(body),
        )
        .await
    }

    /// A refund above the policy's limit for `agent`, evaluated (`requires_exception`) and
    /// asking for approval with `message`; returns the decision's and the request's ids.
    pub async fn exception_request(&self, agent: &TestAgent, message: &str) -> (String, String) {
        let decision = self
            .open_decision(agent, "billing.refund.create", "autonomous")
            .await;
        let evaluated = self
            .step(
                agent,
                &decision,
                "evaluate",
                serde_json::json!({"inputs": {"amount": 950.0, "currency": "USD"}}),
            )
            .await;
        assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
        let requested = self
            .step(
                agent,
                &decision,
                "approvals",
                serde_json::json!({"title": "Refund of 950 USD", "message": message}),
            )
            .await;
        assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.text);
        let approval = requested.body["approval_id"].as_str().unwrap().to_owned();
        (decision, approval)
    }

    /// Defines (a new version of) an approval route over the admin API.
    pub async fn define_route(&self, admin: &str, body: serde_json::Value) -> Reply {
        self.call(
            "POST",
            "/api/v1/admin/approval-routes",
            Some(admin),
            Some(body),
        )
        .await
    }

    /// Puts the person behind `token` in `team`, as an admin does over the API.
    pub async fn place_in_team(&self, admin: &str, token: &str, team: &str) -> Reply {
        let me = self.call("GET", "/api/v1/me", Some(token), None).await;
        let id = me.body["id"].as_str().unwrap().to_owned();
        self.call(
            "PUT",
            &format!("/api/v1/admin/users/{id}/team"),
            Some(admin),
            Some(serde_json::json!({"team": team})),
        )
        .await
    }

    /// A decision's status as its agent reads it.
    pub async fn decision_status(&self, agent: &TestAgent, decision: &str) -> String {
        let shown = self
            .call(
                "GET",
                &format!("/api/v1/decisions/{decision}"),
                Some(&agent.key),
                None,
            )
            .await;
        shown.body["status"].as_str().unwrap().to_owned()
    }

    /// A decision's events (kind, payload, hashes), in order, as its agent reads them.
    pub async fn events(&self, agent: &TestAgent, decision: &str) -> Vec<Value> {
        let trace = self
            .call(
                "GET",
                &format!("/api/v1/decisions/{decision}/trace"),
                Some(&agent.key),
                None,
            )
            .await;
        assert_eq!(trace.status, StatusCode::OK, "{}", trace.text);
        trace.body["events"].as_array().unwrap().clone()
    }

    /// The kinds of a decision's events, in order.
    pub async fn event_kinds(&self, agent: &TestAgent, decision: &str) -> Vec<String> {
        self.events(agent, decision)
            .await
            .iter()
            .map(|event| event["kind"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// A JSON request (or one without a body) with an optional bearer credential.
pub fn json_request(
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST);
    if let Some(bearer) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    }
    match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("a valid request")
}

/// Longer than any wait a test asks for; a request past it is a hang, reported as a failure
/// naming the request instead of stalling the whole run until CI's limit.
const ANSWER_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Sends `request` to `router` (any server of the test) and reads the whole answer.
pub async fn send_to(router: &Router, request: Request<Body>) -> Reply {
    let described = format!("{} {}", request.method(), request.uri());
    tokio::time::timeout(ANSWER_LIMIT, answer_of(router, request))
        .await
        .unwrap_or_else(|_| panic!("{described} did not answer within {ANSWER_LIMIT:?}"))
}

async fn answer_of(router: &Router, request: Request<Body>) -> Reply {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("router answers");
    let status = response.status();
    let set_cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(str::to_owned);
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        set_cookie,
        retry_after,
        body,
        text,
    }
}
