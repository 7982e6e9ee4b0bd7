//! Facts about an expression's tree that limits and instrumentation rely on: how deeply it
//! nests, and the `map` / `filter` step shape the `cel` interpreter runs in place.

use cel::common::ast::{ComprehensionExpr, Expr as Ast};
use cel::IdedExpr;

/// Deeper expressions are rejected: the interpreter recurses once per level
/// (with frames of kilobytes), and a stack overflow would abort the whole
/// server. Chains such as `a && b && c` count one level per operator.
pub(crate) const MAX_DEPTH: usize = 32;

/// More deeply nested brackets are rejected before parsing: the `cel`
/// parser recurses per bracket with large frames and no limit of its own
/// on this path, so a few dozen `(` would overflow the stack.
pub(crate) const MAX_NESTING: usize = 8;

/// How deeply `expr` nests: the interpreter recurses once per level, with
/// large frames, so deep expressions must be refused before they run. A
/// comprehension counts four levels: running one takes several frames,
/// each larger than an operator's.
pub(crate) fn depth(expr: &IdedExpr) -> usize {
    let deepest = |parts: &mut dyn Iterator<Item = &IdedExpr>| parts.map(depth).max().unwrap_or(0);
    1 + match &expr.expr {
        Ast::Call(call) => deepest(&mut call.target.as_deref().into_iter().chain(&call.args)),
        Ast::Select(select) => depth(&select.operand),
        Ast::List(list) => deepest(&mut list.elements.iter()),
        Ast::Map(map) => deepest(&mut map.entries.iter().flat_map(|entry| match &entry.expr {
            cel::common::ast::EntryExpr::MapEntry(e) => vec![&e.key, &e.value],
            cel::common::ast::EntryExpr::StructField(f) => vec![&f.value],
        })),
        Ast::Struct(st) => deepest(
            &mut st.entries.iter().filter_map(|entry| match &entry.expr {
                cel::common::ast::EntryExpr::StructField(f) => Some(&f.value),
                cel::common::ast::EntryExpr::MapEntry(_) => None,
            }),
        ),
        Ast::Comprehension(c) => {
            3 + deepest(
                &mut [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ]
                .into_iter(),
            )
        }
        Ast::Ident(_) | Ast::Literal(_) | Ast::Unspecified => 0,
    }
}

/// Where brackets (outside string literals) first nest deeper than
/// [`MAX_NESTING`], if they do. Unclosed quotes count as strings to the end:
/// the parser refuses those anyway.
pub(crate) fn too_nested(text: &str) -> Option<(u32, u32)> {
    let mut depth = 0usize;
    let mut quote: Option<(char, bool)> = None;
    let mut escaped = false;
    let mut previous = ' ';
    let (mut line, mut column) = (1u32, 0u32);
    for c in text.chars() {
        if c == '\n' {
            line = line.saturating_add(1);
            column = 0;
        } else {
            column = column.saturating_add(1);
        }
        match quote {
            Some((q, raw)) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && !raw {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some((c, matches!(previous, 'r' | 'R'))),
                '(' | '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some((line, column));
                    }
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        previous = c;
    }
    None
}

/// The guard and appended item of a `map` / `filter` step, `@result +
/// [item]` or `guard ? @result + [item] : @result`: the shape the `cel`
/// interpreter runs in place rather than copying the list every step.
pub(crate) fn append_step(c: &ComprehensionExpr) -> Option<(Option<&IdedExpr>, &IdedExpr)> {
    let is_accu = |e: &IdedExpr| matches!(&e.expr, Ast::Ident(name) if *name == c.accu_var);
    let starts_empty = matches!(&c.accu_init.expr, Ast::List(l) if l.elements.is_empty());
    if !is_accu(&c.result) || !matches!(c.loop_cond.expr, Ast::Literal(_)) || !starts_empty {
        return None;
    }
    let item_of = |e: &'_ IdedExpr| -> Option<()> {
        match &e.expr {
            Ast::Call(call) if call.func_name == "_+_" && call.target.is_none() => {
                match call.args.as_slice() {
                    [lhs, rhs] if is_accu(lhs) => match &rhs.expr {
                        Ast::List(list) if list.elements.len() == 1 => Some(()),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    };
    fn single(e: &IdedExpr) -> Option<&IdedExpr> {
        let Ast::Call(call) = &e.expr else {
            return None;
        };
        match &call.args.get(1)?.expr {
            Ast::List(list) => list.elements.first(),
            _ => None,
        }
    }
    match &c.loop_step.expr {
        Ast::Call(call) if call.func_name == "_?_:_" && call.target.is_none() => {
            match call.args.as_slice() {
                [guard, step, otherwise] if is_accu(otherwise) => {
                    item_of(step)?;
                    Some((Some(guard), single(step)?))
                }
                _ => None,
            }
        }
        _ => {
            item_of(&c.loop_step)?;
            Some((None, single(&c.loop_step)?))
        }
    }
}
