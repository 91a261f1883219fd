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
        Command::Cert(args) => match scomtriage::certcheck::run_cert(&args.options(), &mut out) {
            Ok(exit) => Ok(exit.code()),
            Err(scomtriage::certcheck::CertError::Write(e)) => Err(e),
            Err(e) => {
                eprintln!("scomtriage: {e}");
                return ExitCode::from(2);
            }
        },
    };
    stdout_result(result, &mut out)
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
