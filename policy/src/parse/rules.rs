//! The `rules:` section: names, outcomes, conditions and rationales.

use std::collections::HashMap;

use crate::condition::Condition;
use crate::diagnostic::Code;
use crate::expr::Expr;
use crate::ids::RuleName;
use crate::model::{InputSpec, Rule};
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
    let declared: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
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
        if let Some(rule) = rule(cx, item, &declared) {
            rules.push(rule);
        }
    }
    rules
}

fn rule(cx: &mut Cx<'_>, node: &Node, declared: &[&str]) -> Option<Rule> {
    let fields = mapping(cx, node, "a rule", KEYS, &["name", "when", "outcome"])?;
    let name = fields.get("name").and_then(|n| {
        let written = text(cx, n, "rule `name`")?;
        RuleName::new(written)
            .map_err(|e| cx.error(n.pos, Code::InvalidId, e.to_string()))
            .ok()
    });
    let outcome = fields.get("outcome").and_then(|n| outcome(cx, n));
    let condition = fields.get("when").and_then(|n| condition(cx, n, declared));
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
    Some(Rule {
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

fn condition(cx: &mut Cx<'_>, node: &Node, declared: &[&str]) -> Option<Condition> {
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

fn leaf(cx: &mut Cx<'_>, node: &Node, declared: &[&str]) -> Option<Condition> {
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
    ok.then(|| Condition::Expr {
        text: scalar.text.clone(),
        expr: Box::new(expr.with_inputs(declared)),
    })
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
