//! The generated scenario corpus, end to end, for three contracts at once:
//! - every scenario bundle opens with the bundle reader without errors other than the
//!   intended damage (corpus issue);
//! - every member the generator writes (a bundle made by hand-following the collector's steps)
//!   sits at a path of the collector's `$BundleLayout` table and is recognised by the reader by
//!   its spec path (collector issue);
//! - every scenario meets `expected.json` in `analyze`: the top cause per machine, `healthy`
//!   (no medium/high finding), causes that must not be reported at any confidence, and ordering
//!   pairs (diagnosis issue).
//!
//! The corpus is generated once per run into cargo's per-target temporary directory. Set
//! `SCOMTRIAGE_CORPUS_DIR=OUTDIR` to check a corpus written by `corpus-gen OUTDIR` instead, and
//! `SCOMTRIAGE_CORPUS_ONLY=<id>` to check one scenario.

use scomtriage::analyze::{analyze_bundles, read_options};
use scomtriage::bundle::{classify, read_inputs, MemberKind, Parsed};
use scomtriage::report::json;
use scomtriage_corpus::scenario::{self, Scenario};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The corpus directory and the scenarios it was generated from.
struct Corpus {
    dir: PathBuf,
    scenarios: Vec<Scenario>,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let (templates, scenarios) =
            scenario::load_dir(&scomtriage_corpus::scenario_dir()).expect("scenarios load");
        if let Some(d) = std::env::var_os("SCOMTRIAGE_CORPUS_DIR") {
            return Corpus {
                dir: PathBuf::from(d),
                scenarios,
            };
        }
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus");
        let _ = std::fs::remove_dir_all(&dir);
        scomtriage_corpus::generate::write_all(&dir, &templates, &scenarios)
            .expect("corpus generates");
        Corpus { dir, scenarios }
    })
}

fn expected() -> Vec<Value> {
    let c = corpus();
    let text =
        std::fs::read_to_string(c.dir.join("expected.json")).expect("expected.json readable");
    let v: Value = serde_json::from_str(&text).expect("expected.json is JSON");
    v["scenarios"].as_array().cloned().unwrap_or_default()
}

fn bundle_paths(dir: &Path, s: &Value) -> Vec<PathBuf> {
    s["bundles"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|b| b["path"].as_str())
                .map(|p| dir.join(p))
                .collect()
        })
        .unwrap_or_default()
}

fn only() -> Option<String> {
    std::env::var("SCOMTRIAGE_CORPUS_ONLY").ok()
}

fn findings_for<'a>(report: &'a Value, fqdn: &str) -> Vec<&'a Value> {
    // A bundle that names no machine (certificate files only) is the scenario's one machine
    // under its label.
    let machines = report["machines"].as_array().cloned().unwrap_or_default();
    let fqdn = match machines.as_slice() {
        [one] if one["fqdn_known"] == false => one["fqdn"].as_str().unwrap_or(fqdn).to_string(),
        _ => fqdn.to_string(),
    };
    let fqdn = fqdn.as_str();
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
    let paths = bundle_paths(dir, s);
    let bundles = read_inputs(&paths, &read_options());
    let report = analyze_bundles(bundles);
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
    let dir = &corpus().dir;
    let scenarios = expected();
    assert!(!scenarios.is_empty(), "expected.json lists no scenario");
    let only = only();
    let mut problems = Vec::new();
    let mut checked = 0;
    for s in &scenarios {
        if only.as_deref().is_some_and(|o| s["id"].as_str() != Some(o)) {
            continue;
        }
        checked += 1;
        problems.extend(check_scenario(dir, s));
    }
    eprintln!(
        "corpus: {checked} scenario(s) checked, {} problem(s)",
        problems.len()
    );
    assert!(checked > 0, "no scenario checked");
    assert!(
        problems.is_empty(),
        "corpus expectations not met:\n{}",
        problems.join("\n")
    );
}

/// Whether a scenario damages any machine's event log on purpose.
fn damaged(s: &Scenario) -> bool {
    s.machines.values().any(|m| {
        let d = &m.evtx.damage;
        d.truncate_to.is_some()
            || d.truncate_tail.is_some()
            || !d.bad_chunk_crc.is_empty()
            || !d.bad_chunk_magic.is_empty()
            || !d.zero_chunks.is_empty()
    })
}

#[test]
fn every_scenario_bundle_opens_without_errors_other_than_intended_damage() {
    let c = corpus();
    let mut problems = Vec::new();
    let mut members = 0;
    let mut damaged_seen = 0;
    for s in expected() {
        let id = s["id"].as_str().unwrap_or("?").to_string();
        if only().is_some_and(|o| o != id) {
            continue;
        }
        let scen = c.scenarios.iter().find(|x| x.id == id);
        let intended = scen.is_some_and(damaged);
        let mut damage_found = false;
        for path in bundle_paths(&c.dir, &s) {
            for b in read_inputs(std::slice::from_ref(&path), &read_options()) {
                for p in &b.problems {
                    problems.push(format!(
                        "{id}: {}: problem: {}: {}",
                        b.label, p.path, p.message
                    ));
                }
                for m in &b.members {
                    members += 1;
                    match &m.content {
                        Err(e) => problems.push(format!("{id}: {}: {}: {e}", b.label, m.path)),
                        Ok(Parsed::Evtx(log)) => {
                            let i = &log.integrity;
                            let hurt = i.truncated
                                || i.record_errors > 0
                                || !i.bad_checksum_chunks.is_empty()
                                || !i.header_checksum_ok;
                            if hurt && !intended {
                                problems.push(format!(
                                    "{id}: {}: {}: unintended damage {i:?}",
                                    b.label, m.path
                                ));
                            }
                            damage_found |= hurt;
                        }
                        Ok(Parsed::Registry(r)) if !r.problems.is_empty() => problems
                            .push(format!("{id}: {}: {}: {:?}", b.label, m.path, r.problems)),
                        Ok(_) => {}
                    }
                }
            }
        }
        if intended {
            damaged_seen += 1;
            if !damage_found {
                problems.push(format!("{id}: intended damage not seen by the reader"));
            }
        }
    }
    eprintln!("corpus: {members} members read, {damaged_seen} damaged scenario(s)");
    assert!(members > 0, "no member read");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The member paths of the collector's `$BundleLayout` table (folders and files).
fn collector_layout() -> Vec<String> {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("collectors/Collect-ScomCertBundle.ps1");
    let text = std::fs::read_to_string(&script).expect("collector script readable");
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("$script:BundleLayout"));
    assert!(
        lines.next().is_some(),
        "no $script:BundleLayout table in the collector"
    );
    let layout: Vec<String> = lines
        .take_while(|l| l.trim() != "}")
        .filter_map(|l| {
            let (_, v) = l.split_once('=')?;
            Some(v.trim().trim_matches('\'').to_string())
        })
        .collect();
    assert!(
        layout.len() >= 15,
        "collector layout table looks truncated: {layout:?}"
    );
    layout
}

#[test]
fn corpus_members_sit_where_the_collector_writes_and_the_reader_reads_them() {
    let c = corpus();
    let layout = collector_layout();
    let mut problems = Vec::new();
    let mut checked = 0;
    for s in expected() {
        let id = s["id"].as_str().unwrap_or("?").to_string();
        for path in bundle_paths(&c.dir, &s) {
            for b in read_inputs(std::slice::from_ref(&path), &read_options()) {
                for m in &b.members {
                    checked += 1;
                    let in_layout = layout.iter().any(|l| {
                        m.path.eq_ignore_ascii_case(l)
                            || m.path
                                .to_ascii_lowercase()
                                .starts_with(&format!("{}/", l.to_ascii_lowercase()))
                    });
                    if !in_layout {
                        problems.push(format!("{id}: {}: not in the collector's layout", m.path));
                    }
                    match classify::kind_by_path(&m.path) {
                        Some(k)
                            if k == m.kind
                                || (k == MemberKind::Certificate
                                    && m.kind == MemberKind::Pkcs7) => {}
                        other => problems.push(format!(
                            "{id}: {}: read as {:?} but its spec path says {other:?}",
                            m.path, m.kind
                        )),
                    }
                }
            }
        }
    }
    eprintln!(
        "corpus: {checked} member paths checked against {} layout entries",
        layout.len()
    );
    assert!(checked > 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every problem with the fixes of one report: a runnable command with a placeholder or an
/// unknown machine in it, a certificate that is not self-signed added to Root, a file named
/// that is not in the bundles.
fn unsafe_fixes(report: &Value, certs: &[(String, bool)], files: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for f in report["findings"].as_array().into_iter().flatten() {
        let id = format!(
            "{} on {}",
            f["cause"].as_str().unwrap_or("?"),
            f["machine"].as_str().unwrap_or("?")
        );
        for s in f["remediation"].as_array().into_iter().flatten() {
            let Some(cmd) = s["command"].as_str() else {
                continue;
            };
            let template = s["template"].as_bool().unwrap_or(false);
            let has_placeholder = cmd.contains('<') && cmd.contains('>');
            if !template && (has_placeholder || cmd.contains("unknown machine")) {
                out.push(format!("{id}: runnable command with a placeholder: {cmd}"));
            }
            if template && s["placeholders"].as_array().is_none_or(|p| p.is_empty()) {
                out.push(format!("{id}: template without named placeholders: {cmd}"));
            }
            if let Some(file) = cmd.strip_prefix("certutil -addstore Root ") {
                if !template {
                    let thumb = file.trim_end_matches(".cer");
                    match certs.iter().find(|(t, _)| t.eq_ignore_ascii_case(thumb)) {
                        Some((_, true)) => {}
                        Some((_, false)) => out.push(format!(
                            "{id}: adds a certificate that is not self-signed to Root: {cmd}"
                        )),
                        None => out.push(format!(
                            "{id}: adds {file} to Root, a certificate in no bundle of the case"
                        )),
                    }
                }
            }
            for named in s["files"].as_array().into_iter().flatten() {
                let named = named.as_str().unwrap_or_default();
                if !files.iter().any(|f| f == named) {
                    out.push(format!("{id}: names {named}, which is not in the bundles"));
                }
            }
        }
    }
    out
}

#[test]
fn every_fix_of_every_scenario_is_safe_to_paste() {
    let c = corpus();
    let mut problems = Vec::new();
    let mut steps = 0usize;
    for s in expected() {
        let id = s["id"].as_str().unwrap_or("?").to_string();
        if only().is_some_and(|o| o != id) {
            continue;
        }
        let paths = bundle_paths(&c.dir, &s);
        // The whole case, and each machine alone (a different set of rules fires).
        let mut cases: Vec<Vec<PathBuf>> = vec![paths.clone()];
        if paths.len() > 1 {
            cases.extend(paths.iter().map(|p| vec![p.clone()]));
        }
        for case in cases {
            let bundles = read_inputs(&case, &read_options());
            let mut certs: Vec<(String, bool)> = Vec::new();
            let mut files: Vec<String> = Vec::new();
            for b in &bundles {
                for m in &b.members {
                    files.push(format!("{}: {}", b.label, m.path));
                    let list = match &m.content {
                        Ok(Parsed::Certificates(l)) | Ok(Parsed::Pkcs7(l)) => l.clone(),
                        _ => Vec::new(),
                    };
                    for cert in list {
                        certs.push((cert.thumbprint_sha1.clone(), cert.self_issued));
                    }
                }
            }
            let report: Value =
                serde_json::from_str(&json::render(&analyze_bundles(bundles)).expect("renders"))
                    .expect("JSON");
            steps += report["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| f["remediation"].as_array().map_or(0, |r| r.len()))
                .sum::<usize>();
            for p in unsafe_fixes(&report, &certs, &files) {
                problems.push(format!("{id}: {p}"));
            }
            // User-facing text never cites our internal reference by section.
            if report.to_string().contains('§') {
                problems.push(format!("{id}: the report cites a reference section (§)"));
            }
            // A check not run names each missing bundle once.
            for c in report["checks_not_run"].as_array().into_iter().flatten() {
                let m = c["missing_input"].as_str().unwrap_or_default();
                let names: Vec<&str> = m.split([' ', ',']).filter(|w| w.contains('.')).collect();
                let mut unique = names.clone();
                unique.sort_unstable();
                unique.dedup();
                if unique.len() != names.len() {
                    problems.push(format!("{id}: a name repeated in \"{m}\""));
                }
            }
        }
    }
    println!("checked {steps} remediation steps");
    assert!(steps > 0, "no remediation step was checked");
    assert!(
        problems.is_empty(),
        "unsafe fixes:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_cause_explains_its_events_in_earlier_runs_and_the_queue_drops_of_the_outage() {
    let c = corpus();
    let Some(s) = expected()
        .into_iter()
        .find(|s| s["id"] == "name_mismatch_two_runs")
    else {
        panic!("scenario name_mismatch_two_runs is in the corpus");
    };
    let bundles = read_inputs(&bundle_paths(&c.dir, &s), &read_options());
    let report: Value =
        serde_json::from_str(&json::render(&analyze_bundles(bundles)).expect("renders"))
            .expect("JSON");
    let unexplained: Vec<u64> = report["unexplained_events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["event_id"].as_u64())
        .collect();
    for id in [20052, 21021, 21007, 21016, 2023] {
        assert!(
            !unexplained.contains(&id),
            "{id} is listed as unexplained: {unexplained:?}"
        );
    }
    let top = &report["findings"][0];
    assert_eq!(top["cause"], "name_mismatch");
    let evidence = top["evidence"].to_string();
    assert!(
        evidence.contains("also in the previous run(s) since"),
        "{evidence}"
    );
    assert!(evidence.contains("send-queue drop"), "{evidence}");
}
