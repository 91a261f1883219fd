//! The sample set of the three-reader cross-check (`corpus/crosscheck/`): a few hundred
//! records in about a dozen files — classic OpsMgr events with non-ASCII text, named data,
//! a multi-chunk file, header minor version 2, an empty log, empty strings, and each
//! damage variant — with the records each reader must return.
//!
//! [`write_samples`] writes the files and `expected.json`, which lists every record's fields
//! and, per reader (`evtx`, `python-evtx`, `libevtx`), the EventRecordIDs it must return,
//! in order, with the reason when that differs from "all of them".

use std::io;
use std::path::Path;

use serde_json::{json, Value};

use super::chunk::{filetime, CHUNK_SIZE};
use super::header::FILE_HEADER_SIZE;
use super::{try_write_evtx, Damage, EventData, EventSpec, WriterOptions};

/// The readers the cross-check compares.
pub const READERS: [&str; 3] = ["evtx", "python-evtx", "libevtx"];

/// What one reader must return for a sample file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// EventRecordIDs, in the order the reader returns them.
    pub record_ids: Vec<u64>,
    /// EventRecordIDs the reader returns separately as recovered (libevtx only).
    pub recovered_ids: Vec<u64>,
    /// Whether the reader reports the damage: evtx returns an error, python-evtx's
    /// `Chunk.verify()` fails for a chunk, libevtx's `is_corrupted()` is true.
    pub notices_damage: bool,
    /// Why this is not simply every record in write order (empty when it is).
    pub why: String,
}

/// One file of the sample set.
#[derive(Debug, Clone)]
pub struct Sample {
    /// File name (`*.evtx`).
    pub name: &'static str,
    /// What the file exercises.
    pub description: &'static str,
    /// Events in write order.
    pub events: Vec<EventSpec>,
    /// Writer options (minor version, damage).
    pub options: WriterOptions,
}

const OPSMGR: &str = "Operations Manager";
const CONNECTOR: &str = "OpsMgr Connector";
const HEALTH: &str = "HealthService";
/// Qualifiers classic providers put on error, warning and information events.
const Q_ERROR: u16 = 49152;
const Q_WARNING: u16 = 32768;
const Q_INFO: u16 = 16384;
const CLASSIC_KEYWORDS: u64 = 0x0080_0000_0000_0000;
/// 2026-11-02T08:00:00Z in microseconds.
const T0: i64 = 1_793_606_400_000_000;

fn classic(
    provider: &str,
    event_id: u16,
    qualifiers: u16,
    level: u8,
    computer: &str,
    data: &[&str],
) -> EventSpec {
    EventSpec {
        provider: provider.to_string(),
        event_id,
        qualifiers: Some(qualifiers),
        level,
        task: 0,
        keywords: CLASSIC_KEYWORDS,
        time_us: 0,
        record_id: 0,
        channel: OPSMGR.to_string(),
        computer: computer.to_string(),
        data: EventData::Unnamed(data.iter().map(|s| s.to_string()).collect()),
    }
}

/// Number events from `first_id`, a few seconds apart (with a sub-second part that
/// exercises every microsecond digit).
fn sequence(events: Vec<EventSpec>, first_id: u64, start_us: i64) -> Vec<EventSpec> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, mut e)| {
            e.record_id = first_id + i as u64;
            e.time_us = start_us + i as i64 * 3_123_457;
            e
        })
        .collect()
}

/// A day in an agent's Operations Manager log, classic events only.
fn opsmgr_day(computer: &str, parent: &str) -> Vec<EventSpec> {
    let c = computer;
    let mut v = vec![
        classic(HEALTH, 7019, Q_INFO, 4, c, &[]),
        classic(CONNECTOR, 20053, Q_INFO, 4, c, &[]),
        classic(
            CONNECTOR,
            21006,
            Q_WARNING,
            3,
            c,
            &[parent, "5723", "10060L", "A connection attempt failed because the connected party did not properly respond after a period of time."],
        ),
        classic(CONNECTOR, 21016, Q_ERROR, 2, c, &[parent, "Contoso-MG"]),
        classic(
            CONNECTOR,
            20071,
            Q_ERROR,
            2,
            c,
            &[parent, "", "0x80090325", "Die Zertifikatkette wurde von einer nicht vertrauenswürdigen Zertifizierungsstelle ausgestellt. (Zürich)"],
        ),
        classic(CONNECTOR, 21023, Q_INFO, 4, c, &["", "", ""]),
        classic(HEALTH, 1210, Q_INFO, 4, c, &["Contoso-MG", "東京 管理グループ"]),
        classic(
            "Health Service Modules",
            21405,
            Q_WARNING,
            3,
            c,
            &["C:\\Program Files\\Microsoft Monitoring Agent\\Agent\\Health Service State\\Monitoring Host Temporary Files 12\\18027\\Script.vbs", "5", "<>&\"' \t tab", "Contoso-MG"],
        ),
        classic(CONNECTOR, 20070, Q_ERROR, 2, c, &[parent]),
        classic(HEALTH, 2023, Q_INFO, 4, c, &["一最 low-byte-zero code units: 一 最 倀"]),
    ];
    // Noise from other classic providers in the same log.
    for i in 0..10u16 {
        v.push(classic(
            "HealthService",
            4002 + i,
            Q_WARNING,
            3,
            c,
            &[
                "Microsoft.SystemCenter.HealthService",
                &format!("instance {i}"),
                "Zürich",
                "",
            ],
        ));
    }
    v
}

/// Named-data events (manifest providers), some without qualifiers.
fn named_events(computer: &str) -> Vec<EventSpec> {
    let named = |provider: &str,
                 event_id: u16,
                 level: u8,
                 task: u16,
                 keywords: u64,
                 pairs: &[(&str, &str)]| EventSpec {
        provider: provider.to_string(),
        event_id,
        qualifiers: None,
        level,
        task,
        keywords,
        time_us: 0,
        record_id: 0,
        channel: "System".to_string(),
        computer: computer.to_string(),
        data: EventData::Named(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
    };
    let mut v = vec![
        named(
            "Service Control Manager",
            7036,
            4,
            0,
            0x8080_0000_0000_0000,
            &[
                ("param1", "Microsoft Monitoring Agent"),
                ("param2", "running"),
                ("Binary", "480065"),
            ],
        ),
        named(
            "Microsoft-Windows-CAPI2",
            11,
            2,
            11,
            0x4000_0000_0000_0000,
            &[("Certificate", "CN=gw-東京.contoso.com"), ("Status", "")],
        ),
        named(
            "Microsoft-Windows-Kernel-General",
            12,
            4,
            1,
            0x8000_0000_0000_0080,
            &[
                ("MajorVersion", "10"),
                ("MinorVersion", "0"),
                ("BuildVersion", "20348"),
                ("QfeVersion", "2849"),
                ("ServiceVersion", "0"),
                ("BootMode", "0"),
                ("StartTime", "2026-11-02T07:59:01.5000000Z"),
            ],
        ),
    ];
    for i in 0..12u16 {
        v.push(named(
            "Microsoft-Windows-Schannel",
            36882 + (i % 3),
            if i % 2 == 0 { 2 } else { 4 },
            0,
            0x8000_0000_0000_0000,
            &[
                ("TargetName", "ms01.contoso.com"),
                ("Zürich", &format!("Wert {i}")),
                ("Empty", ""),
            ],
        ));
    }
    // A named event that keeps its qualifiers (as some classic-registered manifest
    // providers write them).
    let mut with_q = named(
        "EventLog",
        6005,
        4,
        0,
        CLASSIC_KEYWORDS,
        &[("Message", "The Event log service was started.")],
    );
    with_q.qualifiers = Some(Q_WARNING);
    v.push(with_q);
    v
}

/// Bulk events with long strings so that a few dozen fill a chunk.
fn bulk(count: usize, computer: &str) -> Vec<EventSpec> {
    (0..count)
        .map(|i| {
            let long = format!(
                "Bulk noise {i}: {} Zürich 東京 {}",
                "The health service has processed a workflow. ".repeat(20 + i % 7),
                "x".repeat(i % 13)
            );
            classic(
                if i % 3 == 0 {
                    HEALTH
                } else {
                    "Health Service Script"
                },
                (6000 + i % 50) as u16,
                Q_INFO,
                4,
                computer,
                &[&long, &i.to_string(), ""],
            )
        })
        .collect()
}

fn options(minor_version: u16, damage: Damage) -> WriterOptions {
    WriterOptions {
        minor_version,
        damage,
    }
}

/// The sample set.
pub fn samples() -> Vec<Sample> {
    let agent = "agent-東京.contoso.com";
    let gw = "GW01.zürich.contoso.com";
    let three_chunks = || sequence(bulk(80, "ms01.contoso.com"), 5001, T0 + 7_000_000_000);
    let damaged = |name, description, damage| Sample {
        name,
        description,
        events: three_chunks(),
        options: options(1, damage),
    };
    let mut classic_day = opsmgr_day(agent, gw);
    classic_day.extend(opsmgr_day("ms01", "ms01.contoso.com"));
    vec![
        Sample {
            name: "classic-opsmgr.evtx",
            description: "classic OpsMgr Connector/HealthService events, non-ASCII and empty strings, two computers (two System templates)",
            events: sequence(classic_day, 101, T0),
            options: options(1, Damage::default()),
        },
        Sample {
            name: "named-data.evtx",
            description: "manifest-style named <Data Name=…>, no qualifiers, empty values, non-ASCII names",
            events: sequence(named_events(gw), 2001, T0 + 1_000_000_000),
            options: options(1, Damage::default()),
        },
        Sample {
            name: "multi-chunk.evtx",
            description: "three chunks of bulk events mixed with classic ones (templates redefined per chunk)",
            events: {
                let mut v = bulk(60, agent);
                v.extend(opsmgr_day(agent, gw));
                v.extend(named_events(agent));
                sequence(v, 3001, T0 + 2_000_000_000)
            },
            options: options(1, Damage::default()),
        },
        Sample {
            name: "minor-version-2.evtx",
            description: "header minor version 2 (Windows 10 2004+): the larger System block",
            events: {
                let mut v = opsmgr_day(gw, "ms01.contoso.com");
                v.extend(named_events(gw).into_iter().take(4));
                sequence(v, 4001, T0 + 3_000_000_000)
            },
            options: options(2, Damage::default()),
        },
        Sample {
            name: "empty.evtx",
            description: "an empty log: header and one empty chunk",
            events: vec![],
            options: options(1, Damage::default()),
        },
        damaged(
            "damage-truncated.evtx",
            "cut in the middle of the last chunk",
            Damage {
                truncate_to: Some((FILE_HEADER_SIZE + 2 * CHUNK_SIZE + CHUNK_SIZE / 2) as u64),
                ..Damage::default()
            },
        ),
        damaged(
            "damage-bad-crc.evtx",
            "chunk 1: stored data CRC wrong, records intact",
            Damage {
                bad_chunk_crc: vec![1],
                ..Damage::default()
            },
        ),
        damaged(
            "damage-bad-magic.evtx",
            "chunk 1: magic overwritten",
            Damage {
                bad_chunk_magic: vec![1],
                ..Damage::default()
            },
        ),
        damaged(
            "damage-dirty.evtx",
            "header dirty flag set (CRC recomputed)",
            Damage {
                dirty: true,
                ..Damage::default()
            },
        ),
        damaged(
            "damage-wrapped.evtx",
            "wrapped log: chunks rotated by one, oldest chunk second in the file",
            Damage {
                wrap_by: 1,
                ..Damage::default()
            },
        ),
        damaged(
            "damage-zero-chunk.evtx",
            "chunk 1 filled with zeros",
            Damage {
                zero_chunks: vec![1],
                ..Damage::default()
            },
        ),
    ]
}

/// EventRecordIDs per chunk of the undamaged file, in write order.
fn ids_per_chunk(sample: &Sample) -> Result<Vec<Vec<u64>>, super::EvtxWriteError> {
    let clean = WriterOptions {
        minor_version: sample.options.minor_version,
        damage: Damage::default(),
    };
    let bytes = try_write_evtx(&sample.events, &clean)?;
    let mut out = Vec::new();
    let mut events = sample.events.iter();
    for chunk in bytes[FILE_HEADER_SIZE..].chunks(CHUNK_SIZE) {
        let first = u64::from_le_bytes(chunk[8..16].try_into().unwrap_or_default());
        let last = u64::from_le_bytes(chunk[16..24].try_into().unwrap_or_default());
        let n = last.wrapping_add(1).saturating_sub(first) as usize;
        out.push(events.by_ref().take(n).map(|e| e.record_id).collect());
    }
    Ok(out)
}

/// What each reader must return for `sample`, keyed like [`READERS`].
///
/// The damage variants have 3 chunks and damage chunk 1 (or cut chunk 2); how each reader
/// deals with that was measured with evtx 0.15.1, python-evtx 0.8.1 and libevtx-python
/// 20260705 and is stated in `why`.
pub fn expectations(
    sample: &Sample,
) -> Result<Vec<(&'static str, Expectation)>, super::EvtxWriteError> {
    let per_chunk = ids_per_chunk(sample)?;
    let n = per_chunk.len();
    let all: Vec<u64> = per_chunk.concat();
    let without = |skip: usize| -> Vec<u64> {
        per_chunk
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect()
    };
    let expect =
        |record_ids: Vec<u64>, recovered_ids: Vec<u64>, notices_damage, why: &str| Expectation {
            record_ids,
            recovered_ids,
            notices_damage,
            why: why.to_string(),
        };
    let d = &sample.options.damage;
    let one = |v: &[usize]| -> Option<usize> {
        match v {
            [i] => Some(*i),
            _ => None,
        }
    };
    let (evtx, python, libevtx) = if let Some(len) = d.truncate_to {
        let whole = (len as usize).saturating_sub(FILE_HEADER_SIZE) / CHUNK_SIZE;
        let kept: Vec<u64> = per_chunk[..whole.min(n)].concat();
        let why = "the file ends inside a chunk: every reader drops the partial chunk (evtx and \
                   python-evtx silently; libevtx flags the file corrupted)";
        (
            expect(kept.clone(), vec![], false, why),
            expect(kept.clone(), vec![], false, why),
            expect(kept, vec![], true, why),
        )
    } else if let Some(bad) = one(&d.bad_chunk_crc) {
        (
            expect(
                without(bad),
                vec![],
                true,
                "validate_checksums(true) drops the chunk whose data CRC is wrong, with an error",
            ),
            expect(
                all.clone(),
                vec![],
                true,
                "python-evtx does not check CRCs while iterating (Chunk.verify() is False)",
            ),
            expect(
                all.clone(),
                vec![],
                true,
                "libevtx reads the chunk and flags the file corrupted",
            ),
        )
    } else if let Some(bad) = one(&d.bad_chunk_magic) {
        (
            expect(
                without(bad),
                vec![],
                true,
                "evtx reports 'failed to parse chunk' for the chunk and goes on",
            ),
            expect(
                all.clone(),
                vec![],
                true,
                "python-evtx iterates chunk slots without checking their magic and reads the records",
            ),
            expect(
                without(bad),
                per_chunk[bad].clone(),
                true,
                "libevtx skips the chunk, flags the file corrupted, and returns its records as \
                 recovered records (found by scanning for the record signature)",
            ),
        )
    } else if let Some(zero) = one(&d.zero_chunks) {
        let why = "an all-zero chunk holds nothing: every reader skips it (evtx silently; \
                   python-evtx's Chunk.verify() fails; libevtx flags the file corrupted)";
        (
            expect(without(zero), vec![], false, why),
            expect(without(zero), vec![], true, why),
            expect(without(zero), vec![], true, why),
        )
    } else if !d.wrap_by.is_multiple_of(n.max(1)) {
        let k = d.wrap_by % n;
        let file_order: Vec<u64> = (0..n)
            .flat_map(|i| per_chunk[(i + n - k) % n].iter().copied())
            .collect();
        (
            expect(
                all.clone(),
                vec![],
                false,
                "evtx 0.15 starts at the chunk with the lowest first record id: oldest first",
            ),
            expect(
                file_order.clone(),
                vec![],
                false,
                "python-evtx returns chunks in file order",
            ),
            expect(
                file_order,
                vec![],
                true,
                "libevtx returns chunks in file order and flags the file corrupted (header \
                 first chunk number > last chunk number, as in every wrapped log)",
            ),
        )
    } else {
        // Undamaged, or only the dirty flag.
        (
            expect(all.clone(), vec![], false, ""),
            expect(all.clone(), vec![], false, ""),
            expect(all.clone(), vec![], false, ""),
        )
    };
    Ok(vec![
        (READERS[0], evtx),
        (READERS[1], python),
        (READERS[2], libevtx),
    ])
}

/// A record's fields as the sidecar lists them.
fn record_json(e: &EventSpec) -> Value {
    let data = match &e.data {
        EventData::Unnamed(values) => json!({"kind": "unnamed", "values": values}),
        EventData::Named(pairs) if pairs.is_empty() => json!({"kind": "unnamed", "values": []}),
        EventData::Named(pairs) => json!({"kind": "named", "pairs": pairs}),
    };
    json!({
        "provider": e.provider,
        "event_id": e.event_id,
        "qualifiers": e.qualifiers,
        "level": e.level,
        "task": e.task,
        "keywords": e.keywords,
        "time_us": e.time_us,
        "filetime": filetime(e.time_us),
        "record_id": e.record_id,
        "channel": e.channel,
        "computer": e.computer,
        "data": data,
    })
}

/// Write every sample file into `dir` and `dir/expected.json`; returns the sidecar.
pub fn write_samples(dir: &Path) -> io::Result<Value> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    for sample in samples() {
        let bytes = try_write_evtx(&sample.events, &sample.options).map_err(io::Error::other)?;
        std::fs::write(dir.join(sample.name), &bytes)?;
        let expect: serde_json::Map<String, Value> = expectations(&sample)
            .map_err(io::Error::other)?
            .into_iter()
            .map(|(reader, e)| {
                (
                    reader.to_string(),
                    json!({
                        "record_ids": e.record_ids,
                        "recovered_ids": e.recovered_ids,
                        "notices_damage": e.notices_damage,
                        "why": e.why,
                    }),
                )
            })
            .collect();
        files.push(json!({
            "file": sample.name,
            "description": sample.description,
            "bytes": bytes.len(),
            "minor_version": sample.options.minor_version,
            "records": sample.events.iter().map(record_json).collect::<Vec<_>>(),
            "expect": expect,
        }));
    }
    let sidecar = json!({ "files": files });
    let text = serde_json::to_string_pretty(&sidecar).map_err(io::Error::other)?;
    std::fs::write(dir.join("expected.json"), text)?;
    Ok(sidecar)
}
