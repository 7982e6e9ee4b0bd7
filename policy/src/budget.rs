//! The run-time step budget: a guard behind the static estimate.
//!
//! The `cel` interpreter cannot be interrupted, has no step limit and no
//! hook that runs per loop iteration. So each compiled expression is
//! instrumented: every comprehension iteration first calls `@verdict_step`,
//! a function no policy can name (`@` cannot be written in CEL), which
//! counts down a per-thread budget and fails once it is spent. An error
//! from a loop condition or an appended item ends the loop at once, so an
//! exhausted budget unwinds the whole expression in a few steps. Whether the
//! budget ran out is also kept aside, so that no `||` or `all` can absorb
//! the failure: the evaluation fails closed.
//!
//! The budget counts steps, not time, so evaluations stay deterministic and
//! the crate keeps running in the browser (no clock there).

use std::cell::Cell;

use cel::common::ast::{CallExpr, Expr as Ast, LiteralValue};
use cel::common::types::CelBool;
use cel::common::value::CowVal;
use cel::{Env, ExecutionError, IdedExpr};

use crate::cost::MAX_POLICY_COST;
use crate::shape::append_step;

/// Comprehension iterations one evaluation may run. The estimate charges
/// at least one unit per iteration and a policy's rules together may cost
/// at most [`MAX_POLICY_COST`], so an admitted policy on inputs within their
/// bounds never reaches it.
pub const STEP_BUDGET: u64 = MAX_POLICY_COST;

const STEP: &str = "@verdict_step";

thread_local! {
    /// The budget each evaluation starts with: [`STEP_BUDGET`], lowered by
    /// unit tests that exhaust it on purpose.
    static LIMIT: Cell<u64> = const { Cell::new(STEP_BUDGET) };
    static LEFT: Cell<u64> = const { Cell::new(STEP_BUDGET) };
    static SPENT: Cell<bool> = const { Cell::new(false) };
}

static TRUE: CelBool = CelBool::TRUE;

/// Registers the step function.
pub(crate) fn register(env: &mut Env) {
    // The name is ours alone; failing here would be a programming error
    // caught by every test.
    if let Err(error) = env.add_overload(STEP, "verdict_step", Vec::new(), step) {
        panic!("cannot register {STEP}: {error:?}");
    }
}

fn step<'b, 'v>(_: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let left = LEFT.with(Cell::get);
    if left == 0 {
        SPENT.with(|spent| spent.set(true));
        return Err(ExecutionError::function_error(
            "evaluation budget",
            format!("the evaluation budget of {} steps is exhausted", limit()),
        ));
    }
    LEFT.with(|cell| cell.set(left - 1));
    Ok(CowVal::Borrowed(&TRUE))
}

/// Starts a fresh budget for one evaluation on this thread.
pub(crate) fn start() {
    LEFT.with(|left| left.set(limit()));
    SPENT.with(|spent| spent.set(false));
}

/// The steps each evaluation on this thread may take.
pub(crate) fn limit() -> u64 {
    LIMIT.with(Cell::get)
}

/// Whether the budget ran out since [`start`].
pub(crate) fn exhausted() -> bool {
    SPENT.with(Cell::get)
}

/// A copy of `expr` whose every comprehension iteration takes a step.
pub(crate) fn instrument(expr: &IdedExpr) -> IdedExpr {
    let mut copy = expr.clone();
    visit(&mut copy);
    copy
}

fn visit(expr: &mut IdedExpr) {
    match &mut expr.expr {
        Ast::Call(call) => {
            if let Some(target) = call.target.as_deref_mut() {
                visit(target);
            }
            call.args.iter_mut().for_each(visit);
        }
        Ast::Select(select) => visit(&mut select.operand),
        Ast::List(list) => list.elements.iter_mut().for_each(visit),
        Ast::Map(map) => map
            .entries
            .iter_mut()
            .for_each(|entry| match &mut entry.expr {
                cel::common::ast::EntryExpr::MapEntry(e) => {
                    visit(&mut e.key);
                    visit(&mut e.value);
                }
                cel::common::ast::EntryExpr::StructField(f) => visit(&mut f.value),
            }),
        Ast::Struct(st) => st.entries.iter_mut().for_each(|entry| {
            if let cel::common::ast::EntryExpr::StructField(f) = &mut entry.expr {
                visit(&mut f.value);
            }
        }),
        Ast::Comprehension(c) => {
            for part in [
                &mut c.iter_range,
                &mut c.accu_init,
                &mut c.loop_cond,
                &mut c.loop_step,
                &mut c.result,
            ] {
                visit(part);
            }
            let binds = matches!(&c.iter_range.expr, Ast::List(l) if l.elements.is_empty());
            if binds {
                return;
            }
            // `map` and `filter` keep the shape the interpreter appends in
            // place: their literal loop condition stays, the step goes into
            // the guard or the appended item instead.
            let in_place = append_step(c).map(|(guard, _)| guard.is_some());
            match in_place {
                Some(true) => {
                    if let Ast::Call(call) = &mut c.loop_step.expr {
                        guarded(&mut call.args[0], false);
                    }
                }
                Some(false) => {
                    if let Ast::Call(call) = &mut c.loop_step.expr {
                        if let Ast::List(list) = &mut call.args[1].expr {
                            guarded(&mut list.elements[0], true);
                        }
                    }
                }
                None => guarded(&mut c.loop_cond, false),
            }
        }
        Ast::Ident(_) | Ast::Literal(_) | Ast::Unspecified => {}
    }
}

/// Rewrites `e` as `@verdict_step() ? e : <never>`: a conditional fails at
/// once when its condition does, without evaluating either branch.
fn guarded(e: &mut IdedExpr, item: bool) {
    let id = e.id;
    let inner = std::mem::take(e);
    let never = if item {
        LiteralValue::Null
    } else {
        LiteralValue::Boolean(false.into())
    };
    let node = |expr| IdedExpr { id, expr };
    *e = node(Ast::Call(CallExpr {
        func_name: "_?_:_".to_string(),
        target: None,
        args: vec![
            node(Ast::Call(CallExpr {
                func_name: STEP.to_string(),
                target: None,
                args: Vec::new(),
            })),
            inner,
            node(Ast::Literal(never)),
        ],
    }));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{ErrorKind, Outcome, Policy};

    /// An admitted policy whose input bound is then raised behind the
    /// estimate's back: the run-time budget is all that is left.
    fn runaway(when: &str) -> Policy {
        let source = format!(
            "policy: runaway\ninputs:\n  l: {{ type: list, max_items: 3, max_length: 8 }}\n\
             default: allow\nrules:\n  - {{ name: loops, when: {}, outcome: allow }}\n",
            serde_json::json!(when)
        );
        let mut policy = Policy::parse(&source).unwrap_or_else(|d| panic!("{d:#?}"));
        policy.inputs[0].max_items = Some(1_000_000);
        // A smaller budget runs out sooner, which keeps the test quick.
        super::LIMIT.with(|limit| limit.set(20_000));
        policy
    }

    #[test]
    fn an_exhausted_budget_fails_closed_naming_the_budget() {
        let policy = runaway("l.all(x, l.all(y, l.all(z, x + y + z > -1)))");
        let inputs = json!({ "l": (0..200).collect::<Vec<i64>>() });
        let evaluation = policy.evaluate(&inputs);
        assert_eq!(evaluation.outcome, Outcome::Deny);
        let error = evaluation.error.unwrap_or_else(|| panic!("no error"));
        assert_eq!(error.kind, ErrorKind::BudgetExhausted);
        assert_eq!(error.subject, "loops");
        assert!(evaluation
            .rationale
            .contains("evaluation budget of 20000 steps"));
        // The next evaluation starts with a fresh budget.
        let small = policy.evaluate(&json!({ "l": [1, 2] }));
        assert_eq!((small.outcome, small.error), (Outcome::Allow, None));
    }

    #[test]
    fn no_operator_absorbs_an_exhausted_budget() {
        for when in [
            "l.all(x, l.all(y, l.all(z, x + y + z > -1))) || true",
            "true || l.map(x, l.map(y, l.map(z, x + y + z))).size() > 0",
            "l.exists(x, l.exists(y, l.exists(z, x + y + z < -1))) || l.size() > 0",
            "l.filter(x, l.filter(y, l.filter(z, z > x + y).size() > 0).size() > 0).size() >= 0",
        ] {
            let policy = runaway(when);
            let evaluation = policy.evaluate(&json!({ "l": (0..200).collect::<Vec<i64>>() }));
            let kind = evaluation.error.as_ref().map(|e| e.kind);
            // `true || …` never runs the loops, and must still allow.
            if when.starts_with("true ||") {
                assert_eq!(evaluation.outcome, Outcome::Allow, "{when}");
                continue;
            }
            assert_eq!(evaluation.outcome, Outcome::Deny, "{when}");
            assert_eq!(kind, Some(ErrorKind::BudgetExhausted), "{when}");
        }
    }
}
