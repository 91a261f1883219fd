//! `renewed_not_reimported`: the certificate was renewed (a newer certificate with the same
//! name is in LocalMachine\My) but the registry still selects the old one, which is expired or
//! archived (§5.4; S3: renewals do not reconfigure SCOM). The Health Service keeps the old
//! certificate until restart, then fails with 20051 once it has expired.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::each_machine;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature};
use crate::facts::certs::{norm_name, scom_name};
use crate::facts::time::fmt_secs;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("renewed_not_reimported", check).local().refining(&[Cause::Expired, Cause::SerialMismatch]).reading(&[EventKind::CertLoadFailed, EventKind::CertExpiring]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

/// The renewed certificate that should replace the channel certificate of machine `i`.
pub fn successor(ctx: &CaseView<'_>, i: usize) -> Option<usize> {
    let m = ctx.m(i);
    let (ci, _) = ctx.views[i].channel?;
    let at = m.at()?;
    let old = &m.certs[ci];
    let old_name = scom_name(&old.cert).map(norm_name);
    let fqdn = m.identity.fqdn.clone();
    m.certs
        .iter()
        .enumerate()
        .filter(|(k, e)| {
            *k != ci
                && e.in_machine_my()
                && !e.is_ca()
                && e.archived != Some(true)
                && e.cert.not_before > old.cert.not_before
                && e.cert.not_before <= at
                && at <= e.cert.not_after
                && {
                    let n = scom_name(&e.cert).map(norm_name);
                    n.is_some() && (n == old_name || n == fqdn)
                }
        })
        .max_by_key(|(_, e)| e.cert.not_after)
        .map(|(k, _)| k)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    let (old, sel) = ctx.channel(i)?;
    let at = m.at()?;
    let new_i = successor(ctx, i)?;
    let new = &m.certs[new_i];
    let expired = old.cert.not_after < at;
    let archived = old.archived == Some(true);
    if new.cert.not_after <= old.cert.not_after {
        return None;
    }
    let cur = ctx.current(i, &sets::NOT_VALID_OR_NOT_FOUND);
    let warn = ctx.any(i, &sets::CERT_EXPIRING);
    let name = ctx.name(i);
    let mut f = ctx.finding(Cause::RenewedNotReimported, i,
        format!(
            "{name}: the certificate was renewed (serial {}) but SCOM still uses the old one (serial {})",
            new.cert.serial_hex, old.cert.serial_hex
        ),
    );
    f.summary = "Auto-enrollment or a manual renewal put a new certificate in LocalMachine\\My, but \
                 ChannelCertificateSerialNumber still selects the old one; renewals do not reconfigure SCOM. \
                 The Health Service keeps the old certificate until it restarts, then fails once the old one \
                 has expired (20051) or, when the renewal archived it, cannot find it (20066)."
        .into();
    ctx.add_selection(&mut f, i);
    let state = if expired {
        format!(
            "expired {} (collection time {})",
            fmt_secs(old.cert.not_after),
            fmt_secs(at)
        )
    } else if archived {
        format!(
            "archived by the renewal (store blob property 19), valid until {}",
            fmt_secs(old.cert.not_after)
        )
    } else {
        format!(
            "still valid until {}, but superseded",
            fmt_secs(old.cert.not_after)
        )
    };
    f.add(
        Nature::Observed,
        ctx.cert_source(i, old, "notAfter, archived"),
        format!(
            "the selected certificate \"{}\" (serial {}) is {state}",
            old.cert.subject, old.cert.serial_hex
        ),
    );
    f.add(
        Nature::Observed,
        ctx.cert_source(i, new, "subject, notBefore, notAfter"),
        format!(
            "LocalMachine\\My also holds \"{}\" (serial {}, thumbprint {}), valid {} to {}, with the same name",
            new.cert.subject,
            new.cert.serial_hex,
            new.cert.thumbprint_sha1,
            fmt_secs(new.cert.not_before),
            fmt_secs(new.cert.not_after)
        ),
    );
    f.signal(if (expired || archived) && !sel.is_inference() {
        Signal::StaticFact
    } else {
        Signal::StaticInference
    });
    if !ctx.signature_events(&mut f, i, &cur, expired || archived) && !warn.is_empty() && !expired {
        f.signal(Signal::Agreement);
    }
    if !warn.is_empty() {
        ctx.add_events(
            &mut f,
            i,
            &warn,
            "the old certificate's expiry was announced: ",
        );
    }
    if ctx.load_failed_now(i) {
        f.explain(i, ctx.local_symptoms(i));
    }
    if expired {
        f.explain(
            i,
            super::expired::failures_since(ctx, i, old.cert.not_after),
        );
    }
    f.step(
        &name,
        format!(
            "Back up the old certificate (serial {}, thumbprint {}) before removing it: this exports the public certificate only",
            old.cert.serial_hex, old.cert.thumbprint_sha1
        ),
        Some(format!(
            "certutil -store My {} {}.cer",
            old.cert.thumbprint_sha1, old.cert.thumbprint_sha1
        )),
    );
    f.step(
        &name,
        format!(
            "Select the renewed certificate (serial {}): remove the old one so that MOMCertImport /SubjectName finds only the new one (or run MOMCertImport without arguments and pick it)",
            new.cert.serial_hex
        ),
        Some(format!("certutil -delstore My {}", old.cert.thumbprint_sha1)),
    );
    super::remedy::register_and_restart(&mut f, ctx, i);
    f.cannot_see.push("whether the ReplaceOMCert scheduled task (UpdateOMCert.ps1) exists and ran on this machine".into());
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::chain::tests::cert;
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn expired_old_and_valid_new_ranks_above_expired() {
        let mut old = cert("gw01.dmz.contoso.com", "CA", "OLD");
        old.not_before = T0 - 400 * 86_400;
        old.not_after = T0 - 10 * 86_400;
        let mut new = cert("gw01.dmz.contoso.com", "CA", "NEW");
        new.not_before = T0 - 40 * 86_400;
        new.not_after = T0 + 300 * 86_400;
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(old, StoreName::My)
            .cert(new, StoreName::My)
            .channel(0)
            .event(20051, 100, &["x", "y"])
            .event(21021, 101, &[])
            .build();
        let f = run(vec![gw]);
        let r = find(&f, Cause::RenewedNotReimported, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(r.confidence, Confidence::High);
        assert!(r.also_covers.contains(&Cause::Expired));
        let e = find(&f, Cause::Expired, "gw01.dmz.contoso.com").expect("expired reported too");
        assert!(e.score < r.score);
        assert_eq!(e.covered_by, Some(Cause::RenewedNotReimported));
        assert_eq!(f[0].cause, Cause::RenewedNotReimported);
    }

    #[test]
    fn no_newer_certificate_no_finding() {
        let mut old = cert("gw01.dmz.contoso.com", "CA", "OLD");
        old.not_after = T0 - 10;
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(old, StoreName::My)
            .channel(0)
            .build();
        let f = run(vec![gw]);
        assert!(find(&f, Cause::RenewedNotReimported, "gw01.dmz.contoso.com").is_none());
        assert!(find(&f, Cause::Expired, "gw01.dmz.contoso.com").is_some());
    }
}

#[cfg(test)]
mod more_tests {
    use crate::chain::tests::cert;
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn superseded_but_still_valid_with_expiry_warnings_is_medium() {
        let mut old = cert("gw01.dmz.contoso.com", "CA", "OLD");
        old.not_before = T0 - 356 * 86_400;
        old.not_after = T0 + 9 * 86_400;
        let mut new = cert("gw01.dmz.contoso.com", "CA", "NEW");
        new.not_before = T0 - 20 * 86_400;
        new.not_after = T0 + 345 * 86_400;
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(old, StoreName::My)
            .cert(new, StoreName::My)
            .channel(0)
            .event(20053, 10, &[])
            .event(21020, 100, &["12/1/2026 14:03:11"])
            .build();
        let f = run(vec![gw]);
        let r = find(&f, Cause::RenewedNotReimported, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(r.confidence, Confidence::Medium);
        assert_eq!(f[0].cause, Cause::RenewedNotReimported);
    }

    #[test]
    fn archived_old_certificate_not_found_at_restart() {
        let mut old = cert("gw01.dmz.contoso.com", "CA", "OLD");
        old.not_after = T0 + 9 * 86_400;
        let mut new = cert("gw01.dmz.contoso.com", "CA", "NEW");
        new.not_before = T0 - 5 * 86_400;
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(old, StoreName::My)
            .cert(new, StoreName::My)
            .channel(0)
            .with(|m| m.certs[0].archived = Some(true))
            .event(20066, 100, &[])
            .event(21021, 101, &[])
            .build();
        let f = run(vec![gw]);
        assert_eq!(f[0].cause, Cause::RenewedNotReimported);
        assert_eq!(f[0].confidence, Confidence::High);
    }
}
