//! `cng_key`: the private key is held by a CNG key storage provider, which SCOM does not
//! support (§4.7, S3 2025): inventory `is_cng`, provider type 0, KeySpec 0xFFFFFFFF or a
//! "Key Storage Provider" name. Which load event a KSP key produces is unknown (§8.3): any
//! certificate-load failure in the current run (20069, 20068, 20077, 21036) is taken as agreeing.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::{each_machine, key_facts_origin, CertDefect};
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature};

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("cng_key", check).local().refining(&[Cause::KeySpec, Cause::PrivateKeyMissing]).reading(&[EventKind::CertLoadFailed]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

/// Whether the key of machine `i`'s channel certificate looks like a CNG key: this cause
/// applies, and `key_spec` and `private_key_missing` leave that key to it.
pub fn channel_key_is_cng(ctx: &CaseView<'_>, i: usize) -> bool {
    ctx.channel(i).and_then(|(e, _)| e.key.looks_cng()) == Some(true)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    if !channel_key_is_cng(ctx, i) {
        return None;
    }
    let (e, _) = ctx.channel(i)?;
    let name = ctx.name(i);
    let mut d = CertDefect::new(
        ctx,
        i,
        Cause::CngKey,
        format!("{name}: the certificate's private key is in a CNG key storage provider, which SCOM does not support"),
        "Operations Manager relies on legacy CryptoAPI providers; a key created by a Key Storage Provider \
         (the AD CS default for newer templates) cannot be used.",
    )
    .with_selection();
    let k = &e.key;
    let mut signs = Vec::new();
    if k.is_cng == Some(true) {
        signs.push("is_cng = true".to_string());
    }
    if k.provider_type == Some(0) {
        signs.push("provider type 0 (CNG)".into());
    }
    if k.key_spec == Some(0xFFFF_FFFF) {
        signs.push("KeySpec 0xFFFFFFFF (CERT_NCRYPT_KEY_SPEC)".into());
    }
    if let Some(p) = &k.provider_name {
        signs.push(format!("provider \"{p}\""));
    }
    d.fact(
        false,
        ctx.key_source(i, e),
        format!("{} from the {}", signs.join(", "), key_facts_origin(k)),
    );
    // Which event a CNG key produces is not documented (§8.3): a current load failure is shown
    // and explained, but not scored as Agreement.
    let cur = ctx.current(i, &sets::KEY_REJECTED);
    d.events(&cur, false);
    if let Some(last) = cur.last() {
        d.f.add(
            Nature::Inference,
            ctx.ev_source(i, *last),
            "which event a CNG key produces is not documented; a certificate-load failure in the current run agrees",
        );
    }
    d.f.step(
        &name,
        "Request a new certificate from a template that uses a legacy Cryptographic Service Provider (\"Microsoft RSA SChannel Cryptographic Provider\", KeySpec = 1)",
        None,
    );
    if let Some((e, _)) = ctx.channel(i) {
        d.f.step(
            &name,
            "Or, only if the private key was marked exportable when it was issued (otherwise this fails and only a new certificate helps): export the certificate with its key, protected by a password you choose",
            Some(format!(
                "certutil -exportPFX -p <password> My {} {}.pfx",
                e.cert.thumbprint_sha1, e.cert.thumbprint_sha1
            )),
        );
        d.f.step(
            &name,
            "Then re-import that .pfx into the legacy SChannel provider (same password)",
            Some(format!(
                "certutil -p <password> -csp \"Microsoft RSA SChannel Cryptographic Provider\" -importpfx My {}.pfx",
                e.cert.thumbprint_sha1
            )),
        );
    }
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
    fn ksp_key_with_load_failure_folds_key_spec() {
        let mut k = good_key();
        k.provider_name = Some("Microsoft Software Key Storage Provider".into());
        k.provider_type = Some(0);
        k.key_spec = Some(0xFFFF_FFFF);
        k.is_cng = Some(true);
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .channel(0)
            .key(0, k)
            .event(20069, 100, &[])
            .event(21021, 101, &[])
            .build();
        let f = run(vec![gw]);
        let c = find(&f, Cause::CngKey, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(c.confidence, Confidence::High);
        assert!(find(&f, Cause::KeySpec, "gw01.dmz.contoso.com").is_none());
        assert!(find(&f, Cause::PrivateKeyMissing, "gw01.dmz.contoso.com").is_none());
    }

    #[test]
    fn csp_key_no_finding() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "L1"), StoreName::My)
            .channel(0)
            .build();
        assert!(find(&run(vec![gw]), Cause::CngKey, "gw01.dmz.contoso.com").is_none());
    }
}
