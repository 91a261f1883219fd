//! `untrusted_root`: the machine does not trust the root CA of its own certificate's chain
//! (built with its installed certificates, §4.10), so it also cannot trust peers whose
//! certificates come from the same CA. Raised by 20072/20067/20057 with an untrusted-root code
//! on this machine. When the machine trusts its own root but not a peer's, the cause is
//! `peer_untrusted` instead. Revocation is not checked.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::each_machine;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};
use super::remedy::{restart_health_service, TrustStore};
use crate::chain::{ChainBreak, REVOCATION_NOTE};
use crate::knowledge::error_codes::CodeClass;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("untrusted_root", check).refining(&[Cause::PeerUntrusted]).reading(&[EventKind::ClosedBeforeAuth, EventKind::PeerCertUntrusted, EventKind::PeerCertInvalid, EventKind::AuthFailure]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

/// The root (subject, thumbprint) the machine's own chain ends in without trusting it, and the
/// chain text — whether it ends there with installed certificates or only with files.
pub fn own_untrusted_root(ctx: &CaseView<'_>, i: usize) -> Option<(String, String, String)> {
    if !ctx.m(i).inputs.roots_known() {
        return None;
    }
    let v = &ctx.views[i];
    for chain in [v.own_chain.as_ref(), v.full_chain.as_ref()]
        .into_iter()
        .flatten()
    {
        if let Some(ChainBreak::RootNotTrusted { root, thumbprint }) = &chain.broken {
            return Some((root.clone(), thumbprint.clone(), chain.display()));
        }
    }
    None
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    let own = own_untrusted_root(ctx, i);
    let own_trusted = m.inputs.roots_known()
        && ctx.views[i]
            .own_chain
            .as_ref()
            .is_some_and(|c| c.is_trusted());
    let evs = ctx.trust_events(i, &[CodeClass::UntrustedRoot]);
    if own.is_none() && (evs.is_empty() || own_trusted) {
        return None;
    }
    let name = ctx.name(i);
    let title = match &own {
        Some((root, _, _)) => {
            format!("{name} does not trust the root CA \"{root}\" of its own certificate")
        }
        None => format!("{name} does not trust the root CA of its peer's certificate"),
    };
    let mut f = ctx.finding(Cause::UntrustedRoot, i, title);
    f.summary = "Both ends of a SCOM channel must trust the root (and intermediates) of the other end's certificate in \
         LocalMachine\\Root. The same CA normally issues both certificates, so a machine that does not trust its \
         own root does not trust its peers either. Revocation is not checked."
        .into();
    ctx.add_selection(&mut f, i);
    if let Some((root, thumb, chain)) = &own {
        f.add(
            Nature::Observed,
            Source::Chain {
                validator: name.clone(),
                chain: chain.clone(),
            },
            format!(
                "the chain ends in \"{root}\" ({thumb}), which is not in LocalMachine\\Root, AuthRoot, the Group Policy or the Enterprise root stores"
            ),
        );
        f.signal(Signal::StaticFact);
    }
    if ctx.signature_events(&mut f, i, &evs, own.is_some()) {
        if let Some((c, Some(d))) = ctx.code(i, evs[evs.len() - 1]) {
            f.add(
                Nature::Inference,
                ctx.ev_source(i, evs[evs.len() - 1]),
                format!(
                    "{} = {}: {} (code → cause mapping: {})",
                    crate::knowledge::error_codes::format_code(c),
                    d.symbol,
                    d.meaning,
                    d.mark.label()
                ),
            );
        }
        f.explain(i, ctx.local_symptoms(i));
    }
    // Peers whose 20071 toward this machine fit (closed before authentication).
    for j in 0..ctx.len() {
        if j != i {
            let sym = ctx.failures_toward(j, i, &sets::CLOSED_BEFORE_AUTH);
            if !sym.is_empty() && own.is_some() {
                f.explain(j, sym);
            }
        }
    }
    match &own {
        Some((root, thumb, _)) => {
            let what = format!("the root \"{root}\" (thumbprint {thumb})");
            match super::remedy::locate(ctx, thumb).filter(|l| l.self_issued) {
                Some(loc) => {
                    let file = super::remedy::fetch_certificate(&mut f, ctx, &loc);
                    super::remedy::add_to_store(&mut f, ctx, std::slice::from_ref(&name), TrustStore::Root, &what, &file, Some(&loc));
                }
                None => super::remedy::add_to_store(&mut f, ctx, std::slice::from_ref(&name), TrustStore::Root, &what, "<root-ca.cer>", None),
            }
        }
        None => super::remedy::add_to_store(
            &mut f,
            ctx,
            std::slice::from_ref(&name),
            TrustStore::Root,
            "the self-signed root CA certificate of the peer's issuing CA (from the CA)",
            "<root-ca.cer>",
            None,
        ),
    }
    restart_health_service(&mut f, ctx, i);
    f.cannot_see.push(REVOCATION_NOTE.into());
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::chain::tests::{ca, cert};
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn own_root_missing_with_20072() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(
                cert("gw01.dmz.contoso.com", "Contoso Root", "L1"),
                StoreName::My,
            )
            .channel(0)
            .chain_file(ca("Contoso Root", "Contoso Root", "R1"))
            .event(20053, 10, &[])
            .event(
                20072,
                100,
                &["ms01.contoso.com", "0x800B0109", "untrusted root"],
            )
            .event(20071, 101, &["ms01.contoso.com"])
            .event(21016, 102, &["ms01.contoso.com"])
            .build();
        let f = run(vec![gw]);
        let u = find(&f, Cause::UntrustedRoot, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(u.confidence, Confidence::High);
        assert!(u.title.contains("Contoso Root"));
        assert_eq!(f[0].cause, Cause::UntrustedRoot);
        assert!(find(&f, Cause::PeerUntrusted, "gw01.dmz.contoso.com").is_none());
    }

    #[test]
    fn trusted_root_no_finding() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(
                cert("gw01.dmz.contoso.com", "Contoso Root", "L1"),
                StoreName::My,
            )
            .channel(0)
            .cert(ca("Contoso Root", "Contoso Root", "R1"), StoreName::Root)
            .event(20053, 10, &[])
            .build();
        assert!(find(&run(vec![gw]), Cause::UntrustedRoot, "gw01.dmz.contoso.com").is_none());
    }

    #[test]
    fn unknown_roots_do_not_claim_untrusted() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(
                cert("gw01.dmz.contoso.com", "Contoso Root", "L1"),
                StoreName::My,
            )
            .channel(0)
            .with(|m| {
                m.inputs.root_exports = false;
                m.inputs.store_registry = false;
            })
            .build();
        assert!(find(&run(vec![gw]), Cause::UntrustedRoot, "gw01.dmz.contoso.com").is_none());
    }
}
