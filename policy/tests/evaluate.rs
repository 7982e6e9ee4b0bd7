//! Evaluation: outcomes, combine modes, fail-closed cases, input binding,
//! templates and explanations.

use serde_json::{json, Value};
use verdict_policy::{ErrorKind, Evaluation, Outcome, Policy, RuleStatus};

fn policy(source: &str) -> Policy {
    Policy::parse(source).unwrap_or_else(|d| panic!("policy should parse: {d:#?}"))
}

fn eval(source: &str, inputs: Value) -> Evaluation {
    policy(source).evaluate(&inputs)
}

fn names(e: &Evaluation) -> Vec<&str> {
    e.matched_rules.iter().map(|r| r.as_str()).collect()
}

const DISCOUNT: &str = r#"
policy: discount_cap
description: Discounts above 10% need Finance approval
owner: finance
scope:
  intents: ["billing.discount.*"]
inputs:
  proposed_discount: { type: number, required: true }
  account_tier: { type: string, enum: [free, pro, enterprise] }
  open_sev1_count: { type: integer }
combine: strictest
default: deny
rules:
  - name: within_cap
    when: proposed_discount <= 0.10
    outcome: allow
    rationale: "discount {{proposed_discount}} is within the 10% cap"
  - name: over_cap
    when: proposed_discount > 0.10
    outcome: requires_exception
    approval_route: finance-approvals
    rationale: "discount {{proposed_discount}} exceeds the 10% cap"
  - name: open_incident
    when:
      all: ["account_tier == 'enterprise'", "open_sev1_count > 0"]
    outcome: deny
    rationale: "enterprise account has {{open_sev1_count}} open SEV-1 incidents"
"#;

#[test]
fn allow_from_a_matching_rule() {
    let e = eval(DISCOUNT, json!({"proposed_discount": 0.05}));
    assert_eq!(e.outcome, Outcome::Allow);
    assert_eq!(e.rationale, "discount 0.05 is within the 10% cap");
    assert_eq!(
        e.decided_by.as_ref().map(|r| r.as_str()),
        Some("within_cap")
    );
    assert_eq!(e.approval_route, None);
    assert_eq!(e.error, None);
}

#[test]
fn requires_exception_carries_the_approval_route() {
    let e = eval(
        DISCOUNT,
        json!({"proposed_discount": 0.25, "account_tier": "pro"}),
    );
    assert_eq!(e.outcome, Outcome::RequiresException);
    assert_eq!(e.approval_route.as_deref(), Some("finance-approvals"));
    assert_eq!(e.rationale, "discount 0.25 exceeds the 10% cap");
    assert_eq!(names(&e), ["over_cap"]);
}

#[test]
fn strictest_takes_the_strictest_matching_rule() {
    let e = eval(
        DISCOUNT,
        json!({"proposed_discount": 0.25, "account_tier": "enterprise", "open_sev1_count": 2}),
    );
    assert_eq!(e.outcome, Outcome::Deny);
    assert_eq!(names(&e), ["over_cap", "open_incident"]);
    assert_eq!(e.rationale, "enterprise account has 2 open SEV-1 incidents");
    assert_eq!(
        e.approval_route, None,
        "only requires_exception has a route"
    );
    let statuses: Vec<RuleStatus> = e.explanation.iter().map(|x| x.status).collect();
    assert_eq!(
        statuses,
        [
            RuleStatus::NotMatched,
            RuleStatus::Matched,
            RuleStatus::Matched
        ]
    );
}

#[test]
fn among_equally_strict_matches_the_first_decides() {
    let src = r#"
policy: p
inputs: { x: { type: integer, required: true } }
rules:
  - { name: a, when: "x > 1", outcome: requires_exception, approval_route: first }
  - { name: b, when: "x > 2", outcome: requires_exception, approval_route: second }
"#;
    let e = eval(src, json!({"x": 5}));
    assert_eq!(e.approval_route.as_deref(), Some("first"));
    assert_eq!(names(&e), ["a", "b"]);
}

#[test]
fn default_applies_when_nothing_matches() {
    let src = "policy: p\ninputs: { x: { type: integer } }\nrules:\n  - { name: r, when: 'x == 1', outcome: allow }\n";
    let e = eval(src, json!({"x": 2}));
    assert_eq!(e.outcome, Outcome::Deny, "default is deny when absent");
    assert_eq!(e.rationale, "no rule matched; default deny");
    assert_eq!(e.decided_by, None);
    assert!(e.matched_rules.is_empty());

    let allow = src.replace("rules:", "default: allow\nrules:");
    assert_eq!(eval(&allow, json!({"x": 2})).outcome, Outcome::Allow);
    let exception = src.replace("rules:", "default: requires_exception\nrules:");
    let e = eval(&exception, json!({"x": 2}));
    assert_eq!(e.outcome, Outcome::RequiresException);
    assert_eq!(e.rationale, "no rule matched; default requires_exception");
}

#[test]
fn first_match_decides_in_document_order_and_skips_the_rest() {
    let src = r#"
policy: p
combine: first_match
inputs: { amount: { type: number, required: true } }
rules:
  - { name: small, when: "amount < 100", outcome: allow }
  - { name: medium, when: "amount < 1000", outcome: requires_exception, approval_route: managers }
  - { name: large, when: "true", outcome: deny }
"#;
    let e = eval(src, json!({"amount": 50}));
    assert_eq!(e.outcome, Outcome::Allow);
    assert_eq!(names(&e), ["small"]);
    assert_eq!(e.explanation[1].status, RuleStatus::Skipped);
    assert_eq!(
        e.explanation[2].detail.as_deref(),
        Some("not evaluated: rule `small` decided first")
    );

    let e = eval(src, json!({"amount": 500}));
    assert_eq!(e.outcome, Outcome::RequiresException);
    assert_eq!(e.explanation[0].status, RuleStatus::NotMatched);
    assert_eq!(e.approval_route.as_deref(), Some("managers"));

    let e = eval(src, json!({"amount": 5000}));
    assert_eq!(e.outcome, Outcome::Deny);
    assert_eq!(names(&e), ["large"]);
}

#[test]
fn first_match_may_pick_a_less_strict_rule() {
    let src = r#"
policy: p
combine: first_match
inputs: { x: { type: integer, required: true } }
rules:
  - { name: permissive, when: "x > 0", outcome: allow }
  - { name: strict, when: "x > 0", outcome: deny }
"#;
    assert_eq!(eval(src, json!({"x": 1})).outcome, Outcome::Allow);
}

#[test]
fn missing_required_input_fails_closed() {
    let e = eval(DISCOUNT, json!({"account_tier": "pro"}));
    assert_eq!(e.outcome, Outcome::Deny);
    let error = e.error.expect("error is flagged");
    assert_eq!(error.kind, ErrorKind::MissingInput);
    assert_eq!(error.subject, "proposed_discount");
    assert!(e.rationale.contains("proposed_discount"), "{}", e.rationale);
    assert!(e
        .explanation
        .iter()
        .all(|x| x.status == RuleStatus::Skipped));
    // null counts as missing
    let e = eval(DISCOUNT, json!({"proposed_discount": null}));
    assert_eq!(e.error.map(|e| e.kind), Some(ErrorKind::MissingInput));
}

#[test]
fn wrong_input_types_fail_closed() {
    let cases = [
        json!({"proposed_discount": "0.05"}),
        json!({"proposed_discount": 0.05, "account_tier": 3}),
        json!({"proposed_discount": 0.05, "open_sev1_count": 1.5}),
        json!({"proposed_discount": 0.05, "open_sev1_count": "1"}),
        json!({"proposed_discount": [0.05]}),
    ];
    for inputs in cases {
        let e = eval(DISCOUNT, inputs.clone());
        assert_eq!(e.outcome, Outcome::Deny, "{inputs}");
        let error = e.error.expect("error is flagged");
        assert_eq!(error.kind, ErrorKind::InvalidInput, "{inputs}");
        assert!(e.rationale.contains(&error.subject), "{}", e.rationale);
    }
}

#[test]
fn input_outside_its_enum_fails_closed() {
    let e = eval(
        DISCOUNT,
        json!({"proposed_discount": 0.05, "account_tier": "gold"}),
    );
    assert_eq!(e.outcome, Outcome::Deny);
    let error = e.error.expect("error is flagged");
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert_eq!(error.subject, "account_tier");
    assert!(error.message.contains("gold"), "{}", error.message);

    let src = "policy: p\ninputs:\n  level: { type: integer, enum: [1, 2, 3] }\nrules:\n  - { name: r, when: 'level == 2', outcome: allow }\n";
    assert_eq!(eval(src, json!({"level": 2})).outcome, Outcome::Allow);
    assert_eq!(eval(src, json!({"level": 2.0})).outcome, Outcome::Allow);
    assert!(eval(src, json!({"level": 4})).error.is_some());
}

#[test]
fn non_object_inputs_fail_closed() {
    let e = policy(DISCOUNT).evaluate(&json!([1, 2]));
    assert_eq!(e.outcome, Outcome::Deny);
    assert_eq!(e.error.map(|e| e.kind), Some(ErrorKind::InvalidInputs));
}

#[test]
fn a_rule_failing_at_run_time_fails_closed_but_others_are_explained() {
    let src = r#"
policy: p
default: allow
inputs:
  customer: { type: object, required: true }
  amount: { type: number, required: true }
rules:
  - { name: fine, when: "amount > 100", outcome: requires_exception, approval_route: x }
  - { name: broken, when: "customer.tier == 'gold'", outcome: allow }
  - { name: later, when: "amount > 1", outcome: allow }
"#;
    let e = eval(src, json!({"customer": {}, "amount": 500}));
    assert_eq!(e.outcome, Outcome::Deny);
    assert_eq!(e.decided_by.as_ref().map(|r| r.as_str()), Some("broken"));
    let error = e.error.clone().expect("error is flagged");
    assert_eq!(error.kind, ErrorKind::RuleError);
    assert_eq!(error.subject, "broken");
    assert!(e.rationale.contains("broken"), "{}", e.rationale);
    assert_eq!(e.explanation[1].status, RuleStatus::Error);
    let detail = e.explanation[1].detail.clone().unwrap_or_default();
    assert!(detail.contains("customer.tier == 'gold'"), "{detail}");
    assert!(detail.contains("tier"), "{detail}");
    assert_eq!(e.explanation[2].status, RuleStatus::Matched);
    assert_eq!(names(&e), ["fine", "later"]);

    let first = src.replace("default: allow", "default: allow\ncombine: first_match");
    let e = eval(&first, json!({"customer": {}, "amount": 5}));
    assert_eq!(e.outcome, Outcome::Deny);
    assert_eq!(e.explanation[2].status, RuleStatus::Skipped);
}

#[test]
fn a_non_boolean_condition_is_a_run_time_error() {
    let src = "policy: p\ninputs: { x: { type: integer } }\nrules:\n  - { name: r, when: 'x + 1', outcome: allow }\n";
    let e = eval(src, json!({"x": 1}));
    assert_eq!(e.outcome, Outcome::Deny);
    let detail = e.explanation[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("not a bool"), "{detail}");
}

#[test]
fn absent_optional_inputs_are_null() {
    // `account_tier == 'enterprise'` is false for null, which decides the
    // `all` even though `open_sev1_count > 0` would fail.
    let e = eval(DISCOUNT, json!({"proposed_discount": 0.05}));
    assert_eq!(e.outcome, Outcome::Allow);
    assert_eq!(e.explanation[2].status, RuleStatus::NotMatched);

    // Used bare, a missing optional input makes the rule fail (closed) ...
    let src = "policy: p\ninputs: { n: { type: integer } }\ndefault: allow\nrules:\n  - { name: r, when: 'n > 0', outcome: deny }\n";
    let e = eval(src, json!({}));
    assert_eq!(e.outcome, Outcome::Deny);
    assert!(e.error.is_some());
    // ... unless guarded.
    let guarded = src.replace("'n > 0'", "'n != null && n > 0'");
    let e = eval(&guarded, json!({}));
    assert_eq!((e.outcome, e.error), (Outcome::Allow, None));
}

#[test]
fn extra_inputs_are_ignored() {
    let e = eval(
        DISCOUNT,
        json!({"proposed_discount": 0.05, "surprise": {"a": [1]}}),
    );
    assert_eq!(e.outcome, Outcome::Allow);
    assert_eq!(e.error, None);
}

#[test]
fn integers_compare_exactly_beyond_2_pow_53() {
    let src = r#"
policy: p
inputs:
  a: { type: integer, required: true }
  b: { type: integer, required: true }
rules:
  - { name: greater, when: "a > b", outcome: deny }
  - { name: literal, when: "a == 9007199254740993", outcome: deny }
"#;
    let e = eval(
        src,
        json!({"a": 9_007_199_254_740_993u64, "b": 9_007_199_254_740_992u64}),
    );
    assert_eq!(names(&e), ["greater", "literal"]);
    let e = eval(
        src,
        json!({"a": 9_007_199_254_740_992u64, "b": 9_007_199_254_740_992u64}),
    );
    assert!(e.matched_rules.is_empty(), "{:?}", e.matched_rules);

    // Above i64::MAX an integer binds as uint, still exact.
    let e = eval(src, json!({"a": u64::MAX, "b": i64::MAX}));
    assert_eq!(names(&e), ["greater"]);
    let e = eval(src, json!({"a": -5, "b": u64::MAX}));
    assert!(e.matched_rules.is_empty());
}

#[test]
fn integers_and_numbers_mix_with_either_kind_of_literal() {
    let src = r#"
policy: p
inputs:
  count: { type: integer, required: true }
  ratio: { type: number, required: true }
rules:
  - { name: count_vs_double, when: "count > 0.10", outcome: deny }
  - { name: ratio_vs_int, when: "ratio == 1", outcome: deny }
  - { name: mixed_inputs, when: "count >= ratio", outcome: deny }
"#;
    let e = eval(src, json!({"count": 1, "ratio": 1}));
    assert_eq!(
        names(&e),
        ["count_vs_double", "ratio_vs_int", "mixed_inputs"]
    );
    let e = eval(src, json!({"count": 0, "ratio": 0.5}));
    assert!(e.matched_rules.is_empty());
    // An integral float is accepted for an integer input.
    let e = eval(src, json!({"count": 3.0, "ratio": 0.5}));
    assert_eq!(e.error, None);
}

#[test]
fn nested_object_fields_are_reached_with_dots() {
    let src = r#"
policy: p
inputs:
  customer: { type: object, required: true }
rules:
  - name: german_enterprise
    when: "customer.tier == 'enterprise' && customer.address.country == 'DE' && customer.seats >= 100"
    outcome: requires_exception
    approval_route: eu-sales
    rationale: "{{customer.address.country}} customer with {{customer.seats}} seats"
  - { name: vip, when: "has(customer.vip) && customer.vip", outcome: allow }
"#;
    let inputs =
        json!({"customer": {"tier": "enterprise", "seats": 250, "address": {"country": "DE"}}});
    let e = eval(src, inputs);
    assert_eq!(e.outcome, Outcome::RequiresException);
    assert_eq!(e.rationale, "DE customer with 250 seats");
    assert_eq!(
        e.explanation[1].status,
        RuleStatus::NotMatched,
        "has() guards"
    );
}

#[test]
fn list_inputs_support_in_and_macros() {
    let src = r#"
policy: p
inputs:
  tags: { type: list, required: true }
rules:
  - { name: has_x, when: "'x' in tags", outcome: deny }
  - { name: prefixed, when: "tags.exists(t, t.startsWith('pre'))", outcome: deny }
  - { name: many, when: "size(tags) > 2", outcome: deny }
  - { name: all_short, when: "tags.all(t, size(t) < 10)", outcome: deny }
"#;
    let e = eval(src, json!({"tags": ["x", "prefix", "z"]}));
    assert_eq!(names(&e), ["has_x", "prefixed", "many", "all_short"]);
    let e = eval(src, json!({"tags": ["a-very-long-tag"]}));
    assert!(e.matched_rules.is_empty());
}

#[test]
fn any_all_and_not_nest() {
    let src = r#"
policy: p
inputs:
  a: { type: integer, required: true }
  b: { type: string, required: true }
rules:
  - name: r
    when:
      any:
        - all: ["a > 10", "b == 'x'"]
        - not: "a > 0"
    outcome: deny
"#;
    let p = policy(src);
    assert_eq!(
        p.rules()[0].condition(),
        "any(all(a > 10, b == 'x'), not(a > 0))"
    );
    let matched = |inputs: Value| !p.evaluate(&inputs).matched_rules.is_empty();
    assert!(matched(json!({"a": 11, "b": "x"})));
    assert!(!matched(json!({"a": 11, "b": "y"})));
    assert!(matched(json!({"a": -1, "b": "y"})));
    assert!(!matched(json!({"a": 5, "b": "x"})));
}

#[test]
fn rationale_templates_render_values_deterministically() {
    let src = r#"
policy: p
inputs:
  s: { type: string }
  n: { type: number }
  l: { type: list }
  o: { type: object }
  b: { type: boolean }
rules:
  - name: r
    when: "true"
    outcome: allow
    rationale: "s={{s}} n={{ n }} l={{l}} o={{o}} b={{b}} deep={{o.k}} gone={{o.nope}}"
"#;
    let e = eval(
        src,
        json!({"s": "hi", "n": 1.5, "l": [1, "two"], "o": {"k": "v", "a": 1}, "b": true}),
    );
    assert_eq!(
        e.rationale,
        r#"s=hi n=1.5 l=[1,"two"] o={"a":1,"k":"v"} b=true deep=v gone=(missing)"#
    );
    let e = eval(src, json!({}));
    assert!(
        e.rationale.starts_with("s=(missing) n=(missing)"),
        "{}",
        e.rationale
    );
}

#[test]
fn rationale_defaults_to_naming_the_rule() {
    let src = "policy: p\nrules:\n  - { name: r, when: 'true', outcome: allow }\n";
    assert_eq!(eval(src, json!({})).rationale, "rule `r` matched");
}

#[test]
fn explanation_lists_every_rule_with_its_condition() {
    let e = eval(DISCOUNT, json!({"proposed_discount": 0.05}));
    let conditions: Vec<&str> = e.explanation.iter().map(|x| &*x.condition).collect();
    assert_eq!(
        conditions,
        [
            "proposed_discount <= 0.10",
            "proposed_discount > 0.10",
            "all(account_tier == 'enterprise', open_sev1_count > 0)"
        ]
    );
    assert_eq!(e.explanation[1].outcome, Outcome::RequiresException);
}

#[test]
fn evaluation_is_deterministic_and_round_trips() {
    let p = policy(DISCOUNT);
    let inputs =
        json!({"proposed_discount": 0.25, "account_tier": "enterprise", "open_sev1_count": 1});
    let first = serde_json::to_string(&p.evaluate(&inputs)).unwrap();
    let second = serde_json::to_string(&p.evaluate(&inputs)).unwrap();
    assert_eq!(first, second);
    let back: Evaluation = serde_json::from_str(&first).unwrap();
    assert_eq!(back, p.evaluate(&inputs));
    assert!(first.contains("\"outcome\":\"deny\""), "{first}");
    assert!(first.contains("\"status\":\"not_matched\""), "{first}");
}

#[test]
fn scope_globs_select_intents() {
    let p = policy(DISCOUNT);
    assert!(p.applies_to_intent("billing.discount.apply"));
    assert!(!p.applies_to_intent("billing.refund"));
    let unscoped = policy("policy: p\nrules:\n  - { name: r, when: 'true', outcome: allow }\n");
    assert!(unscoped.applies_to_intent("anything.at.all"));
}

#[test]
fn accessors_expose_the_policy() {
    let p = policy(DISCOUNT);
    assert_eq!(p.id().as_str(), "discount_cap");
    assert_eq!(p.owner(), Some("finance"));
    assert_eq!(
        p.description(),
        Some("Discounts above 10% need Finance approval")
    );
    assert_eq!(p.intents(), Some(&["billing.discount.*".to_string()][..]));
    assert_eq!(p.combine(), verdict_policy::Combine::Strictest);
    assert_eq!(p.default_outcome(), Outcome::Deny);
    let inputs: Vec<(&str, bool)> = p
        .inputs()
        .iter()
        .map(|i| (i.name(), i.required()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("proposed_discount", true),
            ("account_tier", false),
            ("open_sev1_count", false)
        ]
    );
    assert_eq!(
        p.inputs()[1].allowed_values(),
        Some(&[json!("free"), json!("pro"), json!("enterprise")][..])
    );
    assert_eq!(
        p.inputs()[2].input_type(),
        verdict_policy::InputType::Integer
    );
    let rule = &p.rules()[1];
    assert_eq!(rule.name().as_str(), "over_cap");
    assert_eq!(rule.outcome(), Outcome::RequiresException);
    assert_eq!(rule.approval_route(), Some("finance-approvals"));
    assert_eq!(
        rule.rationale(),
        Some("discount {{proposed_discount}} exceeds the 10% cap")
    );
    assert_eq!(p.content_hash(), verdict_policy::content_hash(DISCOUNT));
}
