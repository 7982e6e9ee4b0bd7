//! Turning a data product's YAML source into a [`Product`], reporting every problem found.

use crate::catalogue::{Approval, Classification, Operation, OperationKind, Product, RiskTier};
use crate::diagnostic::{Code, Diagnostic};
use crate::hash::content_hash;
use crate::ids::{OperationName, ProductName, PurposeName};
use crate::yaml::{parse_document, Node};

use super::fields::{boolean, list, mapping, text};
use super::Cx;

const KEYS: &[&str] = &[
    "product",
    "description",
    "owner_team",
    "classification",
    "contains_pii",
    "allowed_purposes",
    "operations",
];
const REQUIRED: &[&str] = &["product", "classification", "contains_pii", "operations"];
const OPERATION_KEYS: &[&str] = &["name", "kind", "risk_tier", "approval"];
const OPERATION_REQUIRED: &[&str] = &["name", "kind", "risk_tier"];

pub(crate) fn parse(source: &str) -> Result<Product, Vec<Diagnostic>> {
    let root = parse_document(source).map_err(|d| vec![d])?;
    let mut cx = Cx {
        source,
        diagnostics: Vec::new(),
    };
    let product = product(&mut cx, &root);
    match product {
        Some(product) if cx.diagnostics.is_empty() => Ok(product),
        _ => {
            let mut diagnostics = cx.diagnostics;
            diagnostics.sort_by_key(|d| (d.line, d.column));
            Err(diagnostics)
        }
    }
}

fn product(cx: &mut Cx<'_>, root: &Node) -> Option<Product> {
    let fields = mapping(cx, root, "the data product", KEYS, REQUIRED)?;
    let name = fields.get("product").and_then(|n| {
        let written = text(cx, n, "`product`")?;
        ProductName::new(written)
            .map_err(|e| cx.error(n.pos, Code::InvalidId, e.to_string()))
            .ok()
    });
    let description = fields
        .get("description")
        .and_then(|n| text(cx, n, "`description`"));
    let owner_team = fields
        .get("owner_team")
        .and_then(|n| text(cx, n, "`owner_team`"));
    let classification = fields.get("classification").and_then(|n| {
        named::<Classification>(cx, n, "`classification`", Code::UnknownClassification)
    });
    let pii_node = fields.get("contains_pii");
    let contains_pii = pii_node.and_then(|n| boolean(cx, n, "`contains_pii`"));
    let purposes = match fields.get("allowed_purposes") {
        Some(node) => purposes(cx, node),
        None => Some(Vec::new()),
    };
    let operations = fields.get("operations").and_then(|n| operations(cx, n));
    Some(Product {
        name: name?,
        description: description.map(str::to_string),
        owner_team: owner_team.map(str::to_string),
        classification: classification?,
        contains_pii: contains_pii?,
        allowed_purposes: purposes?,
        operations: operations?,
        content_hash: content_hash(cx.source),
        pii_at: pii_node.map_or((1, 1), |n| (n.pos.line, n.pos.column)),
    })
}

/// A scalar naming one of an enumeration's values.
fn named<T>(cx: &mut Cx<'_>, node: &Node, what: &str, code: Code) -> Option<T>
where
    T: std::str::FromStr<Err = crate::catalogue::UnknownValue>,
{
    let written = text(cx, node, what)?;
    written
        .parse::<T>()
        .map_err(|e| cx.error(node.pos, code, e.to_string()))
        .ok()
}

fn purposes(cx: &mut Cx<'_>, node: &Node) -> Option<Vec<PurposeName>> {
    let items = list(cx, node, "`allowed_purposes`")?;
    let mut seen: Vec<(&str, u32)> = Vec::new();
    let mut purposes = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        let Some(written) = text(cx, item, "a purpose") else {
            ok = false;
            continue;
        };
        if let Some((_, line)) = seen.iter().find(|(name, _)| *name == written) {
            let line = *line;
            cx.error(
                item.pos,
                Code::DuplicatePurpose,
                format!("purpose `{written}` is listed twice (first at line {line})"),
            );
            ok = false;
            continue;
        }
        seen.push((written, item.pos.line));
        match PurposeName::new(written) {
            Ok(purpose) => purposes.push(purpose),
            Err(e) => {
                cx.error(item.pos, Code::InvalidId, e.to_string());
                ok = false;
            }
        }
    }
    ok.then_some(purposes)
}

fn operations(cx: &mut Cx<'_>, node: &Node) -> Option<Vec<Operation>> {
    let items = list(cx, node, "`operations`")?;
    if items.is_empty() {
        cx.error(
            node.pos,
            Code::WrongType,
            "`operations` must list at least one operation".to_string(),
        );
        return None;
    }
    let mut seen: Vec<(String, u32)> = Vec::new();
    let mut operations = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        match operation(cx, item, &mut seen) {
            Some(op) => operations.push(op),
            None => ok = false,
        }
    }
    ok.then_some(operations)
}

fn operation(cx: &mut Cx<'_>, node: &Node, seen: &mut Vec<(String, u32)>) -> Option<Operation> {
    let fields = mapping(cx, node, "an operation", OPERATION_KEYS, OPERATION_REQUIRED)?;
    let name = fields.get("name").and_then(|n| {
        let written = text(cx, n, "an operation's `name`")?;
        if let Some((_, line)) = seen.iter().find(|(name, _)| name == written) {
            let line = *line;
            cx.error(
                n.pos,
                Code::DuplicateOperation,
                format!("operation `{written}` is defined twice (first at line {line})"),
            );
            return None;
        }
        seen.push((written.to_string(), n.pos.line));
        OperationName::new(written)
            .map_err(|e| cx.error(n.pos, Code::InvalidId, e.to_string()))
            .ok()
    });
    let kind = fields
        .get("kind")
        .and_then(|n| named::<OperationKind>(cx, n, "`kind`", Code::UnknownOperationKind));
    let risk_tier = fields
        .get("risk_tier")
        .and_then(|n| named::<RiskTier>(cx, n, "`risk_tier`", Code::UnknownRiskTier));
    let approval = match fields.get("approval") {
        Some(n) => named::<Approval>(cx, n, "`approval`", Code::UnknownApproval),
        None => Some(Approval::None),
    };
    Some(Operation {
        name: name?,
        kind: kind?,
        risk_tier: risk_tier?,
        approval: approval?,
    })
}
