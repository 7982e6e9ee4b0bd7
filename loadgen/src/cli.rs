//! Command-line flags.

use std::{path::PathBuf, time::Duration};

use clap::Parser;

/// Drives Verdict's agent API with many concurrent agents and prints latency percentiles.
///
/// Provisions a policy and the agents through the admin API first, so it needs an admin's
/// personal access token and a server started with its agent rate limit off.
#[derive(Debug, Parser)]
#[command(name = "loadgen")]
pub struct Args {
    /// The Verdict server to load.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,

    /// An admin's personal access token (`vp_…`).
    #[arg(long, env = "VERDICT_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: String,

    /// Concurrent agents, each with its own API key and one request in flight.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..))]
    pub agents: u32,

    /// Seconds measured, after the warm-up.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub duration: u64,

    /// Seconds of load before measuring starts (connections, caches, database pages).
    #[arg(long, default_value_t = 3)]
    pub warmup: u64,

    /// What the server runs on, for the report (e.g. "sqlite", "postgres").
    #[arg(long, default_value = "unlabelled")]
    pub label: String,

    /// Where to measure the disk's fsync rate; put it on the database's disk.
    #[arg(long, default_value = ".")]
    pub fsync_probe_dir: PathBuf,

    /// Write every acknowledged call here as `DECISION_ID STEP` (for the crash test).
    #[arg(long)]
    pub ack_log: Option<PathBuf>,
}

impl Args {
    pub fn base_url(&self) -> &str {
        self.url.trim_end_matches('/')
    }

    pub fn measured(&self) -> Duration {
        Duration::from_secs(self.duration)
    }

    pub fn warmup(&self) -> Duration {
        Duration::from_secs(self.warmup)
    }
}
