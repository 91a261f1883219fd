//! Each damage switch does exactly its damage, and the evtx crate sees it as intended.

mod evtx_support;

use std::io::Cursor;

use evtx::{EvtxParser, ParserSettings};
use evtx_support::{random_events, read_with_evtx, XorShift};
use scomtriage_corpus::evtx::{
    write_evtx, Damage, EventSpec, EvtxWriteError, EvtxWriter, WriterOptions, BAD_CHUNK_MAGIC,
};

const HEADER: usize = 4096;
const CHUNK: usize = 65536;

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// Events filling four chunks, and the record ids per chunk.
fn four_chunks() -> (Vec<EventSpec>, Vec<Vec<u64>>) {
    let mut rng = XorShift::new(2024);
    let mut events = Vec::new();
    let mut next = 0;
    loop {
        let more = random_events(&mut rng, 50, next);
        next = more.last().unwrap().record_id;
        events.extend(more);
        let bytes = write_evtx(&events, &WriterOptions::default());
        if (bytes.len() - HEADER) / CHUNK >= 4 {
            break;
        }
    }
    let bytes = write_evtx(&events, &WriterOptions::default());
    let n = (bytes.len() - HEADER) / CHUNK;
    let mut ids = events.iter().map(|e| e.record_id);
    let per_chunk = (0..n)
        .map(|c| {
            let chunk = &bytes[HEADER + c * CHUNK..];
            let count = u64_at(chunk, 16) - u64_at(chunk, 8) + 1;
            ids.by_ref().take(count as usize).collect()
        })
        .collect();
    (events, per_chunk)
}

fn damaged(events: &[EventSpec], damage: Damage) -> Vec<u8> {
    write_evtx(
        events,
        &WriterOptions {
            minor_version: 1,
            damage,
        },
    )
}

fn chunk(bytes: &[u8], i: usize) -> &[u8] {
    &bytes[HEADER + i * CHUNK..HEADER + (i + 1) * CHUNK]
}

fn header_crc_ok(chunk: &[u8]) -> bool {
    let mut h = crc32fast::Hasher::new();
    h.update(&chunk[0..120]);
    h.update(&chunk[128..512]);
    u32_at(chunk, 124) == h.finalize()
}

fn without(per_chunk: &[Vec<u64>], skip: &[usize]) -> Vec<u64> {
    per_chunk
        .iter()
        .enumerate()
        .filter(|(i, _)| !skip.contains(i))
        .flat_map(|(_, ids)| ids.clone())
        .collect()
}

fn ids(bytes: Vec<u8>) -> (Vec<u64>, usize) {
    let read = read_with_evtx(bytes);
    (
        read.records.iter().map(|r| r.record_id).collect(),
        read.errors.len(),
    )
}

#[test]
fn no_damage_is_the_default_and_changes_nothing() {
    let (events, per_chunk) = four_chunks();
    let clean = write_evtx(&events, &WriterOptions::default());
    assert_eq!(damaged(&events, Damage::default()), clean);
    assert_eq!(ids(clean), (per_chunk.concat(), 0));
}

#[test]
fn bad_chunk_crc_breaks_only_the_data_crc_of_those_chunks() {
    let (events, per_chunk) = four_chunks();
    let clean = write_evtx(&events, &WriterOptions::default());
    let bytes = damaged(
        &events,
        Damage {
            bad_chunk_crc: vec![1, 3, 99],
            ..Damage::default()
        },
    );
    assert_eq!(bytes.len(), clean.len());
    for i in 0..4 {
        let (d, c) = (chunk(&bytes, i), chunk(&clean, i));
        assert!(header_crc_ok(d), "chunk {i} header CRC stays valid");
        assert_eq!(d[512..], c[512..], "records intact");
        let crc_changed = u32_at(d, 52) != u32_at(c, 52);
        assert_eq!(crc_changed, i == 1 || i == 3, "chunk {i}");
    }
    // Checksums validated: chunks 1 and 3 are dropped with one error each.
    assert_eq!(ids(bytes.clone()), (without(&per_chunk, &[1, 3]), 2));
    // Not validated: every record reads.
    let mut parser = EvtxParser::from_buffer(bytes).unwrap();
    let n = parser.records_json_value().filter(|r| r.is_ok()).count();
    assert_eq!(n, events.len());
}

#[test]
fn bad_chunk_magic_makes_evtx_skip_the_chunk_with_an_error() {
    let (events, per_chunk) = four_chunks();
    let bytes = damaged(
        &events,
        Damage {
            bad_chunk_magic: vec![2],
            ..Damage::default()
        },
    );
    assert_eq!(&chunk(&bytes, 2)[0..8], &BAD_CHUNK_MAGIC);
    assert!(header_crc_ok(chunk(&bytes, 2)), "only the magic is wrong");
    assert_eq!(ids(bytes), (without(&per_chunk, &[2]), 1));
}

#[test]
fn zero_chunks_are_skipped_silently() {
    let (events, per_chunk) = four_chunks();
    let bytes = damaged(
        &events,
        Damage {
            zero_chunks: vec![0, 2],
            ..Damage::default()
        },
    );
    assert!(chunk(&bytes, 0).iter().all(|&b| b == 0));
    assert!(chunk(&bytes, 2).iter().all(|&b| b == 0));
    assert_eq!(
        u32_at(&bytes, 42) & 0xffff,
        4,
        "header still counts 4 chunks"
    );
    assert_eq!(ids(bytes), (without(&per_chunk, &[0, 2]), 0));
}

#[test]
fn dirty_sets_the_flag_and_keeps_the_header_crc_valid() {
    let (events, per_chunk) = four_chunks();
    let clean = write_evtx(&events, &WriterOptions::default());
    let bytes = damaged(
        &events,
        Damage {
            dirty: true,
            ..Damage::default()
        },
    );
    assert_eq!(u32_at(&bytes, 120), 1);
    assert_eq!(u32_at(&bytes, 124), crc32fast::hash(&bytes[0..120]));
    assert_eq!(bytes[..120], clean[..120]);
    assert_eq!(bytes[128..], clean[128..]);
    let parser = EvtxParser::from_buffer(bytes.clone()).unwrap();
    assert!(parser.header().validate_checksum());
    assert_eq!(ids(bytes), (per_chunk.concat(), 0));
}

#[test]
fn wrapped_log_puts_the_newest_chunk_first_and_evtx_reads_oldest_first() {
    let (events, per_chunk) = four_chunks();
    let clean = write_evtx(&events, &WriterOptions::default());
    let bytes = damaged(
        &events,
        Damage {
            wrap_by: 1,
            ..Damage::default()
        },
    );
    // File order: logical chunk 3 (newest), then 0, 1, 2.
    for (pos, logical) in [(0, 3), (1, 0), (2, 1), (3, 2)] {
        assert_eq!(chunk(&bytes, pos), chunk(&clean, logical), "position {pos}");
    }
    assert_eq!(u64_at(&bytes, 8), 1, "first (oldest) chunk");
    assert_eq!(u64_at(&bytes, 16), 0, "last (current) chunk");
    assert_eq!(u32_at(&bytes, 124), crc32fast::hash(&bytes[0..120]));
    assert_eq!(ids(bytes), (per_chunk.concat(), 0), "oldest first");

    // Wrapping by the chunk count is no wrap.
    let same = damaged(
        &events,
        Damage {
            wrap_by: 4,
            ..Damage::default()
        },
    );
    assert_eq!(same, clean);
}

#[test]
fn truncation_inside_a_chunk_drops_it_silently_in_evtx() {
    let (events, per_chunk) = four_chunks();
    let cut = HEADER + 3 * CHUNK + 1000;
    let bytes = damaged(
        &events,
        Damage {
            truncate_to: Some(cut as u64),
            ..Damage::default()
        },
    );
    assert_eq!(bytes.len(), cut);
    assert_eq!(ids(bytes), (without(&per_chunk, &[3]), 0));
    // Longer than the file: nothing happens.
    let long = damaged(
        &events,
        Damage {
            truncate_to: Some(u64::MAX),
            ..Damage::default()
        },
    );
    assert_eq!(long, write_evtx(&events, &WriterOptions::default()));
}

#[test]
fn damage_on_wrapped_files_uses_file_positions() {
    let (events, per_chunk) = four_chunks();
    // Zero file position 0, which holds the newest chunk (logical 3) after the wrap.
    let bytes = damaged(
        &events,
        Damage {
            wrap_by: 1,
            zero_chunks: vec![0],
            ..Damage::default()
        },
    );
    assert_eq!(ids(bytes), (without(&per_chunk, &[3]), 0));
}

#[test]
fn streaming_writer_applies_chunk_damage_and_refuses_wrap_and_truncate() {
    let (events, _) = four_chunks();
    let damage = Damage {
        bad_chunk_crc: vec![0],
        bad_chunk_magic: vec![1],
        zero_chunks: vec![2],
        dirty: true,
        ..Damage::default()
    };
    let options = WriterOptions {
        minor_version: 2,
        damage: damage.clone(),
    };
    let mut w = EvtxWriter::new(Cursor::new(Vec::new()), &options).unwrap();
    for e in &events {
        w.push(e).unwrap();
    }
    let streamed = w.finish().unwrap().into_inner();
    assert_eq!(streamed, write_evtx(&events, &options));

    for damage in [
        Damage {
            wrap_by: 1,
            ..Damage::default()
        },
        Damage {
            truncate_to: Some(10),
            ..Damage::default()
        },
    ] {
        let options = WriterOptions {
            minor_version: 1,
            damage,
        };
        assert!(matches!(
            EvtxWriter::new(Cursor::new(Vec::new()), &options),
            Err(EvtxWriteError::UnsupportedDamage { .. })
        ));
    }
}

#[test]
fn settings_without_checksum_validation_still_see_bad_magic() {
    let (events, per_chunk) = four_chunks();
    let bytes = damaged(
        &events,
        Damage {
            bad_chunk_magic: vec![0],
            ..Damage::default()
        },
    );
    let mut parser = EvtxParser::from_buffer(bytes)
        .unwrap()
        .with_configuration(ParserSettings::new().validate_checksums(false));
    let (ok, err): (Vec<_>, Vec<_>) = parser.records_json_value().partition(|r| r.is_ok());
    assert_eq!(ok.len(), without(&per_chunk, &[0]).len());
    assert_eq!(err.len(), 1);
}
