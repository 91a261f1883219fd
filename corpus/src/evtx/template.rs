//! Template definitions as Windows writes them for classic events, the chunk's template
//! table, and template instances.
//!
//! The System template is the one real Windows logs carry for classic providers (observed
//! in a System.evtx written by Windows 10 1703, header minor version 1, and an
//! Application.evtx written by a later Windows 10, minor version 2): Provider Name, Channel
//! and Computer are literal text, every other value is an optional substitution, twenty in
//! all, and EventData is substitution 19, a nested BinXML fragment.

use std::collections::HashMap;

use super::binxml::{token, vtype, Content, Enc, StringTable, Tree, FRAGMENT_HEADER};

/// `xmlns` of `<Event>`.
const EVENT_NS: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// Substitution indexes of the System template (as Windows numbers them).
pub(crate) mod sub {
    pub(crate) const LEVEL: u16 = 0;
    pub(crate) const OPCODE: u16 = 1;
    pub(crate) const TASK: u16 = 2;
    pub(crate) const EVENT_ID: u16 = 3;
    pub(crate) const QUALIFIERS: u16 = 4;
    pub(crate) const KEYWORDS: u16 = 5;
    pub(crate) const TIME_CREATED: u16 = 6;
    pub(crate) const ACTIVITY_ID: u16 = 7;
    pub(crate) const PROCESS_ID: u16 = 8;
    pub(crate) const THREAD_ID: u16 = 9;
    pub(crate) const RECORD_ID: u16 = 10;
    pub(crate) const VERSION: u16 = 11;
    pub(crate) const USER_ID: u16 = 12;
    pub(crate) const RELATED_ACTIVITY_ID: u16 = 18;
    pub(crate) const EVENT_DATA: u16 = 19;
    /// Number of values in a System template instance.
    pub(crate) const COUNT: u32 = 20;
}

/// The GUID Windows gives the classic EventData template (`<EventData><Data/><Binary/>`):
/// identical in every chunk of the real logs we examined, so evidently derived from the
/// template's content. Stored as the 16 on-disk bytes.
const CLASSIC_DATA_GUID: [u8; 16] = [
    0x77, 0xd8, 0x29, 0x43, 0xd5, 0xd8, 0x2d, 0x51, 0xec, 0x99, 0x20, 0x1a, 0x0f, 0xd9, 0x2f, 0xc7,
];

/// Which template a record uses.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape<'a> {
    /// The System template for one provider/channel/computer combination.
    System {
        minor_version: u16,
        provider: &'a str,
        channel: &'a str,
        computer: &'a str,
    },
    /// Classic EventData: unnamed `<Data>` from one string array, and `<Binary>`.
    ClassicData,
    /// Named data: `<Data Name="…">` per name, each a string substitution.
    NamedData(&'a [(String, String)]),
}

impl Shape<'_> {
    /// A key unique per template content (`\u{1}` separates fields; it cannot occur in
    /// sensible names and a collision would only merge two templates' cache entries).
    fn key(&self, out: &mut String) {
        out.clear();
        match self {
            Shape::System {
                minor_version,
                provider,
                channel,
                computer,
            } => {
                out.push('S');
                out.push_str(&minor_version.to_string());
                for part in [provider, channel, computer] {
                    out.push('\u{1}');
                    out.push_str(part);
                }
            }
            Shape::ClassicData => out.push('C'),
            Shape::NamedData(pairs) => {
                out.push('N');
                for (name, _) in pairs.iter() {
                    out.push('\u{1}');
                    out.push_str(name);
                }
            }
        }
    }

    /// The template GUID. Windows' algorithm is not documented; for the classic data
    /// template we reuse the GUID Windows writes, otherwise a 128-bit FNV-1a of the key.
    fn guid(&self, key: &str) -> [u8; 16] {
        if let Shape::ClassicData = self {
            return CLASSIC_DATA_GUID;
        }
        let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
        for b in key.bytes() {
            h ^= u128::from(b);
            h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
        }
        h.to_le_bytes()
    }

    /// Emit the definition body: fragment header, element tree, EOF.
    fn body(&self, tree: &mut Tree<'_>) {
        tree.enc.bytes(&FRAGMENT_HEADER);
        match *self {
            Shape::System {
                minor_version,
                provider,
                channel,
                computer,
            } => system_body(tree, minor_version, provider, channel, computer),
            Shape::ClassicData => {
                let ed = tree.open("EventData", None, false);
                tree.close_start(&ed);
                tree.simple("Data", Some(0), Content::Optional(0, vtype::STRING_ARRAY));
                tree.simple("Binary", Some(2), Content::Optional(2, vtype::BINARY));
                tree.end(ed);
            }
            Shape::NamedData(pairs) => {
                let ed = tree.open("EventData", None, false);
                tree.close_start(&ed);
                for (i, (name, _)) in pairs.iter().enumerate() {
                    let d = tree.open("Data", None, true);
                    tree.attribute("Name", Content::Text(name), false);
                    tree.close_start(&d);
                    tree.content(Content::Normal(i as u16, vtype::STRING));
                    tree.end(d);
                }
                tree.end(ed);
            }
        }
        tree.enc.u8(token::EOF);
    }
}

/// The System template. Minor version 1 logs (Windows before 10 2004) leave out Version,
/// Opcode, Correlation and Execution; minor version 2 logs include them. Dependency ids
/// and attribute order are as in the real logs.
fn system_body(
    tree: &mut Tree<'_>,
    minor_version: u16,
    provider: &str,
    channel: &str,
    computer: &str,
) {
    let full = minor_version >= 2;
    let ev = tree.open("Event", Some(sub::EVENT_DATA), true);
    tree.attribute("xmlns", Content::Text(EVENT_NS), false);
    tree.close_start(&ev);
    let sys = tree.open("System", None, false);
    tree.close_start(&sys);

    tree.empty_with_attributes("Provider", &[("Name", Content::Text(provider))]);

    let id = tree.open("EventID", Some(sub::EVENT_ID), true);
    tree.attribute(
        "Qualifiers",
        Content::Optional(sub::QUALIFIERS, vtype::U16),
        false,
    );
    tree.close_start(&id);
    tree.content(Content::Optional(sub::EVENT_ID, vtype::U16));
    tree.end(id);

    if full {
        tree.simple(
            "Version",
            Some(sub::VERSION),
            Content::Optional(sub::VERSION, vtype::U8),
        );
    }
    tree.simple(
        "Level",
        Some(sub::LEVEL),
        Content::Optional(sub::LEVEL, vtype::U8),
    );
    tree.simple(
        "Task",
        Some(sub::TASK),
        Content::Optional(sub::TASK, vtype::U16),
    );
    if full {
        tree.simple(
            "Opcode",
            Some(sub::OPCODE),
            Content::Optional(sub::OPCODE, vtype::U8),
        );
    }
    tree.simple(
        "Keywords",
        Some(sub::KEYWORDS),
        Content::Optional(sub::KEYWORDS, vtype::HEX64),
    );
    tree.empty_with_attributes(
        "TimeCreated",
        &[(
            "SystemTime",
            Content::Optional(sub::TIME_CREATED, vtype::FILETIME),
        )],
    );
    tree.simple(
        "EventRecordID",
        Some(sub::RECORD_ID),
        Content::Optional(sub::RECORD_ID, vtype::U64),
    );
    if full {
        tree.empty_with_attributes(
            "Correlation",
            &[
                (
                    "ActivityID",
                    Content::Optional(sub::ACTIVITY_ID, vtype::GUID),
                ),
                (
                    "RelatedActivityID",
                    Content::Optional(sub::RELATED_ACTIVITY_ID, vtype::GUID),
                ),
            ],
        );
        tree.empty_with_attributes(
            "Execution",
            &[
                ("ProcessID", Content::Optional(sub::PROCESS_ID, vtype::U32)),
                ("ThreadID", Content::Optional(sub::THREAD_ID, vtype::U32)),
            ],
        );
    }
    tree.simple("Channel", None, Content::Text(channel));
    tree.simple("Computer", None, Content::Text(computer));
    tree.empty_with_attributes(
        "Security",
        &[("UserID", Content::Optional(sub::USER_ID, vtype::SID))],
    );
    tree.end(sys);
    tree.content(Content::Optional(sub::EVENT_DATA, vtype::BINXML));
    tree.end(ev);
}

/// The chunk's template table: definitions by content key, 32 buckets of chains (newest
/// first). Windows' bucket function is unknown (libyal does not document it); we use the
/// template id modulo 32. Readers walk every bucket, so the choice does not matter to them.
#[derive(Debug, Default)]
pub(crate) struct TemplateTable {
    defined: HashMap<String, (u32, u32)>,
    pub(crate) heads: [u32; 32],
    undo: Vec<(String, usize, u32)>,
    key: String,
}

impl TemplateTable {
    pub(crate) fn clear(&mut self) {
        self.defined.clear();
        self.heads = [0; 32];
        self.undo.clear();
    }

    pub(crate) fn rollback(&mut self) {
        while let Some((key, bucket, previous_head)) = self.undo.pop() {
            self.defined.remove(&key);
            self.heads[bucket] = previous_head;
        }
    }

    pub(crate) fn commit(&mut self) {
        self.undo.clear();
    }

    /// Emit a TemplateInstance header for `shape`: `0c 01`, template id, definition
    /// offset, and the definition itself when this is the template's first use in the
    /// chunk. The caller writes the instance data (values) next.
    pub(crate) fn emit_instance(
        &mut self,
        enc: &mut Enc,
        strings: &mut StringTable,
        shape: Shape<'_>,
    ) {
        let mut key = std::mem::take(&mut self.key);
        shape.key(&mut key);
        enc.u8(token::TEMPLATE_INSTANCE);
        enc.u8(0x01);
        if let Some(&(id, offset)) = self.defined.get(&key) {
            enc.u32(id);
            enc.u32(offset);
            self.key = key;
            return;
        }
        let guid = shape.guid(&key);
        let id = u32::from_le_bytes([guid[0], guid[1], guid[2], guid[3]]);
        enc.u32(id);
        let offset = enc.pos() + 4;
        enc.u32(offset);
        let bucket = (id % 32) as usize;
        enc.u32(self.heads[bucket]);
        enc.bytes(&guid);
        let size_at = enc.reserve_u32();
        shape.body(&mut Tree { enc, strings });
        enc.patch_size_since(size_at);
        self.undo.push((key.clone(), bucket, self.heads[bucket]));
        self.heads[bucket] = offset;
        self.defined.insert(key.clone(), (id, offset));
        self.key = key;
    }
}
