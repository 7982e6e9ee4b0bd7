//! Actions (issue 17): a decision that evaluated an exact action permits that action and no
//! other. Writes that differ are refused with 409 `action_mismatch` naming the differing fields,
//! and the attempt is recorded as a `write_refused` event; approvals grant one action.

use crate::common;

use axum::http::StatusCode;
use serde_json::{json, Value};

use common::{RefundAgent, Reply, TestApp, REFUND_POLICY};

const REFUND: &str = "billing.refund.create";

/// The refund fixture, with this file's helpers.
struct Setup(RefundAgent);

impl std::ops::Deref for Setup {
    type Target = RefundAgent;

    fn deref(&self) -> &RefundAgent {
        &self.0
    }
}

async fn setup() -> Setup {
    Setup(TestApp::with_refund_agent().await)
}

fn refund(arguments: Value) -> Value {
    json!({"product": "payments", "operation": "refund.create", "arguments": arguments})
}

impl Setup {
    async fn step(&self, decision: &str, step: &str, body: Value) -> Reply {
        self.app.step(&self.agent, decision, step, body).await
    }

    /// A decision that evaluated `action` (with the currency as a plain input).
    async fn evaluated(&self, action: Value) -> (String, Reply) {
        let decision = self
            .app
            .open_decision(&self.agent, REFUND, "autonomous")
            .await;
        let evaluated = self
            .step(
                &decision,
                "evaluate",
                json!({"inputs": {"currency": "USD"}, "action": action}),
            )
            .await;
        assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
        (decision, evaluated)
    }

    async fn write(&self, decision: &str, action: Value) -> Reply {
        self.step(
            decision,
            "writes",
            json!({"action": action, "summary": "refund issued"}),
        )
        .await
    }

    async fn events(&self, decision: &str) -> Vec<Value> {
        self.app.events(&self.agent, decision).await
    }

    async fn approve(&self, approval: &str) {
        let shown = self
            .app
            .call(
                "GET",
                &format!("/api/v1/approvals/{approval}"),
                Some(&self.admin),
                None,
            )
            .await;
        let answered = self
            .app
            .call(
                "POST",
                &format!("/api/v1/approvals/{approval}/resolve"),
                Some(&self.admin),
                Some(json!({"outcome": "approved", "rationale": "checked",
                            "evidence_hash": shown.body["evidence_hash"]})),
            )
            .await;
        assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    }
}

#[tokio::test]
async fn the_evaluated_action_is_written_and_recorded_with_its_digest() {
    let s = setup().await;
    let (decision, evaluated) = s
        .evaluated(refund(json!({"amount": 35.5, "order": "A-1"})))
        .await;
    assert_eq!(evaluated.body["outcome"], "allow", "{}", evaluated.text);

    // Number spelling and key order do not make another action (RFC 8785 decides).
    let written = s
        .write(
            &decision,
            json!({"arguments": {"order": "A-1", "amount": 35.50}, "operation": "refund.create",
                   "product": "payments"}),
        )
        .await;
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);
    let committed = s
        .step(&decision, "close", json!({"action": "commit"}))
        .await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.text);

    let events = s.events(&decision).await;
    let evaluation = events.iter().find(|e| e["kind"] == "policy_eval").unwrap();
    let write = events.iter().find(|e| e["kind"] == "write").unwrap();
    let digest = evaluation["payload"]["action_digest"].as_str().unwrap();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
    assert_eq!(write["payload"]["action_digest"], digest);
    // The policy saw the arguments as inputs, and the action itself.
    assert_eq!(evaluation["payload"]["inputs"]["amount"], 35.5);
    assert_eq!(
        evaluation["payload"]["inputs"]["action"]["operation"],
        "refund.create"
    );
}

#[tokio::test]
async fn a_write_that_differs_from_the_evaluated_action_is_refused_and_recorded() {
    let s = setup().await;
    let (decision, _) = s
        .evaluated(refund(json!({"amount": 10, "order": "A-1"})))
        .await;

    let cases = [
        (
            refund(json!({"amount": 1000, "order": "A-1"})),
            vec!["arguments.amount"],
        ),
        (
            refund(json!({"amount": 10, "order": "A-1", "note": "x"})),
            vec!["arguments.note"],
        ),
        (
            json!({"product": "payments", "operation": "refund.force",
                   "arguments": {"amount": 10, "order": "A-1"}}),
            vec!["operation"],
        ),
    ];
    for (attempt, differing) in &cases {
        let refused = s.write(&decision, attempt.clone()).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
        assert_eq!(refused.body["error"]["code"], "action_mismatch");
        assert_eq!(refused.body["error"]["differing"], json!(differing));
    }
    // The shape without arguments is refused once an action was evaluated.
    let bare = s
        .step(
            &decision,
            "writes",
            json!({"product": "payments", "operation": "refund.create"}),
        )
        .await;
    assert_eq!(bare.status, StatusCode::CONFLICT, "{}", bare.text);
    assert_eq!(bare.body["error"]["differing"], json!(["action"]));

    let events = s.events(&decision).await;
    let refused: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "write_refused")
        .collect();
    assert_eq!(refused.len(), 4, "every attempt is on the record");
    assert_eq!(
        refused[0]["payload"]["differing"],
        json!(["arguments.amount"])
    );
    assert_eq!(
        refused[0]["payload"]["attempted"]["arguments"]["amount"],
        1000
    );
    assert!(
        events.iter().all(|e| e["kind"] != "write"),
        "nothing was written"
    );
    assert_eq!(s.app.decision_status(&s.agent, &decision).await, "open");
    // The chain stays intact with the refusals in it.
    let verified = s
        .app
        .call(
            "GET",
            &format!("/api/v1/decisions/{decision}/verify"),
            Some(&s.agent.key),
            None,
        )
        .await;
    assert_eq!(verified.body["intact"], true, "{}", verified.text);
}

#[tokio::test]
async fn an_approval_grants_the_one_action_it_was_asked_for() {
    let s = setup().await;
    let (decision, evaluated) = s
        .evaluated(refund(json!({"amount": 950, "order": "A-2"})))
        .await;
    assert_eq!(evaluated.body["outcome"], "requires_exception");
    let early = s
        .write(&decision, refund(json!({"amount": 950, "order": "A-2"})))
        .await;
    // The state machine refuses it first (no approval yet), and the attempt is on the record.
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
    assert!(
        early.text.contains("no approval was granted"),
        "{}",
        early.text
    );
    let kinds = s.app.event_kinds(&s.agent, &decision).await;
    assert_eq!(kinds.last().map(String::as_str), Some("write_refused"));

    let requested = s
        .step(
            &decision,
            "approvals",
            json!({"title": "Refund of 950", "message": "customer was double charged"}),
        )
        .await;
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.text);
    s.approve(requested.body["approval_id"].as_str().unwrap())
        .await;

    let other = s
        .write(&decision, refund(json!({"amount": 951, "order": "A-2"})))
        .await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.text);
    assert_eq!(
        other.body["error"]["differing"],
        json!(["arguments.amount"])
    );
    let granted = s
        .write(&decision, refund(json!({"amount": 950, "order": "A-2"})))
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text);

    // Evaluating another action takes the approval back: it covered 950 only.
    let again = s
        .step(
            &decision,
            "evaluate",
            json!({"inputs": {"currency": "USD"},
                   "action": refund(json!({"amount": 990, "order": "A-2"}))}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(s.app.decision_status(&s.agent, &decision).await, "open");
    let after = s
        .write(&decision, refund(json!({"amount": 950, "order": "A-2"})))
        .await;
    assert_eq!(after.status, StatusCode::CONFLICT, "{}", after.text);
}

#[tokio::test]
async fn inputs_beside_an_action_must_agree_with_its_arguments() {
    let s = setup().await;
    let decision = s.app.open_decision(&s.agent, REFUND, "autonomous").await;
    let disagreeing = s
        .step(
            &decision,
            "evaluate",
            json!({"inputs": {"amount": 1, "currency": "USD"},
                   "action": refund(json!({"amount": 5000}))}),
        )
        .await;
    assert_eq!(
        disagreeing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        disagreeing.text
    );
    assert_eq!(disagreeing.body["error"]["field"], "inputs.amount");
    let reserved = s
        .step(
            &decision,
            "evaluate",
            json!({"inputs": {"action": "x", "currency": "USD"},
                   "action": refund(json!({"amount": 5}))}),
        )
        .await;
    assert_eq!(reserved.body["error"]["field"], "inputs.action");
    let unnamed = s
        .step(
            &decision,
            "evaluate",
            json!({"inputs": {"currency": "USD"},
                   "action": {"product": " ", "operation": "refund.create"}}),
        )
        .await;
    assert_eq!(unnamed.body["error"]["field"], "action.product");
    let both = s
        .step(
            &decision,
            "writes",
            json!({"action": refund(json!({})), "product": "payments"}),
        )
        .await;
    assert_eq!(
        both.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        both.text
    );
    assert!(
        s.events(&decision)
            .await
            .iter()
            .all(|e| e["kind"] == "decision_opened"),
        "bad input changes nothing"
    );
}

#[tokio::test]
async fn a_policy_that_requires_an_action_refuses_inputs_alone() {
    let s = setup().await;
    let source = REFUND_POLICY
        .replace("policy: refund_limit", "policy: refund_exact")
        .replace(
            "combine: strictest",
            "combine: strictest\nrequires_action: true",
        );
    s.app.publish(&s.admin, &source).await;
    let agent = s.app.agent(&s.admin, "exact-bot", &["refund_exact"]).await;
    let decision = s.app.open_decision(&agent, REFUND, "autonomous").await;
    let bare = s
        .app
        .step(
            &agent,
            &decision,
            "evaluate",
            json!({"inputs": {"amount": 10, "currency": "USD"}}),
        )
        .await;
    assert_eq!(
        bare.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bare.text
    );
    assert_eq!(bare.body["error"]["field"], "action");
    assert!(bare.text.contains("refund_exact"), "{}", bare.text);
    let exact = s
        .app
        .step(
            &agent,
            &decision,
            "evaluate",
            json!({"inputs": {"currency": "USD"}, "action": refund(json!({"amount": 10}))}),
        )
        .await;
    assert_eq!(exact.status, StatusCode::OK, "{}", exact.text);
    assert_eq!(exact.body["outcome"], "allow");
}

#[tokio::test]
async fn a_decision_holds_a_bounded_number_of_different_actions() {
    let s = setup().await;
    let decision = s.app.open_decision(&s.agent, REFUND, "autonomous").await;
    let evaluate = |amount: i64| {
        s.step(
            &decision,
            "evaluate",
            json!({"inputs": {"currency": "USD"}, "action": refund(json!({"amount": amount}))}),
        )
    };
    // The same action evaluated again counts once.
    for _ in 0..3 {
        assert_eq!(evaluate(1).await.status, StatusCode::OK);
    }
    for amount in 2..=16 {
        let evaluated = evaluate(amount).await;
        assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.text);
    }
    let seventeenth = evaluate(17).await;
    assert_eq!(
        seventeenth.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        seventeenth.text
    );
    assert_eq!(seventeenth.body["error"]["field"], "action");
    // Refused whole: the last permitted action is still the one a write may present.
    let written = s.write(&decision, refund(json!({"amount": 16}))).await;
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);
}
