//! Reading uploads: a v1 zip, a directory, or loose files (any mix), under limits that make
//! untrusted input safe. Members are classified (by spec path, else by content) and parsed in
//! parallel; output order is deterministic.
//!
//! CONTRACT (types fixed; owner: bundle-reader helper).

use rayon::prelude::*;
use scomtriage_parsers::{
    evtx::EvtxLog, inventory::Inventory, manifest::Manifest, registry::RegParse, x509::Certificate,
    EventFilter,
};
use std::path::{Path, PathBuf};

pub mod classify;
mod dir;
pub mod limits;
mod logs;
mod parse;
mod zip;

pub use limits::{MIB, RATIO_GRACE_BYTES};

/// Label of the bundle that gathers the loose files given directly.
pub const LOOSE_FILES_LABEL: &str = "loose files";

/// What a member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    /// EVTX event log.
    Evtx,
    /// One or more X.509 certificates (DER, PEM, Base64).
    Certificate,
    /// PKCS#7 certificate bag.
    Pkcs7,
    /// `reg export` text.
    Registry,
    /// `manifest.json`.
    Manifest,
    /// `certificates/inventory.json`.
    Inventory,
    /// `LocaleMetaData/*.MTA` (used while parsing the matching EVTX).
    Mta,
    /// Text kept for people (`collector.log`, `commands/*.txt`).
    Text,
    /// Anything else.
    Unknown,
}

/// Parsed content of a member.
// The contract keeps the variants unboxed (a `Manifest` is large); members are few, so the size
// does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Parsed {
    /// EVTX.
    Evtx(EvtxLog),
    /// Certificates from a certificate file.
    Certificates(Vec<Certificate>),
    /// Certificates from a `.p7b`.
    Pkcs7(Vec<Certificate>),
    /// Registry export (with skipped-line problems).
    Registry(RegParse),
    /// Manifest.
    Manifest(Manifest),
    /// Inventory.
    Inventory(Inventory),
    /// Nothing to parse (MTA, text, unknown).
    Nothing,
}

/// One member of a bundle.
#[derive(Debug, Clone)]
pub struct Member {
    /// Path label inside the bundle, `/`-separated, as written (never used to touch the disk).
    /// Relative to its own bundle: a member of a zip nested in a zip has the path it has inside
    /// the inner zip (the bundle's label, `outer.zip!inner.zip`, says where it came from).
    /// Loose files keep the path they were given as. Spec paths may sit under a top folder
    /// (`GW01/registry/opsmgr.reg`): see [`Member::spec_path`] and [`Bundle::member`].
    pub path: String,
    /// Classification.
    pub kind: MemberKind,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// Parsed content, or a one-line error naming what is wrong.
    pub content: Result<Parsed, String>,
    /// Non-fatal notes about a member that was read: e.g. a `manifest.json` field dropped
    /// because its value had the wrong type (the rest of the member is kept).
    pub warnings: Vec<String>,
}

/// A problem with the input that is not tied to a parsed member (limit hit, unreadable zip entry…).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file or entry concerned.
    pub path: String,
    /// What is wrong, one line.
    pub message: String,
}

/// One bundle: a zip, a directory, a zip nested in a zip, or the set of loose files given.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Label, e.g. the zip's path, `outer.zip!inner.zip`, a directory path, or `loose files`.
    pub label: String,
    /// Members sorted by path.
    pub members: Vec<Member>,
    /// Input problems (limits hit, unreadable entries).
    pub problems: Vec<Problem>,
}

/// Limits for untrusted input. Every limit hit is reported as a [`Problem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Maximum number of entries in one zip (files in one directory, loose files given).
    pub max_entries: usize,
    /// Maximum uncompressed size of one entry.
    pub max_entry_bytes: u64,
    /// Maximum total uncompressed bytes read from one input path.
    pub max_total_bytes: u64,
    /// Maximum uncompressed/compressed ratio of one zip entry; entries of at most
    /// [`RATIO_GRACE_BYTES`] (1 MiB) uncompressed are exempt.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 10_000,
            max_entry_bytes: 2 << 30,
            max_total_bytes: 8 << 30,
            max_ratio: 200,
        }
    }
}

/// What to read and how.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Limits.
    pub limits: Limits,
    /// Which EVTX records to decode fully (others are only counted).
    pub evtx_filter: EventFilter,
}

/// Open every input path (zip, directory, loose file) and parse all members in parallel.
/// Zips and directories become one bundle each (a zip inside a zip: its own bundle);
/// loose files given directly are gathered into one bundle labelled `loose files`.
/// Never fails as a whole: unreadable inputs become [`Problem`]s.
///
/// Bundles come out in input order (a zip's nested zips right after it, the zips found in a
/// directory right after the directory, the loose files where the first one was given); members
/// are sorted by path. Inputs are processed in parallel, and so are the members of each bundle.
///
/// A zip entry (or a file in a directory) is opened as a zip when its name ends in `.zip` and its
/// content starts with a zip signature; an input path given directly is a zip when its content
/// starts with a zip signature or its name ends in `.zip`.
pub fn read_inputs(paths: &[PathBuf], options: &ReadOptions) -> Vec<Bundle> {
    let mut jobs: Vec<Job> = Vec::new();
    let mut loose: Vec<PathBuf> = Vec::new();
    let mut loose_at: Option<usize> = None;
    for p in paths {
        match input_kind(p) {
            InputKind::Loose => {
                loose_at.get_or_insert(jobs.len());
                loose.push(p.clone());
            }
            kind => jobs.push(Job::Single(p.clone(), kind)),
        }
    }
    if let Some(at) = loose_at {
        jobs.insert(at, Job::Loose(loose));
    }
    jobs.par_iter()
        .map(|job| run_job(job, options))
        .collect::<Vec<Vec<Bundle>>>()
        .into_iter()
        .flatten()
        .collect()
}

impl Bundle {
    /// The member at a bundle-v1 path (e.g. `registry/opsmgr.reg`), matched case-insensitively
    /// against each member's [`Member::spec_path`].
    pub fn member(&self, spec_path: &str) -> Option<&Member> {
        self.members.iter().find(|m| {
            m.spec_path()
                .is_some_and(|p| p.eq_ignore_ascii_case(spec_path.trim_start_matches('/')))
        })
    }

    /// Members of one kind, in path order.
    pub fn members_of(&self, kind: MemberKind) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(move |m| m.kind == kind)
    }

    /// Whether every member parsed and the input had no problems.
    pub fn all_ok(&self) -> bool {
        self.problems.is_empty() && self.members.iter().all(|m| m.content.is_ok())
    }
}

impl Member {
    /// The bundle-v1 path this member sits at (e.g. `registry/opsmgr.reg` for a zip entry
    /// `GW01-bundle/registry/opsmgr.reg`), or `None` when its path is not a spec member's.
    pub fn spec_path(&self) -> Option<String> {
        classify::spec_path(&self.path)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputKind {
    Zip,
    Dir,
    Loose,
    Unreadable,
}

#[derive(Debug)]
enum Job {
    Single(PathBuf, InputKind),
    Loose(Vec<PathBuf>),
}

fn input_kind(p: &Path) -> InputKind {
    match std::fs::metadata(p) {
        Err(_) => InputKind::Unreadable,
        Ok(m) if m.is_dir() => InputKind::Dir,
        Ok(_) => {
            let label = p.to_string_lossy();
            if dir::file_has_zip_magic(p) || classify::has_zip_extension(&label) {
                InputKind::Zip
            } else {
                InputKind::Loose
            }
        }
    }
}

fn parse_all(raws: Vec<parse::RawBundle>, options: &ReadOptions) -> Vec<Bundle> {
    raws.into_par_iter()
        .map(|r| parse::parse_bundle(r, options))
        .collect()
}

fn run_job(job: &Job, options: &ReadOptions) -> Vec<Bundle> {
    let bundles = run_job_inner(job, options);
    if let Job::Single(p, _) = job {
        if bundles
            .iter()
            .all(|b| b.members.is_empty() && b.problems.is_empty())
        {
            // Say so rather than print nothing: an empty folder or zip is a wrong upload.
            let label = p.to_string_lossy().into_owned();
            return vec![Bundle {
                label: label.clone(),
                members: Vec::new(),
                problems: vec![Problem {
                    path: label,
                    message: "holds no files".into(),
                }],
            }];
        }
    }
    bundles
}

fn run_job_inner(job: &Job, options: &ReadOptions) -> Vec<Bundle> {
    match job {
        Job::Loose(paths) => parse_all(vec![dir::read_loose(paths, options)], options),
        Job::Single(p, kind) => {
            let label = p.to_string_lossy().into_owned();
            match kind {
                InputKind::Zip => parse_all(zip::read_zip_file(p, &label, options), options),
                InputKind::Dir => {
                    let d = dir::read_dir(p, &label, options);
                    let mut raws = Vec::new();
                    let b = d.bundle;
                    if !(b.members.is_empty() && b.problems.is_empty() && !d.zips.is_empty()) {
                        raws.push(b);
                    }
                    let nested: Vec<Vec<parse::RawBundle>> = d
                        .zips
                        .par_iter()
                        .map(|z| zip::read_zip_file(z, &z.to_string_lossy(), options))
                        .collect();
                    raws.extend(nested.into_iter().flatten());
                    parse_all(raws, options)
                }
                InputKind::Unreadable | InputKind::Loose => {
                    let message = match std::fs::metadata(p) {
                        Err(e) => format!("cannot read: {}", limits::one_line(&e.to_string())),
                        Ok(_) => "cannot read".to_string(),
                    };
                    vec![Bundle {
                        label: label.clone(),
                        members: Vec::new(),
                        problems: vec![Problem {
                            path: label,
                            message,
                        }],
                    }]
                }
            }
        }
    }
}

/// Read zip bytes held in memory as if they were a zip file labelled `label` (used by tests and
/// by callers that already hold an upload in memory). Members are parsed as [`read_inputs`] does.
pub fn read_zip_bytes(bytes: Vec<u8>, label: &str, options: &ReadOptions) -> Vec<Bundle> {
    parse_all(zip::read_zip_bytes(bytes, label, options), options)
}
