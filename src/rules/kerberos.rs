//! `kerberos`: authentication fails in Kerberos, not in certificates (§5.6): 20057 with a
//! Kerberos-class code (0x80090311 no authority, logon denied, time skew), 21001, 21012, and
//! SPN registration failures (21035, supporting only).

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::each_machine;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature};
use crate::facts::timeline::norm_peer;
use crate::knowledge::error_codes::{format_code, CodeClass};
use crate::knowledge::events::Role;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("kerberos", check).reading(&[EventKind::AuthFailure, EventKind::Spn, EventKind::ChannelDown]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let krb: Vec<usize> = ctx
        .current_failures(i, &sets::SECURITY_CONTEXT_FAILED)
        .into_iter()
        .filter(|e| {
            matches!(
                ctx.code_class(i, *e),
                Some(CodeClass::Kerberos | CodeClass::TimeSkew)
            )
        })
        .collect();
    let other = ctx.current_failures(i, &sets::KERBEROS_AUTH_FAILED);
    let spn = ctx.current(i, &sets::SPN_FAILED);
    if krb.is_empty() && other.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let target = krb
        .last()
        .or(other.last())
        .and_then(|e| {
            let ev = ctx.ev(i, *e);
            ev.role(Role::Spn).or_else(|| ev.role(Role::Peer))
        })
        .map(norm_peer)
        .unwrap_or_else(|| "its peer".into());
    let mut f = ctx.finding(Cause::Kerberos, i,
        format!("{name}: Kerberos mutual authentication with {target} fails"),
    );
    f.summary = "The connector negotiates Kerberos (same or trusted domains) and it fails: a domain controller \
                 cannot be reached, the SPN is missing or duplicated, or clocks are skewed. Certificates are not involved."
        .into();
    if ctx.signature_events(&mut f, i, &krb, false) {
        if let Some((c, Some(d))) = ctx.code(i, krb[krb.len() - 1]) {
            f.add(
                Nature::Observed,
                ctx.ev_source(i, krb[krb.len() - 1]),
                format!(
                    "{} = {}: {} ({})",
                    format_code(c),
                    d.symbol,
                    d.meaning,
                    d.likely_cause
                ),
            );
        }
    }
    if !other.is_empty() {
        ctx.add_events(&mut f, i, &other, "");
        if krb.is_empty() {
            f.signal(Signal::SignatureEvent);
        } else {
            f.signal(Signal::Agreement);
        }
    }
    if !spn.is_empty() {
        ctx.add_events(&mut f, i, &spn, "");
        f.explain(i, spn.iter().copied());
    }
    f.explain(i, krb.iter().chain(other.iter()).copied());
    f.explain(i, ctx.failures_toward_peer(i, &target, &sets::CHANNEL_FAILED));
    f.step(
        &name,
        format!("Check the SPN of {target} (duplicates break Kerberos)"),
        Some(format!("setspn -F -Q MSOMHSvc/{target}")),
    );
    f.step(
        &name,
        "Check that a domain controller is reachable (TCP/UDP 88, 389, 53)",
        Some("nltest /dsgetdc:<domain>".into()),
    );
    f.step(
        &name,
        "Check time synchronisation",
        Some("w32tm /query /status".into()),
    );
    f.step(
        &name,
        "If the machines are in untrusted domains or a workgroup, configure certificate authentication instead (MOMCertImport)",
        None,
    );
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn no_authority_could_be_contacted() {
        let ms = Mb::new("ms01.contoso.com", "management_server")
            .event(
                20057,
                100,
                &[
                    "MSOMHSvc/ms02.contoso.com",
                    "0x80090311",
                    "No authority could be contacted for authentication.",
                ],
            )
            .event(21016, 101, &["ms02.contoso.com"])
            .build();
        let f = run(vec![ms]);
        let k = find(&f, Cause::Kerberos, "ms01.contoso.com").expect("finding");
        assert_eq!(k.confidence, Confidence::Medium);
        assert!(k.title.contains("ms02.contoso.com"));
    }

    #[test]
    fn schannel_code_in_20057_is_not_kerberos() {
        let ms = Mb::new("ms01.contoso.com", "management_server")
            .event(
                20057,
                100,
                &["MSOMHSvc/gw01.dmz.contoso.com", "0x80090325", "untrusted"],
            )
            .build();
        assert!(find(&run(vec![ms]), Cause::Kerberos, "ms01.contoso.com").is_none());
    }
}
