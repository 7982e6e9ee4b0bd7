//! Properties of digests and signatures over generated values.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use verdict_receipt::{action_digest, sample_receipt, verify, Action, KeySet};

/// JSON values with finite numbers, small enough to generate quickly.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| Value::Number(Number::from_f64(x).unwrap())),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,8}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn arguments() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("[a-z_]{1,8}", json_value(), 0..6)
        .prop_map(|map| map.into_iter().collect())
}

/// JSON text of `value` with every object's members in an order chosen by `seed`.
fn shuffled_text(value: &Value, seed: &mut u64) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            // A small linear congruential shuffle: deterministic per seed.
            for index in (1..entries.len()).rev() {
                *seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                entries.swap(index, (*seed >> 33) as usize % (index + 1));
            }
            let members: Vec<String> = entries
                .into_iter()
                .map(|(key, item)| {
                    format!(
                        "{}:{}",
                        Value::String(key.clone()),
                        shuffled_text(item, seed)
                    )
                })
                .collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|item| shuffled_text(item, seed))
                .collect::<Vec<_>>()
                .join(",")
        ),
        scalar => scalar.to_string(),
    }
}

fn action_text(arguments: &str) -> String {
    format!(r#"{{"product":"billing","operation":"refund.create","arguments":{arguments}}}"#)
}

fn digest_of(text: &str) -> String {
    let action: Action = serde_json::from_str(text).expect("valid action text");
    action_digest(&action)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn key_order_does_not_change_the_digest(arguments in arguments(), seed in any::<u64>()) {
        let value = Value::Object(arguments);
        let plain = digest_of(&action_text(&value.to_string()));
        let mut seed = seed;
        let shuffled = digest_of(&action_text(&shuffled_text(&value, &mut seed)));
        prop_assert_eq!(plain, shuffled);
    }

    #[test]
    fn integer_spelling_does_not_change_the_digest(n in -(1i64 << 53)..(1i64 << 53)) {
        let plain = digest_of(&action_text(&format!(r#"{{"n":{n}}}"#)));
        for spelling in [format!("{n}.0"), format!("{n}e0"), format!("{n}.000E+0"), format!("{n}0e-1")] {
            prop_assert_eq!(&plain, &digest_of(&action_text(&format!(r#"{{"n":{spelling}}}"#))), "{}", spelling);
        }
    }

    #[test]
    fn float_spelling_does_not_change_the_digest(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let plain = digest_of(&action_text(&format!(r#"{{"x":{x:?}}}"#)));
        for spelling in [format!("{x:e}"), format!("{x:E}"), format!("{x}")] {
            prop_assert_eq!(&plain, &digest_of(&action_text(&format!(r#"{{"x":{spelling}}}"#))), "{}", spelling);
        }
    }

    #[test]
    fn a_different_argument_value_changes_the_digest(arguments in arguments(), extra in "[a-z]{9,12}") {
        // Keys of 9+ letters cannot collide with the generated ones (at most 8).
        let base = Action { product: "p".into(), operation: "o".into(), arguments };
        let mut more = base.clone();
        more.arguments.insert(extra, Value::Null);
        prop_assert_ne!(action_digest(&base), action_digest(&more));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_receipt_signs_and_verifies_and_any_change_is_caught(
        intent in "\\PC{1,40}",
        issuer in "\\PC{1,40}",
        count in 0u64..(1 << 53),
        changed in "\\PC{1,10}",
    ) {
        let keys = KeySet::generate().unwrap();
        let mut receipt = sample_receipt();
        receipt.intent = intent.clone();
        receipt.issuer = issuer;
        receipt.event_count = count;
        let document = keys.sign(receipt).to_value();
        let text = serde_json::to_string_pretty(&document).unwrap();
        prop_assert!(verify(text.as_bytes(), &keys.jwks()).verified());

        let mut altered = document.clone();
        altered["receipt"]["intent"] = Value::String(format!("{intent}{changed}"));
        prop_assert!(!verify(altered.to_string().as_bytes(), &keys.jwks()).verified());
    }
}
