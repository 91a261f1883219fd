//! The `scomtriage` command line: a thin shell over the library (arguments in [`cli`], output
//! through [`stdout_result`]).

mod cli;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = io::BufWriter::new(io::stdout().lock());
    let result = match cli.command {
        Command::Inspect(args) => scomtriage::inspect::run(&args.options(), &mut out),
        Command::Cert(args) => match scomtriage::certcheck::run_cert(&args.options(), &mut out) {
            Ok(exit) => Ok(exit.code()),
            Err(scomtriage::certcheck::CertError::Write(e)) => Err(e),
            Err(e) => {
                eprintln!("scomtriage: {e}");
                return ExitCode::from(2);
            }
        },
        Command::Analyze(args) => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            match &args.output {
                None => {
                    let options = args.options(io::stdout().is_terminal(), no_color);
                    scomtriage::analyze::run(&options, &mut out, &mut io::stderr())
                }
                Some(path) => {
                    let options = args.options(false, no_color);
                    match std::fs::File::create(path) {
                        Ok(f) => {
                            let mut file = io::BufWriter::new(f);
                            let r =
                                scomtriage::analyze::run(&options, &mut file, &mut io::stderr())
                                    .and_then(|code| file.flush().map(|_| code));
                            if let Err(e) = &r {
                                eprintln!("scomtriage: cannot write {}: {e}", path.display());
                                return ExitCode::from(2);
                            }
                            r
                        }
                        Err(e) => {
                            eprintln!("scomtriage: cannot create {}: {e}", path.display());
                            return ExitCode::from(2);
                        }
                    }
                }
            }
        }
        Command::Explain(args) => explain(&args.ids, &mut out),
        Command::Completions(args) => {
            clap_complete::generate(
                args.shell.generator(),
                &mut Cli::command(),
                "scomtriage",
                &mut out,
            );
            Ok(0)
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut out)
            .map(|_| 0),
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

/// `explain`: every id must be known (else one line on stderr and exit 2, nothing printed).
fn explain(ids: &[String], out: &mut impl Write) -> io::Result<u8> {
    let mut texts = Vec::new();
    for id in ids {
        match scomtriage::explain::explain(id) {
            Ok(t) => texts.push(t),
            Err(e) => {
                eprintln!("scomtriage: {e}");
                return Ok(2);
            }
        }
    }
    out.write_all(texts.join("\n").as_bytes())?;
    Ok(0)
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
