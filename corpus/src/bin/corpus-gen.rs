//! `corpus-gen`: write the scenario bundles.
//!
//! ```text
//! corpus-gen OUTDIR [--only NAME] [--scenarios DIR]   every scenario (or one) + expected.json
//! corpus-gen --examples OUTDIR                          the three committed example bundles
//! corpus-gen --large SIZE_MB OUTDIR                     one big bundle for benchmarks
//! ```
//!
//! Output: `OUTDIR/<scenario>/<machine>.zip` (one zip per machine, also for one-machine
//! scenarios) and `OUTDIR/expected.json`.

use scomtriage_corpus::generate::{self, GenError};
use scomtriage_corpus::scenario::{self, Scenario};
use scomtriage_corpus::{large, EXAMPLES};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  corpus-gen OUTDIR [--only NAME] [--scenarios DIR]
  corpus-gen --examples OUTDIR
  corpus-gen --large SIZE_MB OUTDIR";

enum Mode {
    All { only: Option<String> },
    Examples,
    Large { size_mb: f64 },
}

struct Args {
    mode: Mode,
    outdir: PathBuf,
    scenarios: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut only = None;
    let mut examples = false;
    let mut large_mb = None;
    let mut scenarios = scomtriage_corpus::scenario_dir();
    let mut positional = Vec::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--only" => only = Some(it.next().ok_or("--only needs a NAME")?),
            "--examples" => examples = true,
            "--large" => {
                let v = it.next().ok_or("--large needs SIZE_MB")?;
                let mb: f64 = v.parse().map_err(|_| format!("bad SIZE_MB `{v}`"))?;
                if !(mb > 0.0 && mb <= 65_536.0) {
                    return Err(format!("SIZE_MB `{v}` out of range"));
                }
                large_mb = Some(mb);
            }
            "--scenarios" => scenarios = PathBuf::from(it.next().ok_or("--scenarios needs DIR")?),
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') => return Err(format!("unknown option `{s}`")),
            _ => positional.push(PathBuf::from(a)),
        }
    }
    let [outdir] =
        <[PathBuf; 1]>::try_from(positional).map_err(|_| "need exactly one OUTDIR".to_string())?;
    let mode = match (examples, large_mb) {
        (true, Some(_)) => return Err("--examples and --large exclude each other".into()),
        (true, None) => Mode::Examples,
        (false, Some(size_mb)) => Mode::Large { size_mb },
        (false, None) => Mode::All { only },
    };
    Ok(Args {
        mode,
        outdir,
        scenarios,
    })
}

fn run(args: Args) -> Result<(), GenError> {
    let (templates, all) = scenario::load_dir(&args.scenarios)?;
    let chosen: Vec<Scenario> = match &args.mode {
        Mode::All { only: None } => all,
        Mode::All { only: Some(name) } => {
            let found: Vec<Scenario> = all.into_iter().filter(|s| &s.id == name).collect();
            if found.is_empty() {
                return Err(GenError::Invalid {
                    scenario: name.clone(),
                    problem: "no such scenario".into(),
                });
            }
            found
        }
        Mode::Examples => all
            .into_iter()
            .filter(|s| EXAMPLES.contains(&s.id.as_str()))
            .collect(),
        Mode::Large { size_mb } => {
            let bpe = large::bytes_per_event(&templates);
            let per_hour = large::per_hour_for(*size_mb, bpe);
            eprintln!("large: {bpe:.1} bytes/event measured, {per_hour:.0} noise events/hour over 30 days");
            vec![large::large_scenario(per_hour, 30.0 * 24.0, &templates)?]
        }
    };
    let summary = generate::write_all(&args.outdir, &templates, &chosen)?;
    eprintln!(
        "wrote {} scenarios, {} bundles, {} bytes to {}",
        summary.scenarios,
        summary.bundles,
        summary.bytes,
        args.outdir.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("corpus-gen: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("corpus-gen: {e}");
            ExitCode::FAILURE
        }
    }
}
