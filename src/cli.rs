//! The command line: clap types, and their conversion into the library's plain options. Nothing
//! here diagnoses; it only parses arguments, calls the library and maps the outcome to an exit
//! code.

use clap::{Args, Parser, Subcommand, ValueEnum};
use scomtriage::analyze::AnalyzeOptions;
use scomtriage::bundle::{Limits, MIB};
use scomtriage::finding::Confidence;
use scomtriage::inspect::{InspectFormat, InspectOptions};
use scomtriage::report::redact::RedactKey;
use scomtriage::report::{RenderOptions, ReportFormat};
use scomtriage::triage::{self, TriageOptions};
use std::path::PathBuf;

/// Exit codes, as `--help` and the README state them.
pub const EXIT_CODES: &str = "Exit codes:
  0  a report was produced (whatever it finds); explain: every id known
  1  nothing to diagnose: no input holds SCOM data (one line on stderr)
  2  usage error, unknown id (explain), or the output cannot be written
  3  analyze --fail-on LEVEL: a finding at or above LEVEL";

/// Why can't this SCOM health service authenticate with certificates?
#[derive(Debug, Parser)]
#[command(name = "scomtriage", version, about, after_help = EXIT_CODES)]
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
    /// Check certificate files offline as SCOM would judge them (name, usages, validity, chain).
    Cert(CertArgs),
    /// Explain an event id (20071), an error code (0x80092004, -2146885628, 80092004) or a
    /// cause id (untrusted_root) from the analyzer's knowledge.
    Explain(ExplainArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell) to stdout.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout: `scomtriage man > scomtriage.1`.
    Man,
    /// Diagnose a batch: every upload under the folders given, grouped into cases, a report per
    /// case and a summary (docs/triage.md).
    Triage(TriageArgs),
    /// Combine the output folders of `triage --shard` runs into one summary.
    TriageMerge(TriageMergeArgs),
}

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Event ids, error codes or cause ids.
    #[arg(required = true, value_name = "ID", allow_negative_numbers = true)]
    pub ids: Vec<String>,
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// Shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
}

impl CompletionShell {
    /// The `clap_complete` generator.
    pub fn generator(self) -> clap_complete::Shell {
        match self {
            CompletionShell::Bash => clap_complete::Shell::Bash,
            CompletionShell::Zsh => clap_complete::Shell::Zsh,
            CompletionShell::Fish => clap_complete::Shell::Fish,
            CompletionShell::Powershell => clap_complete::Shell::PowerShell,
        }
    }
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
    /// Output format: text for a terminal, markdown for a ticket, json for tools
    /// (docs/report-format.md), html for a self-contained page with a timeline per machine.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text)]
    pub format: AnalyzeFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Text: full evidence with sources, covered findings, machine details and notes.
    #[arg(short, long)]
    pub verbose: bool,
    /// Text: colours (auto = only on a terminal and without NO_COLOR).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Replace host, domain and user names, certificate names, IP addresses, serials and
    /// thumbprints with pseudonyms (numbered in order of appearance).
    #[arg(long)]
    pub redact: bool,
    /// Redact with pseudonyms keyed by this secret: the same value gets the same pseudonym in
    /// every report made with the same key (implies --redact).
    #[arg(long, value_name = "SECRET")]
    pub redact_key: Option<String>,
    /// Exit 3 when a finding has at least this confidence (for scripts).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// Limits for untrusted uploads (same flags as `inspect`).
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `--format` of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFormat {
    /// For a terminal: the verdict first.
    Text,
    /// For a ticket (CommonMark with tables).
    Markdown,
    /// JSON (schema: docs/report.schema.json).
    Json,
    /// One self-contained HTML page.
    Html,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Only on a terminal, and not when NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Low,
    /// A finding of medium or high confidence.
    Medium,
    /// A finding of high confidence.
    High,
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
    /// The library's options; `terminal` says whether the report goes to a terminal and
    /// `no_color` whether `NO_COLOR` is set (non-empty), for `--color auto`.
    pub fn options(&self, terminal: bool, no_color: bool) -> AnalyzeOptions {
        AnalyzeOptions {
            paths: self.paths.clone(),
            format: match self.format {
                AnalyzeFormat::Text => ReportFormat::Text,
                AnalyzeFormat::Markdown => ReportFormat::Markdown,
                AnalyzeFormat::Json => ReportFormat::Json,
                AnalyzeFormat::Html => ReportFormat::Html,
            },
            render: RenderOptions {
                verbose: self.verbose,
                color: match self.color {
                    ColorChoice::Always => true,
                    ColorChoice::Never => false,
                    ColorChoice::Auto => terminal && !no_color,
                },
                redact: match (&self.redact_key, self.redact) {
                    (Some(k), _) => Some(RedactKey::Keyed(k.as_bytes().to_vec())),
                    (None, true) => Some(RedactKey::Numbered),
                    (None, false) => None,
                },
            },
            fail_on: self.fail_on.map(|f| match f {
                FailOn::Low => Confidence::Low,
                FailOn::Medium => Confidence::Medium,
                FailOn::High => Confidence::High,
            }),
            limits: self.limits.limits(),
        }
    }
}

/// Arguments of `cert`.
#[derive(Debug, Args)]
pub struct CertArgs {
    /// Certificate files: .cer/.crt/.der/.pem or .p7b (DER, PEM or Base64).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The FQDN the machine is known by (the `name` check is unknown without it).
    #[arg(long, value_name = "NAME")]
    pub fqdn: Option<String>,
    /// A trusted root certificate file; repeat for several (default: the roots inside FILE…).
    #[arg(long, value_name = "ROOT")]
    pub trust: Vec<PathBuf>,
    /// An extra CA certificate file for the chain; repeat for several.
    #[arg(long, value_name = "CERT")]
    pub intermediate: Vec<PathBuf>,
    /// Judge validity at this time: RFC 3339, or a date read as 00:00 UTC (default: now).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

impl CertArgs {
    /// The library's options.
    pub fn options(&self) -> scomtriage::certcheck::CertOptions {
        use scomtriage::certcheck::{CertFormat, CertOptions};
        CertOptions {
            files: self.files.clone(),
            fqdn: self.fqdn.clone(),
            trust: self.trust.clone(),
            intermediates: self.intermediate.clone(),
            at: self.at.clone(),
            format: match self.format {
                TextOrJson::Text => CertFormat::Text,
                TextOrJson::Json => CertFormat::Json,
            },
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

    #[test]
    fn colour_follows_the_terminal_and_no_color_unless_forced() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["scomtriage", "analyze", "x.zip"];
            argv.extend_from_slice(extra);
            match Cli::parse_from(argv).command {
                Command::Analyze(a) => a,
                _ => panic!("analyze expected"),
            }
        };
        let auto = parse(&[]);
        assert!(auto.options(true, false).render.color);
        assert!(!auto.options(false, false).render.color, "not a terminal");
        assert!(!auto.options(true, true).render.color, "NO_COLOR");
        assert!(
            parse(&["--color", "always"])
                .options(false, true)
                .render
                .color
        );
        assert!(
            !parse(&["--color", "never"])
                .options(true, false)
                .render
                .color
        );
        let keyed = parse(&["--redact-key", "s3cret"]).options(false, false);
        assert_eq!(
            keyed.render.redact,
            Some(RedactKey::Keyed(b"s3cret".to_vec()))
        );
        assert_eq!(
            parse(&["--redact"]).options(false, false).render.redact,
            Some(RedactKey::Numbered)
        );
        assert_eq!(
            parse(&["--fail-on", "medium"])
                .options(false, false)
                .fail_on,
            Some(Confidence::Medium)
        );
    }
}
