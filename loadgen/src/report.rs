//! The plain-text report, markdown-shaped so that it can be pasted into a note as is.

use std::{fmt::Write as _, path::Path, time::Duration};

use hdrhistogram::Histogram;

use crate::{
    people::PeopleStats,
    stats::{CallKind, Stats},
};

pub struct Summary<'run> {
    pub label: &'run str,
    pub url: &'run str,
    pub agents: u32,
    pub warmup: Duration,
    pub measured: Duration,
    pub run_id: &'run str,
    pub fsyncs_per_second: f64,
    pub fsync_probe_dir: &'run Path,
    pub stats: &'run Stats,
    pub measured_elapsed: Duration,
    /// With `--mixed`: the people's writes made beside the agents.
    pub people: Option<&'run PeopleStats>,
    /// With `--actions`: one receipt in this many was verified on the server (0: none).
    pub actions: Option<u32>,
    /// With `--catalogue`: each decision read a catalogued product and wrote one.
    pub catalogue: bool,
}

pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_report(&mut out, summary);
    out
}

fn write_report(out: &mut String, summary: &Summary) -> std::fmt::Result {
    writeln!(out, "### Verdict load test: {}", summary.label)?;
    writeln!(out)?;
    writeln!(out, "- url: {}", summary.url)?;
    writeln!(
        out,
        "- agents: {}, {} s measured after {} s warm-up (agents loadgen-{}-*)",
        summary.agents,
        summary.measured.as_secs(),
        summary.warmup.as_secs(),
        summary.run_id,
    )?;
    if let Some(verify_every) = summary.actions {
        let sample = match verify_every {
            0 => "none verified on the server".to_owned(),
            1 => "every one verified on the server".to_owned(),
            n => format!("1 in {n} verified on the server"),
        };
        writeln!(
            out,
            "- actions: evaluated and written with arguments (the binding rule on every write); \
             the signed receipt checked in every close answer, {sample}"
        )?;
    }
    if summary.catalogue {
        writeln!(
            out,
            "- catalogue: each decision reads loadgen_profiles for support and writes \
             loadgen_payments (grants, purpose and tier checked on every read and write)"
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "| call | count | errors | p50 ms | p90 ms | p99 ms | max ms |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|")?;
    for kind in CallKind::ALL {
        let call = summary.stats.of(kind);
        // Only runs that verify receipts (or read the catalogue) have that row.
        let optional = matches!(kind, CallKind::VerifyReceipt | CallKind::Read);
        if optional && call.latency_micros.is_empty() && call.errors == 0 {
            continue;
        }
        let latency = &call.latency_micros;
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            kind.name(),
            latency.len(),
            call.errors,
            quantile_ms(latency, 0.50),
            quantile_ms(latency, 0.90),
            quantile_ms(latency, 0.99),
            quantile_ms(latency, 1.0),
        )?;
    }
    if let Some(people) = summary.people {
        writeln!(out)?;
        writeln!(
            out,
            "| people's writes | applied | refused 4xx | 5xx | no reply | p50 ms | p99 ms | max ms |"
        )?;
        writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
        let latency = &people.latency_micros;
        writeln!(
            out,
            "| admin calls | {} | {} | {} | {} | {} | {} | {} |",
            latency.len(),
            people.refused,
            people.server_errors,
            people.transport_errors,
            quantile_ms(latency, 0.50),
            quantile_ms(latency, 0.99),
            quantile_ms(latency, 1.0),
        )?;
        for example in &people.examples {
            writeln!(out, "- failed: {example}")?;
        }
        for (micros, what) in &people.slowest {
            writeln!(out, "- slow: {what} {:.1} ms", *micros as f64 / 1000.0)?;
        }
    }
    writeln!(out)?;
    let decisions = summary.stats.of(CallKind::Decision).latency_micros.len();
    let seconds = summary.measured_elapsed.as_secs_f64();
    writeln!(
        out,
        "- throughput: {:.1} decisions/s ({decisions} committed in {seconds:.2} s)",
        per_second(decisions, seconds),
    )?;
    writeln!(
        out,
        "- fsync rate: {:.0} fsyncs/s (4 KiB write + sync_data, in {})",
        summary.fsyncs_per_second,
        summary.fsync_probe_dir.display(),
    )?;
    writeln!(
        out,
        "- count and percentiles cover successful calls; errors are non-2xx replies, \
         transport failures and unexpected bodies"
    )
}

/// Milliseconds with two decimals; a dash when nothing was recorded.
fn quantile_ms(latency_micros: &Histogram<u64>, quantile: f64) -> String {
    if latency_micros.is_empty() {
        "-".to_owned()
    } else {
        format!(
            "{:.2}",
            latency_micros.value_at_quantile(quantile) as f64 / 1000.0
        )
    }
}

fn per_second(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary_of(stats: &Stats) -> Summary<'_> {
        Summary {
            label: "sqlite",
            url: "http://127.0.0.1:3200",
            agents: 2,
            warmup: Duration::from_secs(3),
            measured: Duration::from_secs(10),
            run_id: "0badcafe",
            fsyncs_per_second: 1234.4,
            fsync_probe_dir: Path::new("/tmp/run"),
            stats,
            measured_elapsed: Duration::from_secs(10),
            people: None,
            actions: None,
            catalogue: false,
        }
    }

    fn row<'a>(report: &'a str, call: &str) -> &'a str {
        report
            .lines()
            .find(|line| line.starts_with(&format!("| {call} |")))
            .expect("the call has a row")
    }

    #[test]
    fn percentiles_are_in_milliseconds_with_two_decimals() {
        let mut stats = Stats::default();
        // 1 ms … 100 ms, one each: p50 = 50 ms, p90 = 90 ms, p99 = 99 ms, max = 100 ms, each
        // shown as the top of its histogram bucket (three significant digits).
        for millis in 1..=100 {
            stats.record_success(CallKind::Evaluate, Duration::from_millis(millis));
        }
        stats.record_error(CallKind::Evaluate);

        let report = render(&summary_of(&stats));

        assert_eq!(
            row(&report, "evaluate"),
            "| evaluate | 100 | 1 | 50.02 | 90.05 | 99.01 | 100.03 |"
        );
    }

    #[test]
    fn mixed_runs_add_a_row_for_peoples_writes() {
        let stats = Stats::default();
        let report = render(&Summary {
            people: Some(&PeopleStats::default()),
            ..summary_of(&stats)
        });
        assert_eq!(
            row(&report, "admin calls"),
            "| admin calls | 0 | 0 | 0 | 0 | - | - | - |"
        );
        assert!(!render(&summary_of(&stats)).contains("admin calls"));
    }

    #[test]
    fn action_runs_say_so_and_add_a_row_for_receipt_verification() {
        let mut stats = Stats::default();
        stats.record_success(CallKind::VerifyReceipt, Duration::from_millis(2));
        let report = render(&Summary {
            actions: Some(20),
            catalogue: false,
            ..summary_of(&stats)
        });
        assert!(
            report.contains("1 in 20 verified on the server"),
            "{report}"
        );
        assert!(row(&report, "verify receipt").starts_with("| verify receipt | 1 | 0 | 2.00 |"));
        let plain = render(&summary_of(&Stats::default()));
        assert!(!plain.contains("verify receipt") && !plain.contains("- actions:"));
    }

    #[test]
    fn calls_without_successes_show_dashes() {
        let report = render(&summary_of(&Stats::default()));
        assert_eq!(row(&report, "commit"), "| commit | 0 | 0 | - | - | - | - |");
    }

    #[test]
    fn report_has_config_one_row_per_call_throughput_and_fsync_rate() {
        let mut stats = Stats::default();
        for _ in 0..250 {
            stats.record_success(CallKind::Decision, Duration::from_millis(4));
        }

        let report = render(&summary_of(&stats));

        assert!(report.starts_with("### Verdict load test: sqlite\n"));
        assert!(report.contains("- url: http://127.0.0.1:3200\n"));
        assert!(report.contains("- agents: 2, 10 s measured after 3 s warm-up"));
        let rows: Vec<&str> = report.lines().filter(|l| l.starts_with("| ")).collect();
        let calls: Vec<&str> = rows
            .iter()
            .map(|row| row.split(" | ").next().unwrap_or_default())
            .collect();
        assert_eq!(
            calls,
            [
                "| call",
                "| open",
                "| evaluate",
                "| write",
                "| commit",
                "| decision"
            ]
        );
        assert!(report.contains("- throughput: 25.0 decisions/s (250 committed in 10.00 s)"));
        assert!(
            report.contains("- fsync rate: 1234 fsyncs/s (4 KiB write + sync_data, in /tmp/run)")
        );
    }
}
