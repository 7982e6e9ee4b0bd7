//! Reads and writes under the data product catalogue: grants, purposes, risk tiers and
//! product-level policies. Every refusal is answered with its code and recorded on the decision
//! (`read_refused` / `write_refused`), and nothing else about the decision changes.

use crate::common;

use axum::http::StatusCode;
use serde_json::{json, Value};

use common::{Reply, TestAgent, TestApp};

const PROFILES: &str = include_str!("../../../app/src/products/customer_profiles.yaml");
const PAYMENTS: &str = include_str!("../../../app/src/products/payments.yaml");

/// One operation at every tier, all reads, so the tier table can be walked without approvals.
const TIERS: &str = "\
product: tiers
classification: internal
contains_pii: false
allowed_purposes: [testing]
operations:
  - { name: op.read_only, kind: read, risk_tier: read_only }
  - { name: op.local_write, kind: read, risk_tier: local_write }
  - { name: op.network, kind: read, risk_tier: network }
  - { name: op.delegated, kind: read, risk_tier: delegated }
  - { name: op.destructive, kind: read, risk_tier: destructive }
";

/// Allows everything, so only the catalogue's rules decide.
const ALLOW_ALL: &str = "\
policy: allow_all
rules:
  - name: always
    when: 'true'
    outcome: allow
    rationale: allowed
";

/// A product-level policy: personal data only for a purpose the product allows.
const PII_PURPOSE: &str = "\
policy: pii_purpose
scope:
  products: [customer_profiles]
inputs:
  product: { type: object, required: true }
  purpose: { type: string, required: true }
default: allow
rules:
  - name: purpose_not_allowed
    when: product.contains_pii && !(purpose in product.allowed_purposes)
    outcome: deny
    rationale: personal data needs an allowed purpose
";

/// Three products applied (the starter two and `tiers`) and `support-bot`, bound to
/// `allow_all`, granted `profile.read`, `refund.create` and every `tiers` operation. The trace
/// explorer's tests start from it too.
pub(crate) struct Setup {
    pub(crate) app: TestApp,
    pub(crate) admin: String,
    pub(crate) agent: TestAgent,
}

pub(crate) async fn setup() -> Setup {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    for source in [PROFILES, PAYMENTS, TIERS] {
        let applied = app
            .call(
                "POST",
                "/api/v1/admin/products",
                Some(&admin),
                Some(json!({ "source_yaml": source })),
            )
            .await;
        assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.text);
    }
    app.publish(&admin, ALLOW_ALL).await;
    let agent = app.agent(&admin, "support-bot", &["allow_all"]).await;
    let s = Setup { app, admin, agent };
    s.grant("customer_profiles", &["profile.read"]).await;
    s.grant("payments", &["refund.create"]).await;
    s.grant(
        "tiers",
        &[
            "op.read_only",
            "op.local_write",
            "op.network",
            "op.delegated",
            "op.destructive",
        ],
    )
    .await;
    s
}

impl Setup {
    async fn grant(&self, product: &str, operations: &[&str]) {
        let granted = self
            .app
            .call(
                "POST",
                &format!("/api/v1/admin/agents/{}/grants", self.agent.id),
                Some(&self.admin),
                Some(json!({"product": product, "operations": operations})),
            )
            .await;
        assert!(granted.status.is_success(), "{}", granted.text);
    }

    pub(crate) async fn open(&self, mode: &str) -> String {
        self.app
            .open_decision(&self.agent, "customer.lookup", mode)
            .await
    }

    pub(crate) async fn read(&self, decision: &str, body: Value) -> Reply {
        self.app.step(&self.agent, decision, "reads", body).await
    }

    async fn decision(&self, decision: &str) -> Value {
        self.app
            .call(
                "GET",
                &format!("/api/v1/decisions/{decision}"),
                Some(&self.agent.key),
                None,
            )
            .await
            .body
    }

    async fn last_event(&self, decision: &str) -> Value {
        self.app
            .events(&self.agent, decision)
            .await
            .pop()
            .expect("an event")
    }
}

pub(crate) fn profile_read(purpose: &str) -> Value {
    json!({"product": "customer_profiles", "operation": "profile.read", "purpose": purpose,
           "record_count": 1, "fields": ["email"]})
}

/// Asserts the refusal's status and code, that it was recorded as the decision's last event
/// with that code, and returns that event's payload.
async fn refused(
    s: &Setup,
    decision: &str,
    reply: &Reply,
    status: StatusCode,
    code: &str,
) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.body["error"]["code"], code, "{}", reply.text);
    let event = s.last_event(decision).await;
    assert!(
        matches!(
            event["kind"].as_str(),
            Some("read_refused" | "write_refused")
        ),
        "{event}"
    );
    assert_eq!(event["payload"]["code"], code, "{event}");
    event["payload"].clone()
}

#[tokio::test]
async fn a_granted_read_for_an_allowed_purpose_is_recorded_with_its_tier_and_fixes_the_purpose() {
    let s = setup().await;
    let decision = s.open("autonomous").await;

    let read = s.read(&decision, profile_read("support")).await;

    assert_eq!(read.status, StatusCode::CREATED, "{}", read.text);
    let event = s.last_event(&decision).await;
    assert_eq!(event["kind"], "read");
    assert_eq!(event["payload"]["operation"], "profile.read");
    assert_eq!(event["payload"]["risk_tier"], "read_only");
    assert_eq!(event["payload"]["product_version"], 1);
    assert_eq!(event["payload"]["fields"], json!(["email"]));
    let shown = s.decision(&decision).await;
    assert_eq!(shown["purpose"], "support", "{shown}");
    assert_eq!(shown["risk_tier"], "read_only", "{shown}");

    // The purpose is fixed: the same purpose again is fine, another is a conflict, recorded.
    let again = s.read(&decision, profile_read("support")).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    let other = s.read(&decision, profile_read("compliance")).await;
    let payload = refused(
        &s,
        &decision,
        &other,
        StatusCode::CONFLICT,
        "purpose_changed",
    )
    .await;
    assert_eq!(payload["purpose"], "compliance");
    assert_eq!(other.body["error"]["field"], "purpose");
    assert_eq!(s.decision(&decision).await["purpose"], "support");
}

#[tokio::test]
async fn unknown_products_and_operations_are_refused_and_recorded() {
    let s = setup().await;
    let decision = s.open("autonomous").await;

    let unknown = s
        .read(
            &decision,
            json!({"product": "crm.customers", "purpose": "support"}),
        )
        .await;
    refused(
        &s,
        &decision,
        &unknown,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_product",
    )
    .await;
    assert_eq!(unknown.body["error"]["field"], "product");

    let no_operation = s
        .read(
            &decision,
            json!({"product": "customer_profiles", "purpose": "support"}),
        )
        .await;
    refused(
        &s,
        &decision,
        &no_operation,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_operation",
    )
    .await;
    assert_eq!(no_operation.body["error"]["field"], "operation");

    let wrong_kind = s
        .app
        .step(
            &s.agent,
            &decision,
            "writes",
            json!({"product": "customer_profiles", "operation": "profile.read"}),
        )
        .await;
    refused(
        &s,
        &decision,
        &wrong_kind,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_operation",
    )
    .await;

    // Nothing but the refusals was recorded: no purpose, no tier, still open.
    let shown = s.decision(&decision).await;
    assert_eq!(shown["status"], "open");
    assert_eq!(shown["purpose"], Value::Null);
    assert_eq!(shown["risk_tier"], Value::Null);
    let kinds = s.app.event_kinds(&s.agent, &decision).await;
    assert_eq!(
        kinds,
        [
            "decision_opened",
            "read_refused",
            "read_refused",
            "write_refused"
        ]
    );
}

#[tokio::test]
async fn ungranted_operations_and_disallowed_purposes_are_forbidden_and_recorded() {
    let s = setup().await;
    let decision = s.open("autonomous").await;

    let ungranted = s
        .read(
            &decision,
            json!({"product": "payments", "operation": "payment.read", "purpose": "support"}),
        )
        .await;
    let payload = refused(
        &s,
        &decision,
        &ungranted,
        StatusCode::FORBIDDEN,
        "not_granted",
    )
    .await;
    assert_eq!(payload["risk_tier"], "read_only");

    let marketing = s.read(&decision, profile_read("marketing")).await;
    refused(
        &s,
        &decision,
        &marketing,
        StatusCode::FORBIDDEN,
        "purpose_not_allowed",
    )
    .await;
    // A refused purpose fixes nothing: an allowed one still reads.
    let support = s.read(&decision, profile_read("support")).await;
    assert_eq!(support.status, StatusCode::CREATED, "{}", support.text);
}

#[tokio::test]
async fn an_archived_product_is_refused_and_recorded() {
    let s = setup().await;
    sqlx::query("UPDATE products SET status = 'archived' WHERE name = 'customer_profiles'")
        .execute(&s.app.state.db.pool)
        .await
        .unwrap();
    let decision = s.open("autonomous").await;

    let read = s.read(&decision, profile_read("support")).await;

    refused(
        &s,
        &decision,
        &read,
        StatusCode::UNPROCESSABLE_ENTITY,
        "product_archived",
    )
    .await;
}

#[tokio::test]
async fn the_risk_tier_table_binds_every_automation_mode() {
    let s = setup().await;
    // mode → the riskiest tier it may use (docs/products.md).
    let table = [
        ("autonomous", "local_write"),
        ("override", "network"),
        ("propose", "destructive"),
        ("approve", "destructive"),
    ];
    let tiers = [
        "read_only",
        "local_write",
        "network",
        "delegated",
        "destructive",
    ];
    for (mode, highest) in table {
        let cap = tiers.iter().position(|tier| *tier == highest).unwrap();
        for (rank, tier) in tiers.iter().enumerate() {
            let decision = s.open(mode).await;
            let read = s
                .read(
                    &decision,
                    json!({"product": "tiers", "operation": format!("op.{tier}"),
                           "purpose": "testing"}),
                )
                .await;
            if rank <= cap {
                assert_eq!(
                    read.status,
                    StatusCode::CREATED,
                    "{mode} {tier}: {}",
                    read.text
                );
                assert_eq!(s.decision(&decision).await["risk_tier"], *tier);
            } else {
                let payload = refused(
                    &s,
                    &decision,
                    &read,
                    StatusCode::FORBIDDEN,
                    "tier_forbids_mode",
                )
                .await;
                assert_eq!(read.body["error"]["risk_tier"], *tier, "{mode} {tier}");
                assert_eq!(payload["risk_tier"], *tier);
                assert!(
                    read.body["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains(mode),
                    "{}",
                    read.text
                );
                assert_eq!(s.decision(&decision).await["risk_tier"], Value::Null);
            }
        }
    }
}

#[tokio::test]
async fn an_operation_that_requires_approval_is_never_written_without_one() {
    let s = setup().await;
    // `override` may use `network` operations and acts without an approval by its mode, and
    // the policy allows: only the operation's `approval: required` stops the write.
    let decision = s.open("override").await;
    let evaluated = s
        .app
        .step(&s.agent, &decision, "evaluate", json!({"inputs": {}}))
        .await;
    assert_eq!(evaluated.body["outcome"], "allow", "{}", evaluated.text);

    let write = s
        .app
        .step(
            &s.agent,
            &decision,
            "writes",
            json!({"product": "payments", "operation": "refund.create"}),
        )
        .await;

    let payload = refused(
        &s,
        &decision,
        &write,
        StatusCode::FORBIDDEN,
        "approval_required",
    )
    .await;
    assert_eq!(payload["risk_tier"], "network");
    assert_eq!(payload["product"], "payments");
    assert_eq!(write.body["error"]["risk_tier"], "network");
    assert_eq!(s.decision(&decision).await["status"], "open");

    // With a person's approval the same write goes through, recorded with its tier.
    let requested = s
        .app
        .step(
            &s.agent,
            &decision,
            "approvals",
            json!({"title": "Refund", "message": "the customer was charged twice"}),
        )
        .await;
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.text);
    let approval = requested.body["approval_id"].as_str().unwrap();
    let shown = s
        .app
        .call(
            "GET",
            &format!("/api/v1/approvals/{approval}"),
            Some(&s.admin),
            None,
        )
        .await;
    let answered = s
        .app
        .call(
            "POST",
            &format!("/api/v1/approvals/{approval}/resolve"),
            Some(&s.admin),
            Some(json!({"outcome": "approved", "rationale": "checked",
                        "evidence_hash": shown.body["evidence_hash"]})),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    let written = s
        .app
        .step(
            &s.agent,
            &decision,
            "writes",
            json!({"product": "payments", "operation": "refund.create"}),
        )
        .await;
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);
    let event = s.last_event(&decision).await;
    assert_eq!(event["kind"], "write");
    assert_eq!(event["payload"]["risk_tier"], "network");
    assert_eq!(s.decision(&decision).await["risk_tier"], "network");
}

#[tokio::test]
async fn the_catalogue_fills_policy_inputs_and_product_level_policies_judge_every_use() {
    let s = setup().await;
    // Published, bound to nobody: it judges because the decision reads its product.
    s.app.publish(&s.admin, PII_PURPOSE).await;
    let decision = s.open("autonomous").await;
    let read = s.read(&decision, profile_read("support")).await;
    assert_eq!(read.status, StatusCode::CREATED, "{}", read.text);

    // Even asking for the agent's own policy alone, the product's policy judges too.
    let evaluated = s
        .app
        .step(
            &s.agent,
            &decision,
            "evaluate",
            json!({"policy_id": "allow_all", "inputs": {}}),
        )
        .await;
    assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
    let judged: Vec<&str> = evaluated.body["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|evaluation| evaluation["policy_id"].as_str().unwrap())
        .collect();
    assert_eq!(judged, ["allow_all", "pii_purpose"]);
    assert_eq!(evaluated.body["outcome"], "allow");
    let events = s.app.events(&s.agent, &decision).await;
    let inputs = &events.last().unwrap()["payload"]["inputs"];
    assert_eq!(inputs["purpose"], "support", "{inputs}");
    assert_eq!(inputs["product"]["name"], "customer_profiles");
    assert_eq!(inputs["product"]["contains_pii"], true);
    assert_eq!(inputs["operation"]["risk_tier"], "read_only");

    // The agent cannot supply the catalogue's inputs itself.
    let forged = s
        .app
        .step(
            &s.agent,
            &decision,
            "evaluate",
            json!({"inputs": {"purpose": "support"}}),
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        forged.text
    );
    assert_eq!(forged.body["error"]["field"], "inputs.purpose");

    // The snapshot at commit names the product-level policy.
    let closed = s
        .app
        .step(&s.agent, &decision, "close", json!({"action": "commit"}))
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    // The receipt names the purpose, the tier and the products used, and still verifies.
    let document = closed.body["receipt"].clone();
    let receipt = &document["receipt"];
    assert_eq!(receipt["purpose"], "support", "{receipt}");
    assert_eq!(receipt["risk_tier"], "read_only");
    assert_eq!(
        receipt["products"],
        json!([{"product": "customer_profiles", "product_version": 1,
                "operation": "profile.read", "kind": "read", "risk_tier": "read_only"}])
    );
    let verified = s
        .app
        .call("POST", "/api/v1/receipts/verify", None, Some(document))
        .await;
    assert_eq!(verified.body["verified"], true, "{}", verified.text);
    let events = s.app.events(&s.agent, &decision).await;
    let snapshot = events
        .iter()
        .find(|event| event["kind"] == "snapshot")
        .unwrap();
    let named: Vec<&str> = snapshot["payload"]["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|used| used["policy_id"].as_str().unwrap())
        .collect();
    assert!(named.contains(&"pii_purpose"), "{snapshot}");
}

#[tokio::test]
async fn an_evaluated_action_on_an_ungranted_product_is_refused() {
    let s = setup().await;
    let decision = s.open("propose").await;
    let evaluated = s
        .app
        .step(
            &s.agent,
            &decision,
            "evaluate",
            json!({"action": {"product": "payments", "operation": "payment.read",
                              "arguments": {}}}),
        )
        .await;
    assert_eq!(
        evaluated.status,
        StatusCode::FORBIDDEN,
        "{}",
        evaluated.text
    );
    assert_eq!(evaluated.body["error"]["code"], "not_granted");
}

#[tokio::test]
async fn before_a_catalogue_reads_name_any_system_as_before() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.publish(&admin, ALLOW_ALL).await;
    let agent = app.agent(&admin, "bot", &["allow_all"]).await;
    let decision = app
        .open_decision(&agent, "customer.lookup", "autonomous")
        .await;

    let read = app
        .step(
            &agent,
            &decision,
            "reads",
            json!({"product": "crm.customers", "purpose": "find the account"}),
        )
        .await;

    assert_eq!(read.status, StatusCode::CREATED, "{}", read.text);
    let events = app.events(&agent, &decision).await;
    assert_eq!(events.last().unwrap()["payload"].get("risk_tier"), None);
}

#[tokio::test]
async fn a_product_page_lists_its_policies_and_its_recent_reads_and_writes_refused_or_not() {
    let s = setup().await;
    s.app.publish(&s.admin, PII_PURPOSE).await;
    let decision = s.open("autonomous").await;
    let refused = s.read(&decision, profile_read("marketing")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let read = s.read(&decision, profile_read("support")).await;
    assert_eq!(read.status, StatusCode::CREATED, "{}", read.text);
    let cookie = s.app.signed_in(app::model::Role::Viewer).await;

    let page = s
        .app
        .server_fn(
            "load_product",
            &[("name", "customer_profiles")],
            Some(&cookie),
        )
        .await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(
        page.body["policies"],
        json!([{"policy_id": "pii_purpose", "version": 1}])
    );
    let activity = page.body["activity"].as_array().unwrap();
    assert_eq!(activity.len(), 2, "{}", page.text);
    // Newest first: the recorded read, then the refused one.
    assert_eq!(activity[0]["refused"], Value::Null);
    assert_eq!(activity[0]["purpose"], "support");
    assert_eq!(activity[0]["risk_tier"], "read_only");
    assert_eq!(activity[1]["refused"], "purpose_not_allowed");
    assert_eq!(activity[1]["purpose"], "marketing");
    for used in activity {
        assert_eq!(used["decision_id"], decision.as_str());
        assert_eq!(used["agent_name"], "support-bot");
        assert_eq!(used["kind"], "read");
    }
}

/// Judges only its own product: allows when `product` is `customer_profiles`.
const OWN_PRODUCT: &str = "\
policy: own_product
scope:
  products: [customer_profiles]
inputs:
  product: { type: object, required: true }
default: deny
rules:
  - name: its_own
    when: product.name == 'customer_profiles'
    outcome: allow
    rationale: judged with its own product's facts
";

#[tokio::test]
async fn a_product_level_policy_judges_its_own_products_facts_whatever_was_read_last() {
    let s = setup().await;
    s.grant("payments", &["payment.read", "refund.create"])
        .await;
    s.app.publish(&s.admin, OWN_PRODUCT).await;
    let decision = s.open("autonomous").await;
    let profiles = s.read(&decision, profile_read("support")).await;
    assert_eq!(profiles.status, StatusCode::CREATED, "{}", profiles.text);
    // The agent reads another product last: the inputs of its own policies name that one…
    let payments = s
        .read(
            &decision,
            json!({"product": "payments", "operation": "payment.read", "purpose": "support"}),
        )
        .await;
    assert_eq!(payments.status, StatusCode::CREATED, "{}", payments.text);

    let evaluated = s
        .app
        .step(&s.agent, &decision, "evaluate", json!({"inputs": {}}))
        .await;

    // …but the product-level policy judges customer_profiles, the product it is scoped to.
    assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
    assert_eq!(evaluated.body["outcome"], "allow", "{}", evaluated.text);
    let events = s.app.events(&s.agent, &decision).await;
    let judged: Vec<(&str, &str)> = events
        .iter()
        .filter(|event| event["kind"] == "policy_eval")
        .map(|event| {
            (
                event["payload"]["policy_id"].as_str().unwrap(),
                event["payload"]["inputs"]["product"]["name"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        judged,
        [
            ("allow_all", "payments"),
            ("own_product", "customer_profiles")
        ]
    );
}
