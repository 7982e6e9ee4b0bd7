//! Email routes against a local SMTP server: each named approver gets approve and reject links
//! that open a confirmation page, count once confirmed, work once, and expire with the request;
//! a confirmation email follows the answer.

use crate::common;

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use app::{
    model::Role,
    ssr::{
        now_millis,
        services::{answer_links, delivery},
        state::{SmtpSecurity, SmtpSettings},
        Settings,
    },
};
use common::{RefundAgent, TestApp};

/// The DATA of every message a minimal SMTP server on a free local port accepted.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let messages = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let kept = messages.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let command = line.to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(&line);
                            data.push('\n');
                        }
                        kept.lock().unwrap().push(data);
                        b"250 queued\r\n"
                    } else if command.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, messages)
}

/// A message's text with quoted-printable soft breaks and escapes undone.
fn decoded(message: &str) -> String {
    message
        .replace("=\n", "")
        .replace("=3D", "=")
        .replace("=C2=B7", "·")
}

fn link_in(message: &str, label: &str) -> String {
    let text = decoded(message);
    let start = text.find(&format!("{label}: ")).expect(label) + label.len() + 2;
    text[start..].split_whitespace().next().unwrap().to_owned()
}

fn token_of(link: &str) -> String {
    link.split_once("?token=").unwrap().1.to_owned()
}

#[tokio::test]
async fn an_emailed_link_asks_to_confirm_counts_once_and_a_confirmation_follows() {
    let (port, messages) = smtp_server().await;
    let app = TestApp::with_settings(Settings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port,
            security: SmtpSecurity::None,
            from: "Verdict <verdict@example.com>".to_owned(),
            credentials: None,
        }),
        link_origin: common::ORIGIN.to_owned(),
        ..Settings::default()
    })
    .await;
    let (admin, agent) = app.refund_agent().await;
    app.create_user("ana@example.com", Role::Approver).await;
    let route = app
        .call(
            "POST",
            "/api/v1/admin/approval-routes",
            Some(&admin),
            Some(json!({"name": "support-managers", "integration": "email",
                        "approver_emails": ["ana@example.com"]})),
        )
        .await;
    assert_eq!(route.status, StatusCode::CREATED, "{}", route.text);
    let (decision, approval) = app.exception_request(&agent, "Parcel <i>lost</i>.").await;

    assert_eq!(
        delivery::run_once(&app.state, now_millis()).await.unwrap(),
        1
    );

    let sent = messages.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("To: ana@example.com"), "{}", sent[0]);
    assert!(sent[0].contains("Content-Type: text/html"), "{}", sent[0]);
    assert!(
        decoded(&sent[0]).contains("&lt;b&gt;now&lt;/b&gt;") || !sent[0].contains("<b>now</b>")
    );
    let approve_link = link_in(&sent[0], "Approve");
    let reject_link = link_in(&sent[0], "Reject");
    assert!(
        approve_link.starts_with("http://verdict.test/answer?token="),
        "{approve_link}"
    );
    let approve = token_of(&approve_link);
    let delivered = delivery::of_approval(&app.state, &approval, true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(delivered.state, "delivered");

    let shown = app
        .server_fn("inspect_answer_link", &[("token", &approve)], None)
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert_eq!(shown.body["answer"], "approve");
    assert_eq!(shown.body["recipient"], "ana@example.com");
    assert_eq!(
        app.call(
            "GET",
            &format!("/api/v1/decisions/{decision}"),
            Some(&agent.key),
            None
        )
        .await
        .body["status"],
        "needs_approval",
        "opening the link changes nothing"
    );
    let evidence = shown.body["evidence_hash"].as_str().unwrap().to_owned();
    let confirm = |token: String| {
        let app = &app;
        let evidence = evidence.clone();
        async move {
            app.server_fn(
                "answer_by_link",
                &[
                    ("token", &token),
                    ("rationale", "checked the parcel log"),
                    ("evidence_hash", &evidence),
                ],
                None,
            )
            .await
        }
    };

    let first = confirm(approve.clone()).await;
    let again = confirm(approve.clone()).await;
    let other_answer = confirm(token_of(&reject_link)).await;
    let tampered = confirm(format!("{}x", approve)).await;

    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body, json!("approved"));
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert!(again.text.contains("used already"), "{}", again.text);
    assert_eq!(
        other_answer.status,
        StatusCode::CONFLICT,
        "{}",
        other_answer.text
    );
    assert_eq!(
        tampered.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        tampered.text
    );
    let sent = messages.lock().unwrap().clone();
    assert_eq!(sent.len(), 2, "a confirmation follows the answer");
    assert!(decoded(&sent[1]).contains("You approved"), "{}", sent[1]);

    let expired = answer_links::issue(
        &app.state.db,
        &approval,
        app::model::Answer::Approve,
        "ana@example.com",
        now_millis() - 1,
    )
    .await
    .unwrap();
    let refused = app
        .server_fn("inspect_answer_link", &[("token", &expired)], None)
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.text.contains("expired"));
}

#[tokio::test]
async fn without_a_mail_server_the_delivery_fails_and_the_request_waits() {
    let RefundAgent { app, admin, agent } = TestApp::with_refund_agent().await;
    app.call(
        "POST",
        "/api/v1/admin/approval-routes",
        Some(&admin),
        Some(json!({"name": "support-managers", "integration": "email", "approver_emails": ["ana@example.com"]})),
    )
    .await;
    let missing_approvers = app
        .call(
            "POST",
            "/api/v1/admin/approval-routes",
            Some(&admin),
            Some(json!({"name": "empty-email", "integration": "email"})),
        )
        .await;
    let (_, approval) = app.exception_request(&agent, "Lost.").await;

    delivery::run_once(&app.state, now_millis()).await.unwrap();

    assert_eq!(missing_approvers.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing_approvers.body["error"]["field"], "approver_emails");
    let queued = delivery::of_approval(&app.state, &approval, true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(queued.state, "queued");
    assert!(queued.attempts[0]
        .error
        .as_deref()
        .unwrap()
        .contains("smtp-host"));
}
