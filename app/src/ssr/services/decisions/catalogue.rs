//! The data product catalogue in decisions: what an agent may read and write, for what purpose,
//! at what risk tier (`docs/products.md`).
//!
//! - **When it applies.** Once the catalogue holds an active product it is the list of what
//!   exists: every read and write names a catalogued product and operation. Before that (a new
//!   deployment), reads and writes name systems in free text as they always did.
//! - **The catalogue's rules** (`check`, read before the journal): the product exists and is
//!   not archived (422 `unknown_product` / `product_archived`, field `product`), the operation
//!   exists with the right kind (422 `unknown_operation`, field `operation`), and the agent was
//!   granted it (403 `not_granted`).
//! - **The decision's rules** (`check_on_decision`, inside the journal command, against the
//!   decision as the batch leaves it): the first read fixes the decision's purpose (another
//!   purpose later is 409 `purpose_changed`); the purpose is one the product allows (403
//!   `purpose_not_allowed`); the operation's tier is within the decision's automation mode
//!   (403 `tier_forbids_mode`, `model::highest_tier`); and a write of an operation that needs an
//!   approval (`model::needs_approval`) has one granted (403 `approval_required`).
//!
//! Every refusal of a read or a write is recorded as a `read_refused` / `write_refused` event on
//! the decision, naming the code and the tier; nothing else about the decision changes.
//! Evaluations fill the inputs `product`, `operation` and `purpose` from here.

use serde_json::{json, Map, Value};
use verdict_policy::catalogue::Classification;

use crate::{
    error::{AppError, AppResult},
    model::{
        highest_tier, needs_approval, Approval, OperationKind, ProductOperation, ProductUse,
        RefusalCode, RiskTier,
    },
    ssr::{
        db::Db,
        store::{self, decisions::DecisionRow, products::ACTIVE},
    },
};

/// What the catalogue says of one product and operation that an agent was granted.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogued {
    pub product_use: ProductUse,
    pub approval: Approval,
    pub classification: Classification,
    pub contains_pii: bool,
    pub allowed_purposes: Vec<String>,
    pub owner_team: Option<String>,
}

/// The catalogue's answer to a read or a write, before the decision's own rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The catalogue is empty: the product is a free-text system name, as before catalogues.
    Uncatalogued,
    Catalogued(Box<Catalogued>),
    Refused(Refusal),
}

/// Why a read or a write may not go ahead, as recorded and as answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub code: RefusalCode,
    pub reason: String,
    pub risk_tier: Option<RiskTier>,
}

impl Refusal {
    fn new(code: RefusalCode, reason: String) -> Self {
        Self {
            code,
            reason,
            risk_tier: None,
        }
    }

    /// What the agent hears: the code's status, the field at fault, the tier.
    pub fn error(&self) -> AppError {
        let field = match self.code {
            RefusalCode::UnknownProduct | RefusalCode::ProductArchived => Some("product"),
            RefusalCode::UnknownOperation => Some("operation"),
            RefusalCode::PurposeNotAllowed | RefusalCode::PurposeChanged => Some("purpose"),
            _ => None,
        };
        AppError::Refused {
            refusal: self.code,
            message: self.reason.clone(),
            field: field.map(str::to_owned),
            risk_tier: self.risk_tier.map(|tier| tier.as_str().to_owned()),
        }
    }
}

/// Checks a read or write of `product`'s `operation` by `agent_id` against the catalogue.
/// `kind` is what the agent is doing (`None` for an evaluated action, which may be either).
pub async fn check(
    db: &Db,
    agent_id: &str,
    product: &str,
    operation: Option<&str>,
    kind: Option<OperationKind>,
) -> AppResult<Check> {
    let Some(row) = store::products::find(&db.pool, product).await? else {
        return Ok(if catalogue_in_use(db).await? {
            Check::Refused(Refusal::new(
                RefusalCode::UnknownProduct,
                format!(
                    "{product} is not a data product in the catalogue; an agent may use only \
                     catalogued products."
                ),
            ))
        } else {
            Check::Uncatalogued
        });
    };
    if row.status != ACTIVE {
        return Ok(Check::Refused(Refusal::new(
            RefusalCode::ProductArchived,
            format!("{product} is archived; it can no longer be read or written."),
        )));
    }
    let operations: Vec<ProductOperation> = serde_json::from_str(&row.operations)
        .map_err(|error| stored_damage("operations", product, error))?;
    let Some(operation) = operation else {
        return Ok(Check::Refused(Refusal::new(
            RefusalCode::UnknownOperation,
            format!(
                "{product} is a catalogued data product: name the operation ({}).",
                names(&operations, kind)
            ),
        )));
    };
    let found = operations.iter().find(|op| op.name == operation);
    let Some(found) = found else {
        return Ok(Check::Refused(Refusal::new(
            RefusalCode::UnknownOperation,
            format!(
                "{product} has no operation {operation}; it has {}.",
                names(&operations, kind)
            ),
        )));
    };
    let (op_kind, risk_tier) = (found.kind, found.risk_tier);
    if let Some(kind) = kind.filter(|kind| *kind != op_kind) {
        return Ok(Check::Refused(Refusal {
            risk_tier: Some(risk_tier),
            ..Refusal::new(
                RefusalCode::UnknownOperation,
                format!(
                    "{operation} of {product} is a {op_kind} operation; it cannot be recorded \
                     as a {kind}."
                ),
            )
        }));
    }
    let granted = store::product_uses::granted_operations(&db.pool, agent_id, product).await?;
    if !granted.iter().any(|granted| granted == operation) {
        return Ok(Check::Refused(Refusal {
            risk_tier: Some(risk_tier),
            ..Refusal::new(
                RefusalCode::NotGranted,
                format!("This agent was not granted {operation} of {product}."),
            )
        }));
    }
    Ok(Check::Catalogued(Box::new(Catalogued {
        product_use: ProductUse {
            product: row.name.clone(),
            version: row.latest_version,
            operation: operation.to_owned(),
            kind: op_kind,
            risk_tier,
        },
        approval: found.approval,
        classification: row.classification,
        contains_pii: row.contains_pii != 0,
        allowed_purposes: serde_json::from_str(&row.allowed_purposes)
            .map_err(|error| stored_damage("allowed_purposes", product, error))?,
        owner_team: row.owner_team,
    })))
}

/// Whether the catalogue governs reads and writes (it holds an active product); a copy kept for
/// a second at most (`access_cache`), since every evaluation asks.
pub async fn catalogue_in_use(db: &Db) -> AppResult<bool> {
    if let Some(in_use) = db.access.catalogue_in_use() {
        return Ok(in_use);
    }
    let read_at = db.access.generation();
    let in_use = store::product_uses::catalogue_in_use(&db.pool).await?;
    db.access.keep_catalogue_in_use(read_at, in_use);
    Ok(in_use)
}

fn names(operations: &[ProductOperation], kind: Option<OperationKind>) -> String {
    let listed: Vec<&str> = operations
        .iter()
        .filter(|op| kind.is_none_or(|kind| op.kind == kind))
        .map(|op| op.name.as_str())
        .collect();
    if listed.is_empty() {
        "none of this kind".to_owned()
    } else {
        listed.join(", ")
    }
}

fn stored_damage(what: &str, product: &str, error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, product, what, "a stored data product version does not read");
    AppError::Internal
}

/// A catalogued read or write, as the journal command receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Use {
    pub catalogued: Catalogued,
    /// A read's purpose; writes use the decision's.
    pub purpose: Option<String>,
}

/// The decision's rules for a catalogued use (see the module's documentation).
pub fn check_on_decision(decision: &DecisionRow, used: &Use) -> Result<(), Refusal> {
    let product_use = &used.catalogued.product_use;
    let tier = product_use.risk_tier;
    let refusal = |code, reason| Refusal {
        code,
        reason,
        risk_tier: Some(tier),
    };
    if let (Some(fixed), Some(asked)) = (&decision.purpose, &used.purpose) {
        if fixed != asked {
            return Err(refusal(
                RefusalCode::PurposeChanged,
                format!(
                    "This decision's purpose is {fixed}, fixed by its first read; open another \
                     decision to read for {asked}."
                ),
            ));
        }
    }
    let purpose = used.purpose.as_ref().or(decision.purpose.as_ref());
    if let Some(purpose) = purpose {
        if !used.catalogued.allowed_purposes.contains(purpose) {
            let allowed = &used.catalogued.allowed_purposes;
            return Err(refusal(
                RefusalCode::PurposeNotAllowed,
                format!(
                    "{} may not be used for {purpose}; its allowed purposes are {}.",
                    product_use.product,
                    if allowed.is_empty() {
                        "none".to_owned()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
    }
    if let Some(refusal) = tier_refusal(decision, product_use) {
        return Err(refusal);
    }
    if product_use.kind == OperationKind::Write
        && needs_approval(tier, used.catalogued.approval)
        && decision.approval_granted == 0
    {
        return Err(refusal(
            RefusalCode::ApprovalRequired,
            format!(
                "{} of {} ({tier}{}) is never carried out without a granted approval; request \
                 one first.",
                product_use.operation,
                product_use.product,
                if used.catalogued.approval == Approval::Required {
                    ", approval: required"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(())
}

/// Refuses an operation whose tier the decision's automation mode does not allow.
pub fn tier_refusal(decision: &DecisionRow, product_use: &ProductUse) -> Option<Refusal> {
    let mode = decision.automation_mode;
    let tier = product_use.risk_tier;
    (tier > highest_tier(mode)).then(|| Refusal {
        code: RefusalCode::TierForbidsMode,
        reason: format!(
            "{} of {} is a {tier} operation; a decision in mode {mode} may use operations up \
             to {} only.",
            product_use.operation,
            product_use.product,
            highest_tier(mode)
        ),
        risk_tier: Some(tier),
    })
}

/// Stages what a recorded use changes on the decision: its purpose (fixed by the first read),
/// its tier (the highest used), and its list of used operations.
pub fn note_use(decision: &mut DecisionRow, used: &Use) {
    if decision.purpose.is_none() {
        decision.purpose.clone_from(&used.purpose);
    }
    let product_use = &used.catalogued.product_use;
    decision.risk_tier = decision.risk_tier.max(Some(product_use.risk_tier));
    let known = decision.product_uses.iter().any(|known| {
        known.product == product_use.product && known.operation == product_use.operation
    });
    if !known {
        decision.product_uses.push(product_use.clone());
    }
}

/// Sets the inputs `product` and `operation` to what the catalogue says of `catalogued`.
pub fn fill_facts(inputs: &mut Map<String, Value>, catalogued: &Catalogued) {
    let product_use = &catalogued.product_use;
    inputs.insert(
        "product".to_owned(),
        json!({
            "name": product_use.product,
            "classification": catalogued.classification.as_str(),
            "contains_pii": catalogued.contains_pii,
            "allowed_purposes": catalogued.allowed_purposes,
            "owner_team": catalogued.owner_team,
        }),
    );
    inputs.insert(
        "operation".to_owned(),
        json!({
            "name": product_use.operation,
            "kind": product_use.kind.as_str(),
            "risk_tier": product_use.risk_tier.as_str(),
            "approval": catalogued.approval.as_str(),
        }),
    );
}

/// The inputs every policy may use without the agent sending them, once the catalogue is in
/// use: `product`, `operation` (of the evaluated action, or the decision's latest use) and
/// `purpose` (the decision's). The agent may not send them itself (422 `inputs.NAME`).
pub fn fill_inputs(
    inputs: &mut Map<String, Value>,
    catalogued: Option<&Catalogued>,
    purpose: Option<&str>,
) -> AppResult<()> {
    for reserved in ["product", "operation", "purpose"] {
        if inputs.contains_key(reserved) {
            return Err(AppError::invalid(
                format!("inputs.{reserved}"),
                format!(
                    "inputs.{reserved} is filled from the data product catalogue and the \
                     decision's purpose; leave it out."
                ),
            ));
        }
    }
    if let Some(catalogued) = catalogued {
        fill_facts(inputs, catalogued);
    }
    if let Some(purpose) = purpose {
        inputs.insert("purpose".to_owned(), Value::String(purpose.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AutomationMode, DecisionStatus};

    fn decision(mode: AutomationMode) -> DecisionRow {
        DecisionRow {
            id: "d".into(),
            agent_id: "a".into(),
            intent: "customer.read".into(),
            automation_mode: mode,
            actor: None,
            status: DecisionStatus::Open,
            latest_outcome: None,
            latest_route: None,
            approval_granted: 0,
            policies_used: Vec::new(),
            last_sequence: 1,
            last_hash: String::new(),
            created_at: 0,
            updated_at: 0,
            closed_at: None,
            payload_bytes: 0,
            latest_inputs_hash: None,
            evaluated_actions: Vec::new(),
            latest_action_digest: None,
            purpose: None,
            risk_tier: None,
            product_uses: Vec::new(),
        }
    }

    fn used(kind: OperationKind, tier: RiskTier, approval: Approval, purpose: Option<&str>) -> Use {
        Use {
            catalogued: Catalogued {
                product_use: ProductUse {
                    product: "customer_profiles".into(),
                    version: 1,
                    operation: "profile.read".into(),
                    kind,
                    risk_tier: tier,
                },
                approval,
                classification: Classification::Confidential,
                contains_pii: true,
                allowed_purposes: vec!["support".into(), "compliance".into()],
                owner_team: None,
            },
            purpose: purpose.map(str::to_owned),
        }
    }

    fn code(result: Result<(), Refusal>) -> Option<RefusalCode> {
        result.err().map(|refusal| refusal.code)
    }

    #[test]
    fn the_first_read_fixes_the_purpose() {
        let mut row = decision(AutomationMode::Autonomous);
        let read = used(
            OperationKind::Read,
            RiskTier::ReadOnly,
            Approval::None,
            Some("support"),
        );
        assert_eq!(code(check_on_decision(&row, &read)), None);
        note_use(&mut row, &read);
        assert_eq!(row.purpose.as_deref(), Some("support"));
        assert_eq!(row.risk_tier, Some(RiskTier::ReadOnly));
        let other = used(
            OperationKind::Read,
            RiskTier::ReadOnly,
            Approval::None,
            Some("compliance"),
        );
        assert_eq!(
            code(check_on_decision(&row, &other)),
            Some(RefusalCode::PurposeChanged)
        );
        let marketing = used(
            OperationKind::Read,
            RiskTier::ReadOnly,
            Approval::None,
            Some("marketing"),
        );
        let fresh = decision(AutomationMode::Autonomous);
        assert_eq!(
            code(check_on_decision(&fresh, &marketing)),
            Some(RefusalCode::PurposeNotAllowed)
        );
    }

    #[test]
    fn the_tier_table_binds_the_mode() {
        for mode in AutomationMode::ALL {
            for tier in RiskTier::ALL {
                let read = used(OperationKind::Read, *tier, Approval::None, None);
                let refused = code(check_on_decision(&decision(*mode), &read));
                let expected =
                    (*tier > highest_tier(*mode)).then_some(RefusalCode::TierForbidsMode);
                assert_eq!(refused, expected, "{mode} {tier}");
            }
        }
    }

    #[test]
    fn risky_writes_need_a_granted_approval() {
        let mut row = decision(AutomationMode::Approve);
        for (tier, approval) in [
            (RiskTier::Network, Approval::Required),
            (RiskTier::Delegated, Approval::None),
            (RiskTier::Destructive, Approval::None),
        ] {
            let write = used(OperationKind::Write, tier, approval, None);
            row.approval_granted = 0;
            let refusal = check_on_decision(&row, &write).unwrap_err();
            assert_eq!(refusal.code, RefusalCode::ApprovalRequired);
            assert_eq!(refusal.risk_tier, Some(tier));
            row.approval_granted = 1;
            assert_eq!(code(check_on_decision(&row, &write)), None);
        }
        row.approval_granted = 0;
        let plain = used(
            OperationKind::Write,
            RiskTier::Network,
            Approval::None,
            None,
        );
        assert_eq!(code(check_on_decision(&row, &plain)), None);
    }

    #[test]
    fn the_catalogue_fills_its_inputs_and_reserves_them() {
        let read = used(
            OperationKind::Read,
            RiskTier::ReadOnly,
            Approval::None,
            None,
        );
        let mut inputs = Map::new();
        fill_inputs(&mut inputs, Some(&read.catalogued), Some("support")).unwrap();
        assert_eq!(inputs["product"]["contains_pii"], json!(true));
        assert_eq!(inputs["operation"]["risk_tier"], json!("read_only"));
        assert_eq!(inputs["purpose"], json!("support"));
        let mut given = Map::new();
        given.insert("purpose".into(), json!("support"));
        let error = fill_inputs(&mut given, None, None).unwrap_err();
        assert_eq!(error.field(), Some("inputs.purpose"));
    }
}
