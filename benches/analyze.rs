//! `scomtriage analyze` on large uploads against `evtx_dump`, the `evtx` crate's own CLI, on
//! the same log, measured in the same run. See `docs/performance.md` for figures.
//!
//! Run: `cargo bench -p scomtriage --bench analyze [-- SIZE_MB…] [--rounds N]` (default sizes
//! 100 and 400, 5 rounds). For each size it generates (once, into cargo's target tmp dir) a
//! `corpus-gen --large` bundle, plus for the first size one whose log has only 10 % of its
//! records from the providers the analyzer reads, and extracts each zip next to it. It
//! installs `evtx_dump` 0.15.1 with `cargo install --locked` into the tmp dir when it is not
//! there (set `EVTX_DUMP` to use another binary). Then, round after round so that load from
//! other processes hits all modes alike, it times:
//! - `evtx_dump -o jsonl -t 1` and `-t 2` on the extracted log, output to `/dev/null`;
//! - inflating the log's zip entry alone, in this process (the floor for the zip);
//! - `scomtriage analyze --format json` on the extracted folder and on the zip (the release
//!   binary, output to `/dev/null`), with its peak RSS from `/usr/bin/time` when present.
//!
//! It prints medians of wall time (and of user+system CPU time, which the load of other
//! processes on a shared machine disturbs less), MB/s of log bytes, peak RSS, and the ratios
//! the targets are about: ours on the folder / the best `evtx_dump`, and ours on the zip /
//! inflating alone. `SCOMTRIAGE_BIN=path` measures another build of ours (before/after).
//! Nothing is asserted.

use scomtriage::analyze::RELEVANT_PROVIDERS;
use scomtriage_corpus::{large, scenario};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One log to measure.
struct Case {
    name: String,
    zip: PathBuf,
    dir: PathBuf,
    log: PathBuf,
    log_len: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut sizes: Vec<f64> = Vec::new();
    let mut rounds = 5usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--rounds" {
            rounds = it.next().and_then(|n| n.parse().ok()).unwrap_or(rounds);
        } else if let Ok(mb) = a.parse::<f64>() {
            sizes.push(mb);
        }
    }
    if sizes.is_empty() {
        sizes = vec![100.0, 400.0];
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-analyze");
    let evtx_dump = match evtx_dump(&tmp) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("evtx_dump unavailable: {e}");
            return;
        }
    };
    // `SCOMTRIAGE_BIN` measures another build (for a before/after comparison).
    let ours = std::env::var_os("SCOMTRIAGE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_scomtriage")));
    let time_bin = Path::new("/usr/bin/time");
    let time_bin = time_bin.is_file().then_some(time_bin);

    let mut cases = Vec::new();
    for (i, &mb) in sizes.iter().enumerate() {
        cases.push(case(&tmp, mb, None));
        if i == 0 {
            cases.push(case(&tmp, mb, Some(10.0)));
        }
    }
    println!(
        "machine: {} CPUs available; {rounds} rounds, medians; evtx_dump {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        evtx_dump.display()
    );
    for c in &cases {
        measure(c, &evtx_dump, &ours, time_bin, rounds);
    }
}

/// Generate (once) the bundle for `mb` MiB, diluted to `relevant_percent` if given, and
/// extract it (once).
fn case(tmp: &Path, mb: f64, relevant_percent: Option<f64>) -> Case {
    let name = match relevant_percent {
        Some(p) => format!("{mb} MB, {p}% relevant"),
        None => format!("{mb} MB"),
    };
    let out = tmp.join(match relevant_percent {
        Some(p) => format!("large-{mb}-r{p}"),
        None => format!("large-{mb}"),
    });
    let zip = out.join("large").join("gw01.zip");
    if !zip.is_file() {
        let (templates, _) =
            scenario::load_dir(&scomtriage_corpus::scenario_dir()).expect("scenarios load");
        let dilute = relevant_percent.map(|p| (RELEVANT_PROVIDERS, p));
        large::write_bundle(&out, mb, dilute, &templates).expect("large bundle generates");
    }
    let dir = out.join("extracted");
    let log = dir.join("eventlogs").join("Operations Manager.evtx");
    if !log.is_file() {
        extract(&zip, &dir);
    }
    let log_len = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    Case {
        name,
        zip,
        dir,
        log,
        log_len,
    }
}

/// Extract every entry of the bench's own zip under `dir` (trusted input: we wrote it).
fn extract(zip: &Path, dir: &Path) {
    let file = std::fs::File::open(zip).expect("bench bundle opens");
    let mut archive = zip::ZipArchive::new(file).expect("bench bundle is a zip");
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry readable");
        let Some(rel) = entry.enclosed_name() else {
            continue;
        };
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("extract dir");
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("entry inflates");
        std::fs::write(&path, bytes).expect("extracted file written");
    }
}

/// Inflate the `Operations Manager.evtx` entry alone; returns its length.
fn inflate_log(zip: &Path) -> usize {
    let file = std::fs::File::open(zip).expect("bench bundle opens");
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).expect("a zip");
    let mut entry = archive
        .by_name("eventlogs/Operations Manager.evtx")
        .expect("the log is in the bundle");
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry.read_to_end(&mut bytes).expect("entry inflates");
    bytes.len()
}

/// `evtx_dump` from `$EVTX_DUMP`, `PATH`, or installed into `tmp` with cargo.
fn evtx_dump(tmp: &Path) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("EVTX_DUMP") {
        return Ok(PathBuf::from(p));
    }
    let root = tmp.join("evtx-dump");
    let bin = root.join("bin").join("evtx_dump");
    if bin.is_file() {
        return Ok(bin);
    }
    eprintln!("installing evtx_dump 0.15.1 into {} …", root.display());
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "install",
            "--locked",
            "evtx",
            "--version",
            "0.15.1",
            "--root",
        ])
        .arg(&root)
        .status()
        .map_err(|e| format!("cargo install: {e}"))?;
    if status.success() && bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("cargo install failed ({status})"))
    }
}

/// What one run of a program cost.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    wall: Duration,
    /// User + system CPU time (with `/usr/bin/time`).
    cpu: Option<Duration>,
    /// Peak RSS in KiB (with `/usr/bin/time`).
    rss: Option<u64>,
}

/// Run `program` with output to /dev/null.
fn run(program: &Path, args: &[&std::ffi::OsStr], time_bin: Option<&Path>) -> Cost {
    let mut cmd = match time_bin {
        Some(t) => {
            let mut c = Command::new(t);
            c.args(["-f", "%U %S %M"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd.output().expect("command runs");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let fields: Vec<&str> = match time_bin {
        Some(_) => stderr
            .lines()
            .last()
            .unwrap_or("")
            .split_whitespace()
            .collect(),
        None => Vec::new(),
    };
    let secs = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    let cpu = match (secs(0), secs(1)) {
        (Some(u), Some(s)) => Some(Duration::from_secs_f64(u + s)),
        _ => None,
    };
    let rss = fields.get(2).and_then(|f| f.parse().ok());
    Cost { wall, cpu, rss }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn measure(c: &Case, evtx_dump: &Path, ours: &Path, time_bin: Option<&Path>, rounds: usize) {
    let log = c.log.as_os_str();
    let dump1 = [
        "-o".as_ref(),
        "jsonl".as_ref(),
        "-t".as_ref(),
        "1".as_ref(),
        log,
    ];
    let dump2 = [
        "-o".as_ref(),
        "jsonl".as_ref(),
        "-t".as_ref(),
        "2".as_ref(),
        log,
    ];
    let on_dir = [
        "analyze".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        c.dir.as_os_str(),
    ];
    let on_zip = [
        "analyze".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        c.zip.as_os_str(),
    ];
    let names = [
        "evtx_dump -o jsonl -t 1 (extracted log)",
        "evtx_dump -o jsonl -t 2 (extracted log)",
        "inflate the log's zip entry alone",
        "scomtriage analyze (extracted folder)",
        "scomtriage analyze (zip)",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    let mut cpus: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    let mut rss: Vec<Option<u64>> = vec![None; names.len()];
    let mut record = |i: usize, c: Cost| {
        times[i].push(c.wall);
        if let Some(cpu) = c.cpu {
            cpus[i].push(cpu);
        }
        rss[i] = rss[i].max(c.rss);
    };
    for _ in 0..rounds {
        record(0, run(evtx_dump, &dump1, time_bin));
        record(1, run(evtx_dump, &dump2, time_bin));
        let t = Instant::now();
        std::hint::black_box(inflate_log(&c.zip));
        record(
            2,
            Cost {
                wall: t.elapsed(),
                ..Cost::default()
            },
        );
        record(3, run(ours, &on_dir, time_bin));
        record(4, run(ours, &on_zip, time_bin));
    }
    let med: Vec<Duration> = times.into_iter().map(median).collect();
    let cpu: Vec<Option<Duration>> = cpus
        .into_iter()
        .map(|v| (!v.is_empty()).then(|| median(v)))
        .collect();
    let mb = c.log_len as f64 / 1e6;
    println!();
    println!(
        "== {}: Operations Manager.evtx {:.1} MB, zip {:.1} MB",
        c.name,
        mb,
        std::fs::metadata(&c.zip).map_or(0.0, |m| m.len() as f64 / 1e6)
    );
    println!(
        "{:<42} {:>9} {:>9} {:>9} {:>12}",
        "mode", "wall ms", "MB/s", "CPU ms", "peak RSS MB"
    );
    for (i, name) in names.iter().enumerate() {
        let rss = rss[i].map_or("-".to_string(), |k| format!("{:.0}", k as f64 / 1024.0));
        let cpu = cpu[i].map_or("-".to_string(), |d| format!("{:.0}", d.as_secs_f64() * 1e3));
        println!(
            "{:<42} {:>9.1} {:>9.0} {:>9} {:>12}",
            name,
            med[i].as_secs_f64() * 1e3,
            mb / med[i].as_secs_f64(),
            cpu,
            rss
        );
    }
    let best_dump = med[0].min(med[1]);
    println!(
        "ratio ours (folder) / best evtx_dump: {:.2}   (target <= 1.0, then <= 0.5)",
        med[3].as_secs_f64() / best_dump.as_secs_f64()
    );
    if let (Some(ours), Some(d1), Some(d2)) = (cpu[3], cpu[0], cpu[1]) {
        println!(
            "CPU ratio ours (folder) / evtx_dump:  {:.2} of -t 1, {:.2} of -t 2",
            ours.as_secs_f64() / d1.as_secs_f64(),
            ours.as_secs_f64() / d2.as_secs_f64()
        );
    }
    println!(
        "ratio ours (zip) / inflate alone:     {:.2}   (target <= 1.1)",
        med[4].as_secs_f64() / med[2].as_secs_f64()
    );
    println!(
        "peak RSS ours (zip) - log size:       {} MB   (target <= 100)",
        rss[4].map_or("-".to_string(), |k| format!(
            "{:.0}",
            k as f64 * 1024.0 / 1e6 - mb
        ))
    );
}
