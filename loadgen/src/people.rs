//! `--mixed`: people's writes beside the agents' load. Each person (an admin's token) loops over
//! what admins do while agents are busy: create an agent, bind it, freeze and unfreeze it, rotate
//! its key, define an approval route, publish a policy version. Every call is timed; the report
//! counts answers by class, since a person's write must be applied (2xx) or refused (4xx), and
//! anything ≥ 500 is a defect.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::task::{JoinError, JoinSet};

use crate::api::Api;

/// A person pauses this long between calls: people click, they do not loop flat out.
const THINK_TIME: Duration = Duration::from_millis(20);
const MAX_TRACKED_MICROS: u64 = 60_000_000;
const POLICY_SOURCE: &str = include_str!("policy.yaml");

#[derive(Debug, Clone)]
pub struct PeopleStats {
    /// Applied (2xx) calls only.
    pub latency_micros: Histogram<u64>,
    pub refused: u64,
    pub server_errors: u64,
    pub transport_errors: u64,
    /// The first few ≥ 500 answers, to see what went wrong.
    pub examples: Vec<String>,
    /// The slowest applied calls, slowest first, to see which kind of write waits.
    pub slowest: Vec<(u64, String)>,
}

impl Default for PeopleStats {
    fn default() -> Self {
        Self {
            latency_micros: Histogram::new_with_bounds(1, MAX_TRACKED_MICROS, 3)
                .expect("constant histogram bounds are valid"),
            refused: 0,
            server_errors: 0,
            transport_errors: 0,
            examples: Vec::new(),
            slowest: Vec::new(),
        }
    }
}

impl PeopleStats {
    fn merge(&mut self, other: &PeopleStats) {
        // Both histograms have the same bounds, so adding cannot fail.
        let _ = self.latency_micros.add(&other.latency_micros);
        self.refused += other.refused;
        self.server_errors += other.server_errors;
        self.transport_errors += other.transport_errors;
        for example in &other.examples {
            if self.examples.len() < 5 {
                self.examples.push(example.clone());
            }
        }
        for (micros, what) in &other.slowest {
            self.note_slow(*micros, what);
        }
    }

    fn record(
        &mut self,
        what: &str,
        elapsed: Duration,
        answer: Result<(StatusCode, String), String>,
    ) {
        match answer {
            Ok((status, _)) if status.is_success() => {
                let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
                let _ = self
                    .latency_micros
                    .record(micros.clamp(1, MAX_TRACKED_MICROS));
                self.note_slow(micros, what);
            }
            Ok((status, body)) if status.is_server_error() => {
                self.server_errors += 1;
                if self.examples.len() < 5 {
                    self.examples.push(format!("{what}: {status} {body}"));
                }
            }
            Ok(_) => self.refused += 1,
            Err(error) => {
                self.transport_errors += 1;
                if self.examples.len() < 5 {
                    self.examples.push(format!("{what}: {error}"));
                }
            }
        }
    }

    fn note_slow(&mut self, micros: u64, what: &str) {
        self.slowest.push((micros, what.to_owned()));
        self.slowest
            .sort_by_key(|(micros, _)| std::cmp::Reverse(*micros));
        self.slowest.truncate(5);
    }

    pub fn calls(&self) -> u64 {
        self.latency_micros.len() + self.refused + self.server_errors + self.transport_errors
    }
}

/// Runs `people` admins from now until `stop_at`, counting only calls started after `measure_from`.
pub async fn drive(
    api: Arc<Api>,
    admin_token: String,
    run_id: String,
    people: u32,
    measure_from: Instant,
    stop_at: Instant,
) -> Result<PeopleStats, JoinError> {
    let mut tasks = JoinSet::new();
    for person in 0..people {
        tasks.spawn(run_person(
            api.clone(),
            admin_token.clone(),
            format!("{run_id}-{person}"),
            measure_from,
            stop_at,
        ));
    }
    let mut stats = PeopleStats::default();
    while let Some(person) = tasks.join_next().await {
        stats.merge(&person?);
    }
    Ok(stats)
}

async fn run_person(
    api: Arc<Api>,
    token: String,
    tag: String,
    measure_from: Instant,
    stop_at: Instant,
) -> PeopleStats {
    let mut stats = PeopleStats::default();
    let mut round = 0u64;
    while Instant::now() < stop_at {
        round += 1;
        let name = format!("people-{tag}-{round}");
        let mut call = async |what: &str, method: Method, path: String, body: Value| {
            let started = Instant::now();
            let answer = api.call(method, &path, &token, &body).await;
            if started >= measure_from {
                stats.record(what, started.elapsed(), answer.clone());
            }
            tokio::time::sleep(THINK_TIME).await;
            answer.ok()
        };
        let created = call(
            "create agent",
            Method::POST,
            "/api/v1/admin/agents".to_owned(),
            json!({"name": name, "owner_team": "load"}),
        )
        .await;
        let id = created
            .and_then(|(_, body)| serde_json::from_str::<Value>(&body).ok())
            .and_then(|reply| reply["agent"]["id"].as_str().map(str::to_owned));
        if let Some(id) = id {
            let agent = format!("/api/v1/admin/agents/{id}");
            call(
                "bind",
                Method::POST,
                format!("{agent}/bindings"),
                json!({"policy_id": "loadgen-refund-limit"}),
            )
            .await;
            call(
                "freeze",
                Method::PUT,
                format!("{agent}/freeze"),
                json!({"frozen": true, "reason": "load test"}),
            )
            .await;
            call(
                "unfreeze",
                Method::PUT,
                format!("{agent}/freeze"),
                json!({"frozen": false}),
            )
            .await;
            call(
                "rotate key",
                Method::POST,
                format!("{agent}/keys"),
                json!({"grace_seconds": 0}),
            )
            .await;
        }
        call(
            "define route",
            Method::POST,
            "/api/v1/admin/approval-routes".to_owned(),
            json!({"name": format!("people-{tag}"), "integration": "inbox"}),
        )
        .await;
        let source = POLICY_SOURCE
            .replace(
                "policy: loadgen-refund-limit",
                &format!("policy: people-{tag}"),
            )
            .replace("description: ", &format!("description: Round {round}. "));
        call(
            "publish",
            Method::POST,
            "/api/v1/admin/policies".to_owned(),
            json!({"source_yaml": source}),
        )
        .await;
    }
    stats
}
