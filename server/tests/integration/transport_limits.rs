//! Transport limits over real TCP (issue 22): a half-sent request and an unused connection are
//! closed, connections beyond the cap are answered 503, and long-polls beyond an agent's cap
//! are answered 429. Timeouts are configured small; nothing here measures time, each test only
//! waits (with a generous guard against hanging) for the server to act.

use crate::common;

use std::{net::SocketAddr, time::Duration};

use axum::http::StatusCode;
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use app::ssr::Settings;
use common::{RefundAgent, TestApp};
use verdict_server::transport::{self, Limits};

/// Far longer than any limit a test configures; a wait past it is the limit not working.
const GUARD: Duration = Duration::from_secs(20);
const LONG: Duration = Duration::from_secs(600);
const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: verdict.test\r\n\r\n";

/// Serves `app` on a free local port with `limits` until the test ends.
async fn serve(app: &TestApp, limits: Limits) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(transport::serve(
        listener,
        router,
        limits,
        std::future::pending(),
    ));
    addr
}

/// Everything the server sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(GUARD, stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection");
    // A reset is as good a close as an orderly one.
    if let Err(error) = read {
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset, "{error}");
    }
    String::from_utf8_lossy(&received).into_owned()
}

/// One whole response (head and a `Content-Length` body) on a connection left open.
async fn one_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
        let read = tokio::time::timeout(GUARD, stream.read(&mut chunk))
            .await
            .expect("the server answers")
            .unwrap();
        assert!(read > 0, "closed mid-response: {text}");
        received.extend_from_slice(&chunk[..read]);
    }
}

async fn healthz_on_a_new_connection(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(HEALTHZ).await.unwrap();
    one_response(&mut stream).await
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_timeout_and_others_are_served() {
    let app = TestApp::new().await;
    let addr = serve(
        &app,
        Limits {
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: LONG,
            max_connections: 64,
        },
    )
    .await;

    let mut half_sent = TcpStream::connect(addr).await.unwrap();
    half_sent
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: verdict.test\r\nX-Slow: ")
        .await
        .unwrap();
    let answered = healthz_on_a_new_connection(addr).await;
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");

    let received = until_closed(&mut half_sent).await;
    assert!(
        !received.contains("200 OK"),
        "nothing was answered: {received}"
    );
}

#[tokio::test]
async fn a_connection_with_nothing_to_do_is_closed_after_the_idle_timeout() {
    let app = TestApp::new().await;
    // The header timeout would close an unused keep-alive connection too; set far away, only
    // the idle timeout can close this one.
    let addr = serve(
        &app,
        Limits {
            header_read_timeout: LONG,
            idle_timeout: Duration::from_secs(1),
            max_connections: 64,
        },
    )
    .await;

    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(HEALTHZ).await.unwrap();
    let answered = one_response(&mut stream).await;
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    let after = until_closed(&mut stream).await;
    assert_eq!(after, "", "nothing more is sent before the close");
}

#[tokio::test]
async fn connections_beyond_the_cap_are_answered_503_and_the_cap_frees_up() {
    let app = TestApp::new().await;
    let addr = serve(
        &app,
        Limits {
            header_read_timeout: LONG,
            idle_timeout: LONG,
            max_connections: 2,
        },
    )
    .await;

    // Two kept-alive connections, each answered once, so the server has surely taken both.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(HEALTHZ).await.unwrap();
        let answered = one_response(&mut stream).await;
        assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
        held.push(stream);
    }

    let mut third = TcpStream::connect(addr).await.unwrap();
    let refused = until_closed(&mut third).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("Retry-After: 1"), "{refused}");

    // Closing one lets the next in, once the server has seen the close.
    drop(held.pop());
    let mut answered = String::new();
    for _ in 0..200 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(HEALTHZ).await.unwrap();
        answered = until_closed_or_answered(&mut stream).await;
        if answered.starts_with("HTTP/1.1 200") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
}

/// A 503 from the cap (then a close), or a whole 200.
async fn until_closed_or_answered(stream: &mut TcpStream) -> String {
    let mut first = [0u8; 12];
    let read = tokio::time::timeout(GUARD, stream.read_exact(&mut first))
        .await
        .expect("the server answers");
    match read {
        Ok(_) if first.starts_with(b"HTTP/1.1 200") => {
            let rest = one_response(stream).await;
            format!("{}{rest}", String::from_utf8_lossy(&first))
        }
        Ok(_) => String::from_utf8_lossy(&first).into_owned(),
        Err(_) => String::new(),
    }
}

#[tokio::test]
async fn long_polls_beyond_the_agents_cap_are_answered_429_and_end_with_the_caller() {
    let app = TestApp::with_settings(Settings {
        max_waits_per_agent: 2,
        agent_rate_limit: 0,
        ..Settings::default()
    })
    .await;
    let (admin, agent) = app.refund_agent().await;
    let other = app.agent(&admin, "other-bot", &["refund_limit"]).await;
    let decision = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    let others = app
        .open_decision(&other, "billing.refund.create", "autonomous")
        .await;
    let holders: Vec<_> = (0..2)
        .map(|_| {
            let request = common::json_request(
                "GET",
                &format!("/api/v1/decisions/{decision}/wait?timeout=60"),
                Some(&agent.key),
                None,
            );
            let router = app.router.clone();
            tokio::spawn(async move { common::send_to(&router, request).await })
        })
        .collect();
    // Both long ones hold their slots once they have been authenticated and reached the wait.
    while app.state.wait_slots.open(&agent.id) < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let refused = wait(&app, &agent.key, &decision).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text
    );
    assert_eq!(refused.body["error"]["code"], json!("rate_limited"));
    assert!(refused.retry_after.is_some(), "429 says when to retry");

    let through_mcp = mcp_wait(&app, &agent.key, &decision).await;
    assert_eq!(through_mcp["isError"], json!(true), "{through_mcp}");
    assert_eq!(
        through_mcp["structuredContent"]["error"]["code"],
        json!("rate_limited")
    );

    let own_cap = wait(&app, &other.key, &others).await;
    assert_eq!(own_cap.status, StatusCode::OK, "{}", own_cap.text);

    // An agent that hangs up frees its slots.
    for holder in &holders {
        holder.abort();
    }
    for holder in holders {
        let _ = holder.await;
    }
    let after = wait(&app, &agent.key, &decision).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
}

/// A wait that answers at once unless it is refused.
async fn wait(app: &TestApp, key: &str, decision: &str) -> common::Reply {
    app.call(
        "GET",
        &format!("/api/v1/decisions/{decision}/wait?timeout=0"),
        Some(key),
        None,
    )
    .await
}

#[tokio::test]
async fn shutting_down_lets_the_request_in_flight_finish_then_stops() {
    let RefundAgent { app, agent, .. } = TestApp::with_refund_agent().await;
    let decision = app
        .open_decision(&agent, "billing.refund.create", "autonomous")
        .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(transport::serve(
        listener,
        app.router.clone(),
        Limits {
            header_read_timeout: LONG,
            idle_timeout: LONG,
            max_connections: 64,
        },
        async move {
            let _ = stopped.await;
        },
    ));

    let mut waiting = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /api/v1/decisions/{decision}/wait?timeout=1 HTTP/1.1\r\nHost: verdict.test\r\n\
         Authorization: Bearer {}\r\n\r\n",
        agent.key
    );
    waiting.write_all(request.as_bytes()).await.unwrap();
    while app.state.wait_slots.open(&agent.id) < 1 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(()).unwrap();

    let answered = one_response(&mut waiting).await;
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    assert!(answered.contains(r#""changed":false"#), "{answered}");
    tokio::time::timeout(GUARD, server)
        .await
        .expect("the server stops once nothing is in flight")
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}

/// MCP's `decision_wait` tool, answering at once unless refused; the tool call's result.
async fn mcp_wait(app: &TestApp, key: &str, decision: &str) -> serde_json::Value {
    let message = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "decision_wait", "arguments": {"decision_id": decision, "timeout": 0}}});
    let request = axum::http::Request::post("/mcp")
        .header(axum::http::header::HOST, common::HOST)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .header(
            axum::http::header::ACCEPT,
            "application/json, text/event-stream",
        )
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {key}"))
        .body(axum::body::Body::from(message.to_string()))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["result"].clone()
}
