//! Differential tests: wherever the fast path decides, CEL decides the same.

use std::cell::OnceCell;

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use crate::bind::{check, Scope};
use crate::condition::Condition;
use crate::expr::Expr;
use crate::fast::{self, FVal};
use crate::model::Policy;

const EXPRESSIONS: &[&str] = &[
    "a > 1",
    "a == 1",
    "a <= 0.5",
    "a != null",
    "i >= 9007199254740992",
    "i == 9007199254740993",
    "i == a",
    "i < 0.5",
    "i > 5u",
    "i != 3",
    "s == 'x'",
    "s < 'm'",
    "s in ['x', 'y', 1, null]",
    "s == null && a > 1",
    "a > 1 || s == 'x'",
    "!(a > 1) && !b",
    "b",
    "!b",
    "b == true",
    "'x' in l",
    "1 in l",
    "null in l",
    "l == null",
    "o.k == 'v'",
    "o.n > 2",
    "o.n == o.m",
    "o.k < o.m",
    "o.k in ['a', 'b']",
    "o.k.z == 1",
    "null == o.k",
    "o.b",
    "o.n >= 2.5",
    "o.u > 18446744073709551614u",
    "o.n in l",
    "true",
    "false",
];

fn policy() -> Policy {
    let mut source = String::from(
        "policy: differential\ninputs:\n  a: { type: number }\n  i: { type: integer }\n  \
         s: { type: string }\n  b: { type: boolean }\n  l: { type: list }\n  \
         o: { type: object }\nrules:\n",
    );
    for (n, e) in EXPRESSIONS.iter().enumerate() {
        source.push_str(&format!(
            "  - {{ name: r{n}, when: {}, outcome: deny }}\n",
            json!(e)
        ));
    }
    Policy::parse(&source).unwrap_or_else(|d| panic!("{d:#?}"))
}

fn leaf(condition: &Condition) -> &Expr {
    match condition {
        Condition::Expr { expr, .. } => expr,
        _ => panic!("expected a single expression"),
    }
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        prop_oneof![Just(1i64), Just(3), Just(-2), any::<i64>()].prop_map(Value::from),
        prop_oneof![Just(u64::MAX), Just(9_007_199_254_740_993), any::<u64>()]
            .prop_map(Value::from),
        prop_oneof![
            Just(0.5f64),
            Just(1.0),
            Just(2.5),
            Just(9_007_199_254_740_992.0),
            -1e20f64..1e20
        ]
        .prop_map(Value::from),
        prop_oneof![Just("x"), Just("v"), Just("a"), Just("m"), Just("")].prop_map(Value::from),
    ]
}

fn any_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[kz]", inner, 0..2)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        prop_oneof![Just(0.5f64), Just(1.0), Just(-0.0), -1e20f64..1e20].prop_map(Value::from),
    ]
}

fn integer() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop_oneof![Just(3i64), Just(0), any::<i64>()].prop_map(Value::from),
        prop_oneof![Just(9_007_199_254_740_993u64), any::<u64>()].prop_map(Value::from),
        Just(Value::from(3.0)),
    ]
}

fn inputs() -> impl Strategy<Value = Map<String, Value>> {
    (
        prop::option::of(number()),
        prop::option::of(integer()),
        prop::option::of(
            prop_oneof![Just("x"), Just("y"), Just("m"), Just("zz")].prop_map(Value::from),
        ),
        prop::option::of(any::<bool>().prop_map(Value::from)),
        prop::option::of(prop::collection::vec(any_value(), 0..4).prop_map(Value::from)),
        prop::option::of(
            prop::collection::btree_map(
                prop_oneof![Just("k"), Just("n"), Just("m"), Just("b"), Just("u")],
                any_value(),
                0..5,
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ),
    )
        .prop_map(|(a, i, s, b, l, o)| {
            [("a", a), ("i", i), ("s", s), ("b", b), ("l", l), ("o", o)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .collect()
        })
}

#[test]
fn every_listed_expression_takes_the_fast_path() {
    let policy = policy();
    for rule in policy.rules() {
        assert!(
            leaf(&rule.condition).has_fast_path(),
            "{}",
            rule.condition()
        );
    }
}

#[test]
fn other_shapes_fall_back_to_cel() {
    let source = "policy: p\ninputs:\n  l: { type: list }\nrules:\n  - { name: r, when: 'size(l) > 1', outcome: deny }\n  - { name: q, when: 'l.exists(x, x > 1)', outcome: deny }\n";
    let policy = Policy::parse(source).unwrap_or_else(|d| panic!("{d:#?}"));
    for rule in policy.rules() {
        assert!(
            !leaf(&rule.condition).has_fast_path(),
            "{}",
            rule.condition()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn fast_path_agrees_with_cel(inputs in inputs()) {
        let policy = policy();
        let values = match check(&policy.inputs, &inputs) {
            Ok(values) => values,
            Err(e) => panic!("generated inputs should be valid: {e}"),
        };
        let roots: Vec<FVal<'_>> = policy
            .inputs
            .iter()
            .zip(&values)
            .map(|(spec, value)| fast::root(spec.input_type, *value))
            .collect();
        let bound = OnceCell::new();
        let scope = Scope::new(&roots, &policy.inputs, &values, &bound);
        for rule in &policy.rules {
            let expr = leaf(&rule.condition);
            if let Some(fast) = expr.fast_result(&roots) {
                let cel = scope.with_cel(|context| expr.eval_cel(context));
                prop_assert_eq!(Ok(fast), cel, "{} with {:?}", rule.condition(), inputs);
            }
        }
    }
}

#[test]
fn the_fast_path_decides_typical_inputs() {
    let policy = policy();
    let inputs = json!({
        "a": 2, "i": 3, "s": "x", "b": true, "l": ["x", 1, null],
        "o": {"k": "v", "n": 3, "m": 3, "b": true, "u": u64::MAX}
    });
    let Value::Object(inputs) = inputs else {
        panic!("inputs are an object")
    };
    let values = check(&policy.inputs, &inputs).unwrap_or_else(|e| panic!("{e}"));
    let roots: Vec<FVal<'_>> = policy
        .inputs
        .iter()
        .zip(&values)
        .map(|(spec, value)| fast::root(spec.input_type, *value))
        .collect();
    let undecided: Vec<&str> = policy
        .rules
        .iter()
        .filter(|r| leaf(&r.condition).fast_result(&roots).is_none())
        .map(|r| r.condition())
        .collect();
    // `o.k.z` selects on a string and `o.k < o.m` compares a string with a
    // number: both are CEL errors, left to CEL.
    assert_eq!(undecided, ["o.k < o.m", "o.k.z == 1"]);
}
