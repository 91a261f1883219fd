//! `key_spec`: the private key's KeySpec is not AT_KEYEXCHANGE (1) (§4.6): KeySpec 2
//! (AT_SIGNATURE) from the inventory or the store Blob, or event 20069. A CNG key (KeySpec
//! 0xFFFFFFFF, provider type 0) is the `cng_key` cause instead.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::cng_key::channel_key_is_cng;
use super::common::{each_machine, key_facts_origin, CertDefect};
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("key_spec", check).local().reading(&[EventKind::CertLoadFailed]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let chan = ctx.channel(i);
    let key = chan.map(|(e, _)| &e.key);
    let cng = channel_key_is_cng(ctx, i);
    let bad_spec = key
        .and_then(|k| k.key_spec)
        .filter(|s| *s != 1 && *s != 0xFFFF_FFFF && !cng);
    let cur = ctx.current(i, &sets::KEY_SPEC_REJECTED);
    if cng || (bad_spec.is_none() && cur.is_empty()) {
        return None;
    }
    let name = ctx.name(i);
    let mut d = CertDefect::new(
        ctx,
        i,
        Cause::KeySpec,
        format!("{name}: the certificate's key is not an AT_KEYEXCHANGE key"),
        "SCOM requires KeySpec = 1 (AT_KEYEXCHANGE, \"Key type: Exchange\" in the certificate template); \
         a signature-only key (KeySpec 2) makes the load fail with event 20069.",
    )
    .with_selection();
    if let (Some((e, _)), Some(spec)) = (chan, bad_spec) {
        d.fact(
            false,
            ctx.key_source(i, e),
            format!(
                "KeySpec = {spec} ({}) from the {}; provider \"{}\"",
                if spec == 2 {
                    "AT_SIGNATURE"
                } else {
                    "not AT_KEYEXCHANGE"
                },
                key_facts_origin(&e.key),
                e.key.provider_name.clone().unwrap_or_default()
            ),
        );
    }
    d.events(&cur, bad_spec.is_some());
    if d.confirmed() && bad_spec.is_none() && key.is_none_or(|k| k.key_spec.is_none()) {
        d.f.add(
            Nature::Inference,
            Source::Comparison { machine: name.clone() },
            "KeySpec is unknown here (no inventory or store blob); a CNG/KSP key may also produce 20069 (unverified)",
        );
    }
    d.past(&ctx.any(i, &sets::KEY_SPEC_REJECTED));
    d.f.step(
        &name,
        "Request a new certificate with KeySpec = 1 (AT_KEYEXCHANGE) from a legacy CSP: in an INF, KeySpec = 1 and ProviderName = \"Microsoft RSA SChannel Cryptographic Provider\", ProviderType = 12",
        Some("certreq -new request.inf request.req".into()),
    );
    Some(d.finish())
}

#[cfg(test)]
mod tests {
    use crate::chain::tests::cert;
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

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
