//! Reading a directory (walked in name order, symlinks never followed out of it) and loose files,
//! under the limits.

use super::classify;
use super::limits::{one_line, Budget, EntryCheck};
use super::logs;
use super::parse::{RawBundle, RawMember};
use super::{Limits, ReadOptions};
use std::fs::{self, File};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// Deepest directory nesting walked (a guard; symlinked directories are never followed).
const MAX_DEPTH: usize = 64;

/// A directory read into memory: its bundle, and the zips found in it (each becomes its own
/// bundle, labelled with its path).
#[derive(Debug)]
pub(crate) struct DirRead {
    pub(crate) bundle: RawBundle,
    pub(crate) zips: Vec<PathBuf>,
}

struct Walk<'a> {
    root: PathBuf,
    limits: &'a Limits,
    budget: Budget,
    files: usize,
    stopped: bool,
    /// EVTX files to parse as they are read, once the other files are read: (path, label).
    logs: Vec<(PathBuf, String)>,
    out: DirRead,
}

/// Walk `root` (labelled `label`). Member paths are relative to `root`, `/`-separated. EVTX
/// files are parsed as they are read ([`logs`]), after the other files.
pub(crate) fn read_dir(root: &Path, label: &str, options: &ReadOptions) -> DirRead {
    let limits = &options.limits;
    let mut w = Walk {
        root: PathBuf::new(),
        limits,
        budget: Budget::new(limits.max_total_bytes),
        files: 0,
        stopped: false,
        logs: Vec::new(),
        out: DirRead {
            bundle: RawBundle::new(label.to_string()),
            zips: Vec::new(),
        },
    };
    match fs::canonicalize(root) {
        Ok(c) => w.root = c,
        Err(e) => {
            w.out.bundle.problem(
                label,
                format!("cannot open directory: {}", one_line(&e.to_string())),
            );
            return w.out;
        }
    }
    w.walk(root, "", 0);
    let bundle = &mut w.out.bundle;
    for (path, label) in std::mem::take(&mut w.logs) {
        read_log(&path, label, bundle, &mut w.budget, options);
    }
    w.out
}

/// A file opened once: an EVTX log to parse as it is read once the other files are read (see
/// [`logs::streams`]), or its bytes read under the limits (or the problem met).
enum Opened {
    Log,
    Read(Result<Vec<u8>, String>),
}

/// Open the file at `path` (member `label`) and read its first bytes; unless it is a log to
/// stream, read the rest under the limits (declared size = the file's length, checked while
/// reading).
fn open_member(path: &Path, label: &str, limits: &Limits, budget: &mut Budget) -> Opened {
    let fail = |what: &str, e: std::io::Error| {
        Opened::Read(Err(format!("{what}: {}", one_line(&e.to_string()))))
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return fail("cannot open", e),
    };
    let len = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return fail("cannot read metadata", e),
    };
    let head = match logs::read_head(&mut file) {
        Ok(head) => head,
        Err(e) => return fail("cannot read", e),
    };
    if logs::streams(label, &head) {
        return Opened::Log;
    }
    Opened::Read(
        EntryCheck::before(limits, budget, len, None)
            .and_then(|check| check.read(Cursor::new(head).chain(file), len, budget)),
    )
}

/// Parse the log file at `path` (member `label`) as it is read, into `bundle`.
fn read_log(
    path: &Path,
    label: String,
    bundle: &mut RawBundle,
    budget: &mut Budget,
    options: &ReadOptions,
) {
    let read = File::open(path)
        .and_then(|f| Ok((f.metadata()?.len(), f)))
        .map_err(|e| format!("cannot open: {}", one_line(&e.to_string())))
        .and_then(|(len, file)| {
            let check = EntryCheck::before(&options.limits, budget, len, None)?;
            logs::read_log(&label, file, len, &check, budget, &bundle.members, options)
        });
    match read {
        Ok(member) => bundle.members.push(member),
        Err(msg) => bundle.problem(&label, msg),
    }
}

/// Whether the file at `path` starts with a zip signature.
pub(crate) fn file_has_zip_magic(path: &Path) -> bool {
    let mut head = [0u8; 4];
    match File::open(path) {
        Ok(mut f) => f.read_exact(&mut head).is_ok() && classify::is_zip_magic(&head),
        Err(_) => false,
    }
}

impl Walk<'_> {
    fn problem(&mut self, path: &str, message: String) {
        self.out.bundle.problem(path, message);
    }

    fn walk(&mut self, dir: &Path, rel: &str, depth: usize) {
        if depth > MAX_DEPTH {
            self.problem(
                rel,
                format!("directory nested deeper than {MAX_DEPTH} levels; not read"),
            );
            return;
        }
        let entries = match fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                let at = if rel.is_empty() {
                    self.out.bundle.label.clone()
                } else {
                    rel.to_string()
                };
                self.problem(
                    &at,
                    format!("cannot list directory: {}", one_line(&e.to_string())),
                );
                return;
            }
        };
        let mut list: Vec<(String, PathBuf, Option<fs::FileType>)> = Vec::new();
        for e in entries {
            match e {
                Ok(e) => list.push((
                    e.file_name().to_string_lossy().into_owned(),
                    e.path(),
                    e.file_type().ok(),
                )),
                Err(err) => {
                    let at = if rel.is_empty() { "." } else { rel }.to_string();
                    self.problem(
                        &at,
                        format!("cannot list an entry: {}", one_line(&err.to_string())),
                    );
                }
            }
        }
        list.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, path, ft) in list {
            if self.stopped {
                return;
            }
            let label = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let Some(ft) = ft else {
                self.problem(&label, "cannot read the file type; not read".into());
                continue;
            };
            if ft.is_dir() {
                self.walk(&path, &label, depth + 1);
            } else if ft.is_symlink() {
                self.symlink(&path, &label);
            } else if ft.is_file() {
                self.file(&path, &path, &label);
            } else {
                self.problem(&label, "not a regular file; not read".into());
            }
        }
    }

    /// A symlink is read only when it resolves to a regular file inside the root.
    fn symlink(&mut self, path: &Path, label: &str) {
        let target = match fs::canonicalize(path) {
            Ok(t) => t,
            Err(e) => {
                self.problem(
                    label,
                    format!("broken symbolic link: {}", one_line(&e.to_string())),
                );
                return;
            }
        };
        if !target.starts_with(&self.root) {
            self.problem(
                label,
                "symbolic link to a file outside the directory; not followed".into(),
            );
            return;
        }
        match fs::metadata(&target) {
            Ok(m) if m.is_file() => self.file(path, &target, label),
            Ok(m) if m.is_dir() => {
                self.problem(label, "symbolic link to a directory; not followed".into())
            }
            _ => self.problem(label, "symbolic link to a non-file; not followed".into()),
        }
    }

    fn file(&mut self, shown: &Path, real: &Path, label: &str) {
        self.files += 1;
        if self.files > self.limits.max_entries {
            self.stopped = true;
            let root_label = self.out.bundle.label.clone();
            self.problem(
                &root_label,
                format!(
                    "more than {} files (--max-entries); files after the first {} in name order were not read",
                    self.limits.max_entries, self.limits.max_entries
                ),
            );
            return;
        }
        if classify::has_zip_extension(label) && file_has_zip_magic(real) {
            self.out.zips.push(shown.to_path_buf());
            return;
        }
        match open_member(real, label, self.limits, &mut self.budget) {
            Opened::Log => self.logs.push((real.to_path_buf(), label.to_string())),
            Opened::Read(Ok(bytes)) => self
                .out
                .bundle
                .members
                .push(RawMember::new(label.to_string(), bytes)),
            Opened::Read(Err(msg)) => self.problem(label, msg),
        }
    }
}

/// The loose files given directly: one bundle labelled `loose files`; zips among them are left
/// to the caller. Member paths are the paths as given.
pub(crate) fn read_loose(paths: &[PathBuf], options: &ReadOptions) -> RawBundle {
    let limits = &options.limits;
    let mut logs = Vec::new();
    let mut bundle = RawBundle::new(super::LOOSE_FILES_LABEL.to_string());
    let mut budget = Budget::new(limits.max_total_bytes);
    let mut seen = std::collections::BTreeSet::new();
    let mut count = 0usize;
    for p in paths {
        let label = p.to_string_lossy().into_owned();
        if !seen.insert(label.clone()) {
            continue;
        }
        count += 1;
        if count > limits.max_entries {
            bundle.problem(
                super::LOOSE_FILES_LABEL,
                format!(
                    "more than {} loose files (--max-entries); the rest were not read",
                    limits.max_entries
                ),
            );
            break;
        }
        match open_member(p, &label, limits, &mut budget) {
            Opened::Log => logs.push((p.clone(), label)),
            Opened::Read(Ok(bytes)) => bundle.members.push(RawMember::new(label, bytes)),
            Opened::Read(Err(msg)) => bundle.problem(&label, msg),
        }
    }
    for (path, label) in logs {
        read_log(&path, label, &mut bundle, &mut budget, options);
    }
    bundle
}
