//! The `inputs:` section.

use serde_json::Value;

use crate::diagnostic::Code;
use crate::expr::is_valid_input_name;
use crate::model::{InputSpec, InputType, MAX_UNIT_LENGTH};
use crate::yaml::Node;

use super::fields::{boolean, entries, list, mapping, text};
use super::value::resolve;
use super::Cx;

const KEYS: &[&str] = &[
    "type",
    "required",
    "enum",
    "description",
    "unit",
    "max_items",
    "max_length",
];

/// The largest bound one may declare: larger ones would only ever be
/// refused by the cost limit, and keep the arithmetic far from overflow.
const MAX_BOUND: u64 = 1_000_000_000;

pub(super) fn parse(cx: &mut Cx<'_>, node: &Node) -> Vec<InputSpec> {
    let Some(entries) = entries(cx, node, "inputs") else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(key, value)| {
            let name = key.as_scalar().map(|s| s.text.as_str())?;
            let valid_name = is_valid_input_name(name);
            if !valid_name {
                cx.error(
                    key.pos,
                    Code::InvalidId,
                    format!(
                        "input name `{name}` must be a CEL identifier (letters, digits, _; \
                         not a keyword or type name)"
                    ),
                );
            }
            let spec = input(cx, name, value, key);
            spec.filter(|_| valid_name)
        })
        .collect()
}

fn input(cx: &mut Cx<'_>, name: &str, node: &Node, key: &Node) -> Option<InputSpec> {
    let what = format!("input `{name}`");
    let fields = mapping(cx, node, &what, KEYS, &["type"])?;
    let input_type = fields.get("type").and_then(|n| {
        let written = text(cx, n, "`type`")?;
        written
            .parse::<InputType>()
            .map_err(|e| cx.error(n.pos, Code::UnknownInputType, e.to_string()))
            .ok()
    });
    let required = match fields.get("required") {
        Some(n) => boolean(cx, n, "`required`"),
        None => Some(false),
    };
    let description = fields
        .get("description")
        .and_then(|n| text(cx, n, "`description`"));
    let unit = fields.get("unit").map(|n| unit(cx, n, name));
    // Every other field was checked above, so returning early here loses
    // no diagnostics.
    let max_items = fields.get("max_items").map(|n| {
        let fits = matches!(input_type, Some(InputType::List | InputType::Object) | None);
        bound(cx, n, "max_items", name, fits, "list and object")
    });
    let max_length = fields.get("max_length").map(|n| {
        let fits = !matches!(
            input_type,
            Some(InputType::Number | InputType::Integer | InputType::Boolean)
        );
        bound(cx, n, "max_length", name, fits, "string, list and object")
    });
    let allowed = match (fields.get("enum"), input_type) {
        (Some(n), Some(t)) => Some(allowed_values(cx, n, t, name)?),
        _ => None,
    };
    Some(InputSpec {
        name: name.to_string(),
        input_type: input_type?,
        required: required?,
        allowed,
        max_items: max_items.map_or(Some(None), |b| b.map(Some))?,
        max_length: max_length.map_or(Some(None), |b| b.map(Some))?,
        description: description.map(str::to_string),
        unit: unit.map_or(Some(None), |u| u.map(Some))?,
        pos: key.pos,
    })
}

/// A `unit`: one line of text, not blank, of at most [`MAX_UNIT_LENGTH`]
/// characters.
fn unit(cx: &mut Cx<'_>, node: &Node, name: &str) -> Option<String> {
    let written = text(cx, node, "`unit`")?;
    let unit = written.trim();
    let problem = if unit.is_empty() {
        Some("must not be empty".to_string())
    } else if unit.chars().any(char::is_control) {
        Some("must be one line of text".to_string())
    } else if unit.chars().count() > MAX_UNIT_LENGTH {
        Some(format!(
            "may be at most {MAX_UNIT_LENGTH} characters (a short label such as `EUR`, \
             `records` or `%`; explain more in `description`)"
        ))
    } else {
        None
    };
    match problem {
        Some(problem) => {
            cx.error(
                node.pos,
                Code::InvalidUnit,
                format!("input `{name}`: `unit` {problem}"),
            );
            None
        }
        None => Some(unit.to_string()),
    }
}

/// A `max_items` or `max_length`: a positive integer, on an input type it
/// applies to.
fn bound(
    cx: &mut Cx<'_>,
    node: &Node,
    key: &str,
    name: &str,
    fits: bool,
    types: &str,
) -> Option<u64> {
    if !fits {
        cx.error(
            node.pos,
            Code::InvalidBound,
            format!("input `{name}`: `{key}` applies to {types} inputs only"),
        );
        return None;
    }
    let value = node
        .as_scalar()
        .filter(|s| s.is_plain())
        .and_then(|s| s.text.parse::<u64>().ok())
        .filter(|n| (1..=MAX_BOUND).contains(n));
    if value.is_none() {
        cx.error(
            node.pos,
            Code::InvalidBound,
            format!("input `{name}`: `{key}` must be an integer from 1 to {MAX_BOUND}"),
        );
    }
    value
}

fn allowed_values(cx: &mut Cx<'_>, node: &Node, t: InputType, name: &str) -> Option<Vec<Value>> {
    if !t.supports_enum() {
        cx.error(
            node.pos,
            Code::InvalidEnum,
            format!("input `{name}` is of type {t}, which cannot have an enum (only string, number and integer can)"),
        );
        return None;
    }
    let items = list(cx, node, "`enum`")?;
    if items.is_empty() {
        cx.error(
            node.pos,
            Code::InvalidEnum,
            "`enum` must list at least one value".to_string(),
        );
        return None;
    }
    let values: Vec<Option<Value>> = items.iter().map(|item| enum_value(cx, item, t)).collect();
    values.into_iter().collect()
}

fn enum_value(cx: &mut Cx<'_>, node: &Node, t: InputType) -> Option<Value> {
    let value = node.as_scalar().and_then(|scalar| match t {
        // Any scalar is text for a string enum: `enum: [1, 2]` means "1", "2".
        InputType::String => Some(Value::String(scalar.text.clone())),
        InputType::Number => resolve(scalar).is_number().then(|| resolve(scalar)),
        InputType::Integer => {
            let v = resolve(scalar);
            (v.is_i64() || v.is_u64()).then_some(v)
        }
        InputType::Boolean | InputType::List | InputType::Object => None,
    });
    if value.is_none() {
        cx.error(
            node.pos,
            Code::InvalidEnum,
            format!(
                "enum value must be {}",
                match t {
                    InputType::Integer => "an integer",
                    InputType::Number => "a number",
                    _ => "a scalar",
                }
            ),
        );
    }
    value
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Code, Diagnostic};
    use crate::model::{Policy, MAX_UNIT_LENGTH};

    const RULES: &str = "rules:\n  - { name: r, when: 'true', outcome: allow }\n";

    /// A policy whose `inputs:` are `inputs` (their first line is line 3).
    fn parse(inputs: &str) -> Result<Policy, Vec<Diagnostic>> {
        Policy::parse(&format!("policy: p\ninputs:\n{inputs}{RULES}"))
    }

    /// The single error of `inputs`, as (line, column, code) and its message.
    fn error(inputs: &str) -> ((u32, u32, Code), String) {
        let diagnostics = parse(inputs).expect_err("the inputs are invalid");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
        let d = &diagnostics[0];
        ((d.line, d.column, d.code), d.message.clone())
    }

    #[test]
    fn description_and_unit_are_kept_on_the_input() {
        let policy = parse(
            "  amount: { type: number, description: How much to refund, unit: EUR }\n  \
             note:\n    type: string\n    description: |\n      Free text\n      from the agent\n\
             \x20 count: { type: integer, unit: \"  records  \" }\n",
        )
        .expect("valid");
        let [amount, note, count] = policy.inputs() else {
            panic!("three inputs");
        };
        assert_eq!(amount.description(), Some("How much to refund"));
        assert_eq!(amount.unit(), Some("EUR"));
        assert_eq!(note.description(), Some("Free text\nfrom the agent\n"));
        assert_eq!(note.unit(), None);
        assert_eq!(count.description(), None);
        assert_eq!(count.unit(), Some("records"), "trimmed");
    }

    #[test]
    fn a_unit_of_the_longest_length_is_accepted() {
        let longest = "m".repeat(MAX_UNIT_LENGTH);
        let policy = parse(&format!("  d: {{ type: number, unit: {longest} }}\n")).expect("valid");
        assert_eq!(policy.inputs()[0].unit(), Some(longest.as_str()));
        let policy = parse("  ratio: { type: number, unit: '%' }\n").expect("valid");
        assert_eq!(policy.inputs()[0].unit(), Some("%"));
    }

    #[test]
    fn a_unit_too_long_is_refused_where_written() {
        let long = "é".repeat(MAX_UNIT_LENGTH + 1);
        let (at, message) = error(&format!("  amount: {{ type: number, unit: {long} }}\n"));
        assert_eq!(at, (3, 33, Code::InvalidUnit));
        assert!(message.contains("input `amount`"), "{message}");
        assert!(message.contains("at most 32 characters"), "{message}");
    }

    #[test]
    fn an_empty_or_multi_line_unit_is_refused() {
        let (at, message) = error("  amount: { type: number, unit: '' }\n");
        assert_eq!(at, (3, 33, Code::InvalidUnit));
        assert!(message.contains("must not be empty"), "{message}");
        let (at, message) = error("  amount:\n    type: number\n    unit: \"EUR\\nUSD\"\n");
        assert_eq!(at, (5, 11, Code::InvalidUnit));
        assert!(message.contains("one line"), "{message}");
    }

    #[test]
    fn description_and_unit_must_be_text() {
        let (at, message) = error("  amount: { type: number, unit: [EUR] }\n");
        assert_eq!(at, (3, 33, Code::WrongType));
        assert!(message.contains("`unit` must be a string"), "{message}");
        let (at, message) = error("  amount: { type: number, description: { a: b } }\n");
        assert_eq!(at, (3, 40, Code::WrongType));
        assert!(
            message.contains("`description` must be a string"),
            "{message}"
        );
    }

    #[test]
    fn a_misspelt_unit_names_the_keys_allowed() {
        let (at, message) = error("  amount: { type: number, units: EUR }\n");
        assert_eq!(at, (3, 27, Code::UnknownKey));
        assert!(
            message.contains("description, unit, max_items"),
            "{message}"
        );
    }

    #[test]
    fn every_input_problem_is_reported_in_one_run() {
        let diagnostics = parse(&format!(
            "  a: {{ type: number, unit: '' }}\n  b: {{ type: numbr, unit: {} }}\n",
            "x".repeat(40)
        ))
        .expect_err("invalid");
        let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [Code::InvalidUnit, Code::UnknownInputType, Code::InvalidUnit]
        );
    }
}
