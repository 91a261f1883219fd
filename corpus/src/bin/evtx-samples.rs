//! `evtx-samples DIR`: write the EVTX cross-check sample set and `DIR/expected.json`
//! (see `scomtriage_corpus::evtx::samples`); `corpus/crosscheck/crosscheck.py DIR` then
//! reads every file with python-evtx and libevtx and compares.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!("usage: evtx-samples DIR");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    match scomtriage_corpus::evtx::samples::write_samples(&dir) {
        Ok(sidecar) => {
            let files = sidecar["files"].as_array().map_or(0, Vec::len);
            println!(
                "wrote {files} sample files and expected.json to {}",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("evtx-samples: writing {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
