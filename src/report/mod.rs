//! The ranked report: one value built from the facts and the ranked findings, rendered by one
//! module per format ([`text`], [`json`]). Renderers only format; nothing is computed there.

pub mod json;
pub mod text;

use crate::accounting::{Accounting, UnexplainedGroup};
use crate::chain::REVOCATION_NOTE;
use crate::facts::certs::{scom_name, KeyFacts};
use crate::facts::identity::NameClaim;
use crate::facts::time::{fmt_secs, fmt_us};
use crate::facts::timeline::LoadOutcome;
use crate::facts::{CheckNotRun, InputProblem, Inputs};
use crate::finding::{Evidence, FindingKind, Ranked, Signal, Source, Step};
use crate::serial::{big_endian_to_registry, hex_upper, registry_to_big_endian};
use crate::view::CaseView;
use serde::Serialize;

/// The formats a report renders in, one module each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// For a terminal ([`text`]).
    Text,
    /// One JSON object ([`json`]).
    Json,
}

/// Write `report` to `out` in `format`.
pub fn write(
    report: &Report,
    format: ReportFormat,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    match format {
        ReportFormat::Text => text::write(report, out),
        ReportFormat::Json => json::write(report, out),
    }
}

/// Version of the JSON layout.
pub const REPORT_FORMAT: u32 = 1;

/// The tool.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// `scomtriage`.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
    /// JSON layout version.
    pub report_format: u32,
}

/// The channel certificate of a machine.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelOut {
    /// Subject.
    pub subject: String,
    /// The name SCOM reads (first DNS SAN, else CN).
    pub scom_name: Option<String>,
    /// DNS names of the SubjectAltName extension.
    pub san_dns: Vec<String>,
    /// Enhanced Key Usage OIDs, `None` when the extension is absent (any purpose).
    pub eku: Option<Vec<String>>,
    /// Serial (as Windows shows it).
    pub serial: String,
    /// The same serial as `ChannelCertificateSerialNumber` stores it (bytes reversed).
    pub serial_registry_form: String,
    /// Thumbprint.
    pub thumbprint: String,
    /// notBefore.
    pub not_before: String,
    /// notAfter.
    pub not_after: String,
    /// Where it was found.
    pub found_in: String,
    /// How it was identified.
    pub selection: String,
    /// Whether that identification is an inference.
    pub selection_inferred: bool,
    /// Chain with the machine's installed certificates.
    pub chain: Option<String>,
    /// Chain verdict.
    pub chain_verdict: Option<String>,
    /// Private-key facts and their source.
    pub private_key: KeyFacts,
}

/// One Health Service run.
#[derive(Debug, Clone, Serialize)]
pub struct EpochOut {
    /// Start.
    pub start: String,
    /// What told us.
    pub start_sources: Vec<String>,
    /// Inferred from a certificate-load burst.
    pub inferred: bool,
    /// Load outcome.
    pub load: LoadOutcome,
}

/// What is known about one machine.
#[derive(Debug, Clone, Serialize)]
pub struct MachineOut {
    /// FQDN, or a label when unknown.
    pub fqdn: String,
    /// Whether the FQDN is known.
    pub fqdn_known: bool,
    /// Bundles that make up the machine.
    pub inputs_from: Vec<String>,
    /// Role id.
    pub role: &'static str,
    /// Where the role came from.
    pub role_source: Option<String>,
    /// Product version.
    pub version: Option<String>,
    /// Name claims.
    pub identity_sources: Vec<NameClaim>,
    /// Disagreements between name claims.
    pub identity_disagreements: Vec<String>,
    /// Collection time.
    pub collected_at: Option<String>,
    /// Where the collection time came from.
    pub collected_at_source: Option<String>,
    /// Health Service status (manifest).
    pub health_service_status: Option<String>,
    /// Registry `ChannelCertificateSerialNumber` (as stored, hex).
    pub registry_serial: Option<String>,
    /// The same serial in certutil order (the bytes reversed), as certificates show it.
    pub registry_serial_certutil: Option<String>,
    /// Registry `ChannelCertificateHash`.
    pub registry_hash: Option<String>,
    /// Channel certificate.
    pub channel_certificate: Option<ChannelOut>,
    /// Parents (registry).
    pub parents: Vec<String>,
    /// Number of certificates.
    pub certificates: usize,
    /// Effective trusted roots: subject, thumbprint and where found.
    pub trusted_roots: Vec<String>,
    /// Number of relevant events.
    pub events: usize,
    /// Health Service runs.
    pub epochs: Vec<EpochOut>,
    /// Positive evidence from the current run: the certificate loaded (20053), the channel to
    /// each parent up (the latest proof per peer). Shown for a machine with no finding, so a
    /// healthy verdict rests on something seen.
    pub working: Vec<String>,
    /// Inputs present.
    pub inputs: Inputs,
}

/// A linked event.
#[derive(Debug, Clone, Serialize)]
pub struct EventOut {
    /// Machine.
    pub machine: String,
    /// Provider.
    pub provider: String,
    /// Event id.
    pub event_id: u16,
    /// EventRecordID.
    pub record_id: u64,
    /// Time.
    pub time: String,
    /// File.
    pub file: String,
}

/// One ranked finding.
#[derive(Debug, Clone, Serialize)]
pub struct FindingOut {
    /// 1-based rank.
    pub rank: usize,
    /// Cause id.
    pub cause: &'static str,
    /// Machine FQDN.
    pub machine: String,
    /// Whether the machine's bundle is part of the case.
    pub machine_in_case: bool,
    /// `high`, `medium`, `low`.
    pub confidence: &'static str,
    /// Score 0–100.
    pub score: u32,
    /// Failure, heuristic or advisory.
    pub kind: FindingKind,
    /// One line.
    pub title: String,
    /// A few sentences.
    pub summary: String,
    /// Evidence.
    pub evidence: Vec<Evidence>,
    /// Remediation.
    pub remediation: Vec<Step>,
    /// Failure events this finding explains.
    pub explains: Vec<EventOut>,
    /// More general cause ids (reported too) that this finding covers.
    pub also_covers: Vec<&'static str>,
    /// The more specific cause id that covers this finding.
    pub covered_by: Option<&'static str>,
    /// What the rule could not see.
    pub cannot_see: Vec<String>,
    /// Scoring signals.
    pub signals: Vec<Signal>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Tool.
    pub tool: Tool,
    /// Findings in rank order.
    pub findings: Vec<FindingOut>,
    /// Checks that could not run.
    pub checks_not_run: Vec<CheckNotRun>,
    /// Failure events no finding explains.
    pub unexplained_events: Vec<UnexplainedGroup>,
    /// Error events that are expected in this configuration (with the reason), not failures.
    pub expected_events: Vec<UnexplainedGroup>,
    /// Machines.
    pub machines: Vec<MachineOut>,
    /// Input problems.
    pub input_problems: Vec<InputProblem>,
    /// Notes on what the analysis does not do.
    pub notes: Vec<String>,
}

/// Notes printed with every report.
pub fn standard_notes() -> Vec<String> {
    vec![
        format!("Certificate chains: {REVOCATION_NOTE}."),
        "Validity is judged at each bundle's collection time; only when no input carries a time (certificate files alone) against the analyzer's clock, and the report then says so.".into(),
        "Evidence marked \"inference\" is concluded from facts, not seen directly; gateway_reconnect_stall is a heuristic for undocumented behaviour.".into(),
        "Scores and confidence follow docs/rules.md.".into(),
    ]
}

fn machine_out(ctx: &CaseView<'_>, i: usize) -> MachineOut {
    let m = ctx.m(i);
    let channel_certificate = ctx.channel(i).map(|(e, sel)| {
        let chain = ctx.views[i].own_chain.as_ref();
        ChannelOut {
            subject: e.cert.subject.clone(),
            scom_name: scom_name(&e.cert).map(|s| s.to_string()),
            san_dns: e.cert.san_dns.clone(),
            eku: e.cert.eku.clone(),
            serial: e.cert.serial_hex.clone(),
            serial_registry_form: hex_upper(&big_endian_to_registry(&e.cert.serial)),
            thumbprint: e.cert.thumbprint_sha1.clone(),
            not_before: fmt_secs(e.cert.not_before),
            not_after: fmt_secs(e.cert.not_after),
            found_in: e.stores_display(),
            selection: sel.words().to_string(),
            selection_inferred: sel.is_inference(),
            chain: chain.map(|c| c.display()),
            chain_verdict: chain.map(|c| match (&c.broken, m.inputs.roots_known()) {
                (_, false) => {
                    "trusted roots unknown (no Root export or store registry)".to_string()
                }
                (None, true) => "reaches a trusted root (revocation not checked)".to_string(),
                (Some(b), true) => b.to_string(),
            }),
            private_key: e.key.clone(),
        }
    });
    MachineOut {
        fqdn: m.name(),
        fqdn_known: m.identity.fqdn.is_some(),
        inputs_from: m.labels.clone(),
        role: m.role().id(),
        role_source: m.role.source.clone(),
        version: m.role.version.clone(),
        identity_sources: m.identity.claims.clone(),
        identity_disagreements: m.identity.disagreements.clone(),
        collected_at: m.collected_at.as_ref().map(|t| fmt_secs(t.secs)),
        collected_at_source: m.collected_at.as_ref().map(|t| t.source.clone()),
        health_service_status: m.hs_status.clone(),
        registry_serial: m.channel.serial.as_ref().map(|s| hex_upper(&s.value)),
        registry_serial_certutil: m
            .channel
            .serial
            .as_ref()
            .map(|s| hex_upper(&registry_to_big_endian(&s.value))),
        registry_hash: m.channel.hash.as_ref().map(|h| h.value.clone()),
        channel_certificate,
        parents: m
            .parents
            .iter()
            .map(|p| format!("{} ({})", p.network_name, p.management_group))
            .collect(),
        certificates: m.certs.len(),
        trusted_roots: m
            .trusted_roots()
            .into_iter()
            .map(|k| {
                let e = &m.certs[k];
                format!(
                    "{} ({}; {})",
                    e.cert.subject,
                    e.cert.thumbprint_sha1,
                    e.stores_display()
                )
            })
            .collect(),
        events: m.timeline.events.len(),
        epochs: m
            .timeline
            .epochs
            .iter()
            .map(|e| EpochOut {
                start: fmt_us(e.start_us),
                start_sources: e.start_sources.clone(),
                inferred: e.inferred,
                load: e.load,
            })
            .collect(),
        inputs: m.inputs.clone(),
        working: working_evidence(ctx, i),
    }
}

/// What shows machine `i` working in its current run (see [`MachineOut::working`]).
fn working_evidence(ctx: &CaseView<'_>, i: usize) -> Vec<String> {
    use crate::knowledge::events::EventKind;
    let tl = &ctx.m(i).timeline;
    let mut out = Vec::new();
    let current: Vec<usize> = (0..tl.events.len())
        .filter(|e| tl.in_current_epoch(*e))
        .collect();
    if let Some(e) = current
        .iter()
        .rev()
        .find(|e| tl.events[**e].kind() == Some(EventKind::CertLoaded))
    {
        let ev = &tl.events[*e];
        out.push(format!(
            "certificate loaded: {} {} at {} (record {})",
            ev.provider,
            ev.event_id,
            fmt_us(ev.time_us),
            ev.record_id
        ));
    }
    let mut peers: Vec<String> = Vec::new();
    for e in current.iter().rev() {
        let ev = &tl.events[*e];
        if !matches!(
            ev.kind(),
            Some(EventKind::ConfigReceived | EventKind::ChannelUp)
        ) {
            continue;
        }
        let parents = ctx.parent_names(i);
        let peer = ev
            .role(crate::knowledge::events::Role::Peer)
            .map(|p| ctx.peer_display(p))
            .or_else(|| match parents.as_slice() {
                [one] => Some(ctx.peer_display(one)),
                _ => None,
            })
            .unwrap_or_else(|| "its parent".into());
        if peers.contains(&peer) {
            continue;
        }
        out.push(format!(
            "channel to {peer} up: {} {} at {} (record {})",
            ev.provider,
            ev.event_id,
            fmt_us(ev.time_us),
            ev.record_id
        ));
        peers.push(peer);
    }
    out
}

fn finding_out(ctx: &CaseView<'_>, rank: usize, f: &Ranked) -> FindingOut {
    FindingOut {
        rank,
        cause: f.cause.id(),
        machine: f.machine_name.clone(),
        machine_in_case: f.machine.is_some(),
        confidence: f.confidence.id(),
        score: f.score,
        kind: f.cause.kind(),
        title: f.title.clone(),
        summary: f.summary.clone(),
        evidence: f.evidence.clone(),
        remediation: f.remediation.clone(),
        explains: f
            .explains
            .iter()
            .map(|r| {
                let e = ctx.ev(r.machine, r.event);
                EventOut {
                    machine: ctx.name(r.machine),
                    provider: e.provider.clone(),
                    event_id: e.event_id,
                    record_id: e.record_id,
                    time: fmt_us(e.time_us),
                    file: e.file.clone(),
                }
            })
            .collect(),
        also_covers: f.also_covers.iter().map(|c| c.id()).collect(),
        covered_by: f.covered_by.map(|c| c.id()),
        cannot_see: f.cannot_see.clone(),
        signals: f.signals.clone(),
    }
}

/// Build the report from the case view, the ranked findings, the checks that could not run and
/// the accounting of the case's events.
pub fn build(
    ctx: &CaseView<'_>,
    findings: &[Ranked],
    mut checks_not_run: Vec<CheckNotRun>,
    accounting: Accounting,
) -> Report {
    checks_not_run.sort();
    checks_not_run.dedup();
    Report {
        tool: Tool {
            name: "scomtriage",
            version: env!("CARGO_PKG_VERSION"),
            report_format: REPORT_FORMAT,
        },
        findings: findings
            .iter()
            .enumerate()
            .map(|(k, f)| finding_out(ctx, k + 1, f))
            .collect(),
        checks_not_run,
        unexplained_events: accounting.unexplained,
        expected_events: accounting.expected,
        machines: (0..ctx.len()).map(|i| machine_out(ctx, i)).collect(),
        input_problems: ctx.case.input_problems.clone(),
        notes: standard_notes(),
    }
}

/// One line naming a piece of evidence's source (shared by the renderers).
pub fn source_text(s: &Source) -> String {
    match s {
        Source::Certificate {
            machine,
            thumbprint,
            field,
            found_in,
            ..
        } => format!("{machine}: certificate {thumbprint} ({found_in}), {field}"),
        Source::Registry {
            machine,
            file,
            key,
            value,
            line,
        } => {
            if *line > 0 {
                format!("{machine}: {file} [{key}] \"{value}\" line {line}")
            } else {
                format!("{machine}: {file} \"{value}\"")
            }
        }
        Source::Event {
            machine,
            file,
            event_id,
            record_id,
            time,
            ..
        } => format!("{machine}: event {event_id} record {record_id} at {time} ({file})"),
        Source::Key {
            machine,
            from,
            origin,
        } => format!("{machine}: private-key facts from {from} ({origin})"),
        Source::Manifest { machine, field } => format!("{machine}: {field}"),
        Source::Chain { validator, chain } => format!("chain as {validator} builds it: {chain}"),
        Source::Absence { machine, what } => format!("{machine}: looked for {what}"),
        Source::Comparison { machine } => format!("{machine}: comparison of the facts above"),
    }
}
