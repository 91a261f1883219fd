//! Filtering before rendering gives what rendering everything and filtering the JSON gives.
//!
//! `parse_evtx` reads each record's provider and event id from the BinXML and has the `evtx`
//! crate render only the records its filter keeps (`ParseOptions::filter_before_rendering`),
//! chunk by chunk as the file streams in; the reference path lets the crate's own iterator
//! read the whole file and render every record, and filters the rendered JSON. Both must yield
//! the same records, provider counts, integrity report and warnings, for any thread count and
//! however the reader hands out the bytes (`parse_evtx_reader` with reads of odd sizes): on the
//! real logs in `../shared/data/evtx` (skipped with a notice when absent, failing under
//! `SCOMTRIAGE_STRICT=1`), on the corpus' EVTX samples (damaged ones included), on every
//! scenario's logs, and on a large log of many chunks.

mod bundle_support;

use scomtriage_corpus::evtx::{samples, write_evtx};
use scomtriage_corpus::{generate, scenario};
use scomtriage_parsers::evtx::{
    parse_evtx_reader, parse_evtx_with, EventFilter, EvtxLog, ParseOptions,
};
use std::io::{self, Read};

fn scom() -> EventFilter {
    EventFilter::for_providers([
        "OpsMgr Connector",
        "HealthService",
        "Schannel",
        "Service Control Manager",
    ])
}

fn parse(bytes: &[u8], filter: &EventFilter, threads: usize, before: bool) -> Option<EvtxLog> {
    let options = ParseOptions {
        threads,
        min_chunks_per_thread: 1,
        filter_before_rendering: before,
    };
    parse_evtx_with(bytes.to_vec(), filter, None, &options).ok()
}

/// A reader that hands out the bytes in reads of odd, changing sizes (never a whole chunk).
struct Dribble<'a> {
    bytes: &'a [u8],
    step: usize,
}

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.step = self.step % 40_000 + 7_919;
        let n = buf.len().min(self.step).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// [`parse`] from a [`Dribble`] reader.
fn parse_streamed(bytes: &[u8], filter: &EventFilter, threads: usize) -> Option<EvtxLog> {
    let options = ParseOptions {
        threads,
        min_chunks_per_thread: 1,
        filter_before_rendering: true,
    };
    let reader = Dribble { bytes, step: 0 };
    parse_evtx_reader(reader, bytes.len() as u64, filter, None, &options).ok()
}

/// The filters a log is checked with: the analyzer's, everything, nothing, and the log's own
/// most common provider with and without its most common event id (so that some records are
/// kept and some are not even in logs without SCOM providers).
fn filters(bytes: &[u8]) -> Vec<EventFilter> {
    let mut out = vec![scom(), EventFilter::all(), EventFilter::none()];
    if let Some(log) = parse(bytes, &EventFilter::all(), 1, false) {
        if let Some((provider, _)) = log.providers.iter().max_by_key(|(_, n)| **n) {
            out.push(EventFilter::for_providers([provider.to_uppercase()]));
            let mut ids: Vec<u16> = log
                .records
                .iter()
                .filter(|r| &r.provider == provider)
                .map(|r| r.event_id)
                .collect();
            ids.sort_unstable();
            if let Some(&id) = ids.get(ids.len() / 2) {
                out.push(EventFilter::for_providers([provider.clone()]).with_event_ids([id]));
            }
        }
    }
    out
}

/// Check one log; returns how many records the reference path decoded over all filters.
fn check(name: &str, bytes: &[u8]) -> usize {
    let mut decoded = 0;
    for filter in filters(bytes) {
        let reference = parse(bytes, &filter, 1, false);
        for threads in [1, 2, 3] {
            let fast = match threads {
                3 => parse_streamed(bytes, &filter, threads),
                _ => parse(bytes, &filter, threads, true),
            };
            match (&reference, &fast) {
                (Some(r), Some(f)) => {
                    assert_eq!(r.records, f.records, "{name} {filter:?} {threads} threads");
                    assert_eq!(r.providers, f.providers, "{name} {filter:?}");
                    assert_eq!(r.integrity, f.integrity, "{name} {filter:?}");
                    assert_eq!(r.warnings, f.warnings, "{name} {filter:?}");
                }
                (None, None) => {}
                _ => panic!("{name}: one path failed and the other did not"),
            }
        }
        decoded += reference.map_or(0, |r| r.records.len());
    }
    decoded
}

#[test]
fn agrees_on_the_shared_real_logs() {
    let Some(shared) = bundle_support::shared_dir("evtx_filter_agrees") else {
        return;
    };
    let dir = shared.join("data").join("evtx");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("shared evtx dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("evtx"))
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "expected the shared sample logs in {}",
        dir.display()
    );
    let mut decoded = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("readable");
        decoded += check(&path.display().to_string(), &bytes);
    }
    assert!(decoded > 1000, "the filters kept almost nothing: {decoded}");
}

#[test]
fn agrees_on_the_corpus_samples_and_scenarios() {
    let mut decoded = 0;
    for sample in samples::samples() {
        let bytes = write_evtx(&sample.events, &sample.options);
        decoded += check(sample.name, &bytes);
    }
    let (templates, scenarios) =
        scenario::load_dir(&scomtriage_corpus::scenario_dir()).expect("scenarios load");
    for s in &scenarios {
        for bundle in generate::generate_scenario(s, &templates).expect("scenario generates") {
            for (path, bytes) in &bundle.members {
                if path.to_ascii_lowercase().ends_with(".evtx") {
                    decoded += check(&format!("{}:{path}", s.id), bytes);
                }
            }
        }
    }
    assert!(decoded > 1000, "the filters kept almost nothing: {decoded}");
}

#[test]
fn agrees_on_a_log_of_many_chunks() {
    check("large", &bundle_support::many_chunk_log());
}
