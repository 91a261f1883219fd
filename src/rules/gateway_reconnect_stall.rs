//! `gateway_reconnect_stall` — a HEURISTIC (reference §5.8, marked inference): a gateway
//! approved with `/ManagementServerInitiatesConnection=True` whose management server stops
//! re-establishing the session after an outage until a Health Service restart. No Microsoft
//! source documents this; the finding says so and is capped below high confidence.
//!
//! Pattern on the gateway: the certificate loads (20053), no outbound failures toward a parent
//! (which an MS-initiated gateway would not make), and a long gap in configuration activity
//! (21024/21025/21026/1210) with send-queue drops (2023) that ends right after a Health Service
//! start, or is still open at collection. The MS's log, if present, agrees when it shows
//! heartbeat loss for the gateway (20022/20023) without connection attempts toward it.

use crate::knowledge::sets;
use crate::finding::FindingKind;
use crate::knowledge::events::EventKind;
use super::common::each_machine;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};
use crate::facts::identity::MachineRole;
use crate::facts::time::{fmt_duration, fmt_us};
use crate::finding::Signal;

/// Minimum silence in configuration activity (seconds).
pub const STALL_GAP_SECS: i64 = 8 * 3600;
/// A restart this soon after the gap ends counts as ending it.
pub const RESTART_SLACK_SECS: i64 = 1800;

/// A silent window: start, end (µs), still open at collection, queue drops in it, ending restart.
type Window = (i64, i64, bool, Vec<usize>, Option<usize>);

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("gateway_reconnect_stall", check).of_kind(FindingKind::Heuristic).reading(&[EventKind::CertLoaded, EventKind::ChannelDown, EventKind::ClosedAfterAuth, EventKind::ClosedBeforeAuth, EventKind::Connect, EventKind::Dns, EventKind::Heartbeat, EventKind::QueueDrop]);

/// Run the rule.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    if m.role() != MachineRole::Gateway || !m.inputs.opsmgr_log {
        return None;
    }
    let tl = &m.timeline;
    if ctx.any(i, &sets::CERT_LOADED).is_empty() || ctx.load_failed_now(i) {
        return None;
    }
    // Outbound failures argue against an MS-initiated gateway.
    let outbound = ctx.current(i, &sets::PARENT_UNREACHABLE);
    if !outbound.is_empty() {
        return None;
    }
    let activity: Vec<i64> = tl
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind(),
                Some(EventKind::ConfigReceived | EventKind::ConfigRequest)
            )
        })
        .map(|e| e.time_us)
        .collect();
    let drops = ctx.any(i, &sets::QUEUE_DROP);
    let at_us = m.at().map(|a| a * 1_000_000)?;
    // Candidate windows: between activity events, and from the last activity to collection.
    let mut windows: Vec<(i64, i64, bool)> =
        activity.windows(2).map(|w| (w[0], w[1], false)).collect();
    if let Some(last) = activity.last() {
        windows.push((*last, at_us, true));
    }
    let gap_us = STALL_GAP_SECS * 1_000_000;
    let mut best: Option<Window> = None;
    for (a, b, open) in windows {
        if b - a <= gap_us {
            continue;
        }
        let in_gap: Vec<usize> = drops
            .iter()
            .copied()
            .filter(|e| tl.events[*e].time_us > a && tl.events[*e].time_us <= b)
            .collect();
        let restart = tl.epochs.iter().position(|ep| {
            ep.start_us > a
                && ep.start_us <= b + RESTART_SLACK_SECS * 1_000_000
                && ep.start_us >= b - RESTART_SLACK_SECS * 1_000_000
        });
        let ms_side = ms_heartbeat_loss(ctx, i, a, b);
        if in_gap.is_empty() && ms_side.is_empty() {
            continue;
        }
        if !open && restart.is_none() {
            continue;
        }
        if best.as_ref().is_none_or(|x| (b - a) > (x.1 - x.0)) {
            best = Some((a, b, open, in_gap, restart));
        }
    }
    let (a, b, open, in_gap, restart) = best?;
    let name = ctx.name(i);
    let mut f = ctx.finding(Cause::GatewayReconnectStall, i,
        format!(
            "{name}: heuristic — consistent with a management-server-initiated gateway that was not reconnected for {}",
            fmt_duration((b - a) / 1_000_000)
        ),
    );
    f.summary = "HEURISTIC, not documented by Microsoft (an inference from field reports): a gateway approved with \
                 /ManagementServerInitiatesConnection=True waits for its management server to connect; after an \
                 outage the management server may not reconnect until a Health Service restart. The gateway itself \
                 reports nothing wrong."
        .into();
    f.signal(Signal::Heuristic);
    let e53 = ctx.any(i, &sets::CERT_LOADED);
    ctx.add_events(&mut f, i, &e53, "");
    f.add(
        Nature::Observed,
        Source::Absence {
            machine: name.clone(),
            what: "configuration events 21024/21025/21026/1210".into(),
        },
        format!(
            "no configuration activity from {} to {}{}",
            fmt_us(a),
            fmt_us(b),
            if open {
                " (collection time: still silent)"
            } else {
                ""
            }
        ),
    );
    f.add(
        Nature::Observed,
        Source::Absence {
            machine: name.clone(),
            what: "outbound connection failures (21006/20070/20071/21016)".into(),
        },
        "no outbound connection attempts or failures toward a parent in the current run, as expected of a gateway the management server connects to",
    );
    if !in_gap.is_empty() {
        ctx.add_events(
            &mut f,
            i,
            &in_gap,
            "send queue overflowing during the gap: ",
        );
        f.explain(i, in_gap);
    }
    if let Some(r) = restart {
        let ep = &tl.epochs[r];
        f.add(
            Nature::Observed,
            Source::Comparison {
                machine: name.clone(),
            },
            format!(
                "the silence ended at the Health Service start of {} ({})",
                fmt_us(ep.start_us),
                ep.start_sources.join("; ")
            ),
        );
        f.signal(Signal::Agreement);
    }
    for j in 0..ctx.len() {
        if j == i || ctx.m(j).role() != MachineRole::ManagementServer {
            continue;
        }
        let hb = ms_heartbeat_loss(ctx, i, a, b);
        let hb: Vec<usize> = hb
            .into_iter()
            .filter(|(jj, _)| *jj == j)
            .map(|(_, e)| e)
            .collect();
        if !hb.is_empty() {
            ctx.add_events(&mut f, j, &hb, &format!("on {}: ", ctx.name(j)));
            f.add(
                Nature::Inference,
                Source::Comparison {
                    machine: ctx.name(j),
                },
                format!(
                    "{} lost the gateway's heartbeat but logged no connection attempt toward it",
                    ctx.name(j)
                ),
            );
            f.signal(Signal::PeerConfirmation);
            f.explain(j, hb);
        }
    }
    f.cannot_see.push(
        "whether the gateway was approved with /ManagementServerInitiatesConnection=True (stored with the approval in the management group, not in the gateway's registry)".into(),
    );
    let ms = ctx
        .parent_names(i)
        .first()
        .map(|p| ctx.peer_display(p))
        .unwrap_or_else(|| "the management server".into());
    f.step(
        &ms,
        "First check that the management server can reach the gateway's port (a network cause would look the same)",
        Some(format!("Test-NetConnection {name} -Port 5723")),
    );
    f.step(
        &ms,
        "Field workaround (not verified in any Microsoft source): restart the Health Service on the management server the gateway reports to (this interrupts the agents and gateways that report to it for a minute or two: choose a quiet time or a maintenance window)",
        Some("Restart-Service HealthService".into()),
    );
    f.step(
        &name,
        "If that does not help, restart the gateway's Health Service; consider approving the gateway without /ManagementServerInitiatesConnection if policy allows gateway-initiated connections",
        Some("Restart-Service HealthService".into()),
    );
    Some(f)
}

/// Heartbeat-loss events about gateway `g` on management servers of the case within `(a, b]`,
/// when that server logged no connection attempt toward `g`.
fn ms_heartbeat_loss(ctx: &CaseView<'_>, g: usize, a: i64, b: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for j in 0..ctx.len() {
        if j == g || ctx.m(j).role() != MachineRole::ManagementServer {
            continue;
        }
        let attempts = ctx.events_toward(j, g, &sets::CONNECTION_LOST);
        let tl = &ctx.m(j).timeline;
        if attempts
            .iter()
            .any(|e| tl.events[*e].time_us > a && tl.events[*e].time_us <= b)
        {
            continue;
        }
        for e in ctx.events_about(j, g, &sets::HEARTBEAT_LOSS) {
            let t = tl.events[e].time_us;
            if t > a && t <= b {
                out.push((j, e));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn silence_with_queue_drops_ended_by_restart() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .start(0)
            .event(20053, 1, &[])
            .event(21025, 100, &["MG1", "a"])
            .event(2023, 20_000, &["MG1", "100"])
            .event(2023, 30_000, &["MG1", "100"])
            .start(40_000)
            .event(20053, 40_001, &[])
            .event(21025, 40_100, &["MG1", "b"])
            .build();
        let f = run(vec![gw]);
        let s = find(&f, Cause::GatewayReconnectStall, "gw01.dmz.contoso.com").expect("finding");
        assert!(s.confidence <= Confidence::Medium);
        assert!(s.summary.starts_with("HEURISTIC"));
        assert!(s.title.contains("heuristic"));
    }

    #[test]
    fn healthy_gateway_no_stall() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .start(0)
            .event(20053, 1, &[])
            .event(21025, 100, &["MG1", "a"])
            .event(1210, 50_000, &["MG1", "b"])
            .event(1210, 80_000, &["MG1", "c"])
            .build();
        assert!(find(
            &run(vec![gw]),
            Cause::GatewayReconnectStall,
            "gw01.dmz.contoso.com"
        )
        .is_none());
    }
}
