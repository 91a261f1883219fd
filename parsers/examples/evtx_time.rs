//! Time `parse_evtx_with` on one file: `cargo run --release -p scomtriage-parsers --example
//! evtx_time -- FILE [threads] [filter:all|none|scom] [before:1|0] [rounds]`.
use scomtriage_parsers::evtx::{parse_evtx_with, EventFilter, ParseOptions};
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
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return;
        }
    };
    let options = ParseOptions {
        threads,
        filter_before_rendering: before,
        ..ParseOptions::default()
    };
    for _ in 0..rounds {
        let t = Instant::now();
        match parse_evtx_with(bytes.clone(), &filter, None, &options) {
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
