//! Checks an evaluation's inputs against the declarations and binds them as
//! CEL variables, borrowing strings from the inputs instead of copying.

use std::collections::HashMap;

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelUInt,
};
use cel::common::value::Val;
use cel::Context;
use serde_json::{Map, Number, Value};

use crate::evaluate::{ErrorKind, EvaluationError};
use crate::model::{InputSpec, InputType};

/// Integral floats are accepted for `integer` inputs only while they are
/// exact (JavaScript callers may send `3.0`).
const MAX_EXACT_FLOAT_INT: f64 = 9_007_199_254_740_992.0;

/// Binds every declared input into `context`, in declaration order. An
/// absent optional input (or a JSON `null`) binds as CEL `null`, so
/// expressions can test `x != null`. Undeclared inputs are ignored.
pub(crate) fn bind<'v>(
    specs: &[InputSpec],
    inputs: &'v Map<String, Value>,
    context: &mut Context<'_, 'v>,
) -> Result<(), EvaluationError> {
    for spec in specs {
        let value = match inputs.get(&spec.name) {
            None | Some(Value::Null) if spec.required => {
                return Err(EvaluationError {
                    kind: ErrorKind::MissingInput,
                    subject: spec.name.clone(),
                    message: format!("required input `{}` is missing", spec.name),
                })
            }
            None | Some(Value::Null) => Box::new(CelNull) as Box<dyn Val + 'v>,
            Some(value) => typed(spec, value)?,
        };
        context.add_variable_as_val(spec.name.as_str(), value);
    }
    Ok(())
}

fn typed<'v>(spec: &InputSpec, value: &'v Value) -> Result<Box<dyn Val + 'v>, EvaluationError> {
    let bound: Option<Box<dyn Val + 'v>> = match (spec.input_type, value) {
        (InputType::String, Value::String(s)) => Some(Box::new(CelString::from(s.as_str()))),
        (InputType::Number, Value::Number(n)) => n
            .as_f64()
            .map(|f| Box::new(CelDouble::from(f)) as Box<dyn Val>),
        (InputType::Integer, Value::Number(n)) => integer(n),
        (InputType::Boolean, Value::Bool(b)) => Some(Box::new(CelBool::from(*b))),
        (InputType::List, Value::Array(_)) | (InputType::Object, Value::Object(_)) => {
            Some(dynamic(value))
        }
        _ => None,
    };
    let bound = bound.ok_or_else(|| EvaluationError {
        kind: ErrorKind::InvalidInput,
        subject: spec.name.clone(),
        message: format!(
            "input `{}` must be {}, got {}",
            spec.name,
            article(spec.input_type),
            describe(value)
        ),
    })?;
    if let Some(allowed) = &spec.allowed {
        if !allowed.iter().any(|a| same_value(a, value)) {
            return Err(EvaluationError {
                kind: ErrorKind::InvalidInput,
                subject: spec.name.clone(),
                message: format!(
                    "input `{}` is {value}, not one of {}",
                    spec.name,
                    Value::Array(allowed.clone())
                ),
            });
        }
    }
    Ok(bound)
}

/// An exact CEL integer: `int` when it fits, `uint` above `i64::MAX`.
fn integer<'v>(n: &Number) -> Option<Box<dyn Val + 'v>> {
    if let Some(i) = n.as_i64() {
        return Some(Box::new(CelInt::from(i)));
    }
    if let Some(u) = n.as_u64() {
        return Some(Box::new(CelUInt::from(u)));
    }
    let f = n.as_f64()?;
    // The range check makes the cast exact.
    #[allow(clippy::cast_possible_truncation)]
    let exact = (f.fract() == 0.0 && f.abs() <= MAX_EXACT_FLOAT_INT).then_some(f as i64);
    exact.map(|i| Box::new(CelInt::from(i)) as Box<dyn Val>)
}

/// Elements of lists and fields of objects have no declared type: integers
/// bind as `int` (or `uint`), other numbers as `double`.
fn dynamic(value: &Value) -> Box<dyn Val + '_> {
    match value {
        Value::Null => Box::new(CelNull),
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::Number(n) => n.as_i64().map_or_else(
            || match n.as_u64() {
                Some(u) => Box::new(CelUInt::from(u)) as Box<dyn Val>,
                None => Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN))),
            },
            |i| Box::new(CelInt::from(i)),
        ),
        Value::String(s) => Box::new(CelString::from(s.as_str())),
        Value::Array(items) => Box::new(CelList::from(
            items.iter().map(dynamic).collect::<Vec<_>>(),
        )),
        Value::Object(fields) => Box::new(CelMap::from(
            fields
                .iter()
                .map(|(k, v)| (CelMapKey::from(k.as_str()), dynamic(v)))
                .collect::<HashMap<_, _>>(),
        )),
    }
}

/// Enum membership: numbers compare by value (`1` matches `1.0`), integers
/// exactly.
fn same_value(allowed: &Value, value: &Value) -> bool {
    match (allowed, value) {
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (a.as_u64(), b.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => a.as_f64() == b.as_f64(),
            },
        },
        _ => allowed == value,
    }
}

fn article(t: InputType) -> &'static str {
    match t {
        InputType::String => "a string",
        InputType::Number => "a number",
        InputType::Integer => "an integer",
        InputType::Boolean => "a boolean",
        InputType::List => "a list",
        InputType::Object => "an object",
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {}", Value::String(s.clone())),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}
