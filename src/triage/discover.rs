//! Finding the inputs of a batch: walking the folders given (recursively, in name order,
//! symbolic links never followed) and deciding what each thing found is. Nothing is read beyond
//! directory listings, file sizes and the first four bytes of a file without a `.zip` name.
//!
//! - a folder holding `manifest.json` is an unzipped bundle (one input; not walked further);
//! - a folder holding loose `.cer`/`.crt`/`.der`/`.pem`/`.p7b`/`.p7c`/`.reg`/`.evtx` files is one
//!   machine's loose files (one input, read as `analyze` reads a folder; not walked further);
//! - any other folder is walked: its zips are inputs, its sub-folders are walked, other files are
//!   stray (a row with the reason), and a folder with nothing in it is an empty folder (a row).

use crate::bundle::classify;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Deepest folder nesting walked.
const MAX_DEPTH: usize = 64;

/// Extensions of the files a customer sends loose (one machine's evidence without a manifest).
const LOOSE_EXTENSIONS: [&str; 8] = ["cer", "crt", "der", "pem", "p7b", "p7c", "reg", "evtx"];

/// What an input is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    /// A zip (by its `.zip` name or its signature).
    Zip,
    /// An unzipped bundle: a folder holding `manifest.json`.
    BundleDir,
    /// A folder of loose evidence files without a manifest: one machine.
    LooseDir,
    /// Something that cannot be a bundle, with the reason (a stray file, an empty folder, a path
    /// that cannot be read). It gets a summary row of its own and is never read.
    NotABundle(String),
}

/// One input found in the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Path as found (the INPUT given joined with the names walked).
    pub path: PathBuf,
    /// What it is.
    pub kind: InputKind,
    /// Bytes on disk (a folder: the sum of its files).
    pub bytes: u64,
}

impl Input {
    /// Whether the input is read (a zip or a folder bundle).
    pub fn is_readable(&self) -> bool {
        !matches!(self.kind, InputKind::NotABundle(_))
    }

    /// The label [`crate::bundle::read_inputs`] gives the bundle read from this input.
    pub fn label(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }
}

/// Every input under `paths`, sorted by path, skipping `skip` (the output folder when it sits
/// inside an input).
pub fn discover(paths: &[PathBuf], skip: Option<&Path>) -> Vec<Input> {
    let skip = skip.and_then(|s| fs::canonicalize(s).ok());
    let mut out = Vec::new();
    for p in paths {
        let p = clean(p);
        match fs::metadata(&p) {
            Err(e) => out.push(not_a_bundle(&p, format!("cannot read: {}", one_line(&e)))),
            Ok(m) if m.is_dir() => walk(&p, skip.as_deref(), 0, &mut out),
            Ok(m) => out.push(file_input(&p, m.len(), true)),
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    out
}

/// A path without a trailing separator or `./` noise, so that keys do not depend on how a
/// folder was typed.
fn clean(p: &Path) -> PathBuf {
    let c: PathBuf = p.components().collect();
    if c.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        c
    }
}

fn not_a_bundle(p: &Path, reason: String) -> Input {
    Input {
        path: p.to_path_buf(),
        kind: InputKind::NotABundle(reason),
        bytes: 0,
    }
}

fn one_line(e: &std::io::Error) -> String {
    e.to_string().lines().next().unwrap_or("").to_string()
}

fn extension(p: &Path) -> String {
    p.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn has_zip_magic(p: &Path) -> bool {
    let mut head = [0u8; 4];
    fs::File::open(p).is_ok_and(|mut f| f.read_exact(&mut head).is_ok())
        && classify::is_zip_magic(&head)
}

/// A file found in a walked folder, or given directly (`given`).
fn file_input(p: &Path, len: u64, given: bool) -> Input {
    if extension(p) == "zip" || has_zip_magic(p) {
        return Input {
            path: p.to_path_buf(),
            kind: InputKind::Zip,
            bytes: len,
        };
    }
    let reason = if given {
        "not a bundle: neither a zip nor a folder"
    } else {
        "not a bundle: not a zip, and no manifest.json or certificate/registry/event-log files beside it"
    };
    not_a_bundle(p, reason.into())
}

fn walk(dir: &Path, skip: Option<&Path>, depth: usize, out: &mut Vec<Input>) {
    if skip.is_some() && fs::canonicalize(dir).ok().as_deref() == skip {
        return;
    }
    if depth > MAX_DEPTH {
        out.push(not_a_bundle(
            dir,
            format!("folder nested deeper than {MAX_DEPTH} levels; not read"),
        ));
        return;
    }
    let listing = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.push(not_a_bundle(
                dir,
                format!("cannot list folder: {}", one_line(&e)),
            ));
            return;
        }
    };
    let mut entries: Vec<(PathBuf, Option<fs::FileType>)> = Vec::new();
    for e in listing {
        match e {
            Ok(e) => entries.push((e.path(), e.file_type().ok())),
            Err(e) => out.push(not_a_bundle(
                dir,
                format!("cannot list an entry of the folder: {}", one_line(&e)),
            )),
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    if entries.is_empty() {
        out.push(not_a_bundle(dir, "empty folder: holds no files".into()));
        return;
    }
    let is_file = |t: &Option<fs::FileType>| t.as_ref().is_some_and(|t| t.is_file());
    let manifest = entries.iter().any(|(p, t)| {
        is_file(t)
            && p.file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("manifest.json"))
    });
    let loose = entries
        .iter()
        .any(|(p, t)| is_file(t) && LOOSE_EXTENSIONS.contains(&extension(p).as_str()));
    if manifest || loose {
        out.push(Input {
            path: dir.to_path_buf(),
            kind: if manifest {
                InputKind::BundleDir
            } else {
                InputKind::LooseDir
            },
            bytes: dir_bytes(dir, 0),
        });
        return;
    }
    for (p, t) in entries {
        match t {
            Some(t) if t.is_symlink() => {
                out.push(not_a_bundle(&p, "symbolic link; not followed".into()))
            }
            Some(t) if t.is_dir() => walk(&p, skip, depth + 1, out),
            Some(t) if t.is_file() => {
                let len = fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                out.push(file_input(&p, len, false));
            }
            _ => out.push(not_a_bundle(
                &p,
                "not a regular file or folder; not read".into(),
            )),
        }
    }
}

/// Bytes of the regular files under `dir` (symbolic links not followed).
pub(crate) fn dir_bytes(dir: &Path, depth: usize) -> u64 {
    let Ok(rd) = fs::read_dir(dir) else { return 0 };
    let mut n = 0u64;
    for e in rd.flatten() {
        match e.file_type() {
            Ok(t) if t.is_file() => n += e.metadata().map(|m| m.len()).unwrap_or(0),
            Ok(t) if t.is_dir() && depth < MAX_DEPTH => n += dir_bytes(&e.path(), depth + 1),
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_classified_by_what_they_hold() {
        let root = std::env::temp_dir().join(format!("scomtriage-discover-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let mk = |rel: &str, bytes: &[u8]| {
            let p = root.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        };
        mk("t1/a.zip", b"PK\x03\x04junk");
        mk("t1/noname", b"PK\x03\x04junk");
        mk("t2/b/manifest.json", b"{}");
        mk("t2/b/registry/x.reg", b"");
        mk("t3/gw.cer", b"x");
        mk("t3/notes.txt", b"x");
        mk("notes.txt", b"hello");
        fs::create_dir_all(root.join("empty")).unwrap();
        let found = discover(&[root.clone(), root.join("missing")], None);
        let kind = |rel: &str| {
            found
                .iter()
                .find(|i| i.path == root.join(rel))
                .map(|i| i.kind.clone())
        };
        assert_eq!(kind("t1/a.zip"), Some(InputKind::Zip));
        assert_eq!(kind("t1/noname"), Some(InputKind::Zip));
        assert_eq!(kind("t2/b"), Some(InputKind::BundleDir));
        assert_eq!(kind("t3"), Some(InputKind::LooseDir));
        assert!(
            matches!(kind("notes.txt"), Some(InputKind::NotABundle(r)) if r.contains("not a bundle"))
        );
        assert!(
            matches!(kind("empty"), Some(InputKind::NotABundle(r)) if r.contains("empty folder"))
        );
        assert!(
            matches!(kind("missing"), Some(InputKind::NotABundle(r)) if r.contains("cannot read"))
        );
        assert_eq!(found.len(), 7, "{found:#?}");
        // The output folder is skipped when it sits inside an input.
        let found = discover(std::slice::from_ref(&root), Some(&root.join("t1")));
        assert!(found.iter().all(|i| !i.path.starts_with(root.join("t1"))));
        let _ = fs::remove_dir_all(&root);
    }
}
