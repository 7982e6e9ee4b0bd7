//! A realistic 20-rule payment policy evaluated by verdict-policy (with its
//! full explanation) and, for comparison, the same policy in Rego evaluated
//! by regorus. Criterion measures both; a final table reports medians from
//! a separate measured loop, and their ratio.
//!
//! Run with `cargo bench -p verdict-policy`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use serde_json::{json, Value};
use verdict_policy::{Outcome, Policy};

const POLICY: &str = r#"
policy: payments.transfer_guard
owner: treasury
scope:
  intents: ["payments.transfer.*"]
inputs:
  amount: { type: number, required: true }
  currency: { type: string, required: true, enum: [EUR, USD, GBP, CHF, JPY] }
  account_tier: { type: string, required: true, enum: [free, pro, enterprise] }
  risk_score: { type: number, required: true }
  daily_total: { type: number, required: true }
  velocity_count: { type: integer, required: true }
  country: { type: string, required: true }
  tags: { type: list, required: true }
  customer: { type: object, required: true }
  merchant: { type: object, required: true }
  new_device: { type: boolean, required: true }
  hour_utc: { type: integer, required: true }
combine: strictest
default: deny
rules:
  - { name: large_amount, when: amount > 10000, outcome: requires_exception, approval_route: treasury,
      rationale: "transfer of {{amount}} {{currency}} exceeds 10k" }
  - { name: very_large_amount, when: amount > 100000, outcome: deny }
  - { name: high_risk, when: risk_score >= 0.8, outcome: deny }
  - { name: medium_risk, when: risk_score >= 0.5 && risk_score < 0.8, outcome: requires_exception, approval_route: risk }
  - { name: daily_limit, when: daily_total > 50000, outcome: requires_exception, approval_route: treasury }
  - { name: velocity, when: velocity_count > 20, outcome: deny }
  - { name: sanctioned_country, when: "country in ['IR', 'KP', 'SY', 'CU']", outcome: deny }
  - { name: free_tier_cap, when: "account_tier == 'free' && amount > 1000", outcome: deny }
  - { name: enterprise_fast_path, when: "account_tier == 'enterprise' && amount < 50000", outcome: allow }
  - { name: exotic_currency, when: "currency != 'EUR' && currency != 'USD'", outcome: requires_exception, approval_route: fx }
  - { name: new_customer, when: customer.age_days < 30, outcome: requires_exception, approval_route: onboarding }
  - { name: kyc_unverified, when: "!customer.kyc.verified", outcome: deny }
  - { name: kyc_low_level, when: customer.kyc.level < 2 && amount > 5000, outcome: requires_exception, approval_route: compliance }
  - { name: blocked_merchant, when: merchant.blocked, outcome: deny }
  - { name: cross_border_eu, when: "merchant.country != country && customer.region == 'eu'", outcome: allow }
  - { name: risky_category, when: "merchant.category in ['gambling', 'crypto']", outcome: deny }
  - { name: fraud_flag, when: "'fraud_suspect' in tags", outcome: deny }
  - name: recurring_b2b
    when: { all: ["'recurring' in tags", "'b2b' in tags"] }
    outcome: allow
  - name: off_hours_new_device
    when: { all: ["new_device", { any: ["hour_utc < 6", "hour_utc > 22"] }] }
    outcome: requires_exception
    approval_route: security
  - { name: small_payment, when: amount <= 500, outcome: allow }
"#;

const REGO: &str = r#"
package verdict

import rego.v1

matched contains "large_amount" if input.amount > 10000
matched contains "very_large_amount" if input.amount > 100000
matched contains "high_risk" if input.risk_score >= 0.8
matched contains "medium_risk" if {
	input.risk_score >= 0.5
	input.risk_score < 0.8
}
matched contains "daily_limit" if input.daily_total > 50000
matched contains "velocity" if input.velocity_count > 20
matched contains "sanctioned_country" if input.country in {"IR", "KP", "SY", "CU"}
matched contains "free_tier_cap" if {
	input.account_tier == "free"
	input.amount > 1000
}
matched contains "enterprise_fast_path" if {
	input.account_tier == "enterprise"
	input.amount < 50000
}
matched contains "exotic_currency" if {
	input.currency != "EUR"
	input.currency != "USD"
}
matched contains "new_customer" if input.customer.age_days < 30
matched contains "kyc_unverified" if not input.customer.kyc.verified
matched contains "kyc_low_level" if {
	input.customer.kyc.level < 2
	input.amount > 5000
}
matched contains "blocked_merchant" if input.merchant.blocked
matched contains "cross_border_eu" if {
	input.merchant.country != input.country
	input.customer.region == "eu"
}
matched contains "risky_category" if input.merchant.category in {"gambling", "crypto"}
matched contains "fraud_flag" if "fraud_suspect" in input.tags
matched contains "recurring_b2b" if {
	"recurring" in input.tags
	"b2b" in input.tags
}
matched contains "off_hours_new_device" if {
	input.new_device
	off_hours
}
matched contains "small_payment" if input.amount <= 500

off_hours if input.hour_utc < 6
off_hours if input.hour_utc > 22

outcomes := {
	"large_amount": "requires_exception", "very_large_amount": "deny", "high_risk": "deny",
	"medium_risk": "requires_exception", "daily_limit": "requires_exception", "velocity": "deny",
	"sanctioned_country": "deny", "free_tier_cap": "deny", "enterprise_fast_path": "allow",
	"exotic_currency": "requires_exception", "new_customer": "requires_exception",
	"kyc_unverified": "deny", "kyc_low_level": "requires_exception", "blocked_merchant": "deny",
	"cross_border_eu": "allow", "risky_category": "deny", "fraud_flag": "deny",
	"recurring_b2b": "allow", "off_hours_new_device": "requires_exception", "small_payment": "allow",
}

rank := {"allow": 0, "requires_exception": 1, "deny": 2}

default outcome := "deny"

outcome := o if {
	count(matched) > 0
	strictest := max({rank[outcomes[r]] | some r in matched})
	some o, n in rank
	n == strictest
}

result := {"outcome": outcome, "matched": matched}
"#;

fn inputs() -> Value {
    json!({
        "amount": 12500.0,
        "currency": "EUR",
        "account_tier": "pro",
        "risk_score": 0.42,
        "daily_total": 48000,
        "velocity_count": 7,
        "country": "DE",
        "tags": ["recurring", "invoice", "b2b"],
        "customer": {
            "id": "cus_8f2a", "age_days": 420, "region": "eu", "segment": "smb",
            "kyc": { "level": 2, "verified": true }
        },
        "merchant": { "id": "m_551", "category": "software", "country": "US", "blocked": false },
        "new_device": false,
        "hour_utc": 14,
        "request_id": "req_0001"
    })
}

/// A rule close to the per-rule cost limit, and inputs at its bounds that make it run every
/// step: 70 × 70 comparisons, none matching.
fn worst_admitted() -> (Policy, Value) {
    let source = "policy: worst\ninputs:\n  l: { type: list, max_items: 70, max_length: 8 }\n\
                  rules:\n  - name: pairs\n    when: \"l.all(x, !l.exists(y, x == y + 1000))\"\n    \
                  outcome: deny\n";
    let policy = Policy::parse(source).unwrap_or_else(|d| panic!("{d:#?}"));
    let inputs = json!({ "l": (0..70).collect::<Vec<i64>>() });
    let evaluation = policy.evaluate(&inputs);
    assert_eq!(
        (evaluation.outcome, evaluation.error),
        (Outcome::Deny, None)
    );
    (policy, inputs)
}

struct Peer {
    engine: regorus::Engine,
    input: regorus::Value,
}

impl Peer {
    fn new(inputs: &Value) -> Peer {
        let mut engine = regorus::Engine::new();
        if let Err(e) = engine.add_policy("verdict.rego".to_string(), REGO.to_string()) {
            panic!("rego policy: {e}");
        }
        let input = regorus::Value::from_json_str(&inputs.to_string())
            .unwrap_or_else(|e| panic!("rego input: {e}"));
        Peer { engine, input }
    }

    /// The input is converted once up front and cloned (a reference-count
    /// bump) per evaluation, so the peer pays no JSON conversion.
    fn evaluate(&mut self) -> regorus::Value {
        self.engine.set_input(self.input.clone());
        self.engine
            .eval_rule("data.verdict.result".to_string())
            .unwrap_or_else(|e| panic!("rego eval: {e}"))
    }
}

/// Median time per call over 101 batches of roughly a millisecond each.
fn median_ns(mut f: impl FnMut()) -> f64 {
    let warmup = Instant::now();
    let mut calls = 0u32;
    while warmup.elapsed() < Duration::from_millis(300) {
        f();
        calls += 1;
    }
    let per_call = warmup.elapsed().as_secs_f64() / f64::from(calls.max(1));
    let batch = ((1e-3 / per_call) as u32).max(1);
    let mut samples: Vec<f64> = (0..101)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                f();
            }
            start.elapsed().as_secs_f64() * 1e9 / f64::from(batch)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let policy = Policy::parse(POLICY).unwrap_or_else(|d| panic!("{d:#?}"));
    let inputs = inputs();
    let mut peer = Peer::new(&inputs);

    let ours = policy.evaluate(&inputs);
    assert_eq!(ours.outcome, Outcome::RequiresException);
    assert_eq!(ours.explanation.len(), 20);
    assert_eq!(ours.error, None);
    let theirs = peer.evaluate();
    assert_eq!(
        theirs["outcome"],
        regorus::Value::from("requires_exception")
    );

    let mut criterion = Criterion::default().configure_from_args();
    criterion.bench_function("verdict_policy_20_rules", |b| {
        b.iter(|| policy.evaluate(black_box(&inputs)))
    });
    criterion.bench_function("regorus_20_rules", |b| {
        b.iter(|| black_box(peer.evaluate()))
    });
    let (worst, worst_inputs) = worst_admitted();
    criterion.bench_function("worst_admitted_rule_at_its_bounds", |b| {
        b.iter(|| worst.evaluate(black_box(&worst_inputs)))
    });
    criterion.final_summary();

    // `cargo test --benches` runs this without `--bench`: criterion then only
    // checks each benchmark runs, and the measured comparison is skipped.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let ours_ns = median_ns(|| {
        black_box(policy.evaluate(black_box(&inputs)));
    });
    let peer_ns = median_ns(|| {
        black_box(peer.evaluate());
    });
    println!();
    println!("| engine (20 rules, with explanation) | median ns/eval |");
    println!("| --- | ---: |");
    println!("| verdict-policy (CEL) | {ours_ns:.0} |");
    println!("| regorus (Rego) | {peer_ns:.0} |");
    println!(
        "| ratio regorus / verdict-policy | {:.2}x |",
        peer_ns / ours_ns
    );
    let worst_ns = median_ns(|| {
        black_box(worst.evaluate(black_box(&worst_inputs)));
    });
    let cost = worst.rules()[0].worst_case_cost();
    println!();
    println!("| worst admitted rule at its bounds | value |");
    println!("| --- | ---: |");
    println!(
        "| estimated cost (units; limit {}) | {cost} |",
        verdict_policy::MAX_RULE_COST
    );
    println!("| median time | {:.3} ms |", worst_ns / 1e6);
    println!("| ns per estimated unit | {:.1} |", worst_ns / cost as f64);
}
