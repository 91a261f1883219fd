//! One case: read its inputs, analyse them together (so cross-machine checks run), write its
//! reports and its rows (`rows.jsonl`), then its state record. Everything the case read is
//! dropped when this returns; only a few counts leave.

use super::discover::{Input, InputKind};
use super::formats;
use super::group::case_dir_name;
use super::state::{self, CaseState};
use super::summary::{Row, ANALYZED, SCHEMA_VERSION, UNREADABLE};
use crate::analyze::{analyze_bundles, read_options_with};
use crate::bundle::{read_inputs, Bundle, Limits};
use crate::report::{self, Report, ReportFormat};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// File name of a case's rows (the summary is assembled from these).
pub const ROWS_FILE: &str = "rows.jsonl";

/// A case to run: its key and its inputs in path order.
#[derive(Debug, Clone)]
pub struct CaseJob {
    /// Case key.
    pub key: String,
    /// Inputs.
    pub inputs: Vec<Input>,
}

impl CaseJob {
    /// The case's folder name under `DIR/cases/`.
    pub fn dir_name(&self) -> String {
        case_dir_name(&self.key)
    }
    /// Bytes of its inputs on disk.
    pub fn bytes(&self) -> u64 {
        self.inputs.iter().map(|i| i.bytes).sum()
    }
}

/// What running a case did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    /// Read and analysed, reports and rows written.
    Analyzed,
    /// Inputs unchanged since the recorded run: nothing done.
    Unchanged,
}

/// The outcome of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseOutcome {
    /// What was done.
    pub status: CaseStatus,
    /// Machine rows.
    pub machines: usize,
    /// Unreadable-input rows.
    pub unreadable: usize,
}

/// How cases are run.
#[derive(Debug, Clone)]
pub(crate) struct CaseSettings<'a> {
    pub(crate) out: &'a Path,
    pub(crate) formats: &'a [ReportFormat],
    pub(crate) force: bool,
    pub(crate) limits: &'a Limits,
}

/// Run one case as [`run_case`] does, but turn a panic while reading or analysing it (a bug: input
/// must never panic) into a row per input naming the failure, so one case cannot stop a batch.
/// No state is recorded for such a case: the next run tries it again.
pub(crate) fn run_case_guarded(job: &CaseJob, s: &CaseSettings<'_>) -> io::Result<CaseOutcome> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_case(job, s))) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            let reason = format!(
                "internal error while analysing this case ({}); please report it",
                what.lines().next().unwrap_or("")
            );
            let case_dir = s.out.join("cases").join(job.dir_name());
            fs::create_dir_all(&case_dir)?;
            state::clear(&case_dir)?;
            let rows: Vec<Row> = job
                .inputs
                .iter()
                .map(|i| {
                    let why = match &i.kind {
                        InputKind::NotABundle(r) => r.clone(),
                        _ => reason.clone(),
                    };
                    unreadable_row(&job.key, i.label(), why, 0, "")
                })
                .collect();
            write_rows(&case_dir, &rows)?;
            Ok(CaseOutcome {
                status: CaseStatus::Analyzed,
                machines: 0,
                unreadable: rows.len(),
            })
        }
    }
}

/// Run one case (see the module doc). An error is a failure to write the output.
pub(crate) fn run_case(job: &CaseJob, s: &CaseSettings<'_>) -> io::Result<CaseOutcome> {
    let dir_name = job.dir_name();
    let case_dir = s.out.join("cases").join(&dir_name);
    let format_ids: Vec<&str> = s.formats.iter().map(|f| formats::id(*f)).collect();
    let fingerprint = state::fingerprint(&job.inputs, &format_ids);
    if !s.force {
        if let Some(st) = state::load(&case_dir) {
            if st.case == job.key
                && st.fingerprint == fingerprint
                && case_dir.join(ROWS_FILE).is_file()
            {
                return Ok(CaseOutcome {
                    status: CaseStatus::Unchanged,
                    machines: st.machines,
                    unreadable: st.unreadable,
                });
            }
        }
    }
    fs::create_dir_all(&case_dir)?;
    state::clear(&case_dir)?;
    let readable: Vec<PathBuf> = job
        .inputs
        .iter()
        .filter(|i| i.is_readable())
        .map(|i| i.path.clone())
        .collect();
    let rows = if readable.is_empty() {
        for f in s.formats {
            remove_if_present(&case_dir.join(formats::file_name(*f)))?;
        }
        input_rows(job, input_summaries(job, &[]), None, "")
    } else {
        let bundles = read_inputs(&readable, &read_options_with(s.limits.clone()));
        // What the input rows need from the bundles, before the analysis consumes them.
        let inputs = input_summaries(job, &bundles);
        let report = analyze_bundles(bundles);
        for f in s.formats {
            let mut w = BufWriter::new(File::create(case_dir.join(formats::file_name(*f)))?);
            report::write(&report, *f, &report::RenderOptions::default(), &mut w)?;
            w.flush()?;
        }
        let report_rel = format!(
            "cases/{dir_name}/{}",
            s.formats
                .first()
                .map(|f| formats::file_name(*f))
                .unwrap_or_default()
        );
        let mut rows = machine_rows(&job.key, &report, &report_rel);
        rows.extend(input_rows(job, inputs, Some(&report), &report_rel));
        rows
    };
    write_rows(&case_dir, &rows)?;
    let outcome = CaseOutcome {
        status: CaseStatus::Analyzed,
        machines: rows.iter().filter(|r| r.status == ANALYZED).count(),
        unreadable: rows.iter().filter(|r| r.status == UNREADABLE).count(),
    };
    state::save(
        &case_dir,
        &CaseState {
            state_version: 1,
            case: job.key.clone(),
            fingerprint,
            machines: outcome.machines,
            unreadable: outcome.unreadable,
        },
    )?;
    Ok(outcome)
}

fn write_rows(case_dir: &Path, rows: &[Row]) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(case_dir.join(ROWS_FILE))?);
    for r in rows {
        w.write_all(r.jsonl().as_bytes())?;
    }
    w.flush()
}

fn unreadable_row(
    key: &str,
    input: String,
    reason: String,
    input_problems: usize,
    report: &str,
) -> Row {
    Row {
        schema_version: SCHEMA_VERSION,
        case: key.to_string(),
        status: UNREADABLE.into(),
        machine: String::new(),
        role: String::new(),
        collected_at: String::new(),
        top_cause: String::new(),
        confidence: String::new(),
        score: None,
        title: String::new(),
        other_causes: Vec::new(),
        input_problems,
        inputs: vec![input],
        reason,
        report: report.to_string(),
    }
}

fn remove_if_present(p: &Path) -> io::Result<()> {
    match fs::remove_file(p) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Whether a bundle label (or an input-problem name) comes from the input labelled `input`:
/// the input itself, a zip nested in it (`a.zip!b.zip`), a file or zip inside its folder, or a
/// member of it (`a.zip: path`).
fn from_input(label: &str, input: &str) -> bool {
    label == input
        || label.strip_prefix(input).is_some_and(|rest| {
            rest.starts_with('!')
                || rest.starts_with(": ")
                || rest.starts_with('/')
                || rest.starts_with(std::path::MAIN_SEPARATOR)
        })
}

/// One row per machine of the report, in the report's machine order.
fn machine_rows(key: &str, report: &Report, report_rel: &str) -> Vec<Row> {
    report
        .machines
        .iter()
        .map(|m| {
            let mut own = report
                .findings
                .iter()
                .filter(|f| f.machine_in_case && f.machine == m.fqdn);
            let top = own.next();
            let mut others: Vec<String> = Vec::new();
            for f in own {
                let id = f.cause.to_string();
                if Some(f.cause) != top.map(|t| t.cause) && !others.contains(&id) {
                    others.push(id);
                }
            }
            let input_problems = report
                .input_problems
                .iter()
                .filter(|p| m.inputs_from.iter().any(|l| from_input(&p.input, l)))
                .count();
            Row {
                schema_version: SCHEMA_VERSION,
                case: key.to_string(),
                status: ANALYZED.into(),
                machine: m.fqdn.clone(),
                role: m.role.to_string(),
                collected_at: m.collected_at.clone().unwrap_or_default(),
                top_cause: top.map(|f| f.cause.to_string()).unwrap_or_default(),
                confidence: top.map(|f| f.confidence.to_string()).unwrap_or_default(),
                score: top.map(|f| f.score),
                title: top.map(|f| f.title.clone()).unwrap_or_default(),
                other_causes: others,
                input_problems,
                inputs: m.inputs_from.clone(),
                reason: String::new(),
                report: report_rel.to_string(),
            }
        })
        .collect()
}

/// One row per input that gave no machine, with the reason, in input order.
/// What an input's row needs from its bundles, read before the analysis consumes them.
struct InputSummary {
    label: String,
    /// Why it gave no machine, if it gave none.
    reason: String,
    /// Problems with it and its members.
    problems: usize,
    /// It was read as a bundle (so it may have given a machine).
    read: bool,
}

fn input_summaries(job: &CaseJob, bundles: &[Bundle]) -> Vec<InputSummary> {
    job.inputs
        .iter()
        .map(|i| {
            let label = i.label();
            let (reason, read) = match &i.kind {
                InputKind::NotABundle(reason) => (reason.clone(), false),
                _ => (unreadable_reason(&label, bundles), true),
            };
            let problems = bundles
                .iter()
                .filter(|b| from_input(&b.label, &label))
                .map(|b| b.problems.len() + b.members.iter().filter(|m| m.content.is_err()).count())
                .sum();
            InputSummary {
                label,
                reason,
                problems,
                read,
            }
        })
        .collect()
}

fn input_rows(
    job: &CaseJob,
    inputs: Vec<InputSummary>,
    report: Option<&Report>,
    report_rel: &str,
) -> Vec<Row> {
    inputs
        .into_iter()
        .filter_map(|i| {
            let gave_machine = i.read
                && report.is_some_and(|r| {
                    r.machines
                        .iter()
                        .any(|m| m.inputs_from.iter().any(|l| from_input(l, &i.label)))
                });
            if gave_machine {
                return None;
            }
            let report = if report.is_some() { report_rel } else { "" };
            Some(unreadable_row(
                &job.key, i.label, i.reason, i.problems, report,
            ))
        })
        .collect()
}

/// Why the input labelled `label` gave no machine: its first problem (and how many more), else
/// what it held.
fn unreadable_reason(label: &str, bundles: &[Bundle]) -> String {
    let mine: Vec<&Bundle> = bundles
        .iter()
        .filter(|b| from_input(&b.label, label))
        .collect();
    let mut problems = mine.iter().flat_map(|b| {
        b.problems.iter().map(|p| p.message.clone()).chain(
            b.members
                .iter()
                .filter_map(|m| m.content.as_ref().err().map(|e| format!("{}: {e}", m.path))),
        )
    });
    let members: usize = mine.iter().map(|b| b.members.len()).sum();
    match problems.next() {
        Some(first) => {
            let more = problems.count();
            if more > 0 {
                format!("{first} (and {more} more problems)")
            } else {
                first
            }
        }
        None => format!(
            "no machine recognised: {members} files, none a certificate, registry export or event log of a SCOM machine"
        ),
    }
}

/// Stream the rows recorded in `case_dir` to `each`.
pub(crate) fn for_each_row(
    case_dir: &Path,
    mut each: impl FnMut(Row) -> io::Result<()>,
) -> io::Result<()> {
    let f = File::open(case_dir.join(ROWS_FILE))?;
    for line in BufReader::new(f).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(&line).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", case_dir.join(ROWS_FILE).display()),
            )
        })?;
        each(row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_matched_to_their_input_only() {
        assert!(from_input("a/b.zip", "a/b.zip"));
        assert!(from_input("a/b.zip!c.zip", "a/b.zip"));
        assert!(from_input("a/b.zip: certs/x.cer", "a/b.zip"));
        assert!(from_input("a/T1/inner.zip", "a/T1"));
        assert!(!from_input("a/b.zip2", "a/b.zip"));
        assert!(!from_input("a/T10", "a/T1"));
    }
}
