//! The trace explorer: find decisions, then read one whole with its proofs.

mod charts;
mod decision;
mod list;
mod sentence;

pub use decision::DecisionTracePage;
pub(crate) use decision::TimelineEvent;
pub use list::TracesPage;
pub(crate) use sentence::{input_rows, value_text};

/// "1.2 s", "3 min": how long a decision stayed open.
pub(crate) fn format_duration(millis: i64) -> String {
    match millis {
        ms if ms < 1_000 => format!("{ms} ms"),
        ms if ms < 60_000 => format!("{:.1} s", ms as f64 / 1_000.0),
        ms if ms < 3_600_000 => format!("{} min", ms / 60_000),
        ms => format!("{:.1} h", ms as f64 / 3_600_000.0),
    }
}

/// Where a policy version used by a decision can be read, read-only, with its hash.
fn policy_version_href(policy_id: &str, version: i64) -> String {
    format!("/policies/{policy_id}/versions?view={version}")
}

#[cfg(test)]
mod tests {
    use super::format_duration;

    #[test]
    fn durations_read_in_the_largest_sensible_unit() {
        assert_eq!(format_duration(840), "840 ms");
        assert_eq!(format_duration(1_250), "1.2 s");
        assert_eq!(format_duration(180_000), "3 min");
        assert_eq!(format_duration(5_400_000), "1.5 h");
    }
}
