//! `scomtriage inspect`: what is in an upload, member by member.
//!
//! Owner: bundle-reader helper.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Zips, directories or loose files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub format: InspectFormat,
}

/// Output formats of `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InspectFormat {
    /// For a terminal.
    Text,
    /// One JSON object per member, one per line.
    Json,
}

/// Run `inspect`.
pub fn run(_args: &InspectArgs) -> Result<ExitCode, String> {
    Err("inspect: not implemented yet".into())
}
