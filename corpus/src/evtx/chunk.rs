//! One 64 KiB chunk: records packed from offset 512, the string and template tables, and
//! the chunk header with its two CRC32s.

use super::binxml::{token, vtype, Enc, StringTable, FRAGMENT_HEADER};
use super::template::{sub, Shape, TemplateTable};
use super::{EventData, EventSpec};

/// Size of a chunk.
pub(crate) const CHUNK_SIZE: usize = 65_536;
/// Size of the chunk header; records start here.
pub(crate) const CHUNK_HEADER_SIZE: usize = 512;
/// Bytes Windows always leaves free at the end of a chunk (libevtx drops a record that
/// ends exactly at the chunk's end).
pub(crate) const MIN_FREE: usize = 8;
/// Chunk header flags Windows writes.
const CHUNK_FLAGS: u32 = 1;
/// Record magic `**\0\0`.
const RECORD_MAGIC: u32 = 0x0000_2a2a;
/// 100 ns intervals between 1601-01-01 and 1970-01-01.
const FILETIME_UNIX_EPOCH: i128 = 116_444_736_000_000_000;

/// FILETIME of microseconds since the Unix epoch, clamped to the representable range.
pub(crate) fn filetime(time_us: i64) -> u64 {
    let ft = i128::from(time_us) * 10 + FILETIME_UNIX_EPOCH;
    ft.clamp(0, i128::from(u64::MAX)) as u64
}

/// The record did not fit in the rest of the chunk.
#[derive(Debug)]
pub(crate) struct Full {
    /// Encoded size of the record that did not fit.
    pub(crate) record_size: usize,
}

/// A chunk being filled.
#[derive(Debug)]
pub(crate) struct ChunkBuilder {
    data: Vec<u8>,
    free: usize,
    strings: StringTable,
    templates: TemplateTable,
    scratch: Enc,
    records: u64,
    first_number: u64,
    first_id: u64,
    last_id: u64,
    last_record_offset: u32,
    minor_version: u16,
}

impl ChunkBuilder {
    pub(crate) fn new(minor_version: u16) -> Self {
        ChunkBuilder {
            data: vec![0; CHUNK_SIZE],
            free: CHUNK_HEADER_SIZE,
            strings: StringTable::default(),
            templates: TemplateTable::default(),
            scratch: Enc::default(),
            records: 0,
            first_number: 0,
            first_id: 0,
            last_id: 0,
            last_record_offset: 0,
            minor_version,
        }
    }

    /// Start an empty chunk whose first record will have record number `first_number`.
    pub(crate) fn reset(&mut self, first_number: u64) {
        self.data.fill(0);
        self.free = CHUNK_HEADER_SIZE;
        self.strings.clear();
        self.templates.clear();
        self.records = 0;
        self.first_number = first_number;
        self.first_id = 0;
        self.last_id = 0;
        self.last_record_offset = 0;
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Append a record, or report that it does not fit (the chunk is left unchanged).
    pub(crate) fn push(&mut self, event: &EventSpec) -> Result<(), Full> {
        let offset = self.free as u32;
        let mut enc = std::mem::take(&mut self.scratch);
        enc.reset(offset);
        encode_record(
            &mut enc,
            &mut self.strings,
            &mut self.templates,
            event,
            self.minor_version,
        );
        let size = enc.len();
        if self.free + size + MIN_FREE > CHUNK_SIZE {
            self.strings.rollback();
            self.templates.rollback();
            self.scratch = enc;
            return Err(Full { record_size: size });
        }
        self.strings.commit();
        self.templates.commit();
        self.data[self.free..self.free + size].copy_from_slice(&enc.buf);
        self.scratch = enc;
        if self.records == 0 {
            self.first_id = event.record_id;
        }
        self.last_id = event.record_id;
        self.last_record_offset = offset;
        self.free += size;
        self.records += 1;
        Ok(())
    }

    /// Write the chunk header (tables, counters, CRCs) and return the chunk's bytes.
    pub(crate) fn finish(&mut self) -> &[u8] {
        let d = &mut self.data;
        d[0..8].copy_from_slice(b"ElfChnk\0");
        let (first_number, last_number, first_id, last_id) = if self.records == 0 {
            // An empty chunk (an empty log): the first number is the record to come and
            // the "last" fields are all ones (none). libevtx flags a chunk corrupted when
            // its first record number exceeds its last, so "last = first - 1" would not do.
            (self.first_number, u64::MAX, self.first_number, u64::MAX)
        } else {
            (
                self.first_number,
                self.first_number + self.records - 1,
                self.first_id,
                self.last_id,
            )
        };
        d[8..16].copy_from_slice(&first_number.to_le_bytes());
        d[16..24].copy_from_slice(&last_number.to_le_bytes());
        d[24..32].copy_from_slice(&first_id.to_le_bytes());
        d[32..40].copy_from_slice(&last_id.to_le_bytes());
        d[40..44].copy_from_slice(&128u32.to_le_bytes());
        d[44..48].copy_from_slice(&self.last_record_offset.to_le_bytes());
        d[48..52].copy_from_slice(&(self.free as u32).to_le_bytes());
        let data_crc = crc32fast::hash(&d[CHUNK_HEADER_SIZE..self.free]);
        d[52..56].copy_from_slice(&data_crc.to_le_bytes());
        d[120..124].copy_from_slice(&CHUNK_FLAGS.to_le_bytes());
        for (i, head) in self.strings.heads.iter().enumerate() {
            d[128 + i * 4..132 + i * 4].copy_from_slice(&head.to_le_bytes());
        }
        for (i, head) in self.templates.heads.iter().enumerate() {
            d[384 + i * 4..388 + i * 4].copy_from_slice(&head.to_le_bytes());
        }
        set_chunk_header_crc(d);
        &self.data
    }
}

/// Recompute the chunk header CRC32 (bytes 0..120 and 128..512, stored at 124).
pub(crate) fn set_chunk_header_crc(chunk: &mut [u8]) {
    let mut h = crc32fast::Hasher::new();
    h.update(&chunk[0..120]);
    h.update(&chunk[128..CHUNK_HEADER_SIZE]);
    let crc = h.finalize();
    chunk[124..128].copy_from_slice(&crc.to_le_bytes());
}

/// One substitution value: its descriptor type and bytes.
fn descriptor(enc: &mut Enc, size: usize, ty: u8) {
    enc.u16(size as u16);
    enc.u8(ty);
    enc.u8(0);
}

/// Encode one event record at chunk offset `enc.pos()`.
fn encode_record(
    enc: &mut Enc,
    strings: &mut StringTable,
    templates: &mut TemplateTable,
    ev: &EventSpec,
    minor_version: u16,
) {
    let time = filetime(ev.time_us);
    enc.u32(RECORD_MAGIC);
    let size_at = enc.reserve_u32();
    enc.u64(ev.record_id);
    enc.u64(time);
    enc.bytes(&FRAGMENT_HEADER);
    templates.emit_instance(
        enc,
        strings,
        Shape::System {
            minor_version,
            provider: &ev.provider,
            channel: &ev.channel,
            computer: &ev.computer,
        },
    );

    // Twenty values, Windows' order; unused ones present as Null or 0.
    enc.u32(sub::COUNT);
    let q_size = if ev.qualifiers.is_some() { 2 } else { 0 };
    let q_type = if ev.qualifiers.is_some() {
        vtype::U16
    } else {
        vtype::NULL
    };
    let fixed: [(usize, u8); 19] = [
        (1, vtype::U8),       // 0 Level
        (1, vtype::U8),       // 1 Opcode
        (2, vtype::U16),      // 2 Task
        (2, vtype::U16),      // 3 EventID
        (q_size, q_type),     // 4 Qualifiers
        (8, vtype::HEX64),    // 5 Keywords
        (8, vtype::FILETIME), // 6 TimeCreated
        (0, vtype::NULL),     // 7 ActivityID
        (4, vtype::U32),      // 8 ProcessID
        (4, vtype::U32),      // 9 ThreadID
        (8, vtype::U64),      // 10 EventRecordID
        (1, vtype::U8),       // 11 Version
        (0, vtype::NULL),     // 12 UserID
        (0, vtype::NULL),     // 13
        (0, vtype::NULL),     // 14
        (0, vtype::NULL),     // 15
        (0, vtype::NULL),     // 16
        (0, vtype::NULL),     // 17
        (0, vtype::NULL),     // 18 RelatedActivityID
    ];
    for &(size, ty) in &fixed {
        descriptor(enc, size, ty);
    }
    let data_desc_at = enc.len();
    descriptor(enc, 0, vtype::BINXML);

    enc.u8(ev.level);
    enc.u8(0);
    enc.u16(ev.task);
    enc.u16(ev.event_id);
    if let Some(q) = ev.qualifiers {
        enc.u16(q);
    }
    enc.u64(ev.keywords);
    enc.u64(time);
    enc.u32(0);
    enc.u32(0);
    enc.u64(ev.record_id);
    enc.u8(0);

    let data_start = enc.len();
    encode_event_data(enc, strings, templates, &ev.data);
    let data_size = enc.len() - data_start;
    enc.patch_u16(data_desc_at, data_size.min(usize::from(u16::MAX)) as u16);

    enc.u8(token::EOF);
    while !(enc.len() + 4).is_multiple_of(8) {
        enc.u8(0);
    }
    let total = enc.len() + 4;
    enc.u32(total as u32);
    enc.patch_u32(size_at, total as u32);
}

/// The nested EventData fragment (value type 0x21): its own template instance and EOF.
fn encode_event_data(
    enc: &mut Enc,
    strings: &mut StringTable,
    templates: &mut TemplateTable,
    data: &EventData,
) {
    enc.bytes(&FRAGMENT_HEADER);
    match data {
        EventData::Named(pairs) if !pairs.is_empty() => {
            templates.emit_instance(enc, strings, Shape::NamedData(pairs));
            enc.u32(pairs.len() as u32);
            for (_, value) in pairs {
                // NUL-terminated, as Windows stores string values.
                descriptor(enc, (value.encode_utf16().count() + 1) * 2, vtype::STRING);
            }
            for (_, value) in pairs {
                enc.utf16(value);
                enc.u16(0);
            }
        }
        EventData::Named(_) => classic_data(enc, strings, templates, &[]),
        EventData::Unnamed(values) => classic_data(enc, strings, templates, values),
    }
    enc.u8(token::EOF);
}

/// Classic data: three values — the strings as one string array (Null when there are
/// none, as Windows writes it), a u32 0, and a Null binary.
fn classic_data(
    enc: &mut Enc,
    strings: &mut StringTable,
    templates: &mut TemplateTable,
    values: &[String],
) {
    templates.emit_instance(enc, strings, Shape::ClassicData);
    enc.u32(3);
    if values.is_empty() {
        descriptor(enc, 0, vtype::NULL);
    } else {
        let units: usize = values.iter().map(|v| v.encode_utf16().count() + 1).sum();
        descriptor(enc, units * 2, vtype::STRING_ARRAY);
    }
    descriptor(enc, 4, vtype::U32);
    descriptor(enc, 0, vtype::NULL);
    for v in values {
        enc.utf16(v);
        enc.u16(0);
    }
    enc.u32(0);
}
