//! Runs every scenario of the generated corpus through `analyze` and checks the expectations
//! of `expected.json`: the top cause per machine, `healthy` (no medium/high finding), causes
//! that must not be reported at any confidence, and ordering pairs.
//!
//! Generate the corpus with `cargo run -p scomtriage-corpus --bin corpus-gen -- OUTDIR` and set
//! `SCOMTRIAGE_CORPUS_DIR=OUTDIR`. Without it the test prints a notice and passes.

use scomtriage::analyze::{analyze_bundles, read_options};
use scomtriage::bundle::read_inputs;
use scomtriage::report::json;
use serde_json::Value;
use std::path::PathBuf;

fn corpus_dir() -> Option<PathBuf> {
    let d = PathBuf::from(std::env::var_os("SCOMTRIAGE_CORPUS_DIR")?);
    d.join("expected.json").is_file().then_some(d)
}

fn findings_for<'a>(report: &'a Value, fqdn: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| {
                    f["machine"]
                        .as_str()
                        .is_some_and(|m| m.eq_ignore_ascii_case(fqdn.trim_end_matches('.')))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn check_scenario(dir: &std::path::Path, s: &Value) -> Vec<String> {
    let id = s["id"].as_str().unwrap_or("?");
    let paths: Vec<PathBuf> = s["bundles"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|b| b["path"].as_str())
                .map(|p| dir.join(p))
                .collect()
        })
        .unwrap_or_default();
    let bundles = read_inputs(&paths, &read_options());
    let report = analyze_bundles(&bundles);
    let text = match json::render(&report) {
        Ok(t) => t,
        Err(e) => return vec![format!("{id}: {e}")],
    };
    let v: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return vec![format!("{id}: report is not JSON: {e}")],
    };
    let mut problems = Vec::new();
    for e in s["expect"].as_array().cloned().unwrap_or_default() {
        let fqdn = e["fqdn"].as_str().unwrap_or("").to_lowercase();
        let fs = findings_for(&v, &fqdn);
        let listing: Vec<String> = fs
            .iter()
            .map(|f| {
                format!(
                    "{}({} {})",
                    f["cause"].as_str().unwrap_or("?"),
                    f["confidence"].as_str().unwrap_or("?"),
                    f["score"]
                )
            })
            .collect();
        if let Some(top) = e["top"].as_str() {
            match fs.first() {
                Some(f) if f["cause"] == top => {}
                _ => problems.push(format!(
                    "{id}/{fqdn}: top should be {top}, got [{}]",
                    listing.join(", ")
                )),
            }
        }
        if e["healthy"].as_bool() == Some(true) {
            let strong: Vec<&String> = fs
                .iter()
                .zip(listing.iter())
                .filter(|(f, _)| f["confidence"] != "low")
                .map(|(_, l)| l)
                .collect();
            if !strong.is_empty() {
                problems.push(format!("{id}/{fqdn}: should be healthy, got {strong:?}"));
            }
        }
        for not in e["not"].as_array().cloned().unwrap_or_default() {
            if fs.iter().any(|f| f["cause"] == not) {
                problems.push(format!(
                    "{id}/{fqdn}: must not report {not}, got [{}]",
                    listing.join(", ")
                ));
            }
        }
        for pair in e["order"].as_array().cloned().unwrap_or_default() {
            let (a, b) = (&pair[0], &pair[1]);
            let ra = fs.iter().position(|f| f["cause"] == *a);
            let rb = fs.iter().position(|f| f["cause"] == *b);
            match (ra, rb) {
                (Some(x), Some(y)) if x < y => {}
                _ => problems.push(format!(
                    "{id}/{fqdn}: {a} must rank above {b}, got [{}]",
                    listing.join(", ")
                )),
            }
        }
    }
    problems
}

#[test]
fn every_corpus_scenario_meets_its_expectations() {
    let Some(dir) = corpus_dir() else {
        eprintln!(
            "notice: SCOMTRIAGE_CORPUS_DIR not set (or has no expected.json); corpus check skipped"
        );
        return;
    };
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json readable");
    let expected: Value = serde_json::from_str(&text).expect("expected.json is JSON");
    let scenarios = expected["scenarios"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!scenarios.is_empty(), "expected.json lists no scenario");
    let only = std::env::var("SCOMTRIAGE_CORPUS_ONLY").ok();
    let mut problems = Vec::new();
    let mut checked = 0;
    for s in &scenarios {
        if only.as_deref().is_some_and(|o| s["id"].as_str() != Some(o)) {
            continue;
        }
        checked += 1;
        problems.extend(check_scenario(&dir, s));
    }
    eprintln!(
        "corpus: {checked} scenario(s) checked, {} problem(s)",
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "corpus expectations not met:\n{}",
        problems.join("\n")
    );
}
