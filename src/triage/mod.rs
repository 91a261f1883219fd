//! `scomtriage triage`: every upload of a batch, grouped into cases, analysed case by case in
//! parallel, with a report per case and a summary to sort and filter.
//!
//! Data flow: [`discover`] the inputs → group them into cases by [`group`] → keep this
//! [`shard`]'s cases → run each case ([`case`]: read, analyse, write reports and rows, record
//! [`state`]) on a pool of its own → assemble the [`summary`] from the cases' rows, in case-key
//! order. [`merge`] combines shard outputs. Layout and contracts: `docs/triage.md`.
//!
//! Parallelism: `jobs` rayon threads in a pool of this run's own. Each thread loops taking the
//! next case, largest first (a broadcast, not a `par_iter` over cases), so at most `jobs` cases
//! are in memory at once even though the bundle reader inside a case uses the same pool for its
//! members: a thread waiting inside a case can only help with member work, never start another
//! case.
//! Nesting is safe: rayon's own joins never block a thread outside the pool's scheduler, and the
//! EVTX parser runs single-threaded per file (its `num_threads` default of one parses inline, no
//! `rayon::spawn` and no channel wait — the path that deadlocks when nested).

pub mod case;
pub mod discover;
pub mod formats;
pub mod group;
pub mod merge;
pub mod progress;
pub mod shard;
pub mod state;
pub mod summary;

pub use group::Grouping;
pub use progress::ProgressMode;
pub use shard::Shard;

use crate::bundle::Limits;
use crate::report::ReportFormat;
use case::{CaseJob, CaseSettings, CaseStatus};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use summary::{Counts, SummaryWriter};

/// Options of `triage` (plain values: the command line lives in the binary).
#[derive(Debug, Clone)]
pub struct TriageOptions {
    /// Folders (searched recursively) and zips.
    pub inputs: Vec<PathBuf>,
    /// Output folder.
    pub out: PathBuf,
    /// Threads; 0 means one per core.
    pub jobs: usize,
    /// Report formats per case, in order (the first is the one the summary links).
    pub formats: Vec<ReportFormat>,
    /// How inputs are grouped into cases.
    pub grouping: Grouping,
    /// Progress on standard error.
    pub progress: ProgressMode,
    /// Re-run cases whose inputs are unchanged.
    pub force: bool,
    /// Only this share of the cases.
    pub shard: Option<Shard>,
    /// Limits for untrusted uploads.
    pub limits: Limits,
}

/// Why `triage` or `triage-merge` could not do its work (bad input never is one: it gets a row).
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// The output could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A shard output could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A shard's summary is not one this version wrote.
    #[error("{} line {line}: not a summary row: {message}", path.display())]
    BadSummary {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Two shard outputs hold the same case (shards of different K/N, or a folder given twice).
    #[error("case {case} is in both {} and {}: were they run with the same --shard N and inputs?", first.display(), second.display())]
    OverlappingShards {
        /// Case key.
        case: String,
        /// One folder.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// The thread pool could not be started.
    #[error("cannot start {jobs} threads: {message}")]
    Pool {
        /// Threads asked for.
        jobs: usize,
        /// The cause.
        message: String,
    },
}

/// What a run did (the final one-line tally is its [`fmt::Display`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cases in this run (this shard's share).
    pub cases: usize,
    /// Cases read and analysed.
    pub analyzed: usize,
    /// Cases skipped because their inputs are unchanged.
    pub unchanged: usize,
    /// Inputs of this run's cases.
    pub inputs: usize,
    /// Bytes of those inputs.
    pub bytes: u64,
    /// What the summary holds.
    pub summary: Counts,
    /// Wall time in milliseconds.
    pub millis: u128,
    /// The shard, when one was asked for.
    pub shard: Option<Shard>,
    /// Output folder.
    pub out: PathBuf,
}

impl Tally {
    /// Exit code: 1 when inputs were found but none could be read, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.summary.machines == 0 && self.summary.unreadable > 0 {
            1
        } else {
            0
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shard = self
            .shard
            .map(|s| format!(" (shard {s})"))
            .unwrap_or_default();
        write!(
            f,
            "triage: {} cases{shard} ({} analysed, {} unchanged), {} inputs, {:.1} MB, {} machines, {} unreadable inputs, {:.1} s; summary: {}",
            self.cases,
            self.analyzed,
            self.unchanged,
            self.inputs,
            self.bytes as f64 / 1e6,
            self.summary.machines,
            self.summary.unreadable,
            self.millis as f64 / 1e3,
            self.out.join("summary.md").display()
        )
    }
}

/// The cases of a batch in key order, with this shard's share kept.
pub fn plan(options: &TriageOptions) -> Vec<CaseJob> {
    let inputs = discover::discover(&options.inputs, Some(&options.out));
    let mut cases: BTreeMap<String, Vec<discover::Input>> = BTreeMap::new();
    for i in inputs {
        cases
            .entry(group::case_key(&i, options.grouping))
            .or_default()
            .push(i);
    }
    cases
        .into_iter()
        .filter(|(key, _)| options.shard.is_none_or(|s| s.takes(key)))
        .map(|(key, inputs)| CaseJob { key, inputs })
        .collect()
}

/// Run a batch and return its tally (see the module doc).
pub fn run_batch(options: &TriageOptions) -> Result<Tally, TriageError> {
    let started = Instant::now();
    let out = &options.out;
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TriageError::Write { path, source }
    };
    std::fs::create_dir_all(out.join("cases")).map_err(write_err(out))?;
    let jobs = plan(options);
    let inputs: usize = jobs.iter().map(|j| j.inputs.len()).sum();
    let bytes: u64 = jobs.iter().map(CaseJob::bytes).sum();
    let threads = if options.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|k| format!("triage-{k}"))
        .build()
        .map_err(|e| TriageError::Pool {
            jobs: threads,
            message: e.to_string(),
        })?;
    let progress =
        progress::Progress::new(options.progress, jobs.len() as u64, inputs as u64, bytes);
    let settings = CaseSettings {
        out,
        formats: &options.formats,
        force: options.force,
        limits: &options.limits,
    };
    // Largest cases first, so that no big case is left running alone at the end (the summary
    // is still written in key order).
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(jobs[k].bytes()));
    let next = AtomicUsize::new(0);
    // Per case: whether it ran (and how), or the error that stopped it. A few bytes each.
    let outcomes: Mutex<Vec<Option<Result<CaseStatus, String>>>> =
        Mutex::new(vec![None; jobs.len()]);
    let run_one = |k: usize| {
        let job = &jobs[k];
        let result = case::run_case_guarded(job, &settings);
        let entry = match result {
            Ok(o) => {
                if o.status == CaseStatus::Analyzed && o.unreadable > 0 {
                    progress.message(&format!(
                        "{}: {} input(s) gave no machine (the summary says why)",
                        job.key, o.unreadable
                    ));
                }
                Ok(o.status)
            }
            Err(e) => {
                let msg = format!(
                    "cannot write the output of case {} in {}: {e}",
                    job.key,
                    out.join("cases").join(job.dir_name()).display()
                );
                progress.message(&msg);
                Err(msg)
            }
        };
        progress.case_done(job.inputs.len() as u64, job.bytes());
        if let Ok(mut v) = outcomes.lock() {
            v[k] = Some(entry);
        }
    };
    pool.broadcast(|_| {
        while let Some(&k) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            run_one(k);
        }
    });
    progress.finish();
    let outcomes = outcomes.into_inner().unwrap_or_default();
    if let Some(Some(Err(msg))) = outcomes.iter().find(|o| matches!(o, Some(Err(_)))) {
        return Err(TriageError::Write {
            path: out.clone(),
            source: io::Error::other(msg.clone()),
        });
    }
    let mut summary = SummaryWriter::create(out).map_err(write_err(out))?;
    for job in &jobs {
        let dir = out.join("cases").join(job.dir_name());
        case::for_each_row(&dir, |r| summary.row(&r)).map_err(write_err(&dir))?;
    }
    let counts = summary.finish().map_err(write_err(out))?;
    let status = |s: CaseStatus| {
        outcomes
            .iter()
            .filter(|o| matches!(o, Some(Ok(x)) if *x == s))
            .count()
    };
    Ok(Tally {
        cases: jobs.len(),
        analyzed: status(CaseStatus::Analyzed),
        unchanged: status(CaseStatus::Unchanged),
        inputs,
        bytes,
        summary: counts,
        millis: started.elapsed().as_millis(),
        shard: options.shard,
        out: out.clone(),
    })
}

/// Run `triage`, write the one-line tally to `out`, and return the exit code: 0 when the batch
/// was processed (whatever it found), 1 when inputs were found and none could be read.
pub fn run(options: &TriageOptions, out: &mut impl Write) -> Result<u8, TriageError> {
    let tally = run_batch(options)?;
    writeln!(out, "{tally}").map_err(|source| TriageError::Write {
        path: PathBuf::from("standard output"),
        source,
    })?;
    Ok(tally.exit_code())
}

/// Run `triage-merge`: combine the shard output folders `dirs` into `out`, write a one-line
/// tally to `w`, and return the exit code as [`run`] does.
pub fn run_merge(dirs: &[PathBuf], out: &Path, w: &mut impl Write) -> Result<u8, TriageError> {
    let counts = merge::merge(dirs, out)?;
    writeln!(
        w,
        "triage-merge: {} shard outputs, {} cases, {} machines, {} unreadable inputs; summary: {}",
        dirs.len(),
        counts.cases,
        counts.machines,
        counts.unreadable,
        out.join("summary.md").display()
    )
    .map_err(|source| TriageError::Write {
        path: PathBuf::from("standard output"),
        source,
    })?;
    Ok(if counts.machines == 0 && counts.unreadable > 0 {
        1
    } else {
        0
    })
}
