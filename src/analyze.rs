//! `scomtriage analyze`: diagnose one case.
//!
//! Reads every input with [`crate::bundle::read_inputs`] (event logs filtered to the relevant
//! providers), builds the facts of every machine, runs the rules, ranks the findings and renders
//! the report. Exit code 0 when a report was produced, whatever it finds; 1 when no machine could
//! be read at all (the report still lists the input problems).

use crate::bundle::{self, Bundle, Limits, ReadOptions};
use crate::facts::{self, CaseFacts};
use crate::report::{self, Report};
use crate::view::CaseView;
use crate::{accounting, rank, rules};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Bundles (zip or directory) or loose files: all machines of one case.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text)]
    pub format: AnalyzeFormat,
    /// Limits for untrusted uploads (same flags as `inspect`).
    #[command(flatten)]
    pub limits: crate::bundle::LimitArgs,
}

/// Output formats of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnalyzeFormat {
    /// For a terminal.
    Text,
    /// One JSON object.
    Json,
}

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

/// Run `analyze`.
pub fn run(args: &AnalyzeArgs) -> Result<ExitCode, String> {
    let bundles = bundle::read_inputs(&args.paths, &read_options_with(args.limits.limits()));
    let report = analyze_bundles(&bundles);
    let out = match args.format {
        AnalyzeFormat::Text => report::text::render(&report),
        AnalyzeFormat::Json => report::json::render(&report)?,
    };
    print!("{out}");
    Ok(if report.machines.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
