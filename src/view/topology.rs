//! Topology: which machine of the case reports to which.

use crate::facts::identity::MachineRole;
use crate::facts::CaseFacts;
use serde::Serialize;

/// A child → parent relation between machines of the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// Child machine index.
    pub child: usize,
    /// Parent machine index.
    pub parent: usize,
    /// How we know.
    pub source: String,
    /// Whether the relation is inferred from roles only.
    pub inferred: bool,
}

/// Child → parent relations: registry parents and initiator events naming a machine of the case,
/// parents' events naming children; without either, roles (agent → gateway → management server).
pub fn topology(case: &CaseFacts) -> Vec<Edge> {
    let mut edges: Vec<Edge> = Vec::new();
    let push =
        |edges: &mut Vec<Edge>, child: usize, parent: usize, source: String, inferred: bool| {
            if child != parent && !edges.iter().any(|e| e.child == child && e.parent == parent) {
                edges.push(Edge {
                    child,
                    parent,
                    source,
                    inferred,
                });
            }
        };
    for (i, m) in case.machines.iter().enumerate() {
        for p in &m.parents {
            if let Some(j) = case.find_machine(&p.network_name) {
                push(
                    &mut edges,
                    i,
                    j,
                    format!("registry parent {}", p.source),
                    false,
                );
            }
        }
        for (peer, evs) in &m.timeline.peers {
            if let Some(j) = case.find_machine(peer) {
                let e = &m.timeline.events[evs[0]];
                push(
                    &mut edges,
                    i,
                    j,
                    format!(
                        "{} {} record {} names {peer}",
                        e.provider, e.event_id, e.record_id
                    ),
                    false,
                );
            }
        }
        for (remote, evs) in &m.timeline.remotes {
            let e = &m.timeline.events[evs[0]];
            if matches!(e.event_id, 20000 | 20001 | 20022) {
                if let Some(j) = case.find_machine(remote) {
                    push(
                        &mut edges,
                        j,
                        i,
                        format!(
                            "{} {} record {} names {remote}",
                            e.provider, e.event_id, e.record_id
                        ),
                        false,
                    );
                }
            }
        }
    }
    let rank = |r: MachineRole| match r {
        MachineRole::Agent => 0,
        MachineRole::Gateway => 1,
        MachineRole::ManagementServer => 2,
        MachineRole::Unknown => -1,
    };
    for i in 0..case.machines.len() {
        if edges.iter().any(|e| e.child == i || e.parent == i) {
            continue;
        }
        let ri = rank(case.machines[i].role());
        if ri < 0 || ri == 2 {
            continue;
        }
        // Nearest higher role.
        let mut best: Option<(usize, i32)> = None;
        for (j, mj) in case.machines.iter().enumerate() {
            let rj = rank(mj.role());
            if rj > ri && best.is_none_or(|(_, b)| rj < b) {
                best = Some((j, rj));
            }
        }
        if let Some((j, _)) = best {
            push(
                &mut edges,
                i,
                j,
                format!(
                    "inferred from roles ({} → {})",
                    case.machines[i].role().words(),
                    case.machines[j].role().words()
                ),
                true,
            );
        }
    }
    edges
}
