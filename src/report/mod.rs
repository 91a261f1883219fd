//! The ranked report: one value built from the facts and the ranked findings, rendered by one
//! module per format ([`text`], [`markdown`], [`json`], [`html`]). Renderers only format; what
//! they show is computed here when the report is built: the per-machine verdict ([`status`]),
//! stable finding ids, the explained events as counts ([`ExplainsOut`]) and each machine's
//! timeline ([`timeline`]). [`redact`] turns a report into one without customer names.

pub mod html;
pub mod json;
pub mod markdown;
pub mod redact;
pub mod status;
pub mod text;
pub mod timeline;

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
    /// For a ticket: CommonMark with GitHub tables ([`markdown`]).
    Markdown,
    /// One JSON object ([`json`]), the versioned contract of `docs/report-format.md`.
    Json,
    /// One self-contained HTML page with a timeline per machine ([`html`]).
    Html,
}

/// How a report is rendered, whatever the format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Text: full evidence, findings another finding covers, and the general notes.
    pub verbose: bool,
    /// Text: ANSI colours (the caller decides: a terminal, no `NO_COLOR`).
    pub color: bool,
    /// Replace customer names, addresses, serials and thumbprints with pseudonyms
    /// ([`redact`]); `None` leaves the report as it is.
    pub redact: Option<redact::RedactKey>,
}

/// Write `report` to `out` in `format`: the one entry point of every command that renders a
/// report. With [`RenderOptions::redact`] the report is redacted first, so every format shows
/// the same pseudonyms.
pub fn write(
    report: &Report,
    format: ReportFormat,
    options: &RenderOptions,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let redacted;
    let report = match &options.redact {
        Some(key) => {
            redacted = redact::redact(report, key);
            &redacted
        }
        None => report,
    };
    match format {
        ReportFormat::Text => text::write(report, options, out),
        ReportFormat::Markdown => markdown::write(report, out),
        ReportFormat::Json => json::write(report, out),
        ReportFormat::Html => html::write(report, out),
    }
}

/// Version of the JSON layout (`tool.report_format`, kept for readers of version 1).
pub const REPORT_FORMAT: u32 = 2;

/// `schema_version` of the JSON report: `MAJOR.MINOR` (`docs/report-format.md` says what may
/// change without a bump).
pub const SCHEMA_VERSION: &str = "2.0";

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
    pub parents: Vec<ParentOut>,
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
    /// The verdict on this machine (rule: [`status`]).
    pub status: status::Status,
    /// Why it has that status, in one sentence.
    pub status_reason: String,
    /// What happened when, for a picture: validity, collection, starts, loads, failures.
    pub timeline: timeline::TimelineOut,
}

/// A parent of a machine, from its registry.
#[derive(Debug, Clone, Serialize)]
pub struct ParentOut {
    /// The parent's network name as configured.
    pub network_name: String,
    /// The management group the parent belongs to.
    pub management_group: String,
}

/// Failure events of one machine and id explained by a finding.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainedGroup {
    /// Machine that logged them.
    pub machine: String,
    /// Provider.
    pub provider: String,
    /// Event id.
    pub event_id: u16,
    /// How many.
    pub count: usize,
    /// First time (RFC 3339 UTC).
    pub first: String,
    /// Last time (RFC 3339 UTC).
    pub last: String,
}

/// The failure events a finding explains: counts per machine and event id, and a few sample
/// records (the first and the last of each group), never every record.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExplainsOut {
    /// Number of events explained.
    pub total: usize,
    /// Counts per machine, provider and event id.
    pub groups: Vec<ExplainedGroup>,
    /// Up to [`EXPLAIN_SAMPLES`] records per group.
    pub samples: Vec<EventOut>,
}

/// How many sample records [`ExplainsOut`] keeps per group.
pub const EXPLAIN_SAMPLES: usize = 2;

/// The verdict on one machine named by the report: in the case, or named only by a finding.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictOut {
    /// Machine FQDN (or label).
    pub machine: String,
    /// Whether its bundle is part of the case.
    pub in_case: bool,
    /// Status (rule: [`status`]).
    pub status: status::Status,
    /// Why, in one sentence.
    pub reason: String,
    /// The stable id of its top finding.
    pub top_finding: Option<String>,
    /// Cause id of its top finding.
    pub cause: Option<&'static str>,
    /// Confidence of its top finding.
    pub confidence: Option<&'static str>,
    /// Title of its top finding.
    pub title: Option<String>,
    /// The first fix command of its top finding (or its first step's text without a command).
    pub first_fix: Option<String>,
    /// The machine that first fix is made on (not always the machine itself: a peer's trust).
    pub first_fix_on: Option<String>,
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
    /// Stable id: cause, machine and channel-certificate thumbprint, hashed ([`finding_id`]).
    pub id: String,
    /// 1-based rank.
    pub rank: usize,
    /// Cause id.
    pub cause: &'static str,
    /// Machine FQDN.
    pub machine: String,
    /// Whether the machine's bundle is part of the case.
    pub machine_in_case: bool,
    /// Thumbprint of the machine's channel certificate when one is identified (part of the id).
    pub thumbprint: Option<String>,
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
    /// Failure events this finding explains, counted.
    pub explains: ExplainsOut,
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
    /// [`SCHEMA_VERSION`].
    pub schema_version: &'static str,
    /// Whether names, addresses, serials and thumbprints were replaced by pseudonyms.
    pub redacted: bool,
    /// Tool.
    pub tool: Tool,
    /// One line: how many machines fail, are at risk, are healthy or were not diagnosed.
    pub verdict: String,
    /// The verdict per machine, failing first (the machines of the case and those only
    /// findings name).
    pub machine_verdicts: Vec<VerdictOut>,
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
            .map(|p| ParentOut {
                network_name: p.network_name.clone(),
                management_group: p.management_group.clone(),
            })
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
        status: status::Status::NotDiagnosed,
        status_reason: String::new(),
        timeline: timeline::build(ctx, i),
    }
}

/// The stable id of a finding: its cause id, a dash, and 12 hex digits of the SHA-256 of
/// `cause`, the lower-cased machine name and the upper-cased thumbprint (empty without one),
/// NUL-separated. The same cause on the same machine with the same certificate gets the same id
/// in every run; a new certificate gets a new id.
pub fn finding_id(cause: &str, machine: &str, thumbprint: Option<&str>) -> String {
    let mut input = Vec::new();
    input.extend_from_slice(cause.as_bytes());
    input.push(0);
    input.extend_from_slice(machine.to_lowercase().as_bytes());
    input.push(0);
    input.extend_from_slice(thumbprint.unwrap_or("").to_uppercase().as_bytes());
    let d = ring::digest::digest(&ring::digest::SHA256, &input);
    let hex: String = d.as_ref()[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{cause}-{hex}")
}

fn explains_out(ctx: &CaseView<'_>, f: &Ranked) -> ExplainsOut {
    let mut refs = f.explains.clone();
    refs.sort_by_key(|r| (r.machine, ctx.ev(r.machine, r.event).time_us, r.event));
    let mut groups: Vec<(ExplainedGroup, Vec<EventOut>)> = Vec::new();
    for r in &refs {
        let e = ctx.ev(r.machine, r.event);
        let out = EventOut {
            machine: ctx.name(r.machine),
            provider: e.provider.clone(),
            event_id: e.event_id,
            record_id: e.record_id,
            time: fmt_us(e.time_us),
            file: e.file.clone(),
        };
        match groups.iter_mut().find(|(g, _)| {
            g.machine == out.machine && g.provider == out.provider && g.event_id == out.event_id
        }) {
            Some((g, recs)) => {
                g.count += 1;
                g.last = out.time.clone();
                recs.push(out);
            }
            None => groups.push((
                ExplainedGroup {
                    machine: out.machine.clone(),
                    provider: out.provider.clone(),
                    event_id: out.event_id,
                    count: 1,
                    first: out.time.clone(),
                    last: out.time.clone(),
                },
                vec![out],
            )),
        }
    }
    let mut samples = Vec::new();
    for (_, recs) in &mut groups {
        let n = recs.len();
        if n <= EXPLAIN_SAMPLES {
            samples.append(recs);
        } else {
            samples.push(recs[0].clone());
            samples.push(recs[n - 1].clone());
        }
    }
    ExplainsOut {
        total: refs.len(),
        groups: groups.into_iter().map(|(g, _)| g).collect(),
        samples,
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
    let thumbprint = f
        .machine
        .and_then(|i| ctx.channel(i))
        .map(|(e, _)| e.cert.thumbprint_sha1.clone());
    FindingOut {
        id: finding_id(f.cause.id(), &f.machine_name, thumbprint.as_deref()),
        rank,
        cause: f.cause.id(),
        machine: f.machine_name.clone(),
        machine_in_case: f.machine.is_some(),
        thumbprint,
        confidence: f.confidence.id(),
        score: f.score,
        kind: f.cause.kind(),
        title: f.title.clone(),
        summary: f.summary.clone(),
        evidence: f.evidence.clone(),
        remediation: f.remediation.clone(),
        explains: explains_out(ctx, f),
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
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        redacted: false,
        verdict: String::new(),
        machine_verdicts: Vec::new(),
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
    };
    status::apply(&mut report);
    report
}

/// What to know before running a step's command, for every renderer: that it is a template and
/// what to fill in, that it needs an elevated prompt. `None` when it is runnable as printed and
/// changes nothing.
pub fn step_notes(s: &Step) -> Option<String> {
    let mut notes: Vec<String> = Vec::new();
    if s.template {
        notes.push(format!("template: fill in {}", s.placeholders.join(", ")));
    }
    if s.elevated {
        notes.push("run in an elevated (administrator) prompt".into());
    }
    (!notes.is_empty()).then(|| notes.join("; "))
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
