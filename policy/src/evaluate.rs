//! Evaluating a policy against one set of inputs, with an explanation of
//! every rule. Deterministic: the result depends on the policy and the
//! inputs only.

use std::cell::OnceCell;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::bind::{check, Scope};
use crate::fast::{self, FVal};
use crate::ids::{PolicyId, RuleName};
use crate::model::{Policy, Rule};
use crate::outcome::{Combine, Outcome};

/// The result of [`Policy::evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub policy: PolicyId,
    pub outcome: Outcome,
    /// The deciding rule's rendered rationale, or why there was none.
    pub rationale: String,
    /// The rule whose outcome (or error) decided; `None` when the default
    /// applied or the inputs were rejected.
    pub decided_by: Option<RuleName>,
    /// Every rule whose condition held, in document order. Under
    /// `first_match` that is at most the deciding rule.
    pub matched_rules: Vec<RuleName>,
    /// Where to ask for an exception, when the outcome is
    /// `requires_exception` (from the deciding rule).
    pub approval_route: Option<String>,
    /// One entry per rule, in document order.
    pub explanation: Vec<RuleExplanation>,
    /// Set when the evaluation failed closed.
    pub error: Option<EvaluationError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleExplanation {
    pub rule: RuleName,
    /// The outcome the rule yields when it matches.
    pub outcome: Outcome,
    pub status: RuleStatus,
    /// The rule's condition in canonical form (shared with the policy, so
    /// explaining costs no copy).
    pub condition: Arc<str>,
    /// The error message, or why the rule was skipped.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    Matched,
    NotMatched,
    Error,
    /// Not evaluated: an earlier rule decided (`first_match`), or the inputs
    /// were rejected.
    Skipped,
}

/// Why an evaluation failed closed (its outcome is then `deny`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct EvaluationError {
    pub kind: ErrorKind,
    /// The input or rule at fault.
    pub subject: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The inputs were not a JSON object.
    InvalidInputs,
    MissingInput,
    /// An input of the wrong type or outside its `enum`.
    InvalidInput,
    /// A rule's condition failed at run time.
    RuleError,
    /// An input larger than its `max_items` or `max_length` (declared or
    /// default).
    InputTooLarge,
    /// A rule ran out of the evaluation's step budget.
    BudgetExhausted,
}

impl Policy {
    /// Evaluates the policy. `inputs` should be a JSON object; anything else
    /// fails closed.
    pub fn evaluate(&self, inputs: &Value) -> Evaluation {
        match inputs.as_object() {
            Some(map) => self.evaluate_map(map),
            None => self.rejected(EvaluationError {
                kind: ErrorKind::InvalidInputs,
                subject: String::new(),
                message: "inputs must be a JSON object".to_string(),
            }),
        }
    }

    /// The first declared input larger than its `max_items` or `max_length`
    /// (declared or default), if any: servers refuse such inputs before
    /// evaluating (evaluating them fails closed too).
    pub fn oversized_input(&self, inputs: &Map<String, Value>) -> Option<EvaluationError> {
        self.inputs.iter().find_map(|spec| {
            let value = inputs.get(&spec.name)?;
            crate::bind::within_bounds(spec, value)
                .err()
                .map(|message| EvaluationError {
                    kind: ErrorKind::InputTooLarge,
                    subject: spec.name.clone(),
                    message,
                })
        })
    }

    /// Evaluates the policy against an input object.
    pub fn evaluate_map(&self, inputs: &Map<String, Value>) -> Evaluation {
        let values = match check(&self.inputs, inputs) {
            Ok(values) => values,
            Err(error) => return self.rejected(error),
        };
        let roots: Vec<FVal<'_>> = self
            .inputs
            .iter()
            .zip(&values)
            .map(|(spec, value)| fast::root(spec.input_type, *value))
            .collect();
        let bound = OnceCell::new();
        let scope = Scope::new(&roots, &self.inputs, &values, &bound);
        let mut explanation = Vec::with_capacity(self.rules.len());
        let mut decider: Option<(&Rule, Option<Failure>)> = None;
        crate::budget::start();
        for (index, rule) in self.rules.iter().enumerate() {
            let result = match rule.condition.eval(&scope) {
                // Even when `||` or `any` absorbed it, a spent budget fails
                // the rule: what was skipped might have matched.
                _ if crate::budget::exhausted() => Err(Failure {
                    kind: ErrorKind::BudgetExhausted,
                    message: format!(
                        "the evaluation budget of {} steps ran out",
                        crate::budget::limit()
                    ),
                }),
                Ok(matched) => Ok(matched),
                Err(message) => Err(Failure {
                    kind: ErrorKind::RuleError,
                    message,
                }),
            };
            let (status, detail) = match &result {
                Ok(true) => (RuleStatus::Matched, None),
                Ok(false) => (RuleStatus::NotMatched, None),
                Err(failure) => (RuleStatus::Error, Some(failure.message.clone())),
            };
            explanation.push(explain(rule, status, detail));
            let decides = match (&result, &decider) {
                // A failing rule decides (deny) unless an earlier one failed.
                (Err(e), None | Some((_, None))) => Some((rule, Some(e.clone()))),
                (Ok(true), None) => Some((rule, None)),
                // Among equally strict matches the first in document order
                // decides, so its rationale and approval route are used.
                (Ok(true), Some((current, None))) if rule.outcome > current.outcome => {
                    Some((rule, None))
                }
                _ => None,
            };
            if decides.is_some() {
                decider = decides;
            }
            let stop = self.combine == Combine::FirstMatch && decider.is_some();
            if stop {
                let decided = rule.name.as_str();
                for later in &self.rules[index + 1..] {
                    let why = format!("not evaluated: rule `{decided}` decided first");
                    explanation.push(explain(later, RuleStatus::Skipped, Some(why)));
                }
                break;
            }
        }
        self.conclude(inputs, explanation, decider)
    }

    fn conclude(
        &self,
        inputs: &Map<String, Value>,
        explanation: Vec<RuleExplanation>,
        decider: Option<(&Rule, Option<Failure>)>,
    ) -> Evaluation {
        let matched_rules = explanation
            .iter()
            .filter(|e| e.status == RuleStatus::Matched)
            .map(|e| e.rule.clone())
            .collect();
        let (outcome, rationale, decided_by, approval_route, error) = match decider {
            None => (
                self.default,
                format!("no rule matched; default {}", self.default),
                None,
                None,
                None,
            ),
            Some((rule, Some(Failure { kind, message }))) => (
                Outcome::Deny,
                format!(
                    "rule `{}` failed, so the policy fails closed: {message}",
                    rule.name
                ),
                Some(rule.name.clone()),
                None,
                Some(EvaluationError {
                    kind,
                    subject: rule.name.to_string(),
                    message,
                }),
            ),
            Some((rule, None)) => (
                rule.outcome,
                rule.rationale.as_ref().map_or_else(
                    || format!("rule `{}` matched", rule.name),
                    |t| t.render(inputs),
                ),
                Some(rule.name.clone()),
                rule.approval_route
                    .clone()
                    .filter(|_| rule.outcome == Outcome::RequiresException),
                None,
            ),
        };
        Evaluation {
            policy: self.id.clone(),
            outcome,
            rationale,
            decided_by,
            matched_rules,
            approval_route,
            explanation,
            error,
        }
    }

    /// The fail-closed result for inputs that cannot be evaluated.
    fn rejected(&self, error: EvaluationError) -> Evaluation {
        let why = format!("not evaluated: {}", error.message);
        Evaluation {
            policy: self.id.clone(),
            outcome: Outcome::Deny,
            rationale: format!("{}; failing closed (deny)", error.message),
            decided_by: None,
            matched_rules: Vec::new(),
            approval_route: None,
            explanation: self
                .rules
                .iter()
                .map(|r| explain(r, RuleStatus::Skipped, Some(why.clone())))
                .collect(),
            error: Some(error),
        }
    }
}

/// Why a rule failed.
#[derive(Debug, Clone)]
struct Failure {
    kind: ErrorKind,
    message: String,
}

fn explain(rule: &Rule, status: RuleStatus, detail: Option<String>) -> RuleExplanation {
    RuleExplanation {
        rule: rule.name.clone(),
        outcome: rule.outcome,
        status,
        condition: rule.condition_text.clone(),
        detail,
    }
}
