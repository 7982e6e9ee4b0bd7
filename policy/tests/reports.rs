//! check, dry_run, run_tests, render_diagnostic and content_hash.

use serde_json::json;
use verdict_policy::{
    check, content_hash, dry_run, render_diagnostic, Code, Diagnostic, Outcome, Policy, Severity,
};

const POLICY: &str = r#"policy: refunds
inputs:
  amount: { type: number, required: true }
  unused: { type: string }
rules:
  - { name: small, when: "amount < 100", outcome: allow }
  - { name: large, when: "amount >= 100", outcome: requires_exception, approval_route: support-leads }
tests:
  - name: small refund
    inputs: { amount: 20 }
    expect: allow
    expect_rules: [small]
  - name: large refund
    inputs: { amount: 500 }
    expect: requires_exception
"#;

#[test]
fn run_tests_reports_each_case() {
    let policy = Policy::parse(POLICY).unwrap_or_else(|d| panic!("{d:#?}"));
    let results = policy.run_tests();
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.passed), "{results:#?}");
    assert_eq!(results[0].name, "small refund");
    assert_eq!(results[0].actual_rules.len(), 1);
    assert_eq!(results[1].actual, Outcome::RequiresException);
    assert_eq!(results[1].message, None);
}

#[test]
fn failing_tests_say_why() {
    let src = POLICY
        .replace("expect: requires_exception", "expect: deny")
        .replace("expect_rules: [small]", "expect_rules: [large]");
    let report = check(&src);
    assert!(!report.ok);
    let messages: Vec<String> = report
        .tests
        .iter()
        .map(|t| t.message.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        messages,
        [
            "expected rules [large] to match, matched [small]",
            "expected deny, got requires_exception (rule `large` matched)",
        ]
    );
}

#[test]
fn check_passes_with_warnings() {
    let report = check(POLICY);
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].code, Code::UnusedInput);
    assert_eq!(report.tests.len(), 2);
}

#[test]
fn check_reports_errors_without_tests() {
    let report = check("policy: p\nrules: 1\n");
    assert!(!report.ok);
    assert_eq!(report.diagnostics[0].severity, Severity::Error);
    assert!(report.tests.is_empty());
}

#[test]
fn dry_run_evaluates_a_draft() {
    let report = dry_run(POLICY, &json!({"amount": 150}));
    let evaluation = report.evaluation.expect("valid draft is evaluated");
    assert_eq!(evaluation.outcome, Outcome::RequiresException);
    assert_eq!(report.tests.len(), 2);
    assert_eq!(report.diagnostics.len(), 1);

    let broken = dry_run("policy: [", &json!({}));
    assert!(broken.evaluation.is_none());
    assert_eq!(broken.diagnostics[0].code, Code::YamlSyntax);
    let json = serde_json::to_value(&broken).unwrap_or_default();
    assert_eq!(json["evaluation"], serde_json::Value::Null);
}

#[test]
fn diagnostics_render_like_a_compiler() {
    let d = Diagnostic {
        severity: Severity::Warning,
        line: 3,
        column: 7,
        message: "something".to_string(),
        code: Code::UnusedInput,
    };
    assert_eq!(
        render_diagnostic("policies/p.yaml", &d),
        "policies/p.yaml:3:7: warning: something"
    );
}

#[test]
fn content_hash_ignores_line_endings() {
    assert_eq!(
        content_hash(POLICY),
        content_hash(&POLICY.replace('\n', "\r\n"))
    );
    assert_eq!(content_hash(POLICY).len(), 64);
}

#[test]
fn crlf_sources_parse_with_the_same_positions() {
    let src = "policy: p\r\nrules:\r\n  - { name: r, when: 'x > 1', outcome: allow }\r\n";
    let errors = Policy::parse(src).err().unwrap_or_default();
    assert_eq!((errors[0].line, errors[0].column), (3, 23));
}
