//! Integrity report and fatal errors, on damaged copies of a real log made in the test.

mod evtx_common;

use evtx_common::{all_files, evtx_dir, sample};
use scomtriage_parsers::evtx::{parse_evtx, EventFilter, EvtxError, EvtxLog};

const HEADER: usize = 4096;
const CHUNK: usize = 65536;

fn parse(bytes: Vec<u8>) -> EvtxLog {
    parse_evtx(bytes, &EventFilter::none(), None).expect("parses")
}

fn chunk_start(i: usize) -> usize {
    HEADER + i * CHUNK
}

/// Recompute the file header CRC32 (bytes 0..120, stored at 124).
fn fix_header_crc(bytes: &mut [u8]) {
    let crc = crc32fast::hash(&bytes[..120]);
    bytes[124..128].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn intact_security_log() {
    let Some(bytes) = sample("intact_security_log", "security.evtx") else {
        return;
    };
    let log = parse(bytes.clone());
    let i = &log.integrity;
    assert!(i.header_checksum_ok);
    assert!(i.dirty, "security.evtx was copied while open");
    assert!(!i.full);
    assert_eq!(i.header_chunk_count, 26);
    assert_eq!(i.chunks_in_file, ((bytes.len() - HEADER) / CHUNK) as u64);
    assert!(
        i.bad_checksum_chunks.is_empty(),
        "{:?}",
        i.bad_checksum_chunks
    );
    assert!(!i.truncated);
    assert_eq!(i.trailing_bytes, 0);
    assert_eq!(
        (i.records, i.record_errors, i.first_error.as_deref()),
        (2261, 0, None)
    );
    assert!(log.warnings.is_empty());
}

#[test]
fn truncated_inside_chunk_10_is_reported() {
    let Some(bytes) = sample("truncated_inside_chunk_10_is_reported", "security.evtx") else {
        return;
    };
    let cut = chunk_start(10) + 12_345;
    let log = parse(bytes[..cut].to_vec());
    let i = &log.integrity;
    assert!(i.truncated);
    assert_eq!(i.trailing_bytes, 12_345);
    assert_eq!(i.chunks_in_file, 10);
    assert_eq!(
        i.record_errors, 0,
        "the crate drops the partial chunk silently"
    );
    // Exactly the records of the 10 whole chunks (888, as measured in rust-crates.md §1.1).
    let whole = parse(bytes[..chunk_start(10)].to_vec());
    assert!(!whole.integrity.truncated);
    assert_eq!(i.records, whole.integrity.records);
    assert_eq!(i.records, 888);
}

#[test]
fn flipped_record_byte_marks_its_chunk() {
    let Some(mut bytes) = sample("flipped_record_byte_marks_its_chunk", "security.evtx") else {
        return;
    };
    // Inside the records of chunk 3 (records start at 512 in the chunk).
    bytes[chunk_start(3) + 5_000] ^= 0x01;
    let log = parse(bytes);
    assert_eq!(log.integrity.bad_checksum_chunks, vec![3]);
    assert!(log.integrity.header_checksum_ok);
    // Checksums are not validated while reading: the chunk's records are salvaged.
    assert_eq!(log.integrity.records + log.integrity.record_errors, 2261);
}

#[test]
fn flipped_chunk_header_byte_marks_its_chunk() {
    let Some(mut bytes) = sample("flipped_chunk_header_byte_marks_its_chunk", "security.evtx")
    else {
        return;
    };
    // In the chunk header's string-offset table (covered by the header CRC, unused here).
    bytes[chunk_start(7) + 500] ^= 0x80;
    let log = parse(bytes);
    assert_eq!(log.integrity.bad_checksum_chunks, vec![7]);
}

#[test]
fn zeroed_chunk_magic_is_a_record_error() {
    let Some(mut bytes) = sample("zeroed_chunk_magic_is_a_record_error", "security.evtx") else {
        return;
    };
    bytes[chunk_start(5)..chunk_start(5) + 8].fill(0);
    let log = parse(bytes);
    let i = &log.integrity;
    assert_eq!(i.record_errors, 1);
    let first = i.first_error.as_deref().expect("first error");
    assert!(first.contains("chunk number 5"), "{first}");
    assert!(first.to_lowercase().contains("magic"), "{first}");
    assert!(i.records < 2261);
    assert_eq!(i.bad_checksum_chunks, vec![5]);
}

#[test]
fn dirty_and_full_flags_are_read() {
    let Some(mut bytes) = sample("dirty_and_full_flags_are_read", "security.evtx") else {
        return;
    };
    // Flags at 120 (outside the CRC, which covers 0..120; fixed anyway).
    bytes[120..124].copy_from_slice(&0u32.to_le_bytes());
    fix_header_crc(&mut bytes);
    let clean = parse(bytes.clone()).integrity;
    assert!(!clean.dirty && !clean.full && clean.header_checksum_ok);

    bytes[120..124].copy_from_slice(&1u32.to_le_bytes());
    fix_header_crc(&mut bytes);
    let dirty = parse(bytes.clone()).integrity;
    assert!(dirty.dirty && !dirty.full && dirty.header_checksum_ok);

    bytes[120..124].copy_from_slice(&3u32.to_le_bytes());
    fix_header_crc(&mut bytes);
    let full = parse(bytes).integrity;
    assert!(full.dirty && full.full && full.header_checksum_ok);
}

#[test]
fn broken_header_crc_is_reported_and_records_still_read() {
    let Some(mut bytes) = sample("broken_header_crc", "security.evtx") else {
        return;
    };
    bytes[24] ^= 0x01; // next record id, covered by the header CRC
    let log = parse(bytes);
    assert!(!log.integrity.header_checksum_ok);
    assert_eq!(log.integrity.records, 2261);
    assert!(log.integrity.bad_checksum_chunks.is_empty());
}

#[test]
fn header_only_and_empty_chunk_files() {
    let Some(bytes) = sample("header_only_and_empty_chunk_files", "security.evtx") else {
        return;
    };
    let log = parse(bytes[..HEADER].to_vec());
    let i = &log.integrity;
    assert_eq!((i.records, i.record_errors, i.chunks_in_file), (0, 0, 0));
    assert!(!i.truncated && i.header_checksum_ok);
    assert_eq!(i.header_chunk_count, 26);
    assert!(log.providers.is_empty());

    // Header plus one all-zero chunk: nothing to read, nothing wrong.
    let mut zeroed = bytes[..chunk_start(1)].to_vec();
    zeroed[HEADER..].fill(0);
    let i = parse(zeroed).integrity;
    assert_eq!((i.records, i.record_errors, i.chunks_in_file), (0, 0, 1));
    assert!(i.bad_checksum_chunks.is_empty());

    // A few bytes past the header: truncated, no chunk.
    let i = parse(bytes[..HEADER + 10].to_vec()).integrity;
    assert!(i.truncated);
    assert_eq!((i.trailing_bytes, i.chunks_in_file, i.records), (10, 0, 0));
}

#[test]
fn not_evtx_inputs_are_fatal_errors() {
    let none = EventFilter::none();
    let err = parse_evtx(Vec::new(), &none, None).unwrap_err();
    assert_eq!(err, EvtxError::NotEvtx("empty input".into()));

    let err = parse_evtx(b"MZ\x90\x00 this is a PE file".to_vec(), &none, None).unwrap_err();
    match err {
        EvtxError::NotEvtx(text) => assert!(text.contains("4d 5a 90 00"), "{text}"),
        other => panic!("{other:?}"),
    }
    // Magic but shorter than the 4 KiB header.
    let mut short = b"ElfFile\0".to_vec();
    short.resize(1000, 0);
    match parse_evtx(short, &none, None).unwrap_err() {
        EvtxError::NotEvtx(text) => assert!(text.contains("1000 bytes"), "{text}"),
        other => panic!("{other:?}"),
    }
    // Random bytes, including the ElfFile magic with garbage after it: never a panic.
    let mut seed = 0x9e37_79b9_u32;
    for len in [8, 128, 4096, 4096 + 65536, 3 * 65536] {
        let mut junk: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect();
        let _ = parse_evtx(junk.clone(), &EventFilter::all(), None);
        junk[..8].copy_from_slice(b"ElfFile\0");
        if let Ok(log) = parse_evtx(junk, &EventFilter::all(), None) {
            assert_eq!(log.integrity.records, 0);
        }
    }
}

/// Our chunk CRC check agrees with the crate's `EvtxChunkData::validate_checksum` on every
/// chunk of every sample.
#[test]
fn chunk_checksums_agree_with_the_crate() {
    let Some(dir) = evtx_dir("chunk_checksums_agree_with_the_crate") else {
        return;
    };
    let mut bad_seen = 0;
    for path in all_files(&dir) {
        let bytes = std::fs::read(&path).expect("sample");
        let ours = parse(bytes.clone()).integrity.bad_checksum_chunks;
        let theirs: Vec<u64> = bytes[HEADER..]
            .chunks_exact(CHUNK)
            .enumerate()
            .filter(|(_, c)| !c.iter().all(|&b| b == 0))
            .filter(|(_, c)| {
                evtx::EvtxChunkData::new(c.to_vec(), false)
                    .map(|chunk| !chunk.validate_checksum())
                    .unwrap_or(true)
            })
            .map(|(i, _)| i as u64)
            .collect();
        assert_eq!(ours, theirs, "{}", path.display());
        bad_seen += ours.len();
    }
    println!("{bad_seen} bad chunks across the samples");
}
