//! What the seeded agents ask: the policies they are bound to, the kinds of agent, the
//! inputs and texts of one request, and the random numbers behind them.

use serde_json::{json, Value};

use app::model::{EventPayload, Read, Write};

/// The policies the history evaluates; the templates' and one of the seed's own.
pub(super) const POLICIES: [&str; 4] = [
    include_str!("../../../../app/src/policies/templates/refund_limit.yaml"),
    include_str!("../../../../app/src/policies/templates/discount_cap.yaml"),
    RECORD_CHANGE_POLICY,
    include_str!("../../../../app/src/policies/templates/pii_access.yaml"),
];

const RECORD_CHANGE_POLICY: &str = r#"policy: record_change
description: Agents may correct a few customer records; bulk or protected changes need a data steward
owner: data
scope:
  intents: ["crm.record.*"]
inputs:
  field: { type: string, required: true }
  records: { type: integer, required: true }
combine: strictest
default: deny
rules:
  - name: few_records
    when: records >= 1 && records <= 10
    outcome: allow
    rationale: "changing {{field}} on {{records}} records is routine"
  - name: bulk_change
    when: records > 10
    outcome: requires_exception
    approval_route: data-stewards
    rationale: "changing {{field}} on {{records}} records at once needs a data steward"
  - name: protected_field
    when: field in ['tax_id', 'iban']
    outcome: deny
    rationale: "{{field}} may not be changed by an agent"
tests:
  - name: one address is routine
    inputs: { field: address, records: 1 }
    expect: allow
  - name: bulk changes need a steward
    inputs: { field: email, records: 40 }
    expect: requires_exception
  - name: bank details are protected
    inputs: { field: iban, records: 1 }
    expect: deny
"#;

/// What an agent of each kind does; index into [`POLICIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Refund,
    Discount,
    RecordChange,
    PiiRead,
}

impl Kind {
    pub(super) const ALL: [Kind; 4] = [
        Kind::Refund,
        Kind::Discount,
        Kind::RecordChange,
        Kind::PiiRead,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Refund => "refund-bot",
            Kind::Discount => "discount-bot",
            Kind::RecordChange => "crm-bot",
            Kind::PiiRead => "privacy-bot",
        }
    }

    pub(super) fn intent(self) -> &'static str {
        match self {
            Kind::Refund => "billing.refund.create",
            Kind::Discount => "billing.discount.apply",
            Kind::RecordChange => "crm.record.update",
            Kind::PiiRead => "customer.pii.read",
        }
    }

    pub(super) fn team(self) -> &'static str {
        match self {
            Kind::Refund | Kind::Discount => "billing",
            Kind::RecordChange => "crm",
            Kind::PiiRead => "privacy",
        }
    }
}

pub(super) const APPROVERS: [&str; 5] = [
    "maria.lopez@example.com",
    "james.chen@example.com",
    "aisha.khan@example.com",
    "tom.becker@example.com",
    "sofia.rossi@example.com",
];

pub(super) const APPROVE_REASONS: [&str; 6] = [
    "verified the damaged parcel photos attached to the ticket",
    "long-standing customer with no previous disputes",
    "confirmed the duplicate charge in the ledger",
    "finance agreed to the exception for this enterprise renewal",
    "checked the signed change request form",
    "fraud team confirmed the open investigation",
];

pub(super) const REJECT_REASONS: [&str; 4] = [
    "no proof of purchase on file",
    "customer was already compensated last month",
    "exceeds the quarterly exception budget",
    "request does not match the account owner's records",
];

const CONTEXTS: [&str; 8] = [
    "customer reports the parcel arrived damaged",
    "duplicate charge on the last invoice",
    "late delivery, customer asks for compensation",
    "subscription cancelled within the trial period",
    "customer moved and asks to update the address",
    "renewal negotiation with the account manager",
    "chargeback warning from the payment provider",
    "support ticket escalated by the customer",
];

/// What the agent asked the policy and what it then did.
pub(super) struct Scenario {
    pub(super) inputs: Value,
    pub(super) read: Read,
    pub(super) context: &'static str,
    /// The action's event: a write, or (for personal data) the read itself.
    pub(super) action: EventPayload,
    pub(super) title: String,
}

fn read(product: &str, purpose: &str, summary: String, record_count: u64) -> Read {
    Read {
        product: product.to_owned(),
        purpose: purpose.to_owned(),
        summary: Some(summary),
        record_count: Some(record_count),
        operation: None,
        product_version: None,
        risk_tier: None,
        fields: None,
    }
}

fn write(product: &str, operation: &str, summary: String) -> EventPayload {
    EventPayload::Write(Write {
        product: product.to_owned(),
        operation: operation.to_owned(),
        summary: Some(summary),
        idempotency_key: None,
        arguments: None,
        action_digest: None,
        risk_tier: None,
    })
}

pub(super) fn scenario(rng: &mut Rng, kind: Kind) -> Scenario {
    let context = *rng.pick(&CONTEXTS);
    let order = 100_000 + rng.below(900_000);
    match kind {
        Kind::Refund => {
            let cents = if rng.chance(0.8) {
                500 + rng.below(19_500)
            } else {
                20_001 + rng.below(130_000)
            };
            let amount = cents as f64 / 100.0;
            let currency = *rng.pick(&["EUR", "USD", "GBP"]);
            let refunds = rng.below(6);
            let mut inputs = json!({"amount": amount, "currency": currency});
            if rng.chance(0.3) {
                inputs["customer"] = json!({"refunds_last_90_days": refunds});
            }
            Scenario {
                read: read(
                    "billing",
                    "look up the order and earlier refunds",
                    format!("order #{order}: {amount:.2} {currency}, {refunds} refunds in 90 days"),
                    1,
                ),
                action: write(
                    "billing",
                    "refund.create",
                    format!(
                        "refunded {amount:.2} {currency} for order #{order} to the original card"
                    ),
                ),
                title: format!("Refund of {amount:.2} {currency} for order #{order}"),
                inputs,
                context,
            }
        }
        Kind::Discount => {
            let discount = (1 + rng.below(35)) as f64 / 100.0;
            let tier = *rng.pick(&["free", "pro", "pro", "enterprise"]);
            Scenario {
                inputs: json!({"proposed_discount": discount, "account_tier": tier}),
                read: read(
                    "billing",
                    "read the account's plan and renewal date",
                    format!("{tier} account, renewal of contract #{order}"),
                    1,
                ),
                action: write(
                    "billing",
                    "discount.apply",
                    format!(
                        "applied a {:.0}% discount to contract #{order}",
                        discount * 100.0
                    ),
                ),
                title: format!("Discount of {:.0}% on a {tier} account", discount * 100.0),
                context,
            }
        }
        Kind::RecordChange => {
            let field = *rng.pick(&[
                "email", "phone", "address", "address", "name", "tax_id", "iban",
            ]);
            let records = if rng.chance(0.85) {
                1 + rng.below(10)
            } else {
                11 + rng.below(200)
            };
            Scenario {
                inputs: json!({"field": field, "records": records}),
                read: read(
                    "crm",
                    "read the records before changing them",
                    format!("{records} customer records, {field} to update"),
                    records,
                ),
                action: write(
                    "crm",
                    "record.update",
                    format!("updated {field} on {records} records"),
                ),
                title: format!("Change {field} on {records} records"),
                context,
            }
        }
        Kind::PiiRead => {
            let purpose = *rng.pick(&["support", "compliance", "support", "marketing"]);
            let records = if rng.chance(0.85) {
                1 + rng.below(20)
            } else {
                101 + rng.below(900)
            };
            Scenario {
                // As the catalogue fills them for `app/src/products/customer_profiles.yaml`.
                inputs: json!({
                    "purpose": purpose,
                    "record_count": records,
                    "product": {
                        "name": "customer_profiles",
                        "classification": "confidential",
                        "contains_pii": true,
                        "allowed_purposes": ["support", "compliance"],
                        "owner_team": "customer-data",
                    },
                }),
                read: read(
                    "crm",
                    "find the customer's account",
                    format!("account lookup for ticket #{order}"),
                    1,
                ),
                action: EventPayload::Read(read(
                    "customer_profiles",
                    purpose,
                    format!("read personal data of {records} customers for {purpose}"),
                    records,
                )),
                title: format!("Read personal data of {records} customers for {purpose}"),
                context,
            }
        }
    }
}

/// SplitMix64: small, fast and good enough for synthetic data; no dependency.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub(super) fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next() % bound
        }
    }

    pub(super) fn chance(&mut self, probability: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < probability
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

// Keeps the per-kind policy index in step with POLICIES' order.
const _: () = {
    assert!(Kind::Refund as usize == 0);
    assert!(Kind::Discount as usize == 1);
    assert!(Kind::RecordChange as usize == 2);
    assert!(Kind::PiiRead as usize == 3);
};
