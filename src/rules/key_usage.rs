//! `key_usage`: the KeyUsage extension lacks Digital Signature or Key Encipherment (§4.5; the
//! scripts test `0xA0`). Event 20049 confirms. A missing KeyUsage extension is an inference
//! (the scripts reject it; SCOM's behaviour is not documented).

use super::common::each_machine;
use super::{register_and_restart, Cause, Ctx, Finding, Nature};
use crate::rank::Signal;

/// digitalSignature in [`scomtriage_parsers::x509::KeyUsage::bits`].
pub const DIGITAL_SIGNATURE: u16 = 0x0001;
/// keyEncipherment.
pub const KEY_ENCIPHERMENT: u16 = 0x0004;

/// Run the rule on every machine.
pub fn check(ctx: &Ctx<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &Ctx<'_>, i: usize) -> Option<Finding> {
    let chan = ctx.channel(i);
    let cur = ctx.current(i, &[20049]);
    let mut fact: Option<(String, bool)> = None;
    if let Some((e, sel)) = chan {
        match &e.cert.key_usage {
            Some(ku) => {
                let mut missing = Vec::new();
                if ku.bits & DIGITAL_SIGNATURE == 0 {
                    missing.push("Digital Signature");
                }
                if ku.bits & KEY_ENCIPHERMENT == 0 {
                    missing.push("Key Encipherment");
                }
                if !missing.is_empty() {
                    fact = Some((format!("KeyUsage bits 0x{:04X} lack {}", ku.bits, missing.join(" and ")), sel.is_inference()));
                }
            }
            None => {
                fact = Some((
                    "the certificate has no KeyUsage extension (the checker scripts require Digital Signature and Key Encipherment; SCOM's own behaviour is not documented)".into(),
                    true,
                ))
            }
        }
    }
    if fact.is_none() && cur.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let mut f = Finding::new(
        Cause::KeyUsage,
        ctx,
        i,
        format!("{name}: the certificate's Key Usage lacks Digital Signature or Key Encipherment"),
    );
    f.summary = "SCOM requires Key Usage Digital Signature and Key Encipherment (template: KeyUsage = 0xf0) and \
                 logs 20049 otherwise."
        .into();
    ctx.add_selection(&mut f, i);
    if let (Some((t, inferred)), Some((e, _))) = (&fact, chan) {
        f.add(
            if *inferred {
                Nature::Inference
            } else {
                Nature::Observed
            },
            ctx.cert_source(i, e, "keyUsage"),
            t.clone(),
        );
        f.signal(if *inferred {
            Signal::StaticInference
        } else {
            Signal::StaticFact
        });
    }
    if !cur.is_empty() {
        ctx.add_events(&mut f, i, &cur, "");
        f.signal(Signal::SignatureEvent);
        if fact.is_some() {
            f.signal(Signal::Agreement);
        }
        f.explain(i, cur.iter().copied());
    }
    if ctx.loaded_now(i) && cur.is_empty() {
        f.signal(Signal::Contradiction);
    }
    if ctx.load_failed_now(i) {
        f.explain(i, ctx.local_symptoms(i));
    }
    f.step(
        &name,
        "Issue a certificate whose Key Usage includes Digital Signature and Key Encipherment (INF: KeyUsage = 0xf0, marked critical)",
        None,
    );
    register_and_restart(
        &mut f,
        &ctx.m(i).identity.fqdn.clone().unwrap_or(name.clone()),
    );
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::chain::tests::cert;
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::rules::{Cause, Confidence};
    use scomtriage_parsers::x509::KeyUsage;

    #[test]
    fn signature_only_ku_with_20049() {
        let mut c = cert("gw01.dmz.contoso.com", "CA", "L1");
        c.key_usage = Some(KeyUsage {
            bits: 0x0001,
            critical: true,
        });
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .event(20049, 100, &[])
            .build();
        let f = run(vec![gw]);
        let k = find(&f, Cause::KeyUsage, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(k.confidence, Confidence::High);
        assert!(k
            .evidence
            .iter()
            .any(|x| x.text.contains("Key Encipherment")));
    }

    #[test]
    fn correct_ku_no_finding() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .channel(0)
            .build();
        assert!(find(&run(vec![gw]), Cause::KeyUsage, "gw01.dmz.contoso.com").is_none());
    }
}
