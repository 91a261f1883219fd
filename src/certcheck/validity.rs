//! `validity` and `expiring`: the certificate's validity period at the time judged (§4.9 of the
//! reference: event 20051; 21020 warns before expiry).

use super::{Check, Judged, Verdict};
use crate::facts::time::{fmt_duration, fmt_secs};
use scomtriage_parsers::x509::Certificate;

/// `expiring` warns when fewer than this many seconds of validity are left (30 days).
pub const EXPIRING_WITHIN: i64 = 30 * 86_400;

/// NotBefore ≤ time ≤ NotAfter.
pub fn check_validity(c: &Certificate, at: &Judged) -> Check {
    let when = at.describe();
    let window = format!(
        "valid {} to {}",
        fmt_secs(c.not_before),
        fmt_secs(c.not_after)
    );
    if c.not_after < at.secs {
        Check::new(
            "validity",
            Verdict::Fail,
            format!(
                "expired {} before {when} ({window}); SCOM logs 20051",
                fmt_duration(at.secs - c.not_after)
            ),
        )
    } else if c.not_before > at.secs {
        Check::new(
            "validity",
            Verdict::Fail,
            format!(
                "not yet valid at {when}: starts {} later ({window}); SCOM logs 20051",
                fmt_duration(c.not_before - at.secs)
            ),
        )
    } else {
        Check::new(
            "validity",
            Verdict::Pass,
            format!("{window}; judged at {when}"),
        )
    }
}

/// Warn within [`EXPIRING_WITHIN`] of expiry; fail when already expired.
pub fn check_expiring(c: &Certificate, at: &Judged) -> Check {
    let left = c.not_after - at.secs;
    if left < 0 {
        Check::new(
            "expiring",
            Verdict::Fail,
            format!("already expired on {}", fmt_secs(c.not_after)),
        )
    } else if left < EXPIRING_WITHIN {
        Check::new(
            "expiring",
            Verdict::Warn,
            format!(
                "expires on {}, {} after {}: renew and re-import (MOMCertImport) before then",
                fmt_secs(c.not_after),
                fmt_duration(left),
                at.describe()
            ),
        )
    } else {
        Check::new(
            "expiring",
            Verdict::Pass,
            format!(
                "expires on {}, {} after the time judged (warning threshold 30 d)",
                fmt_secs(c.not_after),
                fmt_duration(left)
            ),
        )
    }
}
