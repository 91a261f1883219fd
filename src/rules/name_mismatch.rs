//! `name_mismatch`: the name SCOM reads from the certificate (first DNS SAN if a SAN extension
//! exists, else the first CN; §4.2) is not the machine's FQDN (§4.3; the `%2` of a 20052 event
//! is the authoritative expected name). Compared case-insensitively, trailing dot stripped.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::{each_machine, static_signal};
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};
use super::remedy::register_and_restart_as;
use crate::facts::certs::{norm_name, scom_name};
use crate::knowledge::error_codes::CodeClass;
use crate::knowledge::events::Role;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("name_mismatch", check).local().reading(&[EventKind::CertLoadFailed]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    let all_20052 = ctx.any(i, &sets::NAME_REJECTED);
    let cur_20052 = ctx.current(i, &sets::NAME_REJECTED);
    let cur_20075 = ctx.current(i, &sets::NO_NAME_IN_CERT);
    // Expected name: the latest 20052's %2, else the FQDN.
    let from_event = all_20052
        .last()
        .and_then(|e| ctx.ev(i, *e).role(Role::ExpectedName))
        .map(norm_name)
        .filter(|s| !s.is_empty());
    let expected = from_event.clone().or_else(|| m.identity.fqdn.clone());
    let chan = ctx.channel(i);
    let cert_name = chan.and_then(|(e, _)| scom_name(&e.cert)).map(norm_name);
    let static_mismatch = match (&chan, &expected) {
        // A bare host name (e.g. a Computer field without domain) cannot disprove an FQDN on the
        // certificate with the same first label.
        (Some(_), Some(exp)) if from_event.is_none() && !exp.contains('.') => cert_name
            .as_deref()
            .is_none_or(|c| !crate::facts::timeline::names_match(c, exp)),
        (Some(_), Some(exp)) => cert_name.as_deref() != Some(exp.as_str()),
        _ => false,
    };
    if !static_mismatch && cur_20052.is_empty() && cur_20075.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let shown = cert_name.clone().unwrap_or_else(|| "(no name)".into());
    let title = match (&cert_name, &expected) {
        (Some(c), Some(x)) => format!("{name}: the certificate names \"{c}\", not \"{x}\""),
        (None, _) if chan.is_some() => {
            format!("{name}: no name can be read from the certificate (no DNS SAN, no CN)")
        }
        _ => format!("{name}: the certificate's name does not match the computer name"),
    };
    let mut f = ctx.finding(Cause::NameMismatch, i, title);
    f.summary = "SCOM takes the certificate's name as the first DNS name of the Subject Alternative Name extension when \
                 that extension exists, otherwise the first CN of the subject, and refuses to load the certificate \
                 (event 20052) when it differs from the computer's FQDN."
        .into();
    ctx.add_selection(&mut f, i);
    if let Some((e, sel)) = chan {
        let field = if e.cert.has_san {
            "SubjectAltName dNSName[0]"
        } else {
            "subject CN[0]"
        };
        let how = if e.cert.has_san {
            format!(
                "the certificate has a SAN extension, so SCOM uses its first DNS name \"{}\" (SAN: [{}]; subject CNs: [{}] are ignored)",
                e.cert.san_dns.first().cloned().unwrap_or_default(),
                e.cert.san_dns.join(", "),
                e.cert.subject_cns.join(", ")
            )
        } else {
            format!(
                "no SAN extension, so SCOM uses the first CN \"{}\" of \"{}\"",
                shown, e.cert.subject
            )
        };
        if static_mismatch {
            let expected = expected.clone().unwrap_or_default();
            f.add(
                Nature::inferred_if(sel.is_inference()),
                ctx.cert_source(i, e, field),
                format!("{how}; expected \"{expected}\""),
            );
            f.signal(static_signal(sel.is_inference()));
            if e.cert.subject_cns.len() > 1 {
                f.add(
                    Nature::Observed,
                    ctx.cert_source(i, e, "subject CN"),
                    format!(
                        "the subject has {} CNs ({}); only the first counts — do not put the FQDN and the NetBIOS name both in the subject",
                        e.cert.subject_cns.len(),
                        e.cert.subject_cns.join(", ")
                    ),
                );
            }
        }
    }
    match (&from_event, &m.identity.fqdn) {
        (Some(ev), _) => {
            let src =
                all_20052
                    .last()
                    .map(|e| ctx.ev_source(i, *e))
                    .unwrap_or(Source::Comparison {
                        machine: name.clone(),
                    });
            f.add(
                Nature::Observed,
                src,
                format!("expected name \"{ev}\" from event 20052 (the name SCOM itself expects)"),
            );
        }
        (None, Some(fq)) => {
            let src = match &m.identity.fqdn_source {
                Some(s) if s.contains("computer.fqdn") => Source::Manifest {
                    machine: name.clone(),
                    field: s.clone(),
                },
                _ => Source::Comparison {
                    machine: name.clone(),
                },
            };
            f.add(
                Nature::Observed,
                src,
                format!(
                    "machine FQDN \"{fq}\" from {}",
                    m.identity.fqdn_source.clone().unwrap_or_default()
                ),
            );
        }
        _ => {}
    }
    for d in &m.identity.disagreements {
        f.add(
            Nature::Observed,
            Source::Comparison {
                machine: name.clone(),
            },
            format!("identity sources disagree: {d}"),
        );
    }
    if ctx.signature_events(&mut f, i, &cur_20052, false) {
        let last = ctx.ev(i, cur_20052[cur_20052.len() - 1]);
        let ev_name = last.role(Role::Name).map(norm_name);
        if let (Some(a), Some(b)) = (&ev_name, &cert_name) {
            if a == b {
                f.signal(Signal::Agreement);
                f.add(
                    Nature::Observed,
                    ctx.ev_source(i, cur_20052[cur_20052.len() - 1]),
                    format!("event 20052 reports the same certificate name \"{a}\" the analyzer computed"),
                );
            }
        }
    } else if !ctx.signature_events(&mut f, i, &cur_20075, false) && !all_20052.is_empty() {
        f.signal(Signal::PastSignatureEvent);
        ctx.add_events(&mut f, i, &all_20052, "earlier run: ");
    }
    // Peers that reject this machine's name.
    ctx.peer_rejections(&mut f, i, &[CodeClass::NameMismatch]);
    if ctx.loaded_now(i) && static_mismatch && cur_20052.is_empty() {
        f.contradiction(Some("but the current Health Service run logged 20053 (certificate loaded): the expected name used here may not be the one SCOM uses"));
    }
    f.explain(i, cur_20052.iter().chain(cur_20075.iter()).copied());
    if ctx.load_failed_now(i) {
        f.explain(i, ctx.local_symptoms(i));
    }
    let fq = expected.clone().unwrap_or_else(|| name.clone());
    f.step(
        &name,
        format!(
            "Issue a certificate whose first DNS SAN is \"{fq}\" (or, without a SAN extension, whose subject is CN={fq}); keep Server and Client Authentication EKUs"
        ),
        None,
    );
    f.step(
        &name,
        "Import it with its private key into LocalMachine\\My",
        Some("Import-PfxCertificate -FilePath <file.pfx> -CertStoreLocation Cert:\\LocalMachine\\My -Password (Read-Host -AsSecureString)".into()),
    );
    register_and_restart_as(&mut f, ctx, i, Some(&fq));
    f.cannot_see.push("which name SCOM expects when no 20052 event exists (workgroup machines may be addressed by NetBIOS name; the FQDN is assumed)".into());
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
    fn san_first_name_wins_over_a_correct_cn() {
        let mut c = cert("gw01.dmz.contoso.com", "Issuing CA", "L1");
        c.has_san = true;
        c.san_dns = vec!["gw01".into(), "gw01.dmz.contoso.com".into()];
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .build();
        let f = run(vec![gw]);
        let n = find(&f, Cause::NameMismatch, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(n.confidence, Confidence::Medium);
        assert!(n.title.contains("\"gw01\""), "{}", n.title);
    }

    #[test]
    fn event_20052_agreeing_with_the_certificate_makes_it_high() {
        let c = cert("gw01", "Issuing CA", "L1");
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .event(20052, 100, &["gw01", "gw01.dmz.contoso.com"])
            .event(21021, 101, &[])
            .event(20071, 200, &["ms01.contoso.com"])
            .build();
        let f = run(vec![gw]);
        let n = find(&f, Cause::NameMismatch, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(n.confidence, Confidence::High);
        assert_eq!(f[0].cause, Cause::NameMismatch);
        assert!(n.explains.len() >= 3);
        assert!(n
            .remediation
            .iter()
            .any(|s| s.command.as_deref()
                == Some("MOMCertImport.exe /SubjectName gw01.dmz.contoso.com")));
    }

    #[test]
    fn matching_name_case_and_trailing_dot_is_no_finding() {
        let c = cert("GW01.DMZ.contoso.com.", "Issuing CA", "L1");
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .event(20053, 100, &[])
            .build();
        assert!(find(&run(vec![gw]), Cause::NameMismatch, "gw01.dmz.contoso.com").is_none());
    }

    #[test]
    fn a_bare_host_name_does_not_disprove_an_fqdn_certificate() {
        let c = cert("web01.dmz.contoso.com", "Issuing CA", "L1");
        let m = Mb::new("web01", "agent")
            .cert(c, StoreName::My)
            .channel(0)
            .build();
        assert!(find(&run(vec![m]), Cause::NameMismatch, "web01").is_none());
    }

    #[test]
    fn loaded_certificate_contradicts_a_computed_mismatch() {
        let c = cert("gw01", "Issuing CA", "L1");
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .event(20053, 100, &[])
            .build();
        let f = run(vec![gw]);
        let n = find(&f, Cause::NameMismatch, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(n.confidence, Confidence::Low);
    }
}
