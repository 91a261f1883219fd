//! `triage` over a batch built from the corpus: folder-per-case uploads, flat collector-named
//! zips, nested folders, an unzipped bundle folder, a folder of loose files, a corrupt zip, an
//! empty folder and a stray text file. Checks that every input has a row, that grouping follows
//! docs/triage.md, that each machine's top cause is what `analyze` of the same bundles gives,
//! that the output does not depend on --jobs, that a re-run skips unchanged cases, that three
//! shards merged equal one run, the exit codes, and the golden summary of corpus/examples.

use scomtriage::analyze::{analyze_bundles, read_options};
use scomtriage::bundle::{read_inputs, Limits};
use scomtriage::report::ReportFormat;
use scomtriage::triage::summary::{Row, CSV_HEADER};
use scomtriage::triage::{self, Grouping, ProgressMode, Shard, TriageOptions};
use scomtriage_corpus::{generate, scenario};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The batch: its root, and the expected cases (key → the inputs `analyze` gets together).
struct Batch {
    root: PathBuf,
    cases: BTreeMap<String, Vec<PathBuf>>,
    /// Inputs that are not bundles or cannot be read, with the case they belong to.
    unreadable: BTreeMap<PathBuf, String>,
}

fn write(p: &Path, bytes: &[u8]) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

fn bundles_of(id: &str) -> Vec<generate::Bundle> {
    let (templates, scenarios) =
        scenario::load_dir(&scomtriage_corpus::scenario_dir()).expect("scenarios load");
    let s = scenarios
        .iter()
        .find(|s| s.id == id)
        .expect("scenario exists");
    generate::generate_scenario(s, &templates).expect("scenario generates")
}

fn folder(p: &Path) -> String {
    format!("folder:{}", p.display())
}

fn batch() -> &'static Batch {
    static B: OnceLock<Batch> = OnceLock::new();
    B.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("triage-batch");
        let _ = fs::remove_dir_all(&root);
        let mut cases: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        let mut unreadable = BTreeMap::new();
        // Folder per case: a gateway and its management server.
        let t100 = root.join("tickets/T100");
        for b in bundles_of("peer_untrusted") {
            let p = t100.join(format!("{}.zip", b.machine));
            write(&p, &b.zip);
            cases.entry(folder(&t100)).or_default().push(p);
        }
        // Nested folders.
        let deep = root.join("tickets/T101/upload/2026-12-05");
        for b in bundles_of("pair_expired_and_eku") {
            let p = deep.join(format!("{}.zip", b.machine));
            write(&p, &b.zip);
            cases.entry(folder(&deep)).or_default().push(p);
        }
        // An unzipped bundle (manifest.json) inside a ticket folder.
        let t102 = root.join("tickets/T102");
        for b in bundles_of("gateway_name_mismatch") {
            let dir = t102.join(b.machine.to_uppercase());
            for (path, bytes) in &b.members {
                write(&dir.join(path), bytes);
            }
            cases.entry(folder(&t102)).or_default().push(dir);
        }
        // Loose files (no manifest): the folder is one machine and its own case.
        let t103 = root.join("tickets/T103");
        for b in bundles_of("dns_failure") {
            for (path, bytes) in &b.members {
                let name = path.rsplit('/').next().unwrap();
                if name.ends_with(".reg") || name.ends_with(".evtx") || name.ends_with(".cer") {
                    write(&t103.join(name), bytes);
                }
            }
        }
        cases.insert(folder(&t103), vec![t103.clone()]);
        // Flat collector-named zips: three machines of case 4711, one of 4712.
        let flat = root.join("flat");
        for b in bundles_of("three_machines") {
            let host = b.machine.to_uppercase();
            let p = flat.join(format!("4711_{host}_20261205T101500Z.zip"));
            write(&p, &b.zip);
            cases.entry("id:4711".into()).or_default().push(p);
        }
        let healthy = bundles_of("healthy_agent");
        let p = flat.join("ScomCertBundle_4712_WEB01_20261205T101700Z.zip");
        write(&p, &healthy[0].zip);
        cases.entry("id:4712".into()).or_default().push(p);
        // A corrupt (truncated) zip with a collector name: its own case id, one unreadable row.
        let bad = flat.join("4713_BAD01_20261205T101800Z.zip");
        let z = &healthy[0].zip;
        write(&bad, &z[..z.len() / 2]);
        cases.entry("id:4713".into()).or_default().push(bad.clone());
        unreadable.insert(bad, "id:4713".to_string());
        // A stray text file beside the flat zips, an empty folder at the top.
        let notes = flat.join("notes.txt");
        write(&notes, b"customer says: it worked yesterday\n");
        unreadable.insert(notes, folder(&flat));
        let empty = root.join("empty");
        fs::create_dir_all(&empty).unwrap();
        unreadable.insert(empty, folder(&root));
        Batch {
            root,
            cases,
            unreadable,
        }
    })
}

fn options(out: &Path) -> TriageOptions {
    TriageOptions {
        inputs: vec![batch().root.clone()],
        out: out.to_path_buf(),
        jobs: 2,
        formats: vec![ReportFormat::Json, ReportFormat::Text],
        grouping: Grouping::Auto,
        progress: ProgressMode::Never,
        force: false,
        shard: None,
        limits: Limits::default(),
    }
}

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&d);
    d
}

fn rows(out: &Path) -> Vec<Row> {
    fs::read_to_string(out.join("summary.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every file under `dir`, relative path → bytes; `state.json` (it records input modification
/// times, which another test here changes) is compared by name only.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                let bytes = if rel.ends_with("state.json") {
                    Vec::new()
                } else {
                    fs::read(&p).unwrap()
                };
                out.insert(rel, bytes);
            }
        }
    }
    out
}

fn summaries(dir: &Path) -> Vec<Vec<u8>> {
    ["summary.csv", "summary.jsonl", "summary.md"]
        .iter()
        .map(|n| fs::read(dir.join(n)).unwrap())
        .collect()
}

fn one_run() -> &'static PathBuf {
    static R: OnceLock<PathBuf> = OnceLock::new();
    R.get_or_init(|| {
        let out = out_dir("triage-out-jobs2");
        let t = triage::run_batch(&options(&out)).expect("triage runs");
        assert_eq!(t.exit_code(), 0);
        out
    })
}

#[test]
fn every_input_has_a_row_and_cases_group_as_documented() {
    let b = batch();
    let rows = rows(one_run());
    let keys: BTreeSet<&str> = rows.iter().map(|r| r.case.as_str()).collect();
    let mut want: BTreeSet<String> = b.cases.keys().cloned().collect();
    want.extend(b.unreadable.values().cloned());
    assert_eq!(keys, want.iter().map(|s| s.as_str()).collect());
    for (case, inputs) in &b.cases {
        for i in inputs {
            let label = i.to_string_lossy();
            assert!(
                rows.iter()
                    .any(|r| &r.case == case && r.inputs.iter().any(|x| *x == label)),
                "no row of case {case} names input {label}"
            );
        }
    }
    for (input, case) in &b.unreadable {
        let label = input.to_string_lossy();
        let r = rows
            .iter()
            .find(|r| r.inputs == [label.to_string()])
            .unwrap_or_else(|| panic!("no row for {label}"));
        assert_eq!(&r.case, case);
        assert_eq!(r.status, "unreadable");
        assert!(!r.reason.is_empty(), "{r:?}");
    }
    let reason = |name: &str| {
        rows.iter()
            .find(|r| r.inputs.iter().any(|i| i.ends_with(name)))
            .map(|r| r.reason.clone())
            .unwrap()
    };
    assert!(reason("4713_BAD01_20261205T101800Z.zip").contains("zip"));
    assert!(reason("notes.txt").contains("not a bundle"));
    assert!(reason("empty").contains("empty folder"));
    // The three machines of case 4711 were analysed together (three rows, one case).
    assert_eq!(rows.iter().filter(|r| r.case == "id:4711").count(), 3);
    // The CSV starts with its versioned header and has one record per row.
    let csv = fs::read_to_string(one_run().join("summary.csv")).unwrap();
    assert_eq!(csv.lines().next().unwrap(), CSV_HEADER.join(","));
    assert_eq!(csv.lines().count(), rows.len() + 1);
}

#[test]
fn each_machine_top_cause_is_what_analyze_gives_for_the_same_bundles() {
    let rows = rows(one_run());
    let (mut checked, mut multi) = (0, 0);
    for (case, inputs) in &batch().cases {
        let report = analyze_bundles(read_inputs(inputs, &read_options()));
        let readable = report.machines.len();
        let case_rows: Vec<&Row> = rows
            .iter()
            .filter(|r| &r.case == case && r.status == "analyzed")
            .collect();
        assert_eq!(case_rows.len(), readable, "{case}");
        for m in &report.machines {
            let top = report
                .findings
                .iter()
                .find(|f| f.machine_in_case && f.machine == m.fqdn);
            let row = case_rows
                .iter()
                .find(|r| r.machine == m.fqdn)
                .unwrap_or_else(|| panic!("{case}: no row for {}", m.fqdn));
            assert_eq!(
                row.top_cause,
                top.map(|f| f.cause).unwrap_or(""),
                "{case} {}",
                m.fqdn
            );
            assert_eq!(row.score, top.map(|f| f.score));
            let mut others: Vec<&str> = Vec::new();
            for f in report
                .findings
                .iter()
                .filter(|f| f.machine_in_case && f.machine == m.fqdn)
                .skip(1)
            {
                if Some(f.cause) != top.map(|t| t.cause) && !others.contains(&f.cause) {
                    others.push(f.cause);
                }
            }
            assert_eq!(row.other_causes, others, "{case} {}", m.fqdn);
            multi += usize::from(!others.is_empty());
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} machines checked");
    assert!(
        multi >= 1,
        "no machine with more than one cause: the order is not tested"
    );
    // The scenarios' own answers came through (not only agreement with analyze).
    let top = |m: &str| {
        rows.iter()
            .find(|r| r.machine.starts_with(m) && r.case.contains("T100"))
            .map(|r| r.top_cause.clone())
    };
    assert_eq!(top("gw01").as_deref(), Some("peer_untrusted"));
}

#[test]
fn output_is_identical_for_any_jobs_and_a_rerun_skips_unchanged_cases() {
    let two = one_run();
    let out1 = out_dir("triage-out-jobs1");
    let mut o = options(&out1);
    o.jobs = 1;
    let t1 = triage::run_batch(&o).unwrap();
    assert_eq!(t1.analyzed, t1.cases);
    assert_eq!(tree(&out1), tree(two), "--jobs 1 and --jobs 2 differ");

    // Re-run into the same folder: nothing analysed, same summary.
    let before = summaries(&out1);
    let t = triage::run_batch(&o).unwrap();
    assert_eq!((t.analyzed, t.unchanged), (0, t.cases), "{t}");
    assert_eq!(summaries(&out1), before);

    // One input touched: only its case runs again. --force runs all.
    let touched = &batch().cases["id:4712"][0];
    let f = fs::File::options().write(true).open(touched).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    drop(f);
    let t = triage::run_batch(&o).unwrap();
    assert_eq!((t.analyzed, t.unchanged), (1, t.cases - 1), "{t}");
    assert_eq!(summaries(&out1), before);
    o.force = true;
    let t = triage::run_batch(&o).unwrap();
    assert_eq!(t.analyzed, t.cases);
}

#[test]
fn three_shards_merged_equal_one_run() {
    let whole = one_run();
    let mut dirs = Vec::new();
    let mut cases = 0;
    for k in 0..3 {
        let d = out_dir(&format!("triage-shard-{k}"));
        let mut o = options(&d);
        o.shard = Some(Shard { index: k, count: 3 });
        cases += triage::run_batch(&o).unwrap().cases;
        dirs.push(d);
    }
    let all = triage::plan(&options(whole)).len();
    assert_eq!(cases, all, "the shards do not partition the cases");
    let merged = out_dir("triage-merged");
    let mut sink = Vec::new();
    assert_eq!(triage::run_merge(&dirs, &merged, &mut sink).unwrap(), 0);
    assert_eq!(summaries(&merged), summaries(whole));
    assert_eq!(tree(&merged), tree(whole));
    // Merging into one of the shard folders gives the same summary.
    triage::run_merge(&dirs, &dirs[0], &mut sink).unwrap();
    assert_eq!(summaries(&dirs[0]), summaries(whole));
    // The same shard twice is refused, naming the case.
    let e = triage::run_merge(
        &[dirs[1].clone(), merged.clone()],
        &out_dir("triage-bad"),
        &mut sink,
    );
    assert!(
        matches!(e, Err(triage::TriageError::OverlappingShards { .. })),
        "{e:?}"
    );
}

fn bin(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_scomtriage"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn exit_codes_follow_the_contract() {
    let b = batch();
    let out = out_dir("triage-cli");
    let o = out.to_string_lossy().into_owned();
    let flat = b.root.join("flat").to_string_lossy().into_owned();
    let (code, stdout, _) = bin(&["triage", "--out", &o, "--progress", "never", &flat]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.starts_with("triage: 4 cases"), "{stdout}");
    // Nothing readable: 1, with rows saying why.
    let notes = b.root.join("flat/notes.txt").to_string_lossy().into_owned();
    let (code, _, _) = bin(&["triage", "--out", &format!("{o}-none"), &notes]);
    assert_eq!(code, 1);
    // Usage: 2.
    for bad in [
        vec!["triage", "--out", &o, "--shard", "3/3", &flat],
        vec!["triage", "--out", &o, "--formats", "pdf", &flat],
        vec!["triage", "--out", &o, "--jobs", "0", &flat],
        vec!["triage", &flat],
    ] {
        let (code, _, stderr) = bin(&bad);
        assert_eq!(code, 2, "{bad:?}: {stderr}");
    }
    let (code, stdout, _) = bin(&["triage-merge", "--out", &format!("{o}-m"), &o]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(summaries(&out), summaries(&PathBuf::from(format!("{o}-m"))));
    let (code, _, _) = bin(&["triage", "--merge", "--out", &format!("{o}-m2"), &o]);
    assert_eq!(code, 0);
    assert_eq!(
        summaries(&out),
        summaries(&PathBuf::from(format!("{o}-m2")))
    );
    // A folder that is not a triage output: a one-line error naming the file, exit 2.
    let (code, _, stderr) = bin(&["triage-merge", "--out", &format!("{o}-m3"), &flat]);
    assert_eq!(code, 2);
    assert!(stderr.contains("summary.jsonl"), "{stderr}");
}

/// The summary of the shipped examples, kept as golden files (`SCOMTRIAGE_UPDATE_GOLDEN=1`
/// rewrites them after a deliberate change; review the diff).
#[test]
fn golden_summary_of_the_shipped_examples() {
    let out = out_dir("triage-golden");
    let mut o = options(&out);
    o.inputs = vec![PathBuf::from("corpus/examples")];
    o.formats = vec![ReportFormat::Json];
    triage::run_batch(&o).unwrap();
    let golden = Path::new("tests/golden/triage");
    for name in ["summary.csv", "summary.jsonl", "summary.md"] {
        let got = fs::read_to_string(out.join(name)).unwrap();
        if std::env::var_os("SCOMTRIAGE_UPDATE_GOLDEN").is_some() {
            fs::create_dir_all(golden).unwrap();
            fs::write(golden.join(name), &got).unwrap();
        }
        let want = fs::read_to_string(golden.join(name)).unwrap_or_default();
        assert_eq!(
            got,
            want,
            "{name} differs from {}",
            golden.join(name).display()
        );
    }
}
