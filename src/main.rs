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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => scomtriage::inspect::run(&args),
        Command::Analyze(args) => scomtriage::analyze::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("scomtriage: {e}");
            ExitCode::from(2)
        }
    }
}
