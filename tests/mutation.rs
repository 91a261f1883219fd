//! Mutation test over whole bundles: every corpus scenario's bundles, damaged the ways uploads
//! get damaged — bytes flipped, members truncated at a random offset, deleted, duplicated,
//! renamed, swapped with another bundle's, the zip put inside a zip, the zip file itself flipped
//! or cut — and fed to the built `scomtriage analyze --format json`.
//!
//! For every mutant `analyze` must
//! - return within a bounded time (60 s per run, killed otherwise) with exit code 0 or 1 and
//!   one JSON report on stdout (never a panic, which exits 101, nor a signal);
//! - name, in the report's `input_problems`, every member it could not use and every input
//!   problem, each with a non-empty reason. What "could not use" means is taken from the stable
//!   bundle reader (`scomtriage::bundle::read_inputs` with the options `analyze` uses).
//!
//! Deterministic: the seed is fixed (override with `SCOMTRIAGE_MUTATION_SEED`), and so is the
//! number of mutants per bundle (`SCOMTRIAGE_MUTANTS_PER_BUNDLE`, default 4, about 300 mutants).
//! Mutants run in batches of several bundles per `analyze` run; a batch that fails is re-run one
//! mutant at a time so the failure names its mutant. A failing mutant is left on disk (its path
//! is in the failure message) for replay: `scomtriage analyze --format json <path>`.

use scomtriage_corpus::generate::Bundle as GenBundle;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// splitmix64: small, fast, good enough to pick offsets and members.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A scenario bundle: (scenario-machine label, members by path).
type CorpusBundle = (String, BTreeMap<String, Vec<u8>>);

/// Every scenario bundle.
fn corpus() -> &'static Vec<CorpusBundle> {
    static CORPUS: OnceLock<Vec<CorpusBundle>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let (templates, scenarios) =
            scomtriage_corpus::scenario::load_dir(&scomtriage_corpus::scenario_dir())
                .expect("scenarios load");
        let mut out = Vec::new();
        for s in &scenarios {
            let bundles: Vec<GenBundle> =
                scomtriage_corpus::generate::generate_scenario(s, &templates)
                    .expect("scenario generates");
            for b in bundles {
                out.push((format!("{}-{}", b.scenario, b.machine), b.members));
            }
        }
        assert!(out.len() >= 40, "only {} corpus bundles", out.len());
        out
    })
}

fn seed() -> u64 {
    std::env::var("SCOMTRIAGE_MUTATION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x005C_0712_1A6E)
}

fn per_bundle() -> usize {
    std::env::var("SCOMTRIAGE_MUTANTS_PER_BUNDLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4)
}

fn zip_members(members: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(name.as_str(), opts).expect("start entry");
        w.write_all(data).expect("write entry");
    }
    w.finish().expect("finish zip").into_inner()
}

/// One family of damage.
#[derive(Debug, Clone, Copy)]
enum Family {
    /// Flip 1–64 random bytes of one member (the zip stays valid: parsers see the damage).
    FlipMember,
    /// Cut one member at a random offset.
    TruncateMember,
    /// Delete one or more members.
    DeleteMember,
    /// Copy a member to a second name beside it, and the same bytes to another spec path.
    DuplicateMember,
    /// Move a member to another spec path or to a random name.
    RenameMember,
    /// Replace a member with another bundle's member (same path, or any).
    SwapMember,
    /// The bundle zipped inside another zip, with or without other members beside it.
    ZipInZip,
    /// Flip bytes of the zip file itself, or cut it.
    DamageZip,
}

const FAMILIES: [Family; 8] = [
    Family::FlipMember,
    Family::TruncateMember,
    Family::DeleteMember,
    Family::DuplicateMember,
    Family::RenameMember,
    Family::SwapMember,
    Family::ZipInZip,
    Family::DamageZip,
];

const SPEC_PATHS: &[&str] = &[
    "manifest.json",
    "certificates/inventory.json",
    "certificates/LocalMachine/My/0000000000000000000000000000000000000000.cer",
    "certificates/LocalMachine/Root/1111111111111111111111111111111111111111.cer",
    "certificates/chains/certnew.p7b",
    "registry/opsmgr.reg",
    "registry/healthservice.reg",
    "registry/systemcertificates.reg",
    "registry/tcpip.reg",
    "eventlogs/Operations Manager.evtx",
    "eventlogs/System.evtx",
    "collector.log",
];

/// A mutant: the zip bytes and what was done (for failure messages).
struct Mutant {
    name: String,
    what: String,
    zip: Vec<u8>,
}

fn mutate(rng: &mut Prng, family: Family, index: usize, label: &str) -> Mutant {
    let all = corpus();
    let mut members = all[index].1.clone();
    let names: Vec<String> = members.keys().cloned().collect();
    let victim = rng.pick(&names).clone();
    let what;
    let zip = match family {
        Family::FlipMember => {
            let data = members.get_mut(&victim).expect("victim exists");
            let flips = 1 + rng.below(64);
            for _ in 0..flips {
                if !data.is_empty() {
                    let at = rng.below(data.len());
                    data[at] ^= 1 << rng.below(8);
                }
            }
            what = format!("{flips} bit flips in {victim}");
            zip_members(&members)
        }
        Family::TruncateMember => {
            let data = members.get_mut(&victim).expect("victim exists");
            let at = rng.below(data.len());
            data.truncate(at);
            what = format!("{victim} cut at {at}");
            zip_members(&members)
        }
        Family::DeleteMember => {
            let n = 1 + rng.below(3);
            let mut gone = Vec::new();
            for _ in 0..n {
                let k = rng.pick(&names).clone();
                if members.remove(&k).is_some() {
                    gone.push(k);
                }
            }
            what = format!("deleted {gone:?}");
            zip_members(&members)
        }
        Family::DuplicateMember => {
            let data = members[&victim].clone();
            let copy = format!("{victim}.copy");
            let spec = rng.pick(SPEC_PATHS).to_string();
            members.insert(copy.clone(), data.clone());
            members.insert(spec.clone(), data);
            what = format!("{victim} duplicated as {copy} and {spec}");
            zip_members(&members)
        }
        Family::RenameMember => {
            let data = members.remove(&victim).expect("victim exists");
            let to = if rng.below(2) == 0 {
                rng.pick(SPEC_PATHS).to_string()
            } else {
                format!("misc/renamed-{}.bin", rng.below(1000))
            };
            members.insert(to.clone(), data);
            what = format!("{victim} renamed to {to}");
            zip_members(&members)
        }
        Family::SwapMember => {
            let other = rng.below(all.len());
            let theirs = &all[other].1;
            let their_names: Vec<&String> = theirs.keys().collect();
            let (from, data) = match theirs.get(&victim) {
                Some(d) if rng.below(2) == 0 => (victim.clone(), d.clone()),
                _ => {
                    let k = *rng.pick(&their_names);
                    (k.clone(), theirs[k].clone())
                }
            };
            members.insert(victim.clone(), data);
            what = format!("{victim} replaced by {}'s {from}", all[other].0);
            zip_members(&members)
        }
        Family::ZipInZip => {
            let inner = zip_members(&members);
            let mut outer = BTreeMap::new();
            outer.insert(format!("{label}.zip"), inner);
            if rng.below(2) == 0 {
                // Loose members beside the inner zip, from the same bundle.
                let k = rng.pick(&names).clone();
                outer.insert(k.clone(), members[&k].clone());
                what = format!("bundle zipped inside a zip, {k} beside it");
            } else {
                what = "bundle zipped inside a zip".into();
            }
            zip_members(&outer)
        }
        Family::DamageZip => {
            let mut z = zip_members(&members);
            if rng.below(2) == 0 {
                let at = rng.below(z.len());
                z.truncate(at);
                what = format!("zip cut at {at}");
            } else {
                let flips = 1 + rng.below(16);
                for _ in 0..flips {
                    let at = rng.below(z.len());
                    z[at] ^= 1 << rng.below(8);
                }
                what = format!("{flips} bit flips in the zip file");
            }
            z
        }
    };
    Mutant {
        name: format!("{label}-{family:?}-{}", rng.below(1 << 20)),
        what,
        zip,
    }
}

/// Build the mutants of one family for every bundle.
fn mutants(family: Family) -> Vec<Mutant> {
    let fam_index = FAMILIES
        .iter()
        .position(|f| std::mem::discriminant(f) == std::mem::discriminant(&family))
        .unwrap_or(0);
    let mut rng = Prng(seed() ^ ((fam_index as u64 + 1) << 48));
    let all = corpus();
    let mut out = Vec::new();
    // Spread the mutants of this family over the bundles: `per_bundle` mutants per bundle in
    // total across the eight families.
    let count = (all.len() * per_bundle()).div_ceil(FAMILIES.len());
    for _ in 0..count {
        let index = rng.below(all.len());
        out.push(mutate(&mut rng, family, index, &all[index].0));
    }
    out
}

fn work_dir(family: Family) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mutation-{family:?}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mutation work dir");
    d
}

/// Run `analyze --format json` on `paths`; `Err` says why the run is unacceptable.
fn analyze(paths: &[PathBuf]) -> Result<Value, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scomtriage"))
        .arg("analyze")
        .args(["--format", "json"])
        .args(paths)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start scomtriage: {e}"))?;
    // Drain stdout on a thread so a large report cannot block the child on a full pipe.
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("analyze still running after 60 s (killed)".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = reader.join().unwrap_or_default();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    match status.code() {
        Some(0) | Some(1) => {}
        other => {
            return Err(format!(
                "analyze exited with {other:?} (panic is 101, None is a signal): {}",
                err.lines().take(5).collect::<Vec<_>>().join(" | ")
            ))
        }
    }
    serde_json::from_str(&out).map_err(|e| format!("report is not JSON: {e}"))
}

/// Every member the reader could not use, and every reader problem, must be in the report's
/// `input_problems` with a reason.
/// Returns how many unusable members and problems were checked.
fn check_named(paths: &[PathBuf], report: &Value) -> Result<usize, String> {
    let bundles = scomtriage::bundle::read_inputs(paths, &scomtriage::analyze::read_options());
    let listed: Vec<(String, String)> = report["input_problems"]
        .as_array()
        .ok_or("report has no input_problems list")?
        .iter()
        .map(|p| {
            (
                p["input"].as_str().unwrap_or_default().to_string(),
                p["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let named = |label: &str, path: &str| {
        listed.iter().any(|(input, message)| {
            input.contains(label) && input.contains(path) && !message.trim().is_empty()
        })
    };
    let mut checked = 0;
    for b in &bundles {
        for p in &b.problems {
            checked += 1;
            if !named(&b.label, &p.path) {
                return Err(format!(
                    "problem not in the report: {}: {}: {}",
                    b.label, p.path, p.message
                ));
            }
        }
        for m in &b.members {
            if let Err(e) = &m.content {
                checked += 1;
                if !named(&b.label, &m.path) {
                    return Err(format!(
                        "unusable member not in the report: {}: {}: {e}",
                        b.label, m.path
                    ));
                }
            }
        }
    }
    Ok(checked)
}

fn run_family(family: Family) {
    let dir = work_dir(family);
    let ms = mutants(family);
    let mut failures: Vec<String> = Vec::new();
    let mut kept_failing = Vec::new();
    let paths: Vec<PathBuf> = ms
        .iter()
        .map(|m| {
            let p = dir.join(format!("{}.zip", m.name));
            std::fs::write(&p, &m.zip).expect("write mutant");
            p
        })
        .collect();
    let start = Instant::now();
    let mut named = 0;
    // Batches of mutants of different bundles: one analyze run is one case of several machines.
    for (batch, batch_mutants) in paths.chunks(8).zip(ms.chunks(8)) {
        let ok = analyze(batch).and_then(|r| check_named(batch, &r));
        if let Ok(n) = ok {
            named += n;
            continue;
        }
        for (p, m) in batch.iter().zip(batch_mutants) {
            let one = std::slice::from_ref(p);
            if let Err(e) = analyze(one).and_then(|r| check_named(one, &r)) {
                failures.push(format!("{} ({}): {e}", p.display(), m.what));
                kept_failing.push(p.clone());
            }
        }
        if failures.is_empty() {
            failures.push(format!(
                "a batch failed ({}) but no mutant alone did: {:?}",
                ok.err().unwrap_or_default(),
                batch
            ));
        }
    }
    eprintln!(
        "{family:?}: {} mutants in {:.1?}, {named} unusable members or input problems named",
        ms.len(),
        start.elapsed()
    );
    assert!(failures.is_empty(), "{family:?}:\n{}", failures.join("\n"));
    // Passing mutants are not kept.
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flipped_member_bytes() {
    run_family(Family::FlipMember);
}

#[test]
fn truncated_members() {
    run_family(Family::TruncateMember);
}

#[test]
fn deleted_members() {
    run_family(Family::DeleteMember);
}

#[test]
fn duplicated_members() {
    run_family(Family::DuplicateMember);
}

#[test]
fn renamed_members() {
    run_family(Family::RenameMember);
}

#[test]
fn members_swapped_between_bundles() {
    run_family(Family::SwapMember);
}

#[test]
fn bundle_zipped_inside_a_zip() {
    run_family(Family::ZipInZip);
}

#[test]
fn damaged_zip_files() {
    run_family(Family::DamageZip);
}

#[test]
fn mutants_are_deterministic() {
    for family in FAMILIES {
        let a = mutants(family);
        let b = mutants(family);
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.zip, y.zip, "{family:?} {}", x.what);
            assert_eq!(x.what, y.what);
        }
        assert!(!a.is_empty(), "{family:?} made no mutants");
    }
}
