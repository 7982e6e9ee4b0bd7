//! Actions in a decision: how an action becomes a policy's inputs, and the binding rule that
//! lets a decision's writes do only what it evaluated.
//!
//! - **Inputs.** `POST /decisions/{id}/evaluate` with an `action` evaluates the policies on the
//!   action's arguments: each argument is an input of the same name, and the input `action` is
//!   `{product, operation, digest}`. An input given beside the action must equal the argument
//!   of that name (numbers compare as numbers: `1.0` equals `1`), otherwise the evaluation is
//!   refused (422 naming `inputs.NAME`): a policy must never judge other values than the ones
//!   the action will carry. `inputs.action` is reserved when an action is given.
//! - **Binding.** Once a decision evaluated an action, every write presents an action whose
//!   digest equals one evaluated in it, and that evaluation permitted it: `allow`, or
//!   `requires_exception` with a granted approval, which covers the action of the decision's
//!   latest evaluation only (evaluating anything else voids it, `commands::evaluate`). Anything
//!   else is refused with 409 `action_mismatch` naming the fields that differ from the closest
//!   evaluated action, and recorded as a `write_refused` event.

use serde_json::{json, Map, Value};
use verdict_policy::Outcome;

use crate::{
    error::{AppError, AppResult},
    model::{Action, EvaluatedAction},
};

/// `sha256:` + hex SHA-256 of the action's RFC 8785 canonical JSON.
pub fn digest(action: &Action) -> String {
    verdict_receipt::Action {
        product: action.product.clone(),
        operation: action.operation.clone(),
        arguments: action.arguments.clone(),
    }
    .digest()
}

/// The inputs a policy sees for `action`: its arguments, then the explicitly given `inputs`
/// (which must agree with them), then `action` itself.
pub fn inputs_with_action(
    mut inputs: Map<String, Value>,
    action: &Action,
    digest: &str,
) -> AppResult<Map<String, Value>> {
    if inputs.contains_key("action") {
        return Err(AppError::invalid(
            "inputs.action",
            "inputs.action is filled from the action; leave it out.",
        ));
    }
    for (name, argument) in &action.arguments {
        match inputs.get(name) {
            Some(given) if !same_value(given, argument) => {
                return Err(AppError::invalid(
                    format!("inputs.{name}"),
                    format!(
                        "inputs.{name} differs from action.arguments.{name}; a policy judges the \
                         action's own arguments, so give the same value or leave it out."
                    ),
                ));
            }
            Some(_) => {}
            None => {
                inputs.insert(name.clone(), argument.clone());
            }
        }
    }
    inputs.insert(
        "action".to_owned(),
        json!({"product": action.product, "operation": action.operation, "digest": digest}),
    );
    Ok(inputs)
}

/// Why a write may not go ahead under the binding rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// What an auditor reads on the `write_refused` event and the agent in its 409.
    pub reason: String,
    /// The evaluated action the attempt is closest to, if any was evaluated.
    pub closest: Option<String>,
    /// The fields of the attempt that differ from the closest evaluated action
    /// (`product`, `operation`, `arguments.NAME`); empty when the action was evaluated but not
    /// permitted.
    pub differing: Vec<String>,
}

/// Where a decision stands for the binding rule.
pub struct Evaluated<'a> {
    pub actions: &'a [EvaluatedAction],
    /// The action of the decision's latest evaluation, which a granted approval covers.
    pub latest: Option<&'a str>,
    pub approval_granted: bool,
}

impl Evaluated<'_> {
    /// Whether a write of `attempted` (with its digest) may be recorded. A decision that never
    /// evaluated an action accepts any write, as before actions existed.
    pub fn check_write(&self, attempted: Option<(&Action, &str)>) -> Result<(), Mismatch> {
        if self.actions.is_empty() {
            return Ok(());
        }
        let Some((action, digest)) = attempted else {
            return Err(Mismatch {
                reason: "this decision evaluated an action, so a write must present the action \
                         it carries out"
                    .to_owned(),
                closest: self
                    .actions
                    .last()
                    .map(|evaluated| evaluated.digest.clone()),
                differing: vec!["action".to_owned()],
            });
        };
        if let Some(evaluated) = self.actions.iter().rev().find(|e| e.digest == digest) {
            let approved = self.approval_granted && self.latest == Some(digest);
            return match evaluated.outcome {
                Outcome::Allow => Ok(()),
                Outcome::RequiresException if approved => Ok(()),
                Outcome::RequiresException => Err(Mismatch {
                    reason: "this action requires an exception, and no granted approval covers \
                             it"
                    .to_owned(),
                    closest: Some(evaluated.digest.clone()),
                    differing: Vec::new(),
                }),
                Outcome::Deny => Err(Mismatch {
                    reason: "this action was evaluated and denied".to_owned(),
                    closest: Some(evaluated.digest.clone()),
                    differing: Vec::new(),
                }),
            };
        }
        let (closest, differing) = self
            .actions
            .iter()
            .rev()
            .map(|evaluated| (evaluated, differing_fields(&evaluated.action, action)))
            .min_by_key(|(_, differing)| differing.len())
            .map(|(evaluated, differing)| (evaluated.digest.clone(), differing))
            .unwrap_or_default();
        Err(Mismatch {
            reason: format!(
                "this action differs from every action evaluated in the decision (closest: {})",
                differing.join(", ")
            ),
            closest: Some(closest),
            differing,
        })
    }
}

impl From<&Mismatch> for AppError {
    fn from(mismatch: &Mismatch) -> Self {
        AppError::ActionMismatch {
            message: format!("Refused and recorded: {}.", mismatch.reason),
            differing: mismatch.differing.clone(),
        }
    }
}

/// The fields in which `attempted` differs from `evaluated`, in a stable order.
pub fn differing_fields(evaluated: &Action, attempted: &Action) -> Vec<String> {
    let mut fields = Vec::new();
    if evaluated.product != attempted.product {
        fields.push("product".to_owned());
    }
    if evaluated.operation != attempted.operation {
        fields.push("operation".to_owned());
    }
    let mut names: Vec<&String> = evaluated
        .arguments
        .keys()
        .chain(attempted.arguments.keys())
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let same = match (evaluated.arguments.get(name), attempted.arguments.get(name)) {
            (Some(a), Some(b)) => same_value(a, b),
            _ => false,
        };
        if !same {
            fields.push(format!("arguments.{name}"));
        }
    }
    fields
}

/// JSON equality as RFC 8785 decides it: numbers are equal when they are the same double
/// (`1`, `1.0`, `1e0`), object members in any order.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(name, value)| b.get(name).is_some_and(|other| same_value(value, other)))
        }
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refund(arguments: Value) -> Action {
        Action {
            product: "payments".to_owned(),
            operation: "refund.create".to_owned(),
            arguments: arguments.as_object().cloned().unwrap(),
        }
    }

    fn evaluated(action: Action, outcome: Outcome) -> EvaluatedAction {
        EvaluatedAction {
            digest: digest(&action),
            action,
            outcome,
        }
    }

    #[test]
    fn number_spelling_and_key_order_are_the_same_action() {
        let a: Value = serde_json::from_str(r#"{"amount": 1.0, "order": "A-1"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"order": "A-1", "amount": 1}"#).unwrap();
        assert_eq!(digest(&refund(a.clone())), digest(&refund(b.clone())));
        assert!(differing_fields(&refund(a), &refund(b)).is_empty());
    }

    #[test]
    fn the_fields_that_differ_are_named() {
        let evaluated = refund(json!({"amount": 10, "order": "A-1"}));
        let mut attempted = refund(json!({"amount": 1000, "order": "A-1", "note": "x"}));
        attempted.operation = "refund.force".to_owned();
        assert_eq!(
            differing_fields(&evaluated, &attempted),
            ["operation", "arguments.amount", "arguments.note"]
        );
    }

    #[test]
    fn a_write_must_be_an_evaluated_action_its_evaluation_permitted() {
        let small = evaluated(refund(json!({"amount": 10})), Outcome::Allow);
        let large = evaluated(refund(json!({"amount": 900})), Outcome::RequiresException);
        let actions = [small.clone(), large.clone()];
        let state = |granted| Evaluated {
            actions: &actions,
            latest: Some(large.digest.as_str()),
            approval_granted: granted,
        };
        fn attempt(evaluated: &EvaluatedAction) -> Option<(&Action, &str)> {
            Some((&evaluated.action, evaluated.digest.as_str()))
        }
        assert_eq!(state(false).check_write(attempt(&small)), Ok(()));
        let unapproved = state(false).check_write(attempt(&large)).unwrap_err();
        assert!(
            unapproved.reason.contains("no granted approval"),
            "{unapproved:?}"
        );
        assert_eq!(state(true).check_write(attempt(&large)), Ok(()));

        let other = refund(json!({"amount": 11}));
        let refused = state(true)
            .check_write(Some((&other, digest(&other).as_str())))
            .unwrap_err();
        assert_eq!(refused.differing, ["arguments.amount"]);
        // Both evaluated actions differ in one field; the latest evaluated is named.
        assert_eq!(refused.closest.as_deref(), Some(large.digest.as_str()));

        let without = state(true).check_write(None).unwrap_err();
        assert_eq!(without.differing, ["action"]);
    }

    #[test]
    fn an_approval_covers_only_the_latest_evaluated_action() {
        let first = evaluated(refund(json!({"amount": 900})), Outcome::RequiresException);
        let second = evaluated(refund(json!({"amount": 10})), Outcome::Allow);
        let actions = [first.clone(), second.clone()];
        let state = Evaluated {
            actions: &actions,
            latest: Some(second.digest.as_str()),
            approval_granted: true,
        };
        assert!(state
            .check_write(Some((&first.action, first.digest.as_str())))
            .is_err());
    }

    #[test]
    fn decisions_without_actions_accept_writes_as_before() {
        let state = Evaluated {
            actions: &[],
            latest: None,
            approval_granted: false,
        };
        assert_eq!(state.check_write(None), Ok(()));
    }

    #[test]
    fn given_inputs_must_agree_with_the_arguments() {
        let action = refund(json!({"amount": 10}));
        let merged = inputs_with_action(
            json!({"amount": 10.0, "tier": "pro"})
                .as_object()
                .cloned()
                .unwrap(),
            &action,
            "sha256:x",
        )
        .unwrap();
        assert_eq!(merged["tier"], "pro");
        assert_eq!(merged["action"]["operation"], "refund.create");
        let error = inputs_with_action(
            json!({"amount": 1}).as_object().cloned().unwrap(),
            &action,
            "sha256:x",
        )
        .unwrap_err();
        assert_eq!(error.field(), Some("inputs.amount"));
        let reserved = inputs_with_action(
            json!({"action": 1}).as_object().cloned().unwrap(),
            &action,
            "sha256:x",
        )
        .unwrap_err();
        assert_eq!(reserved.field(), Some("inputs.action"));
    }
}
