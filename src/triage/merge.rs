//! `triage-merge`: combine the output folders of shard runs into one, identical to what a
//! single run over all the inputs writes. Each shard's `summary.jsonl` is already in case-key
//! order, so the shards are merged as sorted streams (memory: one row per shard), and each
//! case's folder is copied into the output folder.

use super::case::ROWS_FILE;
use super::group::case_dir_name;
use super::summary::{Counts, Row, SummaryWriter, SCHEMA_VERSION};
use super::TriageError;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};

/// One shard's rows, read one at a time.
struct Stream {
    dir: PathBuf,
    lines: Lines<BufReader<File>>,
    head: Option<Row>,
    line: usize,
}

impl Stream {
    fn open(dir: &Path) -> Result<Stream, TriageError> {
        let path = dir.join("summary.jsonl");
        let f = File::open(&path).map_err(|source| TriageError::Read {
            path: path.clone(),
            source,
        })?;
        let mut s = Stream {
            dir: dir.to_path_buf(),
            lines: BufReader::new(f).lines(),
            head: None,
            line: 0,
        };
        s.advance()?;
        Ok(s)
    }

    fn advance(&mut self) -> Result<(), TriageError> {
        let path = self.dir.join("summary.jsonl");
        self.head = None;
        for line in self.lines.by_ref() {
            self.line += 1;
            let line = line.map_err(|source| TriageError::Read {
                path: path.clone(),
                source,
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let row: Row = serde_json::from_str(&line).map_err(|e| TriageError::BadSummary {
                path: path.clone(),
                line: self.line,
                message: e.to_string(),
            })?;
            if row.schema_version != SCHEMA_VERSION {
                return Err(TriageError::BadSummary {
                    path,
                    line: self.line,
                    message: format!(
                        "schema_version {} (this version reads {SCHEMA_VERSION})",
                        row.schema_version
                    ),
                });
            }
            self.head = Some(row);
            break;
        }
        Ok(())
    }
}

/// Merge the shard output folders `dirs` into `out` (which may be one of them).
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Counts, TriageError> {
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TriageError::Write { path, source }
    };
    fs::create_dir_all(out.join("cases")).map_err(write_err(out))?;
    let out_canon = fs::canonicalize(out).map_err(write_err(out))?;
    let mut streams = dirs
        .iter()
        .map(|d| Stream::open(d))
        .collect::<Result<Vec<_>, _>>()?;
    let mut summary = SummaryWriter::create(out).map_err(write_err(out))?;
    let mut seen_last: Option<(String, usize)> = None;
    loop {
        // The shard whose next case comes first.
        let next = streams
            .iter()
            .enumerate()
            .filter_map(|(k, s)| s.head.as_ref().map(|r| (k, r.case.clone())))
            .min_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        let Some((k, key)) = next else { break };
        if let Some((last, from)) = &seen_last {
            if *last == key && *from != k {
                return Err(TriageError::OverlappingShards {
                    case: key,
                    first: streams[*from].dir.clone(),
                    second: streams[k].dir.clone(),
                });
            }
        }
        let s = &mut streams[k];
        while let Some(row) = s.head.take_if(|r| r.case == key) {
            summary.row(&row).map_err(write_err(out))?;
            s.advance()?;
        }
        let name = case_dir_name(&key);
        let from = s.dir.join("cases").join(&name);
        let same = fs::canonicalize(&s.dir).is_ok_and(|c| c == out_canon);
        if !same && from.join(ROWS_FILE).is_file() {
            copy_dir(&from, &out.join("cases").join(&name)).map_err(write_err(&from))?;
        }
        seen_last = Some((key, k));
    }
    summary.finish().map_err(write_err(out))
}

/// Copy the regular files of a case folder (case folders are flat).
fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        if e.file_type()?.is_file() {
            fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}
