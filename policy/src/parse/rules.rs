//! The `rules:` section: names, outcomes, conditions and rationales.

use std::collections::HashMap;

use crate::condition::Condition;
use crate::cost::{Estimate, MAX_RULE_COST};
use crate::diagnostic::Code;
use crate::expr::Expr;
use crate::ids::RuleName;
use crate::model::{InputSpec, InputType, Rule};
use crate::outcome::Outcome;
use crate::template::Template;
use crate::yaml::{Kind, Node};

use super::fields::{list, mapping, text};
use super::Cx;

const KEYS: &[&str] = &[
    "name",
    "description",
    "when",
    "outcome",
    "approval_route",
    "rationale",
];
const CONDITION_KEYS: &[&str] = &["all", "any", "not"];

pub(super) fn parse(cx: &mut Cx<'_>, node: &Node, inputs: &[InputSpec]) -> Vec<Rule> {
    let Some(items) = list(cx, node, "`rules`") else {
        return Vec::new();
    };
    if items.is_empty() {
        cx.error(
            node.pos,
            Code::MissingKey,
            "`rules` must list at least one rule".to_string(),
        );
    }
    let mut first_line: HashMap<String, u32> = HashMap::new();
    let mut rules = Vec::new();
    for item in items {
        let name_node = match &item.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == "name"))
                .map(|(_, v)| v),
            _ => None,
        };
        if let Some((node, name)) = name_node.and_then(|n| Some((n, &n.as_scalar()?.text))) {
            if let Some(line) = first_line.get(name) {
                cx.error(
                    node.pos,
                    Code::DuplicateRule,
                    format!("duplicate rule name `{name}` (first defined at line {line})"),
                );
            } else {
                first_line.insert(name.clone(), node.pos.line);
            }
        }
        if let Some(rule) = rule(cx, item, inputs) {
            rules.push(rule);
        }
    }
    rules
}

fn rule(cx: &mut Cx<'_>, node: &Node, inputs: &[InputSpec]) -> Option<Rule> {
    let declared: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    let declared = declared.as_slice();
    let fields = mapping(cx, node, "a rule", KEYS, &["name", "when", "outcome"])?;
    let name = fields.get("name").and_then(|n| {
        let written = text(cx, n, "rule `name`")?;
        RuleName::new(written)
            .map_err(|e| cx.error(n.pos, Code::InvalidId, e.to_string()))
            .ok()
    });
    let outcome = fields.get("outcome").and_then(|n| outcome(cx, n));
    let when = fields.get("when");
    let condition = when.and_then(|n| condition(cx, n, inputs));
    let approval_route = fields
        .get("approval_route")
        .and_then(|n| text(cx, n, "`approval_route`"))
        .map(str::to_string);
    if let Some(n) = fields.get("description") {
        text(cx, n, "`description`");
    }
    let rationale = match fields.get("rationale") {
        Some(n) => Some(rationale(cx, n, declared)?),
        None => None,
    };
    let condition = condition?;
    let cost = condition.cost();
    // A single part over the limit was reported where it is costliest.
    if cost > MAX_RULE_COST && condition.costliest_part() <= MAX_RULE_COST {
        if let Some(n) = when {
            cx.error(
                n.pos,
                Code::CostLimit,
                format!(
                    "this condition may cost up to {cost} at its inputs' bounds, over the \
                     limit of {MAX_RULE_COST} per rule; split it or simplify its parts"
                ),
            );
        }
    }
    Some(Rule {
        cost,
        name: name?,
        outcome: outcome?,
        approval_route,
        rationale,
        condition_text: condition.describe().into(),
        condition,
        pos: node.pos,
    })
}

pub(super) fn outcome(cx: &mut Cx<'_>, node: &Node) -> Option<Outcome> {
    let written = text(cx, node, "an outcome")?;
    written
        .parse::<Outcome>()
        .map_err(|e| cx.error(node.pos, Code::UnknownOutcome, e.to_string()))
        .ok()
}

fn condition(cx: &mut Cx<'_>, node: &Node, declared: &[InputSpec]) -> Option<Condition> {
    match &node.kind {
        Kind::Scalar(_) => leaf(cx, node, declared),
        Kind::Map(entries) => {
            let what = "a condition";
            let fields = mapping(cx, node, what, CONDITION_KEYS, &[])?;
            if entries.len() != 1 {
                cx.error(
                    node.pos,
                    Code::WrongType,
                    "a condition mapping has exactly one key: all, any or not".to_string(),
                );
                return None;
            }
            if let Some(n) = fields.get("not") {
                return condition(cx, n, declared).map(|c| Condition::Not(Box::new(c)));
            }
            let (key, items) = match (fields.get("all"), fields.get("any")) {
                (Some(n), _) => ("all", n),
                (_, Some(n)) => ("any", n),
                _ => return None,
            };
            let parts = list(cx, items, &format!("`{key}`"))?;
            if parts.is_empty() {
                cx.error(
                    items.pos,
                    Code::WrongType,
                    format!("`{key}` must list at least one condition"),
                );
                return None;
            }
            let parts: Vec<Option<Condition>> =
                parts.iter().map(|p| condition(cx, p, declared)).collect();
            let parts = parts.into_iter().collect::<Option<Vec<_>>>()?;
            Some(if key == "all" {
                Condition::All(parts)
            } else {
                Condition::Any(parts)
            })
        }
        Kind::Seq(_) => {
            cx.error(
                node.pos,
                Code::WrongType,
                "a condition is an expression or a mapping with all, any or not (a list \
                 needs `all:` or `any:`)"
                    .to_string(),
            );
            None
        }
    }
}

fn leaf(cx: &mut Cx<'_>, node: &Node, inputs: &[InputSpec]) -> Option<Condition> {
    let declared: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    let scalar = node.as_scalar()?;
    let expr = match Expr::compile(&scalar.text) {
        Ok(expr) => expr,
        Err(errors) => {
            for e in errors {
                cx.error_in_scalar(
                    node,
                    e.line,
                    e.column,
                    Code::InvalidExpression,
                    format!("invalid expression: {}", e.message),
                );
            }
            return None;
        }
    };
    let mut ok = true;
    let mut reported: Vec<&str> = Vec::new();
    for reference in expr.references() {
        let name = reference.name.as_str();
        if declared.contains(&name) || reported.contains(&name) {
            continue;
        }
        reported.push(name);
        ok = false;
        cx.error_in_scalar(
            node,
            reference.line,
            reference.column,
            Code::UndeclaredInput,
            format!("`{name}` is not a declared input (declare it under `inputs:`)"),
        );
    }
    if !ok {
        return None;
    }
    let expr = expr.with_inputs(inputs);
    let text = &scalar.text;
    if !report_cost(cx, node, text, &expr, inputs) {
        return None;
    }
    Some(Condition::Expr {
        text: text.clone(),
        expr: Box::new(expr),
    })
}

/// Reports nested comprehensions over inputs without a declared
/// `max_items`, and a cost over the limit; whether there was neither.
fn report_cost(
    cx: &mut Cx<'_>,
    node: &Node,
    text: &str,
    expr: &Expr,
    inputs: &[InputSpec],
) -> bool {
    let estimate = expr.estimate();
    let mut reported: Vec<usize> = Vec::new();
    for (id, undeclared) in &estimate.unbounded {
        for &index in undeclared {
            if reported.contains(&index) {
                continue;
            }
            reported.push(index);
            let input = &inputs[index];
            let (line, column) = expr.position(text, Some(*id));
            cx.error_in_scalar(
                node,
                line,
                column,
                Code::UnboundedInput,
                format!(
                    "nested comprehensions iterate over `{name}`, which declares no \
                     `max_items`: their cost multiplies, so declare the most items `{name}` \
                     may hold, e.g. `{name}: {{ type: {ty}, max_items: 20 }}`",
                    name = input.name,
                    ty = input.input_type,
                ),
            );
        }
    }
    if !reported.is_empty() {
        return false;
    }
    if estimate.cost <= MAX_RULE_COST {
        return true;
    }
    let (line, column) = expr.position(text, estimate.hot_spot);
    cx.error_in_scalar(
        node,
        line,
        column,
        Code::CostLimit,
        format!(
            "this expression may cost up to {} at its inputs' bounds, over the limit of \
             {MAX_RULE_COST} per rule; it depends on {}: declare smaller bounds or simplify it",
            estimate.cost,
            describe_bounds(estimate, inputs)
        ),
    );
    false
}

/// The bounds an estimate used, e.g. "`l` (max_items 256 by default)".
fn describe_bounds(estimate: &Estimate, inputs: &[InputSpec]) -> String {
    let described: Vec<String> = estimate
        .inputs
        .iter()
        .filter_map(|&index| {
            let input = &inputs[index];
            let items = matches!(input.input_type, InputType::List | InputType::Object)
                .then(|| bound("max_items", input.max_items, input.max_items()));
            let length = matches!(
                input.input_type,
                InputType::String | InputType::List | InputType::Object
            )
            .then(|| bound("max_length", input.max_length, input.max_length()));
            let parts: Vec<String> = items.into_iter().chain(length).collect();
            (!parts.is_empty()).then(|| format!("`{}` ({})", input.name, parts.join(", ")))
        })
        .collect();
    if described.is_empty() {
        "the expression itself".to_string()
    } else {
        described.join(", ")
    }
}

fn bound(key: &str, declared: Option<u64>, effective: u64) -> String {
    match declared {
        Some(_) => format!("{key} {effective}"),
        None => format!("{key} {effective} by default"),
    }
}

fn rationale(cx: &mut Cx<'_>, node: &Node, declared: &[&str]) -> Option<Template> {
    let written = text(cx, node, "`rationale`")?;
    let template = match Template::parse(written) {
        Ok(t) => t,
        Err(e) => {
            cx.error_in_scalar(
                node,
                e.line,
                e.column,
                Code::InvalidTemplate,
                format!("invalid rationale template: {}", e.message),
            );
            return None;
        }
    };
    let mut ok = true;
    for hole in template.holes() {
        let root = hole.path.first().map_or("", String::as_str);
        if !declared.contains(&root) {
            ok = false;
            cx.error_in_scalar(
                node,
                hole.line,
                hole.column,
                Code::UndeclaredInput,
                format!("rationale uses `{root}`, which is not a declared input"),
            );
        }
    }
    ok.then_some(template)
}
