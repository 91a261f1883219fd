//! Time expressions used by scenario files.
//!
//! A time is either `end` (the scenario's `collected_at`), an absolute RFC 3339 UTC time
//! (`2026-11-20T14:03:11Z`), or a sum of signed terms relative to `collected_at`:
//! `-3d`, `-2h30m` (a sign applies until the next sign: −2 h −30 min), `-20d+5m`, `+165d`.
//! Units: `y` (365 days), `d`, `h`, `m`, `s`. A duration (`every`) uses the same terms
//! without a sign.

use jiff::{SignedDuration, Timestamp};
use thiserror::Error;

/// A time or duration expression could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("bad time expression `{text}`: {reason}")]
pub struct TimeError {
    /// The expression.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

fn err(text: &str, reason: impl Into<String>) -> TimeError {
    TimeError {
        text: text.to_string(),
        reason: reason.into(),
    }
}

/// Parse a signed offset such as `-2h30m` or `+165d` into seconds.
pub fn parse_offset(text: &str) -> Result<i64, TimeError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(err(text, "empty"));
    }
    let mut total: i64 = 0;
    let mut sign: i64 = 1;
    let mut number: Option<i64> = None;
    let mut terms = 0;
    for c in t.chars() {
        match c {
            '+' | '-' => {
                if number.is_some() {
                    return Err(err(text, "number without a unit"));
                }
                sign = if c == '-' { -1 } else { 1 };
            }
            '0'..='9' => {
                let d = c as i64 - '0' as i64;
                let n = number.unwrap_or(0);
                number = Some(
                    n.checked_mul(10)
                        .and_then(|n| n.checked_add(d))
                        .ok_or_else(|| err(text, "number too large"))?,
                );
            }
            'y' | 'd' | 'h' | 'm' | 's' => {
                let n = number
                    .take()
                    .ok_or_else(|| err(text, "unit without a number"))?;
                terms += 1;
                let unit = match c {
                    'y' => 365 * 86_400,
                    'd' => 86_400,
                    'h' => 3_600,
                    'm' => 60,
                    _ => 1,
                };
                total = n
                    .checked_mul(unit)
                    .and_then(|v| total.checked_add(sign * v))
                    .ok_or_else(|| err(text, "out of range"))?;
            }
            ' ' => {}
            _ => return Err(err(text, format!("unexpected character `{c}`"))),
        }
    }
    if number.is_some() {
        return Err(err(text, "number without a unit"));
    }
    if terms == 0 {
        return Err(err(text, "no terms"));
    }
    Ok(total)
}

/// Parse a positive duration (`10m`, `6h`, `1d12h`) into seconds.
pub fn parse_duration(text: &str) -> Result<i64, TimeError> {
    let secs = parse_offset(text)?;
    if secs <= 0 {
        return Err(err(text, "a duration must be positive"));
    }
    Ok(secs)
}

/// Resolve a time expression against `base` (the collection time).
pub fn resolve(text: &str, base: Timestamp) -> Result<Timestamp, TimeError> {
    let t = text.trim();
    if t == "end" {
        return Ok(base);
    }
    if t.contains('T') {
        return t.parse::<Timestamp>().map_err(|e| err(text, e.to_string()));
    }
    let secs = parse_offset(t)?;
    base.checked_add(SignedDuration::from_secs(secs))
        .map_err(|e| err(text, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_the_last_sign() {
        assert_eq!(parse_offset("-2h30m").unwrap(), -(2 * 3600 + 30 * 60));
        assert_eq!(parse_offset("-3d+5m").unwrap(), -3 * 86_400 + 300);
        assert_eq!(parse_offset("+1y").unwrap(), 365 * 86_400);
        assert_eq!(parse_offset("90s").unwrap(), 90);
    }

    #[test]
    fn malformed_offsets_are_rejected() {
        for bad in ["", "5", "d", "-", "3x", "1d2"] {
            assert!(parse_offset(bad).is_err(), "{bad}");
        }
        assert!(parse_duration("-5m").is_err());
    }

    #[test]
    fn resolve_absolute_and_relative() {
        let base: Timestamp = "2026-11-20T14:03:11Z".parse().unwrap();
        assert_eq!(resolve("end", base).unwrap(), base);
        assert_eq!(
            resolve("-1d", base).unwrap(),
            "2026-11-19T14:03:11Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            resolve("2020-01-01T00:00:00Z", base).unwrap(),
            "2020-01-01T00:00:00Z".parse::<Timestamp>().unwrap()
        );
    }
}
