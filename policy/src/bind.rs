//! Checks an evaluation's inputs against the declarations, and binds them as
//! CEL variables (for expressions the fast path does not cover), borrowing
//! strings from the inputs instead of copying them.

use std::cell::OnceCell;
use std::collections::HashMap;

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelUInt,
};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::Context;
use serde_json::{Map, Value};

use crate::evaluate::{ErrorKind, EvaluationError};
use crate::expr::new_context;
use crate::fast::{self, FVal};
use crate::model::{InputSpec, InputType};

/// The declared inputs of one evaluation as CEL values, in declaration
/// order. Served to CEL through [`VariableResolver`] rather than inserted
/// into the context's own map, which would copy every name and rebuild a
/// map per evaluation.
pub(crate) struct Bound<'s, 'v> {
    specs: &'s [InputSpec],
    values: Vec<Box<dyn Val + 'v>>,
}

impl<'s, 'v> Bound<'s, 'v> {
    /// `values` are the checked inputs from [`check`].
    pub(crate) fn new(specs: &'s [InputSpec], values: &[Option<&'v Value>]) -> Self {
        let values = specs
            .iter()
            .zip(values)
            .map(|(spec, value)| cel_value(fast::root(spec.input_type, *value)))
            .collect();
        Bound { specs, values }
    }
}

impl VariableResolver for Bound<'_, '_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        let index = self.specs.iter().position(|s| s.name == variable)?;
        let value: &'b (dyn Val + 'b) = self.values.get(index)?.as_ref();
        Some(CowVal::Borrowed(value))
    }
}

/// What conditions are evaluated against: the inputs as fast-path values,
/// and their CEL binding, built only if some expression needs CEL.
pub(crate) struct Scope<'a, 's, 'v> {
    pub(crate) roots: &'a [FVal<'v>],
    specs: &'s [InputSpec],
    values: &'a [Option<&'v Value>],
    bound: &'a OnceCell<Bound<'s, 'v>>,
}

impl<'a, 's, 'v> Scope<'a, 's, 'v> {
    pub(crate) fn new(
        roots: &'a [FVal<'v>],
        specs: &'s [InputSpec],
        values: &'a [Option<&'v Value>],
        bound: &'a OnceCell<Bound<'s, 'v>>,
    ) -> Self {
        Scope {
            roots,
            specs,
            values,
            bound,
        }
    }

    /// Runs `f` with a CEL context holding the inputs. Contexts are cheap
    /// (a shared environment and an empty map); the bound values are not,
    /// so they are built once per evaluation.
    pub(crate) fn with_cel<R>(&self, f: impl FnOnce(&Context<'_, '_>) -> R) -> R {
        let bound = self
            .bound
            .get_or_init(|| Bound::new(self.specs, self.values));
        let mut context = new_context();
        context.set_variable_resolver(bound);
        f(&context)
    }
}

/// Checks every declared input against its declaration and returns their
/// values in declaration order, `None` for an absent optional input (or a
/// JSON `null`), which binds as CEL `null` so expressions can test
/// `x != null`. Undeclared inputs are ignored.
pub(crate) fn check<'v>(
    specs: &[InputSpec],
    inputs: &'v Map<String, Value>,
) -> Result<Vec<Option<&'v Value>>, EvaluationError> {
    specs
        .iter()
        .map(|spec| match inputs.get(&spec.name) {
            None | Some(Value::Null) if spec.required => Err(EvaluationError {
                kind: ErrorKind::MissingInput,
                subject: spec.name.clone(),
                message: format!("required input `{}` is missing", spec.name),
            }),
            None | Some(Value::Null) => Ok(None),
            Some(value) => check_one(spec, value).map(Some),
        })
        .collect()
}

fn check_one<'v>(spec: &InputSpec, value: &'v Value) -> Result<&'v Value, EvaluationError> {
    let fits = match (spec.input_type, value) {
        (InputType::String, Value::String(_))
        | (InputType::Number, Value::Number(_))
        | (InputType::Boolean, Value::Bool(_))
        | (InputType::List, Value::Array(_))
        | (InputType::Object, Value::Object(_)) => true,
        (InputType::Integer, Value::Number(n)) => fast::integer(n).is_some(),
        _ => false,
    };
    if !fits {
        return Err(EvaluationError {
            kind: ErrorKind::InvalidInput,
            subject: spec.name.clone(),
            message: format!(
                "input `{}` must be {}, got {}",
                spec.name,
                article(spec.input_type),
                describe(value)
            ),
        });
    }
    if let Err(message) = within_bounds(spec, value) {
        return Err(EvaluationError {
            kind: ErrorKind::InputTooLarge,
            subject: spec.name.clone(),
            message,
        });
    }
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
    Ok(value)
}

/// Checks an input against its `max_items` and `max_length` (declared or
/// default): what the static cost estimate assumed. Items are counted at
/// every depth, and every string (object keys included) is measured.
pub(crate) fn within_bounds(spec: &InputSpec, value: &Value) -> Result<(), String> {
    let limits = Limits {
        items: spec.max_items(),
        length: spec.max_length(),
    };
    let mut items = 0u64;
    match measure(value, &limits, &mut items) {
        Ok(()) => Ok(()),
        Err(Over::Items) => Err(format!(
            "input `{}` holds more than {} items, counted at every depth (its `max_items`{})",
            spec.name,
            limits.items,
            default_note(spec.max_items.is_none())
        )),
        Err(Over::Length) => Err(format!(
            "input `{}` is or holds a string longer than {} characters (its `max_length`{})",
            spec.name,
            limits.length,
            default_note(spec.max_length.is_none())
        )),
    }
}

struct Limits {
    items: u64,
    length: u64,
}

enum Over {
    Items,
    Length,
}

/// Walks `value` without allocating: this runs on every evaluation.
fn measure(value: &Value, limits: &Limits, items: &mut u64) -> Result<(), Over> {
    // Bytes bound characters from above, so counting is rarely needed.
    let too_long =
        |s: &str| s.len() as u64 > limits.length && s.chars().count() as u64 > limits.length;
    match value {
        Value::String(s) if too_long(s) => Err(Over::Length),
        Value::Array(list) => {
            *items += list.len() as u64;
            if *items > limits.items {
                return Err(Over::Items);
            }
            list.iter().try_for_each(|v| measure(v, limits, items))
        }
        Value::Object(map) => {
            *items += map.len() as u64;
            if *items > limits.items {
                return Err(Over::Items);
            }
            map.iter().try_for_each(|(k, v)| {
                if too_long(k) {
                    return Err(Over::Length);
                }
                measure(v, limits, items)
            })
        }
        _ => Ok(()),
    }
}

fn default_note(undeclared: bool) -> &'static str {
    if undeclared {
        ", the default when none is declared"
    } else {
        ""
    }
}

/// The CEL value of a fast-path value; strings borrow from the inputs.
fn cel_value(value: FVal<'_>) -> Box<dyn Val + '_> {
    match value {
        FVal::Null => Box::new(CelNull),
        FVal::Bool(b) => Box::new(CelBool::from(b)),
        FVal::Int(i) => Box::new(CelInt::from(i)),
        FVal::UInt(u) => Box::new(CelUInt::from(u)),
        FVal::Double(d) => Box::new(CelDouble::from(d)),
        FVal::Str(s) => Box::new(CelString::from(s)),
        FVal::List(items) => Box::new(CelList::from(
            items
                .iter()
                .map(|item| cel_value(fast::dynamic(item)))
                .collect::<Vec<_>>(),
        )),
        FVal::Map(fields) => Box::new(CelMap::from(
            fields
                .iter()
                .map(|(k, v)| (CelMapKey::from(k.as_str()), cel_value(fast::dynamic(v))))
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
