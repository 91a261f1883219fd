//! `eku`: the Enhanced Key Usage extension lacks Server Authentication (1.3.6.1.5.5.7.3.1) or
//! Client Authentication (1.3.6.1.5.5.7.3.2) (§4.4). Event 20050 confirms. A certificate without
//! any EKU extension is rejected by the public checker scripts; whether SCOM rejects it is not
//! documented, so that case is an inference.

use super::common::each_machine;
use super::{register_and_restart, Cause, Ctx, Finding, Nature, EKU_CLIENT, EKU_SERVER};
use crate::rank::Signal;

/// Run the rule on every machine.
pub fn check(ctx: &Ctx<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &Ctx<'_>, i: usize) -> Option<Finding> {
    let chan = ctx.channel(i);
    let cur = ctx.current(i, &[20050]);
    let mut fact: Option<(String, bool)> = None; // (text, inferred)
    if let Some((e, sel)) = chan {
        match &e.cert.eku {
            Some(list) => {
                let missing: Vec<&str> = [(EKU_SERVER, "Server Authentication"), (EKU_CLIENT, "Client Authentication")]
                    .iter()
                    .filter(|(oid, _)| !list.iter().any(|o| o == oid))
                    .map(|(_, n)| *n)
                    .collect();
                if !missing.is_empty() {
                    fact = Some((
                        format!("EKU [{}] lacks {}", list.join(", "), missing.join(" and ")),
                        sel.is_inference(),
                    ));
                }
            }
            None => {
                fact = Some((
                    "the certificate has no Enhanced Key Usage extension (the checker scripts require one with both OIDs; SCOM's own behaviour is not documented)".into(),
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
        Cause::Eku,
        ctx,
        i,
        format!("{name}: the certificate is not valid for both Server and Client Authentication"),
    );
    f.summary = "SCOM uses one certificate as both TLS server and client credential, so its EKU must contain \
                 Server Authentication and Client Authentication (event 20050 otherwise)."
        .into();
    ctx.add_selection(&mut f, i);
    if let (Some((t, inferred)), Some((e, _))) = (&fact, chan) {
        f.add(
            if *inferred {
                Nature::Inference
            } else {
                Nature::Observed
            },
            ctx.cert_source(i, e, "extendedKeyUsage"),
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
        "Issue a certificate from a template with both Server Authentication (1.3.6.1.5.5.7.3.1) and Client Authentication (1.3.6.1.5.5.7.3.2)",
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
