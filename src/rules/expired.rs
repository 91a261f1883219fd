//! `expired`: the channel certificate (or a CA certificate in its chain) is past notAfter at the
//! bundle's collection time (§4.9) — the analyzer's clock only when no input carries a time, said so. 20051 confirms; failures that
//! began at notAfter and peers rejecting with CERT_E_EXPIRED / SEC_E_CERT_EXPIRED agree.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::{each_machine, static_signal};
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};
use super::remedy::register_and_restart;
use crate::chain::ChainBreak;
use crate::facts::time::fmt_secs;
use crate::knowledge::error_codes::CodeClass;
use crate::knowledge::events::Role;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("expired", check).local().reading(&[EventKind::CertLoadFailed, EventKind::CertLoaded, EventKind::CertExpiring, EventKind::ClosedBeforeAuth, EventKind::ChannelDown, EventKind::AuthFailure, EventKind::NoCertificateLoaded]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

/// Loose parse of a date as SCOM prints it in 20051 (`2026-11-20 …`, `11/20/2026 …`): seconds.
/// Inference: the exact format depends on the machine's locale.
pub fn loose_date(s: &str) -> Option<i64> {
    let nums: Vec<i64> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .filter_map(|t| t.parse().ok())
        .collect();
    let (y, mo, d) = match nums.as_slice() {
        [y, mo, d, ..] if *y > 1900 => (*y, *mo, *d),
        [mo, d, y, ..] if *y > 1900 => (*y, *mo, *d),
        _ => return None,
    };
    let date = jiff::civil::Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(mo).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()?;
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// Connection failures (20071, 21016, 21015, 20070 excluded) on machine `i` at or after
/// `not_after` (seconds), in any run: a cached expired certificate is rejected by peers before
/// the next restart makes the Health Service refuse it.
pub fn failures_since(ctx: &CaseView<'_>, i: usize, not_after: i64) -> Vec<usize> {
    let tl = &ctx.m(i).timeline;
    let t = not_after * 1_000_000;
    let last_ok = tl.last_channel_success_us().unwrap_or(i64::MIN);
    ctx.any(i, &sets::CANNOT_CONNECT_OR_NO_CERT)
        .into_iter()
        .filter(|e| tl.events[*e].time_us >= t && tl.events[*e].time_us > last_ok)
        .collect()
}

/// Whether a 20051 (by its strings) says "not yet valid" rather than "expired" at `at`.
pub fn event_says_not_yet_valid(ctx: &CaseView<'_>, i: usize, e: usize, at: i64) -> bool {
    ctx.ev(i, e)
        .role(Role::ValidFrom)
        .and_then(loose_date)
        .is_some_and(|from| from > at)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    let at = m.at();
    let chan = ctx.channel(i);
    let leaf_expired = match (chan, at) {
        (Some((e, _)), Some(at)) => e.cert.not_after < at,
        _ => false,
    };
    let ca_expired = ctx.views[i]
        .own_chain
        .as_ref()
        .and_then(|c| match &c.broken {
            Some(ChainBreak::ExpiredCa {
                cert,
                not_after,
                at,
            }) if not_after < at => Some((cert.clone(), *not_after)),
            _ => None,
        });
    let cur: Vec<usize> = ctx
        .current(i, &sets::NOT_CURRENTLY_VALID)
        .into_iter()
        .filter(|e| {
            let nyv = match (chan, at) {
                (Some((c, _)), Some(at)) => c.cert.not_before > at,
                (None, Some(at)) => event_says_not_yet_valid(ctx, i, *e, at),
                _ => false,
            };
            !nyv
        })
        .collect();
    if !leaf_expired && ca_expired.is_none() && cur.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let title = match (chan, &ca_expired) {
        (Some((e, _)), _) if leaf_expired => format!(
            "{name}: the SCOM certificate expired on {}",
            fmt_secs(e.cert.not_after)
        ),
        (_, Some((ca, na))) => format!(
            "{name}: the CA certificate \"{ca}\" in the chain expired on {}",
            fmt_secs(*na)
        ),
        _ => format!("{name}: the SCOM certificate is not currently valid (expired)"),
    };
    let mut f = ctx.finding(Cause::Expired, i, title);
    f.summary = "The Health Service checks its certificate's validity at start and refuses an expired one (20051); \
                 peers reject an expired certificate or chain."
        .into();
    ctx.add_selection(&mut f, i);
    if let (Some((e, sel)), Some(_)) = (chan, at) {
        if leaf_expired {
            f.add(
                Nature::Observed,
                ctx.cert_source(i, e, "notAfter"),
                format!(
                    "notAfter {} is before {}",
                    fmt_secs(e.cert.not_after),
                    m.at_words()
                ),
            );
            f.signal(static_signal(sel.is_inference()));
            // Failures began at notAfter?
            let tl = &m.timeline;
            let na_us = e.cert.not_after * 1_000_000;
            let last_ok = tl
                .find(&sets::CERT_LOADED)
                .into_iter()
                .rev()
                .find(|k| tl.events[*k].time_us < na_us);
            let ok_after = tl
                .find(&sets::CERT_LOADED)
                .into_iter()
                .any(|k| tl.events[k].time_us >= na_us);
            let first_fail = (0..tl.events.len())
                .find(|k| tl.events[*k].is_failure() && tl.events[*k].time_us >= na_us);
            if let (Some(ok), Some(ff), false) = (last_ok, first_fail, ok_after) {
                f.add(
                    Nature::Observed,
                    ctx.ev_source(i, ff),
                    format!(
                        "the certificate loaded (20053) at {}, before notAfter; failures began at {}, after it",
                        crate::facts::time::fmt_us(tl.events[ok].time_us),
                        crate::facts::time::fmt_us(tl.events[ff].time_us)
                    ),
                );
                f.signal(Signal::Agreement);
            }
        }
    }
    if let Some((ca, na)) = &ca_expired {
        f.add(
            Nature::Observed,
            Source::Chain {
                validator: name.clone(),
                chain: ctx.views[i]
                    .own_chain
                    .as_ref()
                    .map(|c| c.display())
                    .unwrap_or_default(),
            },
            format!("CA certificate \"{ca}\" expired {}", fmt_secs(*na)),
        );
        f.signal(Signal::StaticFact);
    }
    let agrees = leaf_expired && !f.has(Signal::Agreement);
    ctx.signature_events(&mut f, i, &cur, agrees);
    let warn = ctx.any(i, &sets::CERT_EXPIRING);
    if !warn.is_empty() {
        ctx.add_events(&mut f, i, &warn, "earlier warning: ");
    }
    ctx.peer_rejections(&mut f, i, &[CodeClass::Expired]);
    if ctx.load_failed_now(i) {
        f.explain(i, ctx.local_symptoms(i));
    }
    if let (Some((e, _)), true) = (chan, leaf_expired) {
        let since = failures_since(ctx, i, e.cert.not_after);
        f.explain(i, since);
    }
    f.step(
        &name,
        format!("Renew or re-issue the certificate for {name} and import it into LocalMachine\\My with its private key"),
        None,
    );
    register_and_restart(&mut f, ctx, i);
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::loose_date;
    use crate::chain::tests::cert;
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn expired_at_collection_time_with_20051_and_onset() {
        let mut c = cert("gw01.dmz.contoso.com", "CA", "L1");
        c.not_after = T0 - 86_400 + 1000;
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .event(20053, 100, &[])
            .event(20051, 5000, &["1/1/2026", "1/14/2027"])
            .event(21021, 5001, &[])
            .build();
        let f = run(vec![gw]);
        let e = find(&f, Cause::Expired, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(e.confidence, Confidence::High);
        assert!(e.evidence.iter().any(|x| x.text.contains("failures began")));
    }

    #[test]
    fn valid_certificate_no_finding() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .channel(0)
            .build();
        assert!(find(&run(vec![gw]), Cause::Expired, "gw01.dmz.contoso.com").is_none());
    }

    #[test]
    fn loose_dates() {
        assert_eq!(loose_date("2026-11-20 14:03:11"), Some(1_795_132_800));
        assert_eq!(loose_date("11/20/2026 2:03:11 PM"), Some(1_795_132_800));
        assert_eq!(loose_date("garbage"), None);
    }
}
