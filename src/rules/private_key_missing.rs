//! `private_key_missing`: the channel certificate has no usable private key in the machine key
//! set (§4.8): inventory says no key / the key cannot be opened / it is a user key; or the store
//! Blob has no `CRYPT_KEY_PROV_INFO` (inference); or the connector logs 20068, 20077 or 21036.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::cng_key::channel_key_is_cng;
use super::common::{each_machine, CertDefect};
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature};
use crate::facts::certs::KeySource;
use crate::knowledge::error_codes::CodeClass;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("private_key_missing", check).local().reading(&[EventKind::CertLoadFailed]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let chan = ctx.channel(i);
    let key = chan.map(|(e, _)| &e.key);
    let cng = channel_key_is_cng(ctx, i);
    let mut problems: Vec<(String, bool)> = Vec::new(); // (text, inferred)
    if let Some(k) = key {
        let inferred = k.source == KeySource::StoreBlob;
        if k.present == Some(false) {
            let t = if inferred {
                "the LocalMachine\\My store blob has no CRYPT_KEY_PROV_INFO property: no private key is associated with the certificate".to_string()
            } else {
                "the collector found no private key for the certificate (HasPrivateKey false)"
                    .to_string()
            };
            problems.push((t, inferred));
        } else {
            if k.accessible == Some(false) {
                problems.push((
                    format!(
                        "opening the private key failed on the machine: {}",
                        k.access_error
                            .clone()
                            .unwrap_or_else(|| "no error text".into())
                    ),
                    false,
                ));
            }
            if k.machine_keyset == Some(false) {
                problems.push((
                    "the private key is not in the machine key set (a user key — typically a certificate copied from the CurrentUser store)".into(),
                    inferred,
                ));
            }
        }
    }
    let cur = ctx.current(i, &sets::PRIVATE_KEY_UNUSABLE);
    // Events whose code points elsewhere (CNG) belong to cng_key when the key facts say CNG.
    let cur: Vec<usize> = cur
        .into_iter()
        .filter(|e| !(cng && ctx.code_class(i, *e) == Some(CodeClass::CngKey)))
        .collect();
    let past = ctx.any(i, &sets::PRIVATE_KEY_UNUSABLE);
    if problems.is_empty() && (cur.is_empty() || cng) {
        return None;
    }
    let name = ctx.name(i);
    let mut d = CertDefect::new(
        ctx,
        i,
        Cause::PrivateKeyMissing,
        format!("{name}: the SCOM certificate has no usable private key"),
        "The Health Service needs the private key of its certificate in the machine key set; without it \
         the certificate cannot be loaded (20068, 20077 or 21036, then 21021).",
    )
    .with_selection();
    if let Some((e, _)) = chan {
        d.facts(
            problems
                .iter()
                .map(|(t, inf)| (*inf, ctx.key_source(i, e), t.clone())),
        );
    }
    // The error code decides whether the event agrees with the key facts.
    d.events(&cur, false);
    if let Some(&last) = cur.last() {
        if let Some((code, def)) = ctx.code(i, last) {
            let t = match def {
                Some(d) => format!(
                    "error code {} = {} ({}); code → cause mapping: {}",
                    crate::knowledge::error_codes::format_code(code),
                    d.symbol,
                    d.meaning,
                    d.mark.label()
                ),
                None => format!(
                    "error code {} is not in the code table",
                    crate::knowledge::error_codes::format_code(code)
                ),
            };
            let agrees = def.is_some_and(|d| d.class == CodeClass::PrivateKey);
            d.f.add(Nature::inferred_if(agrees), ctx.ev_source(i, last), t);
            if agrees && !problems.is_empty() {
                d.f.signal(Signal::Agreement);
            }
        } else if !problems.is_empty() {
            d.f.signal(Signal::Agreement);
        }
    }
    d.past_shown(&past);
    // Schannel in the System log.
    let sch: Vec<usize> = ctx
        .m(i)
        .timeline
        .events
        .iter()
        .enumerate()
        .filter(|(k, e)| {
            e.provider.eq_ignore_ascii_case("Schannel")
                && matches!(e.event_id, 36869 | 36870)
                && ctx.m(i).timeline.in_current_epoch(*k)
        })
        .map(|(k, _)| k)
        .collect();
    if !sch.is_empty() {
        ctx.add_events(&mut d.f, i, &sch, "System log: ");
        d.f.explain(i, sch);
    }
    d.contradiction_note("but the current Health Service run logged 20053 (certificate loaded)");
    let serial = chan
        .map(|(e, _)| e.cert.serial_hex.clone())
        .unwrap_or_else(|| "<serial>".into());
    d.f.step(
        &name,
        "If the key exists on the machine but is not associated with the certificate, repair the association",
        Some(format!("certutil -repairstore my {serial}")),
    );
    d.f.step(
        &name,
        "Otherwise import the certificate again from a .pfx that contains the private key, into the machine store (not CurrentUser)",
        Some("Import-PfxCertificate -FilePath <file.pfx> -CertStoreLocation Cert:\\LocalMachine\\My -Password (Read-Host -AsSecureString)".into()),
    );
    let mut f = d.finish();
    f.cannot_see.push("whether the Health Service account may read the key file (NTE_PERM) unless the collector tried to open the key".into());
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::chain::tests::cert;
    use crate::facts::certs::{KeyFacts, KeySource, StoreName};
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn inventory_without_key_and_20068_is_high() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .channel(0)
            .key(
                0,
                KeyFacts {
                    source: KeySource::Inventory,
                    origin: "inv".into(),
                    present: Some(false),
                    ..KeyFacts::unknown()
                },
            )
            .event(20068, 100, &["0x80090016", "Keyset does not exist"])
            .event(21021, 101, &[])
            .build();
        let f = run(vec![gw]);
        let p = find(&f, Cause::PrivateKeyMissing, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(p.confidence, Confidence::High);
        assert!(p.remediation.iter().any(|s| s
            .command
            .as_deref()
            .is_some_and(|c| c.starts_with("certutil -repairstore my "))));
        assert_eq!(f[0].cause, Cause::PrivateKeyMissing);
    }

    #[test]
    fn blob_without_key_property_is_an_inference() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .channel(0)
            .key(
                0,
                KeyFacts {
                    source: KeySource::StoreBlob,
                    origin: "blob".into(),
                    present: Some(false),
                    ..KeyFacts::unknown()
                },
            )
            .build();
        let f = run(vec![gw]);
        let p = find(&f, Cause::PrivateKeyMissing, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(p.confidence, Confidence::Low);
        assert!(p
            .evidence
            .iter()
            .any(|e| e.nature == crate::finding::Nature::Inference));
    }

    #[test]
    fn good_key_no_finding() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .channel(0)
            .event(20053, 100, &[])
            .build();
        assert!(find(
            &run(vec![gw]),
            Cause::PrivateKeyMissing,
            "gw01.dmz.contoso.com"
        )
        .is_none());
    }
}
