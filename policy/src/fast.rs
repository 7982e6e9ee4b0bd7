//! A fast path for the expression shapes policies use most: comparisons,
//! equality and `in` between input fields and literals, joined by `&&`,
//! `||` and `!`. These are evaluated straight on the JSON inputs.
//!
//! The interpreter of the `cel` crate allocates for every comparison (it
//! builds an error description up front) and for every field selection;
//! with twenty rules that dominated evaluation time. The fast path never
//! decides anything CEL would decide differently: whenever a value is not
//! one it handles exactly (a missing field, mixed types, NaN, a nested list
//! or object), it gives up and the whole expression runs on CEL, which also
//! produces the canonical error. `fast_tests.rs` checks the two agree.

use std::cmp::Ordering;

use cel::common::ast::{Expr as Ast, LiteralValue};
use cel::IdedExpr;
use serde_json::{Map, Number, Value};

use crate::model::InputType;

/// An input value as CEL sees it, borrowed from the JSON inputs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FVal<'v> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(&'v str),
    List(&'v [Value]),
    Map(&'v Map<String, Value>),
}

/// The fast path declined; run the expression on CEL.
pub(crate) struct GiveUp;

/// A declared input's value, typed by its declaration: `number` is always a
/// double, `integer` an exact int (uint above `i64::MAX`).
pub(crate) fn root(input_type: InputType, value: Option<&Value>) -> FVal<'_> {
    match (input_type, value) {
        (InputType::Number, Some(Value::Number(n))) => n.as_f64().map_or(FVal::Null, FVal::Double),
        (InputType::Integer, Some(Value::Number(n))) => integer(n).unwrap_or(FVal::Null),
        (_, Some(value)) => dynamic(value),
        (_, None) => FVal::Null,
    }
}

/// An exact integer: `int` when it fits, `uint` above `i64::MAX`, or an
/// integral float within the range where floats are exact.
pub(crate) fn integer(n: &Number) -> Option<FVal<'static>> {
    const MAX_EXACT: f64 = 9_007_199_254_740_992.0;
    if let Some(i) = n.as_i64() {
        return Some(FVal::Int(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(FVal::UInt(u));
    }
    let f = n.as_f64()?;
    // The range check makes the cast exact.
    #[allow(clippy::cast_possible_truncation)]
    (f.fract() == 0.0 && f.abs() <= MAX_EXACT).then_some(FVal::Int(f as i64))
}

/// Values inside lists and objects have no declared type: integers are
/// ints (or uints), other numbers doubles.
pub(crate) fn dynamic(value: &Value) -> FVal<'_> {
    match value {
        Value::Null => FVal::Null,
        Value::Bool(b) => FVal::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => FVal::Int(i),
            (None, Some(u)) => FVal::UInt(u),
            _ => n.as_f64().map_or(FVal::Null, FVal::Double),
        },
        Value::String(s) => FVal::Str(s),
        Value::Array(items) => FVal::List(items),
        Value::Object(fields) => FVal::Map(fields),
    }
}

#[derive(Debug)]
pub(crate) enum Fast {
    And(Box<Fast>, Box<Fast>),
    Or(Box<Fast>, Box<Fast>),
    Not(Box<Fast>),
    Compare(Operand, Ordering, bool, Operand),
    Equals(Operand, bool, Operand),
    In(Operand, Operand),
    Bool(Operand),
}

#[derive(Debug)]
pub(crate) enum Operand {
    /// A declared input (by declaration index) and the fields selected on it.
    Input(usize, Vec<String>),
    Literal(Literal),
    List(Vec<Literal>),
}

#[derive(Debug)]
pub(crate) enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(String),
}

impl Fast {
    /// The fast form of `expr`, if it only uses shapes the fast path
    /// handles. `inputs` are the declared input names, in order.
    pub(crate) fn compile(expr: &IdedExpr, inputs: &[&str]) -> Option<Fast> {
        let Ast::Call(call) = &expr.expr else {
            return Some(Fast::Bool(operand(expr, inputs)?));
        };
        if call.target.is_some() {
            return None;
        }
        let boxed = |e: &IdedExpr| Fast::compile(e, inputs).map(Box::new);
        let operands = || {
            Some((
                operand(&call.args[0], inputs)?,
                operand(&call.args[1], inputs)?,
            ))
        };
        let compare = |order, equal| operands().map(|(a, b)| Fast::Compare(a, order, equal, b));
        match (call.func_name.as_str(), call.args.len()) {
            ("!_", 1) => Some(Fast::Not(boxed(&call.args[0])?)),
            ("_&&_", 2) => Some(Fast::And(boxed(&call.args[0])?, boxed(&call.args[1])?)),
            ("_||_", 2) => Some(Fast::Or(boxed(&call.args[0])?, boxed(&call.args[1])?)),
            ("_==_", 2) => operands().map(|(a, b)| Fast::Equals(a, true, b)),
            ("_!=_", 2) => operands().map(|(a, b)| Fast::Equals(a, false, b)),
            ("_<_", 2) => compare(Ordering::Less, false),
            ("_<=_", 2) => compare(Ordering::Less, true),
            ("_>_", 2) => compare(Ordering::Greater, false),
            ("_>=_", 2) => compare(Ordering::Greater, true),
            ("@in", 2) => operands().map(|(a, b)| Fast::In(a, b)),
            _ => None,
        }
    }

    pub(crate) fn eval(&self, roots: &[FVal<'_>]) -> Result<bool, GiveUp> {
        match self {
            Fast::And(a, b) => Ok(a.eval(roots)? && b.eval(roots)?),
            Fast::Or(a, b) => Ok(a.eval(roots)? || b.eval(roots)?),
            Fast::Not(a) => a.eval(roots).map(|b| !b),
            Fast::Bool(a) => match a.eval(roots)? {
                FVal::Bool(b) => Ok(b),
                _ => Err(GiveUp),
            },
            Fast::Equals(a, equal, b) => {
                let same = equals(a.eval(roots)?, b.eval(roots)?)?;
                Ok(same == *equal)
            }
            Fast::Compare(a, order, or_equal, b) => {
                let found = compare(a.eval(roots)?, b.eval(roots)?)?;
                Ok(found == *order || (*or_equal && found == Ordering::Equal))
            }
            Fast::In(a, b) => {
                let needle = a.eval(roots)?;
                match b {
                    Operand::List(items) => {
                        for item in items {
                            if equals(item.val(), needle)? {
                                return Ok(true);
                            }
                        }
                        Ok(false)
                    }
                    _ => match b.eval(roots)? {
                        FVal::List(items) => {
                            for item in items {
                                if equals(dynamic(item), needle)? {
                                    return Ok(true);
                                }
                            }
                            Ok(false)
                        }
                        _ => Err(GiveUp),
                    },
                }
            }
        }
    }
}

fn operand(expr: &IdedExpr, inputs: &[&str]) -> Option<Operand> {
    match &expr.expr {
        Ast::Ident(name) => {
            let index = inputs.iter().position(|i| i == name)?;
            Some(Operand::Input(index, Vec::new()))
        }
        Ast::Select(select) if !select.test => match operand(&select.operand, inputs)? {
            Operand::Input(index, mut path) => {
                path.push(select.field.clone());
                Some(Operand::Input(index, path))
            }
            _ => None,
        },
        Ast::Literal(literal) => literal_of(literal).map(Operand::Literal),
        Ast::List(list) if list.optional_indices.is_empty() => list
            .elements
            .iter()
            .map(|e| match &e.expr {
                Ast::Literal(l) => literal_of(l),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Operand::List),
        _ => None,
    }
}

fn literal_of(literal: &LiteralValue) -> Option<Literal> {
    Some(match literal {
        LiteralValue::Null => Literal::Null,
        LiteralValue::Boolean(b) => Literal::Bool(*b.inner()),
        LiteralValue::Int(i) => Literal::Int(*i.inner()),
        LiteralValue::UInt(u) => Literal::UInt(*u.inner()),
        LiteralValue::Double(d) => Literal::Double(*d.inner()),
        LiteralValue::String(s) => Literal::Str(s.inner().to_string()),
        LiteralValue::Bytes(_) => return None,
    })
}

impl Operand {
    fn eval<'v>(&'v self, roots: &[FVal<'v>]) -> Result<FVal<'v>, GiveUp> {
        match self {
            Operand::Literal(literal) => Ok(literal.val()),
            Operand::Input(index, path) => {
                let mut value = *roots.get(*index).ok_or(GiveUp)?;
                for field in path {
                    let FVal::Map(fields) = value else {
                        return Err(GiveUp);
                    };
                    value = dynamic(fields.get(field).ok_or(GiveUp)?);
                }
                Ok(value)
            }
            Operand::List(_) => Err(GiveUp),
        }
    }
}

impl Literal {
    fn val(&self) -> FVal<'_> {
        match self {
            Literal::Null => FVal::Null,
            Literal::Bool(b) => FVal::Bool(*b),
            Literal::Int(i) => FVal::Int(*i),
            Literal::UInt(u) => FVal::UInt(*u),
            Literal::Double(d) => FVal::Double(*d),
            Literal::Str(s) => FVal::Str(s),
        }
    }
}

/// CEL's ordering: numbers across int, uint and double (via double when one
/// side is a double), strings, booleans. Anything else, or NaN, gives up.
fn compare(a: FVal<'_>, b: FVal<'_>) -> Result<Ordering, GiveUp> {
    match (a, b) {
        (FVal::Str(x), FVal::Str(y)) => Ok(x.cmp(y)),
        (FVal::Bool(x), FVal::Bool(y)) => Ok(x.cmp(&y)),
        _ => compare_numbers(a, b).ok_or(GiveUp),
    }
}

#[allow(clippy::cast_precision_loss)] // as CEL does: mixed comparisons go through double
fn compare_numbers(a: FVal<'_>, b: FVal<'_>) -> Option<Ordering> {
    match (a, b) {
        (FVal::Int(x), FVal::Int(y)) => Some(x.cmp(&y)),
        (FVal::UInt(x), FVal::UInt(y)) => Some(x.cmp(&y)),
        (FVal::Int(x), FVal::UInt(y)) => {
            Some(u64::try_from(x).map_or(Ordering::Less, |x| x.cmp(&y)))
        }
        (FVal::UInt(x), FVal::Int(y)) => {
            Some(u64::try_from(y).map_or(Ordering::Greater, |y| x.cmp(&y)))
        }
        (FVal::Double(x), FVal::Double(y)) => x.partial_cmp(&y),
        (FVal::Double(x), FVal::Int(y)) => x.partial_cmp(&(y as f64)),
        (FVal::Double(x), FVal::UInt(y)) => x.partial_cmp(&(y as f64)),
        (FVal::Int(x), FVal::Double(y)) => (x as f64).partial_cmp(&y),
        (FVal::UInt(x), FVal::Double(y)) => (x as f64).partial_cmp(&y),
        _ => None,
    }
}

/// CEL's equality for scalars: numbers by value across types (NaN equals
/// nothing), otherwise same type and value; different types are unequal.
/// Lists and maps are only compared with `null` (unequal); otherwise the
/// fast path gives up.
fn equals(a: FVal<'_>, b: FVal<'_>) -> Result<bool, GiveUp> {
    Ok(match (a, b) {
        (FVal::Null, FVal::Null) => true,
        (FVal::Null, FVal::List(_) | FVal::Map(_)) | (FVal::List(_) | FVal::Map(_), FVal::Null) => {
            false
        }
        (FVal::List(_) | FVal::Map(_), _) | (_, FVal::List(_) | FVal::Map(_)) => {
            return Err(GiveUp)
        }
        (FVal::Bool(x), FVal::Bool(y)) => x == y,
        (FVal::Str(x), FVal::Str(y)) => x == y,
        _ => compare_numbers(a, b) == Some(Ordering::Equal),
    })
}

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
