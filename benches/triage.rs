//! What `triage` costs over a batch of generated bundles, and whether it scales: bundles/s and
//! MB/s with `--jobs 1` and `--jobs 2` (the speed-up is the ratio of the two, measured in the
//! same run), the peak RSS of the process at 200 bundles, and at 400 (flat memory: the ratio of
//! the two should stay near 1).
//!
//! Run: `cargo bench -p scomtriage --bench triage [-- BUNDLES]` (default 200). Every corpus
//! scenario is generated once; its bundles are copied into one case folder per copy until the
//! batch holds BUNDLES bundles (and a second batch twice that). The `scomtriage` binary is run
//! as a child process (`--force --progress never`, fresh output folder, best of 3 wall times, the
//! two `--jobs` values alternating so both see the same background load);
//! peak RSS is the child's `VmHWM` from `/proc`, sampled every 2 ms. Nothing is asserted: it prints.

use scomtriage_corpus::{generate, scenario};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("triage-bench");
    let _ = fs::remove_dir_all(&tmp);
    let (templates, scenarios) =
        scenario::load_dir(&scomtriage_corpus::scenario_dir()).expect("scenarios load");
    let sets: Vec<Vec<generate::Bundle>> = scenarios
        .iter()
        .map(|s| generate::generate_scenario(s, &templates).expect("scenario generates"))
        .collect();
    let small = tmp.join(format!("batch-{n}"));
    let large = tmp.join(format!("batch-{}", 2 * n));
    let (bundles, bytes) = write_batch(&small, &sets, n);
    let (bundles2, bytes2) = write_batch(&large, &sets, 2 * n);
    println!(
        "batch: {bundles} bundles, {:.1} MB of zips, {} scenarios cycled (one case folder per copy)",
        bytes as f64 / 1e6,
        sets.len()
    );

    // Other processes on the machine skew both timings and the speed-up: say how busy it was.
    println!("load average before: {}", loadavg());
    // --jobs 1 and 2 alternate within each round, so that both see the same background load.
    let [one, two] = best(&small, &tmp, [1, 2]);
    let [big_one, big] = best(&large, &tmp, [1, 2]);
    println!(
        "{:<26} {:>9} {:>11} {:>8} {:>8} {:>14}",
        "run", "wall s", "bundles/s", "MB/s", "CPU s", "peak RSS MB"
    );
    for (name, r, b, by) in [
        (format!("{bundles} bundles, --jobs 1"), &one, bundles, bytes),
        (format!("{bundles} bundles, --jobs 2"), &two, bundles, bytes),
        (
            format!("{bundles2} bundles, --jobs 1"),
            &big_one,
            bundles2,
            bytes2,
        ),
        (
            format!("{bundles2} bundles, --jobs 2"),
            &big,
            bundles2,
            bytes2,
        ),
    ] {
        let s = r.wall.as_secs_f64();
        println!(
            "{:<26} {:>9.2} {:>11.1} {:>8.1} {:>8.2} {:>14.1}",
            name,
            s,
            b as f64 / s,
            by as f64 / 1e6 / s,
            r.cpu,
            r.peak_rss_kb as f64 / 1024.0
        );
    }
    println!("load average after: {}", loadavg());
    println!(
        "speed-up --jobs 2 / --jobs 1: {:.2} (target >= 1.8 on 2 cores)",
        one.wall.as_secs_f64() / two.wall.as_secs_f64()
    );
    println!(
        "peak RSS {bundles2} / {bundles} bundles: {:.3} with --jobs 1, {:.3} with --jobs 2 (target <= 1.10); peak RSS at {bundles} bundles {:.0} MB (target <= 300)",
        big_one.peak_rss_kb as f64 / one.peak_rss_kb.max(1) as f64,
        big.peak_rss_kb as f64 / two.peak_rss_kb.max(1) as f64,
        two.peak_rss_kb.max(one.peak_rss_kb) as f64 / 1024.0
    );
}

/// Copies of every scenario's bundles, one case folder per copy, until `n` bundles are written.
fn write_batch(dir: &Path, sets: &[Vec<generate::Bundle>], n: usize) -> (usize, u64) {
    let (mut count, mut bytes) = (0usize, 0u64);
    let mut copy = 0usize;
    'outer: loop {
        for (k, set) in sets.iter().enumerate() {
            let case = dir.join(format!("c{copy:03}-{k:02}"));
            for b in set {
                if count == n {
                    break 'outer;
                }
                let p = case.join(format!("{}.zip", b.machine));
                fs::create_dir_all(&case).expect("batch folder");
                fs::write(&p, &b.zip).expect("bundle written");
                count += 1;
                bytes += b.zip.len() as u64;
            }
        }
        copy += 1;
    }
    (count, bytes)
}

struct Run {
    wall: Duration,
    peak_rss_kb: u64,
    /// User + system CPU seconds of the child (last sample before it exited).
    cpu: f64,
}

/// For each `--jobs` value: the best wall time, the least CPU time and the highest peak RSS of 3
/// rounds (each round runs every value once, in turn).
fn best(batch: &Path, tmp: &Path, jobs: [usize; 2]) -> [Run; 2] {
    let mut out = jobs.map(|_| Run {
        wall: Duration::MAX,
        peak_rss_kb: 0,
        cpu: f64::MAX,
    });
    for round in 0..3 {
        for (k, j) in jobs.iter().enumerate() {
            let dir = tmp.join(format!("out-{j}-{round}"));
            let _ = fs::remove_dir_all(&dir);
            let r = run_once(batch, &dir, *j);
            out[k].wall = out[k].wall.min(r.wall);
            out[k].peak_rss_kb = out[k].peak_rss_kb.max(r.peak_rss_kb);
            out[k].cpu = out[k].cpu.min(r.cpu);
            let _ = fs::remove_dir_all(&dir);
        }
    }
    out
}

fn run_once(batch: &Path, out: &Path, jobs: usize) -> Run {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scomtriage"))
        .arg("triage")
        .arg("--out")
        .arg(out)
        .args([
            "--jobs",
            &jobs.to_string(),
            "--force",
            "--progress",
            "never",
        ])
        .arg(batch)
        .stdout(Stdio::null())
        .spawn()
        .expect("scomtriage starts");
    let status_path = PathBuf::from(format!("/proc/{}/status", child.id()));
    let stat_path = PathBuf::from(format!("/proc/{}/stat", child.id()));
    let mut peak = 0u64;
    let mut cpu = 0f64;
    loop {
        if let Some(kb) = vm_hwm_kb(&status_path) {
            peak = peak.max(kb);
        }
        if let Some(c) = cpu_seconds(&stat_path) {
            cpu = cpu.max(c);
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                assert!(
                    status.code().is_some_and(|c| c == 0),
                    "triage failed: {status}"
                );
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("waiting for scomtriage: {e}"),
        }
    }
    Run {
        wall: start.elapsed(),
        peak_rss_kb: peak,
        cpu,
    }
}

/// utime + stime of `/proc/<pid>/stat`, in seconds (clock ticks of 1/100 s, Linux's USER_HZ).
fn cpu_seconds(stat: &Path) -> Option<f64> {
    let text = fs::read_to_string(stat).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn vm_hwm_kb(status: &Path) -> Option<u64> {
    let text = fs::read_to_string(status).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `/proc/loadavg`'s 1, 5 and 15 minute averages and the core count.
fn loadavg() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let avg = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let avg: Vec<&str> = avg.split_whitespace().take(3).collect();
    format!("{} ({cores} cores)", avg.join(" "))
}
