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
use crate::ids::{PolicyId, ProductName};
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
    let scope = match fields.get("scope") {
        Some(node) => scope(cx, node),
        None => Some(Scope::default()),
    };
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
    let scope = scope?;
    Some(Policy {
        id: id?,
        description: description.map(str::to_string),
        owner: owner.map(str::to_string),
        intents: scope.intents,
        products: scope.products,
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

/// What `scope:` says: `intents` is `None` when it names none (every intent
/// applies), `products` is empty when it names none.
#[derive(Default)]
struct Scope {
    intents: Option<Vec<String>>,
    products: Vec<ProductName>,
}

fn scope(cx: &mut Cx<'_>, node: &Node) -> Option<Scope> {
    let fields = mapping(cx, node, "`scope`", &["intents", "products"], &[])?;
    let intents = match fields.get("intents") {
        Some(node) => intents(cx, node).map(Some),
        None => Some(None),
    };
    let products = match fields.get("products") {
        Some(node) => products(cx, node),
        None => Some(Vec::new()),
    };
    Some(Scope {
        intents: intents?,
        products: products?,
    })
}

/// A list under `scope`, which must not be empty when written: omitting the
/// key is how a policy says "no restriction". `one` names what it lists.
fn non_empty_list<'n>(
    cx: &mut Cx<'_>,
    node: &'n Node,
    what: &str,
    one: &str,
) -> Option<&'n [Node]> {
    let items = list(cx, node, what)?;
    if items.is_empty() {
        cx.error(
            node.pos,
            Code::WrongType,
            format!("{what} must list at least one {one}"),
        );
        return None;
    }
    Some(items)
}

fn intents(cx: &mut Cx<'_>, node: &Node) -> Option<Vec<String>> {
    let one = "glob (omit it to cover every intent)";
    let items = non_empty_list(cx, node, "`scope.intents`", one)?;
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
    globs.into_iter().collect()
}

/// `scope.products`: valid product names, each listed once.
fn products(cx: &mut Cx<'_>, node: &Node) -> Option<Vec<ProductName>> {
    let one = "product (omit it for a policy that applies only where it is bound)";
    let items = non_empty_list(cx, node, "`scope.products`", one)?;
    let mut named: Vec<(ProductName, u32)> = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        let name = text(cx, item, "a product name").and_then(|written| {
            ProductName::new(written)
                .map_err(|e| cx.error(item.pos, Code::InvalidId, e.to_string()))
                .ok()
        });
        let Some(name) = name else {
            ok = false;
            continue;
        };
        match named.iter().find(|(earlier, _)| *earlier == name) {
            Some((_, line)) => {
                let message = format!(
                    "product `{name}` is listed twice in `scope.products` (first at line {line})"
                );
                cx.error(item.pos, Code::DuplicateKey, message);
                ok = false;
            }
            None => named.push((name, item.pos.line)),
        }
    }
    ok.then(|| named.into_iter().map(|(name, _)| name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = "rules:\n  - { name: r, when: 'true', outcome: allow }\n";

    fn scoped(scope: &str) -> Result<Policy, Vec<Diagnostic>> {
        parse(&format!("policy: p\nscope:\n{scope}{RULES}"))
    }

    /// The single error of a scope (whose first line is line 3), as
    /// (line, column, code) and its message.
    fn error(scope: &str) -> ((u32, u32, Code), String) {
        let diagnostics = scoped(scope).expect_err("the scope is invalid");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
        let d = &diagnostics[0];
        ((d.line, d.column, d.code), d.message.clone())
    }

    #[test]
    fn products_are_parsed_beside_intents() {
        let policy =
            scoped("  intents: [\"customer.*\"]\n  products: [customer_profiles, payments.v2]\n")
                .expect("valid");
        let names: Vec<&str> = policy.products().iter().map(|p| p.as_str()).collect();
        assert_eq!(names, ["customer_profiles", "payments.v2"]);
        assert_eq!(policy.intents(), Some(&["customer.*".to_string()][..]));
        let only_products = scoped("  products: [payments]\n").expect("valid");
        assert_eq!(only_products.intents(), None);
        assert_eq!(only_products.products().len(), 1);
    }

    #[test]
    fn without_products_the_list_is_empty() {
        let policy = parse(&format!("policy: p\n{RULES}")).expect("valid");
        assert!(policy.products().is_empty());
        let intents_only = scoped("  intents: [\"a.*\"]\n").expect("valid");
        assert!(intents_only.products().is_empty());
    }

    #[test]
    fn applies_to_product_matches_listed_names_exactly() {
        let policy = scoped("  products: [customer_profiles, payments]\n").expect("valid");
        assert!(policy.applies_to_product("customer_profiles"));
        assert!(policy.applies_to_product("payments"));
        assert!(!policy.applies_to_product("customer"));
        assert!(!policy.applies_to_product("customer_*"));
        assert!(!policy.applies_to_product("Payments"));
        let unscoped = parse(&format!("policy: p\n{RULES}")).expect("valid");
        assert!(!unscoped.applies_to_product("customer_profiles"));
    }

    #[test]
    fn product_names_use_the_id_charset() {
        let (at, message) = error("  products: [customer_profiles, Customer Data]\n");
        assert_eq!(at, (3, 33, Code::InvalidId));
        assert!(
            message.contains("product name `Customer Data`"),
            "{message}"
        );
        let (at, _) = error("  products: [\"\"]\n");
        assert_eq!(at, (3, 14, Code::InvalidId));
        let (at, _) = error("  products: [[nested]]\n");
        assert_eq!(at, (3, 14, Code::WrongType));
    }

    #[test]
    fn an_empty_product_list_is_refused() {
        let (at, message) = error("  products: []\n");
        assert_eq!(at, (3, 13, Code::WrongType));
        assert!(message.contains("at least one product"), "{message}");
        let (at, _) = error("  products: customer_profiles\n");
        assert_eq!(at, (3, 13, Code::WrongType));
    }

    #[test]
    fn a_product_listed_twice_is_refused_where_repeated() {
        let (at, message) =
            error("  products:\n    - payments\n    - customer_profiles\n    - payments\n");
        assert_eq!(at, (6, 7, Code::DuplicateKey));
        assert!(message.contains("`payments`"), "{message}");
        assert!(message.contains("first at line 4"), "{message}");
    }

    #[test]
    fn unknown_scope_keys_are_refused() {
        let (at, message) = error("  product: [payments]\n");
        assert_eq!(at, (3, 3, Code::UnknownKey));
        assert!(message.contains("intents, products"), "{message}");
    }

    #[test]
    fn every_scope_problem_is_reported_in_one_run() {
        let diagnostics =
            scoped("  intents: []\n  products: [Bad, ok, ok]\n").expect_err("invalid");
        let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [Code::WrongType, Code::InvalidId, Code::DuplicateKey]
        );
    }
}
