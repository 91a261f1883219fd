//! `key_usage`: the KeyUsage extension lacks Digital Signature or Key Encipherment (§4.5; the
//! scripts test `0xA0`). Event 20049 confirms. A missing KeyUsage extension is an inference
//! (the scripts reject it; SCOM's behaviour is not documented).

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::{each_machine, required_extension_fact, CertDefect};
use super::{CaseView, Cause, Rule};
use crate::facts::certs::missing_key_usage;
use crate::finding::{Finding};


/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("key_usage", check).local().reading(&[EventKind::CertLoadFailed]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let cur = ctx.current(i, &sets::KEY_USAGE_REJECTED);
    let fact = required_extension_fact(
        ctx,
        i,
        "keyUsage",
        |c| c.key_usage.as_ref(),
        |ku| {
            let missing = missing_key_usage(ku.bits);
            (!missing.is_empty()).then(|| {
                format!("KeyUsage bits 0x{:04X} lack {}", ku.bits, missing.join(" and "))
            })
        },
        "the certificate has no KeyUsage extension (the checker scripts require Digital Signature and Key Encipherment; SCOM's own behaviour is not documented)",
    );
    if fact.is_none() && cur.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let mut d = CertDefect::new(
        ctx,
        i,
        Cause::KeyUsage,
        format!("{name}: the certificate's Key Usage lacks Digital Signature or Key Encipherment"),
        "SCOM requires Key Usage Digital Signature and Key Encipherment (template: KeyUsage = 0xf0) and \
         logs 20049 otherwise.",
    )
    .with_selection();
    let agrees = fact.is_some();
    d.facts(fact).events(&cur, agrees);
    d.f.step(
        &name,
        "Issue a certificate whose Key Usage includes Digital Signature and Key Encipherment (INF: KeyUsage = 0xf0, marked critical)",
        None,
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
