//! Reading uploads: a v1 zip, a directory, or loose files (any mix), under limits that make
//! untrusted input safe. Members are classified (by spec path, else by content) and parsed in
//! parallel; output order is deterministic.
//!
//! CONTRACT (types fixed; owner: bundle-reader helper).

use scomtriage_parsers::{
    evtx::EvtxLog, inventory::Inventory, manifest::Manifest, registry::RegParse, x509::Certificate,
    EventFilter,
};
use std::path::PathBuf;

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
    /// For a zip inside a zip: `inner.zip!path`.
    pub path: String,
    /// Classification.
    pub kind: MemberKind,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// Parsed content, or a one-line error naming what is wrong.
    pub content: Result<Parsed, String>,
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
    /// Maximum number of entries in one zip.
    pub max_entries: usize,
    /// Maximum uncompressed size of one entry.
    pub max_entry_bytes: u64,
    /// Maximum total uncompressed bytes read from one input path.
    pub max_total_bytes: u64,
    /// Maximum uncompressed/compressed ratio of one entry.
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
pub fn read_inputs(_paths: &[PathBuf], _options: &ReadOptions) -> Vec<Bundle> {
    Vec::new()
}
