//! YAML values as JSON, for test inputs and enum values, resolving plain
//! scalars by the YAML 1.2 core schema.

use serde_json::{Map, Number, Value};

use crate::diagnostic::Code;
use crate::yaml::{Kind, Node, Scalar};

use super::Cx;

pub(super) fn to_json(cx: &mut Cx<'_>, node: &Node) -> Option<Value> {
    match &node.kind {
        Kind::Scalar(s) => Some(resolve(s)),
        Kind::Seq(items) => items
            .iter()
            .map(|item| to_json(cx, item))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        Kind::Map(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let Some(key) = key.as_scalar() else {
                    cx.error(
                        key.pos,
                        Code::WrongType,
                        "object keys must be strings".to_string(),
                    );
                    return None;
                };
                map.insert(key.text.clone(), to_json(cx, value)?);
            }
            Some(Value::Object(map))
        }
    }
}

/// The core-schema value of a scalar: quoted, block and `!!str` scalars are
/// strings; plain ones may be null, booleans or numbers.
pub(super) fn resolve(scalar: &Scalar) -> Value {
    if !scalar.is_plain() {
        return Value::String(scalar.text.clone());
    }
    let text = scalar.text.as_str();
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    number(text).map_or_else(|| Value::String(text.to_string()), Value::Number)
}

fn number(text: &str) -> Option<Number> {
    if let Some(n) = integer(text) {
        return Some(n);
    }
    if !is_float_syntax(text) {
        return None;
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

fn integer(text: &str) -> Option<Number> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(hex) = text.strip_prefix("0x") {
        (16, hex)
    } else if let Some(oct) = text.strip_prefix("0o") {
        (8, oct)
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if !negative {
        return Some(Number::from(magnitude));
    }
    let negated = 0i64.checked_sub_unsigned(magnitude)?;
    Some(Number::from(negated))
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the core schema's
/// float syntax (Rust's parser also takes `inf` and `NaN`, which YAML spells
/// differently and JSON cannot hold).
fn is_float_syntax(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(whole)
        && fraction.is_none_or(digits)
        && !(whole.is_empty() && fraction.is_none_or(str::is_empty));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use saphyr_parser::ScalarStyle;

    fn plain(text: &str) -> Value {
        resolve(&Scalar {
            text: text.to_string(),
            style: ScalarStyle::Plain,
            end_line: 1,
            tag: None,
        })
    }

    #[test]
    fn core_schema() {
        assert_eq!(plain("~"), Value::Null);
        assert_eq!(plain("True"), Value::Bool(true));
        assert_eq!(plain("42"), Value::from(42));
        assert_eq!(plain("-7"), Value::from(-7));
        assert_eq!(plain("0x1F"), Value::from(31));
        assert_eq!(
            plain("9007199254740993"),
            Value::from(9_007_199_254_740_993u64)
        );
        assert_eq!(plain("0.25"), Value::from(0.25));
        assert_eq!(plain("1e3"), Value::from(1000.0));
        assert_eq!(plain(".5"), Value::from(0.5));
        for text in ["inf", "NaN", "1.2.3", "yes", "-", "e5", "."] {
            assert_eq!(plain(text), Value::String(text.to_string()), "{text}");
        }
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let quoted = Scalar {
            text: "42".to_string(),
            style: ScalarStyle::SingleQuoted,
            end_line: 1,
            tag: None,
        };
        assert_eq!(resolve(&quoted), Value::String("42".to_string()));
    }
}
