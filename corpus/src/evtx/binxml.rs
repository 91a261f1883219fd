//! BinXML byte emission: a position-aware buffer, the chunk string table, and element /
//! attribute / substitution tokens with their size fields back-patched.
//!
//! Layouts follow the libyal EVTX format notes (summarised in the project's
//! `reference/rust-crates.md` §2.2) and bytes observed in real Windows logs.

use std::collections::HashMap;

/// BinXML token bytes (MS-EVEN6 §2.2.3.1; libyal "Token types").
pub(crate) mod token {
    pub(crate) const EOF: u8 = 0x00;
    pub(crate) const OPEN_START: u8 = 0x01;
    pub(crate) const CLOSE_START: u8 = 0x02;
    pub(crate) const CLOSE_EMPTY: u8 = 0x03;
    pub(crate) const END_ELEMENT: u8 = 0x04;
    pub(crate) const VALUE: u8 = 0x05;
    pub(crate) const ATTRIBUTE: u8 = 0x06;
    pub(crate) const TEMPLATE_INSTANCE: u8 = 0x0c;
    pub(crate) const NORMAL_SUBSTITUTION: u8 = 0x0d;
    pub(crate) const OPTIONAL_SUBSTITUTION: u8 = 0x0e;
    pub(crate) const FRAGMENT_HEADER: u8 = 0x0f;
    /// The 0x40 bit: an element has attributes, an attribute is followed by another.
    pub(crate) const MORE: u8 = 0x40;
}

/// Value type bytes used in substitution descriptors.
pub(crate) mod vtype {
    pub(crate) const NULL: u8 = 0x00;
    pub(crate) const STRING: u8 = 0x01;
    pub(crate) const U8: u8 = 0x04;
    pub(crate) const U16: u8 = 0x06;
    pub(crate) const U32: u8 = 0x08;
    pub(crate) const U64: u8 = 0x0a;
    pub(crate) const BINARY: u8 = 0x0e;
    pub(crate) const GUID: u8 = 0x0f;
    pub(crate) const FILETIME: u8 = 0x11;
    pub(crate) const SID: u8 = 0x13;
    pub(crate) const HEX64: u8 = 0x15;
    pub(crate) const BINXML: u8 = 0x21;
    pub(crate) const STRING_ARRAY: u8 = 0x81;
}

/// The BinXML fragment header Windows writes: token, major 1, minor 1, flags 0.
pub(crate) const FRAGMENT_HEADER: [u8; 4] = [token::FRAGMENT_HEADER, 1, 1, 0];

/// Name hash stored with every string-table entry: `h = h * 65599 + code unit` over the
/// UTF-16 code units, low 16 bits (matches the hashes in real Windows chunks, e.g. `Event`
/// → 0x0cba, `System` → 0x546f).
pub(crate) fn name_hash(name: &str) -> u16 {
    let mut h: u32 = 0;
    for unit in name.encode_utf16() {
        h = h.wrapping_mul(65599).wrapping_add(u32::from(unit));
    }
    (h & 0xffff) as u16
}

/// A byte buffer that knows the chunk offset of its first byte.
#[derive(Debug, Default)]
pub(crate) struct Enc {
    pub(crate) buf: Vec<u8>,
    base: u32,
}

impl Enc {
    /// Start (or restart) a buffer whose first byte will sit at chunk offset `base`.
    pub(crate) fn reset(&mut self, base: u32) {
        self.buf.clear();
        self.base = base;
    }

    /// Chunk offset of the next byte.
    pub(crate) fn pos(&self) -> u32 {
        self.base + self.buf.len() as u32
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    /// UTF-16LE code units of `s`, no terminator; returns the number of code units.
    pub(crate) fn utf16(&mut self, s: &str) -> usize {
        let mut n = 0;
        for unit in s.encode_utf16() {
            self.u16(unit);
            n += 1;
        }
        n
    }

    /// Reserve a u32 to patch later; returns its buffer index.
    pub(crate) fn reserve_u32(&mut self) -> usize {
        let at = self.buf.len();
        self.u32(0);
        at
    }

    pub(crate) fn patch_u16(&mut self, at: usize, v: u16) {
        self.buf[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn patch_u32(&mut self, at: usize, v: u32) {
        self.buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Patch the u32 at `at` with the number of bytes written after it.
    pub(crate) fn patch_size_since(&mut self, at: usize) {
        let size = (self.buf.len() - at - 4) as u32;
        self.patch_u32(at, size);
    }
}

/// The chunk's string table: names by chunk offset, 64 hash buckets (bucket = hash % 64),
/// newest entry at the head of its bucket, linked to the previous head — as in real chunks.
#[derive(Debug)]
pub(crate) struct StringTable {
    offsets: HashMap<String, u32>,
    pub(crate) heads: [u32; 64],
    /// Names added since the last commit, with the head they replaced.
    undo: Vec<(String, usize, u32)>,
}

impl Default for StringTable {
    fn default() -> Self {
        StringTable {
            offsets: HashMap::new(),
            heads: [0; 64],
            undo: Vec::new(),
        }
    }
}

impl StringTable {
    pub(crate) fn clear(&mut self) {
        self.offsets.clear();
        self.heads = [0; 64];
        self.undo.clear();
    }

    /// Forget the names added since the last commit (the record that added them did not fit).
    pub(crate) fn rollback(&mut self) {
        while let Some((name, bucket, previous_head)) = self.undo.pop() {
            self.offsets.remove(&name);
            self.heads[bucket] = previous_head;
        }
    }

    pub(crate) fn commit(&mut self) {
        self.undo.clear();
    }

    /// Emit a name reference: the chunk offset of the name, followed by the name itself
    /// when this is its first use in the chunk (Windows writes it inline right there).
    pub(crate) fn emit_name(&mut self, enc: &mut Enc, name: &str) {
        if let Some(&offset) = self.offsets.get(name) {
            enc.u32(offset);
            return;
        }
        let offset = enc.pos() + 4;
        enc.u32(offset);
        let hash = name_hash(name);
        let bucket = usize::from(hash) % 64;
        enc.u32(self.heads[bucket]);
        enc.u16(hash);
        let count_at = enc.len();
        enc.u16(0);
        let count = enc.utf16(name);
        enc.patch_u16(count_at, count as u16);
        enc.u16(0);
        self.undo
            .push((name.to_string(), bucket, self.heads[bucket]));
        self.heads[bucket] = offset;
        self.offsets.insert(name.to_string(), offset);
    }
}

/// An element being written inside a template definition.
pub(crate) struct Element {
    size_at: usize,
    attrs_at: Option<usize>,
}

/// What an attribute or element content holds.
pub(crate) enum Content<'a> {
    /// Literal text (a `Value` token of string type).
    Text(&'a str),
    /// An optional substitution (`0x0e`) of the given index and value type.
    Optional(u16, u8),
    /// A normal substitution (`0x0d`) of the given index and value type.
    Normal(u16, u8),
}

/// Emits the tokens of a template definition body.
pub(crate) struct Tree<'a> {
    pub(crate) enc: &'a mut Enc,
    pub(crate) strings: &'a mut StringTable,
}

impl Tree<'_> {
    /// OpenStartElement with a dependency id (`None` = 0xffff) as template definitions
    /// carry; `has_attributes` sets the 0x40 bit and reserves the attribute-list size.
    pub(crate) fn open(
        &mut self,
        name: &str,
        dependency: Option<u16>,
        has_attributes: bool,
    ) -> Element {
        let tok = if has_attributes {
            token::OPEN_START | token::MORE
        } else {
            token::OPEN_START
        };
        self.enc.u8(tok);
        self.enc.u16(dependency.unwrap_or(0xffff));
        let size_at = self.enc.reserve_u32();
        self.strings.emit_name(self.enc, name);
        let attrs_at = has_attributes.then(|| self.enc.reserve_u32());
        Element { size_at, attrs_at }
    }

    /// An attribute; `more` when another attribute follows.
    pub(crate) fn attribute(&mut self, name: &str, value: Content<'_>, more: bool) {
        let tok = if more {
            token::ATTRIBUTE | token::MORE
        } else {
            token::ATTRIBUTE
        };
        self.enc.u8(tok);
        self.strings.emit_name(self.enc, name);
        self.content(value);
    }

    /// Content: literal text or a substitution.
    pub(crate) fn content(&mut self, value: Content<'_>) {
        match value {
            Content::Text(text) => {
                self.enc.u8(token::VALUE);
                self.enc.u8(vtype::STRING);
                let count_at = self.enc.len();
                self.enc.u16(0);
                let count = self.enc.utf16(text);
                self.enc.patch_u16(count_at, count as u16);
            }
            Content::Optional(index, ty) => {
                self.enc.u8(token::OPTIONAL_SUBSTITUTION);
                self.enc.u16(index);
                self.enc.u8(ty);
            }
            Content::Normal(index, ty) => {
                self.enc.u8(token::NORMAL_SUBSTITUTION);
                self.enc.u16(index);
                self.enc.u8(ty);
            }
        }
    }

    fn close_attributes(&mut self, element: &Element) {
        if let Some(at) = element.attrs_at {
            self.enc.patch_size_since(at);
        }
    }

    /// CloseStartElement: content follows, then [`Tree::end`].
    pub(crate) fn close_start(&mut self, element: &Element) {
        self.close_attributes(element);
        self.enc.u8(token::CLOSE_START);
    }

    /// CloseEmptyElement: ends the element.
    pub(crate) fn close_empty(&mut self, element: Element) {
        self.close_attributes(&element);
        self.enc.u8(token::CLOSE_EMPTY);
        self.enc.patch_size_since(element.size_at);
    }

    /// EndElement.
    pub(crate) fn end(&mut self, element: Element) {
        self.enc.u8(token::END_ELEMENT);
        self.enc.patch_size_since(element.size_at);
    }

    /// `<name>content</name>` without attributes.
    pub(crate) fn simple(&mut self, name: &str, dependency: Option<u16>, value: Content<'_>) {
        let e = self.open(name, dependency, false);
        self.close_start(&e);
        self.content(value);
        self.end(e);
    }

    /// `<name a="…" b="…"/>`.
    pub(crate) fn empty_with_attributes(&mut self, name: &str, attributes: &[(&str, Content<'_>)]) {
        let e = self.open(name, None, true);
        for (i, (attr, value)) in attributes.iter().enumerate() {
            let value = match value {
                Content::Text(t) => Content::Text(t),
                Content::Optional(i, t) => Content::Optional(*i, *t),
                Content::Normal(i, t) => Content::Normal(*i, *t),
            };
            self.attribute(attr, value, i + 1 < attributes.len());
        }
        self.close_empty(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_hashes_match_windows_chunks() {
        // Hashes read from the string table of a real System.evtx chunk.
        assert_eq!(name_hash("Event"), 0x0cba);
        assert_eq!(name_hash("xmlns"), 0x0fbc);
        assert_eq!(name_hash("System"), 0x546f);
        assert_eq!(name_hash("SystemTime"), 0x7b3c);
        assert_eq!(name_hash("Computer"), 0x6e3b);
    }

    #[test]
    fn names_are_inline_once_then_referenced_and_rolled_back() {
        let mut enc = Enc::default();
        enc.reset(512);
        let mut st = StringTable::default();
        st.emit_name(&mut enc, "Event");
        // offset field points right after itself: inline.
        assert_eq!(&enc.buf[0..4], &516u32.to_le_bytes());
        assert_eq!(&enc.buf[4..8], &0u32.to_le_bytes());
        assert_eq!(&enc.buf[8..10], &0x0cbau16.to_le_bytes());
        assert_eq!(&enc.buf[10..12], &5u16.to_le_bytes());
        assert_eq!(enc.len(), 4 + 8 + 10 + 2);
        st.commit();
        st.emit_name(&mut enc, "Event");
        assert_eq!(&enc.buf[24..28], &516u32.to_le_bytes());
        assert_eq!(enc.len(), 28);
        // "xmlns" and "SystemTime" share bucket 60: the newer links to the older.
        st.emit_name(&mut enc, "xmlns");
        st.emit_name(&mut enc, "SystemTime");
        assert_eq!(st.heads[60], enc.pos() - (8 + 20 + 2));
        st.rollback();
        assert_eq!(st.heads[60], 0);
        assert_eq!(st.heads[usize::from(name_hash("Event")) % 64], 516);
    }
}
