//! Warnings about valid policies that probably do not say what their author
//! meant. They never block publishing.

use crate::cost::{MAX_RULE_COST, WARN_COST};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Policy, Rule};
use crate::outcome::{Combine, Outcome};

impl Policy {
    /// Warnings for this policy, sorted by position.
    pub fn lint(&self) -> Vec<Diagnostic> {
        let mut warnings = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            if let Some(reason) = never_decides(self.combine, &self.rules, index) {
                warnings.push(warn(
                    rule,
                    Code::UnreachableRule,
                    format!("rule `{}` can never decide: {reason}", rule.name),
                ));
            }
            if rule.cost > WARN_COST {
                warnings.push(warn(
                    rule,
                    Code::NearCostLimit,
                    format!(
                        "rule `{}` may cost up to {} at its inputs' bounds, more than half the \
                         limit of {MAX_RULE_COST}: lower the inputs' `max_items` / \
                         `max_length` or simplify it before it grows past the limit",
                        rule.name, rule.cost
                    ),
                ));
            }
            if rule.outcome == Outcome::RequiresException && rule.approval_route.is_none() {
                warnings.push(warn(
                    rule,
                    Code::MissingApprovalRoute,
                    format!(
                        "rule `{}` requires an exception but names no `approval_route`",
                        rule.name
                    ),
                ));
            }
        }
        for input in &self.inputs {
            if !self.uses_input(&input.name) {
                warnings.push(Diagnostic::warning(
                    input.pos.line,
                    input.pos.column,
                    Code::UnusedInput,
                    format!("input `{}` is declared but no rule uses it", input.name),
                ));
            }
        }
        warnings.sort_by_key(|d| (d.line, d.column));
        warnings
    }

    fn uses_input(&self, name: &str) -> bool {
        self.rules.iter().any(|rule| {
            let mut used = false;
            rule.condition
                .for_each_reference(&mut |r| used |= r.name == name);
            let in_rationale = rule
                .rationale
                .as_ref()
                .is_some_and(|t| t.holes().any(|h| h.path.first().is_some_and(|p| p == name)));
            used || in_rationale
        })
    }
}

fn warn(rule: &Rule, code: Code, message: String) -> Diagnostic {
    Diagnostic::warning(rule.pos.line, rule.pos.column, code, message)
}

/// Why `rules[index]` can never be the deciding rule, if it can't.
fn never_decides(combine: Combine, rules: &[Rule], index: usize) -> Option<String> {
    let rule = &rules[index];
    let same = |other: &Rule| other.condition_text == rule.condition_text;
    match combine {
        Combine::FirstMatch => rules[..index].iter().find_map(|earlier| {
            if earlier.condition.is_always_true() {
                Some(format!("earlier rule `{}` always matches", earlier.name))
            } else if same(earlier) {
                Some(format!(
                    "earlier rule `{}` has the same condition",
                    earlier.name
                ))
            } else {
                None
            }
        }),
        // Under strictest a rule decides only if no stricter rule (or equally
        // strict earlier rule) matches at the same time, which is certain
        // when that rule has the same condition or always matches.
        Combine::Strictest => rules.iter().enumerate().find_map(|(other_index, other)| {
            let outranks = other.outcome > rule.outcome
                || (other.outcome == rule.outcome && other_index < index);
            let always_with = other.condition.is_always_true() || same(other);
            (other_index != index && outranks && always_with).then(|| {
                format!(
                    "rule `{}` ({}) matches whenever it does",
                    other.name, other.outcome
                )
            })
        }),
    }
}
