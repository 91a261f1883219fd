//! `not_approved`: the child authenticates, then the parent closes the connection because the
//! child is not an approved member of the management group (§5.1): the child logs 20070 (and
//! 21016/21015) toward its parent; the parent logs 20000 naming the child (or 20001 when the
//! management group rejects manually installed agents). The parent's 20000 naming the child that
//! logs 20070 is the strongest evidence. A parent's bundle alone yields findings for the
//! children its 20000 events name.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::each_peer;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};
use crate::facts::certs::norm_name;
use crate::facts::identity::MachineRole;
use crate::facts::timeline::norm_peer;
use crate::knowledge::events::Role;
use crate::finding::Signal;

/// How far back before collection a parent's 20000 counts as recent.
pub const RECENT_SECS: i64 = 86_400;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("not_approved", check).reading(&[EventKind::UnknownDevice, EventKind::ClosedAfterAuth, EventKind::ChannelDown]);

/// Run the rule.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    let mut out = each_peer(ctx, child_side);
    for p in 0..ctx.len() {
        out.extend(parent_only(ctx, p, &out));
    }
    out
}

fn recent(ctx: &CaseView<'_>, m: usize, e: usize) -> bool {
    let mf = ctx.m(m);
    let t = ctx.ev(m, e).time_us / 1_000_000;
    mf.timeline.in_current_epoch(e) || mf.at().is_some_and(|at| t >= at - RECENT_SECS)
}

fn remediation(
    ctx: &CaseView<'_>,
    f: &mut Finding,
    child: &str,
    child_role: MachineRole,
    parent: &str,
    parent_role: MachineRole,
) {
    let gateway_child = child_role == MachineRole::Gateway;
    if gateway_child
        || (child_role == MachineRole::Unknown && parent_role == MachineRole::ManagementServer)
    {
        f.step(
            parent,
            format!(
                "{}Approve the gateway on the management server with the Gateway Approval Tool (from the installation media's SupportTools folder)",
                if gateway_child { "" } else { "If the child is a gateway: " }
            ),
            Some(format!(
                "Microsoft.EnterpriseManagement.GatewayApprovalTool.exe /ManagementServerName={parent} /GatewayName={child} /Action=Create"
            )),
        );
        f.step(
            parent,
            "Only where the management server must initiate the connection (a gateway the management server reaches but that cannot reach it): approve with this variant instead",
            Some(format!(
                "Microsoft.EnterpriseManagement.GatewayApprovalTool.exe /ManagementServerName={parent} /GatewayName={child} /Action=Create /ManagementServerInitiatesConnection=True"
            )),
        );
    }
    if !gateway_child {
        f.step(
            parent,
            format!("Approve the agent in Pending Management (Operations Manager Shell on a management server{})", if parent_role == MachineRole::Gateway { "; the agent reports to a gateway" } else { "" }),
            Some(format!("Get-SCOMPendingManagement | Where-Object {{ $_.AgentName -eq '{child}' }} | Approve-SCOMPendingManagement")),
        );
        f.step(
            parent,
            "If the management group rejects manually installed agents (event 20001), allow them to request approval: Administration > Settings > Security",
            None,
        );
    }
    let _ = ctx;
    f.step(
        child,
        "After approval expect 21025/1210 on the child (21042 on the parent may appear briefly)",
        Some("Restart-Service HealthService".into()),
    );
}

fn child_side(ctx: &CaseView<'_>, c: usize, p: &str) -> Option<Finding> {
    let evs = ctx.failures_toward_peer(c, p, &sets::CLOSED_AFTER_AUTH);
    if evs.is_empty() {
        return None;
    }
    let cn = ctx.name(c);
    let pi = ctx.case.find_machine(p);
    let pn = pi.map(|j| ctx.name(j)).unwrap_or_else(|| norm_peer(p));
    let mut f = ctx.finding(Cause::NotApproved, c,
        format!(
            "{cn} is not approved by {pn}: the connection is closed right after authentication"
        ),
    );
    f.summary = format!(
        "{cn} authenticates to {pn}, which then drops the connection (20070): the parent does not know {cn} as an \
         approved member of its management group (pending approval, gateway not approved) or has no configuration for it yet."
    );
    ctx.signature_events(&mut f, c, &evs, false);
    f.explain(c, ctx.failures_toward_peer(c, p, &sets::CHANNEL_DOWN));
    let mut parent_role = MachineRole::Unknown;
    if let Some(j) = pi {
        parent_role = ctx.m(j).role();
        let seen: Vec<usize> = ctx
            .events_about(j, c, &sets::UNKNOWN_DEVICE)
            .into_iter()
            .filter(|e| recent(ctx, j, *e))
            .collect();
        if !seen.is_empty() {
            ctx.add_events(&mut f, j, &seen, &format!("on {pn}: "));
            f.add(
                Nature::Observed,
                ctx.ev_source(j, seen[seen.len() - 1]),
                format!("{pn}'s 20000 names {cn}, the machine that logs 20070"),
            );
            f.signal(Signal::PeerConfirmation);
            f.signal(Signal::Agreement);
            f.explain(j, seen);
        } else if ctx.m(j).inputs.opsmgr_log {
            f.add(
                Nature::Observed,
                Source::Absence {
                    machine: pn.clone(),
                    what: format!("event 20000 naming {cn}"),
                },
                format!("{pn}'s log has no recent 20000 naming {cn}: the parent may lack configuration rather than approval"),
            );
        }
    } else {
        f.cannot_see.push(format!(
            "{pn}'s event log (its 20000 events would name {cn} if it is pending approval)"
        ));
    }
    let child_role = ctx.m(c).role();
    remediation(ctx, &mut f, &cn, child_role, &pn, parent_role);
    Some(f)
}

fn parent_only(ctx: &CaseView<'_>, p: usize, existing: &[Finding]) -> Vec<Finding> {
    let m = ctx.m(p);
    let pn = ctx.name(p);
    let mut by_child: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for e in ctx.any(p, &sets::UNKNOWN_DEVICE) {
        if !recent(ctx, p, e) {
            continue;
        }
        if let Some(n) = ctx.ev(p, e).role(Role::RemoteName) {
            let n = norm_name(n);
            if !n.is_empty() {
                by_child.entry(n).or_default().push(e);
            }
        }
    }
    let mut out = Vec::new();
    for (child, evs) in by_child {
        // A child in the case speaks for itself (child_side), unless it has no event log.
        if let Some(ci) = ctx.case.find_machine(&child) {
            if ctx.m(ci).inputs.opsmgr_log
                || existing
                    .iter()
                    .any(|f| f.cause == Cause::NotApproved && f.machine == Some(ci))
            {
                continue;
            }
        }
        let mut f = ctx.finding_named(
            Cause::NotApproved,
            &child,
            format!("{child} tries to connect to {pn} but is not part of its management group"),
        );
        f.summary = format!(
            "{pn} logs 20000 for {child}: a health service that is not an approved member of the management group \
             (agent pending approval, or gateway not approved) keeps connecting."
        );
        ctx.add_events(&mut f, p, &evs, &format!("on {pn}: "));
        f.signal(Signal::SignatureEvent);
        f.explain(p, evs.iter().copied());
        f.cannot_see
            .push(format!("{child}'s own log (20070 there would confirm)"));
        remediation(ctx, &mut f, &child, MachineRole::Unknown, &pn, m.role());
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn child_20070_and_parent_20000_agree() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .parent("ms01.contoso.com")
            .event(20053, 10, &[])
            .event(20070, 100, &["ms01.contoso.com"])
            .event(21016, 101, &["ms01.contoso.com"])
            .build();
        let ms = Mb::new("ms01.contoso.com", "management_server")
            .event(20000, 100, &["gw01.dmz.contoso.com"])
            .build();
        let f = run(vec![gw, ms]);
        let n = find(&f, Cause::NotApproved, "gw01.dmz.contoso.com").expect("finding");
        assert_eq!(n.confidence, Confidence::High);
        assert!(n.remediation.iter().any(|s| s
            .command
            .as_deref()
            .is_some_and(|c| c.contains("/GatewayName=gw01.dmz.contoso.com"))));
        assert_eq!(f[0].cause, Cause::NotApproved);
    }

    #[test]
    fn resolved_after_configuration_received() {
        let ag = Mb::new("ag01.contoso.com", "agent")
            .event(20053, 10, &[])
            .event(20070, 100, &["ms01.contoso.com"])
            .event(21025, 300, &["MG1", "c"])
            .build();
        let f = run(vec![ag]);
        assert!(find(&f, Cause::NotApproved, "ag01.contoso.com").is_none());
    }

    #[test]
    fn parent_bundle_alone_names_the_child() {
        let ms = Mb::new("ms01.contoso.com", "management_server")
            .event(20000, 80_000, &["ag07.contoso.com"])
            .build();
        let f = run(vec![ms]);
        assert_eq!(
            find(&f, Cause::NotApproved, "ag07.contoso.com").map(|x| x.confidence),
            Some(Confidence::Medium)
        );
    }
}
