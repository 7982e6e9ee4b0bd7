//! The data product catalogue: what agents may read and write, for which purposes, at what risk.
//!
//! A data product is a YAML document, checked like a policy (every problem with its line and
//! column):
//!
//! ```yaml
//! product: customer_profiles
//! description: Customers' contact details and history
//! owner_team: customer-data
//! classification: confidential   # public | internal | confidential | restricted
//! contains_pii: true
//! allowed_purposes: [support, compliance]
//! operations:
//!   - name: profile.read
//!     kind: read                  # read | write
//!     risk_tier: read_only        # read_only | local_write | network | delegated | destructive
//!     approval: none              # none | required (default none)
//! ```
//!
//! - [`Product::parse`]`(source) -> Result<Product, Vec<Diagnostic>>`: errors only.
//! - [`Product::lint`]`() -> Vec<Diagnostic>`: warnings (a PII product with no purposes).
//! - [`check_product`]`(source) -> Vec<Diagnostic>`: both, sorted by position.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Code, Diagnostic};
use crate::ids::{OperationName, ProductName, PurposeName};

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == s)
                    .ok_or_else(|| UnknownValue {
                        what: $what,
                        value: s.to_string(),
                        expected: $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

/// A value that is not one of an enumeration's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}` (expected one of: {expected})")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

named_enum!(
    /// How sensitive a data product's contents are, least first.
    Classification, "classification", {
        Public => "public",
        Internal => "internal",
        Confidential => "confidential",
        Restricted => "restricted",
    }
);

named_enum!(
    /// Whether an operation reads or writes.
    OperationKind, "operation kind", {
        Read => "read",
        Write => "write",
    }
);

named_enum!(
    /// How much an operation can do, least first: the approval-mode risk tier bound to every
    /// decision that uses it.
    RiskTier, "risk tier", {
        ReadOnly => "read_only",
        LocalWrite => "local_write",
        Network => "network",
        Delegated => "delegated",
        Destructive => "destructive",
    }
);

named_enum!(
    /// Whether an operation needs a person's approval whatever the policies say.
    Approval, "approval", {
        None => "none",
        Required => "required",
    }
);

/// One thing agents can do with a data product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub name: OperationName,
    pub kind: OperationKind,
    pub risk_tier: RiskTier,
    pub approval: Approval,
}

/// A valid data product definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub(crate) name: ProductName,
    pub(crate) description: Option<String>,
    pub(crate) owner_team: Option<String>,
    pub(crate) classification: Classification,
    pub(crate) contains_pii: bool,
    pub(crate) allowed_purposes: Vec<PurposeName>,
    pub(crate) operations: Vec<Operation>,
    pub(crate) content_hash: String,
    /// Where `contains_pii` was written, for the lint.
    #[serde(skip)]
    pub(crate) pii_at: (u32, u32),
}

impl Product {
    /// Parses and validates a data product. On failure, every error found, sorted by position.
    pub fn parse(source: &str) -> Result<Product, Vec<Diagnostic>> {
        crate::parse::product::parse(source)
    }

    pub fn name(&self) -> &ProductName {
        &self.name
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    pub fn owner_team(&self) -> Option<&str> {
        self.owner_team.as_deref()
    }

    pub fn classification(&self) -> Classification {
        self.classification
    }

    pub fn contains_pii(&self) -> bool {
        self.contains_pii
    }

    pub fn allowed_purposes(&self) -> &[PurposeName] {
        &self.allowed_purposes
    }

    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.name.as_str() == name)
    }

    /// Hex SHA-256 of the source, line endings normalised (see [`crate::content_hash`]).
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }

    /// Warnings: definitions that are valid but probably not what the owner meant.
    pub fn lint(&self) -> Vec<Diagnostic> {
        let mut warnings = Vec::new();
        if self.contains_pii && self.allowed_purposes.is_empty() {
            let (line, column) = self.pii_at;
            warnings.push(Diagnostic::warning(
                line,
                column,
                Code::PiiWithoutPurposes,
                format!(
                    "product `{}` contains personal data but lists no `allowed_purposes`, so \
                     no purpose will be allowed to read it",
                    self.name
                ),
            ));
        }
        warnings
    }
}

/// Every error, or else every warning, of a data product source, sorted by position.
pub fn check_product(source: &str) -> Vec<Diagnostic> {
    match Product::parse(source) {
        Ok(product) => product.lint(),
        Err(errors) => errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    const GOOD: &str = "product: customer_profiles
description: Customers' contact details
owner_team: customer-data
classification: confidential
contains_pii: true
allowed_purposes: [support, compliance]
operations:
  - name: profile.read
    kind: read
    risk_tier: read_only
  - name: profile.update
    kind: write
    risk_tier: local_write
    approval: required
";

    fn errors(source: &str) -> Vec<Diagnostic> {
        match Product::parse(source) {
            Ok(product) => panic!("parsed: {product:?}"),
            Err(errors) => errors,
        }
    }

    fn only(source: &str, code: Code) -> Diagnostic {
        let errors = errors(source);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].code, code, "{errors:?}");
        assert_eq!(errors[0].severity, Severity::Error);
        errors[0].clone()
    }

    #[test]
    fn parses_a_good_product() {
        let product = Product::parse(GOOD).unwrap();
        assert_eq!(product.name().as_str(), "customer_profiles");
        assert_eq!(product.description(), Some("Customers' contact details"));
        assert_eq!(product.owner_team(), Some("customer-data"));
        assert_eq!(product.classification(), Classification::Confidential);
        assert!(product.contains_pii());
        let purposes: Vec<&str> = product
            .allowed_purposes()
            .iter()
            .map(PurposeName::as_str)
            .collect();
        assert_eq!(purposes, ["support", "compliance"]);
        let read = product.operation("profile.read").unwrap();
        assert_eq!(read.kind, OperationKind::Read);
        assert_eq!(read.risk_tier, RiskTier::ReadOnly);
        assert_eq!(read.approval, Approval::None);
        let update = product.operation("profile.update").unwrap();
        assert_eq!(update.risk_tier, RiskTier::LocalWrite);
        assert_eq!(update.approval, Approval::Required);
        assert_eq!(product.content_hash(), crate::content_hash(GOOD));
        assert!(product.lint().is_empty());
    }

    #[test]
    fn tiers_are_ordered_by_risk() {
        assert!(RiskTier::ReadOnly < RiskTier::LocalWrite);
        assert!(RiskTier::Network < RiskTier::Delegated);
        assert!(RiskTier::Delegated < RiskTier::Destructive);
        assert_eq!("network".parse::<RiskTier>(), Ok(RiskTier::Network));
    }

    #[test]
    fn duplicate_operations_are_refused_at_the_second() {
        let source = GOOD.replace("name: profile.update", "name: profile.read");
        let error = only(&source, Code::DuplicateOperation);
        assert_eq!((error.line, error.column), (11, 11));
        assert!(
            error.message.contains("first at line 8"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_unknown_tier_is_refused_where_written() {
        let source = GOOD.replace("risk_tier: local_write", "risk_tier: dangerous");
        let error = only(&source, Code::UnknownRiskTier);
        assert_eq!((error.line, error.column), (13, 16));
        assert!(
            error.message.contains("read_only, local_write"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_unknown_kind_is_refused() {
        let source = GOOD.replace("kind: read", "kind: peek");
        let error = only(&source, Code::UnknownOperationKind);
        assert_eq!((error.line, error.column), (9, 11));
    }

    #[test]
    fn an_unknown_classification_is_refused() {
        let source = GOOD.replace("classification: confidential", "classification: secret");
        let error = only(&source, Code::UnknownClassification);
        assert_eq!((error.line, error.column), (4, 17));
        assert!(error.message.contains("restricted"), "{}", error.message);
    }

    #[test]
    fn an_unknown_approval_is_refused() {
        let source = GOOD.replace("approval: required", "approval: maybe");
        let error = only(&source, Code::UnknownApproval);
        assert_eq!((error.line, error.column), (14, 15));
    }

    #[test]
    fn unknown_keys_are_refused_at_top_level_and_in_operations() {
        let source = GOOD
            .replace("owner_team:", "owner:")
            .replace("    approval: required", "    approvals: required");
        let errors = errors(&source);
        let codes: Vec<(u32, Code)> = errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(codes, [(3, Code::UnknownKey), (14, Code::UnknownKey)]);
        assert!(
            errors[0].message.contains("`owner`"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn every_problem_is_reported_in_one_run() {
        let source = GOOD
            .replace("kind: read", "kind: peek")
            .replace("risk_tier: local_write", "risk_tier: dangerous")
            .replace("classification: confidential", "classification: secret");
        let codes: Vec<Code> = errors(&source).iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                Code::UnknownClassification,
                Code::UnknownOperationKind,
                Code::UnknownRiskTier
            ]
        );
    }

    #[test]
    fn missing_keys_and_bad_names_are_refused() {
        let errors = errors("product: Bad Name\noperations: []\n");
        let codes: Vec<Code> = errors.iter().map(|e| e.code).collect();
        assert!(codes.contains(&Code::MissingKey), "{errors:?}");
        assert!(codes.contains(&Code::InvalidId), "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.message.contains("at least one operation")),
            "{errors:?}"
        );
        let bad_op = GOOD.replace("name: profile.read", "name: Profile Read");
        assert_eq!(only(&bad_op, Code::InvalidId).line, 8);
    }

    #[test]
    fn contains_pii_must_be_a_boolean() {
        let source = GOOD.replace("contains_pii: true", "contains_pii: yes please");
        assert_eq!(only(&source, Code::WrongType).line, 5);
    }

    #[test]
    fn duplicate_purposes_are_refused() {
        let source = GOOD.replace("[support, compliance]", "[support, support]");
        let error = only(&source, Code::DuplicatePurpose);
        assert_eq!((error.line, error.column), (6, 29));
    }

    #[test]
    fn a_pii_product_without_purposes_is_a_warning() {
        let source = GOOD.replace("allowed_purposes: [support, compliance]\n", "");
        let product = Product::parse(&source).unwrap();
        let warnings = product.lint();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].severity, Severity::Warning);
        assert_eq!(warnings[0].code, Code::PiiWithoutPurposes);
        assert_eq!((warnings[0].line, warnings[0].column), (5, 15));
        let empty = GOOD.replace("[support, compliance]", "[]");
        assert_eq!(check_product(&empty)[0].code, Code::PiiWithoutPurposes);
        let not_pii = source.replace("contains_pii: true", "contains_pii: false");
        assert!(check_product(&not_pii).is_empty());
    }

    #[test]
    fn yaml_syntax_errors_have_a_position() {
        let errors = errors("product: [unclosed\n");
        assert_eq!(errors[0].code, Code::YamlSyntax);
        assert!(errors[0].line >= 1);
    }
}
