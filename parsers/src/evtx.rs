//! EVTX event logs, through the `evtx` crate (never its multi-threaded mode).
//!
//! CONTRACT (types fixed; fields and functions only added).
//!
//! How a file is read:
//! - As a stream ([`parse_evtx_reader`]; [`parse_evtx_with`] reads from a slice the same way):
//!   the file header, then 64 KiB chunks handed, a few at a time, to threads of our own
//!   (`evtx/chunks.rs`; never the crate's multi-threaded mode, which deadlocks inside a rayon
//!   pool) as they are read. The file is never held whole. Once it has all been read, the
//!   chunks' results are merged in the crate's order (oldest chunk first for a log that
//!   wrapped).
//! - In each chunk, every record's provider and event id are read from the BinXML template
//!   and its substitution values without rendering (`evtx/head.rs`). Records the
//!   [`EventFilter`] rejects are only counted. Kept records of the shapes Windows writes most
//!   (`System` plus unnamed or named string `Data`) are decoded straight from the BinXML with
//!   a plan compiled once per template (`evtx/direct.rs`); the others, and any record whose
//!   shape the reader does not know, are rendered to compact JSON by the crate from a copy of
//!   the chunk whose record walk skips the rest, and read with a small allocation-free JSON
//!   walker (`evtx/scan.rs`, `evtx/system.rs`, `evtx/data.rs`). A chunk whose CRC32s fail, or
//!   whose records cannot be walked cleanly, is rendered whole as the crate's own iterator
//!   would; a chunk whose header the crate cannot read gives the one error the crate's
//!   iterator gives for it. Checksums are *not* validated so damaged chunks are salvaged.
//!   `tests/evtx_filter_agrees.rs` checks that all this gives what the crate's own iterator
//!   gives when it renders every record and the JSON is filtered (the reference path,
//!   `ParseOptions::filter_before_rendering = false`).
//! - Integrity (header and chunk CRC32s, truncation, flags) is computed from the bytes, chunk
//!   by chunk (`evtx/integrity.rs`); the crate silently drops a truncated last chunk.
//! - An `.MTA` locale file, when given, supplies message text for matching records through
//!   `evtx::mta::MtaFile::rendering_info` (a lookup, no re-rendering).

mod chunks;
mod data;
mod direct;
mod head;
mod integrity;
mod scan;
mod system;

use ::evtx::mta::{MtaEvent, MtaFile};
use ::evtx::{EvtxFileHeader, EvtxParser, ParserSettings, SerializedEvtxRecord};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::{Arc, OnceLock};
use thiserror::Error;

/// Fatal errors (nothing could be read).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvtxError {
    /// No `ElfFile\0` header, or shorter than a header.
    #[error("not an EVTX file: {0}")]
    NotEvtx(String),
    /// The MTA locale file could not be read. [`parse_evtx`] does not fail with this: it
    /// parses without messages and puts this error's text in [`EvtxLog::warnings`].
    #[error("bad MTA locale file: {0}")]
    BadMta(String),
    /// The reader given to [`parse_evtx_reader`] failed part way (an I/O error, a zip
    /// entry's CRC32, a limit the caller's reader enforces).
    #[error("cannot read: {0}")]
    Read(String),
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
    /// Keep the records of these providers (any event id).
    pub fn for_providers<I, S>(providers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            providers: Some(providers.into_iter().map(Into::into).collect()),
            event_ids: None,
        }
    }
    /// The same filter, also requiring one of these event ids.
    pub fn with_event_ids<I: IntoIterator<Item = u16>>(mut self, ids: I) -> Self {
        self.event_ids = Some(ids.into_iter().collect());
        self
    }
    /// Whether a record of `provider` with `event_id` is kept.
    pub fn matches(&self, provider: &str, event_id: u16) -> bool {
        self.matches_provider(provider) && self.matches_event_id(event_id)
    }
    fn matches_provider(&self, provider: &str) -> bool {
        match &self.providers {
            None => true,
            Some(list) => list.iter().any(|p| same_name(p, provider)),
        }
    }
    fn matches_event_id(&self, event_id: u16) -> bool {
        self.event_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&event_id))
    }
}

/// Case-insensitive name comparison (ASCII fast path, Unicode lowercase otherwise).
fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || (!(a.is_ascii() && b.is_ascii()) && a.to_lowercase() == b.to_lowercase())
}

/// One event record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventRecord {
    /// EventRecordID (from `System`; the record header's id when `System` has none).
    pub record_id: u64,
    /// TimeCreated/@SystemTime, microseconds since the Unix epoch (UTC); the record header's
    /// time when `System` has none.
    pub time_us: i64,
    /// Provider/@Name (empty when absent).
    pub provider: String,
    /// EventID (low 16 bits; 0 when absent).
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
    /// Channel (empty when absent).
    pub channel: String,
    /// EventData (or UserData) items in order: (Data/@Name if any, text).
    ///
    /// Classic unnamed `<Data>` strings have no name; named data keep their name (a repeated
    /// name appears once per value); `EventData/Binary` is the item named `Binary` (hex);
    /// `UserData` gives its leaf values named by element, and attributes as `element/@name`.
    /// Numbers and booleans are in their text form, NULL values are empty.
    pub data: Vec<(Option<String>, String)>,
    /// Message text: from the record's own `RenderingInfo` (forwarded events) or else from the
    /// MTA locale file, when one was given and has it.
    pub message: Option<String>,
}

/// Integrity facts about one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EvtxIntegrity {
    /// File length in bytes.
    pub file_len: u64,
    /// Header CRC32 matches (or the header says it stores none).
    pub header_checksum_ok: bool,
    /// Header dirty flag (0x1).
    pub dirty: bool,
    /// Header full flag (0x2).
    pub full: bool,
    /// Chunk count stated in the header.
    pub header_chunk_count: u64,
    /// Whole 64 KiB chunks present after the header.
    pub chunks_in_file: u64,
    /// Chunk indexes (0-based, in file order) whose header or data CRC32 fails, or whose
    /// header is not a chunk header. All-zero (unused) chunks are not listed.
    pub bad_checksum_chunks: Vec<u64>,
    /// The file ends inside a chunk (the evtx crate silently drops that chunk).
    pub truncated: bool,
    /// Bytes after the last whole chunk.
    pub trailing_bytes: u64,
    /// Records the reader returned (matching or not).
    pub records: u64,
    /// Record-level errors (including a chunk that cannot be read at all).
    pub record_errors: u64,
    /// The first record-level error text.
    pub first_error: Option<String>,
}

/// One parsed file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EvtxLog {
    /// Records that matched the filter, in file order.
    pub records: Vec<EventRecord>,
    /// Count of all records by provider name (matching or not); records without a provider
    /// name count under `""`.
    pub providers: BTreeMap<String, u64>,
    /// Integrity report.
    pub integrity: EvtxIntegrity,
    /// Problems that did not stop the parse: an MTA file that could not be read (the records
    /// then have no MTA messages), a record whose event data could not be decoded.
    pub warnings: Vec<String>,
}

/// At most this many warnings are kept per file; one more line says how many were dropped.
const MAX_WARNINGS: usize = 50;

fn warn(warnings: &mut Vec<String>, dropped: &mut u64, text: String) {
    if warnings.len() < MAX_WARNINGS {
        warnings.push(text);
    } else {
        *dropped += 1;
    }
}

/// An error and its sources, as one line.
fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            if text.ends_with('.') {
                text.pop();
            }
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

/// Check that `bytes` can be an EVTX file: `ElfFile\0` magic and a whole 4 KiB header.
fn check_header(bytes: &[u8]) -> Result<EvtxFileHeader, EvtxError> {
    if bytes.is_empty() {
        return Err(EvtxError::NotEvtx("empty input".into()));
    }
    if !bytes.starts_with(b"ElfFile\0") {
        let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
        return Err(EvtxError::NotEvtx(format!(
            "no ElfFile magic (starts with {})",
            head.join(" ")
        )));
    }
    if bytes.len() < integrity::FILE_HEADER_SIZE {
        return Err(EvtxError::NotEvtx(format!(
            "{} bytes, shorter than the {}-byte file header",
            bytes.len(),
            integrity::FILE_HEADER_SIZE
        )));
    }
    EvtxFileHeader::from_bytes(bytes).map_err(|e| EvtxError::NotEvtx(error_text(&e)))
}

/// Parse an EVTX file held in memory. `mta` is the bytes of a matching `LocaleMetaData/*.MTA`, if any.
///
/// Fails only when nothing can be read ([`EvtxError::NotEvtx`]); damage inside the file shows
/// in [`EvtxLog::integrity`], and an unreadable MTA file in [`EvtxLog::warnings`]. The MTA
/// file is only read when a record matches the filter (so a bad one goes unreported when
/// none does).
pub fn parse_evtx(
    bytes: Vec<u8>,
    filter: &EventFilter,
    mta: Option<&[u8]>,
) -> Result<EvtxLog, EvtxError> {
    parse_evtx_with(bytes, filter, mta, &ParseOptions::default())
}

/// How [`parse_evtx_with`] spends effort. The defaults are what [`parse_evtx`] uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// Threads for one file's chunks; `0` = the machine's available parallelism. Files of
    /// fewer than [`ParseOptions::min_chunks_per_thread`] chunks per thread use fewer threads.
    pub threads: usize,
    /// Least chunks (64 KiB each) worth a thread of its own.
    pub min_chunks_per_thread: usize,
    /// Read provider and event id from the BinXML and render only the records the filter
    /// keeps (`true`), or render every record and filter the JSON (`false`: the reference
    /// path, kept for comparison).
    pub filter_before_rendering: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            threads: 0,
            min_chunks_per_thread: 16,
            filter_before_rendering: true,
        }
    }
}

/// [`parse_evtx`] with explicit [`ParseOptions`]. The result does not depend on the options
/// except that, with `filter_before_rendering`, a record the filter rejects is never rendered,
/// so one the crate could not render counts as a record of its provider instead of as a record
/// error.
pub fn parse_evtx_with(
    bytes: Vec<u8>,
    filter: &EventFilter,
    mta: Option<&[u8]>,
    options: &ParseOptions,
) -> Result<EvtxLog, EvtxError> {
    if !options.filter_before_rendering {
        return reference(bytes, filter, mta);
    }
    let len = bytes.len() as u64;
    parse_evtx_reader(&bytes[..], len, filter, mta, options)
}

/// Parse an EVTX file as it is read from `reader` (a file, a zip entry as it inflates), one
/// 64 KiB chunk at a time: the file is never held whole, and reading overlaps parsing on the
/// parser's own threads. `len_hint` is the expected length (it only sets how many threads are
/// worth starting). The result is what [`parse_evtx_with`] gives for the same bytes.
///
/// `reader` is always read to its end, also when the file header is unreadable, so that a
/// reader that checks what it reads (a zip entry's CRC32, a size limit) has the last word: an
/// error from it is [`EvtxError::Read`], and nothing read is returned then.
pub fn parse_evtx_reader<R: Read>(
    mut reader: R,
    len_hint: u64,
    filter: &EventFilter,
    mta: Option<&[u8]>,
    options: &ParseOptions,
) -> Result<EvtxLog, EvtxError> {
    let read_error = |e: std::io::Error| EvtxError::Read(error_text(&e));
    if !options.filter_before_rendering {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(read_error)?;
        return reference(bytes, filter, mta);
    }
    let mut head = vec![0u8; integrity::FILE_HEADER_SIZE];
    let got = chunks::fill(&mut reader, &mut head).map_err(read_error)?;
    head.truncate(got);
    let header = match check_header(&head) {
        Ok(header) => header,
        Err(e) => {
            std::io::copy(&mut reader, &mut std::io::sink()).map_err(read_error)?;
            return Err(e);
        }
    };
    let mta = SharedMta::new(mta);
    // Default settings are single-threaded (never `num_threads(0)`: see the module docs);
    // our own threads take whole chunks.
    let settings = Arc::new(ParserSettings::new().indent(false));
    let ctx = chunks::Context {
        filter,
        settings: &settings,
        mta: &mta,
    };
    let expected_chunks =
        len_hint.saturating_sub(integrity::FILE_HEADER_SIZE as u64) / integrity::CHUNK_SIZE as u64;
    let threads = chunks::threads_for(
        usize::try_from(expected_chunks).unwrap_or(usize::MAX),
        options,
    );
    let body = chunks::read_body(&ctx, &mut reader, threads).map_err(read_error)?;
    let bad_checksum_chunks = body
        .chunks
        .iter()
        .filter(|c| !c.info.checksums_ok)
        .map(|c| c.info.number)
        .collect();
    let integrity = integrity::summarize(
        &header,
        body.chunks.len() as u64,
        body.trailing,
        bad_checksum_chunks,
    );
    Ok(finish(integrity, chunks::merge(body.chunks), &mta))
}

/// The reference path: the crate reads the whole file with its own iterator and renders every
/// record; the JSON is filtered. One thread.
fn reference(
    bytes: Vec<u8>,
    filter: &EventFilter,
    mta: Option<&[u8]>,
) -> Result<EvtxLog, EvtxError> {
    let header = check_header(&bytes)?;
    let integrity = integrity::check(&bytes, &header);
    let mta = SharedMta::new(mta);
    let settings = ParserSettings::new().indent(false);
    let mut tally = Tally::default();
    let mut parser = EvtxParser::from_buffer(bytes)
        .map_err(|e| EvtxError::NotEvtx(error_text(&e)))?
        .with_configuration(settings);
    for item in parser.records_json_bytes() {
        tally.rendered(item, filter, &mta, false);
    }
    Ok(finish(integrity, tally, &mta))
}

/// The log from the file's integrity and its records' tally.
fn finish(integrity: EvtxIntegrity, mut tally: Tally, mta: &SharedMta<'_>) -> EvtxLog {
    let mut log = EvtxLog {
        integrity,
        ..EvtxLog::default()
    };
    log.integrity.records = tally.records;
    log.integrity.record_errors = tally.record_errors;
    log.integrity.first_error = tally.first_error.take();
    log.records = std::mem::take(&mut tally.decoded);
    log.providers = tally.providers.into_iter().collect();
    // The MTA warning comes first (it was raised at the first matching record, before that
    // record's own warnings) and counts against the cap.
    let mut warnings = Vec::new();
    if let Some(w) = mta.warning() {
        warnings.push(w);
    }
    let room = MAX_WARNINGS.saturating_sub(warnings.len());
    let dropped = tally.dropped + tally.warnings.len().saturating_sub(room) as u64;
    tally.warnings.truncate(room);
    warnings.append(&mut tally.warnings);
    if dropped > 0 {
        warnings.push(format!("{dropped} more warnings not shown"));
    }
    log.warnings = warnings;
    log
}

/// What reading some records produced: counts, decoded records, warnings. Chunks read apart
/// are [`Tally::append`]ed in order.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Records read (rendered or classified from BinXML).
    records: u64,
    record_errors: u64,
    first_error: Option<String>,
    /// Records by provider.
    providers: HashMap<String, u64>,
    /// Matching records, decoded.
    decoded: Vec<EventRecord>,
    /// Warnings, at most [`MAX_WARNINGS`].
    warnings: Vec<String>,
    /// Warnings not kept.
    dropped: u64,
}

impl Tally {
    fn error(&mut self, text: impl FnOnce() -> String) {
        self.record_errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(text());
        }
    }

    /// Count a record of `provider` that is not decoded.
    fn count(&mut self, provider: &str) {
        self.count_many(provider, 1);
    }

    /// Count `n` records of `provider` that are not decoded.
    fn count_many(&mut self, provider: &str, n: u64) {
        if n == 0 {
            return;
        }
        self.records += n;
        match self.providers.get_mut(provider) {
            Some(count) => *count += n,
            None => {
                self.providers.insert(provider.to_owned(), n);
            }
        }
    }

    /// One record rendered by the crate (or its error): count it, and decode it when the
    /// filter keeps it. `likely_kept`: the record was chosen for rendering because the filter
    /// probably keeps it, so its whole `System` block is read at once.
    fn rendered(
        &mut self,
        item: Result<SerializedEvtxRecord<Vec<u8>>, ::evtx::err::EvtxError>,
        filter: &EventFilter,
        mta: &SharedMta<'_>,
        likely_kept: bool,
    ) -> bool {
        let rendered = match item {
            Ok(rendered) => rendered,
            Err(e) => {
                self.error(|| error_text(&e));
                return false;
            }
        };
        let doc = &rendered.data;
        // A full scan that fails can still have a readable head, which is then used.
        let full = if likely_kept {
            system::scan(doc, system::Depth::Full).ok()
        } else {
            None
        };
        let head = match full {
            Some(full) => full,
            None => match system::scan(doc, system::Depth::Head) {
                Ok(raw) => raw,
                Err(system::Unreadable(why)) => {
                    self.error(|| {
                        format!(
                            "record {}: rendered JSON unreadable: {why}",
                            rendered.event_record_id
                        )
                    });
                    return false;
                }
            },
        };
        let provider = head.provider();
        self.count(&provider);
        if !filter.matches(&provider, head.event_id()) {
            return false;
        }
        let raw = if head.is_full() {
            head
        } else {
            system::scan(doc, system::Depth::Full).unwrap_or(head)
        };
        let mut warnings = std::mem::take(&mut self.warnings);
        let record = decode(
            &raw,
            provider.into_owned(),
            (
                rendered.event_record_id,
                rendered.timestamp.as_microsecond(),
            ),
            mta.get(),
            &mut warnings,
            &mut self.dropped,
        );
        self.warnings = warnings;
        self.decoded.push(record);
        true
    }

    /// A kept record decoded from its BinXML ([`direct`]); `header` is the record header's
    /// id and FILETIME. `None` (nothing counted) when the record header's time would be
    /// needed and cannot be converted like the crate does.
    fn direct(
        &mut self,
        d: direct::Decoded,
        header: (u64, u64),
        mta: &SharedMta<'_>,
    ) -> Option<EventRecord> {
        let (header_id, header_filetime) = header;
        let time_us = match d.time_us {
            Some(t) => t,
            None => direct::filetime_us(header_filetime)?,
        };
        let record_id = d.record_id.unwrap_or(header_id);
        self.count(&d.provider);
        let message = mta.get().and_then(|mta| {
            mta_message(
                mta,
                &d.provider,
                header_id,
                record_id,
                (d.qualifiers, d.level, d.task, d.opcode, d.keywords),
            )
        });
        Some(EventRecord {
            record_id,
            time_us,
            provider: d.provider,
            event_id: d.event_id,
            qualifiers: d.qualifiers,
            level: d.level,
            task: d.task,
            keywords: d.keywords,
            computer: d.computer,
            channel: d.channel,
            data: d.data,
            message,
        })
    }

    /// Add what the next chunks in order produced.
    fn append(&mut self, mut next: Tally) {
        self.records += next.records;
        self.record_errors += next.record_errors;
        if self.first_error.is_none() {
            self.first_error = next.first_error;
        }
        for (name, n) in next.providers {
            *self.providers.entry(name).or_insert(0) += n;
        }
        self.decoded.append(&mut next.decoded);
        let room = MAX_WARNINGS.saturating_sub(self.warnings.len());
        self.dropped += next.dropped + next.warnings.len().saturating_sub(room) as u64;
        next.warnings.truncate(room);
        self.warnings.append(&mut next.warnings);
    }
}

/// The MTA file given to [`parse_evtx`], read when a record first needs it (by whichever
/// thread gets there first).
struct SharedMta<'b> {
    bytes: Option<&'b [u8]>,
    file: OnceLock<Result<MtaFile, String>>,
}

impl<'b> SharedMta<'b> {
    fn new(bytes: Option<&'b [u8]>) -> Self {
        SharedMta {
            bytes,
            file: OnceLock::new(),
        }
    }

    /// The MTA file, if one was given and is readable.
    fn get(&self) -> Option<&MtaFile> {
        let bytes = self.bytes?;
        self.file
            .get_or_init(|| MtaFile::from_bytes(bytes).map_err(|e| error_text(&e)))
            .as_ref()
            .ok()
    }

    /// The warning for an MTA file that was needed and could not be read.
    fn warning(&self) -> Option<String> {
        match self.file.get() {
            Some(Err(e)) => Some(format!(
                "{}; records have no MTA messages",
                EvtxError::BadMta(e.clone())
            )),
            _ => None,
        }
    }
}

/// The `System` values an MTA lookup uses: qualifiers, level, task, opcode, keywords.
type MtaSystem = (
    Option<u16>,
    Option<u8>,
    Option<u16>,
    Option<u8>,
    Option<u64>,
);

/// The MTA message of a record.
fn mta_message(
    mta: &MtaFile,
    provider: &str,
    header_id: u64,
    record_id: u64,
    system: MtaSystem,
) -> Option<String> {
    let (qualifiers, level, task, opcode, keywords) = system;
    let event = MtaEvent {
        provider,
        record_number: header_id,
        event_record_id: record_id,
        qualifiers: qualifiers.unwrap_or(0),
        level: level.unwrap_or(0),
        task: task.unwrap_or(0),
        opcode: opcode.unwrap_or(0),
        keywords: keywords.unwrap_or(0),
    };
    mta.rendering_info(&event)
        .and_then(|info| info.message.map(str::to_owned))
}

/// Fully decode one matching record. `header` is the record header's id and time (µs), used
/// when `System` lacks them and to find the record in an MTA file.
fn decode(
    raw: &system::RawRecord<'_>,
    provider: String,
    header: (u64, i64),
    mta: Option<&MtaFile>,
    warnings: &mut Vec<String>,
    dropped: &mut u64,
) -> EventRecord {
    let (header_id, header_time_us) = header;
    let record_id = raw.record_id().unwrap_or(header_id);
    let mut data = Vec::new();
    let mut message = None;
    match raw.other_children() {
        Ok(children) => {
            for (key, value) in children {
                if key == b"RenderingInfo" {
                    message = scan::member(value, b"Message")
                        .and_then(scan::scalar_text)
                        .filter(|m| !m.is_empty())
                        .map(|m| m.into_owned());
                    continue;
                }
                let mut sink = data::Sink::new(&mut data);
                if key == b"EventData" {
                    data::event_data(value, &mut sink);
                } else {
                    data::user_data(value, &mut sink);
                }
                if sink.malformed {
                    warn(
                        warnings,
                        dropped,
                        format!(
                            "record {record_id}: {} partly unreadable (malformed JSON)",
                            String::from_utf8_lossy(key)
                        ),
                    );
                }
            }
        }
        Err(system::Unreadable(why)) => warn(
            warnings,
            dropped,
            format!("record {record_id}: event data unreadable: {why}"),
        ),
    }
    let qualifiers = raw.qualifiers();
    let level = raw.level();
    let task = raw.task();
    let keywords = raw.keywords();
    if message.is_none() {
        if let Some(mta) = mta {
            message = mta_message(
                mta,
                &provider,
                header_id,
                record_id,
                (qualifiers, level, task, raw.opcode(), keywords),
            );
        }
    }
    EventRecord {
        record_id,
        time_us: raw.time_us().unwrap_or(header_time_us),
        provider,
        event_id: raw.event_id(),
        qualifiers,
        level,
        task,
        keywords,
        computer: raw.computer(),
        channel: raw.channel(),
        data,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decode one record's JSON the way [`parse_evtx`] does.
    fn decode_json(doc: &[u8]) -> Option<(EventRecord, Vec<String>)> {
        let head = system::scan(doc, system::Depth::Head).ok()?;
        let provider = head.provider().into_owned();
        let _ = head.event_id();
        let raw = system::scan(doc, system::Depth::Full).unwrap_or(head);
        let mut warnings = Vec::new();
        let mut dropped = 0;
        let r = decode(&raw, provider, (7, 42), None, &mut warnings, &mut dropped);
        Some((r, warnings))
    }

    const DOCS: [&str; 4] = [
        r##"{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"OpsMgr Connector"}},"EventID":{"#attributes":{"Qualifiers":49152},"#text":20071},"Level":2,"Task":0,"Keywords":"0x80000000000000","TimeCreated":{"#attributes":{"SystemTime":"2024-01-02T03:04:05.1234567Z"}},"EventRecordID":9,"Channel":"Operations Manager","Computer":"gw01.contoso.com","Security":null},"EventData":{"Data":{"#text":["gw01.contoso.com","ms01","a \"q\" \\ b"]},"Binary":"00"}}}"##,
        r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"P"}},"EventID":1},"EventData":{"#attributes":{"Name":"T"},"A":1,"A_1":true,"B":null,"C":[1,"2"]},"RenderingInfo":{"Message":"m"}}}"##,
        r##"{"Event":{"System":{"EventID":2},"UserData":{"W":{"#attributes":{"xmlns":"u"},"X":{"#attributes":{"a":"1"},"#text":"t"},"Y":[{"Z":"z"}]}}}}"##,
        r##"{"Event_attributes":{"xmlns":"x"},"Event":{"System":{"Provider_attributes":{"Name":"S"},"EventID_attributes":{"Qualifiers":1},"EventID":3,"TimeCreated_attributes":{"SystemTime":"x"}},"EventData":{"Data_attributes":{"Name":"N"},"Data":"v"}}}"##,
    ];

    #[test]
    fn decodes_the_sample_documents() {
        let (r, w) = decode_json(DOCS[0].as_bytes()).expect("decodes");
        assert!(w.is_empty());
        assert_eq!(
            (r.provider.as_str(), r.event_id, r.qualifiers, r.level),
            ("OpsMgr Connector", 20071, Some(49152), Some(2))
        );
        assert_eq!(r.record_id, 9);
        assert_eq!(r.channel, "Operations Manager");
        assert_eq!(r.data[0], (None, "gw01.contoso.com".to_string()));
        assert_eq!(r.data[2], (None, "a \"q\" \\ b".to_string()));
        assert_eq!(r.data[3], (Some("Binary".to_string()), "00".to_string()));

        let (r, _) = decode_json(DOCS[1].as_bytes()).expect("decodes");
        assert_eq!((r.record_id, r.time_us), (7, 42), "header values stand in");
        assert_eq!(r.message.as_deref(), Some("m"));
        let names: Vec<_> = r
            .data
            .iter()
            .map(|(k, _)| k.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(names, ["A", "A", "B", "C", "C"]);

        let (r, _) = decode_json(DOCS[2].as_bytes()).expect("decodes");
        assert_eq!(r.provider, "");
        assert_eq!(r.data.len(), 3);

        let (r, _) = decode_json(DOCS[3].as_bytes()).expect("decodes");
        assert_eq!(
            (r.provider.as_str(), r.event_id, r.qualifiers),
            ("S", 3, Some(1))
        );
        assert_eq!(r.data, vec![(Some("N".to_string()), "v".to_string())]);
    }

    /// Every truncation and many corruptions of the documents decode or are refused, without
    /// panicking.
    #[test]
    fn damaged_json_never_panics() {
        for doc in DOCS {
            let doc = doc.as_bytes();
            for cut in 0..doc.len() {
                let _ = decode_json(&doc[..cut]);
            }
            for at in 0..doc.len() {
                for b in [b'{', b'}', b'[', b']', b'"', b'\\', b',', b':', b' ', 0xff] {
                    let mut bad = doc.to_vec();
                    bad[at] = b;
                    let _ = decode_json(&bad);
                }
            }
        }
    }

    #[test]
    fn error_text_joins_sources() {
        #[derive(Debug, Error)]
        #[error("outer.")]
        struct Outer(#[source] Inner);
        #[derive(Debug, Error)]
        #[error("inner")]
        struct Inner;
        assert_eq!(error_text(&Outer(Inner)), "outer: inner");
    }
}
