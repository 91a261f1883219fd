//! The command line: clap types, and their conversion into the library's plain options. Nothing
//! here diagnoses; it only parses arguments, calls the library and maps the outcome to an exit
//! code.

use clap::{Args, Parser, Subcommand, ValueEnum};
use scomtriage::analyze::AnalyzeOptions;
use scomtriage::bundle::{Limits, MIB};
use scomtriage::inspect::{InspectFormat, InspectOptions};
use scomtriage::report::ReportFormat;
use scomtriage::triage::{self, TriageOptions};
use std::path::PathBuf;

/// Why can't this SCOM health service authenticate with certificates?
#[derive(Debug, Parser)]
#[command(name = "scomtriage", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what is in an upload, member by member.
    Inspect(InspectArgs),
    /// Diagnose one case: one or more bundles or loose files, all machines of one case.
    Analyze(AnalyzeArgs),
    /// Diagnose a batch: every upload under the folders given, grouped into cases, a report per
    /// case and a summary (docs/triage.md).
    Triage(TriageArgs),
    /// Combine the output folders of `triage --shard` runs into one summary.
    TriageMerge(TriageMergeArgs),
}

/// The limit flags shared by every command that reads uploads.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct LimitArgs {
    /// Maximum number of entries read from one zip (or files from one directory).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entries)]
    pub max_entries: usize,
    /// Maximum uncompressed size of one entry or file, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_entry_bytes / MIB)]
    pub max_entry_mb: u64,
    /// Maximum uncompressed bytes read from one input (zip, directory, the loose files), in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_total_bytes / MIB)]
    pub max_total_mb: u64,
    /// Maximum uncompressed/compressed ratio of one zip entry larger than 1 MiB.
    #[arg(long, value_name = "RATIO", default_value_t = Limits::default().max_ratio)]
    pub max_ratio: u64,
}

impl LimitArgs {
    /// The [`Limits`] these flags describe (MiB converted to bytes, saturating).
    pub fn limits(&self) -> Limits {
        Limits {
            max_entries: self.max_entries,
            max_entry_bytes: self.max_entry_mb.saturating_mul(MIB),
            max_total_bytes: self.max_total_mb.saturating_mul(MIB),
            max_ratio: self.max_ratio,
        }
    }
}

/// Arguments of `inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Zips, directories or loose files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    /// Limits for untrusted input.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Arguments of `analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Bundles (zip or directory) or loose files: all machines of one case.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    /// Limits for untrusted uploads (same flags as `inspect`).
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Arguments of `triage`.
#[derive(Debug, Args)]
pub struct TriageArgs {
    /// Folders (searched recursively) and zips; with --merge, the shard output folders.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output folder: cases/<case>/report.*, summary.csv, summary.jsonl, summary.md.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Cases analysed in parallel (threads); default: one per core.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Report formats per case, comma-separated; the first is linked from the summary.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = triage::formats::DEFAULT_FORMATS, value_parser = triage::formats::parse_format)]
    pub formats: Vec<ReportFormat>,
    /// How inputs are grouped into cases.
    #[arg(long, value_enum, default_value_t = GroupArg::Auto)]
    pub group: GroupArg,
    /// Progress on standard error.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    pub progress: ProgressArg,
    /// Re-run cases whose inputs are unchanged since the last run into the same --out.
    #[arg(long)]
    pub force: bool,
    /// Only the cases whose key hashes to share K of N (K from 0).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<triage::Shard>,
    /// Merge the shard output folders given as inputs into --out (same as `triage-merge`).
    #[arg(long, conflicts_with_all = ["shard", "force", "jobs"])]
    pub merge: bool,
    /// Limits for untrusted uploads (same flags as `inspect`).
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Arguments of `triage-merge`.
#[derive(Debug, Args)]
pub struct TriageMergeArgs {
    /// Output folders of `triage --shard K/N` runs.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where the merged summary and the cases go (may be one of the shard folders).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `--group` of `triage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupArg {
    /// By the collector's case id in the zip name, else by the holding folder.
    Auto,
    /// By the holding folder.
    Folder,
    /// By the collector's case id; inputs without one are each a case.
    Caseid,
    /// Every input is its own case.
    None,
}

/// `--progress` of `triage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// A bar on a terminal, a line every 10 s otherwise.
    Auto,
    /// A bar on a terminal, a line per case otherwise.
    Always,
    /// None.
    Never,
}

impl TriageArgs {
    /// The library's options.
    pub fn options(&self) -> TriageOptions {
        TriageOptions {
            inputs: self.inputs.clone(),
            out: self.out.clone(),
            jobs: self.jobs.map_or(0, usize::from),
            formats: self.formats.iter().fold(Vec::new(), |mut v, f| {
                if !v.contains(f) {
                    v.push(*f);
                }
                v
            }),
            grouping: match self.group {
                GroupArg::Auto => triage::Grouping::Auto,
                GroupArg::Folder => triage::Grouping::Folder,
                GroupArg::Caseid => triage::Grouping::CaseId,
                GroupArg::None => triage::Grouping::None,
            },
            progress: match self.progress {
                ProgressArg::Auto => triage::ProgressMode::Auto,
                ProgressArg::Always => triage::ProgressMode::Always,
                ProgressArg::Never => triage::ProgressMode::Never,
            },
            force: self.force,
            shard: self.shard,
            limits: self.limits.limits(),
        }
    }
}

/// `--format` of `inspect` and `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    /// For a terminal.
    Text,
    /// JSON.
    Json,
}

impl InspectArgs {
    /// The library's options.
    pub fn options(&self) -> InspectOptions {
        InspectOptions {
            paths: self.paths.clone(),
            format: match self.format {
                TextOrJson::Text => InspectFormat::Text,
                TextOrJson::Json => InspectFormat::Json,
            },
            limits: self.limits.limits(),
        }
    }
}

impl AnalyzeArgs {
    /// The library's options.
    pub fn options(&self) -> AnalyzeOptions {
        AnalyzeOptions {
            paths: self.paths.clone(),
            format: match self.format {
                TextOrJson::Text => ReportFormat::Text,
                TextOrJson::Json => ReportFormat::Json,
            },
            limits: self.limits.limits(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_flags_convert_mib_and_default_to_the_library_limits() {
        let a = LimitArgs {
            max_entries: 3,
            max_entry_mb: 2,
            max_total_mb: 5,
            max_ratio: 7,
        };
        assert_eq!(
            a.limits(),
            Limits {
                max_entries: 3,
                max_entry_bytes: 2 * MIB,
                max_total_bytes: 5 * MIB,
                max_ratio: 7
            }
        );
        let cli = Cli::parse_from(["scomtriage", "analyze", "x.zip"]);
        let Command::Analyze(args) = cli.command else {
            panic!("analyze expected");
        };
        assert_eq!(args.limits.limits(), Limits::default());
    }
}
