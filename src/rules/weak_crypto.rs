//! `weak_crypto` — a best-practice advisory (§4.11): RSA keys under 2048 bits, or MD5/SHA-1
//! signatures on the channel certificate or its intermediate CAs (a root's self-signature does
//! not matter). Never explains a failure; always low confidence.

use crate::finding::FindingKind;
use super::common::each_machine;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature};
use crate::facts::certs::CertEntry;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("weak_crypto", check).of_kind(FindingKind::Advisory);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn weak_sig(alg: &str, oid: &str) -> bool {
    let a = alg.to_ascii_lowercase();
    a.contains("md5")
        || a.contains("sha1")
        || matches!(
            oid,
            "1.2.840.113549.1.1.4"
                | "1.2.840.113549.1.1.5"
                | "1.2.840.10040.4.3"
                | "1.2.840.10045.4.1"
                | "1.3.14.3.2.29"
        )
}

/// What is weak about a certificate, if anything.
pub fn weaknesses(e: &CertEntry, is_root: bool) -> Vec<String> {
    let c = &e.cert;
    let mut w = Vec::new();
    let rsa = c.public_key_algorithm.eq_ignore_ascii_case("RSA")
        || c.public_key_oid == "1.2.840.113549.1.1.1";
    if rsa {
        if let Some(bits) = c.public_key_bits.filter(|b| *b < 2048) {
            w.push(format!("RSA key of {bits} bits (2048 or more recommended)"));
        }
    }
    if c.public_key_oid == "1.2.840.10040.4.1" {
        w.push("DSA key".into());
    }
    if !is_root && weak_sig(&c.signature_algorithm, &c.signature_oid) {
        w.push(format!(
            "signed with {} (SHA-256 or better recommended)",
            c.signature_algorithm
        ));
    }
    w
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    let (leaf, _) = ctx.channel(i)?;
    let mut items: Vec<(String, &CertEntry)> = Vec::new();
    for w in weaknesses(leaf, false) {
        items.push((format!("\"{}\": {w}", leaf.cert.subject), leaf));
    }
    if let Some(chain) = &ctx.views[i].own_chain {
        let n = chain.links.len();
        for (k, l) in chain.links.iter().enumerate().skip(1) {
            if let Some(e) = m
                .certs
                .iter()
                .find(|e| e.cert.thumbprint_sha1 == l.thumbprint)
            {
                let is_root = k == n - 1 && e.cert.self_issued;
                for w in weaknesses(e, is_root) {
                    items.push((format!("CA \"{}\": {w}", e.cert.subject), e));
                }
            }
        }
    }
    if items.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let mut f = ctx.finding(Cause::WeakCrypto, i,
        format!("{name}: weak key or signature hash in the certificate chain (best practice)"),
    );
    f.summary = "Best practice only: this does not explain a failure by itself. Microsoft recommends RSA 2048 bits or \
                 more and SHA-256 signatures for Operations Manager certificates."
        .into();
    for (t, e) in &items {
        f.add(
            Nature::Observed,
            ctx.cert_source(i, e, "public key, signature algorithm"),
            t.clone(),
        );
    }
    f.signal(Signal::StaticFact);
    f.step(
        &name,
        "At the next renewal, request RSA 2048+ keys and SHA-256 signatures",
        None,
    );
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
    fn sha1_and_1024_is_low_and_below_a_failure() {
        let mut c = cert("gw01", "CA", "L1");
        c.signature_algorithm = "sha1WithRSAEncryption".into();
        c.signature_oid = "1.2.840.113549.1.1.5".into();
        c.public_key_bits = Some(1024);
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .event(20052, 100, &["gw01", "gw01.dmz.contoso.com"])
            .build();
        let f = run(vec![gw]);
        let w = find(&f, Cause::WeakCrypto, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(w.confidence, Confidence::Low);
        assert_eq!(f[0].cause, Cause::NameMismatch);
        assert_eq!(w.evidence.len(), 2);
    }

    #[test]
    fn ecdsa_and_sha256_are_fine() {
        let mut c = cert("gw01.dmz.contoso.com", "CA", "L1");
        c.public_key_algorithm = "EC".into();
        c.public_key_oid = "1.2.840.10045.2.1".into();
        c.public_key_bits = Some(256);
        c.signature_algorithm = "ecdsa-with-SHA256".into();
        c.signature_oid = "1.2.840.10045.4.3.2".into();
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .build();
        assert!(find(&run(vec![gw]), Cause::WeakCrypto, "gw01.dmz.contoso.com").is_none());
    }
}
