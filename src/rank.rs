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

use crate::accounting;
use crate::facts::CaseFacts;
use crate::finding::{Confidence, Finding, FindingKind, Ranked, Signal};

/// Weight of a signal in points.
pub fn weight(s: Signal) -> i32 {
    match s {
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

/// Score one finding.
pub fn score(f: &Finding, current_explained: usize) -> (u32, Confidence) {
    let mut s: i32 = f.signals.iter().map(|x| weight(*x)).sum();
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

/// Rank each general finding just below a more specific finding on the same machine (the
/// specific cause's rule declares which causes it refines): the specific one scores at least
/// what the general one scores, the general one one point less than the specific one. Both stay
/// reported.
fn refine(ranked: &mut [Ranked]) {
    for si in 0..ranked.len() {
        let specific = ranked[si].cause;
        let generals = specific.refines();
        if generals.is_empty() {
            continue;
        }
        for gi in 0..ranked.len() {
            if gi == si
                || !generals.contains(&ranked[gi].cause)
                || ranked[gi].machine_name != ranked[si].machine_name
            {
                continue;
            }
            let gs = ranked[gi].score;
            if ranked[si].score < gs {
                ranked[si].score = gs;
            }
            let g_new = ranked[si].score.saturating_sub(1).min(gs);
            ranked[gi].score = g_new;
            ranked[gi].confidence = confidence_of(g_new);
            ranked[si].confidence = confidence_of(ranked[si].score);
            let gc = ranked[gi].cause;
            if !ranked[si].also_covers.contains(&gc) {
                ranked[si].also_covers.push(gc);
            }
            ranked[gi].covered_by = Some(specific);
        }
    }
}

/// Score the rules' findings, rank general causes below the specific ones that cover them, and
/// sort. The findings themselves are not changed (but for their explained events, sorted and
/// deduplicated).
pub fn rank(case: &CaseFacts, findings: Vec<Finding>) -> Vec<Ranked> {
    let mut ranked: Vec<Ranked> = findings
        .into_iter()
        .map(|mut f| {
            f.explains.sort();
            f.explains.dedup();
            let (score, confidence) = score(&f, accounting::current_explained(case, &f));
            Ranked {
                finding: f,
                score,
                confidence,
                also_covers: Vec::new(),
                covered_by: None,
            }
        })
        .collect();
    refine(&mut ranked);
    ranked.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.cause.kind().cmp(&b.cause.kind()))
            .then(a.cause.cmp(&b.cause))
            .then(a.machine_name.cmp(&b.machine_name))
            .then(a.title.cmp(&b.title))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Cause;

    fn f(cause: Cause, signals: &[Signal]) -> Finding {
        let mut x = Finding::named(cause, "m.contoso.com".into(), "t");
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
        assert_eq!(out[0].also_covers, vec![Cause::Expired]);
    }

    #[test]
    fn ties_break_deterministically() {
        let case = CaseFacts::default();
        let a = f(Cause::Dns, &[Signal::SignatureEvent]);
        let b = f(Cause::Network, &[Signal::SignatureEvent]);
        let out1 = rank(&case, vec![a.clone(), b.clone()]);
        let out2 = rank(&case, vec![b, a]);
        let ids = |v: &[Ranked]| v.iter().map(|x| x.cause).collect::<Vec<_>>();
        assert_eq!(ids(&out1), ids(&out2));
        assert_eq!(out1[0].cause, Cause::Network);
    }
}
