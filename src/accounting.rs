//! Event accounting: which failure events the findings explain, which are expected in the
//! machine's configuration (with the reason), and which nothing explains. Ranking reads how many
//! current failures a finding explains; the report lists the groups.

use crate::facts::time::fmt_us;
use crate::facts::CaseFacts;
use crate::finding::{EventRef, Finding};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How many of the failure events a finding explains are in their machine's current Health
/// Service run.
pub fn current_explained(case: &CaseFacts, f: &Finding) -> usize {
    f.explains
        .iter()
        .filter(|r| {
            case.machines
                .get(r.machine)
                .map(|m| {
                    let e = &m.timeline.events[r.event];
                    e.is_failure() && m.timeline.in_current_epoch(r.event)
                })
                .unwrap_or(false)
        })
        .count()
}

/// A group of failure events no finding explains.
#[derive(Debug, Clone, Serialize)]
pub struct UnexplainedGroup {
    /// Machine.
    pub machine: String,
    /// Provider.
    pub provider: String,
    /// Event id.
    pub event_id: u16,
    /// How many.
    pub count: usize,
    /// First time.
    pub first: String,
    /// Last time.
    pub last: String,
    /// Up to three record ids.
    pub record_ids: Vec<u64>,
    /// Whether any is in the current Health Service run.
    pub current: bool,
    /// Catalogue meaning, or `not in the catalogue`.
    pub meaning: String,
    /// A rendered sample.
    pub sample: String,
}

/// Group event references by machine, provider and id (`meaning` overrides the catalogue text).
pub fn group(case: &CaseFacts, refs: &[EventRef], meaning: Option<&str>) -> Vec<UnexplainedGroup> {
    let mut groups: BTreeMap<(usize, String, u16), Vec<usize>> = BTreeMap::new();
    for r in refs {
        if let Some(e) = case
            .machines
            .get(r.machine)
            .and_then(|m| m.timeline.events.get(r.event))
        {
            groups
                .entry((r.machine, e.provider.clone(), e.event_id))
                .or_default()
                .push(r.event);
        }
    }
    let mut out: Vec<UnexplainedGroup> = groups
        .into_iter()
        .map(|((mi, provider, id), mut evs)| {
            evs.sort_unstable();
            evs.dedup();
            let m = &case.machines[mi];
            let first = &m.timeline.events[evs[0]];
            let last = &m.timeline.events[evs[evs.len() - 1]];
            UnexplainedGroup {
                machine: m.name(),
                provider,
                event_id: id,
                count: evs.len(),
                first: fmt_us(first.time_us),
                last: fmt_us(last.time_us),
                record_ids: evs
                    .iter()
                    .rev()
                    .take(3)
                    .map(|i| m.timeline.events[*i].record_id)
                    .collect(),
                current: evs.iter().any(|i| m.timeline.in_current_epoch(*i)),
                meaning: meaning
                    .map(|s| s.to_string())
                    .or_else(|| last.def.map(|d| d.meaning.to_string()))
                    .unwrap_or_else(|| "not in the catalogue".into()),
                sample: last
                    .message()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.machine
            .cmp(&b.machine)
            .then(b.current.cmp(&a.current))
            .then(b.last.cmp(&a.last))
            .then(a.event_id.cmp(&b.event_id))
    });
    out
}

/// A failure event worth listing: any failure of the connector, Health Service or SChannel;
/// Service Control Manager errors only when they name the Health Service.
pub fn relevant_failure(e: &crate::facts::timeline::Ev) -> bool {
    use crate::knowledge::events::{HEALTH_SERVICE_DISPLAY_NAMES, SERVICE_CONTROL_MANAGER};
    if !e.is_failure() {
        return false;
    }
    if e.provider.eq_ignore_ascii_case(SERVICE_CONTROL_MANAGER) {
        return e.strings.first().is_some_and(|n| {
            HEALTH_SERVICE_DISPLAY_NAMES
                .iter()
                .any(|d| d.eq_ignore_ascii_case(n.trim()))
                || n.trim().eq_ignore_ascii_case("HealthService")
        });
    }
    true
}

/// Failure events that no finding links and that are not expected, grouped by machine,
/// provider and id.
pub fn unexplained(
    case: &CaseFacts,
    findings: &[&Finding],
    expected: &[EventRef],
) -> Vec<UnexplainedGroup> {
    let explained: BTreeSet<EventRef> = findings
        .iter()
        .flat_map(|f| f.explains.iter().copied())
        .chain(expected.iter().copied())
        .collect();
    let mut refs = Vec::new();
    for (mi, m) in case.machines.iter().enumerate() {
        for (ei, e) in m.timeline.events.iter().enumerate() {
            let r = EventRef {
                machine: mi,
                event: ei,
            };
            if relevant_failure(e) && !explained.contains(&r) {
                refs.push(r);
            }
        }
    }
    group(case, &refs, None)
}

/// The events of a case, accounted for.
#[derive(Debug, Clone, Default)]
pub struct Accounting {
    /// Failure events no finding explains, grouped.
    pub unexplained: Vec<UnexplainedGroup>,
    /// Expected error events, grouped by reason.
    pub expected: Vec<UnexplainedGroup>,
}

/// Account for every failure event of the case: explained by a finding, expected (with the
/// reason), or unexplained.
pub fn account(
    case: &CaseFacts,
    findings: &[&Finding],
    expected: &[(EventRef, String)],
) -> Accounting {
    let expected_refs: Vec<EventRef> = expected.iter().map(|(r, _)| *r).collect();
    let mut expected_groups = Vec::new();
    let mut reasons: Vec<&String> = expected.iter().map(|(_, w)| w).collect();
    reasons.sort();
    reasons.dedup();
    for w in reasons {
        let refs: Vec<EventRef> = expected
            .iter()
            .filter(|(_, x)| x == w)
            .map(|(r, _)| *r)
            .collect();
        expected_groups.extend(group(case, &refs, Some(w)));
    }
    Accounting {
        unexplained: unexplained(case, findings, &expected_refs),
        expected: expected_groups,
    }
}
