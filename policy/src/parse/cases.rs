//! The `tests:` section: example inputs with their expected outcome.

use serde_json::{Map, Value};

use crate::diagnostic::Code;
use crate::ids::RuleName;
use crate::model::{Rule, TestCase};
use crate::yaml::Node;

use super::fields::{list, mapping, text};
use super::rules::outcome;
use super::value::to_json;
use super::Cx;

const KEYS: &[&str] = &["name", "description", "inputs", "expect", "expect_rules"];

pub(super) fn parse(cx: &mut Cx<'_>, node: &Node, rules: &[Rule]) -> Vec<TestCase> {
    let Some(items) = list(cx, node, "`tests`") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| case(cx, item, rules))
        .collect()
}

fn case(cx: &mut Cx<'_>, node: &Node, rules: &[Rule]) -> Option<TestCase> {
    let fields = mapping(cx, node, "a test", KEYS, &["name", "expect"])?;
    let name = fields.get("name").and_then(|n| text(cx, n, "test `name`"));
    if let Some(n) = fields.get("description") {
        text(cx, n, "`description`");
    }
    let inputs = match fields.get("inputs") {
        None => Some(Map::new()),
        Some(n) => match to_json(cx, n) {
            Some(Value::Object(map)) => Some(map),
            Some(Value::Null) => Some(Map::new()),
            Some(_) => {
                cx.error(
                    n.pos,
                    Code::InvalidTestInputs,
                    "test `inputs` must be a mapping of input names to values".to_string(),
                );
                None
            }
            None => None,
        },
    };
    let expect = fields.get("expect").and_then(|n| outcome(cx, n));
    let expect_rules = match fields.get("expect_rules") {
        Some(n) => Some(expected_rules(cx, n, rules)?),
        None => None,
    };
    Some(TestCase {
        name: name?.to_string(),
        inputs: inputs?,
        expect: expect?,
        expect_rules,
    })
}

fn expected_rules(cx: &mut Cx<'_>, node: &Node, rules: &[Rule]) -> Option<Vec<RuleName>> {
    let items = list(cx, node, "`expect_rules`")?;
    let names: Vec<Option<RuleName>> = items
        .iter()
        .map(|item| {
            let written = text(cx, item, "a rule name")?;
            let known = rules.iter().find(|r| r.name.as_str() == written);
            if known.is_none() {
                cx.error(
                    item.pos,
                    Code::UnknownTestRule,
                    format!("`expect_rules` names `{written}`, which is not a rule of this policy"),
                );
            }
            known.map(|r| r.name.clone())
        })
        .collect();
    names.into_iter().collect()
}
