//! A rule's `when`: one CEL expression, or `all` / `any` / `not` of others.

use crate::bind::Scope;
use crate::expr::{Expr, Reference};

#[derive(Debug)]
pub(crate) enum Condition {
    Expr { expr: Box<Expr>, text: String },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

impl Condition {
    /// A canonical one-line spelling: expressions with their whitespace
    /// collapsed, combinators as `all(a, b)`. Two conditions with the same
    /// spelling always agree, which is what the duplicate-rule lint relies on.
    pub(crate) fn describe(&self) -> String {
        let join = |name: &str, parts: &[Condition]| {
            let inner: Vec<String> = parts.iter().map(Condition::describe).collect();
            format!("{name}({})", inner.join(", "))
        };
        match self {
            Condition::Expr { text, .. } => collapse_whitespace(text),
            Condition::All(parts) => join("all", parts),
            Condition::Any(parts) => join("any", parts),
            Condition::Not(inner) => format!("not({})", inner.describe()),
        }
    }

    /// Whether the condition is the literal `true`, so always matches.
    pub(crate) fn is_always_true(&self) -> bool {
        matches!(self, Condition::Expr { text, .. } if text.trim() == "true")
    }

    /// Evaluates like CEL's `&&`, `||` and `!`: an error is absorbed when the
    /// other operands decide anyway (`false` in `all`, `true` in `any`), so
    /// the result does not depend on operand order.
    pub(crate) fn eval(&self, scope: &Scope<'_, '_, '_>) -> Result<bool, String> {
        match self {
            Condition::Expr { expr, text } => {
                expr.eval(scope).map_err(|e| format!("`{text}`: {e}"))
            }
            Condition::All(parts) => decide(parts, scope, false),
            Condition::Any(parts) => decide(parts, scope, true),
            Condition::Not(inner) => inner.eval(scope).map(|b| !b),
        }
    }

    /// The worst-case cost: every part may run.
    pub(crate) fn cost(&self) -> u64 {
        match self {
            Condition::Expr { expr, .. } => expr.estimate().cost,
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter().fold(0, |sum, p| sum.saturating_add(p.cost()))
            }
            Condition::Not(inner) => inner.cost(),
        }
    }

    /// The cost of the costliest single expression in the condition.
    pub(crate) fn costliest_part(&self) -> u64 {
        match self {
            Condition::Expr { expr, .. } => expr.estimate().cost,
            Condition::All(parts) | Condition::Any(parts) => parts
                .iter()
                .map(Condition::costliest_part)
                .max()
                .unwrap_or(0),
            Condition::Not(inner) => inner.costliest_part(),
        }
    }

    pub(crate) fn for_each_reference(&self, f: &mut impl FnMut(&Reference)) {
        match self {
            Condition::Expr { expr, .. } => expr.references().iter().for_each(f),
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter().for_each(|p| p.for_each_reference(f));
            }
            Condition::Not(inner) => inner.for_each_reference(f),
        }
    }
}

/// Trims and collapses runs of whitespace to one space, outside string
/// literals only (`'a  b'` and `'a b'` are different strings).
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut pending_space = false;
    for c in text.trim().chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c.is_whitespace() => {
                pending_space = true;
                continue;
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            None => {}
        }
        if std::mem::take(&mut pending_space) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// `all` when `decisive` is false, `any` when it is true: the first part
/// evaluating to `decisive` decides; otherwise the first error, if any.
fn decide(parts: &[Condition], scope: &Scope<'_, '_, '_>, decisive: bool) -> Result<bool, String> {
    let mut error = None;
    for part in parts {
        match part.eval(scope) {
            Ok(value) if value == decisive => return Ok(decisive),
            Ok(_) => {}
            Err(e) => {
                error.get_or_insert(e);
            }
        }
    }
    error.map_or(Ok(!decisive), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(text: &str) -> Condition {
        match Expr::compile(text) {
            Ok(expr) => Condition::Expr {
                expr: Box::new(expr),
                text: text.to_string(),
            },
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn errors_are_absorbed_like_cel() {
        let bound = std::cell::OnceCell::new();
        let scope = Scope::new(&[], &[], &[], &bound);
        let all = Condition::All(vec![leaf("missing > 1"), leaf("false")]);
        assert_eq!(all.eval(&scope), Ok(false));
        let any = Condition::Any(vec![leaf("missing > 1"), leaf("true")]);
        assert_eq!(any.eval(&scope), Ok(true));
        let all = Condition::All(vec![leaf("true"), leaf("missing > 1")]);
        assert!(all.eval(&scope).is_err());
        assert_eq!(
            Condition::Not(Box::new(leaf("false"))).eval(&scope),
            Ok(true)
        );
    }

    #[test]
    fn describes_canonically() {
        let c = Condition::All(vec![leaf("a  >\n 1"), Condition::Not(Box::new(leaf("b")))]);
        assert_eq!(c.describe(), "all(a > 1, not(b))");
        assert_eq!(leaf("s  == 'a  b'").describe(), "s == 'a  b'");
    }
}
