//! `peer_untrusted`: a machine does not trust the CA of its peer's certificate (§4.10, §5.5).
//! Cross-machine: for each child → parent pair in the case, the chain of each side's channel
//! certificate is built as the other side would build it (both machines' installed
//! intermediates, the validator's trusted roots). Single machine: a current 20072 (or 20067,
//! 20057) with an untrusted-root or chaining code while the machine trusts its own root.
//! The finding belongs to the machine whose certificate the peer does not trust (the corpus
//! convention); its evidence and its remediation steps name the peer, where the fix is made.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::untrusted_root::own_untrusted_root;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};
use super::remedy::{restart_health_service, TrustStore};
use crate::chain::{ChainBreak, REVOCATION_NOTE};
use crate::facts::timeline::norm_peer;
use crate::knowledge::error_codes::CodeClass;
use crate::knowledge::events::Role;
use crate::finding::Signal;

const TRUST_CLASSES: &[CodeClass] = &[
    CodeClass::UntrustedRoot,
    CodeClass::Chaining,
    CodeClass::UntrustedCa,
];

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("peer_untrusted", check).reading(&[EventKind::PeerCertUntrusted, EventKind::PeerCertInvalid, EventKind::ClosedBeforeAuth, EventKind::ChannelDown]);

/// Run the rule.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut pairs: Vec<(usize, usize)> = Vec::new(); // (validator, owner)
    for e in &ctx.edges {
        for (v, o) in [(e.parent, e.child), (e.child, e.parent)] {
            if !pairs.contains(&(v, o)) {
                pairs.push((v, o));
            }
        }
    }
    for (v, o) in pairs {
        if let Some(f) = cross(ctx, v, o) {
            out.push(f);
        }
    }
    for i in 0..ctx.len() {
        if let Some(f) = single(ctx, i, &out) {
            out.push(f);
        }
    }
    out
}

fn cross(ctx: &CaseView<'_>, v: usize, o: usize) -> Option<Finding> {
    let vm = ctx.m(v);
    if !vm.inputs.roots_known() {
        return None;
    }
    // A machine without a certificate of its own authenticates with Kerberos and does not
    // validate peer certificates (unless its log shows it doing so).
    if ctx.views[v].channel.is_none() && ctx.events_about(v, o, &sets::PEER_CERT_REJECTED).is_empty() {
        return None;
    }
    let (ci, _) = ctx.views[o].channel?;
    // A machine that does not trust its own root is `untrusted_root`, unless the peer's root differs.
    let chain = ctx.chain_for(o, ci, v, false);
    let broken = chain.broken.clone()?;
    let what = match &broken {
        ChainBreak::RootNotTrusted { root, .. } => {
            if let Some((own_root, _, _)) = own_untrusted_root(ctx, v) {
                if own_root == *root {
                    return None;
                }
            }
            format!(
                "its chain ends in \"{root}\", which is not in {}'s trusted root stores",
                ctx.name(v)
            )
        }
        ChainBreak::MissingIssuer { issuer_dn, .. } if owner_misses_issuer(ctx, o, issuer_dn) => {
            // The owner cannot build its own chain either: the intermediate is missing on the
            // machine whose certificate it is (`missing_intermediate`), not a trust decision
            // of the peer.
            return None;
        }
        ChainBreak::MissingIssuer { issuer_dn, aki, .. } => format!(
            "{} cannot build its chain: issuer \"{issuer_dn}\"{} is neither on {} nor on {}",
            ctx.name(v),
            aki.as_ref()
                .map(|a| format!(" (key id {a})"))
                .unwrap_or_default(),
            ctx.name(o),
            ctx.name(v)
        ),
        ChainBreak::BadSignature { cert, issuer } => {
            format!("the signature of \"{cert}\" does not verify with \"{issuer}\"")
        }
        b @ (ChainBreak::NotACa { .. }
        | ChainBreak::NoCertSign { .. }
        | ChainBreak::PathLenExceeded { .. }
        | ChainBreak::NotYetValidCa { .. }) => {
            format!("its chain breaks a CA constraint that Windows enforces: {b}")
        }
        _ => return None,
    };
    let vn = ctx.name(v);
    let on = ctx.name(o);
    let (oe, _) = ctx.channel(o)?;
    let mut f = ctx.finding(Cause::PeerUntrusted, o,
        format!(
            "{vn} does not trust the certificate of {on} (\"{}\")",
            oe.cert.subject
        ),
    );
    f.summary = format!(
        "Each side of the channel validates the other's certificate against its own LocalMachine\\Root. \
         {on}'s certificate does not chain to a root {vn} trusts. Revocation is not checked."
    );
    f.add(
        Nature::Observed,
        Source::Chain {
            validator: vn.clone(),
            chain: chain.display(),
        },
        format!(
            "{on}'s channel certificate \"{}\" ({}): {what}",
            oe.cert.subject, oe.cert.thumbprint_sha1
        ),
    );
    f.signal(Signal::StaticFact);
    // Where the missing root lives.
    let root_here = ctx.views[o]
        .own_chain
        .as_ref()
        .and_then(|c| c.links.last())
        .cloned();
    if let Some(l) = &root_here {
        f.add(
            Nature::Observed,
            Source::Chain {
                validator: on.clone(),
                chain: ctx.views[o]
                    .own_chain
                    .as_ref()
                    .map(|c| c.display())
                    .unwrap_or_default(),
            },
            format!(
                "on {on} the chain ends in \"{}\" ({}), found in {}",
                l.subject, l.thumbprint, l.origin
            ),
        );
    }
    let evs: Vec<usize> = ctx
        .events_about(v, o, &sets::PEER_CERT_REJECTED)
        .into_iter()
        .filter(|e| ctx.m(v).timeline.in_current_epoch(*e))
        .filter(|e| {
            ctx.code_class(v, *e)
                .is_none_or(|c| TRUST_CLASSES.contains(&c))
        })
        .collect();
    ctx.signature_events(&mut f, v, &evs, true);
    let sym = ctx.failures_toward(o, v, &sets::CLOSED_OR_CHANNEL_FAILED);
    if !sym.is_empty() {
        ctx.add_events(&mut f, o, &sym, &format!("on {on}: "));
        f.signal(Signal::PeerConfirmation);
        f.explain(o, sym);
    }
    let mut targets = vec![vn.clone()];
    targets.extend(super::remedy::validators_of(ctx, o));
    targets.dedup();
    let mut seen: Vec<String> = Vec::new();
    targets.retain(|t| {
        let new = !seen.contains(t);
        seen.push(t.clone());
        new
    });
    match &broken {
        ChainBreak::RootNotTrusted { root, thumbprint } => {
            let what = format!("the root \"{root}\" (thumbprint {thumbprint}) of {on}'s certificate");
            match super::remedy::locate(ctx, thumbprint).filter(|l| l.self_issued) {
                Some(loc) => {
                    let file = super::remedy::fetch_certificate(&mut f, ctx, &loc);
                    super::remedy::add_to_store(&mut f, ctx, &targets, TrustStore::Root, &what, &file, Some(&loc));
                }
                None => super::remedy::add_to_store(
                    &mut f,
                    ctx,
                    &targets,
                    TrustStore::Root,
                    &format!("{what} (export it from the CA or from a machine that trusts it)"),
                    "<root-ca.cer>",
                    None,
                ),
            }
        }
        ChainBreak::MissingIssuer { issuer_dn, aki, .. } => {
            super::remedy::add_to_store(
                &mut f,
                ctx,
                &targets,
                TrustStore::Intermediate,
                &format!(
                    "the issuing CA certificate \"{issuer_dn}\"{} (from the CA, or a full-chain .p7b of {on}'s certificate)",
                    aki.as_ref().map(|a| format!(" (key id {a})")).unwrap_or_default()
                ),
                "<issuing-ca.cer>",
                None,
            );
        }
        ChainBreak::BadSignature { .. } => {
            f.step(
                &on,
                format!("Re-issue {on}'s certificate from its CA: the chain does not verify, so no trust-store change can fix it"),
                None,
            );
        }
        _ => {
            f.step(
                &on,
                format!(
                    "Re-issue {on}'s certificate from a CA whose own certificate may issue it (cA TRUE, keyCertSign, a path length that allows the chain, valid now): no trust-store change can fix a CA constraint"
                ),
                None,
            );
        }
    }
    super::remedy::restart_each(&mut f, ctx, &targets);
    f.cannot_see.push(REVOCATION_NOTE.into());
    Some(f)
}

/// Whether the owner's own chain (its installed certificates) breaks at the same missing issuer.
fn owner_misses_issuer(ctx: &CaseView<'_>, o: usize, issuer: &str) -> bool {
    matches!(
        ctx.views[o].own_chain.as_ref().and_then(|c| c.broken.as_ref()),
        Some(ChainBreak::MissingIssuer { issuer_dn, .. }) if issuer_dn == issuer
    )
}

fn single(ctx: &CaseView<'_>, i: usize, already: &[Finding]) -> Option<Finding> {
    let m = ctx.m(i);
    // Only when the machine trusts its own root (otherwise: untrusted_root).
    let own_trusted = m.inputs.roots_known()
        && ctx.views[i]
            .own_chain
            .as_ref()
            .is_some_and(|c| c.is_trusted());
    if !own_trusted {
        return None;
    }
    let evs = ctx.trust_events(i, TRUST_CLASSES);
    if evs.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let last = ctx.ev(i, evs[evs.len() - 1]);
    let peer = last
        .role(Role::RemoteName)
        .or_else(|| last.role(Role::Spn))
        .or_else(|| last.role(Role::RemoteIp))
        .map(norm_peer)
        .unwrap_or_else(|| "its peer".into());
    let pj = ctx.case.find_machine(&peer);
    if pj.is_some_and(|j| {
        matches!(
            ctx.views[j].own_chain.as_ref().and_then(|c| c.broken.as_ref()),
            Some(ChainBreak::MissingIssuer { .. })
        )
    }) {
        // The peer's own chain is incomplete: `missing_intermediate` on the peer explains it.
        return None;
    }
    if already.iter().any(|f| {
        f.cause == Cause::PeerUntrusted
            && ((f.machine.is_some() && f.machine == pj) || f.machine_name == peer)
    }) {
        return None;
    }
    let title = format!("{name} does not trust the certificate of {peer}");
    let mut f = match pj {
        Some(j) => ctx.finding(Cause::PeerUntrusted, j, title),
        None => ctx.finding_named(Cause::PeerUntrusted, &peer, title),
    };
    f.summary = format!(
        "{name} trusts the root of its own certificate but reports the peer's certificate as untrusted: the peer's \
         certificate comes from a CA whose root (or intermediate) {name} does not have. Revocation is not checked."
    );
    ctx.signature_events(&mut f, i, &evs, false);
    if let Some((c, Some(d))) = ctx.code(i, evs[evs.len() - 1]) {
        f.add(
            Nature::Inference,
            ctx.ev_source(i, evs[evs.len() - 1]),
            format!(
                "{} = {}: {}",
                crate::knowledge::error_codes::format_code(c),
                d.symbol,
                d.meaning
            ),
        );
    }
    if let Some(c) = &ctx.views[i].own_chain {
        f.add(
            Nature::Observed,
            Source::Chain {
                validator: name.clone(),
                chain: c.display(),
            },
            format!("{name}'s own certificate chains to a trusted root"),
        );
    }
    f.explain(i, ctx.local_symptoms(i));
    let class = ctx.code_class(i, evs[evs.len() - 1]);
    if class == Some(CodeClass::UntrustedRoot) {
        super::remedy::add_to_store(
            &mut f,
            ctx,
            std::slice::from_ref(&name),
            TrustStore::Root,
            &format!("the self-signed root CA certificate at the top of {peer}'s chain"),
            "<peer-root-ca.cer>",
            None,
        );
    } else {
        f.step(
            &name,
            format!(
                "Get the full chain of {peer}'s certificate (a .p7b from its CA, or `certutil -verify` output on {peer}); the code says a link of it cannot be built here"
            ),
            None,
        );
        super::remedy::add_to_store(
            &mut f,
            ctx,
            std::slice::from_ref(&name),
            TrustStore::Intermediate,
            &format!("each intermediate CA certificate of {peer}'s chain"),
            "<intermediate-ca.cer>",
            None,
        );
        super::remedy::add_to_store(
            &mut f,
            ctx,
            std::slice::from_ref(&name),
            TrustStore::Root,
            "its self-signed root, if this machine does not trust it yet",
            "<peer-root-ca.cer>",
            None,
        );
    }
    restart_health_service(&mut f, ctx, i);
    f.cannot_see.push(format!(
        "{peer}'s certificate and chain (its bundle is not part of the case)"
    ));
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::chain::tests::{ca, cert};
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    fn pair(ms_trusts_dmz: bool) -> Vec<crate::facts::MachineFacts> {
        let mut ms = Mb::new("ms01.contoso.com", "management_server")
            .cert(cert("ms01.contoso.com", "Corp Root", "M1"), StoreName::My)
            .channel(0)
            .cert(ca("Corp Root", "Corp Root", "R1"), StoreName::Root)
            .event(20053, 10, &[])
            .event(
                20072,
                500,
                &["gw01.dmz.contoso.com", "0x800B0109", "untrusted"],
            );
        if ms_trusts_dmz {
            ms = ms.cert(ca("DMZ Root", "DMZ Root", "R2"), StoreName::Root);
        }
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(
                cert("gw01.dmz.contoso.com", "DMZ Root", "G1"),
                StoreName::My,
            )
            .channel(0)
            .cert(ca("DMZ Root", "DMZ Root", "R2"), StoreName::Root)
            .cert(ca("Corp Root", "Corp Root", "R1"), StoreName::Root)
            .parent("ms01.contoso.com")
            .event(20053, 10, &[])
            .event(20071, 600, &["ms01.contoso.com"])
            .event(21016, 601, &["ms01.contoso.com"])
            .build();
        vec![ms.build(), gw]
    }

    #[test]
    fn ms_not_trusting_the_gateway_ca_is_found_on_the_ms() {
        let f = run(pair(false));
        let p = find(&f, Cause::PeerUntrusted, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(p.confidence, Confidence::High);
        assert!(p.title.starts_with("ms01.contoso.com does not trust"));
        // The trust change is made on the server; the root is exported from the gateway, which
        // holds it, and only a self-signed root goes to Root.
        let adds: Vec<_> = p
            .remediation
            .iter()
            .filter(|s| s.command.as_deref().is_some_and(|c| c.starts_with("certutil -addstore Root")))
            .collect();
        assert!(!adds.is_empty());
        assert!(adds.iter().all(|s| s.on == "ms01.contoso.com" && !s.template));
        let export = p
            .remediation
            .iter()
            .find(|s| s.command.as_deref().is_some_and(|c| c.starts_with("certutil -store Root")))
            .expect("an export step");
        assert_eq!(export.on, "gw01.dmz.contoso.com");
        assert!(find(&f, Cause::PeerUntrusted, "ms01.contoso.com").is_none());
        assert!(find(&f, Cause::UntrustedRoot, "ms01.contoso.com").is_none());
        // the gateway's 20071/21016 and the server's 20072 are explained by it
        assert!(p.explains.iter().any(|r| r.machine == 1));
        assert!(p.explains.iter().any(|r| r.machine == 0));
    }

    #[test]
    fn trust_in_both_directions_no_finding() {
        let mut machines = pair(true);
        // drop the 20072 by rebuilding the ms without it
        machines[0] = Mb::new("ms01.contoso.com", "management_server")
            .cert(cert("ms01.contoso.com", "Corp Root", "M1"), StoreName::My)
            .channel(0)
            .cert(ca("Corp Root", "Corp Root", "R1"), StoreName::Root)
            .cert(ca("DMZ Root", "DMZ Root", "R2"), StoreName::Root)
            .build();
        let f = run(machines);
        assert!(
            f.iter().all(|x| x.cause != Cause::PeerUntrusted),
            "{:?}",
            f.iter().map(|x| &x.title).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_ca_constraint_break_is_reported_with_a_reissue_not_a_trust_change() {
        // The gateway's issuer lacks keyCertSign: the server rejects the chain whatever it trusts.
        let mut bad_ca = ca("DMZ Issuing", "Corp Root", "I2");
        bad_ca.key_usage = Some(scomtriage_parsers::x509::KeyUsage {
            bits: 0x5,
            critical: true,
        });
        let ms = Mb::new("ms01.contoso.com", "management_server")
            .cert(cert("ms01.contoso.com", "Corp Root", "M1"), StoreName::My)
            .channel(0)
            .cert(ca("Corp Root", "Corp Root", "R1"), StoreName::Root)
            .event(20053, 10, &[])
            .build();
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "DMZ Issuing", "G1"), StoreName::My)
            .channel(0)
            .cert(bad_ca, StoreName::Ca)
            .cert(ca("Corp Root", "Corp Root", "R1"), StoreName::Root)
            .parent("ms01.contoso.com")
            .event(20053, 10, &[])
            .build();
        let f = run(vec![ms, gw]);
        let p = find(&f, Cause::PeerUntrusted, "gw01.dmz.contoso.com").expect("finding");
        assert!(p.evidence.iter().any(|e| e.text.contains("keyCertSign")));
        assert!(p
            .remediation
            .iter()
            .all(|s| s.command.as_deref().is_none_or(|c| !c.starts_with("certutil -addstore"))));
        assert!(p.remediation.iter().any(|s| s.text.starts_with("Re-issue")));
    }
}
