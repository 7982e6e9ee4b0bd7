//! The Verdict policy engine: parses, validates, lints, tests and evaluates
//! policies that govern what AI agents may do.
//!
//! The language is described in `docs/policy-language.md`. This crate is
//! pure and synchronous (no I/O, clock or randomness) and builds for
//! `wasm32-unknown-unknown`, so the server, the browser editor and replay
//! all run the same code. Every public type is `Send + Sync`.
//!
//! # API
//!
//! Parsing and inspecting:
//! - [`Policy::parse`]`(source: &str) -> Result<Policy, Vec<Diagnostic>>`:
//!   a `Policy` that exists is valid, with its expressions compiled once.
//! - Accessors: [`Policy::id`], [`Policy::description`], [`Policy::owner`],
//!   [`Policy::intents`], [`Policy::inputs`] ([`InputSpec`], with each
//!   input's [`InputSpec::description`] and [`InputSpec::unit`]),
//!   [`Policy::rules`] ([`Rule`]), [`Policy::tests`] ([`TestCase`]),
//!   [`Policy::combine`], [`Policy::default_outcome`],
//!   [`Policy::content_hash`].
//! - [`Policy::applies_to_intent`]`(intent: &str) -> bool`: `scope.intents`
//!   globs, `*` any run of characters, `?` one character.
//!
//! Evaluating:
//! - [`Policy::evaluate`]`(inputs: &serde_json::Value) -> Evaluation` and
//!   [`Policy::evaluate_map`]`(inputs: &serde_json::Map<String, Value>)`.
//!   Fails closed: bad inputs or a failing rule give `deny` with
//!   [`Evaluation::error`] set. Deterministic: equal inputs give
//!   byte-identical serialized results. Comparisons, equality and `in`
//!   between input fields and literals run on a fast path evaluated on the
//!   JSON directly (about 2 µs for 20 rules); everything else runs on the
//!   `cel` interpreter, which the fast path is differentially tested against.
//!
//! Bounding cost (see the language doc, "Bounds and cost"):
//! - every input has `max_items` / `max_length` bounds ([`InputSpec::max_items`],
//!   [`InputSpec::max_length`]; [`DEFAULT_MAX_ITEMS`], [`DEFAULT_MAX_LENGTH`] when undeclared),
//!   and every rule a worst-case cost at them ([`Rule::worst_case_cost`]); parsing refuses a
//!   rule over [`MAX_RULE_COST`] or a policy over [`MAX_POLICY_COST`].
//! - [`Policy::oversized_input`]`(&Map) -> Option<EvaluationError>`: the first input beyond
//!   its bounds, for servers to refuse before evaluating (evaluating fails closed on it too).
//! - Evaluation also stops after [`STEP_BUDGET`] comprehension steps, failing closed with
//!   [`ErrorKind::BudgetExhausted`]; an admitted policy within its bounds never reaches it.
//!
//! Checking:
//! - [`Policy::lint`]`() -> Vec<Diagnostic>`: warnings only.
//! - [`Policy::run_tests`]`() -> Vec<TestResult>`: the policy's `tests:`.
//! - [`check`]`(source: &str) -> CheckReport`: parse + lint + tests, what
//!   `verdict policy check` prints.
//! - [`dry_run`]`(source: &str, context: &Value) -> DryRunReport`: the
//!   editor's live preview.
//! - [`render_diagnostic`]`(file: &str, d: &Diagnostic) -> String`:
//!   `file:line:col: severity: message`.
//! - [`content_hash`]`(source: &str) -> String`: hex SHA-256 with line
//!   endings normalised to LF.
//!
//! Data products (the catalogue of what agents read and write, for which purposes, at what
//! risk tier): [`catalogue::Product::parse`], [`catalogue::Product::lint`],
//! [`catalogue::check_product`]; see the [`catalogue`] module.
//!
//! ```
//! use verdict_policy::{Outcome, Policy};
//!
//! let policy = Policy::parse(
//!     "policy: discount_cap
//! inputs:
//!   proposed_discount: { type: number, required: true }
//! rules:
//!   - name: over_cap
//!     when: proposed_discount > 0.10
//!     outcome: requires_exception
//!     approval_route: finance-approvals
//! default: allow
//! ",
//! )
//! .map_err(|d| format!("{d:?}"))?;
//! let evaluation = policy.evaluate(&serde_json::json!({ "proposed_discount": 0.25 }));
//! assert_eq!(evaluation.outcome, Outcome::RequiresException);
//! assert_eq!(evaluation.approval_route.as_deref(), Some("finance-approvals"));
//! # Ok::<(), String>(())
//! ```

mod bind;
mod budget;
pub mod catalogue;
mod condition;
mod cost;
mod diagnostic;
mod evaluate;
mod expr;
mod fast;
mod glob;
mod hash;
mod ids;
mod lint;
mod model;
mod outcome;
mod parse;
mod report;
mod shape;
mod template;
mod tests_runner;
mod yaml;

pub use budget::STEP_BUDGET;
pub use cost::{DEFAULT_MAX_ITEMS, DEFAULT_MAX_LENGTH, MAX_POLICY_COST, MAX_RULE_COST};
pub use diagnostic::{render_diagnostic, Code, Diagnostic, Severity};
pub use evaluate::{ErrorKind, Evaluation, EvaluationError, RuleExplanation, RuleStatus};
pub use hash::content_hash;
pub use ids::{InvalidId, OperationName, PolicyId, ProductName, PurposeName, RuleName};
pub use model::{InputSpec, InputType, Policy, Rule, TestCase, UnknownInputType, MAX_UNIT_LENGTH};
pub use outcome::{Combine, Outcome, UnknownCombine, UnknownOutcome};
pub use report::{check, dry_run, CheckReport, DryRunReport};
pub use tests_runner::TestResult;

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<super::Policy>();
        assert_send_sync::<super::Evaluation>();
        assert_send_sync::<super::CheckReport>();
        assert_send_sync::<super::DryRunReport>();
    }
}
