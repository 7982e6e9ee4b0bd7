//! Property tests: evaluation is deterministic, total and self-consistent on
//! arbitrary inputs; parsing never panics on arbitrary text.

use proptest::prelude::*;
use serde_json::{Map, Value};
use verdict_policy::{check, Combine, Outcome, Policy, RuleStatus};

const STRICTEST: &str = r#"
policy: properties
inputs:
  amount: { type: number, required: true }
  count: { type: integer }
  tier: { type: string, enum: [free, pro, enterprise] }
  tags: { type: list }
  customer: { type: object }
  flag: { type: boolean }
default: allow
rules:
  - { name: big, when: "amount > 1000", outcome: requires_exception, approval_route: finance }
  - { name: count_cmp, when: "count > 3", outcome: deny }
  - { name: tier_eq, when: "tier == 'enterprise'", outcome: requires_exception }
  - { name: tag_in, when: "'vip' in tags", outcome: allow }
  - { name: nested, when: "customer.region == 'eu'", outcome: deny }
  - name: mixed
    when:
      any:
        - all: ["flag == true", "amount < 0"]
        - not: "size(tags) < 3"
    outcome: requires_exception
    approval_route: ops
    rationale: "{{amount}} {{customer.region}} {{tags}}"
  - { name: always, when: "true", outcome: allow }
"#;

fn policies() -> Vec<Policy> {
    let first = STRICTEST.replace("default: allow", "default: deny\ncombine: first_match");
    [STRICTEST.to_string(), first]
        .iter()
        .map(|s| Policy::parse(s).unwrap_or_else(|d| panic!("{d:#?}")))
        .collect()
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop_oneof![
            Just("eu".to_string()),
            Just("vip".to_string()),
            Just("enterprise".to_string()),
            "[a-z]{0,6}",
            any::<String>(),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("amount".to_string()),
        Just("count".to_string()),
        Just("tier".to_string()),
        Just("tags".to_string()),
        Just("customer".to_string()),
        Just("flag".to_string()),
        Just("region".to_string()),
        "[a-z]{1,8}",
    ]
}

fn inputs() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::collection::btree_map(key(), json_value(), 0..8)
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        json_value(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn evaluation_is_deterministic_total_and_consistent(inputs in inputs()) {
        for policy in policies() {
            let evaluation = policy.evaluate(&inputs);
            let first = serde_json::to_string(&evaluation).unwrap_or_default();
            let second = serde_json::to_string(&policy.evaluate(&inputs)).unwrap_or_default();
            prop_assert_eq!(&first, &second);

            prop_assert_eq!(evaluation.explanation.len(), policy.rules().len());
            let matched: Vec<_> = evaluation
                .explanation
                .iter()
                .filter(|e| e.status == RuleStatus::Matched)
                .map(|e| e.rule.clone())
                .collect();
            prop_assert_eq!(&matched, &evaluation.matched_rules);
            let outcome_of = |name: &verdict_policy::RuleName| {
                policy.rules().iter().find(|r| r.name() == name).map(|r| r.outcome())
            };
            let expected = if evaluation.error.is_some() {
                Outcome::Deny
            } else if matched.is_empty() {
                policy.default_outcome()
            } else {
                match policy.combine() {
                    Combine::Strictest => matched
                        .iter()
                        .filter_map(outcome_of)
                        .fold(Outcome::Allow, Outcome::strictest),
                    Combine::FirstMatch => {
                        prop_assert_eq!(matched.len(), 1);
                        outcome_of(&matched[0]).unwrap_or(Outcome::Deny)
                    }
                }
            };
            prop_assert_eq!(evaluation.outcome, expected);
            let has_errored_rule = evaluation.explanation.iter().any(|e| e.status == RuleStatus::Error);
            prop_assert_eq!(has_errored_rule, evaluation.error.as_ref().is_some_and(|e| e.kind == verdict_policy::ErrorKind::RuleError));
            if evaluation.approval_route.is_some() {
                prop_assert_eq!(evaluation.outcome, Outcome::RequiresException);
            }
        }
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(source in any::<String>()) {
        let _ = check(&source);
    }

    #[test]
    fn parsing_yaml_like_text_never_panics(source in "[a-z_:{}\\[\\]'\" \n\t\\-#&*!|>.,0-9=<()]{0,300}") {
        let _ = check(&source);
    }

    #[test]
    fn mutated_policies_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop_oneof![
            Just(""), Just(" "), Just("\n"), Just(":"), Just("'"), Just("\""), Just("{{"),
            Just("-"), Just("["), Just("}"), Just("&&"), Just(">"), Just("\t"), Just("é"),
        ]), 1..6),
        inputs in inputs(),
    ) {
        let mut source: Vec<char> = STRICTEST.chars().collect();
        for (at, insert) in edits {
            let i = at.index(source.len());
            if insert.is_empty() {
                source.remove(i);
            } else {
                source.splice(i..i, insert.chars());
            }
        }
        let source: String = source.into_iter().collect();
        let report = check(&source);
        if let Ok(policy) = Policy::parse(&source) {
            let _ = policy.evaluate(&inputs);
            prop_assert!(report.diagnostics.iter().all(|d| d.line >= 1 && d.column >= 1));
        }
    }
}
