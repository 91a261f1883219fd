//! The `System` block of a record, read from the crate's compact JSON with [`super::scan`].
//!
//! Both JSON shapes the crate writes are understood: attributes inline
//! (`"EventID":{"#attributes":{"Qualifiers":16384},"#text":7036}`) and, with
//! `separate_json_attributes`, beside the element (`"EventID":7036,"EventID_attributes":{…}`).

use super::scan::{self, Members};
use std::borrow::Cow;

/// Raw spans of one record's JSON: the `System` members we use and the other children of
/// `Event`. Nothing is decoded until asked for.
#[derive(Debug, Default)]
pub(super) struct RawRecord<'a> {
    provider: Option<&'a [u8]>,
    provider_attrs: Option<&'a [u8]>,
    event_id: Option<&'a [u8]>,
    event_id_attrs: Option<&'a [u8]>,
    level: Option<&'a [u8]>,
    task: Option<&'a [u8]>,
    opcode: Option<&'a [u8]>,
    keywords: Option<&'a [u8]>,
    time_created: Option<&'a [u8]>,
    time_created_attrs: Option<&'a [u8]>,
    record_id: Option<&'a [u8]>,
    channel: Option<&'a [u8]>,
    computer: Option<&'a [u8]>,
    doc: &'a [u8],
    /// Where `Event`'s value starts in `doc`.
    event_start: usize,
    /// Index in `doc` just past `System`'s value, when the scan read all of `System`.
    after_system: Option<usize>,
}

/// A member of a JSON object: raw key and raw value.
pub(super) type RawMember<'a> = (&'a [u8], &'a [u8]);

/// Why a record's JSON could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unreadable(pub(super) &'static str);

/// How much of `System` to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Depth {
    /// Stop once the provider name and the event id are found (they come first): enough to
    /// count and filter a record.
    Head,
    /// Every member of `System`.
    Full,
}

/// Find `Event/System` in a record's JSON and note where its members are. The event data
/// after `System` is not touched.
pub(super) fn scan(doc: &[u8], depth: Depth) -> Result<RawRecord<'_>, Unreadable> {
    let event_start = Members::new(doc, 0)
        .find_start(b"Event")
        .ok_or(Unreadable("no Event object"))?;
    let mut rec = RawRecord {
        doc,
        event_start,
        ..RawRecord::default()
    };
    // A record without System (never written by Windows) keeps all defaults.
    let Some(system_start) = Members::new(doc, event_start).find_start(b"System") else {
        return Ok(rec);
    };
    let mut members = Members::new(doc, system_start);
    for (key, value) in members.by_ref() {
        let slot = match key {
            b"Provider" => &mut rec.provider,
            b"Provider_attributes" => &mut rec.provider_attrs,
            b"EventID" => &mut rec.event_id,
            b"EventID_attributes" => &mut rec.event_id_attrs,
            b"Level" => &mut rec.level,
            b"Task" => &mut rec.task,
            b"Opcode" => &mut rec.opcode,
            b"Keywords" => &mut rec.keywords,
            b"TimeCreated" => &mut rec.time_created,
            b"TimeCreated_attributes" => &mut rec.time_created_attrs,
            b"EventRecordID" => &mut rec.record_id,
            b"Channel" => &mut rec.channel,
            b"Computer" => &mut rec.computer,
            _ => continue,
        };
        slot.get_or_insert(value);
        if depth == Depth::Head
            && rec.event_id.is_some()
            && (rec.provider.is_some() || rec.provider_attrs.is_some())
        {
            return Ok(rec);
        }
    }
    if members.malformed {
        return Err(Unreadable("malformed System object"));
    }
    rec.after_system = Some(members.position());
    Ok(rec)
}

/// An attribute of an element: inline under `#attributes`, or in the separate `X_attributes`.
fn attribute<'a>(
    element: Option<&'a [u8]>,
    separate: Option<&'a [u8]>,
    name: &[u8],
) -> Option<&'a [u8]> {
    element
        .and_then(|e| scan::path(e, &[b"#attributes", name]))
        .or_else(|| separate.and_then(|s| scan::member(s, name)))
}

/// An element's text: the value itself, or its `#text` when it has attributes inline.
fn text(element: &[u8]) -> &[u8] {
    if element.first() == Some(&b'{') {
        scan::member(element, b"#text").unwrap_or(b"null")
    } else {
        element
    }
}

impl<'a> RawRecord<'a> {
    /// Whether the scan read all of `System` ([`Depth::Full`]).
    pub(super) fn is_full(&self) -> bool {
        self.after_system.is_some()
    }

    /// `Provider/@Name`; empty when absent.
    pub(super) fn provider(&self) -> Cow<'a, str> {
        attribute(self.provider, self.provider_attrs, b"Name")
            .and_then(scan::string)
            .unwrap_or(Cow::Borrowed(""))
    }

    /// `EventID` as written (it can exceed 16 bits in damaged or crafted records).
    pub(super) fn event_id_full(&self) -> Option<u64> {
        self.event_id.map(text).and_then(scan::unsigned)
    }

    /// `EventID`, low 16 bits (0 when absent).
    pub(super) fn event_id(&self) -> u16 {
        // Truncation is the documented meaning: Windows' EventID is 16 bits.
        self.event_id_full().map_or(0, |id| id as u16)
    }

    /// `EventID/@Qualifiers`.
    pub(super) fn qualifiers(&self) -> Option<u16> {
        attribute(self.event_id, self.event_id_attrs, b"Qualifiers")
            .and_then(scan::unsigned)
            .and_then(|q| u16::try_from(q).ok())
    }

    pub(super) fn level(&self) -> Option<u8> {
        self.level
            .map(text)
            .and_then(scan::unsigned)
            .and_then(|v| u8::try_from(v).ok())
    }

    pub(super) fn task(&self) -> Option<u16> {
        self.task
            .map(text)
            .and_then(scan::unsigned)
            .and_then(|v| u16::try_from(v).ok())
    }

    pub(super) fn opcode(&self) -> Option<u8> {
        self.opcode
            .map(text)
            .and_then(scan::unsigned)
            .and_then(|v| u8::try_from(v).ok())
    }

    pub(super) fn keywords(&self) -> Option<u64> {
        self.keywords.map(text).and_then(scan::unsigned)
    }

    /// `TimeCreated/@SystemTime` in microseconds since the Unix epoch.
    pub(super) fn time_us(&self) -> Option<i64> {
        let text = attribute(self.time_created, self.time_created_attrs, b"SystemTime")
            .and_then(scan::string)?;
        text.trim()
            .parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_microsecond())
    }

    pub(super) fn record_id(&self) -> Option<u64> {
        self.record_id.map(text).and_then(scan::unsigned)
    }

    pub(super) fn channel(&self) -> String {
        self.channel
            .map(text)
            .and_then(scan::scalar_text)
            .map(Cow::into_owned)
            .unwrap_or_default()
    }

    pub(super) fn computer(&self) -> String {
        self.computer
            .map(text)
            .and_then(scan::scalar_text)
            .map(Cow::into_owned)
            .unwrap_or_default()
    }

    /// The children of `Event` other than its attributes and `System`, in order: `EventData`,
    /// `UserData`, `RenderingInfo`, … Walks the rest of the record.
    pub(super) fn other_children(&self) -> Result<Vec<RawMember<'a>>, Unreadable> {
        let mut members = match self.after_system {
            Some(after) => Members::resume(self.doc, after),
            None => Members::new(self.doc, self.event_start),
        };
        let children: Vec<_> = members
            .by_ref()
            .filter(|(k, _)| !matches!(*k, b"System" | b"#attributes"))
            .collect();
        if members.malformed {
            return Err(Unreadable("malformed Event object"));
        }
        Ok(children)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASSIC: &[u8] = br##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"EventLog"}},"EventID":{"#attributes":{"Qualifiers":32768},"#text":6009},"Level":4,"Task":0,"Keywords":"0x80000000000000","TimeCreated":{"#attributes":{"SystemTime":"2017-07-12T17:16:28.2141616Z"}},"EventRecordID":1,"Channel":"System","Computer":"WIN-P4SIAA0SQCO","Security":null},"EventData":{"Data":{"#text":["10.00.","15063","","Multiprocessor Free","0"]}}}}"##;

    #[test]
    fn reads_a_classic_system_block() {
        let r = scan(CLASSIC, Depth::Full).unwrap();
        assert_eq!(r.provider(), "EventLog");
        assert_eq!(r.event_id(), 6009);
        assert_eq!(r.qualifiers(), Some(32768));
        assert_eq!(r.level(), Some(4));
        assert_eq!(r.task(), Some(0));
        assert_eq!(r.opcode(), None);
        assert_eq!(r.keywords(), Some(0x80_0000_0000_0000));
        assert_eq!(r.record_id(), Some(1));
        assert_eq!(r.channel(), "System");
        assert_eq!(r.computer(), "WIN-P4SIAA0SQCO");
        // 2017-07-12T17:16:28Z = 1499879788 s; the 7th fractional digit is below 1 µs.
        assert_eq!(r.time_us(), Some(1_499_879_788_214_161));
        let children = r.other_children().unwrap();
        assert_eq!(children.len(), 1);
        assert_eq!(children[0].0, b"EventData");
    }

    #[test]
    fn reads_separate_attributes_and_string_values() {
        let doc = br##"{"Event_attributes":{"xmlns":"x"},"Event":{"System":{"Provider_attributes":{"Name":"MSExchange CmdletLogs"},"EventID_attributes":{"Qualifiers":"16384"},"EventID":"1","Level":"4","Task":"1","TimeCreated_attributes":{"SystemTime":"2021-11-19T16:52:33.833733500Z"},"EventRecordID":"3229","Channel":null,"Computer":"WEC.ave.local"}}}"##;
        let r = scan(doc, Depth::Full).unwrap();
        assert_eq!(r.provider(), "MSExchange CmdletLogs");
        assert_eq!(r.event_id(), 1);
        assert_eq!(r.qualifiers(), Some(16384));
        assert_eq!(r.level(), Some(4));
        assert_eq!(r.task(), Some(1));
        assert_eq!(r.record_id(), Some(3229));
        assert_eq!(r.channel(), "");
        assert_eq!(r.time_us(), Some(1_637_340_753_833_733));
    }

    #[test]
    fn missing_or_odd_fields_give_defaults() {
        let r = scan(br##"{"Event":{"System":{"Provider":null,"EventID":{"#text":[1]},"Level":300,"Keywords":"zz","TimeCreated":{"#attributes":{"SystemTime":"yesterday"}}}}}"##, Depth::Full).unwrap();
        assert_eq!(r.provider(), "");
        assert_eq!(r.event_id(), 0);
        assert_eq!(r.qualifiers(), None);
        assert_eq!(r.level(), None);
        assert_eq!(r.keywords(), None);
        assert_eq!(r.time_us(), None);
        assert_eq!(r.computer(), "");
        let r = scan(br##"{"Event":{"EventData":null}}"##, Depth::Full).unwrap();
        assert_eq!(r.provider(), "");
        assert_eq!(r.other_children().unwrap().len(), 1);
        assert_eq!(
            scan(b"{}", Depth::Full).unwrap_err(),
            Unreadable("no Event object")
        );
        assert!(scan(br##"{"Event":{"System":{"EventID":}}}"##, Depth::Full).is_err());
        assert!(scan(b"not json", Depth::Full).is_err());
    }

    #[test]
    fn head_scan_stops_after_provider_and_event_id() {
        // Everything after EventID is garbage: a head scan never gets there.
        let doc = br##"{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"P"}},"EventID":5,"Level":]]]"##;
        let r = scan(doc, Depth::Head).unwrap();
        assert_eq!((r.provider().as_ref(), r.event_id()), ("P", 5));
        assert!(scan(doc, Depth::Full).is_err());
        // Head and full scans agree, and the other children are found either way.
        for depth in [Depth::Head, Depth::Full] {
            let r = scan(CLASSIC, depth).unwrap();
            assert_eq!(
                (r.provider().as_ref(), r.event_id(), r.qualifiers()),
                ("EventLog", 6009, Some(32768))
            );
            let children = r.other_children().unwrap();
            assert_eq!(children.len(), 1);
            assert!(children[0].1.starts_with(br#"{"Data""#));
        }
    }

    #[test]
    fn escaped_provider_names_are_decoded() {
        let r = scan(br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"A\"B\\C\u00e9"}},"EventID":70000}}}"##, Depth::Full).unwrap();
        assert_eq!(r.provider(), "A\"B\\C\u{e9}");
        assert_eq!(r.event_id_full(), Some(70000));
        assert_eq!(r.event_id(), 70000u32 as u16);
    }
}
