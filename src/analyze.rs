//! `scomtriage analyze`: diagnose one case.
//!
//! Reads every input with [`crate::bundle::read_inputs`] (event logs filtered to the relevant
//! providers), builds the facts of every machine, runs the rules, ranks the findings and renders
//! the report. Exit codes ([`run`]): 0 a report was produced; 1 nothing to diagnose (no input
//! held SCOM data: one line on the error stream, no report); 3 a finding at or above
//! [`AnalyzeOptions::fail_on`].

use crate::bundle::{self, Bundle, Limits, ReadOptions};
use crate::facts::{self, CaseFacts};
use crate::finding::Confidence;
use crate::report::{self, RenderOptions, Report, ReportFormat};
use crate::view::CaseView;
use crate::{accounting, rank, rules};
use std::io::Write;
use std::path::PathBuf;

/// Options of `analyze` (plain values: the command line lives in the binary).
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Bundles (zip or directory) or loose files: all machines of one case.
    pub paths: Vec<PathBuf>,
    /// Output format.
    pub format: ReportFormat,
    /// Rendering: verbosity, colour, redaction.
    pub render: RenderOptions,
    /// Exit 3 when a finding has at least this confidence (for scripts).
    pub fail_on: Option<Confidence>,
    /// Limits for untrusted uploads.
    pub limits: Limits,
}

/// The event providers `analyze` reads (the rest of a log is counted, not decoded).
pub const RELEVANT_PROVIDERS: &[&str] = crate::knowledge::events::RELEVANT_PROVIDERS;

/// Exit code: a report was produced.
pub const EXIT_REPORT: u8 = 0;
/// Exit code: nothing to diagnose (no input held SCOM data).
pub const EXIT_NOTHING: u8 = 1;
/// Exit code: a finding at or above `--fail-on`.
pub const EXIT_FAIL_ON: u8 = 3;

/// Read options used by `analyze`.
pub fn read_options() -> ReadOptions {
    read_options_with(Limits::default())
}

/// Read options for `analyze` with the given limits.
pub fn read_options_with(limits: Limits) -> ReadOptions {
    ReadOptions {
        limits,
        evtx_filter: facts::event_filter(),
    }
}

/// Diagnose facts already built.
pub fn analyze_case(case: &CaseFacts) -> Report {
    let view = CaseView::new(case);
    let out = rules::run_all(&view);
    let accounting = accounting::account(
        case,
        &out.findings.iter().collect::<Vec<_>>(),
        &out.expected,
    );
    let ranked = rank::rank(case, out.findings);
    report::build(&view, &ranked, case.checks_not_run.clone(), accounting)
}

/// Diagnose bundles already read. They are consumed: their event records move into the facts
/// (see [`facts::build_case`]).
pub fn analyze_bundles(bundles: Vec<Bundle>) -> Report {
    analyze_case(&facts::build_case(bundles))
}

/// Whether a machine's inputs hold anything SCOM-related: SCOM events, the SCOM or certificate
/// registry, the manifest or inventory, or certificates. An event log without SCOM events, a
/// System log or a TCP/IP registry export alone do not count.
fn holds_scom_data(i: &crate::facts::Inputs) -> bool {
    i.scom_events
        || i.opsmgr_registry
        || i.store_registry
        || i.manifest
        || i.inventory
        || i.my_exports
        || i.root_exports
        || i.ca_exports
        || i.chain_files
        || i.loose_certs
}

/// Why there is nothing to diagnose, in one line naming each input path once (with its input
/// problems when it had some): `None` when a finding was made or a machine holds SCOM data.
pub fn nothing_to_diagnose(report: &Report, paths: &[PathBuf]) -> Option<String> {
    if !report.findings.is_empty() || report.machines.iter().any(|m| holds_scom_data(&m.inputs)) {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        let problems: Vec<String> = report
            .input_problems
            .iter()
            .filter(|x| x.input == name || x.input.starts_with(&format!("{name}: ")))
            .map(|x| {
                let member = x.input[name.len()..].trim_start_matches(": ");
                if member.is_empty() {
                    x.message.clone()
                } else {
                    format!("{member}: {}", x.message)
                }
            })
            .collect();
        let line = if problems.is_empty() {
            format!("{name}: no SCOM event, registry export or certificate")
        } else {
            format!("{name}: {}", problems.join(", "))
        };
        if !parts.contains(&line) {
            parts.push(line);
        }
    }
    Some(format!("nothing to diagnose: {}", parts.join("; ")))
}

/// Run `analyze`: read the inputs and write the report to `out`. Returns the exit code:
/// [`EXIT_REPORT`], [`EXIT_FAIL_ON`] when a finding reaches [`AnalyzeOptions::fail_on`], or
/// [`EXIT_NOTHING`] after writing one line to `err` when no input holds SCOM data (no report is
/// written then). An error is a failure to write.
pub fn run(
    options: &AnalyzeOptions,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<u8> {
    let bundles = bundle::read_inputs(&options.paths, &read_options_with(options.limits.clone()));
    let report = analyze_bundles(bundles);
    if let Some(why) = nothing_to_diagnose(&report, &options.paths) {
        writeln!(err, "scomtriage: {why}")?;
        return Ok(EXIT_NOTHING);
    }
    report::write(&report, options.format, &options.render, out)?;
    out.flush()?;
    let fails = options.fail_on.is_some_and(|level| {
        report.findings.iter().any(|f| {
            let c = match f.confidence {
                "high" => Confidence::High,
                "medium" => Confidence::Medium,
                _ => Confidence::Low,
            };
            c >= level
        })
    });
    Ok(if fails { EXIT_FAIL_ON } else { EXIT_REPORT })
}
