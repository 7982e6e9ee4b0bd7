//! Lint warnings: rules that can never decide, exceptions without a route,
//! unused inputs.

use verdict_policy::{Code, Policy, Severity};

fn lint(source: &str) -> Vec<(u32, u32, Code)> {
    let policy = Policy::parse(source).unwrap_or_else(|d| panic!("{d:#?}"));
    let warnings = policy.lint();
    assert!(warnings.iter().all(|w| w.severity == Severity::Warning));
    warnings
        .iter()
        .map(|w| (w.line, w.column, w.code))
        .collect()
}

#[test]
fn clean_policy_has_no_warnings() {
    let src = r#"
policy: p
inputs:
  x: { type: integer, required: true }
rules:
  - { name: a, when: "x > 1", outcome: requires_exception, approval_route: ops }
  - { name: b, when: "x > 2", outcome: deny }
"#;
    assert_eq!(lint(src), []);
}

#[test]
fn first_match_rule_after_an_always_true_rule() {
    let src = r#"
policy: p
combine: first_match
inputs:
  x: { type: integer }
rules:
  - { name: catch_all, when: "true", outcome: deny }
  - { name: never, when: "x > 1", outcome: allow }
"#;
    assert_eq!(lint(src), [(8, 5, Code::UnreachableRule)]);
}

#[test]
fn first_match_rule_with_an_earlier_identical_condition() {
    let src = r#"
policy: p
combine: first_match
inputs:
  x: { type: integer }
rules:
  - name: first
    when: "x > 1"
    outcome: deny
  - name: second
    when: "x  >  1"
    outcome: allow
"#;
    let policy = Policy::parse(src).unwrap_or_else(|d| panic!("{d:#?}"));
    let warnings = policy.lint();
    assert_eq!(warnings.len(), 1);
    assert_eq!((warnings[0].line, warnings[0].column), (10, 5));
    assert!(
        warnings[0].message.contains("`first`"),
        "{}",
        warnings[0].message
    );
}

#[test]
fn strictest_rule_with_the_same_condition_as_a_stricter_one() {
    let src = r#"
policy: p
inputs:
  x: { type: integer }
rules:
  - { name: lenient, when: "x > 1", outcome: allow }
  - { name: strict, when: "x > 1", outcome: deny }
"#;
    // The lenient one never decides, though it comes first.
    assert_eq!(lint(src), [(6, 5, Code::UnreachableRule)]);
    // Same outcome: the later one never decides.
    let same = src.replace("outcome: allow", "outcome: deny");
    assert_eq!(lint(&same), [(7, 5, Code::UnreachableRule)]);
    // Different conditions: fine.
    let different = src.replace("\"x > 1\", outcome: deny", "\"x > 2\", outcome: deny");
    assert_eq!(lint(&different), []);
}

#[test]
fn requires_exception_without_an_approval_route() {
    let src = "policy: p\nrules:\n  - name: r\n    when: 'true'\n    outcome: requires_exception\n";
    assert_eq!(lint(src), [(3, 5, Code::MissingApprovalRoute)]);
}

#[test]
fn declared_inputs_no_rule_uses() {
    let src = r#"
policy: p
inputs:
  used: { type: integer }
  in_rationale: { type: string }
  unused: { type: string }
rules:
  - { name: r, when: "used > 1", outcome: deny, rationale: "by {{in_rationale}}" }
"#;
    assert_eq!(lint(src), [(6, 3, Code::UnusedInput)]);
}
