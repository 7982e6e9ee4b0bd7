//! Actions and their digests: `sha256:` + hex SHA-256 of the action's RFC 8785 (JCS) form.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// What an agent does (or asks to do): a product's operation with its arguments. Two actions
/// are the same action exactly when their digests are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub product: String,
    pub operation: String,
    /// The operation's arguments; `{}` when it takes none.
    #[serde(default)]
    pub arguments: Map<String, Value>,
}

/// RFC 8785 canonical JSON of any serialisable value: object members sorted by their names'
/// UTF-16 code units at every level, no insignificant whitespace, strings escaped minimally and
/// every number written as ECMAScript writes an IEEE 754 double (so `1`, `1.0` and `1e0` are all
/// `1`, and integers beyond 2^53 are rounded as a double). Fails only on a non-finite number,
/// which JSON text cannot carry anyway.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    serde_jcs::to_vec(value)
}

/// `sha256:` followed by the lowercase hex SHA-256 of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The action's digest: `sha256:` + hex SHA-256 of its JCS form
/// `{"arguments":{…},"operation":"…","product":"…"}`. Argument key order and number spelling
/// (`1.0` / `1` / `1e0`) do not change it; any other difference does.
pub fn action_digest(action: &Action) -> String {
    // An action read from JSON holds only finite numbers and string keys, which JCS always
    // serialises; the fallback keeps this total for values built by hand with a NaN.
    let canonical = canonical_json(action).unwrap_or_default();
    sha256_digest(&canonical)
}

impl Action {
    pub fn digest(&self) -> String {
        action_digest(self)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn action(arguments: Value) -> Action {
        Action {
            product: "billing".into(),
            operation: "refund.create".into(),
            arguments: arguments.as_object().cloned().unwrap(),
        }
    }

    fn parsed(text: &str) -> Action {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_canonical_form_is_sorted_and_compact() {
        let canonical = canonical_json(&action(json!({"b": 1.0, "a": [1e2, "x"]}))).unwrap();
        assert_eq!(
            String::from_utf8(canonical).unwrap(),
            r#"{"arguments":{"a":[100,"x"],"b":1},"operation":"refund.create","product":"billing"}"#
        );
    }

    #[test]
    fn number_spelling_does_not_change_the_digest() {
        let one = parsed(r#"{"product":"p","operation":"o","arguments":{"n":1}}"#);
        for spelling in ["1.0", "1e0", "10e-1", "1.000", "0.1e1"] {
            let other = parsed(&format!(
                r#"{{"product":"p","operation":"o","arguments":{{"n":{spelling}}}}}"#
            ));
            assert_eq!(action_digest(&one), action_digest(&other), "{spelling}");
        }
    }

    #[test]
    fn key_order_does_not_change_the_digest() {
        let a = parsed(r#"{"product":"p","operation":"o","arguments":{"x":1,"y":{"b":2,"a":3}}}"#);
        let b = parsed(r#"{"arguments":{"y":{"a":3,"b":2},"x":1},"operation":"o","product":"p"}"#);
        assert_eq!(action_digest(&a), action_digest(&b));
    }

    #[test]
    fn an_extra_argument_or_another_value_changes_the_digest() {
        let base = action(json!({"amount": 10}));
        assert_ne!(
            action_digest(&base),
            action_digest(&action(json!({"amount": 10, "note": "x"})))
        );
        assert_ne!(
            action_digest(&base),
            action_digest(&action(json!({"amount": 10.5})))
        );
        assert_ne!(
            action_digest(&base),
            action_digest(&action(json!({"amount": "10"})))
        );
        let mut other = base.clone();
        other.operation = "refund.cancel".into();
        assert_ne!(action_digest(&base), action_digest(&other));
    }

    #[test]
    fn missing_arguments_are_an_empty_object() {
        let a = parsed(r#"{"product":"p","operation":"o"}"#);
        let b = parsed(r#"{"product":"p","operation":"o","arguments":{}}"#);
        assert_eq!(action_digest(&a), action_digest(&b));
        assert!(action_digest(&a).starts_with("sha256:"));
        assert_eq!(action_digest(&a).len(), "sha256:".len() + 64);
    }

    #[test]
    fn rfc_8785_numbers_and_strings() {
        // RFC 8785 §3.2.2.3's sample values and §3.2.4's string escapes.
        let value: Value = serde_json::from_str(
            r#"{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],
                "string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}"#,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(canonical_json(&value).unwrap()).unwrap(),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\
             \"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
        );
    }

    #[test]
    fn members_sort_by_utf16_code_units() {
        // RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16 order,
        // although its code point is larger.
        let value = json!({"\u{fb33}": 1, "\u{1f600}": 2, "\r": 3, "1": 4, "\u{80}": 5});
        assert_eq!(
            String::from_utf8(canonical_json(&value).unwrap()).unwrap(),
            "{\"\\r\":3,\"1\":4,\"\u{80}\":5,\"\u{1f600}\":2,\"\u{fb33}\":1}"
        );
    }
}
