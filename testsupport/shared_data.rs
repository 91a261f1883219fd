//! The one lookup of `../shared` for every test crate of the workspace (included with
//! `#[path = ".../testsupport/shared_data.rs"] mod shared_data;`).
//!
//! `../shared` sits beside the checkout (override with `SCOMTRIAGE_SHARED`). Tests over its real
//! Windows files skip with a printed notice when it is absent, except under
//! `SCOMTRIAGE_STRICT=1` (CI), where a missing folder fails the test: CI must not pass without
//! the real files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Whether external inputs are mandatory (`SCOMTRIAGE_STRICT=1`, as in CI).
pub fn strict() -> bool {
    std::env::var("SCOMTRIAGE_STRICT").is_ok_and(|v| v == "1")
}

/// Where `../shared` should be: `SCOMTRIAGE_SHARED`, else beside the workspace root.
pub fn shared_location() -> PathBuf {
    match std::env::var_os("SCOMTRIAGE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join("../shared"),
    }
}

/// The workspace root (the folder of the top `Cargo.toml`), found from the test crate's folder.
pub fn workspace_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let manifest = dir.join("Cargo.toml");
        if std::fs::read_to_string(&manifest).is_ok_and(|t| t.contains("[workspace]")) {
            return dir;
        }
        if !dir.pop() {
            return PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        }
    }
}

/// `sub` inside `../shared` (e.g. `data/evtx`), or `None` with a printed notice naming `test`.
/// Under `SCOMTRIAGE_STRICT=1` a missing folder panics instead: CI must run these tests.
pub fn shared_path(test: &str, sub: &str) -> Option<PathBuf> {
    let p = shared_location().join(sub);
    if p.exists() {
        return Some(p);
    }
    let msg = format!(
        "{test}: shared reference data not found at {} (set SCOMTRIAGE_SHARED)",
        p.display()
    );
    if strict() {
        panic!("{msg}; SCOMTRIAGE_STRICT=1 makes it mandatory");
    }
    println!("SKIPPED {msg}");
    None
}

/// `../shared` itself, as [`shared_path`] finds it.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    shared_path(test, "")
}

/// The bytes of `sub/name` inside `../shared`, as [`shared_path`] finds it.
pub fn shared_file(test: &str, sub: &str, name: &str) -> Option<Vec<u8>> {
    let dir = shared_path(test, sub)?;
    let path: &Path = &dir.join(name);
    match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) => {
            let msg = format!("{test}: {} not readable: {e}", path.display());
            if strict() {
                panic!("{msg}; SCOMTRIAGE_STRICT=1 makes it mandatory");
            }
            println!("SKIPPED {msg}");
            None
        }
    }
}
