//! An EVTX writer that encodes like Windows: 64 KiB chunks with correct CRC32s, a string
//! table, one template per event shape (inline on first use in a chunk, referenced after),
//! typed substitutions, classic unnamed `<Data>` as a string array or named data.
//!
//! CONTRACT (types fixed; owner: evtx-writer helper).

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

/// Deliberate damage for negative tests.
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

/// Encode `events` (in the order given) as an `.evtx` file.
pub fn write_evtx(_events: &[EventSpec], _options: &WriterOptions) -> Vec<u8> {
    Vec::new()
}
