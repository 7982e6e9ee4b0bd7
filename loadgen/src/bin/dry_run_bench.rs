//! `dry_run_bench`: how fast the editor's preview answers on the server. Sends a 50-rule policy
//! with a context to `POST /api/v1/policies/dry-run` from N concurrent clients and prints
//! requests per second and latency percentiles. Each person may dry-run 10 times a second by
//! default: start the server with `--dry-run-rate-limit 0` to measure throughput.

use std::{
    fmt::Write as _,
    time::{Duration, Instant},
};

use clap::Parser;
use hdrhistogram::Histogram;
use serde_json::json;

/// Measures the dry-run endpoint with a generated 50-rule policy.
#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// An admin's or author's personal access token (`vp_…`).
    #[arg(long, env = "VERDICT_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: String,
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Seconds measured (after one second of warm-up).
    #[arg(long, default_value_t = 10)]
    duration: u64,
}

/// A policy as large as a busy team writes: 50 rules over four inputs, with two tests.
fn fifty_rule_policy() -> String {
    let mut source = String::from(
        "policy: bench_fifty_rules\ndescription: fifty thresholds\nowner: bench\n\
         inputs:\n  amount: { type: number, required: true }\n  \
         region: { type: string, required: true }\n  tier: { type: string }\n  \
         items: { type: number }\ncombine: strictest\ndefault: allow\nrules:\n",
    );
    for rule in 0..50 {
        let outcome = match rule % 3 {
            0 => "deny",
            1 => "requires_exception\n    approval_route: finance",
            _ => "allow",
        };
        let _ = write!(
            source,
            "  - name: rule_{rule}\n    when: amount > {limit}.0 && region == \"r{region}\" && (items == null || items > {rule}.0)\n    outcome: {outcome}\n    rationale: \"amount {{{{amount}}}} in {{{{region}}}} crosses {limit}\"\n",
            limit = 1000 + rule * 10,
            region = rule % 5,
        );
    }
    source.push_str(
        "tests:\n  - name: small amounts pass\n    inputs: { amount: 10.0, region: r1 }\n    expect: allow\n  \
         - name: large amounts in r0 are denied\n    inputs: { amount: 5000.0, region: r0 }\n    expect: deny\n",
    );
    source
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args = Args::parse();
    let client = loadgen::http_client_builder()
        .pool_max_idle_per_host(args.clients)
        .build()?;
    let body = json!({
        "source_yaml": fifty_rule_policy(),
        "context": {"amount": 1234.5, "region": "r2", "tier": "gold", "items": 3},
    })
    .to_string();
    let endpoint = format!("{}/api/v1/policies/dry-run", args.url.trim_end_matches('/'));

    let first = post(&client, &endpoint, &args.admin_token, &body).await?;
    if !first.contains("\"outcome\"") {
        return Err(format!("unexpected dry-run answer: {first}").into());
    }

    let warm_until = Instant::now() + Duration::from_secs(1);
    let stop_at = warm_until + Duration::from_secs(args.duration);
    let mut clients = Vec::new();
    for _ in 0..args.clients {
        let (client, endpoint, token, body) = (
            client.clone(),
            endpoint.clone(),
            args.admin_token.clone(),
            body.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut latencies = Histogram::<u64>::new(3).expect("histogram bounds are valid");
            let mut errors = 0u64;
            while Instant::now() < stop_at {
                let started = Instant::now();
                let ok = post(&client, &endpoint, &token, &body).await.is_ok();
                if started >= warm_until {
                    if ok {
                        let micros =
                            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                        let _ = latencies.record(micros.max(1));
                    } else {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Histogram::<u64>::new(3)?;
    let mut errors = 0;
    for client in clients {
        let (latencies, client_errors) = client.await?;
        all.add(&latencies)?;
        errors += client_errors;
    }
    let ms = |quantile: f64| all.value_at_quantile(quantile) as f64 / 1000.0;
    println!(
        "| dry-run, 50 rules | clients | requests | errors | req/s | p50 ms | p99 ms | max ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} |",
        args.url,
        args.clients,
        all.len(),
        errors,
        all.len() as f64 / args.duration as f64,
        ms(0.5),
        ms(0.99),
        all.max() as f64 / 1000.0,
    );
    Ok(())
}

async fn post(
    client: &reqwest::Client,
    endpoint: &str,
    token: &str,
    body: &str,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let reply = client
        .post(endpoint)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await?;
    let status = reply.status();
    let text = reply.text().await?;
    if status.is_success() {
        Ok(text)
    } else {
        Err(format!("HTTP {status}: {text}").into())
    }
}
