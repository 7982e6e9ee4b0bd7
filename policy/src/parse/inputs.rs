//! The `inputs:` section.

use serde_json::Value;

use crate::diagnostic::Code;
use crate::expr::is_valid_input_name;
use crate::model::{InputSpec, InputType};
use crate::yaml::Node;

use super::fields::{boolean, entries, list, mapping, text};
use super::value::resolve;
use super::Cx;

const KEYS: &[&str] = &[
    "type",
    "required",
    "enum",
    "description",
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
    if let Some(n) = fields.get("description") {
        text(cx, n, "`description`");
    }
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
        pos: key.pos,
    })
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
