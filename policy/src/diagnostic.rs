//! Problems found in a policy source, with where they were written.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The policy is rejected.
    Error,
    /// The policy is accepted, but probably not what its author meant.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A stable, machine-readable name for each kind of diagnostic, so tools can
/// match on it without parsing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    YamlSyntax,
    DuplicateKey,
    UnknownKey,
    MissingKey,
    /// A YAML node of the wrong shape, e.g. a list where a string belongs.
    WrongType,
    InvalidId,
    InvalidExpression,
    UndeclaredInput,
    DuplicateRule,
    UnknownOutcome,
    UnknownInputType,
    InvalidEnum,
    UnknownCombine,
    InvalidTemplate,
    UnknownTestRule,
    InvalidTestInputs,
    UnreachableRule,
    MissingApprovalRoute,
    UnusedInput,
    /// A `max_items` or `max_length` that is not a positive integer, or on
    /// an input type it does not apply to.
    InvalidBound,
    /// An input's `unit` that is empty, more than one line, or longer than
    /// [`crate::MAX_UNIT_LENGTH`] characters.
    InvalidUnit,
    /// A rule (or the whole policy) may cost more than the limit at its
    /// inputs' bounds.
    CostLimit,
    /// Nested comprehensions over an input without a declared `max_items`.
    UnboundedInput,
    /// A rule's worst-case cost is more than half the limit.
    NearCostLimit,
    /// A data product with two operations of the same name.
    DuplicateOperation,
    /// A data product listing the same purpose twice.
    DuplicatePurpose,
    /// A data product's `classification` that is not one of the four.
    UnknownClassification,
    /// An operation's `kind` that is not `read` or `write`.
    UnknownOperationKind,
    /// An operation's `risk_tier` that is not one of the five.
    UnknownRiskTier,
    /// An operation's `approval` that is not `none` or `required`.
    UnknownApproval,
    /// A data product holding personal data with no purpose it may be used for.
    PiiWithoutPurposes,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The serde name is the canonical spelling, so Display reuses it.
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => f.write_str(&name),
            _ => write!(f, "{self:?}"),
        }
    }
}

/// One problem in a policy source. Lines and columns are 1-based; columns
/// count characters, not bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{line}:{column}: {severity}: {message}")]
pub struct Diagnostic {
    pub severity: Severity,
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub code: Code,
}

impl Diagnostic {
    pub(crate) fn error(line: u32, column: u32, code: Code, message: String) -> Self {
        Diagnostic {
            severity: Severity::Error,
            line,
            column,
            message,
            code,
        }
    }

    pub(crate) fn warning(line: u32, column: u32, code: Code, message: String) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            line,
            column,
            message,
            code,
        }
    }
}

/// Formats a diagnostic the way compilers do, `file:line:col: severity: message`,
/// so editors and terminals can jump to it.
pub fn render_diagnostic(file: &str, diagnostic: &Diagnostic) -> String {
    format!("{file}:{diagnostic}")
}
