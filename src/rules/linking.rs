//! After every rule ran: linking the events a finding explains beyond its own machine's current
//! run — its children's and parents' failures when its certificate does not load, the same
//! failure in earlier Health Service runs, and the send-queue drops of the outage.

use super::CaseView;
use crate::facts::time::fmt_us;
use crate::finding::{EventRef, Finding, FindingKind, Nature};
use crate::knowledge::events::EventKind;
use crate::knowledge::sets;

/// A machine whose own certificate does not load fails every connection: link its children's
/// current 20071/21016/21015/21007 toward it and its parents' current events about it
/// (heartbeat loss, rejected connections) to the local cause that explains them.
pub fn link_peers(ctx: &CaseView<'_>, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        let Some(i) = f.machine else {
            continue;
        };
        if !f.cause.is_local_certificate_cause() || !ctx.load_failed_now(i) {
            continue;
        }
        for j in 0..ctx.len() {
            if j == i {
                continue;
            }
            let tl = &ctx.m(j).timeline;
            let mut evs = ctx.failures_toward(j, i, &sets::CANNOT_CONNECT_TO_PARENT);
            let since = ctx.m(i).timeline.current_start_us().unwrap_or(i64::MIN);
            evs.extend(
                ctx.events_about(j, i, &sets::ABOUT_A_CHILD_THAT_CANNOT_CONNECT)
                    .into_iter()
                    .filter(|e| tl.in_current_epoch(*e) && tl.events[*e].time_us >= since),
            );
            // Heartbeat loss of machines that report through i.
            for d in ctx.descendants(i) {
                if d != j {
                    evs.extend(
                        ctx.events_about(j, d, &sets::HEARTBEAT_LOSS)
                            .into_iter()
                            .filter(|e| tl.in_current_epoch(*e) && tl.events[*e].time_us >= since),
                    );
                }
            }
            evs.sort_unstable();
            evs.dedup();
            if evs.is_empty() {
                continue;
            }
            let first = &tl.events[evs[0]];
            f.add(
                Nature::Observed,
                ctx.ev_source(j, evs[evs.len() - 1]),
                format!(
                    "on {}: {} failure event(s) about {} since {} (first: {} {}), consistent with {} having no usable certificate",
                    ctx.name(j),
                    evs.len(),
                    ctx.name(i),
                    fmt_us(first.time_us),
                    first.provider,
                    first.event_id,
                    ctx.name(i)
                ),
            );
            f.explain(j, evs);
        }
    }
}

/// Who an event is about or toward (its peer, remote name, SPN or remote address), if it says.
fn counterpart(ev: &crate::facts::timeline::Ev) -> Option<String> {
    use crate::knowledge::events::Role;
    [Role::Peer, Role::RemoteName, Role::Spn, Role::RemoteIp]
        .into_iter()
        .find_map(|r| ev.role(r))
        .map(|s| s.trim().to_ascii_lowercase())
}

/// The same failure in earlier Health Service runs belongs to the finding that explains it in
/// the current run: for every (provider, id, counterpart) a finding explains in a machine's
/// current run, the same events of earlier runs since the last proof that the channel worked
/// are linked to it too, with one line of evidence ("also in the previous run since …").
pub fn link_earlier_runs(ctx: &CaseView<'_>, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        let mut keys: Vec<(usize, String, u16, Option<String>)> = Vec::new();
        for r in &f.explains {
            let tl = &ctx.m(r.machine).timeline;
            if !tl.in_current_epoch(r.event) {
                continue;
            }
            let e = &tl.events[r.event];
            let k = (r.machine, e.provider.clone(), e.event_id, counterpart(e));
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        for (m, provider, id, peer) in keys {
            let tl = &ctx.m(m).timeline;
            let Some(start) = tl.current_start_us() else {
                continue;
            };
            // The last proof that the channel worked before the current run: older failures
            // belong to an incident that ended.
            let since_ok = tl
                .events
                .iter()
                .filter(|e| {
                    e.time_us < start
                        && matches!(
                            e.kind(),
                            Some(EventKind::ConfigReceived | EventKind::ChannelUp)
                        )
                })
                .map(|e| e.time_us)
                .max()
                .unwrap_or(i64::MIN);
            let earlier: Vec<usize> = (0..tl.events.len())
                .filter(|k| {
                    let e = &tl.events[*k];
                    e.time_us < start
                        && e.time_us > since_ok
                        && e.event_id == id
                        && e.provider == provider
                        && counterpart(e) == peer
                        && !f.explains.contains(&EventRef {
                            machine: m,
                            event: *k,
                        })
                })
                .collect();
            let Some(first) = earlier.first() else {
                continue;
            };
            let e = &tl.events[*first];
            f.add(
                Nature::Observed,
                ctx.ev_source(m, *first),
                format!(
                    "on {}: {provider} {id} also in the previous run(s) since {}: {} event(s) before the latest Health Service start",
                    ctx.name(m),
                    fmt_us(e.time_us),
                    earlier.len()
                ),
            );
            f.explain(m, earlier);
        }
    }
}

/// Send-queue drops (HealthService 2023) on a machine during an outage a failure finding
/// explains (from its first explained failure there on) are consequences of that outage.
pub fn link_queue_drops(ctx: &CaseView<'_>, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        if f.cause.kind() != FindingKind::Failure {
            continue;
        }
        let mut machines: Vec<usize> = f.explains.iter().map(|r| r.machine).collect();
        machines.sort_unstable();
        machines.dedup();
        for m in machines {
            let tl = &ctx.m(m).timeline;
            let Some(from) = f
                .explains
                .iter()
                .filter(|r| r.machine == m)
                .map(|r| tl.events[r.event].time_us)
                .min()
            else {
                continue;
            };
            let drops: Vec<usize> = tl
                .find(&sets::QUEUE_DROP)
                .into_iter()
                .filter(|k| tl.events[*k].time_us >= from)
                .filter(|k| {
                    !f.explains.contains(&EventRef {
                        machine: m,
                        event: *k,
                    })
                })
                .collect();
            let Some(last) = drops.last() else {
                continue;
            };
            f.add(
                Nature::Observed,
                ctx.ev_source(m, *last),
                format!(
                    "on {}: {} send-queue drop(s) (HealthService 2023) since the first failure this finding explains: data queued during the outage was discarded",
                    ctx.name(m),
                    drops.len()
                ),
            );
            f.explain(m, drops);
        }
    }
}
