//! Decoding a kept record straight from its BinXML, without the crate rendering it to JSON,
//! for the record shapes Windows writes most: `Event` holding `System` and an `EventData` of
//! unnamed `Data` (one string or string array) or of `Data Name="…"` strings, given inline or
//! as a nested BinXML substitution.
//!
//! The result must be exactly what rendering with the crate and reading the JSON
//! (`system.rs`, `data.rs`) gives, so anything whose rendering is not certain (other value
//! types, `NULL` payload values, `Binary`, `UserData`, names the JSON would treat specially…)
//! returns `None` and the caller renders the record with the crate instead.
//! `tests/evtx_filter_agrees.rs` checks the equivalence on real and generated logs.
//!
//! Token layout: see `head.rs`.

use super::head::{self, instance_start, u16_at, u32_at, u64_at, utf16_until_nul, RecordSpan};
use std::rc::Rc;

/// Deepest element nesting read in a template.
const MAX_DEPTH: usize = 32;
/// FILETIME of the Unix epoch.
const UNIX_EPOCH_FILETIME: u64 = 116_444_736_000_000_000;
/// FILETIME of 9999-12-31T23:59:59Z.
const MAX_FILETIME: u64 = 2_650_467_743_990_000_000;

/// A node of a template definition.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Element(Element),
    Text(String),
    /// Substitution: index, and whether it is optional (an optional `NULL` drops its element).
    Sub(u16, bool),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Element {
    name: String,
    attributes: Vec<(String, Vec<Node>)>,
    children: Vec<Node>,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&[Node]> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// The name at chunk offset `at` of the string table, decoded.
fn name_at(chunk: &[u8], at: usize) -> Option<String> {
    let count = usize::from(u16_at(chunk, at.checked_add(6)?)?);
    let units = chunk.get(at + 8..at + 8 + 2 * count)?;
    let mut s = String::new();
    utf16_until_nul(units, &mut s)?;
    Some(s)
}

/// A name ref at `at`: the name and where the stream goes on.
fn name_ref(chunk: &[u8], at: usize) -> Option<(String, usize)> {
    let offset = usize::try_from(u32_at(chunk, at)?).ok()?;
    let name = name_at(chunk, offset)?;
    let count = usize::from(u16_at(chunk, offset + 6)?);
    let next = if offset == at + 4 {
        offset + 8 + 2 * count + 2
    } else {
        at + 4
    };
    Some((name, next))
}

/// Parse the template definition at chunk offset `def` into its top-level nodes.
fn parse_template(chunk: &[u8], def: usize) -> Option<Vec<Node>> {
    let body_len = usize::try_from(u32_at(chunk, def.checked_add(20)?)?).ok()?;
    let mut at = def + 24;
    let end = at.checked_add(body_len)?.min(chunk.len());
    let mut root: Vec<Node> = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    // Content goes to the attribute being read while the start tag is open.
    let mut in_attribute = false;
    let push = |stack: &mut Vec<Element>, root: &mut Vec<Node>, in_attr: bool, node: Node| {
        match stack.last_mut() {
            Some(e) if in_attr => match e.attributes.last_mut() {
                Some((_, v)) => v.push(node),
                None => return None,
            },
            Some(e) => e.children.push(node),
            None => root.push(node),
        }
        Some(())
    };
    while at < end {
        let token = *chunk.get(at)?;
        match token {
            0x00 => break,
            0x0f => at += 4,
            0x01 | 0x41 => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                let (name, next) = name_ref(chunk, at + 7)?;
                at = next + if token == 0x41 { 4 } else { 0 };
                stack.push(Element {
                    name,
                    ..Element::default()
                });
                in_attribute = false;
            }
            0x06 | 0x46 => {
                let (name, next) = name_ref(chunk, at + 1)?;
                at = next;
                stack.last_mut()?.attributes.push((name, Vec::new()));
                in_attribute = true;
            }
            0x02 => {
                in_attribute = false;
                at += 1;
            }
            0x03 | 0x04 => {
                in_attribute = false;
                at += 1;
                let done = stack.pop()?;
                push(&mut stack, &mut root, false, Node::Element(done))?;
            }
            0x05 | 0x45 => {
                if *chunk.get(at + 1)? != 0x01 {
                    return None;
                }
                let units = usize::from(u16_at(chunk, at + 2)?);
                let raw = chunk.get(at + 4..at + 4 + 2 * units)?;
                at += 4 + 2 * units;
                let mut text = String::new();
                utf16_until_nul(raw, &mut text)?;
                push(&mut stack, &mut root, in_attribute, Node::Text(text))?;
            }
            0x0d | 0x0e => {
                let index = u16_at(chunk, at + 1)?;
                at += 4;
                let node = Node::Sub(index, token == 0x0e);
                push(&mut stack, &mut root, in_attribute, node)?;
            }
            _ => return None,
        }
    }
    stack.is_empty().then_some(root)
}

/// Templates of one chunk by definition offset, compiled (`None`: could not be read).
#[derive(Debug, Default)]
pub(super) struct Templates {
    by_offset: head::ByOffset<Option<Rc<Compiled>>>,
}

impl Templates {
    fn get(&mut self, chunk: &[u8], def: u32) -> Option<Rc<Compiled>> {
        self.by_offset
            .get_or_insert_with(def, || {
                let nodes = parse_template(chunk, usize::try_from(def).ok()?)?;
                Some(Rc::new(Compiled::new(&nodes)))
            })
            .clone()
    }
}

/// A template compiled once per chunk: everything about decoding its records that does not
/// depend on the substitution values, checked once. What is left per record is reading the
/// values the plan points at.
#[derive(Debug, Default)]
struct Compiled {
    /// As a whole record (`Event`), when it is a shape decoded here.
    event: Option<EventPlan>,
    /// As a nested `EventData` fragment, when it is one decoded here.
    data: Option<Vec<DataItem>>,
}

impl Compiled {
    fn new(nodes: &[Node]) -> Self {
        let data = match nodes {
            [Node::Element(e)] if e.name == "EventData" => compile_data(e),
            _ => None,
        };
        Compiled {
            event: compile_event(nodes),
            data,
        }
    }
}

/// The single content node of an element or attribute, owned (`None`: empty).
type Src = Option<Node>;

/// Where each `System` value of a record comes from (`None`: the element is absent).
#[derive(Debug, Default)]
struct EventPlan {
    provider: Src,
    /// `EventID`'s content and its `Qualifiers` attribute, if present.
    event_id: Option<(Src, Option<Src>)>,
    level: Option<Src>,
    task: Option<Src>,
    opcode: Option<Src>,
    keywords: Option<Src>,
    record_id: Option<Src>,
    channel: Option<Src>,
    computer: Option<Src>,
    /// `TimeCreated`: present, and the substitution of its `SystemTime` attribute if it has one.
    time: Option<Option<u16>>,
    payload: Payload,
}

/// Where a record's event data is.
#[derive(Debug, Default)]
enum Payload {
    /// No event data.
    #[default]
    None,
    /// An `EventData` element in the template.
    Inline(Vec<DataItem>),
    /// A nested BinXML fragment in this substitution.
    Nested(u16),
}

/// One item of an `EventData`, in order.
#[derive(Debug)]
enum DataItem {
    /// `Binary` from a substitution (optional: a `NULL` drops it).
    Binary(u16, bool),
    /// Unnamed `Data` written in the template.
    UnnamedText(String),
    /// Unnamed `Data` from a substitution (a string or a string array).
    UnnamedSub(u16),
    /// `Data Name="…"` written in the template.
    NamedText(String, String),
    /// `Data Name="…"` from a substitution (a string).
    NamedSub(String, u16),
}

/// Compile a template as a whole record: `Event` (attributes `xmlns` only) holding `System` and
/// at most one payload (an `EventData` element or a substitution), nothing else; `System`
/// holding elements only, no name twice, a `Provider` with a `Name`.
fn compile_event(nodes: &[Node]) -> Option<EventPlan> {
    let [Node::Element(event)] = nodes else {
        return None;
    };
    if event.name != "Event" || event.attributes.iter().any(|(n, _)| n != "xmlns") {
        return None;
    }
    let mut plan = EventPlan::default();
    let mut system = None;
    let mut payload = false;
    for child in &event.children {
        match child {
            Node::Element(e) if e.name == "System" && system.is_none() => system = Some(e),
            Node::Element(e) if e.name == "EventData" && !payload => {
                payload = true;
                plan.payload = Payload::Inline(compile_data(e)?);
            }
            Node::Sub(n, _) if !payload => {
                payload = true;
                plan.payload = Payload::Nested(*n);
            }
            _ => return None,
        }
    }
    let mut seen: Vec<&str> = Vec::with_capacity(16);
    let owned = |node: Option<&Node>| node.cloned();
    for child in &system?.children {
        let Node::Element(e) = child else {
            return None;
        };
        if seen.contains(&e.name.as_str()) {
            return None;
        }
        seen.push(&e.name);
        let content = || single(&e.children).map(owned);
        match e.name.as_str() {
            "Provider" => plan.provider = owned(single(e.attribute("Name")?)?),
            "EventID" => {
                let qualifiers = match e.attribute("Qualifiers") {
                    Some(q) => Some(owned(single(q)?)),
                    None => None,
                };
                plan.event_id = Some((content()?, qualifiers));
            }
            "Level" => plan.level = Some(content()?),
            "Task" => plan.task = Some(content()?),
            "Opcode" => plan.opcode = Some(content()?),
            "Keywords" => plan.keywords = Some(content()?),
            "EventRecordID" => plan.record_id = Some(content()?),
            "Channel" => plan.channel = Some(content()?),
            "Computer" => plan.computer = Some(content()?),
            "TimeCreated" => {
                plan.time = Some(match e.attribute("SystemTime") {
                    None => None,
                    Some(t) => match single(t)? {
                        Some(Node::Sub(n, _)) => Some(*n),
                        _ => return None,
                    },
                });
            }
            // Elements the decoded record does not use; their content cannot change it.
            _ => {}
        }
    }
    seen.contains(&"Provider").then_some(plan)
}

/// Compile the items of an `EventData` element: unnamed `Data` (one element, a string or
/// string array), or `Data Name="…"` elements holding strings, and optional `Binary`.
fn compile_data(e: &Element) -> Option<Vec<DataItem>> {
    if e.attributes.iter().any(|(n, _)| n != "Name") {
        return None;
    }
    let mut items = Vec::new();
    let mut unnamed = 0;
    let mut named = 0;
    for child in &e.children {
        let Node::Element(d) = child else {
            return None;
        };
        let content = single(&d.children)?;
        if d.name == "Binary" && d.attributes.is_empty() {
            match content? {
                Node::Sub(n, optional) => items.push(DataItem::Binary(*n, *optional)),
                _ => return None,
            }
            continue;
        }
        if d.name != "Data" {
            return None;
        }
        match d.attributes.as_slice() {
            [] => {
                unnamed += 1;
                items.push(match content? {
                    Node::Text(t) => DataItem::UnnamedText(t.clone()),
                    Node::Sub(n, _) => DataItem::UnnamedSub(*n),
                    Node::Element(_) => return None,
                });
            }
            [(attr, name)] if attr == "Name" => {
                named += 1;
                let [Node::Text(name)] = name.as_slice() else {
                    return None;
                };
                if !plain_name(name) {
                    return None;
                }
                items.push(match content? {
                    Node::Text(t) => DataItem::NamedText(name.clone(), t.clone()),
                    Node::Sub(n, _) => DataItem::NamedSub(name.clone(), *n),
                    Node::Element(_) => return None,
                });
            }
            _ => return None,
        }
    }
    (unnamed <= 1 && (unnamed == 0 || named == 0)).then_some(items)
}

/// The substitution values of one template instance: (type, bytes) by index.
struct Values<'c> {
    items: Vec<(u8, &'c [u8])>,
}

impl<'c> Values<'c> {
    fn get(&self, n: u16) -> Option<(u8, &'c [u8])> {
        self.items.get(usize::from(n)).copied()
    }
}

/// Read a `[fragment header] TemplateInstance` stream at `at`..`end` of `chunk`: the template
/// definition offset and the values.
fn instance(chunk: &[u8], at: usize, end: usize) -> Option<(u32, Values<'_>)> {
    let (def, at) = instance_start(chunk, at)?;
    let count = usize::try_from(u32_at(chunk, at)?).ok()?;
    let descriptors = at + 4;
    let mut offset = descriptors.checked_add(count.checked_mul(4)?)?;
    if offset > end {
        return None;
    }
    let mut items = Vec::with_capacity(count);
    for i in 0..count {
        let size = usize::from(u16_at(chunk, descriptors + 4 * i)?);
        let ty = *chunk.get(descriptors + 4 * i + 2)?;
        let bytes = chunk.get(offset..offset.checked_add(size)?)?;
        offset += size;
        items.push((ty, bytes));
    }
    // The stream must end there (EOF or the end of the record), as the crate requires.
    if offset > end || (offset < end && chunk.get(offset) != Some(&0x00)) {
        return None;
    }
    Some((def, Values { items }))
}

/// What a kept record decodes to (the fields of [`super::EventRecord`] that come from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Decoded {
    pub(super) record_id: Option<u64>,
    pub(super) time_us: Option<i64>,
    pub(super) provider: String,
    pub(super) event_id: u16,
    pub(super) qualifiers: Option<u16>,
    pub(super) level: Option<u8>,
    pub(super) task: Option<u16>,
    pub(super) opcode: Option<u8>,
    pub(super) keywords: Option<u64>,
    pub(super) computer: String,
    pub(super) channel: String,
    pub(super) data: Vec<(Option<String>, String)>,
}

/// The single content node of an element or attribute; `Ok(None)` when empty.
fn single(nodes: &[Node]) -> Option<Option<&Node>> {
    match nodes {
        [] => Some(None),
        [one] if !matches!(one, Node::Element(_)) => Some(Some(one)),
        _ => None,
    }
}

/// A UTF-16 string value; `None` for other types.
fn string_value(ty: u8, bytes: &[u8]) -> Option<String> {
    if ty != 0x01 {
        return None;
    }
    let mut s = String::new();
    utf16_until_nul(bytes, &mut s)?;
    Some(s)
}

/// Text of a node as the JSON path reads strings: `Ok(None)` for absent or NULL.
fn text(node: Option<&Node>, values: &Values<'_>) -> Option<Option<String>> {
    match node {
        None => Some(None),
        Some(Node::Text(t)) => Some(Some(t.clone())),
        Some(Node::Sub(n, _)) => match values.get(*n)? {
            (_, []) | (0x00, _) => Some(None),
            (ty, bytes) => string_value(ty, bytes).map(Some),
        },
        Some(Node::Element(_)) => None,
    }
}

/// An unsigned number as the JSON path reads it (`scan::unsigned`): `Ok(None)` when absent,
/// NULL, negative or not a number.
fn number(node: Option<&Node>, values: &Values<'_>) -> Option<Option<u64>> {
    let parse = |text: &str| {
        let text = text.trim();
        match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => text.parse().ok(),
        }
    };
    match node {
        None => Some(None),
        Some(Node::Text(t)) => Some(parse(t)),
        Some(Node::Sub(n, _)) => {
            let (ty, b) = values.get(*n)?;
            if b.is_empty() || ty == 0x00 {
                return Some(None);
            }
            let v = match (ty, b.len()) {
                (0x04, 1) => u64::from(b[0]),
                (0x06, 2) => u64::from(u16_at(b, 0)?),
                (0x08, 4) | (0x14, 4) => u64::from(u32_at(b, 0)?),
                (0x0a, 8) | (0x15, 8) => u64_at(b, 0)?,
                (0x01, _) => return Some(parse(&string_value(ty, b)?)),
                _ => return None,
            };
            Some(Some(v))
        }
        Some(Node::Element(_)) => None,
    }
}

/// FILETIME to microseconds since the Unix epoch, as the JSON path gets it from the rendered
/// `SystemTime` (100 ns ticks dropped); `None` outside what that handles the same way.
pub(super) fn filetime_us(ft: u64) -> Option<i64> {
    if !(UNIX_EPOCH_FILETIME..=MAX_FILETIME).contains(&ft) {
        return None;
    }
    i64::try_from((ft - UNIX_EPOCH_FILETIME) / 10).ok()
}

/// Decode the record at `span` of `chunk`, or `None` when its shape is not one this module
/// decodes exactly like the JSON path.
pub(super) fn decode(chunk: &[u8], span: RecordSpan, templates: &mut Templates) -> Option<Decoded> {
    let end = span.binxml.checked_add(span.len)?;
    let (def, values) = instance(chunk, span.binxml, end)?;
    let compiled = templates.get(chunk, def)?;
    let plan = compiled.event.as_ref()?;
    let mut data = Vec::new();
    match &plan.payload {
        Payload::None => {}
        Payload::Inline(items) => event_data(items, &values, &mut data)?,
        Payload::Nested(n) => nested_event_data(chunk, &values, *n, templates, &mut data)?,
    }
    // A present element's number: `None` when absent, NULL, or out of the field's range.
    let field = |src: &Option<Src>| -> Option<Option<u64>> {
        match src {
            Some(src) => number(src.as_ref(), &values),
            None => Some(None),
        }
    };
    let (event_id, qualifiers) = match &plan.event_id {
        Some((id, qualifiers)) => (
            number(id.as_ref(), &values)?.map_or(0, |v| v as u16),
            match qualifiers {
                Some(q) => number(q.as_ref(), &values)?.and_then(|v| u16::try_from(v).ok()),
                None => None,
            },
        ),
        None => (0, None),
    };
    let string = |src: &Option<Src>| -> Option<String> {
        match src {
            Some(src) => Some(text(src.as_ref(), &values)?.unwrap_or_default()),
            None => Some(String::new()),
        }
    };
    let time_us = match plan.time {
        None | Some(None) => None,
        Some(Some(n)) => match values.get(n)? {
            (_, []) | (0x00, _) => None,
            (0x11, b) if b.len() == 8 => Some(filetime_us(u64_at(b, 0)?)?),
            _ => return None,
        },
    };
    Some(Decoded {
        record_id: field(&plan.record_id)?,
        time_us,
        provider: text(plan.provider.as_ref(), &values)??,
        event_id,
        qualifiers,
        level: field(&plan.level)?.and_then(|v| v.try_into().ok()),
        task: field(&plan.task)?.and_then(|v| v.try_into().ok()),
        opcode: field(&plan.opcode)?.and_then(|v| v.try_into().ok()),
        keywords: field(&plan.keywords)?,
        computer: string(&plan.computer)?,
        channel: string(&plan.channel)?,
        data,
    })
}

/// `EventData` held in substitution `n` as a nested BinXML fragment.
fn nested_event_data(
    chunk: &[u8],
    values: &Values<'_>,
    n: u16,
    templates: &mut Templates,
    out: &mut Vec<(Option<String>, String)>,
) -> Option<()> {
    let (ty, bytes) = values.get(n)?;
    if ty != 0x21 || bytes.is_empty() {
        return None;
    }
    // The value's bytes lie inside the chunk; find where, for chunk offsets.
    let start = (bytes.as_ptr() as usize).checked_sub(chunk.as_ptr() as usize)?;
    let (def, inner) = instance(chunk, start, start + bytes.len())?;
    let compiled = templates.get(chunk, def)?;
    event_data(compiled.data.as_ref()?, &inner, out)
}

/// The items of an `EventData`, read from a record's values.
fn event_data(
    items: &[DataItem],
    values: &Values<'_>,
    out: &mut Vec<(Option<String>, String)>,
) -> Option<()> {
    for item in items {
        match item {
            // Rendered as upper-case hex; an optional NULL drops the element.
            DataItem::Binary(n, optional) => match values.get(*n)? {
                (0x00, _) | (_, []) if *optional => {}
                (0x0e, b) => {
                    let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
                    out.push((Some("Binary".to_string()), hex));
                }
                _ => return None,
            },
            DataItem::UnnamedText(t) => out.push((None, t.clone())),
            DataItem::UnnamedSub(n) => match values.get(*n)? {
                (0x01, b) if !b.is_empty() => out.push((None, string_value(0x01, b)?)),
                (0x81, b) if !b.is_empty() => string_array(b, out)?,
                _ => return None,
            },
            DataItem::NamedText(name, t) => out.push((Some(name.clone()), t.clone())),
            DataItem::NamedSub(name, n) => match values.get(*n)? {
                (0x01, b) if !b.is_empty() => {
                    out.push((Some(name.clone()), string_value(0x01, b)?));
                }
                _ => return None,
            },
        }
    }
    Some(())
}

/// A data name the JSON path reads back as itself: not a key it treats specially, and not one
/// that looks like the crate's `_N` suffix for repeated names.
fn plain_name(name: &str) -> bool {
    let special = matches!(name, "Data" | "Binary" | "#text" | "#attributes" | "")
        || name.ends_with("_attributes");
    let suffixed = name
        .rsplit_once('_')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()));
    !special && !suffixed
}

/// A UTF-16 string array: NUL-terminated strings one after the other (a last one without its
/// NUL counts too).
fn string_array(bytes: &[u8], out: &mut Vec<(Option<String>, String)>) -> Option<()> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let mut rest = bytes;
    loop {
        let end = head::nul_unit(rest);
        let mut s = String::new();
        head::push_utf16(&rest[..end.unwrap_or(rest.len())], &mut s)?;
        match end {
            Some(end) => {
                out.push((None, s));
                rest = &rest[end + 2..];
                if rest.is_empty() {
                    // A NUL at the very end closes the last string; nothing follows it.
                    return Some(());
                }
            }
            None => {
                out.push((None, s));
                return Some(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_the_json_would_change_are_refused() {
        assert!(plain_name("SubjectUserSid"));
        assert!(plain_name("Param_a"));
        assert!(!plain_name("Param_1"));
        assert!(!plain_name("Data"));
        assert!(!plain_name("X_attributes"));
    }

    #[test]
    fn string_arrays_split_at_nuls() {
        let enc = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let mut out = Vec::new();
        string_array(&enc("a\0\0b\0"), &mut out).unwrap();
        let texts: Vec<_> = out.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["a", "", "b"]);
        out.clear();
        string_array(&enc("a\0b"), &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert!(string_array(&[1], &mut out).is_none());
        for (text, want) in [
            ("\0", vec![""]),
            ("\0\0", vec!["", ""]),
            ("", vec![""]),
            (
                "gw01.contoso.com\0Zürich 東京 𝄞\0",
                vec!["gw01.contoso.com", "Zürich 東京 𝄞"],
            ),
            ("abc é\0x", vec!["abc é", "x"]),
        ] {
            out.clear();
            string_array(&enc(text), &mut out).unwrap();
            let texts: Vec<_> = out.iter().map(|(_, t)| t.as_str()).collect();
            assert_eq!(texts, want, "{text:?}");
        }
        // A lone surrogate, after ASCII and alone.
        let lone: Vec<u8> = [0x61u16, 0xD800, 0x62]
            .iter()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert!(string_array(&lone, &mut out).is_none());
        assert!(string_array(&lone[2..], &mut out).is_none());
    }

    #[test]
    fn filetimes_in_range_only() {
        assert_eq!(filetime_us(UNIX_EPOCH_FILETIME + 15), Some(1));
        assert_eq!(filetime_us(0), None);
        assert_eq!(filetime_us(u64::MAX), None);
    }

    #[test]
    fn garbage_never_panics() {
        let mut chunk = vec![0u8; 65536];
        let mut x = 0x9e37_79b9u32;
        for b in chunk.iter_mut().skip(512) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        let mut t = Templates::default();
        for start in (0..65536).step_by(97) {
            let _ = decode(
                &chunk,
                RecordSpan {
                    binxml: start,
                    len: 700,
                },
                &mut t,
            );
            let _ = parse_template(&chunk, start);
        }
    }
}
