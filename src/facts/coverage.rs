//! Coverage: the checks that cannot run for want of an input, each naming the input that would
//! enable it. Assembled in this one place.

use super::{CaseFacts, CheckNotRun};

/// Every check that cannot run in this case, with the missing input.
pub(crate) fn base_checks_not_run(case: &CaseFacts) -> Vec<CheckNotRun> {
    let mut out = Vec::new();
    for m in &case.machines {
        let name = m.name();
        let mut add = |check: &str, missing: &str, why: &str| {
            out.push(CheckNotRun {
                check: check.into(),
                machine: name.clone(),
                missing_input: missing.into(),
                why: why.into(),
            })
        };
        if !m.inputs.opsmgr_registry {
            add(
                "registry serial comparison",
                "registry/opsmgr.reg (reg export of HKLM\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0)",
                "without Machine Settings\\ChannelCertificateSerialNumber the configured certificate cannot be identified or compared",
            );
        }
        if !m.inputs.opsmgr_log {
            add(
                "event correlation",
                "eventlogs/Operations Manager.evtx",
                "certificate load results, connection failures and approval events cannot be seen or linked to causes",
            );
        } else if !m.inputs.scom_events {
            add(
                "event correlation",
                "OpsMgr Connector or HealthService events: the event log given holds none (is it an export of the Operations Manager log?)",
                "certificate load results, connection failures and approval events cannot be seen or linked to causes",
            );
        }
        if !m.inputs.key_facts_known() {
            add(
                "private-key checks (presence, KeySpec, CSP or KSP)",
                "certificates/inventory.json or registry/systemcertificates.reg",
                ".cer and .p7b files never carry private-key facts",
            );
        }
        if !m.inputs.roots_known() {
            add(
                "trusted-root checks on this machine",
                "certificates/LocalMachine/Root/*.cer or registry/systemcertificates.reg",
                "without the machine's trusted roots neither its own chain nor its trust of peers can be judged",
            );
        }
        if m.collected_at.as_ref().is_none_or(|t| t.from_clock) {
            add(
                "validity at collection time",
                "manifest.json collected_at (or any event log)",
                if m.collected_at.is_some() {
                    "no input carries a collection time: validity was judged against the analyzer's clock instead, which may be later than when the files were taken"
                } else {
                    "validity is judged at the bundle's collection time, never the analyzer's clock"
                },
            );
        }
        if m.identity.fqdn.is_none() {
            add(
                "certificate name check",
                "manifest.json computer.fqdn or registry/tcpip.reg",
                "the name on the certificate must equal the machine's FQDN",
            );
        }
    }
    if !case.machines.is_empty() {
        out.push(CheckNotRun {
            check: "revocation".into(),
            machine: "all machines".into(),
            missing_input: "nothing a bundle can hold: revocation needs the CRL or OCSP responder, which an offline analysis cannot reach".into(),
            why: "a revoked certificate or an unreachable CRL (0x80092013) is not detected from certificates; only events show it".into(),
        });
    }
    // Cross-machine checks toward a parent whose bundle is missing.
    if case.machines.len() > 1 {
        for m in &case.machines {
            for p in m.parent_names() {
                if case.find_machine(&p).is_none() {
                    out.push(CheckNotRun {
                        check: format!("trust and approval between {} and {p}", m.name()),
                        machine: m.name(),
                        missing_input: format!("the bundle of {p}"),
                        why: "cross-machine checks (does each side trust the other's CA, did the parent log 20000 for this machine) need both bundles".into(),
                    });
                }
            }
        }
    }
    if case.machines.len() == 1 {
        let m = &case.machines[0];
        // The same parent may be listed under several management groups: name it once.
        let mut parents: Vec<String> = m.parents.iter().map(|p| p.network_name.clone()).collect();
        parents.sort();
        parents.dedup();
        let missing = if parents.is_empty() {
            "the bundle of the peer (parent management server or gateway, or the child)".to_string()
        } else {
            format!("the bundle of {}", parents.join(", "))
        };
        out.push(CheckNotRun {
            check: "peer trust in both directions".into(),
            machine: m.name(),
            missing_input: missing,
            why: "whether the peer trusts this machine's CA (and the other way round) needs the peer's trusted roots".into(),
        });
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::Mb;

    #[test]
    fn a_parent_listed_under_two_management_groups_is_named_once() {
        let m = Mb::new("gw01.dmz.contoso.com", "gateway")
            .parent("ms01.contoso.com")
            .parent("ms01.contoso.com")
            .build();
        let case = CaseFacts {
            machines: vec![m],
            ..CaseFacts::default()
        };
        let peer = base_checks_not_run(&case)
            .into_iter()
            .find(|c| c.check == "peer trust in both directions")
            .expect("peer check not run");
        assert_eq!(peer.missing_input, "the bundle of ms01.contoso.com");
    }
}
