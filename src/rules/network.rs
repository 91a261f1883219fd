//! `network`: the TCP connection to the parent fails (21006 with a Winsock code such as
//! 10060 timed out or 10061 refused, §5.7), currently (after the last proof the channel worked).
//! The parent's bundle showing its Health Service not running agrees with 10061.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::each_peer;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};
use crate::facts::timeline::norm_peer;
use crate::knowledge::error_codes::{format_code, CodeClass};
use crate::knowledge::events::Role;
use crate::finding::Signal;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("network", check).reading(&[EventKind::Connect, EventKind::ChannelDown]);

/// Run the rule.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_peer(ctx, check_peer)
}

fn check_peer(ctx: &CaseView<'_>, i: usize, p: &str) -> Option<Finding> {
    let evs: Vec<usize> = ctx
        .failures_toward_peer(i, p, &sets::CONNECT_FAILED)
        .into_iter()
        .filter(|e| {
            ctx.code_class(i, *e)
                .is_none_or(|c| c == CodeClass::Network)
        })
        .collect();
    if evs.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let pn = ctx.peer_display(p);
    let last = ctx.ev(i, evs[evs.len() - 1]);
    let port = last.role(Role::Port).unwrap_or("5723").to_string();
    let code = ctx.code(i, evs[evs.len() - 1]);
    let mut f = ctx.finding(Cause::Network, i,
        format!("{name} cannot open a TCP connection to {pn}:{port}"),
    );
    f.summary = format!("The connector's TCP connection to {pn} on port {port} fails, so no authentication takes place at all.");
    ctx.signature_events(&mut f, i, &evs, false);
    if let Some((c, d)) = code {
        let text = match d {
            Some(d) => format!(
                "{} = {}: {} — {}",
                format_code(c),
                d.symbol,
                d.meaning,
                d.likely_cause
            ),
            None => format!("Winsock error {}", format_code(c)),
        };
        f.add(Nature::Observed, ctx.ev_source(i, evs[evs.len() - 1]), text);
    }
    if let Some(j) = ctx.case.find_machine(p) {
        if let Some(st) = &ctx.m(j).hs_status {
            if !st.eq_ignore_ascii_case("running") {
                f.add(
                    Nature::Observed,
                    Source::Manifest {
                        machine: ctx.name(j),
                        field: "health_service.status".into(),
                    },
                    format!("{pn}'s Health Service status is \"{st}\" at collection"),
                );
                f.signal(Signal::PeerConfirmation);
            }
        }
    }
    f.explain(i, ctx.failures_toward_peer(i, p, &sets::CHANNEL_DOWN));
    let host = norm_peer(p);
    f.step(
        &name,
        format!("Test the connection to {host} on port {port}"),
        Some(format!("Test-NetConnection {host} -Port {port}")),
    );
    f.step(
        &name,
        "Open TCP 5723 from this machine to the parent in every firewall on the way (10060: packets dropped)",
        None,
    );
    f.step(
        &pn,
        "Check that the Health Service (Microsoft Monitoring Agent) runs on the parent and listens on 5723 (10061: refused)",
        Some("Get-Service HealthService; Get-NetTCPConnection -LocalPort 5723 -State Listen".into()),
    );
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn timeouts_to_the_parent() {
        let ag = Mb::new("ag01.contoso.com", "agent")
            .event(20053, 10, &[])
            .event(
                21006,
                100,
                &["ms01.contoso.com", "5723", "10060L", "timed out"],
            )
            .event(21016, 101, &["ms01.contoso.com"])
            .build();
        let f = run(vec![ag]);
        let n = find(&f, Cause::Network, "ag01.contoso.com").expect("finding");
        assert_eq!(n.confidence, Confidence::Medium);
        assert!(n.remediation.iter().any(
            |s| s.command.as_deref() == Some("Test-NetConnection ms01.contoso.com -Port 5723")
        ));
        assert_eq!(n.explains.len(), 2);
    }
}
