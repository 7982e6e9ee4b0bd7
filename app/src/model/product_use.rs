//! What a decision did with the data product catalogue, and the table that binds a decision's
//! automation mode to the risk tier of the operations it uses (`docs/products.md`).

use serde::{Deserialize, Serialize};
pub use verdict_policy::catalogue::{Approval, OperationKind, RiskTier};

use super::decision::AutomationMode;

/// One catalogued operation a decision used: the product version it was checked against, and
/// its kind and tier then. Kept on the decision's row, once per product and operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductUse {
    pub product: String,
    pub version: i64,
    pub operation: String,
    /// `read` or `write`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub kind: OperationKind,
    /// `read_only`, `local_write`, `network`, `delegated` or `destructive`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub risk_tier: RiskTier,
}

/// A read or write of a product, recorded or refused, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductActivity {
    pub event_id: String,
    pub decision_id: String,
    pub agent_name: String,
    pub operation: String,
    pub kind: OperationKind,
    pub risk_tier: Option<RiskTier>,
    pub purpose: Option<String>,
    /// The refusal's code; `None` when the use was recorded.
    pub refused: Option<super::decision::RefusalCode>,
    /// Unix milliseconds.
    pub at: i64,
}

/// A policy scoped to a product (`scope.products`), at the version that judges now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPolicy {
    pub policy_id: String,
    pub version: i64,
}

/// The riskiest tier a decision in `mode` may use. A mode in which nothing is written without
/// a person's approval may use every tier; `override` (the agent acts, a person may undo) stops
/// at `network`; `autonomous` (nobody looks) at `local_write`.
///
/// | mode | highest tier |
/// |---|---|
/// | `propose`, `approve` | `destructive` |
/// | `override` | `network` |
/// | `autonomous` | `local_write` |
pub fn highest_tier(mode: AutomationMode) -> RiskTier {
    match mode {
        AutomationMode::Propose | AutomationMode::Approve => RiskTier::Destructive,
        AutomationMode::Override => RiskTier::Network,
        AutomationMode::Autonomous => RiskTier::LocalWrite,
    }
}

/// Whether an operation is never carried out without a granted approval, whatever the
/// policies said and whatever the mode: it says `approval: required`, or it hands work on
/// (`delegated`) or cannot be undone (`destructive`).
pub fn needs_approval(risk_tier: RiskTier, approval: Approval) -> bool {
    approval == Approval::Required || risk_tier >= RiskTier::Delegated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_table_is_as_documented() {
        let allowed = |mode| {
            RiskTier::ALL
                .iter()
                .filter(|tier| **tier <= highest_tier(mode))
                .map(|tier| tier.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            allowed(AutomationMode::Autonomous),
            ["read_only", "local_write"]
        );
        assert_eq!(
            allowed(AutomationMode::Override),
            ["read_only", "local_write", "network"]
        );
        for mode in [AutomationMode::Propose, AutomationMode::Approve] {
            assert_eq!(allowed(mode).len(), RiskTier::ALL.len());
        }
    }

    #[test]
    fn delegated_destructive_and_required_operations_need_an_approval() {
        for tier in RiskTier::ALL {
            assert_eq!(
                needs_approval(*tier, Approval::None),
                matches!(tier, RiskTier::Delegated | RiskTier::Destructive),
                "{tier}"
            );
            assert!(needs_approval(*tier, Approval::Required));
        }
    }
}
