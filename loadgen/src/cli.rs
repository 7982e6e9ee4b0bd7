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

    /// Decisions per second across all agents, started at an even pace; 0 runs every agent as
    /// fast as the server answers. A soak wants a steady rate, a throughput test the maximum.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub rate: f64,

    /// People's writes beside the agents: this many admins each loop over creating an agent,
    /// binding, freezing, unfreezing, rotating its key, defining a route and publishing a
    /// policy, with their own latency table (0: agents only).
    #[arg(long, default_value_t = 0, num_args = 0..=1, default_missing_value = "2")]
    pub mixed: u32,

    /// Write every acknowledged call here as `DECISION_ID STEP` (for the crash test).
    #[arg(long)]
    pub ack_log: Option<PathBuf>,

    /// Evaluate and write an exact action (`payments` `refund.create` with an amount and an
    /// order), so every write passes the binding rule, and check the signed receipt in each
    /// close answer; one receipt in `--verify-every` is also sent to
    /// `POST /api/v1/receipts/verify`, timed as its own row (not part of the decision's).
    #[arg(long)]
    pub actions: bool,

    /// Put every decision under the data product catalogue: apply two load-test products
    /// (`loadgen_profiles`, `loadgen_payments`), grant them to the agents, and add a
    /// purpose-bound read of a profile to each decision; the write (and `--actions`' action)
    /// names the catalogued `loadgen_payments`. The server's catalogue stays in use afterwards:
    /// run it on a scratch database.
    #[arg(long)]
    pub catalogue: bool,

    /// With `--actions`: verify one receipt in this many on the server (0: none).
    #[arg(long, default_value_t = 20)]
    pub verify_every: u32,
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

    /// How often each agent starts a decision; `None` when running flat out.
    pub fn pace(&self) -> Option<Duration> {
        (self.rate > 0.0).then(|| Duration::from_secs_f64(f64::from(self.agents) / self.rate))
    }
}

/// Bounds that keep each agent's pace a representable, non-zero duration.
const MIN_RATE: f64 = 0.01;
const MAX_RATE: f64 = 1_000_000.0;

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of decisions per second"))?;
    if rate == 0.0 || (MIN_RATE..=MAX_RATE).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!(
            "the rate must be 0 (flat out) or {MIN_RATE} to {MAX_RATE} decisions per second, not {text}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args_with(extra: &[&str]) -> Result<Args, clap::Error> {
        let mut argv = vec!["loadgen", "--admin-token", "vp_x", "--agents", "8"];
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv)
    }

    #[test]
    fn a_rate_spreads_over_the_agents() {
        let args = args_with(&["--rate", "200"]).expect("valid flags");

        assert_eq!(args.pace(), Some(Duration::from_millis(40)));
    }

    #[test]
    fn mixed_alone_means_two_people() {
        assert_eq!(args_with(&["--mixed"]).expect("valid flags").mixed, 2);
        assert_eq!(args_with(&["--mixed", "5"]).expect("valid flags").mixed, 5);
        assert_eq!(args_with(&[]).expect("valid flags").mixed, 0);
    }

    #[test]
    fn actions_are_off_unless_asked_for_and_verify_one_receipt_in_twenty() {
        let plain = args_with(&[]).expect("valid flags");
        assert!(!plain.actions);
        let actions = args_with(&["--actions"]).expect("valid flags");
        assert!(actions.actions);
        assert_eq!(actions.verify_every, 20);
    }

    #[test]
    fn no_rate_means_flat_out() {
        let args = args_with(&[]).expect("valid flags");

        assert_eq!(args.pace(), None);
    }

    #[test]
    fn a_negative_or_unreadable_rate_is_refused() {
        for bad in ["-1", "fast", "NaN", "inf", "0.000001", "1e300"] {
            assert!(args_with(&["--rate", bad]).is_err(), "{bad} was accepted");
        }
    }
}
