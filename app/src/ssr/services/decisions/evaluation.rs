//! Running an agent's inputs through the policies bound to it: the CPU work of
//! `POST /decisions/{id}/evaluate`, done on the evaluation pool.

use serde_json::Value;

use crate::{
    error::{AppError, AppResult},
    model::PolicyEvaluated,
    ssr::store,
};

use super::{
    catalogue::{self, Catalogued},
    policy_cache::PolicyCache,
};

/// Policies scoped to data products (`scope.products`): they judge every decision that uses
/// one of those products, whatever the agent is bound to, and even when the agent asked for one
/// policy alone. Each judges with `product` and `operation` of its own product (not of whichever
/// product the agent used last).
#[derive(Debug, Default)]
pub(super) struct ProductLevel {
    /// The latest versions of policies that may be scoped to products.
    pub candidates: Vec<store::bindings::BoundVersionRow>,
    /// What the catalogue says of each product the decision used or the evaluated action names,
    /// one per product, the action's first, then the latest used first.
    pub facts: Vec<Catalogued>,
}

/// Evaluates `inputs` against each selected version that applies to `intent` (all of them when
/// `explicit`), after refusing inputs beyond any of those policies' declared bounds (422 naming
/// the input): such inputs are never evaluated.
pub(super) fn evaluate_bound(
    cache: &PolicyCache,
    selected: Vec<store::bindings::BoundVersionRow>,
    product_level: ProductLevel,
    inputs: &Value,
    intent: &str,
    explicit: bool,
    with_action: bool,
) -> AppResult<Vec<PolicyEvaluated>> {
    let mut applying = Vec::new();
    let mut invalid = Vec::new();
    for version in selected {
        match cache.get(&version.content_hash, &version.source) {
            Ok(policy) if explicit || policy.applies_to_intent(intent) => {
                applying.push((version, policy, None));
            }
            Ok(_) => {}
            // A version published before validation grew stricter (the cost limits) no longer
            // parses. Whatever its scope, it fails closed, recorded like any evaluation.
            Err(_) => invalid.push(version),
        }
    }
    for version in product_level.candidates {
        if applying
            .iter()
            .any(|(applied, ..)| applied.policy_id == version.policy_id)
        {
            continue;
        }
        // A candidate that does not parse cannot say which products it covers; the cache
        // logged it, and the policies bound to the agent still judge.
        let Ok(policy) = cache.get(&version.content_hash, &version.source) else {
            continue;
        };
        let covered = product_level
            .facts
            .iter()
            .find(|facts| policy.applies_to_product(&facts.product_use.product));
        if let (Some(facts), true) = (covered, policy.applies_to_intent(intent)) {
            let mut own = inputs.as_object().cloned().unwrap_or_default();
            catalogue::fill_facts(&mut own, facts);
            applying.push((version, policy, Some(Value::Object(own))));
        }
    }
    if !with_action {
        if let Some((version, ..)) = applying
            .iter()
            .find(|(_, policy, _)| policy.requires_action())
        {
            return Err(AppError::invalid(
                "action",
                format!(
                    "Policy {} says requires_action: evaluate the exact action the agent is \
                     about to take ({{product, operation, arguments}}).",
                    version.policy_id
                ),
            ));
        }
    }
    for (version, policy, own) in &applying {
        let Some(map) = own.as_ref().unwrap_or(inputs).as_object() else {
            continue;
        };
        if let Some(refusal) = policy.oversized_input(map) {
            return Err(AppError::invalid(
                format!("inputs.{}", refusal.subject),
                format!(
                    "Policy {} refuses these inputs: {}.",
                    version.policy_id, refusal.message
                ),
            ));
        }
    }
    let refusals = invalid.into_iter().map(|version| {
        let why = verdict_policy::Policy::parse(&version.source)
            .err()
            .and_then(|diagnostics| diagnostics.into_iter().next())
            .map_or_else(String::new, |d| {
                format!(" (line {}:{}: {})", d.line, d.column, d.message)
            });
        PolicyEvaluated {
            rationale: format!(
                "Version {} of policy {} no longer passes validation{why}; publish a corrected \
                 version. Failing closed (deny).",
                version.version, version.policy_id
            ),
            policy_id: Some(version.policy_id),
            version: Some(version.version),
            hash: Some(version.content_hash),
            inputs: inputs.clone(),
            outcome: verdict_policy::Outcome::Deny,
            decided_by: None,
            matched_rules: Vec::new(),
            approval_route: None,
            action: None,
            action_digest: None,
        }
    });
    Ok(applying
        .into_iter()
        .map(|(version, policy, own)| {
            let inputs = own.unwrap_or_else(|| inputs.clone());
            let evaluation = policy.evaluate(&inputs);
            PolicyEvaluated {
                policy_id: Some(version.policy_id),
                version: Some(version.version),
                hash: Some(version.content_hash),
                inputs,
                outcome: evaluation.outcome,
                rationale: evaluation.rationale,
                decided_by: evaluation.decided_by.map(|rule| rule.as_str().to_owned()),
                matched_rules: evaluation
                    .matched_rules
                    .iter()
                    .map(|rule| rule.as_str().to_owned())
                    .collect(),
                approval_route: evaluation.approval_route,
                action: None,
                action_digest: None,
            }
        })
        .chain(refusals)
        .collect())
}
