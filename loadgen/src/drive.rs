//! Runs the agents: each loops over whole decisions (open, evaluate, write, commit), timing every
//! call, with one request in flight per agent. With `--actions` the evaluation and the write
//! carry the same exact action, each close answer's signed receipt is checked, and a sample of
//! the receipts is verified on the server.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tokio::{
    task::{JoinError, JoinSet},
    time::{Interval, MissedTickBehavior},
};

use crate::{
    ack_log::AckLog,
    api::{expect_field, string_field, Api, ApiError},
    stats::{CallKind, Stats},
};

/// Enough to see what is wrong; the rest are only counted, so a broken server cannot flood the
/// terminal.
const PRINTED_ERRORS: usize = 5;
const PRINTED_ERROR_CHARS: usize = 500;

/// How long an agent pauses after a failed decision.
const ERROR_PAUSE: Duration = Duration::from_millis(50);

/// Refund amounts stay below the policy's 1000 limit so that every decision is allowed.
const AMOUNTS: std::ops::RangeInclusive<u32> = 1..=900;

pub struct DriveResult {
    /// Decisions started after the warm-up.
    pub stats: Stats,
    /// From the end of the warm-up until the last agent finished its last decision.
    pub measured_elapsed: Duration,
}

/// What each decision does beyond open, evaluate, write and commit.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// `--actions`: evaluate and write an exact action; verify one receipt in this many.
    pub actions: Option<u32>,
    /// `--catalogue`: read a catalogued product first, and write a catalogued one.
    pub catalogue: bool,
}

pub async fn drive(
    api: Arc<Api>,
    api_keys: Vec<String>,
    warmup: Duration,
    measured: Duration,
    pace: Option<Duration>,
    acks: Option<Arc<AckLog>>,
    shape: Shape,
) -> Result<DriveResult, JoinError> {
    let started = Instant::now();
    let measure_from = started + warmup;
    let stop_at = measure_from + measured;
    let errors = Arc::new(ErrorLog::default());
    let mut agents = JoinSet::new();
    let agent_count = u32::try_from(api_keys.len()).unwrap_or(u32::MAX);
    for (index, api_key) in (0..).zip(api_keys) {
        // Agents start a share of the pace apart, so that a steady rate is steady per
        // millisecond, not bursts of every agent at once.
        let ticker = pace.map(|pace| {
            let mut ticker =
                tokio::time::interval_at((started + pace * index / agent_count).into(), pace);
            ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
            ticker
        });
        agents.spawn(run_agent(
            api.clone(),
            api_key,
            Window {
                measure_from,
                stop_at,
            },
            ticker,
            errors.clone(),
            acks.clone(),
            shape,
        ));
    }
    let mut stats = Stats::default();
    while let Some(agent_stats) = agents.join_next().await {
        stats.merge(&agent_stats?);
    }
    Ok(DriveResult {
        stats,
        measured_elapsed: measure_from.elapsed(),
    })
}

/// When an agent's decisions count (from the end of the warm-up) and when it stops.
struct Window {
    measure_from: Instant,
    stop_at: Instant,
}

async fn run_agent(
    api: Arc<Api>,
    api_key: String,
    Window {
        measure_from,
        stop_at,
    }: Window,
    mut ticker: Option<Interval>,
    errors: Arc<ErrorLog>,
    acks: Option<Arc<AckLog>>,
    Shape { actions, catalogue }: Shape,
) -> Stats {
    let mut measured = Stats::default();
    let mut receipts: u64 = 0;
    // Decisions started during the warm-up are recorded here and thrown away.
    let mut warmup = Stats::default();
    let mut rng = fastrand::Rng::new();
    loop {
        if let Some(ticker) = ticker.as_mut() {
            ticker.tick().await;
        }
        let started = Instant::now();
        if started >= stop_at {
            return measured;
        }
        let stats = if started >= measure_from {
            &mut measured
        } else {
            &mut warmup
        };
        let amount = rng.u32(AMOUNTS);
        let product = if catalogue {
            CATALOGUED_PAYMENTS
        } else {
            "payments"
        };
        let action = actions.map(|_| refund_action(product, amount, &mut rng));
        let decision = Decision {
            api: &api,
            api_key: &api_key,
            amount,
            action: action.as_ref(),
            catalogue,
        };
        match run_decision(&decision, stats, &errors, acks.as_deref()).await {
            Some(receipt) => {
                stats.record_success(CallKind::Decision, started.elapsed());
                receipts += 1;
                let verify_every = u64::from(actions.unwrap_or(0));
                if let Some(receipt) = receipt.filter(|_| verify_every > 0) {
                    if receipts.is_multiple_of(verify_every) {
                        verify_receipt(&api, &receipt, stats, &errors).await;
                    }
                }
            }
            None => {
                stats.record_error(CallKind::Decision);
                // A server that is down refuses at once; do not spin.
                tokio::time::sleep(ERROR_PAUSE).await;
            }
        }
    }
}

/// The catalogued product refunds are written to with `--catalogue` (`products/`).
const CATALOGUED_PAYMENTS: &str = "loadgen_payments";

/// What one decision does: a refund of `amount`, as an exact `action` with `--actions`, after a
/// read of a catalogued profile with `--catalogue`.
struct Decision<'a> {
    api: &'a Api,
    api_key: &'a str,
    amount: u32,
    action: Option<&'a Value>,
    catalogue: bool,
}

/// The refund an agent evaluates and writes with `--actions`.
fn refund_action(product: &str, amount: u32, rng: &mut fastrand::Rng) -> Value {
    json!({
        "product": product,
        "operation": "refund.create",
        "arguments": {"amount": amount, "order": format!("o-{}", rng.u32(..))},
    })
}

/// Sends a signed receipt to `POST /api/v1/receipts/verify`; it must come back verified.
async fn verify_receipt(api: &Api, receipt: &Value, stats: &mut Stats, errors: &ErrorLog) {
    timed(stats, errors, CallKind::VerifyReceipt, async {
        let checked: Value = api.post_public("/api/v1/receipts/verify", receipt).await?;
        if checked["verified"] == Value::Bool(true) {
            Ok(())
        } else {
            Err(ApiError::UnexpectedBody {
                reason: "the receipt did not verify".to_owned(),
                body: checked.to_string(),
            })
        }
    })
    .await;
}

/// One decision from open to commit, and its signed receipt when it evaluated an action; `None`
/// when a call failed (already counted and logged).
async fn run_decision(
    decision: &Decision<'_>,
    stats: &mut Stats,
    errors: &ErrorLog,
    acks: Option<&AckLog>,
) -> Option<Option<Value>> {
    let Decision {
        api,
        api_key,
        amount,
        action,
        catalogue,
    } = *decision;
    let acked = |decision_id: &str, step: &str| {
        if let Some(acks) = acks {
            acks.record(decision_id, step);
        }
    };
    let open = json!({
        "intent": "refund.create",
        "automation_mode": "autonomous",
        "actor": "loadgen",
    });
    let decision_id = timed(stats, errors, CallKind::Open, async {
        let opened: Value = api.post("/api/v1/decisions", api_key, &open).await?;
        expect_field(&opened, "status", "open")?;
        Ok(string_field(&opened, "decision_id")?.to_owned())
    })
    .await?;
    acked(&decision_id, "open");
    let decision = format!("/api/v1/decisions/{decision_id}");

    if catalogue {
        let read = json!({
            "product": "loadgen_profiles",
            "operation": "profile.read",
            "purpose": "support",
            "record_count": 1,
        });
        timed(
            stats,
            errors,
            CallKind::Read,
            api.post_ignoring_reply(&format!("{decision}/reads"), api_key, &read),
        )
        .await?;
        acked(&decision_id, "read");
    }

    let inputs = match action {
        Some(action) => json!({ "action": action }),
        None => json!({ "inputs": { "amount": amount } }),
    };
    timed(stats, errors, CallKind::Evaluate, async {
        let evaluated: Value = api
            .post(&format!("{decision}/evaluate"), api_key, &inputs)
            .await?;
        expect_field(&evaluated, "outcome", "allow")
    })
    .await?;
    acked(&decision_id, "evaluate");

    let write = match action {
        Some(action) => json!({ "action": action, "summary": "refund" }),
        None if catalogue => json!({
            "product": CATALOGUED_PAYMENTS, "operation": "refund.create", "summary": "refund"
        }),
        None => json!({ "product": "billing", "operation": "refund.create", "summary": "refund" }),
    };
    timed(
        stats,
        errors,
        CallKind::Write,
        api.post_ignoring_reply(&format!("{decision}/writes"), api_key, &write),
    )
    .await?;
    acked(&decision_id, "write");

    let commit = json!({ "action": "commit" });
    let receipt = timed(stats, errors, CallKind::Commit, async {
        let mut closed: Value = api
            .post(&format!("{decision}/close"), api_key, &commit)
            .await?;
        expect_field(&closed, "status", "committed")?;
        if action.is_none() {
            return Ok(None);
        }
        // The close answer carries the signed receipt of what was just committed.
        let receipt = closed["receipt"].take();
        expect_field(&receipt["receipt"], "decision_id", &decision_id)?;
        expect_field(&receipt["receipt"], "status", "committed")?;
        string_field(&receipt["signature"], "value")?;
        Ok(Some(receipt))
    })
    .await?;
    acked(&decision_id, "commit");
    Some(receipt)
}

async fn timed<T>(
    stats: &mut Stats,
    errors: &ErrorLog,
    kind: CallKind,
    call: impl Future<Output = Result<T, ApiError>>,
) -> Option<T> {
    let started = Instant::now();
    match call.await {
        Ok(value) => {
            stats.record_success(kind, started.elapsed());
            Some(value)
        }
        Err(error) => {
            stats.record_error(kind);
            errors.report(kind, &error);
            None
        }
    }
}

/// Prints the first few failures of the whole run as they happen.
#[derive(Default)]
struct ErrorLog {
    seen: AtomicUsize,
}

impl ErrorLog {
    fn report(&self, kind: CallKind, error: &ApiError) {
        if self.seen.fetch_add(1, Ordering::Relaxed) < PRINTED_ERRORS {
            let message = error.to_string();
            let shown: String = message.chars().take(PRINTED_ERROR_CHARS).collect();
            let cut = if shown.len() < message.len() {
                "…"
            } else {
                ""
            };
            eprintln!("{} failed: {shown}{cut}", kind.name());
        }
    }
}
