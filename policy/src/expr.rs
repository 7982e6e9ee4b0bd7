//! One CEL expression: compiled once when the policy is parsed, then run
//! against each evaluation's inputs.

use std::sync::{Arc, OnceLock};

use cel::common::ast::{EntryExpr, Expr as Ast};
use cel::common::types::CelBool;
use cel::{Context, Env, IdedExpr, Program, Value};

use crate::bind::Scope;
use crate::cost::{self, Estimate};
use crate::fast::Fast;
use crate::model::InputSpec;
use crate::shape::{MAX_DEPTH, MAX_NESTING};

/// Longer expressions are rejected: nothing legitimate needs more, and it
/// bounds the parser's work on hostile input.
const MAX_LEN: usize = 4096;

/// Names an expression may use without declaring them as inputs: CEL's type
/// denotations (`type(x) == int`) and the `optional` function namespace.
const BUILTIN_NAMES: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "dyn",
    "int",
    "list",
    "map",
    "null_type",
    "optional",
    "string",
    "type",
    "uint",
];

/// CEL keywords and reserved words: an input with one of these names could
/// never be referred to.
const RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "false",
    "for",
    "function",
    "if",
    "import",
    "in",
    "let",
    "loop",
    "namespace",
    "null",
    "package",
    "return",
    "true",
    "var",
    "void",
    "while",
];

/// Whether `name` can be declared as an input and then written in CEL.
pub(crate) fn is_valid_input_name(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&name)
        && !BUILTIN_NAMES.contains(&name)
}

/// The standard environment, built once: building it registers every
/// standard function, far too costly to repeat per evaluation.
fn env() -> &'static Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        crate::budget::register(&mut env);
        Arc::new(env)
    })
}

/// A fresh evaluation context over the standard environment.
pub(crate) fn new_context<'v>() -> Context<'static, 'v> {
    Context::with_env(Arc::clone(env()))
}

/// A problem in an expression, at a 1-based line and column of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExprError {
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) message: String,
}

/// An input an expression refers to, and where (1-based, in its text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub(crate) name: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

#[derive(Debug)]
pub(crate) struct Expr {
    program: Program,
    /// The expression as run on CEL: every comprehension step counted
    /// against the budget (see `budget.rs`).
    counted: IdedExpr,
    references: Vec<Reference>,
    fast: Option<Fast>,
    estimate: Estimate,
}

impl Expr {
    pub(crate) fn compile(text: &str) -> Result<Expr, Vec<ExprError>> {
        if text.chars().count() > MAX_LEN {
            return Err(vec![ExprError {
                line: 1,
                column: 1,
                message: format!("expression is longer than {MAX_LEN} characters"),
            }]);
        }
        if text.trim().is_empty() {
            return Err(vec![ExprError {
                line: 1,
                column: 1,
                message: "expression is empty".to_string(),
            }]);
        }
        if let Some((line, column)) = crate::shape::too_nested(text) {
            return Err(vec![ExprError {
                line,
                column,
                message: format!(
                    "brackets nest deeper than {MAX_NESTING} levels; split the expression into \
                     several conditions under `all:` or `any:`"
                ),
            }]);
        }
        let program = env().compile(text).map_err(|errors| {
            // After a syntax error the parser goes on to report follow-on
            // errors ("Incomplete `ExprContext`…") that only confuse; the
            // first syntax error is the one to fix.
            let mut errors = errors.errors;
            let first_syntax = errors
                .iter()
                .position(|e| e.msg.starts_with("Syntax error"));
            if let Some(at) = first_syntax {
                errors = vec![errors.swap_remove(at)];
            }
            errors
                .into_iter()
                .map(|e| ExprError {
                    line: clamp_position(e.pos.0),
                    column: clamp_position(e.pos.1),
                    message: e.msg,
                })
                .collect::<Vec<_>>()
        })?;
        let counted = crate::budget::instrument(program.expression());
        if crate::shape::depth(&counted) > MAX_DEPTH {
            return Err(vec![ExprError {
                line: 1,
                column: 1,
                message: format!(
                    "expression nests deeper than {MAX_DEPTH} levels (every operator, call and \
                     macro counts); split it into several conditions under `all:` or `any:`"
                ),
            }]);
        }
        let mut roots = Vec::new();
        collect_roots(program.expression(), &mut Vec::new(), &mut roots);
        let references = roots
            .into_iter()
            .map(|(name, id)| {
                let offset = program.source_info().offset_for(id).map_or(0, |(s, _)| s);
                let (line, column) = line_column(text, offset);
                Reference { name, line, column }
            })
            .collect();
        Ok(Expr {
            counted,
            program,
            references,
            fast: None,
            estimate: Estimate::default(),
        })
    }

    /// Prepares the fast path and estimates the worst-case cost, once the
    /// declared inputs are known.
    pub(crate) fn with_inputs(mut self, specs: &[InputSpec]) -> Expr {
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        self.fast = Fast::compile(self.program.expression(), &names);
        self.estimate = cost::estimate(self.program.expression(), specs);
        self
    }

    pub(crate) fn estimate(&self) -> &Estimate {
        &self.estimate
    }

    /// The 1-based line and column in `text` (this expression's source) of
    /// the subexpression `id`; the start when it has no recorded position.
    pub(crate) fn position(&self, text: &str, id: Option<u64>) -> (u32, u32) {
        let offset = id
            .and_then(|id| self.program.source_info().offset_for(id))
            .map_or(0, |(start, _)| start);
        line_column(text, offset)
    }

    /// The inputs the expression refers to, each occurrence in source order.
    pub(crate) fn references(&self) -> &[Reference] {
        &self.references
    }

    #[cfg(test)]
    pub(crate) fn has_fast_path(&self) -> bool {
        self.fast.is_some()
    }

    /// What the fast path decides, if it does.
    pub(crate) fn fast_result(&self, roots: &[crate::fast::FVal<'_>]) -> Option<bool> {
        self.fast.as_ref()?.eval(roots).ok()
    }

    /// Runs the expression, on the fast path when it covers it; anything but
    /// a boolean result is an error.
    pub(crate) fn eval(&self, scope: &Scope<'_, '_, '_>) -> Result<bool, String> {
        if let Some(result) = self.fast_result(scope.roots) {
            return Ok(result);
        }
        scope.with_cel(|context| self.eval_cel(context))
    }

    pub(crate) fn eval_cel(&self, context: &Context<'_, '_>) -> Result<bool, String> {
        let value = Value::resolve_val(&self.counted, context).map_err(|e| e.to_string())?;
        match value.downcast_ref::<CelBool>() {
            Some(b) => Ok(*b.inner()),
            None => Err(format!(
                "expression evaluated to a {}, not a bool",
                value.get_type().name()
            )),
        }
    }
}

fn clamp_position(n: isize) -> u32 {
    u32::try_from(n.max(1)).unwrap_or(u32::MAX)
}

/// The 1-based line and column (in characters) of byte `offset` of `text`:
/// the parser records byte offsets.
fn line_column(text: &str, offset: u32) -> (u32, u32) {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let (mut line, mut column) = (1u32, 1u32);
    for (at, c) in text.char_indices() {
        if at >= offset {
            break;
        }
        if c == '\n' {
            line = line.saturating_add(1);
            column = 1;
        } else {
            column = column.saturating_add(1);
        }
    }
    (line, column)
}

/// Collects the identifiers that must name inputs: free identifiers (the
/// root of `a.b.c` included), minus comprehension variables in scope and
/// CEL's builtin names. Function names are not identifiers in the AST, so
/// `size`, `startsWith` and the macros never show up here.
fn collect_roots(expr: &IdedExpr, bound: &mut Vec<String>, out: &mut Vec<(String, u64)>) {
    match &expr.expr {
        Ast::Ident(name) => {
            let internal = name.starts_with('@');
            if !internal && !bound.contains(name) && !BUILTIN_NAMES.contains(&name.as_str()) {
                out.push((name.clone(), expr.id));
            }
        }
        Ast::Select(select) => collect_roots(&select.operand, bound, out),
        Ast::Call(call) => {
            if let Some(target) = &call.target {
                collect_roots(target, bound, out);
            }
            for arg in &call.args {
                collect_roots(arg, bound, out);
            }
        }
        Ast::List(list) => {
            for element in &list.elements {
                collect_roots(element, bound, out);
            }
        }
        Ast::Map(map) => collect_entries(&map.entries, bound, out),
        Ast::Struct(st) => collect_entries(&st.entries, bound, out),
        Ast::Comprehension(comp) => {
            collect_roots(&comp.iter_range, bound, out);
            collect_roots(&comp.accu_init, bound, out);
            let depth = bound.len();
            bound.push(comp.iter_var.clone());
            bound.extend(comp.iter_var2.iter().cloned());
            bound.push(comp.accu_var.clone());
            collect_roots(&comp.loop_cond, bound, out);
            collect_roots(&comp.loop_step, bound, out);
            collect_roots(&comp.result, bound, out);
            bound.truncate(depth);
        }
        Ast::Literal(_) | Ast::Unspecified => {}
    }
}

fn collect_entries(
    entries: &[cel::common::ast::IdedEntryExpr],
    bound: &mut Vec<String>,
    out: &mut Vec<(String, u64)>,
) {
    for entry in entries {
        match &entry.expr {
            EntryExpr::StructField(field) => collect_roots(&field.value, bound, out),
            EntryExpr::MapEntry(entry) => {
                collect_roots(&entry.key, bound, out);
                collect_roots(&entry.value, bound, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        match Expr::compile(text) {
            Ok(e) => e.references().iter().map(|r| r.name.clone()).collect(),
            Err(e) => panic!("{text}: {e:?}"),
        }
    }

    #[test]
    fn finds_free_identifiers_only() {
        assert_eq!(names("a.b.c > 1 && size(d) > 0"), ["a", "d"]);
        assert_eq!(names("tags.exists(t, t == x)"), ["tags", "x"]);
        assert_eq!(names("[1, 2].all(n, n > 0)"), Vec::<String>::new());
        assert_eq!(names("has(m.f) && type(v) == int"), ["m", "v"]);
        assert_eq!(names("s.startsWith('a') && 'x' in l"), ["s", "l"]);
        assert_eq!(names("{'k': v}.k == w.matches('^a')"), ["v", "w"]);
    }

    #[test]
    fn reference_positions_are_in_the_text() {
        let expr = Expr::compile("1 < 2 &&\n  zed > 3").ok();
        let refs = expr.as_ref().map(|e| e.references().to_vec());
        assert_eq!(
            refs,
            Some(vec![Reference {
                name: "zed".into(),
                line: 2,
                column: 3
            }])
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let errors = Expr::compile("a > ").err().unwrap_or_default();
        assert_eq!((errors[0].line, errors[0].column), (1, 5));
    }

    #[test]
    fn input_names_must_be_cel_identifiers() {
        assert!(is_valid_input_name("open_sev1_count"));
        for bad in ["1x", "a-b", "in", "int", "", "é"] {
            assert!(!is_valid_input_name(bad), "{bad}");
        }
    }
}
