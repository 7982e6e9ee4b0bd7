//! A catalogue of expensive policies and inputs: each is refused when it is
//! validated, with a message saying which bound to declare, or it is admitted
//! and evaluates within its budget on inputs at its declared bounds, while
//! inputs beyond them are refused before any rule runs.

use serde_json::{json, Value};
use verdict_policy::{
    Code, Diagnostic, ErrorKind, Evaluation, Outcome, Policy, Severity, DEFAULT_MAX_ITEMS,
    MAX_RULE_COST,
};

/// A policy with these inputs and one rule `r` denying when `when` holds.
fn policy(inputs: &str, when: &str) -> String {
    format!(
        "policy: costly\ninputs:\n{inputs}\ndefault: allow\nrules:\n  - name: r\n    when: {}\n    outcome: deny\n",
        json!(when)
    )
}

fn refused(source: &str) -> Vec<Diagnostic> {
    match Policy::parse(source) {
        Ok(p) => panic!(
            "expected a refusal, admitted at cost {}:\n{source}",
            p.rules()[0].worst_case_cost()
        ),
        Err(diagnostics) => diagnostics,
    }
}

fn admitted(source: &str) -> Policy {
    Policy::parse(source).unwrap_or_else(|d| panic!("{d:#?}\n{source}"))
}

/// Evaluates and checks the evaluation finished without running out of its
/// budget or failing.
fn within_budget(policy: &Policy, inputs: &Value) -> Evaluation {
    let evaluation = policy.evaluate(inputs);
    assert_eq!(evaluation.error, None, "{evaluation:#?}");
    evaluation
}

fn numbers(n: usize) -> Value {
    Value::from((0..n as i64).collect::<Vec<_>>())
}

fn strings(n: usize, length: usize) -> Value {
    Value::from(vec!["x".repeat(length); n])
}

const ISSUE_RULE: &str = "l.all(x, l.all(y, l.all(z, x + y + z > -1)))";

#[test]
fn the_issue_example_is_refused_naming_the_bound_to_declare() {
    let diagnostics = refused(&policy("  l: { type: list }", ISSUE_RULE));
    let first = &diagnostics[0];
    assert_eq!(first.severity, Severity::Error);
    assert_eq!(first.code, Code::UnboundedInput);
    assert!(first.message.contains("`l`"), "{}", first.message);
    assert!(first.message.contains("max_items"), "{}", first.message);
    // Reported inside the expression: line 7, where `when:` is.
    assert_eq!(first.line, 7);
    assert!(first.column > 10, "{first:?}");
}

#[test]
fn the_issue_example_with_a_large_bound_is_refused_over_the_limit() {
    let diagnostics = refused(&policy("  l: { type: list, max_items: 300 }", ISSUE_RULE));
    assert_eq!(diagnostics[0].code, Code::CostLimit);
    let message = &diagnostics[0].message;
    assert!(message.contains(&MAX_RULE_COST.to_string()), "{message}");
    assert!(message.contains("`l` (max_items 300"), "{message}");
}

#[test]
fn the_issue_example_with_a_small_bound_runs_and_larger_lists_are_refused() {
    // Lists of numbers: short strings at most, which also bounds `x + y`.
    let inputs = "  l: { type: list, max_items: 12, max_length: 8 }";
    let policy = admitted(&policy(inputs, ISSUE_RULE));
    assert!(policy.rules()[0].worst_case_cost() <= MAX_RULE_COST);
    let at_bound = json!({ "l": numbers(12) });
    assert_eq!(within_budget(&policy, &at_bound).outcome, Outcome::Deny);

    let over = json!({ "l": numbers(13) });
    let refusal = policy.oversized_input(over.as_object().unwrap_or(&Default::default()));
    let refusal = refusal.unwrap_or_else(|| panic!("13 items passed a bound of 12"));
    assert_eq!(refusal.kind, ErrorKind::InputTooLarge);
    assert_eq!(refusal.subject, "l");
    let evaluation = policy.evaluate(&over);
    assert_eq!(evaluation.outcome, Outcome::Deny);
    assert_eq!(
        evaluation.error.map(|e| e.kind),
        Some(ErrorKind::InputTooLarge)
    );
    assert!(
        evaluation.rationale.contains("max_items"),
        "{}",
        evaluation.rationale
    );
}

#[test]
fn undeclared_bounds_fall_back_to_the_documented_defaults() {
    let policy = admitted(&policy("  l: { type: list }", "l.exists(x, x == 7)"));
    let at_default = json!({ "l": numbers(DEFAULT_MAX_ITEMS as usize) });
    assert_eq!(within_budget(&policy, &at_default).outcome, Outcome::Deny);
    let over = json!({ "l": numbers(DEFAULT_MAX_ITEMS as usize + 1) });
    let evaluation = policy.evaluate(&over);
    assert_eq!(
        evaluation.error.map(|e| e.kind),
        Some(ErrorKind::InputTooLarge)
    );
}

#[test]
fn items_are_counted_at_every_depth_and_strings_everywhere() {
    let policy = admitted(&policy(
        "  o: { type: object, max_items: 5, max_length: 8 }",
        "o.exists(k, k == 'a')",
    ));
    let nested = json!({ "o": { "a": [1, 2], "b": { "c": 1 } } });
    assert_eq!(within_budget(&policy, &nested).outcome, Outcome::Deny);
    let deep = json!({ "o": { "a": [1, 2, [3, 4]] } });
    let kind = policy.evaluate(&deep).error.map(|e| e.kind);
    assert_eq!(kind, Some(ErrorKind::InputTooLarge));
    let long_value = json!({ "o": { "a": "123456789" } });
    let message = policy.evaluate(&long_value).error.map(|e| e.message);
    assert!(message.is_some_and(|m| m.contains("max_length")));
    let long_key = json!({ "o": { "123456789": 1 } });
    assert!(policy
        .oversized_input(long_key.as_object().unwrap_or(&Default::default()))
        .is_some());
}

#[test]
fn exists_map_filter_chains_at_their_bounds_run_within_budget() {
    let source = policy(
        "  l: { type: list, max_items: 1000 }",
        "l.map(x, x * 2).filter(y, y % 3 == 0).map(z, z + 1).exists(w, w == 1999)",
    );
    let policy = admitted(&source);
    // 999 * 2 = 1998 is a multiple of 3, and 1998 + 1 = 1999.
    let evaluation = within_budget(&policy, &json!({ "l": numbers(1000) }));
    assert_eq!(evaluation.outcome, Outcome::Deny);
    let evaluation = within_budget(&policy, &json!({ "l": [1] }));
    assert_eq!(evaluation.outcome, Outcome::Allow);
}

#[test]
fn string_concatenation_in_loops_is_charged_by_length() {
    let inputs = "  l: { type: list, max_items: 100 }\n  s: { type: string, max_length: 1000 }";
    let when = "l.map(x, s + s + s).exists(y, size(y) > 2999)";
    let policy = admitted(&policy(inputs, when));
    let at_bounds = json!({ "l": numbers(100), "s": "y".repeat(1000) });
    assert_eq!(within_budget(&policy, &at_bounds).outcome, Outcome::Deny);
    // The same over a list of 1000 million-character strings is too costly.
    let inputs = "  l: { type: list, max_items: 1000 }\n  s: { type: string, max_length: 1000000 }";
    assert_eq!(
        refused(&self::policy(inputs, when))[0].code,
        Code::CostLimit
    );
}

#[test]
fn string_doubling_through_bound_variables_is_refused() {
    // `optMap` binds `d` to `s + s`, then doubles it again: each copy is
    // charged by the length bound it copies.
    let when = "optional.of(s + s).optMap(d, d + d != '').orValue(false)";
    let long = "  s: { type: string, max_length: 30000000 }";
    let diagnostics = refused(&policy(long, when));
    assert_eq!(diagnostics[0].code, Code::CostLimit, "{diagnostics:#?}");
    assert!(diagnostics[0].message.contains("max_length 30000000"));
    // The same on a short string is cheap and runs.
    let policy = admitted(&policy("  s: { type: string, max_length: 10 }", when));
    let evaluation = within_budget(&policy, &json!({ "s": "0123456789" }));
    assert_eq!(evaluation.outcome, Outcome::Deny);
}

#[test]
fn huge_lists_at_their_declared_bound_run_within_budget() {
    let inputs = "  l: { type: list, max_items: 5000, max_length: 16 }";
    let policy = admitted(&policy(
        inputs,
        "'needle' in l || l.exists(x, x.startsWith('n'))",
    ));
    let evaluation = within_budget(&policy, &json!({ "l": strings(5000, 16) }));
    assert_eq!(evaluation.outcome, Outcome::Allow);
    let inputs = "  l: { type: list, max_items: 1000000 }";
    assert_eq!(refused(&policy_with(inputs))[0].code, Code::CostLimit);
}

fn policy_with(inputs: &str) -> String {
    policy(inputs, "l.exists(x, x.startsWith('n'))")
}

#[test]
fn deeply_nested_comprehensions_over_literals_are_refused() {
    let mut when = String::from("true");
    for level in 0..6 {
        when = format!("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].all(v{level}, {when})");
    }
    assert_eq!(
        refused(&policy("  n: { type: integer }", &when))[0].code,
        Code::CostLimit
    );
}

#[test]
fn deep_expressions_are_refused_or_run() {
    // The interpreter recurses per level: too deep would overflow the stack.
    for too_deep in [
        format!("{}n{} > 0", "(".repeat(200), ")".repeat(200)),
        format!("size({}1{}) > 0", "[".repeat(40), "]".repeat(40)),
        format!("{} > 0", vec!["n"; 500].join(" + ")),
    ] {
        let diagnostics = refused(&policy("  n: { type: integer }", &too_deep));
        assert_eq!(diagnostics[0].code, Code::InvalidExpression);
    }
    let deepest_sum = format!("{} > 0", vec!["n"; 31].join(" + "));
    let policy = admitted(&policy("  n: { type: integer }", &deepest_sum));
    assert_eq!(
        within_budget(&policy, &json!({ "n": 1 })).outcome,
        Outcome::Deny
    );
    // The deepest nest of comprehensions admitted runs too.
    let mut when = String::from("v0 > 0");
    let mut deepest = None;
    for level in 0..16 {
        when = format!("[1].all(v{level}, {when})");
        if let Ok(admitted) = Policy::parse(&self::policy("  n: { type: integer }", &when)) {
            deepest = Some(admitted);
        }
    }
    let deepest = deepest.unwrap_or_else(|| panic!("no nest admitted"));
    assert_eq!(within_budget(&deepest, &json!({})).outcome, Outcome::Deny);
}

#[test]
fn nested_comprehensions_over_an_element_need_the_bound_of_its_list() {
    let diagnostics = refused(&policy("  l: { type: list }", "l.all(x, x.all(y, y > 0))"));
    assert_eq!(diagnostics[0].code, Code::UnboundedInput);
    let inputs = "  l: { type: list, max_items: 20 }";
    let policy = admitted(&policy(inputs, "l.all(x, x.all(y, y > 0))"));
    let evaluation = within_budget(&policy, &json!({ "l": [[1, 2], [3], [4, 5, 6]] }));
    assert_eq!(evaluation.outcome, Outcome::Deny);
}

#[test]
fn rules_together_are_bounded_per_policy() {
    let mut source =
        String::from("policy: many\ninputs:\n  l: { type: list, max_items: 1000 }\nrules:\n");
    // Each rule alone is admitted; sixty of them together are not.
    for n in 0..60 {
        source.push_str(&format!(
            "  - {{ name: r{n}, when: \"l.exists(x, x == {n})\", outcome: deny }}\n"
        ));
    }
    let diagnostics = refused(&source);
    let policy_wide = diagnostics.iter().find(|d| d.message.contains("together"));
    assert!(policy_wide.is_some(), "{diagnostics:#?}");
    assert_eq!(
        policy_wide.map(|d| (d.code, d.line)),
        Some((Code::CostLimit, 5))
    );
}

#[test]
fn lint_warns_near_the_limit_and_bounds_are_validated() {
    let near = admitted(&policy(
        "  l: { type: list, max_items: 1000 }",
        "l.map(x, x * 2).filter(y, y % 3 == 0).map(z, z + 1).exists(w, w == 1999)",
    ));
    let cost = near.rules()[0].worst_case_cost();
    assert!(cost > MAX_RULE_COST / 2 && cost <= MAX_RULE_COST, "{cost}");
    let codes: Vec<Code> = near.lint().iter().map(|d| d.code).collect();
    assert!(codes.contains(&Code::NearCostLimit), "{codes:?}");

    for bad in [
        "  l: { type: list, max_items: 0 }",
        "  l: { type: list, max_items: many }",
        "  l: { type: number, max_items: 3 }",
        "  l: { type: boolean, max_length: 3 }",
    ] {
        let diagnostics = refused(&policy(bad, "true"));
        assert_eq!(diagnostics[0].code, Code::InvalidBound, "{bad}");
        assert_eq!(
            (diagnostics[0].line, diagnostics[0].severity),
            (3, Severity::Error)
        );
    }
}
