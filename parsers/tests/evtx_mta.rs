//! Message text from an `.MTA` locale file, built in the test following the format in evtx
//! 0.15.1 `docs/mta.md` (header, section table, paged `EVT`/`MSG`/`PUB` sections).

mod evtx_common;

use evtx_common::sample;
use scomtriage_parsers::evtx::{parse_evtx, EventFilter};

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// One section: a single page (888-byte header, up to 100 records) of `(index, payload)`.
fn section(records: &[(u32, Vec<u8>)]) -> Vec<u8> {
    assert!(records.len() <= 100);
    let mut page = vec![0u8; 888];
    page[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    page[60..64].copy_from_slice(&u32::MAX.to_le_bytes());
    // Page number 0; next page = this page (offset 0) marks the last page.
    let mut body = Vec::new();
    for (slot, (index, payload)) in records.iter().enumerate() {
        let offset = (888 + body.len()) as u64;
        page[88 + slot * 8..96 + slot * 8].copy_from_slice(&offset.to_le_bytes());
        body.extend_from_slice(&index.to_le_bytes());
        body.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        body.extend_from_slice(payload);
    }
    page.extend(body);
    page
}

/// An MTA file with `messages` (MSG), `events` (EVT: position → (EventRecordID, MSG index))
/// and `publishers` (PUB, empty name tables).
fn mta(messages: &[&str], events: &[(u64, u64)], publishers: &[&str]) -> Vec<u8> {
    let msg: Vec<(u32, Vec<u8>)> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut text = utf16(m);
            text.extend([0, 0]);
            let mut p = (text.len() as u32).to_le_bytes().to_vec();
            p.extend(text);
            (i as u32, p)
        })
        .collect();
    let evt: Vec<(u32, Vec<u8>)> = events
        .iter()
        .enumerate()
        .map(|(i, (id, msg))| {
            let mut p = id.to_le_bytes().to_vec();
            p.extend(msg.to_le_bytes());
            (i as u32, p)
        })
        .collect();
    let publ: Vec<(u32, Vec<u8>)> = publishers
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut p = vec![0u8; 16]; // four empty tables
            let name = utf16(name);
            p.extend((name.len() as u32).to_le_bytes());
            p.extend(name);
            (i as u32, p)
        })
        .collect();
    let sections = [
        ("EVT", section(&evt)),
        ("MSG", section(&msg)),
        ("PUB", section(&publ)),
    ];
    let table_len: usize = sections.iter().map(|(n, _)| 20 + n.len() * 2).sum();
    let mut out = b"MTAFile\0".to_vec();
    out.extend(1u32.to_le_bytes());
    out.extend(1u32.to_le_bytes());
    out.extend((table_len as u32).to_le_bytes());
    out.extend((sections.len() as u32).to_le_bytes());
    let mut offset = (24 + table_len) as u64;
    for (name, data) in &sections {
        out.extend(offset.to_le_bytes());
        out.extend((data.len() as u64).to_le_bytes());
        out.extend(((name.len() * 2) as u32).to_le_bytes());
        out.extend(utf16(name));
        offset += data.len() as u64;
    }
    for (_, data) in &sections {
        out.extend(data);
    }
    out
}

#[test]
fn mta_messages_fill_matching_records() {
    let Some(bytes) = sample("mta_messages_fill_matching_records", "system.evtx") else {
        return;
    };
    // Records 1 and 2 of system.evtx are EventLog 6009 and 6005 (EventRecordID = position).
    let file = mta(
        &[
            "",
            "Microsoft (R) Windows (R) 10.00. 15063 Multiprocessor Free.",
            "The Event log service was started.",
        ],
        &[(1, 1), (2, 2), (3, 0)],
        &["EventLog", "DEFAULT_PUBLISHER"],
    );
    let log = parse_evtx(bytes.clone(), &EventFilter::all(), Some(&file)).expect("parses");
    assert!(log.warnings.is_empty(), "{:?}", log.warnings);
    let by_id = |id: u64| {
        log.records
            .iter()
            .find(|r| r.record_id == id)
            .expect("record")
    };
    assert_eq!(
        by_id(1).message.as_deref(),
        Some("Microsoft (R) Windows (R) 10.00. 15063 Multiprocessor Free.")
    );
    assert_eq!(
        by_id(2).message.as_deref(),
        Some("The Event log service was started.")
    );
    // Its publisher is not in the file: no message.
    assert_eq!(by_id(3).provider, "Microsoft-Windows-Kernel-General");
    assert_eq!(by_id(3).message, None);
    // No EVT entry for it.
    let later = log
        .records
        .iter()
        .find(|r| r.provider == "EventLog" && r.record_id > 3)
        .expect("another EventLog record");
    assert_eq!(later.message, None);

    // Without the MTA nothing else changes.
    let plain = parse_evtx(bytes, &EventFilter::all(), None).expect("parses");
    assert_eq!(plain.integrity, log.integrity);
    assert!(plain.records.iter().all(|r| r.message.is_none()));
    let strip = |r: &scomtriage_parsers::EventRecord| {
        let mut r = r.clone();
        r.message = None;
        r
    };
    assert!(plain
        .records
        .iter()
        .zip(&log.records)
        .all(|(a, b)| *a == strip(b)));
}

#[test]
fn bad_mta_is_a_warning_not_an_error() {
    let Some(bytes) = sample("bad_mta_is_a_warning_not_an_error", "system.evtx") else {
        return;
    };
    for bad in [
        &b"not an MTA file"[..],
        b"",
        b"MTAFile\0\x02\0\0\0\x01\0\0\0",
    ] {
        let log = parse_evtx(bytes.clone(), &EventFilter::all(), Some(bad)).expect("parses");
        assert_eq!(log.integrity.records, 1881);
        assert!(log.records.iter().all(|r| r.message.is_none()));
        assert_eq!(log.warnings.len(), 1, "{:?}", log.warnings);
        assert!(
            log.warnings[0].starts_with("bad MTA locale file"),
            "{}",
            log.warnings[0]
        );
    }
    // Not read at all when no record matches.
    let log = parse_evtx(bytes.clone(), &EventFilter::none(), Some(b"junk")).expect("parses");
    assert!(log.warnings.is_empty(), "{:?}", log.warnings);
    // Read once, however many records match.
    let log = parse_evtx(
        bytes.clone(),
        &EventFilter::for_providers(["EventLog"]),
        Some(b"junk"),
    )
    .expect("parses");
    assert!(log.records.len() > 1);
    assert_eq!(log.warnings.len(), 1, "{:?}", log.warnings);
    // A truncated section table.
    let mut cut = mta(&["x"], &[(1, 0)], &["EventLog"]);
    cut.truncate(40);
    let log = parse_evtx(bytes, &EventFilter::all(), Some(&cut)).expect("parses");
    assert_eq!(log.warnings.len(), 1, "{:?}", log.warnings);
}
