//! Time helpers: RFC 3339 parsing and display, always UTC, never the analyzer's clock.

/// Parse RFC 3339 (`2026-11-20T14:03:11Z`, offsets accepted) to seconds since the Unix epoch.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    s.trim()
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

/// Seconds since the epoch as RFC 3339 UTC.
pub fn fmt_secs(s: i64) -> String {
    jiff::Timestamp::from_second(s)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{s} s since 1970"))
}

/// Microseconds since the epoch as RFC 3339 UTC (whole seconds).
pub fn fmt_us(us: i64) -> String {
    fmt_secs(us.div_euclid(1_000_000))
}

/// A duration in words (`3 d 4 h`, `12 min`).
pub fn fmt_duration(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min")
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let t = parse_rfc3339("2026-11-20T14:03:11Z").expect("valid");
        assert_eq!(fmt_secs(t), "2026-11-20T14:03:11Z");
        assert_eq!(parse_rfc3339("2026-11-20T23:03:11+09:00"), Some(t));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(fmt_us(t * 1_000_000 + 5), "2026-11-20T14:03:11Z");
        assert_eq!(fmt_duration(90_000), "1 d 1 h");
        assert_eq!(fmt_duration(600), "10 min");
    }
}
