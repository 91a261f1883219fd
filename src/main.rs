//! The `scomtriage` command line: a thin shell over the library (arguments in [`cli`], output
//! through [`stdout_result`]).

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use std::io::{self, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = io::BufWriter::new(io::stdout().lock());
    let result = match cli.command {
        Command::Inspect(args) => scomtriage::inspect::run(&args.options(), &mut out),
        Command::Analyze(args) => scomtriage::analyze::run(&args.options(), &mut out),
        Command::Triage(args) if args.merge => triage_exit(scomtriage::triage::run_merge(
            &args.inputs,
            &args.out,
            &mut out,
        )),
        Command::Triage(args) => triage_exit(scomtriage::triage::run(&args.options(), &mut out)),
        Command::TriageMerge(args) => triage_exit(scomtriage::triage::run_merge(
            &args.dirs, &args.out, &mut out,
        )),
    };
    stdout_result(result, &mut out)
}

/// `triage`'s outcome as an exit code: an error that stopped the run (the output could not be
/// written, shard outputs that do not fit together) is named on one line and is exit code 2.
fn triage_exit(result: Result<u8, scomtriage::triage::TriageError>) -> io::Result<u8> {
    result.or_else(|e| {
        eprintln!("scomtriage: {e}");
        Ok(2)
    })
}

/// The exit code of a command that wrote to standard output: its own code, 0 when the reader
/// closed the pipe early (`scomtriage … | head` is a normal end, not an error), 2 with a
/// one-line message for any other write failure.
fn stdout_result(result: io::Result<u8>, out: &mut impl Write) -> ExitCode {
    let result = result.and_then(|code| out.flush().map(|_| code));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scomtriage: cannot write the output: {e}");
            ExitCode::from(2)
        }
    }
}
