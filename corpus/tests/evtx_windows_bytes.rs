//! The writer reproduces a record Windows wrote, byte for byte.
//!
//! Record 1 of `../shared/data/evtx/system.evtx` (Windows 10 1703, header minor version 1) is
//! a classic `EventLog` 6009 event; record 1 of `Application_no_crc32.evtx` (minor version 2)
//! a classic `SecurityCenter` 1 event without strings. Encoded in an empty chunk, ours must
//! equal each
//! except for what Windows derives by an undocumented algorithm (the System template's
//! GUID and the template id taken from it) and the FILETIME, which Windows keeps at 100 ns
//! and our microsecond input cannot express; those bytes are copied over before comparing.

use scomtriage_corpus::evtx::{write_evtx, EventData, EventSpec, WriterOptions};

#[path = "../../testsupport/shared_data.rs"]
mod shared_data;

fn windows_file(name: &str) -> Option<Vec<u8>> {
    shared_data::shared_file("evtx_windows_bytes", "data/evtx", name)
}

const CHUNK: usize = 4096;
const FIRST_RECORD: usize = CHUNK + 512;

fn record_at(file: &[u8], at: usize) -> &[u8] {
    let size = u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
    &file[at..at + size]
}

/// Encode `event` alone with `minor_version` and compare its record with the first record
/// of the Windows file `name`, after copying over the FILETIMEs, template id and GUID.
fn assert_same_first_record(name: &str, event: EventSpec, minor_version: u16) {
    let Some(windows) = windows_file(name) else {
        return;
    };
    let theirs = record_at(&windows, FIRST_RECORD);
    let options = WriterOptions {
        minor_version,
        ..WriterOptions::default()
    };
    let file = write_evtx(&[event], &options);
    let mut ours = record_at(&file, FIRST_RECORD).to_vec();
    assert_eq!(ours.len(), theirs.len(), "record size");

    // FILETIME: record header and the TimeCreated value.
    let our_time = ours[16..24].to_vec();
    let mut replaced = 0;
    for at in 0..ours.len() - 8 {
        if ours[at..at + 8] == our_time[..] {
            ours[at..at + 8].copy_from_slice(&theirs[16..24]);
            replaced += 1;
        }
    }
    assert_eq!(
        replaced, 2,
        "FILETIME appears in the header and as TimeCreated"
    );
    // Template id (after `0f 01 01 00 0c 01` at 24) and the GUID (after the definition
    // offset and the next-template link).
    ours[30..34].copy_from_slice(&theirs[30..34]);
    ours[42..58].copy_from_slice(&theirs[42..58]);

    let first_difference = ours.iter().zip(theirs).position(|(a, b)| a != b);
    assert_eq!(
        first_difference,
        None,
        "first differing byte (record offset) — ours {:02x?} theirs {:02x?}",
        first_difference.map(|i| &ours[i..(i + 16).min(ours.len())]),
        first_difference.map(|i| &theirs[i..(i + 16).min(theirs.len())]),
    );
}

#[test]
fn classic_record_matches_windows_system_evtx_minor_1() {
    let event = EventSpec {
        provider: "EventLog".into(),
        event_id: 6009,
        qualifiers: Some(32768),
        level: 4,
        task: 0,
        keywords: 0x0080_0000_0000_0000,
        time_us: 1_499_879_788_214_161,
        record_id: 1,
        channel: "System".into(),
        computer: "WIN-P4SIAA0SQCO".into(),
        data: EventData::Unnamed(vec![
            "10.00.".into(),
            "15063".into(),
            "".into(),
            "Multiprocessor Free".into(),
            "0".into(),
        ]),
    };
    assert_same_first_record("system.evtx", event, 1);
}

#[test]
fn classic_record_without_strings_matches_windows_application_evtx_minor_2() {
    // Windows 10 (header minor version 2): the larger System block with Version, Opcode,
    // Correlation and Execution; no strings, so the Data value is Null.
    let event = EventSpec {
        provider: "SecurityCenter".into(),
        event_id: 1,
        qualifiers: Some(0),
        level: 4,
        task: 0,
        keywords: 0x0080_0000_0000_0000,
        time_us: 1_617_234_705_018_767,
        record_id: 426,
        channel: "Application".into(),
        computer: "DESKTOP-0HIJB49".into(),
        data: EventData::Unnamed(vec![]),
    };
    assert_same_first_record("Application_no_crc32.evtx", event, 2);
}

#[test]
fn string_table_matches_windows_for_the_same_names() {
    // Bucket heads of the names our first record defines equal those of the Windows chunk
    // after its first record (Windows' chunk holds more names later, so compare only the
    // offsets our names occupy).
    let Some(windows) = windows_file("system.evtx") else {
        return;
    };
    let event = EventSpec {
        provider: "EventLog".into(),
        event_id: 6009,
        qualifiers: Some(32768),
        level: 4,
        task: 0,
        keywords: 0x0080_0000_0000_0000,
        time_us: 1_499_879_788_214_161,
        record_id: 1,
        channel: "System".into(),
        computer: "WIN-P4SIAA0SQCO".into(),
        data: EventData::Unnamed(vec!["x".into()]),
    };
    let file = write_evtx(&[event], &WriterOptions::default());
    let heads = |f: &[u8]| -> Vec<u32> {
        (0..64)
            .map(|i| {
                let at = CHUNK + 128 + i * 4;
                u32::from_le_bytes(f[at..at + 4].try_into().unwrap())
            })
            .collect()
    };
    let ours = heads(&file);
    let theirs = heads(&windows);
    let mut compared = 0;
    for (i, &offset) in ours.iter().enumerate() {
        if offset == 0 {
            continue;
        }
        // Follow the Windows chain of this bucket to our offset: the name must be there.
        let mut at = theirs[i];
        let mut found = false;
        while at != 0 {
            if at == offset {
                found = true;
                break;
            }
            let p = CHUNK + at as usize;
            at = u32::from_le_bytes(windows[p..p + 4].try_into().unwrap());
        }
        assert!(
            found,
            "bucket {i}: our name at {offset:#x} not in Windows' chain"
        );
        compared += 1;
    }
    assert!(compared >= 15, "compared {compared} buckets");
}
