//! The batch summary: one [`Row`] per machine per case (and one per input that could not be
//! read), written as `summary.jsonl`, `summary.csv` and `summary.md`. Rows are streamed: the
//! writer holds one line per case for the Markdown case list and the cause counts, never the
//! rows. The CSV/JSONL layout is an automation contract: [`SCHEMA_VERSION`] is in every row and
//! the columns are documented in `docs/triage.md`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Version of the row layout of `summary.csv` / `summary.jsonl`. Bumped when a column changes
/// meaning or is removed; new columns are added at the end.
pub const SCHEMA_VERSION: u32 = 1;

/// The CSV header, in column order (the order of [`Row`]'s fields).
pub const CSV_HEADER: [&str; 15] = [
    "schema_version",
    "case",
    "status",
    "machine",
    "role",
    "collected_at",
    "top_cause",
    "confidence",
    "score",
    "title",
    "other_causes",
    "input_problems",
    "inputs",
    "reason",
    "report",
];

/// `status` of a machine that was analysed.
pub const ANALYZED: &str = "analyzed";
/// `status` of an input that could not be read at all.
pub const UNREADABLE: &str = "unreadable";

/// One summary row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Case key (`id:…`, `folder:…`, `input:…`).
    pub case: String,
    /// [`ANALYZED`] (a machine) or [`UNREADABLE`] (an input that gave no machine).
    pub status: String,
    /// Machine FQDN (or its label when the FQDN is unknown); empty for an unreadable input.
    pub machine: String,
    /// Role id (`agent`, `gateway`, `management_server`, …); empty for an unreadable input.
    pub role: String,
    /// Collection time (UTC, as the report gives it); empty when unknown.
    pub collected_at: String,
    /// The machine's top cause id; empty when there is no finding.
    pub top_cause: String,
    /// `high`, `medium`, `low`; empty when there is no finding.
    pub confidence: String,
    /// Score 0–100 of the top cause; `null` (empty in CSV) when there is no finding.
    pub score: Option<u32>,
    /// Title of the top finding.
    pub title: String,
    /// The machine's other causes in rank order (CSV: `;`-separated).
    pub other_causes: Vec<String>,
    /// Number of input problems of the machine's inputs (unreadable members, limits hit…).
    pub input_problems: usize,
    /// The inputs of the machine, or the unreadable input (CSV: `;`-separated).
    pub inputs: Vec<String>,
    /// Why an unreadable input gave nothing; empty for a machine.
    pub reason: String,
    /// The case's report, relative to the output folder; empty when none was written.
    pub report: String,
}

impl Row {
    /// The row as one CSV record (RFC 4180 quoting), with its line end.
    pub fn csv(&self) -> String {
        let fields = [
            self.schema_version.to_string(),
            self.case.clone(),
            self.status.clone(),
            self.machine.clone(),
            self.role.clone(),
            self.collected_at.clone(),
            self.top_cause.clone(),
            self.confidence.clone(),
            self.score.map(|s| s.to_string()).unwrap_or_default(),
            self.title.clone(),
            self.other_causes.join(";"),
            self.input_problems.to_string(),
            self.inputs.join(";"),
            self.reason.clone(),
            self.report.clone(),
        ];
        let mut line = fields
            .iter()
            .map(|f| csv_field(f))
            .collect::<Vec<_>>()
            .join(",");
        line.push_str("\r\n");
        line
    }

    /// The row as one JSON line, with its line end.
    pub fn jsonl(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// One CSV field, quoted when it holds a comma, a quote or a line break; a field that a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Confidence as a number for sorting (`high` first).
fn confidence_rank(c: &str) -> u8 {
    match c {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// What the Markdown summary keeps of one case.
#[derive(Debug)]
struct CaseLine {
    key: String,
    top_cause: String,
    confidence: String,
    score: Option<u32>,
    machines: usize,
    unreadable: usize,
    report: String,
}

impl CaseLine {
    fn severity(&self) -> (u8, u32) {
        (confidence_rank(&self.confidence), self.score.unwrap_or(0))
    }
}

/// Counts of what the summary holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Cases.
    pub cases: usize,
    /// Machine rows.
    pub machines: usize,
    /// Unreadable-input rows.
    pub unreadable: usize,
}

/// Writes the three summary files from rows given in case order (all rows of a case together).
pub struct SummaryWriter {
    jsonl: BufWriter<File>,
    csv: BufWriter<File>,
    dir: std::path::PathBuf,
    cases: Vec<CaseLine>,
    by_cause: BTreeMap<String, [usize; 3]>,
    no_finding: usize,
    counts: Counts,
}

impl SummaryWriter {
    /// Start the summary files in `dir`. They are written under temporary names and renamed into
    /// place by [`SummaryWriter::finish`], so a reader never sees half a summary (and a merge may
    /// write into one of the folders it reads).
    pub fn create(dir: &Path) -> io::Result<SummaryWriter> {
        let jsonl = BufWriter::new(File::create(tmp(dir, "summary.jsonl"))?);
        let mut csv = BufWriter::new(File::create(tmp(dir, "summary.csv"))?);
        csv.write_all(CSV_HEADER.join(",").as_bytes())?;
        csv.write_all(b"\r\n")?;
        Ok(SummaryWriter {
            jsonl,
            csv,
            dir: dir.to_path_buf(),
            cases: Vec::new(),
            by_cause: BTreeMap::new(),
            no_finding: 0,
            counts: Counts::default(),
        })
    }

    /// Write one row.
    pub fn row(&mut self, r: &Row) -> io::Result<()> {
        self.jsonl.write_all(r.jsonl().as_bytes())?;
        self.csv.write_all(r.csv().as_bytes())?;
        if self.cases.last().is_none_or(|c| c.key != r.case) {
            self.counts.cases += 1;
            self.cases.push(CaseLine {
                key: r.case.clone(),
                top_cause: String::new(),
                confidence: String::new(),
                score: None,
                machines: 0,
                unreadable: 0,
                report: String::new(),
            });
        }
        let Some(line) = self.cases.last_mut() else {
            return Ok(());
        };
        if line.report.is_empty() {
            line.report = r.report.clone();
        }
        if r.status == UNREADABLE {
            line.unreadable += 1;
            self.counts.unreadable += 1;
            return Ok(());
        }
        line.machines += 1;
        self.counts.machines += 1;
        if r.top_cause.is_empty() {
            self.no_finding += 1;
            return Ok(());
        }
        let k = match r.confidence.as_str() {
            "high" => 0,
            "medium" => 1,
            _ => 2,
        };
        self.by_cause.entry(r.top_cause.clone()).or_default()[k] += 1;
        let candidate = (confidence_rank(&r.confidence), r.score.unwrap_or(0));
        if line.top_cause.is_empty() || candidate > line.severity() {
            line.top_cause = r.top_cause.clone();
            line.confidence = r.confidence.clone();
            line.score = r.score;
        }
        Ok(())
    }

    /// Write `summary.md`, put the three files in place, and return the counts.
    pub fn finish(mut self) -> io::Result<Counts> {
        self.jsonl.flush()?;
        self.csv.flush()?;
        let mut md = BufWriter::new(File::create(tmp(&self.dir, "summary.md"))?);
        let c = self.counts;
        writeln!(md, "# Batch triage summary\n")?;
        writeln!(
            md,
            "{} cases, {} machines, {} unreadable inputs. Rows: [summary.csv](summary.csv), [summary.jsonl](summary.jsonl) (schema version {SCHEMA_VERSION}).\n",
            c.cases, c.machines, c.unreadable
        )?;
        writeln!(md, "## Top cause per machine\n")?;
        writeln!(md, "| cause | high | medium | low | machines |")?;
        writeln!(md, "|---|---:|---:|---:|---:|")?;
        for (cause, n) in &self.by_cause {
            writeln!(
                md,
                "| `{cause}` | {} | {} | {} | {} |",
                n[0],
                n[1],
                n[2],
                n.iter().sum::<usize>()
            )?;
        }
        writeln!(md, "| no finding | | | | {} |", self.no_finding)?;
        writeln!(md, "| unreadable input | | | | {} |\n", c.unreadable)?;
        writeln!(md, "## Cases by severity\n")?;
        writeln!(
            md,
            "| case | top cause | confidence | score | machines | unreadable inputs | report |"
        )?;
        writeln!(md, "|---|---|---|---:|---:|---:|---|")?;
        self.cases.sort_by(|a, b| {
            b.severity()
                .cmp(&a.severity())
                .then_with(|| a.key.cmp(&b.key))
        });
        for l in &self.cases {
            let cause = if l.top_cause.is_empty() {
                "no finding".to_string()
            } else {
                format!("`{}`", l.top_cause)
            };
            let report = if l.report.is_empty() {
                "none".to_string()
            } else {
                format!("[{}]({})", l.report, l.report.replace(' ', "%20"))
            };
            writeln!(
                md,
                "| {} | {cause} | {} | {} | {} | {} | {report} |",
                md_cell(&l.key),
                l.confidence,
                l.score.map(|s| s.to_string()).unwrap_or_default(),
                l.machines,
                l.unreadable
            )?;
        }
        md.flush()?;
        drop(md);
        for name in SUMMARY_FILES {
            std::fs::rename(tmp(&self.dir, name), self.dir.join(name))?;
        }
        Ok(c)
    }
}

/// The summary files, as named in the output folder.
pub const SUMMARY_FILES: [&str; 3] = ["summary.jsonl", "summary.csv", "summary.md"];

fn tmp(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join(format!(".{name}.tmp"))
}

/// Text safe inside a Markdown table cell.
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(
            CSV_HEADER.len(),
            serde_json::to_value(row())
                .unwrap()
                .as_object()
                .unwrap()
                .len()
        );
    }

    fn row() -> Row {
        Row {
            schema_version: SCHEMA_VERSION,
            case: "id:1".into(),
            status: ANALYZED.into(),
            machine: "gw01.contoso.com".into(),
            role: "gateway".into(),
            collected_at: String::new(),
            top_cause: "expired".into(),
            confidence: "high".into(),
            score: Some(90),
            title: "t".into(),
            other_causes: vec!["eku".into(), "dns".into()],
            input_problems: 0,
            inputs: vec!["a.zip".into()],
            reason: String::new(),
            report: "cases/x/report.json".into(),
        }
    }

    #[test]
    fn json_field_order_is_the_csv_column_order() {
        let v = serde_json::to_value(row()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, CSV_HEADER);
        let back: Row = serde_json::from_str(row().jsonl().trim_end()).unwrap();
        assert_eq!(back, row());
        assert!(row().csv().contains(",eku;dns,"));
    }
}
