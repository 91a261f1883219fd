//! `no_certificate_configured`: a machine that must authenticate with a certificate has no
//! `ChannelCertificateSerialNumber` (§5.3): a gateway, a workgroup agent, an agent reporting to
//! a gateway, or any machine logging 21007/21010. 21022 in the current run confirms. A
//! management server without a certificate is `ms_lacks_certificate` when its children need one.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::each_machine;
use super::{CaseView, Cause, Rule};
use crate::finding::{EventRef, Finding, Nature, Source};
use super::remedy::register_and_restart;
use crate::facts::identity::MachineRole;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("no_certificate_configured", check).local().reading(&[EventKind::NoCertificateSpecified, EventKind::AuthFailure]).expecting(expected_events);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

/// Why machine `i` needs a certificate, if it does.
pub fn needs_certificate(ctx: &CaseView<'_>, i: usize) -> Option<String> {
    let m = ctx.m(i);
    if m.role() == MachineRole::Gateway {
        return Some("a gateway always authenticates with a certificate".into());
    }
    if m.identity.domain_joined == Some(false) && m.role() != MachineRole::ManagementServer {
        return Some("the machine is not in a domain (workgroup): Kerberos is impossible".into());
    }
    if let Some(p) = ctx
        .parents_of(i)
        .into_iter()
        .find(|e| ctx.m(e.parent).role() == MachineRole::Gateway)
    {
        return Some(format!("its parent {} is a gateway", ctx.name(p.parent)));
    }
    if !ctx.current(i, &sets::NO_CREDENTIALS).is_empty() {
        return Some("the connector reports that no trusted domain and no certificate are available (21007/21010)".into());
    }
    None
}

/// 21022 events that are expected, not failures: machines that authenticate with Kerberos
/// (domain members whose parent is not a gateway) log "no certificate specified" at every start.
pub fn expected_events(ctx: &CaseView<'_>) -> Vec<(EventRef, String)> {
    let mut out = Vec::new();
    for i in 0..ctx.len() {
        let m = ctx.m(i);
        if m.role() == MachineRole::Gateway || needs_certificate(ctx, i).is_some() {
            continue;
        }
        if m.role() == MachineRole::ManagementServer
            && ctx.children_of(i).iter().any(|e| {
                ctx.views[e.child].channel.is_some()
                    || ctx.m(e.child).role() == MachineRole::Gateway
            })
        {
            continue;
        }
        for e in ctx.any(i, &sets::NO_CERTIFICATE_SPECIFIED) {
            out.push((
                EventRef {
                    machine: i,
                    event: e,
                },
                "no certificate specified: expected on a machine that authenticates with Kerberos"
                    .to_string(),
            ));
        }
    }
    out
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    let cur = ctx.current(i, &sets::NO_CERTIFICATE_SPECIFIED);
    let missing_in_registry = m.channel.registry_known && m.channel.serial.is_none();
    if !missing_in_registry && cur.is_empty() {
        return None;
    }
    if m.role() == MachineRole::ManagementServer {
        return None;
    }
    let why = needs_certificate(ctx, i)?;
    let name = ctx.name(i);
    let mut f = ctx.finding(Cause::NoCertificateConfigured, i,
        format!("{name}: no certificate is configured for SCOM"),
    );
    f.summary = format!("{name} needs certificate authentication ({why}) but no certificate is selected for the Health Service.");
    if missing_in_registry {
        f.add(
            Nature::Observed,
            Source::Absence {
                machine: name.clone(),
                what: "Machine Settings\\ChannelCertificateSerialNumber in the registry export"
                    .into(),
            },
            "the SCOM registry export has no ChannelCertificateSerialNumber value",
        );
        f.signal(Signal::StaticFact);
    }
    f.add(
        Nature::Inference,
        Source::Comparison {
            machine: name.clone(),
        },
        format!("a certificate is needed: {why}"),
    );
    ctx.signature_events(&mut f, i, &cur, missing_in_registry);
    if ctx.loaded_now(i) {
        f.contradiction(Some("but the current Health Service run logged 20053 (a certificate loaded): the registry export may be older than the run"));
    }
    f.explain(i, ctx.current(i, &sets::NO_CREDENTIALS));
    f.explain(i, ctx.local_symptoms(i));
    let cands = m.candidates();
    if let Some(c) = cands.first() {
        f.add(
            Nature::Observed,
            ctx.cert_source(i, &m.certs[*c], "subject"),
            format!(
                "LocalMachine\\My holds \"{}\" which could be selected",
                m.certs[*c].cert.subject
            ),
        );
    }
    f.step(
        &name,
        format!("Obtain a certificate for {name} (Server and Client Authentication, exchange key in a legacy CSP) from a CA both sides trust, and import it into LocalMachine\\My"),
        None,
    );
    register_and_restart(&mut f, ctx, i);
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn gateway_without_serial_and_21022() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .event(21022, 100, &[])
            .event(21016, 200, &["ms01.contoso.com"])
            .build();
        let f = run(vec![gw]);
        let n = find(&f, Cause::NoCertificateConfigured, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(n.confidence, Confidence::High);
    }

    #[test]
    fn domain_agent_without_certificate_is_fine() {
        let ag = Mb::new("ag01.contoso.com", "agent")
            .with(|m| m.identity.domain_joined = Some(true))
            .event(21022, 100, &[])
            .event(1210, 200, &["MG1", "x"])
            .build();
        let f = run(vec![ag]);
        assert!(strong(&f).is_empty(), "{:?}", strong(&f));
    }
}
