//! Incremental runs: what a case was made from, recorded in `DIR/cases/<case>/state.json` once
//! everything else of the case is written. A re-run skips a case whose record matches: the same
//! key, the same inputs with the same sizes and modification times (every file of a folder
//! input), the same report formats and the same tool version.

use super::discover::Input;
use super::shard::stable_hash;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::Path;
use std::time::UNIX_EPOCH;

/// File name of the state record in a case folder.
pub const STATE_FILE: &str = "state.json";

/// The state record of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    /// Layout version of this record.
    pub state_version: u32,
    /// Case key.
    pub case: String,
    /// Hash of the inputs' names, sizes and modification times, the formats and the version.
    pub fingerprint: String,
    /// Machine rows the case gave.
    pub machines: usize,
    /// Unreadable-input rows the case gave.
    pub unreadable: usize,
}

/// The fingerprint of a case's inputs (see the module doc).
pub fn fingerprint(inputs: &[Input], formats: &[&str]) -> String {
    let mut text = format!("scomtriage {}\n", env!("CARGO_PKG_VERSION"));
    text.push_str(&formats.join(","));
    text.push('\n');
    for i in inputs {
        stat_line(&i.path, &i.path.to_string_lossy(), &mut text, 0);
    }
    format!("{:016x}", stable_hash(text.as_bytes()))
}

/// One line per file (`path size mtime_ns`), folders walked in name order.
fn stat_line(path: &Path, label: &str, out: &mut String, depth: usize) {
    match fs::symlink_metadata(path) {
        Err(e) => out.push_str(&format!("{label}\terror {:?}\n", e.kind())),
        Ok(m) if m.is_dir() && depth < 64 => {
            out.push_str(&format!("{label}\tdir\n"));
            let mut names: Vec<_> = match fs::read_dir(path) {
                Ok(rd) => rd.flatten().map(|e| e.file_name()).collect(),
                Err(e) => {
                    out.push_str(&format!("{label}\tunlistable {:?}\n", e.kind()));
                    return;
                }
            };
            names.sort();
            for n in names {
                let child = path.join(&n);
                stat_line(&child, &child.to_string_lossy(), out, depth + 1);
            }
        }
        Ok(m) => {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            out.push_str(&format!("{label}\t{}\t{mtime}\n", m.len()));
        }
    }
}

/// The record in `case_dir`, when there is a readable one.
pub fn load(case_dir: &Path) -> Option<CaseState> {
    let text = fs::read_to_string(case_dir.join(STATE_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Remove the record (before a case is re-written, so an interrupted run redoes it).
pub fn clear(case_dir: &Path) -> io::Result<()> {
    match fs::remove_file(case_dir.join(STATE_FILE)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Write the record (to a temporary name, then renamed into place).
pub fn save(case_dir: &Path, state: &CaseState) -> io::Result<()> {
    let tmp = case_dir.join(format!("{STATE_FILE}.tmp"));
    let mut text = serde_json::to_string_pretty(state).map_err(io::Error::other)?;
    text.push('\n');
    fs::write(&tmp, text)?;
    fs::rename(&tmp, case_dir.join(STATE_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::discover::InputKind;

    #[test]
    fn fingerprint_changes_with_size_mtime_and_formats() {
        let dir = std::env::temp_dir().join(format!("scomtriage-state-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("b")).unwrap();
        fs::write(dir.join("b/x.cer"), b"one").unwrap();
        let inputs = vec![Input {
            path: dir.join("b"),
            kind: InputKind::LooseDir,
            bytes: 3,
        }];
        let a = fingerprint(&inputs, &["json"]);
        assert_eq!(a, fingerprint(&inputs, &["json"]));
        assert_ne!(a, fingerprint(&inputs, &["json", "text"]));
        fs::write(dir.join("b/x.cer"), b"three").unwrap();
        assert_ne!(a, fingerprint(&inputs, &["json"]));
        let s = CaseState {
            state_version: 1,
            case: "k".into(),
            fingerprint: a,
            machines: 1,
            unreadable: 0,
        };
        save(&dir, &s).unwrap();
        assert_eq!(load(&dir), Some(s));
        clear(&dir).unwrap();
        assert_eq!(load(&dir), None);
        let _ = fs::remove_dir_all(&dir);
    }
}
