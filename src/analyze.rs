//! `scomtriage analyze`: diagnose one case.
//!
//! Reads every input with [`crate::bundle::read_inputs`] (event logs filtered to the relevant
//! providers), builds the facts of every machine, runs the rules, ranks the findings and renders
//! the report. Exit code 0 when a report was produced, whatever it finds; 1 when no machine could
//! be read at all (the report still lists the input problems).

use crate::bundle::{self, Bundle, Limits, ReadOptions};
use crate::facts::{self, CaseFacts};
use crate::report::{self, Report, ReportFormat};
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
    /// Limits for untrusted uploads.
    pub limits: Limits,
}

/// The event providers `analyze` reads (the rest of a log is counted, not decoded).
pub const RELEVANT_PROVIDERS: &[&str] = crate::knowledge::events::RELEVANT_PROVIDERS;

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

/// Diagnose bundles already read.
pub fn analyze_bundles(bundles: &[Bundle]) -> Report {
    analyze_case(&facts::build_case(bundles))
}

/// Run `analyze`: read the inputs, write the report to `out`, and return the exit code: 0 when
/// a report was produced, whatever it finds; 1 when no machine could be read at all (the report
/// still lists the input problems). An error is a failure to write.
pub fn run(options: &AnalyzeOptions, out: &mut impl Write) -> std::io::Result<u8> {
    let bundles = bundle::read_inputs(&options.paths, &read_options_with(options.limits.clone()));
    let report = analyze_bundles(&bundles);
    report::write(&report, options.format, out)?;
    out.flush()?;
    Ok(if report.machines.is_empty() { 1 } else { 0 })
}
