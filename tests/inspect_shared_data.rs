//! `scomtriage inspect --format json` over the real files in `../shared/data`:
//! every `.evtx` gives the `records` and `record_errors` of `evtx/expected-counts.tsv`, and every
//! `.p7b` and `.reg` parses. Skips with a printed notice when `../shared` is absent
//! (override the location with `SCOMTRIAGE_SHARED`).
//!
//! Needs the real parsers (`scomtriage-parsers`); with the parser stubs it fails.

mod bundle_support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// Run `inspect --format json` over `paths` (as loose files) and return the JSON objects.
fn inspect_json(paths: &[PathBuf]) -> (Option<i32>, Vec<Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_scomtriage"))
        .arg("inspect")
        .arg("--format")
        .arg("json")
        .args(paths)
        .output()
        .expect("run scomtriage");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (out.status.code(), lines)
}

fn file_name(v: &Value) -> String {
    let p = v["path"].as_str().unwrap_or_default();
    p.rsplit(['/', '\\']).next().unwrap_or(p).to_string()
}

#[test]
fn evtx_counts_match_expected_counts_tsv() {
    let Some(shared) = bundle_support::shared_dir("inspect_shared_data") else {
        return;
    };
    let dir = shared.join("data").join("evtx");
    let tsv = std::fs::read_to_string(dir.join("expected-counts.tsv")).expect("read tsv");
    // file, size, records, record_errors, recovered_extra
    let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        assert!(f.len() >= 4, "bad tsv line: {line}");
        let records = f[2].parse().expect("records");
        let errors = f[3].parse().expect("record_errors");
        expected.insert(f[0].to_string(), (records, errors));
    }
    assert!(!expected.is_empty());

    // Every file of the directory, given as loose files (the .tsv itself is just text).
    let (_, lines) = inspect_json(&files_in(&dir));
    let mut seen: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for v in &lines {
        assert_ne!(v["kind"], "problem", "input problem: {v}");
        let name = file_name(v);
        if !name.to_ascii_lowercase().ends_with(".evtx") {
            continue;
        }
        assert_eq!(v["kind"], "evtx", "{v}");
        assert_eq!(v["ok"], true, "{name} did not parse: {v}");
        let records = v["records"].as_u64().unwrap_or(u64::MAX);
        let errors = v["record_errors"].as_u64().unwrap_or(u64::MAX);
        assert!(v["truncated"].is_boolean(), "{v}");
        assert!(v["providers"].is_object(), "{v}");
        seen.insert(name, (records, errors));
    }
    let mismatches: Vec<String> = expected
        .iter()
        .filter(|(f, want)| seen.get(*f) != Some(want))
        .map(|(f, want)| format!("{f}: expected {want:?}, got {:?}", seen.get(f)))
        .collect();
    assert!(
        mismatches.is_empty(),
        "records/record_errors differ from expected-counts.tsv:\n{}",
        mismatches.join("\n")
    );
    assert_eq!(seen.len(), expected.len(), "every .evtx is in the tsv");
}

#[test]
fn every_p7b_and_reg_parses() {
    let Some(shared) = bundle_support::shared_dir("inspect_shared_data") else {
        return;
    };
    let data = shared.join("data");
    let mut wanted: Vec<PathBuf> = Vec::new();
    for sub in ["p7b", "reg"] {
        let d = data.join(sub);
        if d.is_dir() {
            wanted.extend(files_in(&d).into_iter().filter(|p| {
                matches!(
                    p.extension()
                        .and_then(|e| e.to_str())
                        .map(str::to_ascii_lowercase)
                        .as_deref(),
                    Some("p7b") | Some("reg")
                )
            }));
        }
    }
    assert!(
        !wanted.is_empty(),
        "no .p7b or .reg files under {}",
        data.display()
    );
    let (code, lines) = inspect_json(&wanted);
    let mut checked = 0;
    for v in &lines {
        assert_ne!(v["kind"], "problem", "input problem: {v}");
        let name = file_name(v).to_ascii_lowercase();
        assert_eq!(v["ok"], true, "{name} did not parse: {v}");
        if name.ends_with(".p7b") {
            assert_eq!(v["kind"], "pkcs7", "{v}");
            let certs = v["certificates"].as_array().expect("certificates");
            assert!(!certs.is_empty(), "{name}: no certificates");
            for c in certs {
                assert!(c["subject"].is_string(), "{c}");
                assert!(c["serial"].as_str().is_some_and(|s| !s.is_empty()), "{c}");
                let tp = c["thumbprint_sha1"].as_str().unwrap_or_default();
                assert_eq!(tp.len(), 40, "{c}");
                assert!(c["not_after"].is_string(), "{c}");
            }
        } else {
            assert_eq!(v["kind"], "registry", "{v}");
            assert!(v["keys"].as_u64().is_some_and(|k| k > 0), "{v}");
            assert!(v["values"].is_u64(), "{v}");
        }
        checked += 1;
    }
    assert_eq!(checked, wanted.len());
    assert_eq!(code, Some(0));
}
