//! Time `parse_evtx_reader` on one file, streamed from the disk as the analyzer reads it:
//! `cargo run --release -p scomtriage-parsers --example evtx_time -- FILE [threads]
//! [filter:all|none|scom] [before:1|0] [rounds]` (`before` 0: the reference path, which reads
//! the whole file and lets the crate render every record).
use scomtriage_parsers::evtx::{parse_evtx_reader, EventFilter, ParseOptions};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: evtx_time FILE [threads] [all|none|scom] [1|0] [rounds]");
        return;
    };
    let threads = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    let filter = match args.get(2).map(String::as_str) {
        Some("all") => EventFilter::all(),
        Some("none") => EventFilter::none(),
        _ => EventFilter::for_providers([
            "OpsMgr Connector",
            "HealthService",
            "Schannel",
            "Service Control Manager",
        ]),
    };
    let before = args.get(3).is_none_or(|a| a != "0");
    let rounds: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(3);
    let options = ParseOptions {
        threads,
        filter_before_rendering: before,
        ..ParseOptions::default()
    };
    for _ in 0..rounds {
        let t = Instant::now();
        let (file, len) = match std::fs::File::open(path).and_then(|f| Ok((f.metadata()?.len(), f)))
        {
            Ok((len, f)) => (f, len),
            Err(e) => {
                eprintln!("{path}: {e}");
                return;
            }
        };
        match parse_evtx_reader(file, len, &filter, None, &options) {
            Ok(log) => println!(
                "{:.1} ms: {} records, {} decoded, {} errors, {} providers",
                t.elapsed().as_secs_f64() * 1e3,
                log.integrity.records,
                log.records.len(),
                log.integrity.record_errors,
                log.providers.len()
            ),
            Err(e) => println!("{path}: {e}"),
        }
    }
}
