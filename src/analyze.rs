//! `scomtriage analyze`: diagnose one case.
//!
//! Owner: diagnosis helper.

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
}

/// Output formats of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnalyzeFormat {
    /// For a terminal.
    Text,
    /// One JSON object.
    Json,
}

/// Run `analyze`.
pub fn run(_args: &AnalyzeArgs) -> Result<ExitCode, String> {
    Err("analyze: not implemented yet".into())
}
