//! The verdict per machine: one status each, from the findings and the events no finding
//! explains, decided once when the report is built (renderers only show it).
//!
//! The rule (also in `docs/report-format.md`), first match wins:
//! 1. **FAILING**: a finding of kind failure or heuristic about the machine with confidence
//!    medium or high.
//! 2. **AT RISK**: any other finding about the machine (a low-confidence failure, any advisory),
//!    or catalogued failure events (`knowledge/catalogue.rs`) of the machine's current Health
//!    Service run that no finding explains. Error events outside the catalogue (a Health
//!    Service 4000 from a management pack, say) are listed as unexplained but do not make a
//!    machine at risk: nothing says they concern certificates or the channel.
//! 3. **NOT DIAGNOSED**: the machine's inputs hold neither SCOM events nor a channel certificate
//!    or SCOM registry export, so nothing could show it healthy (also every machine that only a
//!    finding names and that has no finding at medium or above, which cannot happen today).
//! 4. **HEALTHY**: otherwise.

use super::{MachineOut, Report, VerdictOut};
use crate::finding::FindingKind;
use serde::Serialize;

/// The verdict on one machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// A cause of failure at medium or high confidence.
    Failing,
    /// A weaker or advisory finding, or unexplained failure events in the current run.
    AtRisk,
    /// No finding, and the inputs would have shown one.
    Healthy,
    /// Too little input to say.
    NotDiagnosed,
}

impl Status {
    /// `FAILING`, `AT RISK`, `HEALTHY`, `NOT DIAGNOSED`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Failing => "FAILING",
            Status::AtRisk => "AT RISK",
            Status::Healthy => "HEALTHY",
            Status::NotDiagnosed => "NOT DIAGNOSED",
        }
    }
}

/// Whether the machine's inputs could have shown a SCOM certificate problem.
fn diagnosable(m: &MachineOut) -> bool {
    m.inputs.scom_events || m.inputs.opsmgr_registry || m.channel_certificate.is_some()
}

/// The status of the machine named `name` and the reason, by the rule of this module.
fn judge(r: &Report, name: &str, machine: Option<&MachineOut>) -> (Status, String) {
    let mine: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.machine.eq_ignore_ascii_case(name))
        .collect();
    if let Some(f) = mine
        .iter()
        .find(|f| f.kind != FindingKind::Advisory && f.confidence != "low")
    {
        return (
            Status::Failing,
            format!("{} at {} confidence", f.cause, f.confidence),
        );
    }
    if let Some(f) = mine.first() {
        return (
            Status::AtRisk,
            format!(
                "{} at {} confidence{}",
                f.cause,
                f.confidence,
                if f.kind == FindingKind::Advisory {
                    " (advisory)"
                } else {
                    ""
                }
            ),
        );
    }
    let unexplained: usize = r
        .unexplained_events
        .iter()
        .filter(|u| {
            u.current
                && u.machine.eq_ignore_ascii_case(name)
                && crate::knowledge::events::lookup(&u.provider, u.event_id).is_some()
        })
        .map(|u| u.count)
        .sum();
    if unexplained > 0 {
        return (
            Status::AtRisk,
            format!(
                "{unexplained} catalogued failure event(s) in the current run that no finding explains"
            ),
        );
    }
    match machine {
        Some(m) if diagnosable(m) => (
            Status::Healthy,
            "no finding and no unexplained catalogued failure event".to_string(),
        ),
        Some(_) => (
            Status::NotDiagnosed,
            "no SCOM event log, SCOM registry or channel certificate in its inputs".to_string(),
        ),
        None => (Status::NotDiagnosed, "not part of the case".to_string()),
    }
}

/// The first remediation step with a command, else the first step.
fn first_step(f: Option<&super::FindingOut>) -> Option<&crate::finding::Step> {
    let f = f?;
    f.remediation
        .iter()
        .find(|s| s.command.is_some())
        .or(f.remediation.first())
}

/// Set every machine's status and the report's verdicts and verdict line.
pub fn apply(r: &mut Report) {
    let mut names: Vec<(String, bool)> =
        r.machines.iter().map(|m| (m.fqdn.clone(), true)).collect();
    for f in &r.findings {
        if !names
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(&f.machine))
        {
            names.push((f.machine.clone(), false));
        }
    }
    let mut verdicts = Vec::new();
    for (name, in_case) in names {
        let machine = r.machines.iter().find(|m| m.fqdn == name && in_case);
        let (status, reason) = judge(r, &name, machine);
        let top = r
            .findings
            .iter()
            .find(|f| f.machine.eq_ignore_ascii_case(&name));
        verdicts.push(VerdictOut {
            machine: name,
            in_case,
            status,
            reason,
            top_finding: top.map(|f| f.id.clone()),
            cause: top.map(|f| f.cause),
            confidence: top.map(|f| f.confidence),
            title: top.map(|f| f.title.clone()),
            first_fix: first_step(top).map(|s| s.command.clone().unwrap_or(s.text.clone())),
            first_fix_on: first_step(top).map(|s| s.on.clone()),
        });
    }
    for m in &mut r.machines {
        if let Some(v) = verdicts.iter().find(|v| v.in_case && v.machine == m.fqdn) {
            m.status = v.status;
            m.status_reason = v.reason.clone();
        }
    }
    // Failing first; the order of the case otherwise (stable sort).
    verdicts.sort_by_key(|v| v.status);
    let count = |s: Status| verdicts.iter().filter(|v| v.status == s).count();
    let parts: Vec<String> = [
        Status::Failing,
        Status::AtRisk,
        Status::Healthy,
        Status::NotDiagnosed,
    ]
    .iter()
    .filter(|s| count(**s) > 0)
    .map(|s| format!("{} {}", count(*s), s.label()))
    .collect();
    r.verdict = if verdicts.is_empty() {
        "no machine could be read".to_string()
    } else {
        format!("{} machine(s): {}", verdicts.len(), parts.join(", "))
    };
    r.machine_verdicts = verdicts;
}
