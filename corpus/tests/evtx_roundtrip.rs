//! Write → read back with the evtx crate (checksums validated) → same fields; determinism;
//! file and chunk header bookkeeping.

mod evtx_support;

use std::io::Cursor;

use evtx_support::{random_events, read_with_evtx, Fields, XorShift};
use scomtriage_corpus::evtx::{
    try_write_evtx, write_evtx, EventData, EventSpec, EvtxWriteError, EvtxWriter, WriterOptions,
};

const HEADER: usize = 4096;
const CHUNK: usize = 65536;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn options(minor_version: u16) -> WriterOptions {
    WriterOptions {
        minor_version,
        ..WriterOptions::default()
    }
}

fn assert_reads_back(events: &[EventSpec], bytes: Vec<u8>) {
    let read = read_with_evtx(bytes);
    assert_eq!(read.errors, Vec::<String>::new());
    assert_eq!(read.records.len(), events.len(), "record count");
    for (got, ev) in read.records.iter().zip(events) {
        assert_eq!(got, &Fields::expected(ev));
    }
}

#[test]
fn random_events_read_back_identically() {
    let mut total = 0;
    let mut chunks = 0;
    for seed in 1..=8u64 {
        let mut rng = XorShift::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let events = random_events(&mut rng, 250, seed * 1000);
        let bytes = write_evtx(&events, &options(1 + (seed % 2) as u16));
        chunks += (bytes.len() - HEADER) / CHUNK;
        assert_reads_back(&events, bytes);
        total += events.len();
    }
    assert_eq!(total, 2000);
    assert!(
        chunks > 8,
        "some files span several chunks ({chunks} chunks)"
    );
}

#[test]
fn classic_opsmgr_events_read_back() {
    let base = EventSpec {
        provider: "OpsMgr Connector".into(),
        event_id: 21006,
        qualifiers: Some(32768),
        level: 3,
        task: 0,
        keywords: 0x0080_0000_0000_0000,
        time_us: 1_732_000_000_000_000,
        record_id: 1,
        channel: "Operations Manager".into(),
        computer: "agent01.contoso.com".into(),
        data: EventData::Unnamed(vec![
            "ms01.contoso.com".into(),
            "5723".into(),
            "10060L".into(),
        ]),
    };
    let mut events = vec![base.clone()];
    for (i, data) in [
        EventData::Unnamed(vec![]),
        EventData::Unnamed(vec![String::new()]),
        EventData::Unnamed(vec![String::new(), "x".into(), String::new()]),
        EventData::Unnamed(vec!["Zürich".into(), "東京".into()]),
        EventData::Named(vec![]),
        EventData::Named(vec![("Status".into(), String::new())]),
    ]
    .into_iter()
    .enumerate()
    {
        events.push(EventSpec {
            record_id: 2 + i as u64,
            qualifiers: None,
            data,
            ..base.clone()
        });
    }
    assert_reads_back(&events, write_evtx(&events, &options(1)));
    assert_reads_back(&events, write_evtx(&events, &options(2)));
}

#[test]
fn same_input_gives_same_bytes() {
    let mut rng = XorShift::new(42);
    let events = random_events(&mut rng, 300, 0);
    let a = write_evtx(&events, &options(1));
    let b = write_evtx(&events.clone(), &options(1));
    assert_eq!(a, b);
    let c = write_evtx(&events, &options(2));
    assert_ne!(a, c, "minor version changes the bytes");
}

#[test]
fn headers_count_chunks_records_and_free_space() {
    let mut rng = XorShift::new(7);
    let events = random_events(&mut rng, 600, 100);
    let bytes = write_evtx(&events, &options(1));
    assert_eq!((bytes.len() - HEADER) % CHUNK, 0);
    let n = (bytes.len() - HEADER) / CHUNK;
    assert!(n >= 3, "{n} chunks");

    // File header.
    assert_eq!(&bytes[0..8], b"ElfFile\0");
    assert_eq!(u64_at(&bytes, 8), 0, "first chunk");
    assert_eq!(u64_at(&bytes, 16), n as u64 - 1, "last chunk");
    let max_id = events.iter().map(|e| e.record_id).max().unwrap();
    assert_eq!(u64_at(&bytes, 24), max_id + 1, "next record id");
    assert_eq!(u32_at(&bytes, 32), 128);
    assert_eq!(u16_at(&bytes, 36), 1);
    assert_eq!(u16_at(&bytes, 38), 3);
    assert_eq!(u16_at(&bytes, 40), 4096);
    assert_eq!(u16_at(&bytes, 42) as usize, n);
    assert_eq!(u32_at(&bytes, 120), 0, "clean");
    assert_eq!(u32_at(&bytes, 124), crc32fast::hash(&bytes[0..120]));

    // Chunks: numbers 1.. continuous across chunks, ids of first/last record, free space.
    let mut next_number = 1u64;
    let mut ids = events.iter().map(|e| e.record_id);
    for c in 0..n {
        let chunk = &bytes[HEADER + c * CHUNK..HEADER + (c + 1) * CHUNK];
        assert_eq!(&chunk[0..8], b"ElfChnk\0");
        let (first_no, last_no) = (u64_at(chunk, 8), u64_at(chunk, 16));
        assert_eq!(first_no, next_number);
        let free = u32_at(chunk, 48) as usize;
        assert!(free <= CHUNK - 8, "at least 8 bytes stay free: {free}");
        assert_eq!(u32_at(chunk, 40), 128);
        assert_eq!(u32_at(chunk, 120), 1, "chunk flags");
        assert_eq!(u32_at(chunk, 52), crc32fast::hash(&chunk[512..free]));
        let mut h = crc32fast::Hasher::new();
        h.update(&chunk[0..120]);
        h.update(&chunk[128..512]);
        assert_eq!(u32_at(chunk, 124), h.finalize());
        assert!(chunk[free..].iter().all(|&b| b == 0), "tail zeroed");
        // Walk the records.
        let mut at = 512;
        let mut last = 0;
        let mut last_id = 0;
        let mut count = 0u64;
        while at < free {
            assert_eq!(u32_at(chunk, at), 0x2a2a);
            let size = u32_at(chunk, at + 4) as usize;
            assert_eq!(size % 8, 0, "records padded to 8 bytes");
            assert_eq!(u32_at(chunk, at + size - 4) as usize, size, "size copy");
            let id = u64_at(chunk, at + 8);
            assert_eq!(Some(id), ids.next());
            if count == 0 {
                assert_eq!(u64_at(chunk, 24), id, "first record id");
            }
            last_id = id;
            last = at;
            at += size;
            count += 1;
        }
        assert_eq!(at, free);
        assert_eq!(u64_at(chunk, 32), last_id, "last record id");
        assert_eq!(u32_at(chunk, 44) as usize, last, "last record offset");
        assert_eq!(last_no, first_no + count - 1);
        next_number = last_no + 1;
        let nonzero_templates = (0..32).filter(|i| u32_at(chunk, 384 + i * 4) != 0).count();
        assert!(nonzero_templates > 0, "template table populated");
    }
    assert_eq!(ids.next(), None);
    assert_eq!(next_number - 1, events.len() as u64);
}

#[test]
fn empty_log_is_header_and_one_empty_chunk() {
    let bytes = write_evtx(&[], &options(1));
    assert_eq!(bytes.len(), HEADER + CHUNK);
    assert_eq!(u16_at(&bytes, 42), 1);
    assert_eq!(u64_at(&bytes, 24), 1, "next record id");
    assert_eq!(u32_at(&bytes, HEADER + 48), 512, "free space offset");
    let read = read_with_evtx(bytes);
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    assert!(read.records.is_empty());
}

#[test]
fn streaming_writer_matches_write_evtx() {
    let mut rng = XorShift::new(99);
    let events = random_events(&mut rng, 400, 5);
    let mut out = Cursor::new(vec![0xAAu8; 3]);
    out.set_position(3);
    let mut writer = EvtxWriter::new(out, &options(2)).unwrap();
    for e in &events {
        writer.push(e).unwrap();
    }
    let out = writer.finish().unwrap();
    assert_eq!(
        out.position() as usize,
        out.get_ref().len(),
        "left at the end"
    );
    let streamed = out.into_inner();
    assert_eq!(&streamed[..3], &[0xAA; 3], "starts where the output stood");
    assert_eq!(streamed[3..], write_evtx(&events, &options(2))[..]);
}

#[test]
fn oversized_event_is_an_error_not_a_corrupt_file() {
    let ev = EventSpec {
        provider: "p".into(),
        event_id: 1,
        qualifiers: None,
        level: 4,
        task: 0,
        keywords: 0,
        time_us: 0,
        record_id: 1,
        channel: "c".into(),
        computer: "h".into(),
        data: EventData::Unnamed(vec!["x".repeat(20_000); 2]),
    };
    // 80 KB of UTF-16 does not fit; 40 KB does.
    match try_write_evtx(std::slice::from_ref(&ev), &options(1)) {
        Err(EvtxWriteError::RecordTooLarge {
            record_id: 1,
            size,
            max,
        }) => {
            assert!(size > max, "{size} > {max}")
        }
        other => panic!("expected RecordTooLarge, got {:?}", other.map(|b| b.len())),
    }
    let fits = EventSpec {
        data: EventData::Unnamed(vec!["x".repeat(20_000)]),
        ..ev
    };
    let events = vec![
        fits.clone(),
        EventSpec {
            record_id: 2,
            ..fits
        },
    ];
    let bytes = write_evtx(&events, &options(1));
    assert_eq!(
        bytes.len(),
        HEADER + 2 * CHUNK,
        "one large record per chunk"
    );
    assert_reads_back(&events, bytes);
}
