//! Latency histograms and error counts per kind of call, kept per agent and merged at the end.

use std::time::Duration;

use hdrhistogram::Histogram;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Open,
    /// A purpose-bound read of a catalogued product (`--catalogue`).
    Read,
    Evaluate,
    Write,
    Commit,
    /// The calls above, end to end.
    Decision,
    /// `POST /api/v1/receipts/verify` of a sample of the receipts (`--actions`); not part of a
    /// decision's time.
    VerifyReceipt,
}

impl CallKind {
    pub const ALL: [CallKind; 7] = [
        CallKind::Open,
        CallKind::Read,
        CallKind::Evaluate,
        CallKind::Write,
        CallKind::Commit,
        CallKind::Decision,
        CallKind::VerifyReceipt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CallKind::Open => "open",
            CallKind::Read => "read",
            CallKind::Evaluate => "evaluate",
            CallKind::Write => "write",
            CallKind::Commit => "commit",
            CallKind::Decision => "decision",
            CallKind::VerifyReceipt => "verify receipt",
        }
    }
}

/// Slower calls are recorded as this; the client gives up after 30 s anyway.
const MAX_TRACKED_MICROS: u64 = 60_000_000;

#[derive(Debug, Clone)]
pub struct CallStats {
    /// Successful calls only: a fast error would flatter the percentiles.
    pub latency_micros: Histogram<u64>,
    pub errors: u64,
}

impl Default for CallStats {
    fn default() -> Self {
        Self {
            latency_micros: Histogram::new_with_bounds(1, MAX_TRACKED_MICROS, 3)
                .expect("constant histogram bounds are valid"),
            errors: 0,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Stats {
    by_kind: [CallStats; CallKind::ALL.len()],
}

impl Stats {
    pub fn record_success(&mut self, kind: CallKind, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.by_kind[kind as usize]
            .latency_micros
            .saturating_record(micros);
    }

    pub fn record_error(&mut self, kind: CallKind) {
        self.by_kind[kind as usize].errors += 1;
    }

    pub fn of(&self, kind: CallKind) -> &CallStats {
        &self.by_kind[kind as usize]
    }

    pub fn merge(&mut self, other: &Stats) {
        for (mine, theirs) in self.by_kind.iter_mut().zip(&other.by_kind) {
            mine.latency_micros
                .add(&theirs.latency_micros)
                .expect("histograms with the same bounds always add");
            mine.errors += theirs.errors;
        }
    }

    /// Failed decisions as a share of attempted ones; a run with no attempts counts as failed.
    pub fn decision_error_rate(&self) -> f64 {
        let decisions = self.of(CallKind::Decision);
        let attempted = decisions.latency_micros.len() + decisions.errors;
        if attempted == 0 {
            1.0
        } else {
            decisions.errors as f64 / attempted as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_latencies_and_errors_per_kind() {
        let mut first = Stats::default();
        first.record_success(CallKind::Open, Duration::from_millis(2));
        first.record_error(CallKind::Evaluate);
        let mut second = Stats::default();
        second.record_success(CallKind::Open, Duration::from_millis(4));
        second.record_error(CallKind::Evaluate);

        first.merge(&second);

        assert_eq!(first.of(CallKind::Open).latency_micros.len(), 2);
        assert_eq!(first.of(CallKind::Evaluate).errors, 2);
        assert_eq!(first.of(CallKind::Write).latency_micros.len(), 0);
    }

    #[test]
    fn error_rate_counts_failed_decisions() {
        let mut stats = Stats::default();
        for _ in 0..99 {
            stats.record_success(CallKind::Decision, Duration::from_millis(1));
        }
        stats.record_error(CallKind::Decision);
        assert!((stats.decision_error_rate() - 0.01).abs() < 1e-9);
        assert_eq!(Stats::default().decision_error_rate(), 1.0);
    }

    #[test]
    fn latencies_beyond_the_tracked_range_are_kept_as_the_maximum() {
        let mut stats = Stats::default();
        stats.record_success(CallKind::Commit, Duration::from_secs(3600));
        let commits = &stats.of(CallKind::Commit).latency_micros;
        assert_eq!(commits.len(), 1);
        assert!(commits.max() >= MAX_TRACKED_MICROS);
    }
}
