//! The `verdict` binary's scripted-install commands, run as an installer would run them.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

fn verdict(database_url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .env("VERDICT_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run verdict");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("verdict finishes")
}

#[test]
fn create_user_then_create_token_prints_a_token_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("verdict.db").display());

    let user = verdict(
        &url,
        &[
            "create-user",
            "--email",
            "Ops@Example.com",
            "--role",
            "admin",
        ],
        "a long passphrase for ops\n",
    );
    let token = verdict(
        &url,
        &["create-token", "--email", "ops@example.com", "--name", "ci"],
        "",
    );

    assert!(
        user.status.success(),
        "{}",
        String::from_utf8_lossy(&user.stderr)
    );
    assert!(String::from_utf8_lossy(&user.stdout).contains("created ops@example.com"));
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let printed = String::from_utf8_lossy(&token.stdout);
    assert!(printed.trim().starts_with("vp_"), "{printed}");
}

#[test]
fn bad_input_exits_non_zero_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("verdict.db").display());

    let bad_role = verdict(
        &url,
        &["create-user", "--email", "a@example.com", "--role", "root"],
        "a long passphrase\n",
    );
    let short_password = verdict(
        &url,
        &[
            "create-user",
            "--email",
            "a@example.com",
            "--role",
            "viewer",
        ],
        "short\n",
    );
    let nobody = verdict(
        &url,
        &[
            "create-token",
            "--email",
            "nobody@example.com",
            "--name",
            "x",
        ],
        "",
    );

    for (output, expected) in [
        (bad_role, "Role must be one of"),
        (short_password, "at least 12 characters"),
        (nobody, "no active user has the email"),
    ] {
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
    }
}

#[test]
fn an_unsupported_database_url_is_a_clear_error() {
    let output = verdict(
        "mysql://somewhere/verdict",
        &["create-token", "--email", "a@example.com", "--name", "x"],
        "",
    );

    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unsupported database URL"));
}

#[test]
fn policy_check_passes_good_files_and_points_at_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &good,
        "policy: ok\ninputs:\n  n: { type: integer, required: true }\nrules:\n  - name: small\n    when: n < 5\n    outcome: allow\ntests:\n  - name: one\n    inputs: { n: 1 }\n    expect: allow\n",
    )
    .unwrap();
    std::fs::write(
        &bad,
        "policy: bad\nrules:\n  - name: r\n    when: n <\n    outcome: allow\n",
    )
    .unwrap();
    let run = |files: &[&std::path::Path]| {
        Command::new(env!("CARGO_BIN_EXE_verdict"))
            .arg("policy")
            .arg("check")
            .args(files)
            .output()
            .expect("run verdict policy check")
    };

    let passing = run(&[&good]);
    let failing = run(&[&good, &bad]);

    assert!(
        passing.status.success(),
        "{}",
        String::from_utf8_lossy(&passing.stdout)
    );
    assert!(String::from_utf8_lossy(&passing.stdout).contains("ok, 0 error(s), 1/1 test(s) passed"));
    assert!(!failing.status.success());
    let printed = String::from_utf8_lossy(&failing.stdout);
    assert!(
        printed.contains(&format!("{}:4:", bad.display())),
        "{printed}"
    );
}

#[test]
fn policies_and_agents_are_provisioned_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("verdict.db").display());
    let policy_file = dir.path().join("refund_limit.yaml");
    std::fs::write(
        &policy_file,
        include_str!("../../../app/src/policies/templates/refund_limit.yaml"),
    )
    .unwrap();
    let policy_path = policy_file.to_str().unwrap();

    let first = verdict(&url, &["policy", "publish", policy_path], "");
    let again = verdict(&url, &["policy", "publish", policy_path], "");
    let agent = verdict(
        &url,
        &["agent", "create", "cli-bot", "--owner-team", "ops"],
        "",
    );
    let bound = verdict(&url, &["agent", "bind", "cli-bot", "refund_limit@1"], "");
    let unknown_version = verdict(&url, &["agent", "bind", "cli-bot", "refund_limit@9"], "");

    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("published refund_limit v1"));
    assert!(String::from_utf8_lossy(&again.stdout).contains("unchanged refund_limit v1"));
    assert!(
        agent.status.success(),
        "{}",
        String::from_utf8_lossy(&agent.stderr)
    );
    let key = String::from_utf8_lossy(&agent.stdout).trim().to_owned();
    assert!(
        key.starts_with("vk_") && key.len() > 60,
        "the key alone is printed: {key}"
    );
    assert!(
        bound.status.success(),
        "{}",
        String::from_utf8_lossy(&bound.stderr)
    );
    assert!(String::from_utf8_lossy(&bound.stdout).contains("pinned at v1"));
    assert!(!unknown_version.status.success());
    assert!(String::from_utf8_lossy(&unknown_version.stderr).contains("no version 9"));
}

#[test]
fn policy_backtest_prints_the_matrix_and_fails_on_change_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("verdict.db").display());
    let seeded = verdict(&url, &["seed", "--decisions", "200", "--days", "10"], "");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let refund_policy = include_str!("../../../app/src/policies/templates/refund_limit.yaml");
    let same = dir.path().join("same.yaml");
    std::fs::write(&same, refund_policy).unwrap();
    let refuse_all = dir.path().join("refuse_all.yaml");
    std::fs::write(
        &refuse_all,
        refund_policy
            .replace("outcome: allow", "outcome: deny")
            .replace("outcome: requires_exception", "outcome: deny"),
    )
    .unwrap();

    let unchanged = verdict(
        &url,
        &[
            "policy",
            "backtest",
            same.to_str().unwrap(),
            "--fail-on-change",
        ],
        "",
    );
    let stricter = verdict(
        &url,
        &[
            "policy",
            "backtest",
            refuse_all.to_str().unwrap(),
            "--fail-on-change",
        ],
        "",
    );
    let bad_window = verdict(
        &url,
        &["policy", "backtest", same.to_str().unwrap(), "--days", "0"],
        "",
    );

    let unchanged_out = String::from_utf8_lossy(&unchanged.stdout).into_owned();
    assert!(
        unchanged.status.success(),
        "{unchanged_out} {}",
        String::from_utf8_lossy(&unchanged.stderr)
    );
    assert!(unchanged_out.contains(" 0 changed"), "{unchanged_out}");
    assert!(String::from_utf8_lossy(&unchanged.stderr).contains("took"));
    let stricter_out = String::from_utf8_lossy(&stricter.stdout).into_owned();
    assert!(!stricter.status.success(), "{stricter_out}");
    assert!(
        stricter_out.contains("changed: decision "),
        "{stricter_out}"
    );
    let allow_row = stricter_out
        .lines()
        .find(|line| line.starts_with("allow "))
        .expect("a matrix row for allow");
    let cells: Vec<&str> = allow_row.split_whitespace().collect();
    assert_eq!(
        cells[1..3],
        ["0", "0"],
        "nothing stays allowed: {allow_row}"
    );
    assert!(String::from_utf8_lossy(&stricter.stderr).contains("would change"));
    assert!(!bad_window.status.success());
    assert!(String::from_utf8_lossy(&bad_window.stderr).contains("1 to 3650 days"));
}
