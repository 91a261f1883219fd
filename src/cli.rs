//! The command line: clap types, and their conversion into the library's plain options. Nothing
//! here diagnoses; it only parses arguments, calls the library and maps the outcome to an exit
//! code.

use clap::{Args, Parser, Subcommand, ValueEnum};
use scomtriage::analyze::AnalyzeOptions;
use scomtriage::bundle::{Limits, MIB};
use scomtriage::inspect::{InspectFormat, InspectOptions};
use scomtriage::report::ReportFormat;
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
    /// Check certificate files offline as SCOM would judge them (name, usages, validity, chain).
    Cert(CertArgs),
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
}
