//! `ms_lacks_certificate`: the management server has no certificate configured while children
//! that authenticate with certificates (gateways, workgroup agents, agents with a certificate)
//! connect to it (§5.9, S11). The children see the connection closed before authentication
//! (20071, then 21016). With only a child's bundle, a child that loads its own certificate but is
//! closed before authentication by its parent yields a low-confidence inference on the parent.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::each_machine;
use super::no_certificate_configured::needs_certificate;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};
use super::remedy::register_and_restart;
use crate::facts::identity::MachineRole;
use crate::facts::timeline::LoadOutcome;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("ms_lacks_certificate", check).refining(&[Cause::NoCertificateConfigured]).reading(&[EventKind::NoCertificateSpecified, EventKind::AuthFailure, EventKind::ChannelDown, EventKind::ClosedBeforeAuth, EventKind::PeerCertUntrusted, EventKind::PeerCertInvalid]);

/// Run the rule.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    let mut out = each_machine(ctx, on_ms);
    for c in 0..ctx.len() {
        out.extend(from_child(ctx, c));
    }
    out
}

/// The static fact: the management server's registry export has no certificate serial.
fn no_serial_fact(f: &mut Finding, name: &str) {
    f.add(
        Nature::Observed,
        Source::Absence {
            machine: name.to_string(),
            what: "Machine Settings\\ChannelCertificateSerialNumber".into(),
        },
        "the management server's registry export has no ChannelCertificateSerialNumber",
    );
    f.signal(Signal::StaticFact);
}

fn child_needs_cert(ctx: &CaseView<'_>, c: usize) -> Option<String> {
    if ctx.views[c].channel.is_some() {
        return Some(format!("{} has a certificate configured", ctx.name(c)));
    }
    needs_certificate(ctx, c).map(|w| format!("{}: {w}", ctx.name(c)))
}

fn on_ms(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    if m.role() != MachineRole::ManagementServer || ctx.loaded_now(i) {
        return None;
    }
    let reg_absent = m.channel.registry_known && m.channel.serial.is_none();
    let cur_21022 = ctx.current(i, &sets::NO_CERTIFICATE_SPECIFIED);
    let epoch_none = matches!(
        m.timeline.latest_epoch().map(|e| e.load),
        Some(LoadOutcome::NoCertificate)
    );
    if !reg_absent && cur_21022.is_empty() && !epoch_none {
        return None;
    }
    let children: Vec<(usize, String)> = ctx
        .children_of(i)
        .into_iter()
        .filter_map(|e| child_needs_cert(ctx, e.child).map(|w| (e.child, w)))
        .collect();
    let rejected = ctx.current_failures(i, &sets::INCOMING_AUTH_FAILED);
    if children.is_empty() {
        return alone(ctx, i, reg_absent, &cur_21022, &rejected);
    }
    let name = ctx.name(i);
    let mut f =
        ctx.finding(Cause::MsLacksCertificate, i,
            format!(
            "management server {name} has no certificate, but {} authenticate{} with certificates",
            children.iter().map(|(c, _)| ctx.name(*c)).collect::<Vec<_>>().join(", "),
            if children.len() == 1 { "s" } else { "" }
        ),
        );
    f.summary = "Certificate authentication is mutual: the management server needs its own certificate (from a CA \
                 the children trust) to talk to gateways and workgroup agents."
        .into();
    if reg_absent {
        no_serial_fact(&mut f, &name);
    }
    ctx.signature_events(&mut f, i, &cur_21022, false);
    let mut confirmed = false;
    for (c, why) in &children {
        f.add(
            Nature::Observed,
            Source::Comparison {
                machine: ctx.name(*c),
            },
            why.clone(),
        );
        let sym = ctx.failures_toward(*c, i, &sets::CANNOT_CONNECT_TO_PARENT);
        if !sym.is_empty() {
            ctx.add_events(&mut f, *c, &sym, &format!("on {}: ", ctx.name(*c)));
            f.explain(*c, sym);
            confirmed = true;
        }
    }
    if confirmed {
        f.signal(Signal::PeerConfirmation);
    }
    f.explain(i, ctx.current(i, &sets::INCOMING_AUTH_OR_NO_CREDENTIALS));
    f.step(
        &name,
        format!("Obtain a certificate for {name} (Server and Client Authentication, exchange key in a legacy CSP) from a CA the children trust, and import it into LocalMachine\\My"),
        None,
    );
    register_and_restart(&mut f, ctx, i);
    Some(f)
}

/// The management server's bundle alone: no certificate, and devices failing mutual
/// authentication against it in the current run.
fn alone(
    ctx: &CaseView<'_>,
    i: usize,
    reg_absent: bool,
    cur_21022: &[usize],
    rejected: &[usize],
) -> Option<Finding> {
    if rejected.is_empty() || ctx.len() > 1 && !ctx.children_of(i).is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let mut f = ctx.finding(Cause::MsLacksCertificate, i,
        format!("management server {name} has no certificate while devices fail mutual authentication against it"),
    );
    f.summary = "The management server has no certificate configured, and connecting devices fail mutual \
                 authentication (21002/20002). Gateways and workgroup agents authenticate with certificates, which \
                 needs a certificate on this server too. Add the children's bundles to confirm."
        .into();
    if reg_absent {
        no_serial_fact(&mut f, &name);
    }
    if !cur_21022.is_empty() {
        ctx.add_events(&mut f, i, cur_21022, "");
        if !reg_absent {
            f.signal(Signal::SignatureEvent);
        }
        f.explain(i, cur_21022.iter().copied());
    }
    ctx.add_events(&mut f, i, rejected, "");
    f.add(
        Nature::Inference,
        Source::Comparison {
            machine: name.clone(),
        },
        "which devices need certificates is not visible without their bundles",
    );
    f.signal(Signal::Symptom);
    f.explain(i, rejected.iter().copied());
    f.cannot_see
        .push("the connecting devices' configuration (certificate or Kerberos)".into());
    register_and_restart(&mut f, ctx, i);
    Some(f)
}

fn from_child(ctx: &CaseView<'_>, c: usize) -> Vec<Finding> {
    let m = ctx.m(c);
    if !ctx.loaded_now(c) || !ctx.trust_events(c, &[]).is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for peer in m.timeline.peers.keys() {
        if ctx.case.find_machine(peer).is_some() {
            continue;
        }
        let sym = ctx.failures_toward_peer(c, peer, &sets::CLOSED_BEFORE_AUTH);
        if sym.is_empty() || !ctx.current(c, &sets::PEER_CERT_REJECTED).is_empty() {
            continue;
        }
        let cn = ctx.name(c);
        let mut f = ctx.finding_named(
            Cause::MsLacksCertificate,
            peer,
            format!("{peer} closes {cn}'s connections before authentication: it may have no certificate (inference)"),
        );
        f.summary = format!(
            "{cn} loaded its own certificate (20053) but {peer} closes every connection before authentication \
             completes (20071). Without {peer}'s bundle this fits a parent with no certificate, or a parent that does \
             not trust {cn}'s CA; add {peer}'s bundle to decide."
        );
        ctx.add_events(&mut f, c, &sym, &format!("on {cn}: "));
        f.add(
            Nature::Inference,
            Source::Comparison { machine: cn.clone() },
            format!("{cn}'s own certificate loaded in the current run, so the failure is on {peer}'s side"),
        );
        f.signal(Signal::Symptom);
        f.explain(c, sym);
        f.explain(c, ctx.failures_toward_peer(c, peer, &sets::CHANNEL_FAILED));
        f.cannot_see
            .push(format!("{peer}'s registry, certificates and event log"));
        f.step(peer, format!("Check that {peer} has a certificate configured (event 20053 after its Health Service starts) and trusts {cn}'s root CA"), None);
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::chain::tests::cert;
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn ms_without_certificate_and_gateway_closed_before_auth() {
        let ms = Mb::new("ms01.contoso.com", "management_server")
            .event(21022, 10, &[])
            .build();
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "G1"), StoreName::My)
            .channel(0)
            .parent("ms01.contoso.com")
            .event(20053, 10, &[])
            .event(20071, 100, &["ms01.contoso.com"])
            .event(21016, 101, &["ms01.contoso.com"])
            .build();
        let f = run(vec![ms, gw]);
        let x = find(&f, Cause::MsLacksCertificate, "ms01.contoso.com").expect("finding");
        assert_eq!(x.confidence, Confidence::High);
        assert_eq!(f[0].cause, Cause::MsLacksCertificate);
        assert!(find(&f, Cause::NoCertificateConfigured, "ms01.contoso.com").is_none());
    }

    #[test]
    fn ms_alone_with_rejected_devices_is_medium() {
        let ms = Mb::new("ms01.contoso.com", "management_server")
            .event(21022, 10, &[])
            .event(21002, 100, &["10.20.0.15:50123"])
            .build();
        let f = run(vec![ms]);
        let x = find(&f, Cause::MsLacksCertificate, "ms01.contoso.com").expect("finding");
        assert_eq!(x.confidence, Confidence::Medium);
    }

    #[test]
    fn child_alone_gives_a_low_inference() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(cert("gw01.dmz.contoso.com", "CA", "G1"), StoreName::My)
            .channel(0)
            .event(20053, 10, &[])
            .event(20071, 100, &["ms01.contoso.com"])
            .build();
        let f = run(vec![gw]);
        assert_eq!(
            find(&f, Cause::MsLacksCertificate, "ms01.contoso.com").map(|x| x.confidence),
            Some(Confidence::Low)
        );
    }
}
