//! The `scomtriage` command line.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Why can't this SCOM health service authenticate with certificates?
#[derive(Debug, Parser)]
#[command(name = "scomtriage", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show what is in an upload, member by member.
    Inspect(scomtriage::inspect::InspectArgs),
    /// Diagnose one case: one or more bundles or loose files, all machines of one case.
    Analyze(scomtriage::analyze::AnalyzeArgs),
    /// Check certificate files offline as SCOM would judge them (name, usages, validity, chain).
    Cert(CertArgs),
}

// ---- `cert` (issue 13): clap arguments and their conversion to the library's plain options.

/// Arguments of `cert`.
#[derive(Debug, clap::Args)]
struct CertArgs {
    /// Certificate files: .cer/.crt/.der/.pem or .p7b (DER, PEM or Base64).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<std::path::PathBuf>,
    /// The FQDN the machine is known by (the `name` check is unknown without it).
    #[arg(long, value_name = "NAME")]
    fqdn: Option<String>,
    /// A trusted root certificate file; repeat for several (default: the roots inside FILE…).
    #[arg(long, value_name = "ROOT")]
    trust: Vec<std::path::PathBuf>,
    /// An extra CA certificate file for the chain; repeat for several.
    #[arg(long, value_name = "CERT")]
    intermediate: Vec<std::path::PathBuf>,
    /// Judge validity at this time: RFC 3339, or a date read as 00:00 UTC (default: now).
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CertFormatArg::Text)]
    format: CertFormatArg,
}

/// Output formats of `cert`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CertFormatArg {
    /// For a terminal.
    Text,
    /// One JSON object (docs/cert.md).
    Json,
}

impl CertArgs {
    fn options(self) -> scomtriage::certcheck::CertOptions {
        use scomtriage::certcheck::{CertFormat, CertOptions};
        CertOptions {
            files: self.files,
            fqdn: self.fqdn,
            trust: self.trust,
            intermediates: self.intermediate,
            at: self.at,
            format: match self.format {
                CertFormatArg::Text => CertFormat::Text,
                CertFormatArg::Json => CertFormat::Json,
            },
        }
    }
}

fn run_cert(args: CertArgs) -> Result<ExitCode, String> {
    let mut out = std::io::stdout().lock();
    scomtriage::certcheck::run_cert(&args.options(), &mut out)
        .map(|exit| ExitCode::from(exit.code()))
        .map_err(|e| e.to_string())
}

// ---- end of `cert`

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => scomtriage::inspect::run(&args),
        Command::Analyze(args) => scomtriage::analyze::run(&args),
        Command::Cert(args) => run_cert(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("scomtriage: {e}");
            ExitCode::from(2)
        }
    }
}
