//! `trace_bench`: how fast the trace explorer answers on a large history (fill one with
//! `verdict seed --decisions 1000000`). Signs in as a person, then times, one request at a
//! time, the explorer's first page, a filtered page, a page deep in the results, the charts,
//! a decision's page data and the two HTML pages, and prints p50/p95/max per request.

use std::time::{Duration, Instant};

use clap::Parser;
use hdrhistogram::Histogram;
use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// A person who may read (any role).
    #[arg(long)]
    email: String,
    #[arg(long, env = "VERDICT_BENCH_PASSWORD", hide_env_values = true)]
    password: String,
    /// Timed requests per kind.
    #[arg(long, default_value_t = 50)]
    repeat: usize,
    /// How many decisions deep the "deep page" starts (walked in pages of 500).
    #[arg(long, default_value_t = 100_000)]
    depth: usize,
    /// The filtered page's query.
    #[arg(long, default_value = "outcome=deny&intent=billing.")]
    filter: String,
}

struct Session {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Session {
    async fn sign_in(base: &str, email: &str, password: &str) -> Result<Self, BoxError> {
        let client = loadgen::http_client_builder().build()?;
        let reply = client
            .post(format!("{base}/api/login"))
            .header("origin", base)
            .form(&[("email", email), ("password", password)])
            .send()
            .await?;
        if !reply.status().is_success() {
            return Err(format!("sign-in failed: HTTP {}", reply.status()).into());
        }
        let cookie = reply
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .ok_or("sign-in set no cookie")?
            .to_owned();
        Ok(Self {
            client,
            base: base.to_owned(),
            cookie,
        })
    }

    async fn server_fn(&self, name: &str, fields: &[(&str, &str)]) -> Result<Value, BoxError> {
        let reply = self
            .client
            .post(format!("{}/api/{name}", self.base))
            .header("origin", &self.base)
            .header("cookie", &self.cookie)
            .form(fields)
            .send()
            .await?;
        let status = reply.status();
        let text = reply.text().await?;
        if !status.is_success() {
            return Err(format!("{name}: HTTP {status}: {text}").into());
        }
        Ok(serde_json::from_str(&text)?)
    }

    async fn page(&self, path: &str) -> Result<(), BoxError> {
        let reply = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await?;
        let status = reply.status();
        reply.bytes().await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("GET {path}: HTTP {status}").into())
        }
    }
}

/// Walks pages of 500 from the newest until `depth` decisions are behind; that page's query.
async fn deep_query(session: &Session, depth: usize) -> Result<String, BoxError> {
    let mut query = "limit=500".to_owned();
    let mut walked = 0;
    while walked < depth {
        let page = session
            .server_fn("load_traces", &[("query", &query)])
            .await?;
        walked += page["decisions"].as_array().map_or(0, Vec::len);
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        query = format!("limit=500&cursor={cursor}");
    }
    eprintln!("deep page: {walked} decisions behind it");
    Ok(query.replace("limit=500&", ""))
}

async fn timed<F, Fut>(repeat: usize, mut call: F) -> Result<Histogram<u64>, BoxError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), BoxError>>,
{
    call().await?;
    let mut latencies = Histogram::<u64>::new(3)?;
    for _ in 0..repeat {
        let started = Instant::now();
        call().await?;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        latencies.record(micros.max(1))?;
    }
    Ok(latencies)
}

fn row(name: &str, latencies: &Histogram<u64>) {
    let ms = |micros: u64| Duration::from_micros(micros).as_secs_f64() * 1000.0;
    println!(
        "| {name} | {} | {:.1} | {:.1} | {:.1} |",
        latencies.len(),
        ms(latencies.value_at_quantile(0.5)),
        ms(latencies.value_at_quantile(0.95)),
        ms(latencies.max()),
    );
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let base = args.url.trim_end_matches('/').to_owned();
    let session = Session::sign_in(&base, &args.email, &args.password).await?;
    let newest = session.server_fn("load_traces", &[("query", "")]).await?;
    let decision_id = newest["decisions"][0]["id"]
        .as_str()
        .ok_or("the history is empty: fill it with verdict seed")?
        .to_owned();
    let deep = deep_query(&session, args.depth).await?;
    let s = &session;
    let repeat = args.repeat;

    println!("| request | n | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    let queries = [
        ("first page (load_traces)", String::new()),
        ("filtered page", args.filter.clone()),
        ("deep page", deep),
    ];
    for (name, query) in &queries {
        let latencies = timed(repeat, || async {
            s.server_fn("load_traces", &[("query", query)])
                .await
                .map(drop)
        })
        .await?;
        row(name, &latencies);
    }
    for (name, query) in [("charts", ""), ("charts, filtered", args.filter.as_str())] {
        let latencies = timed(repeat, || async {
            s.server_fn("load_trace_charts", &[("query", query)])
                .await
                .map(drop)
        })
        .await?;
        row(name, &latencies);
    }
    let latencies = timed(repeat, || async {
        s.server_fn("load_decision_trace", &[("id", &decision_id)])
            .await
            .map(drop)
    })
    .await?;
    row("decision (detail, verify, replay)", &latencies);
    let latencies = timed(repeat, || async { s.page("/traces").await }).await?;
    row("GET /traces (HTML: first page and charts)", &latencies);
    let decision_path = format!("/traces/{decision_id}");
    let latencies = timed(repeat, || async { s.page(&decision_path).await }).await?;
    row("GET /traces/{id} (HTML)", &latencies);
    Ok(())
}
