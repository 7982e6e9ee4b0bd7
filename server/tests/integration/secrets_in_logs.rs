//! No secret (password, personal access token, agent key, webhook signing secret, emailed link)
//! ever appears in a log line: a real `verdict serve` at debug level is sent each of them, and
//! its whole output is searched afterwards.

use std::{
    io::Write,
    process::{Command, Stdio},
    time::Duration,
};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "correct horse battery staple";

/// One HTTP/1.1 exchange; the answer's status line, headers and body as text.
async fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n\
         Connection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

fn secret_in(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '/' | '='))
        .collect()
}

fn cli(url: &str, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .env("VERDICT_DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

#[tokio::test]
async fn no_secret_sent_through_the_api_reaches_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("verdict.db").display());
    cli(
        &url,
        &[
            "create-user",
            "--email",
            "ana@example.com",
            "--role",
            "admin",
            "--name",
            "Ana",
        ],
        PASSWORD,
    );
    let token = cli(
        &url,
        &[
            "create-token",
            "--email",
            "ana@example.com",
            "--name",
            "logs",
        ],
        "",
    )
    .trim()
    .to_owned();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let server = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &url,
        ])
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bearer = format!("Bearer {token}");
    let json = ("Content-Type", "application/json");
    let form = ("Content-Type", "application/x-www-form-urlencoded");

    let signed_in = http(
        port,
        "POST",
        "/api/login",
        &[form],
        &format!(
            "email=ana%40example.com&password={}",
            PASSWORD.replace(' ', "+")
        ),
    )
    .await;
    let wrong = http(
        port,
        "POST",
        "/api/login",
        &[form],
        "email=ana%40example.com&password=a+wrong+passphrase+here",
    )
    .await;
    let agent = http(
        port,
        "POST",
        "/api/v1/admin/agents",
        &[json, ("Authorization", &bearer)],
        r#"{"name": "log-bot"}"#,
    )
    .await;
    let key = secret_in(&agent, "vk_");
    let opened = http(
        port,
        "POST",
        "/api/v1/decisions",
        &[json, ("Authorization", &format!("Bearer {key}"))],
        r#"{"intent": "billing.refund.create", "automation_mode": "autonomous"}"#,
    )
    .await;
    let route = http(port, "POST", "/api/v1/admin/approval-routes", &[json, ("Authorization", &bearer)],
        r#"{"name": "log-route", "integration": "webhook", "destination": "https://hooks.example.com/x"}"#).await;
    let webhook_secret = secret_in(&route, "whsec_");
    let bad_key = http(
        port,
        "GET",
        "/api/v1/me",
        &[("Authorization", &format!("Bearer {key}x"))],
        "",
    )
    .await;
    let bad_token = http(
        port,
        "GET",
        "/api/v1/me",
        &[("Authorization", &format!("Bearer {token}x"))],
        "",
    )
    .await;
    let mut server = server;
    server.kill().unwrap();
    let output = server.wait_with_output().unwrap();
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    assert!(signed_in.starts_with("HTTP/1.1 200"), "{signed_in}");
    assert!(wrong.starts_with("HTTP/1.1 422"), "{wrong}");
    assert!(opened.starts_with("HTTP/1.1 201"), "{opened}");
    assert!(bad_key.starts_with("HTTP/1.1 401") && bad_token.starts_with("HTTP/1.1 401"));
    assert!(
        logs.contains("answered"),
        "the server did log its requests: {logs}"
    );
    for (what, secret) in [
        ("password", PASSWORD.to_owned()),
        ("password, form-encoded", PASSWORD.replace(' ', "+")),
        ("wrong password", "a+wrong+passphrase+here".to_owned()),
        ("personal access token", token.clone()),
        ("agent key", key.clone()),
        ("webhook secret", webhook_secret.clone()),
        (
            "webhook secret's key",
            webhook_secret.trim_start_matches("whsec_").to_owned(),
        ),
    ] {
        assert!(!logs.contains(&secret), "the {what} appears in the logs");
    }
}
