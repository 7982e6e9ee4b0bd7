//! Reading YAML nodes of an expected shape, reporting what is wrong.

use crate::diagnostic::Code;
use crate::yaml::{Kind, Node};

use super::Cx;

/// A mapping whose keys were checked against the ones it may have.
pub(super) struct Fields<'n> {
    entries: &'n [(Node, Node)],
}

impl<'n> Fields<'n> {
    pub(super) fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
            .map(|(_, v)| v)
    }
}

/// Checks that `node` is a mapping with only `allowed` keys and every
/// `required` one, reporting each unknown or missing key.
pub(super) fn mapping<'n>(
    cx: &mut Cx<'_>,
    node: &'n Node,
    what: &str,
    allowed: &[&str],
    required: &[&str],
) -> Option<Fields<'n>> {
    let entries = entries(cx, node, what)?;
    for (key, _) in entries {
        if let Some(name) = key.as_scalar().map(|s| s.text.as_str()) {
            if !allowed.contains(&name) {
                cx.error(
                    key.pos,
                    Code::UnknownKey,
                    format!(
                        "unknown key `{name}` in {what} (expected one of: {})",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }
    let fields = Fields { entries };
    for key in required {
        if fields.get(key).is_none() {
            cx.error(
                node.pos,
                Code::MissingKey,
                format!("{what} is missing required key `{key}`"),
            );
        }
    }
    Some(fields)
}

/// The entries of a mapping whose keys are all scalars.
pub(super) fn entries<'n>(
    cx: &mut Cx<'_>,
    node: &'n Node,
    what: &str,
) -> Option<&'n [(Node, Node)]> {
    let Kind::Map(entries) = &node.kind else {
        cx.error(
            node.pos,
            Code::WrongType,
            format!("{what} must be a mapping, found {}", node.describe()),
        );
        return None;
    };
    let mut ok = true;
    for (key, _) in entries {
        if key.as_scalar().is_none() {
            ok = false;
            cx.error(
                key.pos,
                Code::WrongType,
                format!(
                    "keys in {what} must be plain names, found {}",
                    key.describe()
                ),
            );
        }
    }
    ok.then_some(entries.as_slice())
}

pub(super) fn list<'n>(cx: &mut Cx<'_>, node: &'n Node, what: &str) -> Option<&'n [Node]> {
    if let Kind::Seq(items) = &node.kind {
        return Some(items);
    }
    cx.error(
        node.pos,
        Code::WrongType,
        format!("{what} must be a list, found {}", node.describe()),
    );
    None
}

/// A scalar's text, whatever YAML type it would resolve to: `owner: 42` is
/// the text "42".
pub(super) fn text<'n>(cx: &mut Cx<'_>, node: &'n Node, what: &str) -> Option<&'n str> {
    if let Some(scalar) = node.as_scalar() {
        return Some(&scalar.text);
    }
    cx.error(
        node.pos,
        Code::WrongType,
        format!("{what} must be a string, found {}", node.describe()),
    );
    None
}

pub(super) fn boolean(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<bool> {
    let value = node
        .as_scalar()
        .filter(|s| s.is_plain())
        .and_then(|s| match s.text.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        });
    if value.is_none() {
        cx.error(
            node.pos,
            Code::WrongType,
            format!("{what} must be true or false"),
        );
    }
    value
}
