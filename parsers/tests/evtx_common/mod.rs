//! Helpers shared by the `evtx_*` integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

#[path = "../../../testsupport/shared_data.rs"]
mod shared_data;

/// `../shared/data/evtx` (or `$SCOMTRIAGE_SHARED/data/evtx`), or `None` with a printed notice
/// (a failure under `SCOMTRIAGE_STRICT=1`).
pub fn evtx_dir(test: &str) -> Option<PathBuf> {
    shared_data::shared_path(test, "data/evtx")
}

/// The bytes of one shared sample, or `None` (with a notice) when the data is absent.
pub fn sample(test: &str, name: &str) -> Option<Vec<u8>> {
    let path = evtx_dir(test)?.join(name);
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Every `*.evtx` in the shared folder, sorted by name.
pub fn all_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read evtx dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "evtx"))
        .collect();
    files.sort();
    files
}

/// `expected-counts.tsv`: (file, records, record_errors).
pub fn expected_counts(dir: &std::path::Path) -> Vec<(String, u64, u64)> {
    let text =
        std::fs::read_to_string(dir.join("expected-counts.tsv")).expect("expected-counts.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header line").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (file, records, errors) = (col("file"), col("records"), col("record_errors"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[file].to_string(),
                f[records].parse().expect("records"),
                f[errors].parse().expect("record_errors"),
            )
        })
        .collect()
}
