//! `serial_mismatch`: `ChannelCertificateSerialNumber` does not select a certificate in
//! LocalMachine\My (§3.1, §4.1): no serial matches (compared as integers, byte-reversed), the
//! value is not reversed, it was truncated to 19 bytes by a script, the match is only in another
//! store, or `ChannelCertificateHash` names a different certificate. Event 20066 confirms.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::{each_machine, CertDefect};
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Source};
use crate::serial::{hex_upper, registry_to_big_endian, SerialMatch};

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("serial_mismatch", check).local().reading(&[EventKind::CertLoadFailed]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    let ch = &m.channel;
    let name = ctx.name(i);
    let cur = ctx.current(i, &sets::CERT_NOT_FOUND);
    let mut facts: Vec<(String, Source)> = Vec::new();
    if let Some(s) = &ch.serial {
        let be = hex_upper(&registry_to_big_endian(&s.value));
        if ch.selected.is_none() && m.inputs.my_store_known() && ch.inventory_matches.is_empty() {
            let n_my = m.certs.iter().filter(|e| e.in_machine_my()).count();
            facts.push((
                format!(
                    "the registry selects serial {be} (ChannelCertificateSerialNumber as stored: {}) and it matches none of the {n_my} certificate(s) in LocalMachine\\My",
                    hex_upper(&s.value)
                ),
                ctx.reg_source(i, s),
            ));
            for (ci, rel) in &ch.serial_relations {
                let e = &m.certs[*ci];
                let t = match rel {
                    SerialMatch::NotReversed => format!(
                        "the value is the serial of \"{}\" ({}) written without reversing the bytes",
                        e.cert.subject, e.cert.serial_hex
                    ),
                    SerialMatch::Truncated19 => format!(
                        "the value holds only the low 19 bytes of the 20-byte serial {} of \"{}\": written by a script that reverses only 19 bytes",
                        e.cert.serial_hex, e.cert.subject
                    ),
                    _ => format!(
                        "the serial matches \"{}\", but that certificate is in {} — not LocalMachine\\My",
                        e.cert.subject,
                        e.stores_display()
                    ),
                };
                facts.push((t, ctx.cert_source(i, e, "serial")));
            }
        }
        if let Some(sel) = ch.selected.filter(|s| m.certs[*s].archived == Some(true)) {
            let e = &m.certs[sel];
            facts.push((
                format!(
                    "the serial selects \"{}\" ({}), which is archived (store blob property 19); archived certificates are hidden from the store, so the Health Service does not find it (inference)",
                    e.cert.subject, e.cert.serial_hex
                ),
                ctx.cert_source(i, e, "archived"),
            ));
        }
        if let (Some(sel), Some(hc)) = (ch.selected, ch.hash_cert) {
            if sel != hc {
                let (a, b) = (&m.certs[sel], &m.certs[hc]);
                facts.push((
                    format!(
                        "ChannelCertificateSerialNumber selects \"{}\" ({}) but ChannelCertificateHash names \"{}\" ({}); which one the Health Service uses is not documented",
                        a.cert.subject, a.cert.thumbprint_sha1, b.cert.subject, b.cert.thumbprint_sha1
                    ),
                    ch.hash.as_ref().map(|h| ctx.reg_source(i, h)).unwrap_or(Source::Comparison { machine: name.clone() }),
                ));
            }
        }
        if let (Some(sel), Some(h), None) = (ch.selected, &ch.hash, ch.hash_cert) {
            if m.inputs.my_store_known() {
                facts.push((
                    format!(
                        "ChannelCertificateHash \"{}\" names no certificate of the bundle, while the serial selects \"{}\"",
                        h.value, m.certs[sel].cert.subject
                    ),
                    ctx.reg_source(i, h),
                ));
            }
        }
    }
    if facts.is_empty() && cur.is_empty() {
        return None;
    }
    let mut d = CertDefect::new(
        ctx,
        i,
        Cause::SerialMismatch,
        format!("{name}: the registry does not select a certificate in LocalMachine\\My"),
        "The Health Service finds its certificate by Machine Settings\\ChannelCertificateSerialNumber (the \
         serial byte-reversed); when no certificate in LocalMachine\\My has that serial it logs 20066 and \
         loads nothing.",
    );
    let agrees = !facts.is_empty();
    d.facts(facts.into_iter().map(|(t, s)| (false, s, t)))
        .events(&cur, agrees)
        .past(&ctx.any(i, &sets::CERT_NOT_FOUND));
    let mut f = d.finish();
    f.cannot_see
        .push("certificates in LocalMachine\\My that the bundle did not export".into());
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
    fn registry_serial_of_no_certificate_with_20066() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .registry_serial(vec![9, 9, 9])
            .event(20066, 100, &[])
            .event(21021, 101, &[])
            .build();
        let f = run(vec![gw]);
        let s = find(&f, Cause::SerialMismatch, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(s.confidence, Confidence::High);
        assert_eq!(f[0].cause, Cause::SerialMismatch);
    }

    #[test]
    fn matching_serial_no_finding() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .channel(0)
            .event(20053, 100, &[])
            .build();
        assert!(find(
            &run(vec![gw]),
            Cause::SerialMismatch,
            "gw01.dmz.contoso.com"
        )
        .is_none());
    }
}
