//! The records of one chunk, and the provider name and event id of each, read from the BinXML
//! (template definition plus substitution values) without rendering anything.
//!
//! This is what lets [`super::parse_evtx`] render only the records its filter keeps. It
//! recognises the shape Windows writes (one `TemplateInstance` per record whose template holds
//! `Event/System/Provider/@Name` and `Event/System/EventID` as literal text or as a
//! substitution) and answers "don't know" for anything else, in which case the caller renders
//! the record with the crate as before. It never guesses: a record is only classified when every
//! byte it reads checks out.
//!
//! Layout (libyal/libevtx "Windows XML Event Log (EVTX)" format documentation, MS-EVEN6
//! §2.2.3, cross-checked with evtx 0.15.1 `src/evtx_chunk.rs` and `src/binxml/tokens.rs`):
//! - chunk header: `ElfChnk\0`, last event record id at 32 (u64), free space offset at 48
//!   (u32); records from offset 512;
//! - record: magic `2a 2a 00 00`, size (u32, whole record), EventRecordID (u64), FILETIME
//!   (u64), BinXML, copy of the size;
//! - BinXML: optional fragment header `0f 01 01 00`, then `0c` TemplateInstance: one unknown
//!   byte, template id (u32), chunk offset of the template definition (u32); when that offset
//!   is where the reader stands, the definition follows inline: next-template offset (u32),
//!   GUID (16), body size (u32), body. Then the substitution count (u32), one descriptor per
//!   value (size u16, type u8, padding u8), and the values back to back;
//! - template body tokens: `01`/`41` element start (dependency id u16, size u32, name ref
//!   u32, attribute-list size u32 when `41`), `06`/`46` attribute (name ref), `05` value
//!   (type u8, UTF-16 text of u16 code units for type 1), `0d`/`0e` substitution (index u16,
//!   type u8), `02` close start, `03` close empty, `04` end element, `00` end;
//! - a name ref is a chunk offset of `next (u32), hash (u16), code units (u16), UTF-16, NUL`,
//!   stored right there when the offset points just past the ref itself.

/// Size of the chunk header.
const CHUNK_HEADER_SIZE: usize = 512;
/// Size of a record header.
pub(super) const RECORD_HEADER_SIZE: usize = 24;
/// Record magic.
const RECORD_MAGIC: [u8; 4] = [0x2a, 0x2a, 0x00, 0x00];
/// FILETIME of 9999-12-31T23:59:59Z, past which the crate refuses a record's time.
const MAX_FILETIME: u64 = 2_650_467_743_990_000_000;

pub(super) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let bytes: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_le_bytes(bytes))
}

pub(super) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

pub(super) fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// One record found by [`walk_chunk`]: where its BinXML is in the chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RecordSpan {
    /// Chunk offset of the BinXML.
    pub(super) binxml: usize,
    /// BinXML length.
    pub(super) len: usize,
}

/// The records of a chunk in the order the crate yields them, or `None` when the walk meets
/// anything the crate would report as an error or resynchronise over (the caller then lets
/// the crate read the whole chunk). `chunk` is one whole 64 KiB chunk.
pub(super) fn walk_chunk(chunk: &[u8]) -> Option<Vec<RecordSpan>> {
    if !chunk.starts_with(b"ElfChnk\0") {
        return None;
    }
    let last_id = u64_at(chunk, 32)?;
    let free = usize::try_from(u32_at(chunk, 48)?).ok()?;
    let live_end = free.min(chunk.len());
    let mut spans = Vec::with_capacity(128);
    let mut at = CHUNK_HEADER_SIZE;
    while at < live_end {
        if chunk.get(at..at + 4)? != RECORD_MAGIC {
            return None;
        }
        let size = usize::try_from(u32_at(chunk, at + 4)?).ok()?;
        let id = u64_at(chunk, at + 8)?;
        let filetime = u64_at(chunk, at + 16)?;
        if size < RECORD_HEADER_SIZE + 4 || filetime > MAX_FILETIME {
            return None;
        }
        let binxml = at + RECORD_HEADER_SIZE;
        let len = size - RECORD_HEADER_SIZE - 4;
        if binxml.checked_add(len)? > chunk.len() {
            return None;
        }
        spans.push(RecordSpan { binxml, len });
        if id == last_id {
            break;
        }
        at = at.checked_add(size)?;
    }
    Some(spans)
}

/// Where a template takes a value from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source<T> {
    /// Written in the template itself.
    Literal(T),
    /// Substitution value number `n`.
    Substitution(u16),
}

/// What a template says about the provider and the event id, when it is a shape we know.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TemplateHead {
    provider: Source<String>,
    event_id: Source<u16>,
}

/// What a chunk's templates give, by the template definition's chunk offset: a short list
/// searched from the most recently added (a chunk holds a handful of templates, and records
/// of one template often come together), cheaper than hashing for every record.
#[derive(Debug)]
pub(super) struct ByOffset<V>(Vec<(u32, V)>);

impl<V> Default for ByOffset<V> {
    fn default() -> Self {
        ByOffset(Vec::new())
    }
}

impl<V> ByOffset<V> {
    /// The value for `offset`, made with `make` the first time.
    pub(super) fn get_or_insert_with(&mut self, offset: u32, make: impl FnOnce() -> V) -> &mut V {
        let at = match self.0.iter().rposition(|(o, _)| *o == offset) {
            Some(at) => at,
            None => {
                self.0.push((offset, make()));
                self.0.len() - 1
            }
        };
        &mut self.0[at].1
    }
}

/// Per-chunk cache of template definitions by chunk offset (`None`: not a known shape).
#[derive(Debug, Default)]
pub(super) struct Templates {
    by_offset: ByOffset<Option<TemplateHead>>,
    /// Reused buffer for provider names read from substitution values.
    scratch: String,
}

/// A record's provider name and event id (low 16 bits), as the rendered JSON would give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Head<'t> {
    pub(super) provider: &'t str,
    pub(super) event_id: u16,
}

impl Templates {
    /// The provider name and event id of the record whose BinXML is `span` of `chunk`, or
    /// `None` when the record is not of a shape this reader knows.
    pub(super) fn head(&mut self, chunk: &[u8], span: RecordSpan) -> Option<Head<'_>> {
        let end = span.binxml.checked_add(span.len)?;
        let (def, at) = instance_start(chunk, span.binxml)?;
        let Templates { by_offset, scratch } = self;
        let head = by_offset
            .get_or_insert_with(def, || read_template(chunk, usize::try_from(def).ok()?))
            .as_ref()?;
        // Substitution values: count, descriptors, values.
        let count = usize::try_from(u32_at(chunk, at)?).ok()?;
        let descriptors = at + 4;
        let values = descriptors.checked_add(count.checked_mul(4)?)?;
        if values > end {
            return None;
        }
        let value = |n: u16| -> Option<(u8, &[u8])> {
            let n = usize::from(n);
            if n >= count {
                return None;
            }
            let mut offset = values;
            for i in 0..n {
                offset += usize::from(u16_at(chunk, descriptors + 4 * i)?);
            }
            let size = usize::from(u16_at(chunk, descriptors + 4 * n)?);
            let ty = *chunk.get(descriptors + 4 * n + 2)?;
            let bytes = chunk.get(offset..offset.checked_add(size)?)?;
            (offset + size <= end).then_some((ty, bytes))
        };
        let event_id = match head.event_id {
            Source::Literal(id) => id,
            Source::Substitution(n) => {
                let (ty, bytes) = value(n)?;
                unsigned_value(ty, bytes)?
            }
        };
        let provider = match &head.provider {
            Source::Literal(name) => name.as_str(),
            Source::Substitution(n) => {
                let (ty, bytes) = value(*n)?;
                // Only UTF-16 strings; an empty value is left to the crate (it omits it).
                if ty != 0x01 || bytes.is_empty() {
                    return None;
                }
                scratch.clear();
                utf16_until_nul(bytes, scratch)?;
                scratch.as_str()
            }
        };
        Some(Head { provider, event_id })
    }
}

/// An unsigned integer substitution (u8, u16, u32, u64), low 16 bits as `EventID` is read.
fn unsigned_value(ty: u8, bytes: &[u8]) -> Option<u16> {
    let full = match (ty, bytes.len()) {
        (0x04, 1) => u64::from(bytes[0]),
        (0x06, 2) => u64::from(u16_at(bytes, 0)?),
        (0x08, 4) => u64::from(u32_at(bytes, 0)?),
        (0x0a, 8) => u64_at(bytes, 0)?,
        _ => return None,
    };
    // Truncation is the documented meaning: Windows' EventID is 16 bits.
    Some(full as u16)
}

/// The start of a record's `[fragment header] TemplateInstance` at `at` of `chunk`: the
/// template definition's offset and where the substitution values begin (past the definition
/// when it is inline). `None` for any other shape.
pub(super) fn instance_start(chunk: &[u8], mut at: usize) -> Option<(u32, usize)> {
    if chunk.get(at) == Some(&0x0f) {
        at += 4;
    }
    if chunk.get(at) != Some(&0x0c) {
        return None;
    }
    let def = u32_at(chunk, at + 6)?;
    at += 10;
    if usize::try_from(def).ok()? == at {
        let body_len = usize::try_from(u32_at(chunk, at + 20)?).ok()?;
        at = at.checked_add(24 + body_len)?;
    }
    Some((def, at))
}

/// Decode UTF-16LE up to the first NUL into `out`; `None` on an odd length or a lone
/// surrogate (left to the crate to report).
pub(super) fn utf16_until_nul(bytes: &[u8], out: &mut String) -> Option<()> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let end = nul_unit(bytes).unwrap_or(bytes.len());
    push_utf16(&bytes[..end], out)
}

/// Byte offset of the first NUL code unit of the UTF-16LE `bytes`.
pub(super) fn nul_unit(bytes: &[u8]) -> Option<usize> {
    bytes
        .chunks_exact(2)
        .position(|u| u == [0, 0])
        .map(|i| 2 * i)
}

/// Append the UTF-16LE `bytes` (an even length, no NUL expected) to `out`, reserving room
/// once; ASCII goes straight through. `None` on a lone surrogate.
pub(super) fn push_utf16(bytes: &[u8], out: &mut String) -> Option<()> {
    out.reserve(bytes.len() / 2);
    // The ASCII head goes through a small buffer, a block at a time.
    let mut block = [0u8; 64];
    let mut rest = bytes;
    loop {
        let mut n = 0;
        for u in rest.chunks_exact(2).take(block.len()) {
            if u[1] != 0 || u[0] >= 0x80 {
                break;
            }
            block[n] = u[0];
            n += 1;
        }
        out.push_str(std::str::from_utf8(&block[..n]).ok()?);
        rest = &rest[2 * n..];
        if n < block.len() {
            break;
        }
    }
    for c in char::decode_utf16(
        rest.chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]])),
    ) {
        out.push(c.ok()?);
    }
    Some(())
}

/// The name at chunk offset `at` of the string table: `next, hash, count, UTF-16, NUL`.
fn name_at(chunk: &[u8], at: usize) -> Option<&[u8]> {
    let count = usize::from(u16_at(chunk, at.checked_add(6)?)?);
    chunk.get(at + 8..at + 8 + 2 * count)
}

/// Whether the UTF-16LE `name` is the ASCII `want`.
fn name_is(name: &[u8], want: &str) -> bool {
    name.len() == 2 * want.len()
        && name
            .chunks_exact(2)
            .zip(want.bytes())
            .all(|(u, b)| u[0] == b && u[1] == 0)
}

/// Read a name ref at `at`; returns the name and where the stream goes on.
fn name_ref(chunk: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let offset = usize::try_from(u32_at(chunk, at)?).ok()?;
    let name = name_at(chunk, offset)?;
    let next = if offset == at + 4 {
        // Stored inline: next (4), hash (2), count (2), code units, NUL (2).
        offset + 8 + name.len() + 2
    } else {
        at + 4
    };
    Some((name, next))
}

/// Which element of interest the walk is inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Other,
    Event,
    System,
    Provider,
    EventId,
}

/// Walk a template definition at chunk offset `def` and find where `Event/System/Provider/@Name`
/// and the text of `Event/System/EventID` come from. `None` unless both are found exactly once
/// as one literal text or one substitution, and every token on the way is one we know.
fn read_template(chunk: &[u8], def: usize) -> Option<TemplateHead> {
    let body_len = usize::try_from(u32_at(chunk, def.checked_add(20)?)?).ok()?;
    let mut at = def + 24;
    let end = at.checked_add(body_len)?.min(chunk.len());
    let mut stack: Vec<Place> = Vec::with_capacity(16);
    // The element whose start tag is open (attributes being read), and the attribute name.
    let mut opening: Option<Place> = None;
    let mut in_name_attribute = false;
    let mut provider: Option<Source<String>> = None;
    let mut event_id: Option<Source<u16>> = None;
    let mut provider_seen = 0u32;
    let mut event_id_seen = 0u32;
    while at < end {
        let token = *chunk.get(at)?;
        match token {
            0x00 => break,
            0x0f => at += 4,
            0x01 | 0x41 => {
                let (name, next) = name_ref(chunk, at + 7)?;
                at = next + if token == 0x41 { 4 } else { 0 };
                let parent = stack.last().copied();
                let place = match parent {
                    None if name_is(name, "Event") => Place::Event,
                    Some(Place::Event) if name_is(name, "System") => Place::System,
                    Some(Place::System) if name_is(name, "Provider") => Place::Provider,
                    Some(Place::System) if name_is(name, "EventID") => Place::EventId,
                    _ => Place::Other,
                };
                match place {
                    Place::Provider => provider_seen += 1,
                    Place::EventId => event_id_seen += 1,
                    _ => {}
                }
                opening = Some(place);
                in_name_attribute = false;
                stack.push(place);
            }
            0x06 | 0x46 => {
                let (name, next) = name_ref(chunk, at + 1)?;
                at = next;
                in_name_attribute = opening == Some(Place::Provider) && name_is(name, "Name");
            }
            0x02 => {
                opening = None;
                in_name_attribute = false;
                at += 1;
            }
            0x03 | 0x04 => {
                opening = None;
                in_name_attribute = false;
                stack.pop()?;
                at += 1;
            }
            0x05 | 0x45 => {
                // Only UTF-16 text literals.
                if *chunk.get(at + 1)? != 0x01 {
                    return None;
                }
                let units = usize::from(u16_at(chunk, at + 2)?);
                let text = chunk.get(at + 4..at + 4 + 2 * units)?;
                at += 4 + 2 * units;
                if in_name_attribute {
                    let mut name = String::new();
                    utf16_until_nul(text, &mut name)?;
                    if provider.replace(Source::Literal(name)).is_some() {
                        return None;
                    }
                } else if opening.is_none() && stack.last() == Some(&Place::EventId) {
                    let mut digits = String::new();
                    utf16_until_nul(text, &mut digits)?;
                    let id: u64 = digits.trim().parse().ok()?;
                    if event_id.replace(Source::Literal(id as u16)).is_some() {
                        return None;
                    }
                }
            }
            0x0d | 0x0e => {
                let index = u16_at(chunk, at + 1)?;
                at += 4;
                if in_name_attribute {
                    if provider.replace(Source::Substitution(index)).is_some() {
                        return None;
                    }
                } else if opening.is_none()
                    && stack.last() == Some(&Place::EventId)
                    && event_id.replace(Source::Substitution(index)).is_some()
                {
                    return None;
                }
            }
            // Character and entity references, CDATA, processing instructions: not a shape
            // Windows writes in a System block; let the crate handle it.
            _ => return None,
        }
    }
    if provider_seen != 1 || event_id_seen != 1 {
        return None;
    }
    Some(TemplateHead {
        provider: provider?,
        event_id: event_id?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_offset_makes_each_value_once() {
        let mut made = 0;
        let mut map = ByOffset::default();
        for offset in [512u32, 900, 512, 900, 1200, 512] {
            let v = map.get_or_insert_with(offset, || {
                made += 1;
                offset * 2
            });
            assert_eq!(*v, offset * 2);
        }
        assert_eq!(made, 3);
    }

    #[test]
    fn names_compare_as_utf16() {
        let event: Vec<u8> = "Event".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(name_is(&event, "Event"));
        assert!(!name_is(&event, "Events"));
        assert!(!name_is(&event[..8], "Event"));
    }

    #[test]
    fn unsigned_values_by_type() {
        assert_eq!(unsigned_value(0x06, &20071u16.to_le_bytes()), Some(20071));
        assert_eq!(
            unsigned_value(0x08, &70000u32.to_le_bytes()),
            Some(70000u32 as u16)
        );
        assert_eq!(unsigned_value(0x04, &[7]), Some(7));
        assert_eq!(
            unsigned_value(0x06, &[1]),
            None,
            "size does not fit the type"
        );
        assert_eq!(
            unsigned_value(0x01, b"1\0"),
            None,
            "strings are left to the crate"
        );
    }

    #[test]
    fn utf16_stops_at_nul_and_refuses_lone_surrogates() {
        let mut s = String::new();
        assert!(utf16_until_nul(&[b'a', 0, 0, 0, b'b', 0], &mut s).is_some());
        assert_eq!(s, "a");
        let mut s = String::new();
        assert!(utf16_until_nul(&[0x00, 0xd8, b'a', 0], &mut s).is_none());
        assert!(utf16_until_nul(b"a", &mut String::new()).is_none());
    }

    #[test]
    fn garbage_never_panics() {
        let mut chunk = vec![0u8; 65536];
        chunk[..8].copy_from_slice(b"ElfChnk\0");
        chunk[48..52].copy_from_slice(&65536u32.to_le_bytes());
        assert_eq!(walk_chunk(&chunk), None, "no record magic at 512");
        let mut t = Templates::default();
        for start in (0..65536).step_by(977) {
            for len in [0, 1, 10, 40, 400, 70000] {
                let _ = t.head(&chunk, RecordSpan { binxml: start, len });
            }
        }
        let mut x = 0x1234_5678u32;
        for b in chunk.iter_mut().skip(512) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        for start in (0..65536).step_by(131) {
            let _ = t.head(
                &chunk,
                RecordSpan {
                    binxml: start,
                    len: 600,
                },
            );
            let _ = read_template(&chunk, start);
        }
    }
}
