//! `missing_intermediate`: the chain of the machine's own certificate cannot be built with its
//! installed certificates because an issuing (intermediate) CA certificate is missing (§4.10).
//! If the intermediate is in a `.p7b` or another machine's export it is named with its origin;
//! if it is nowhere, the missing issuer's DN and key identifier are reported (it may be the
//! root). SChannel sends the chain it can build, so peers see the same gap (20072 with
//! CERT_E_CHAINING on the peer confirms).

use crate::knowledge::events::EventKind;
use super::common::each_machine;
use super::remedy::TrustStore;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};
use crate::chain::{ChainBreak, REVOCATION_NOTE};
use crate::knowledge::error_codes::CodeClass;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("missing_intermediate", check).reading(&[EventKind::PeerCertUntrusted, EventKind::PeerCertInvalid, EventKind::AuthFailure]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    if !(m.inputs.roots_known() || m.inputs.ca_exports) {
        return None;
    }
    let v = &ctx.views[i];
    let own = v.own_chain.as_ref()?;
    let Some(ChainBreak::MissingIssuer {
        cert,
        issuer_dn,
        aki,
    }) = &own.broken
    else {
        return None;
    };
    let full = v.full_chain.as_ref();
    // Where the missing certificate is available, if anywhere.
    let found = full.and_then(|c| c.links.get(own.links.len()).cloned());
    if let Some(l) = &found {
        // A self-signed root available only in a file is the untrusted_root cause.
        let is_root = full.is_some_and(|c| {
            c.links.len() == own.links.len() + 1
                && matches!(c.broken, Some(ChainBreak::RootNotTrusted { .. }))
        });
        if is_root {
            return None;
        }
        let _ = l;
    }
    let name = ctx.name(i);
    let mut f = ctx.finding(Cause::MissingIntermediate, i,
        format!("{name}: the issuing CA certificate \"{issuer_dn}\" is not installed"),
    );
    f.summary = format!(
        "The chain of {name}'s certificate stops at \"{cert}\": its issuer is not in LocalMachine\\CA, My or Root. \
         Neither this machine nor its peers can build the chain to the root. Revocation is not checked."
    );
    ctx.add_selection(&mut f, i);
    match &found {
        Some(l) => {
            f.add(
                Nature::Observed,
                Source::Chain {
                    validator: name.clone(),
                    chain: own.display(),
                },
                format!(
                    "issuer \"{issuer_dn}\"{} is available in {} but not installed on {name}",
                    aki.as_ref()
                        .map(|a| format!(" (key id {a})"))
                        .unwrap_or_default(),
                    l.origin
                ),
            );
            f.signal(Signal::StaticFact);
        }
        None => {
            f.add(
                Nature::Inference,
                Source::Chain {
                    validator: name.clone(),
                    chain: own.display(),
                },
                format!(
                    "issuer \"{issuer_dn}\"{} is in no store or file of the case (it may be an intermediate or the root itself)",
                    aki.as_ref().map(|a| format!(" (key id {a})")).unwrap_or_default()
                ),
            );
            f.signal(Signal::StaticInference);
        }
    }
    let evs = ctx.trust_events(i, &[CodeClass::Chaining, CodeClass::UntrustedCa]);
    if !evs.is_empty() {
        ctx.add_events(&mut f, i, &evs, "");
        f.signal(Signal::Agreement);
        f.explain(i, evs);
        f.explain(i, ctx.local_symptoms(i));
    }
    ctx.peer_rejections(&mut f, i, &[CodeClass::Chaining, CodeClass::UntrustedCa]);
    let issuer_words = format!(
        "the issuing CA certificate \"{issuer_dn}\"{}",
        aki.as_ref().map(|a| format!(" (key id {a})")).unwrap_or_default()
    );
    let located = found
        .as_ref()
        .and_then(|l| super::remedy::locate(ctx, &l.thumbprint));
    let file = match &located {
        Some(loc) => super::remedy::fetch_certificate(&mut f, ctx, loc),
        None => {
            f.step(
                &name,
                format!(
                    "Get {issuer_words} from the CA that issued {name}'s certificate (on the CA: `certutil -ca.cert`, or its AIA URL), or ask for a full-chain .p7b of the certificate"
                ),
                None,
            );
            "<issuing-ca.cer>".to_string()
        }
    };
    let mut targets = vec![name.clone()];
    for v in super::remedy::validators_of(ctx, i) {
        if !targets.contains(&v) {
            targets.push(v);
        }
    }
    super::remedy::add_to_store(
        &mut f,
        ctx,
        &targets,
        TrustStore::Intermediate,
        &issuer_words,
        &file,
        located.as_ref(),
    );
    if let Some((e, _)) = ctx.channel(i) {
        f.step(
            &name,
            "Check that the chain now builds (the output must end with \"CertUtil: -verifystore command completed successfully\" and show no chain error)",
            Some(format!("certutil -verifystore My {}", e.cert.thumbprint_sha1)),
        );
    }
    super::remedy::restart_each(&mut f, ctx, &targets);
    f.cannot_see
        .push("certificates Windows could fetch through the AIA extension at run time".into());
    f.cannot_see.push(REVOCATION_NOTE.into());
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::chain::tests::{ca, cert};
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::rules::Cause;

    #[test]
    fn intermediate_in_p7b_but_not_installed() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(
                cert("gw01.dmz.contoso.com", "Issuing CA", "L1"),
                StoreName::My,
            )
            .channel(0)
            .cert(ca("Root CA", "Root CA", "R"), StoreName::Root)
            .chain_file(ca("Issuing CA", "Root CA", "I"))
            .build();
        let f = run(vec![gw]);
        let x = find(&f, Cause::MissingIntermediate, "gw01.dmz.contoso.com").expect("finding");
        assert!(
            x.evidence.iter().any(|e| e.text.contains("certnew.p7b")),
            "{:?}",
            x.evidence
        );
        assert!(find(&f, Cause::UntrustedRoot, "gw01.dmz.contoso.com").is_none());
    }

    #[test]
    fn complete_chain_no_finding() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(
                cert("gw01.dmz.contoso.com", "Issuing CA", "L1"),
                StoreName::My,
            )
            .channel(0)
            .cert(ca("Root CA", "Root CA", "R"), StoreName::Root)
            .cert(ca("Issuing CA", "Root CA", "I"), StoreName::Ca)
            .build();
        assert!(find(
            &run(vec![gw]),
            Cause::MissingIntermediate,
            "gw01.dmz.contoso.com"
        )
        .is_none());
    }
}
