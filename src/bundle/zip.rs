//! Reading a zip into memory under the limits. Nothing is ever extracted to disk: entry names
//! are labels only. A zip inside the zip is opened too (one level) and becomes its own bundle.

use super::classify;
use super::limits::{one_line, too_many_entries, Budget, EntryCheck};
use super::logs;
use super::parse::{RawBundle, RawMember};
use super::ReadOptions;
use ::zip::result::ZipError;
use ::zip::{CompressionMethod, ZipArchive};
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

/// Read the zip at `path` (labelled `label`): its own bundle first, then one bundle per zip nested
/// in it. An outer zip that held nothing but nested zips (and had no problems) yields no bundle.
/// EVTX entries are parsed as they inflate ([`logs`]), after the other entries.
pub(crate) fn read_zip_file(path: &Path, label: &str, options: &ReadOptions) -> Vec<RawBundle> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            let mut b = RawBundle::new(label.to_string());
            b.problem(label, format!("cannot open: {}", one_line(&e.to_string())));
            return vec![b];
        }
    };
    let mut budget = Budget::new(options.limits.max_total_bytes);
    read_zip(BufReader::new(file), label, options, &mut budget, false)
}

/// Read a zip held in memory (labelled `label`), as [`read_zip_file`] does.
pub(crate) fn read_zip_bytes(bytes: Vec<u8>, label: &str, options: &ReadOptions) -> Vec<RawBundle> {
    let mut budget = Budget::new(options.limits.max_total_bytes);
    read_zip(Cursor::new(bytes), label, options, &mut budget, false)
}

/// An EVTX entry left to be parsed as it inflates, once the other entries are read.
struct PendingLog {
    index: usize,
    name: String,
    declared: u64,
    compressed: u64,
}

/// An entry name as a label: lossy UTF-8, `\` turned into `/`. Never joined onto a real path.
fn entry_label(name: &str) -> String {
    name.replace('\\', "/")
}

fn zip_error_text(e: &ZipError) -> String {
    match e {
        ZipError::UnsupportedArchive(m) if *m == ZipError::PASSWORD_REQUIRED => {
            "encrypted entry (no password support); not read".to_string()
        }
        ZipError::CompressionMethodNotSupported(m) => {
            format!("compression method {m} is not supported (only stored and deflate); not read")
        }
        ZipError::UnsupportedArchive(m) => format!("unsupported: {m}; not read"),
        other => format!("cannot read: {}", one_line(&other.to_string())),
    }
}

fn read_zip<R: Read + Seek>(
    reader: R,
    label: &str,
    options: &ReadOptions,
    budget: &mut Budget,
    nested: bool,
) -> Vec<RawBundle> {
    let limits = &options.limits;
    let mut pending: Vec<PendingLog> = Vec::new();
    let mut bundle = RawBundle::new(label.to_string());
    let mut archive = match ZipArchive::new(reader) {
        Ok(a) => a,
        Err(e) => {
            bundle.problem(
                label,
                format!("not a readable zip archive: {}", one_line(&e.to_string())),
            );
            return vec![bundle];
        }
    };
    if archive.has_duplicate_names() {
        bundle.problem(
            label,
            "the zip has duplicate entry names; only one entry of each name was read".into(),
        );
    }
    let count = archive.len();
    if count > limits.max_entries {
        bundle.problems.push(too_many_entries(label, count, limits));
    }
    let mut inner_bundles: Vec<RawBundle> = Vec::new();
    let mut had_inner = false;
    for i in 0..count.min(limits.max_entries) {
        // Metadata first (no reading): name, sizes, encryption, directory.
        let (name, declared, compressed, encrypted, is_dir, method) = match archive.by_index_data(i)
        {
            Ok(e) => {
                let name = match e.name() {
                    Ok(n) => n.into_owned(),
                    Err(_) => String::from_utf8_lossy(e.name_raw()).into_owned(),
                };
                (
                    entry_label(&name),
                    e.size(),
                    e.compressed_size(),
                    e.encrypted(),
                    e.is_dir(),
                    e.compression(),
                )
            }
            Err(e) => {
                bundle.problem(
                    &format!("entry #{i}"),
                    format!(
                        "cannot read the entry's header: {}",
                        one_line(&e.to_string())
                    ),
                );
                continue;
            }
        };
        if is_dir || (name.ends_with('/') && declared == 0) {
            continue;
        }
        if archive.by_index_data(i).is_ok_and(|e| e.is_symlink()) {
            // Its content is a path on the uploader's machine, never a file we want: reading it
            // as one would put a link target where a certificate or log should be.
            bundle.problem(
                &name,
                "symbolic link entry (links are never followed); not read".into(),
            );
            continue;
        }
        if encrypted {
            bundle.problem(
                &name,
                "encrypted entry (no password support); not read".into(),
            );
            continue;
        }
        if !matches!(
            method,
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            bundle.problem(
                &name,
                format!(
                    "compression method {method} is not supported (only stored and deflate); not read"
                ),
            );
            continue;
        }
        let check = match EntryCheck::before(limits, budget, declared, Some(compressed)) {
            Ok(c) => c,
            Err(msg) => {
                bundle.problem(&name, msg);
                continue;
            }
        };
        let bytes = match archive.by_index(i) {
            Ok(mut entry) => match logs::read_head(&mut entry) {
                Ok(head) if logs::streams(&name, &head) => {
                    pending.push(PendingLog {
                        index: i,
                        name,
                        declared,
                        compressed,
                    });
                    continue;
                }
                Ok(head) => check.read(Cursor::new(head).chain(entry), declared, budget),
                Err(e) => Err(format!("cannot read: {}", one_line(&e.to_string()))),
            },
            Err(e) => Err(zip_error_text(&e)),
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(msg) => {
                bundle.problem(&name, msg);
                continue;
            }
        };
        if classify::has_zip_extension(&name) && classify::is_zip_magic(&bytes) {
            if nested {
                bundle.problem(
                    &name,
                    "zip nested more than one level deep; not opened".into(),
                );
                continue;
            }
            had_inner = true;
            let inner_label = format!("{label}!{name}");
            inner_bundles.extend(read_zip(
                Cursor::new(bytes),
                &inner_label,
                options,
                budget,
                true,
            ));
            continue;
        }
        bundle.members.push(RawMember::new(name, bytes));
    }
    for log in pending {
        let read = EntryCheck::before(limits, budget, log.declared, Some(log.compressed)).and_then(
            |check| match archive.by_index(log.index) {
                Ok(entry) => logs::read_log(
                    &log.name,
                    entry,
                    log.declared,
                    &check,
                    budget,
                    &bundle.members,
                    options,
                ),
                Err(e) => Err(zip_error_text(&e)),
            },
        );
        match read {
            Ok(member) => bundle.members.push(member),
            Err(msg) => bundle.problem(&log.name, msg),
        }
    }
    let mut out = Vec::with_capacity(1 + inner_bundles.len());
    if !(had_inner && bundle.members.is_empty() && bundle.problems.is_empty()) {
        out.push(bundle);
    }
    out.extend(inner_bundles);
    out
}
