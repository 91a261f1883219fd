//! EVTX event logs, through the `evtx` crate (single-threaded per file).
//!
//! CONTRACT (types fixed).

use std::collections::BTreeMap;
use thiserror::Error;

/// Fatal errors (nothing could be read).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvtxError {
    /// No `ElfFile\0` header, or shorter than a header.
    #[error("not an EVTX file: {0}")]
    NotEvtx(String),
    /// The MTA locale file could not be read.
    #[error("bad MTA locale file: {0}")]
    BadMta(String),
}

/// Which records to keep. Records that do not match are counted but not decoded further.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Keep only these providers (case-insensitive); `None` = all.
    pub providers: Option<Vec<String>>,
    /// Keep only these event ids; `None` = all.
    pub event_ids: Option<Vec<u16>>,
}

impl EventFilter {
    /// Keep everything.
    pub fn all() -> Self {
        Self::default()
    }
    /// Keep nothing but still count (for `inspect`).
    pub fn none() -> Self {
        Self {
            providers: Some(Vec::new()),
            event_ids: None,
        }
    }
}

/// One event record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventRecord {
    /// EventRecordID.
    pub record_id: u64,
    /// TimeCreated/@SystemTime, microseconds since the Unix epoch (UTC).
    pub time_us: i64,
    /// Provider/@Name.
    pub provider: String,
    /// EventID (low 16 bits).
    pub event_id: u16,
    /// EventID/@Qualifiers (classic events).
    pub qualifiers: Option<u16>,
    /// Level.
    pub level: Option<u8>,
    /// Task.
    pub task: Option<u16>,
    /// Keywords.
    pub keywords: Option<u64>,
    /// Computer.
    pub computer: String,
    /// Channel.
    pub channel: String,
    /// EventData (or UserData) items in order: (Data/@Name if any, text).
    pub data: Vec<(Option<String>, String)>,
    /// Message text rendered from an MTA locale file, when one was given and has it.
    pub message: Option<String>,
}

/// Integrity facts about one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EvtxIntegrity {
    /// File length in bytes.
    pub file_len: u64,
    /// Header CRC32 matches.
    pub header_checksum_ok: bool,
    /// Header dirty flag (0x1).
    pub dirty: bool,
    /// Header full flag (0x2).
    pub full: bool,
    /// Chunk count stated in the header.
    pub header_chunk_count: u64,
    /// Whole 64 KiB chunks present after the header.
    pub chunks_in_file: u64,
    /// Chunk indexes whose header or data CRC32 fails.
    pub bad_checksum_chunks: Vec<u64>,
    /// The file ends inside a chunk (the evtx crate silently drops that chunk).
    pub truncated: bool,
    /// Bytes after the last whole chunk.
    pub trailing_bytes: u64,
    /// Records the reader returned (matching or not).
    pub records: u64,
    /// Record-level errors.
    pub record_errors: u64,
    /// The first record-level error text.
    pub first_error: Option<String>,
}

/// One parsed file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EvtxLog {
    /// Records that matched the filter, in file order.
    pub records: Vec<EventRecord>,
    /// Count of all records by provider name (matching or not).
    pub providers: BTreeMap<String, u64>,
    /// Integrity report.
    pub integrity: EvtxIntegrity,
}

/// Parse an EVTX file held in memory. `mta` is the bytes of a matching `LocaleMetaData/*.MTA`, if any.
pub fn parse_evtx(
    _bytes: Vec<u8>,
    _filter: &EventFilter,
    _mta: Option<&[u8]>,
) -> Result<EvtxLog, EvtxError> {
    Err(EvtxError::NotEvtx("not implemented yet".into()))
}
