//! `eku`: the Enhanced Key Usage extension lacks Server Authentication (1.3.6.1.5.5.7.3.1) or
//! Client Authentication (1.3.6.1.5.5.7.3.2) (§4.4). Event 20050 confirms. A certificate without
//! any EKU extension is rejected by the public checker scripts; whether SCOM rejects it is not
//! documented, so that case is an inference.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::{each_machine, required_extension_fact, CertDefect};
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding};
use crate::facts::certs::missing_ekus;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("eku", check).local().reading(&[EventKind::CertLoadFailed]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let cur = ctx.current(i, &sets::EKU_REJECTED);
    let fact = required_extension_fact(
        ctx,
        i,
        "extendedKeyUsage",
        |c| c.eku.as_ref(),
        |list| {
            let missing: Vec<&str> = missing_ekus(list).into_iter().map(|(_, n)| n).collect();
            (!missing.is_empty()).then(|| {
                format!("EKU [{}] lacks {}", list.join(", "), missing.join(" and "))
            })
        },
        "the certificate has no Enhanced Key Usage extension (the checker scripts require one with both OIDs; SCOM's own behaviour is not documented)",
    );
    if fact.is_none() && cur.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let mut d = CertDefect::new(
        ctx,
        i,
        Cause::Eku,
        format!("{name}: the certificate is not valid for both Server and Client Authentication"),
        "SCOM uses one certificate as both TLS server and client credential, so its EKU must contain \
         Server Authentication and Client Authentication (event 20050 otherwise).",
    )
    .with_selection();
    let agrees = fact.is_some();
    d.facts(fact).events(&cur, agrees);
    d.f.step(
        &name,
        "Issue a certificate from a template with both Server Authentication (1.3.6.1.5.5.7.3.1) and Client Authentication (1.3.6.1.5.5.7.3.2)",
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

    #[test]
    fn server_only_eku_with_20050() {
        let mut c = cert("gw01.dmz.contoso.com", "CA", "L1");
        c.eku = Some(vec!["1.3.6.1.5.5.7.3.1".into()]);
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .event(20050, 100, &[])
            .build();
        let f = run(vec![gw]);
        let e = find(&f, Cause::Eku, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(e.confidence, Confidence::High);
        assert!(e
            .evidence
            .iter()
            .any(|x| x.text.contains("Client Authentication")));
    }

    #[test]
    fn missing_extension_is_low() {
        let mut c = cert("gw01.dmz.contoso.com", "CA", "L1");
        c.eku = None;
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .build();
        let f = run(vec![gw]);
        assert_eq!(
            find(&f, Cause::Eku, "gw01.dmz.contoso.com").map(|x| x.confidence),
            Some(Confidence::Low)
        );
    }
}
