//! An EVTX writer that encodes like Windows: 64 KiB chunks with correct CRC32s, a string
//! table, one template per event shape (inline on first use in a chunk, referenced after),
//! typed substitutions, classic unnamed `<Data>` as a string array or named data.
//!
//! CONTRACT (types fixed; owner: evtx-writer helper).
//!
//! How Windows encodes classic events, and what this writer copies (observed in real
//! logs; see the project's `reference/rust-crates.md` §2 and §6):
//! - file header (4 KiB, CRC32 of bytes 0..120), then 64 KiB chunks; chunk header flags 1,
//!   record numbers 1, 2, … in file order next to the EventRecordIDs, string and template
//!   tables populated, header and data CRC32s;
//! - every record is one TemplateInstance of the System template; Provider Name, Channel
//!   and Computer are literal text in the template, so a chunk holds one System template per
//!   provider/channel/computer combination, defined inline on first use and referenced
//!   afterwards; the other System values are twenty optional substitutions (EventID u16
//!   with a `Qualifiers` u16 attribute, Level u8, Task u16, Keywords hex64, TimeCreated
//!   FILETIME, EventRecordID u64, unused ones Null or 0);
//! - EventData is substitution 19, a nested BinXML fragment with its own template: for
//!   classic events `<Data>` is one string-array value (type 0x81); named data is
//!   `<Data Name="…">` with one string substitution each;
//! - records are padded to 8 bytes and a chunk always keeps at least 8 bytes free;
//! - an empty log is a header plus one empty chunk.
//!
//! Strings must not contain NUL (a reader cuts a string at its first NUL).

mod binxml;
mod chunk;
mod damage;
mod header;
pub mod samples;
mod template;
mod writer;

pub use damage::BAD_CHUNK_MAGIC;
pub use writer::{EvtxWriteError, EvtxWriter};

use std::io::Cursor;

/// Event data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventData {
    /// Classic providers (`OpsMgr Connector`, `HealthService`): unnamed `<Data>` strings.
    Unnamed(Vec<String>),
    /// Manifest providers: `<Data Name="…">`.
    Named(Vec<(String, String)>),
}

/// One event to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSpec {
    /// Provider name.
    pub provider: String,
    /// EventID (low 16 bits).
    pub event_id: u16,
    /// Qualifiers (classic events: 0, 16384, 32768, 49152); `None` omits the attribute.
    pub qualifiers: Option<u16>,
    /// Level (2 error, 3 warning, 4 information).
    pub level: u8,
    /// Task.
    pub task: u16,
    /// Keywords (classic: 0x0080000000000000).
    pub keywords: u64,
    /// TimeCreated, microseconds since the Unix epoch (UTC).
    pub time_us: i64,
    /// EventRecordID.
    pub record_id: u64,
    /// Channel (e.g. `Operations Manager`).
    pub channel: String,
    /// Computer.
    pub computer: String,
    /// Event data.
    pub data: EventData,
}

/// Deliberate damage for negative tests, applied to the finished file in this order: wrap,
/// chunk damage, dirty flag, truncation. Chunk indexes are positions in the final file
/// (after `wrap_by`); indexes past the last chunk are ignored. Where damage touches a
/// header, that header's CRC is recomputed so that the named defect is the only one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Damage {
    /// Cut the file to this many bytes (e.g. inside a chunk).
    pub truncate_to: Option<u64>,
    /// Corrupt the data CRC of these chunk indexes.
    pub bad_chunk_crc: Vec<usize>,
    /// Overwrite the magic of these chunk indexes.
    pub bad_chunk_magic: Vec<usize>,
    /// Set the header dirty flag.
    pub dirty: bool,
    /// Rotate chunks so the oldest is not first (a wrapped log), by this many chunks.
    pub wrap_by: usize,
    /// Replace these chunk indexes with zeros.
    pub zero_chunks: Vec<usize>,
}

/// Writer options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// Header minor version (1, or 2 as Windows 10 2004+ writes).
    pub minor_version: u16,
    /// Damage to apply after writing.
    pub damage: Damage,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            minor_version: 1,
            damage: Damage::default(),
        }
    }
}

/// Encode `events` (in the order given) as an `.evtx` file. `EventData::Named` without
/// pairs is written like classic data without strings (readers show no data either way).
///
/// # Panics
/// If one event encodes to more than a chunk holds (about 64 KiB: thousands of data
/// strings); [`try_write_evtx`] reports that as an error instead.
pub fn write_evtx(events: &[EventSpec], options: &WriterOptions) -> Vec<u8> {
    match try_write_evtx(events, options) {
        Ok(bytes) => bytes,
        Err(e) => panic!("write_evtx: {e}"),
    }
}

/// Encode `events` (in the order given) as an `.evtx` file, then apply `options.damage`.
pub fn try_write_evtx(
    events: &[EventSpec],
    options: &WriterOptions,
) -> Result<Vec<u8>, EvtxWriteError> {
    let clean = WriterOptions {
        minor_version: options.minor_version,
        damage: Damage::default(),
    };
    let mut writer = EvtxWriter::new(Cursor::new(Vec::new()), &clean)?;
    for event in events {
        writer.push(event)?;
    }
    let mut bytes = writer.finish()?.into_inner();
    damage::apply(&mut bytes, &options.damage);
    Ok(bytes)
}
