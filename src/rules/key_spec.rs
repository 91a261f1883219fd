//! `key_spec`: the private key's KeySpec is not AT_KEYEXCHANGE (1) (§4.6): KeySpec 2
//! (AT_SIGNATURE) from the inventory or the store Blob, or event 20069. A CNG key (KeySpec
//! 0xFFFFFFFF, provider type 0) is the `cng_key` cause instead.

use super::common::each_machine;
use super::{register_and_restart, Cause, Ctx, Finding, Nature, Source};
use crate::facts::certs::KeySource;
use crate::rank::Signal;

/// Run the rule on every machine.
pub fn check(ctx: &Ctx<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &Ctx<'_>, i: usize) -> Option<Finding> {
    let chan = ctx.channel(i);
    let key = chan.map(|(e, _)| &e.key);
    let cng = key.and_then(|k| k.looks_cng()) == Some(true);
    let bad_spec = key
        .and_then(|k| k.key_spec)
        .filter(|s| *s != 1 && *s != 0xFFFF_FFFF && !cng);
    let cur = ctx.current(i, &[20069]);
    let past = ctx.any(i, &[20069]);
    if cng || (bad_spec.is_none() && cur.is_empty()) {
        return None;
    }
    let name = ctx.name(i);
    let mut f = Finding::new(
        Cause::KeySpec,
        ctx,
        i,
        format!("{name}: the certificate's key is not an AT_KEYEXCHANGE key"),
    );
    f.summary = "SCOM requires KeySpec = 1 (AT_KEYEXCHANGE, \"Key type: Exchange\" in the certificate template); \
                 a signature-only key (KeySpec 2) makes the load fail with event 20069."
        .into();
    ctx.add_selection(&mut f, i);
    if let (Some((e, _)), Some(spec)) = (chan, bad_spec) {
        let inferred = e.key.source == KeySource::StoreBlob;
        f.add(
            Nature::Observed,
            ctx.key_source(i, e),
            format!(
                "KeySpec = {spec} ({}) from the {}; provider \"{}\"",
                if spec == 2 {
                    "AT_SIGNATURE"
                } else {
                    "not AT_KEYEXCHANGE"
                },
                if inferred {
                    "store blob CRYPT_KEY_PROV_INFO"
                } else {
                    "inventory"
                },
                e.key.provider_name.clone().unwrap_or_default()
            ),
        );
        f.signal(Signal::StaticFact);
    }
    if !cur.is_empty() {
        ctx.add_events(&mut f, i, &cur, "");
        f.signal(Signal::SignatureEvent);
        if bad_spec.is_some() {
            f.signal(Signal::Agreement);
        } else if key.is_none_or(|k| k.key_spec.is_none()) {
            f.add(
                Nature::Inference,
                Source::Comparison { machine: name.clone() },
                "KeySpec is unknown here (no inventory or store blob); a CNG/KSP key may also produce 20069 (unverified)",
            );
        }
    } else if !past.is_empty() {
        f.signal(Signal::PastSignatureEvent);
    }
    if ctx.loaded_now(i) && cur.is_empty() {
        f.signal(Signal::Contradiction);
    }
    f.explain(i, cur.iter().copied());
    if ctx.load_failed_now(i) {
        f.explain(i, ctx.local_symptoms(i));
    }
    f.step(
        &name,
        "Request a new certificate with KeySpec = 1 (AT_KEYEXCHANGE) from a legacy CSP: in an INF, KeySpec = 1 and ProviderName = \"Microsoft RSA SChannel Cryptographic Provider\", ProviderType = 12",
        Some("certreq -new request.inf request.req".into()),
    );
    register_and_restart(&mut f, &name);
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::chain::tests::cert;
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::rules::{Cause, Confidence};

    #[test]
    fn signature_key_with_20069() {
        let mut k = good_key();
        k.key_spec = Some(2);
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .channel(0)
            .key(0, k)
            .event(20069, 100, &[])
            .event(21021, 101, &[])
            .build();
        let f = run(vec![gw]);
        assert_eq!(
            find(&f, Cause::KeySpec, "gw01.dmz.contoso.com").map(|x| x.confidence),
            Some(Confidence::High)
        );
        assert!(find(&f, Cause::CngKey, "gw01.dmz.contoso.com").is_none());
        assert_eq!(f[0].cause, Cause::KeySpec);
    }

    #[test]
    fn exchange_key_no_finding() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .channel(0)
            .build();
        assert!(find(&run(vec![gw]), Cause::KeySpec, "gw01.dmz.contoso.com").is_none());
    }
}
