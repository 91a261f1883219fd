//! Scoring and ranking (documented in `docs/rules.md`).
//!
//! A finding's score is the sum of the weights of its [`Signal`]s plus a bonus for the current
//! failure events it explains, capped by its kind: a best-practice advisory never exceeds
//! [`ADVISORY_CAP`] and a heuristic never exceeds [`HEURISTIC_CAP`], while a failure cause that
//! explains at least one current failure event scores at least [`EXPLAINS_FLOOR`] — so a cause
//! that explains observed failures always outranks an advisory. Confidence follows from the
//! score. Ties break by kind, cause order, then machine name: the order is deterministic.
//!
//! When a more specific cause and a more general one are found on the same machine (renewed but
//! not re-imported vs expired), both are reported and the general one ranks just below.

use crate::facts::time::fmt_us;
use crate::facts::CaseFacts;
use crate::rules::{Cause, Confidence, EventRef, Finding, FindingKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What raises or lowers a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// A certificate, registry or inventory fact that shows the cause by itself.
    StaticFact,
    /// A static fact that rests on an inference (store-blob key facts, an assumed channel
    /// certificate, a missing extension the scripts reject but SCOM may accept).
    StaticInference,
    /// The cause's own event, logged in the current Health Service run.
    SignatureEvent,
    /// The cause's own event, only in earlier runs (may be fixed since).
    PastSignatureEvent,
    /// Event strings agree with the certificate/registry facts.
    Agreement,
    /// Another machine's facts or events confirm.
    PeerConfirmation,
    /// Only generic symptoms (20071, 21016) fit.
    Symptom,
    /// A heuristic pattern matched.
    Heuristic,
    /// Evidence against (e.g. the certificate loaded in the current run).
    Contradiction,
}

impl Signal {
    /// Weight in points.
    pub fn weight(self) -> i32 {
        match self {
            Signal::StaticFact => 45,
            Signal::StaticInference => 25,
            Signal::SignatureEvent => 40,
            Signal::PastSignatureEvent => 10,
            Signal::Agreement => 15,
            Signal::PeerConfirmation => 25,
            Signal::Symptom => 10,
            Signal::Heuristic => 30,
            Signal::Contradiction => -40,
        }
    }
}

/// Points per explained current failure event.
pub const PER_EXPLAINED: i32 = 2;
/// Maximum bonus for explained events.
pub const EXPLAINED_MAX: i32 = 10;
/// Highest score of an advisory.
pub const ADVISORY_CAP: i32 = 15;
/// Highest score of a heuristic.
pub const HEURISTIC_CAP: i32 = 55;
/// Lowest score of a failure cause that explains a current failure event.
pub const EXPLAINS_FLOOR: i32 = 20;
/// Score from which confidence is high.
pub const HIGH: u32 = 70;
/// Score from which confidence is medium.
pub const MEDIUM: u32 = 40;

/// More specific cause → the general causes it explains on the same machine.
pub const REFINES: &[(Cause, &[Cause])] = &[
    (
        Cause::RenewedNotReimported,
        &[Cause::Expired, Cause::SerialMismatch],
    ),
    (Cause::CngKey, &[Cause::KeySpec, Cause::PrivateKeyMissing]),
    (Cause::MsLacksCertificate, &[Cause::NoCertificateConfigured]),
    (Cause::UntrustedRoot, &[Cause::PeerUntrusted]),
];

/// Score one finding.
pub fn score(f: &Finding, current_explained: usize) -> (u32, Confidence) {
    let mut s: i32 = f.signals.iter().map(|x| x.weight()).sum();
    let bonus = (current_explained as i32 * PER_EXPLAINED).min(EXPLAINED_MAX);
    s += bonus;
    match f.cause.kind() {
        FindingKind::Advisory => s = s.min(ADVISORY_CAP),
        FindingKind::Heuristic => s = s.min(HEURISTIC_CAP),
        FindingKind::Failure => {
            if current_explained > 0 {
                s = s.max(EXPLAINS_FLOOR);
            }
        }
    }
    let s = s.clamp(0, 100) as u32;
    (s, confidence_of(s))
}

fn current_explained(case: &CaseFacts, f: &Finding) -> usize {
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

/// Confidence for a score.
pub fn confidence_of(score: u32) -> Confidence {
    if score >= HIGH {
        Confidence::High
    } else if score >= MEDIUM {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}

/// Rank each general finding just below a more specific finding on the same machine (see
/// [`REFINES`]): the specific one scores at least what the general one scores, the general one
/// one point less than the specific one. Both stay reported.
fn refine(findings: &mut [Finding]) {
    for (specific, generals) in REFINES {
        for si in 0..findings.len() {
            if findings[si].cause != *specific {
                continue;
            }
            for gi in 0..findings.len() {
                if gi == si
                    || !generals.contains(&findings[gi].cause)
                    || findings[gi].machine_name != findings[si].machine_name
                {
                    continue;
                }
                let gs = findings[gi].score;
                if findings[si].score < gs {
                    findings[si].score = gs;
                }
                let g_new = findings[si].score.saturating_sub(1).min(gs);
                findings[gi].score = g_new;
                findings[gi].confidence = confidence_of(g_new);
                findings[si].confidence = confidence_of(findings[si].score);
                let gc = findings[gi].cause;
                if !findings[si].merged.contains(&gc) {
                    findings[si].merged.push(gc);
                }
                findings[gi].covered_by = Some(*specific);
            }
        }
    }
}

/// Score, rank general causes below the specific ones that cover them, and sort.
pub fn rank(case: &CaseFacts, mut findings: Vec<Finding>) -> Vec<Finding> {
    for f in &mut findings {
        f.explains.sort();
        f.explains.dedup();
        let n = current_explained(case, f);
        let (s, c) = score(f, n);
        f.score = s;
        f.confidence = c;
    }
    refine(&mut findings);
    findings.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.cause.kind().cmp(&b.cause.kind()))
            .then(a.cause.cmp(&b.cause))
            .then(a.machine_name.cmp(&b.machine_name))
            .then(a.title.cmp(&b.title))
    });
    findings
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
    findings: &[Finding],
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Cause, Confidence, Finding};

    fn f(cause: Cause, signals: &[Signal]) -> Finding {
        let mut x = Finding::named(cause, "m.contoso.com", "t");
        x.signals = signals.to_vec();
        x
    }

    #[test]
    fn caps_floor_and_thresholds() {
        let adv = f(
            Cause::WeakCrypto,
            &[Signal::StaticFact, Signal::SignatureEvent],
        );
        assert_eq!(score(&adv, 5), (15, Confidence::Low));
        let heu = f(
            Cause::GatewayReconnectStall,
            &[
                Signal::Heuristic,
                Signal::PeerConfirmation,
                Signal::Agreement,
            ],
        );
        assert_eq!(score(&heu, 5).0, 55);
        let weak = f(Cause::Network, &[Signal::Contradiction]);
        assert_eq!(score(&weak, 1), (20, Confidence::Low));
        assert_eq!(score(&weak, 0).0, 0);
        let full = f(
            Cause::NameMismatch,
            &[
                Signal::StaticFact,
                Signal::SignatureEvent,
                Signal::Agreement,
            ],
        );
        assert_eq!(score(&full, 3), (100, Confidence::High));
        assert_eq!(confidence_of(40), Confidence::Medium);
        assert_eq!(confidence_of(39), Confidence::Low);
        assert_eq!(confidence_of(70), Confidence::High);
    }

    #[test]
    fn a_covering_cause_ranks_the_general_one_just_below() {
        let case = CaseFacts::default();
        let general = f(
            Cause::Expired,
            &[
                Signal::StaticFact,
                Signal::SignatureEvent,
                Signal::Agreement,
            ],
        );
        let specific = f(Cause::RenewedNotReimported, &[Signal::StaticInference]);
        let out = rank(&case, vec![general, specific]);
        assert_eq!(out[0].cause, Cause::RenewedNotReimported);
        assert_eq!(out[1].cause, Cause::Expired);
        assert_eq!(out[0].score, 100);
        assert_eq!(out[1].score, 99);
        assert_eq!(out[1].covered_by, Some(Cause::RenewedNotReimported));
        assert_eq!(out[0].merged, vec![Cause::Expired]);
    }

    #[test]
    fn ties_break_deterministically() {
        let case = CaseFacts::default();
        let a = f(Cause::Dns, &[Signal::SignatureEvent]);
        let b = f(Cause::Network, &[Signal::SignatureEvent]);
        let out1 = rank(&case, vec![a.clone(), b.clone()]);
        let out2 = rank(&case, vec![b, a]);
        let ids = |v: &[Finding]| v.iter().map(|x| x.cause).collect::<Vec<_>>();
        assert_eq!(ids(&out1), ids(&out2));
        assert_eq!(out1[0].cause, Cause::Network);
    }
}
