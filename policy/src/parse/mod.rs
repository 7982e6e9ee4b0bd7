//! Turning a policy's YAML source into a [`Policy`], reporting every
//! problem found, each with its line and column.

mod cases;
mod fields;
mod inputs;
pub(crate) mod product;
mod rules;
mod value;

use crate::cost::MAX_POLICY_COST;
use crate::diagnostic::{Code, Diagnostic};
use crate::hash::content_hash;
use crate::ids::PolicyId;
use crate::model::Policy;
use crate::outcome::{Combine, Outcome};
use crate::yaml::{locate_in_scalar, parse_document, Node, Pos};

use fields::{boolean, list, mapping, text};

const KEYS: &[&str] = &[
    "policy",
    "description",
    "owner",
    "scope",
    "inputs",
    "combine",
    "default",
    "requires_action",
    "rules",
    "tests",
];

/// Collects diagnostics while the parse goes on, so one run reports them all.
pub(crate) struct Cx<'s> {
    source: &'s str,
    diagnostics: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn error(&mut self, pos: Pos, code: Code, message: String) {
        self.diagnostics
            .push(Diagnostic::error(pos.line, pos.column, code, message));
    }

    /// Reports a problem at `line`:`column` of a scalar's text, mapped to
    /// the file when the scalar's layout allows; otherwise at the scalar,
    /// saying where in its text.
    fn error_in_scalar(
        &mut self,
        node: &Node,
        line: u32,
        column: u32,
        code: Code,
        message: String,
    ) {
        let located = node
            .as_scalar()
            .and_then(|s| locate_in_scalar(self.source, node, s, line, column));
        match located {
            Some(pos) => self.error(pos, code, message),
            None => self.error(
                node.pos,
                code,
                format!("{message} (at line {line}, column {column} of the text)"),
            ),
        }
    }
}

impl Policy {
    /// Parses and validates a policy, compiling its expressions. On failure,
    /// every error found, sorted by position.
    pub fn parse(source: &str) -> Result<Policy, Vec<Diagnostic>> {
        parse(source)
    }
}

fn parse(source: &str) -> Result<Policy, Vec<Diagnostic>> {
    let root = parse_document(source).map_err(|d| vec![d])?;
    let mut cx = Cx {
        source,
        diagnostics: Vec::new(),
    };
    let policy = policy(&mut cx, &root);
    match policy {
        Some(policy) if cx.diagnostics.is_empty() => Ok(policy),
        _ => {
            let mut diagnostics = cx.diagnostics;
            diagnostics.sort_by_key(|d| (d.line, d.column));
            Err(diagnostics)
        }
    }
}

fn policy(cx: &mut Cx<'_>, root: &Node) -> Option<Policy> {
    let fields = mapping(cx, root, "the policy", KEYS, &["policy", "rules"])?;
    let id = fields.get("policy").and_then(|n| {
        let written = text(cx, n, "`policy`")?;
        PolicyId::new(written)
            .map_err(|e| cx.error(n.pos, Code::InvalidId, e.to_string()))
            .ok()
    });
    let description = fields
        .get("description")
        .and_then(|n| text(cx, n, "`description`"));
    let owner = fields.get("owner").and_then(|n| text(cx, n, "`owner`"));
    let intents = fields.get("scope").and_then(|n| scope(cx, n));
    let inputs = fields
        .get("inputs")
        .map(|n| inputs::parse(cx, n))
        .unwrap_or_default();
    let combine = fields.get("combine").map(|n| {
        let written = text(cx, n, "`combine`")?;
        written
            .parse::<Combine>()
            .map_err(|e| cx.error(n.pos, Code::UnknownCombine, e.to_string()))
            .ok()
    });
    let default = fields.get("default").map(|n| rules::outcome(cx, n));
    let requires_action = fields
        .get("requires_action")
        .map(|n| boolean(cx, n, "`requires_action`"));
    let rules = fields
        .get("rules")
        .map(|n| rules::parse(cx, n, &inputs))
        .unwrap_or_default();
    if let Some(node) = fields.get("rules") {
        policy_cost(cx, node, &rules);
    }
    let tests = fields
        .get("tests")
        .map(|n| cases::parse(cx, n, &rules))
        .unwrap_or_default();
    Some(Policy {
        id: id?,
        description: description.map(str::to_string),
        owner: owner.map(str::to_string),
        intents: intents.flatten(),
        inputs,
        combine: combine.unwrap_or(Some(Combine::Strictest))?,
        default: default.unwrap_or(Some(Outcome::Deny))?,
        requires_action: requires_action.unwrap_or(Some(false))?,
        rules,
        tests,
        content_hash: content_hash(cx.source),
    })
}

/// One evaluation runs every rule, so together they are bounded too.
fn policy_cost(cx: &mut Cx<'_>, node: &Node, rules: &[crate::model::Rule]) {
    let total = rules.iter().fold(0u64, |sum, r| sum.saturating_add(r.cost));
    if total > MAX_POLICY_COST {
        cx.error(
            node.pos,
            Code::CostLimit,
            format!(
                "the rules together may cost up to {total} at their inputs' bounds, over the \
                 limit of {MAX_POLICY_COST} per policy; declare smaller bounds or simplify them"
            ),
        );
    }
}

/// `Some(None)` when the scope names no intents (every intent applies).
fn scope(cx: &mut Cx<'_>, node: &Node) -> Option<Option<Vec<String>>> {
    let fields = mapping(cx, node, "`scope`", &["intents"], &[])?;
    let Some(intents) = fields.get("intents") else {
        return Some(None);
    };
    let items = list(cx, intents, "`scope.intents`")?;
    if items.is_empty() {
        cx.error(
            intents.pos,
            Code::WrongType,
            "`scope.intents` must list at least one glob (omit it to cover every intent)"
                .to_string(),
        );
        return None;
    }
    let globs: Vec<Option<String>> = items
        .iter()
        .map(|item| {
            let glob = text(cx, item, "an intent glob")?;
            if glob.is_empty() {
                cx.error(
                    item.pos,
                    Code::WrongType,
                    "an intent glob cannot be empty".to_string(),
                );
                return None;
            }
            Some(glob.to_string())
        })
        .collect();
    globs.into_iter().collect::<Option<Vec<_>>>().map(Some)
}
