//! Times are stored as Unix milliseconds and formatted by these functions alone, so the server's
//! HTML and the browser's hydrated DOM always agree.

use time::{macros::format_description, OffsetDateTime};

/// `2026-11-22 14:03 UTC`, the exact time shown on hover.
pub fn format_utc(unix_millis: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_millis) * 1_000_000)
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_else(|| "invalid time".to_owned())
}

/// "3 min ago", relative to a `now` the caller passes in (the server's clock at render time,
/// carried to the browser with the data) so both sides render the same words.
pub fn format_relative(unix_millis: i64, now_millis: i64) -> String {
    let seconds = (now_millis - unix_millis) / 1000;
    let (amount, unit, future) = match seconds.unsigned_abs() {
        s if s < 60 => return "just now".to_owned(),
        s if s < 3600 => (s / 60, "min", seconds < 0),
        s if s < 86_400 => (s / 3600, "h", seconds < 0),
        s => (s / 86_400, "d", seconds < 0),
    };
    if future {
        format!("in {amount} {unit}")
    } else {
        format!("{amount} {unit} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_minutes() {
        assert_eq!(format_utc(1_795_000_000_000), "2026-11-18 11:06 UTC");
    }

    #[test]
    fn formats_relative_past_and_future() {
        let now = 1_795_000_000_000;
        assert_eq!(format_relative(now - 30_000, now), "just now");
        assert_eq!(format_relative(now - 180_000, now), "3 min ago");
        assert_eq!(format_relative(now - 7_200_000, now), "2 h ago");
        assert_eq!(format_relative(now + 3 * 86_400_000, now), "in 3 d");
    }
}
