//! Replays every saved fuzz input under `tests/fuzz_regressions/<target>/` through the same entry
//! point the cargo-fuzz target calls (`fuzz/src/entries.rs`, included here by path), on stable
//! Rust. A file that once crashed a parser must now return without panicking.
//!
//! Each file is run on its own thread so that a panic names the file; the directory of every
//! target must exist, so a renamed target cannot silently stop being replayed.

#[path = "../fuzz/src/entries.rs"]
#[allow(dead_code)]
mod entries;

use std::path::{Path, PathBuf};

type Entry = fn(&[u8]);

const TARGETS: &[(&str, Entry)] = &[
    ("certificate", entries::certificate),
    ("pkcs7", entries::pkcs7),
    ("reg", entries::reg),
    ("certstore", entries::certstore),
    ("evtx", entries::evtx),
    ("evtx_filtered", entries::evtx_filtered),
    ("json_members", entries::json_members),
    ("zip_bundle", entries::zip_bundle),
    ("analyze", entries::analyze),
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions")
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let d = dir().join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| !n.to_string_lossy().starts_with('.') && n != "README.md")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_a_regression_directory_and_every_directory_a_target() {
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/fuzz_regressions exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut known: Vec<String> = TARGETS.iter().map(|(t, _)| t.to_string()).collect();
    known.sort();
    assert_eq!(on_disk, known);
    // The fuzz crate declares the same targets.
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"))
            .expect("fuzz/Cargo.toml readable");
    for (t, _) in TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{t}\"")),
            "fuzz/Cargo.toml has no target {t}"
        );
    }
}

#[test]
fn saved_fuzz_inputs_replay_without_panic() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for &(target, entry) in TARGETS {
        for file in inputs(target) {
            let bytes = std::fs::read(&file).expect("regression input readable");
            let label = format!(
                "{target}/{}",
                file.file_name().unwrap_or_default().to_string_lossy()
            );
            let outcome = std::thread::Builder::new()
                .name(label.clone())
                .spawn(move || entry(&bytes))
                .expect("thread starts")
                .join();
            replayed += 1;
            if outcome.is_err() {
                failures.push(label);
            }
        }
    }
    assert!(failures.is_empty(), "panicked on: {failures:?}");
    eprintln!("replayed {replayed} saved fuzz inputs");
}
