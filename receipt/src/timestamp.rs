//! Receipt times: RFC 3339 in UTC with milliseconds, e.g. `2026-05-01T12:00:00.123Z`.

use time::{macros::format_description, OffsetDateTime};

/// A time given in milliseconds since the Unix epoch (Verdict's stored times).
pub fn from_millis(millis: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format(at)
}

/// Now.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

fn format(at: OffsetDateTime) -> String {
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_rfc_3339_utc_with_milliseconds() {
        assert_eq!(
            super::from_millis(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(super::from_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::now().len(), "2023-11-14T22:13:20.123Z".len());
    }
}
