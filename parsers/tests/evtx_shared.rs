//! EVTX parsing over the real samples in `../shared/data/evtx` (skipped when absent).

mod evtx_common;

use evtx_common::{all_files, evtx_dir, expected_counts, sample};
use scomtriage_parsers::evtx::{parse_evtx, EventFilter, EventRecord, EvtxLog};
use serde_json::Value;

fn parse(bytes: &[u8], filter: &EventFilter) -> EvtxLog {
    parse_evtx(bytes.to_vec(), filter, None).expect("parses")
}

fn find(log: &EvtxLog, record_id: u64) -> &EventRecord {
    log.records
        .iter()
        .find(|r| r.record_id == record_id)
        .unwrap_or_else(|| panic!("record {record_id} missing"))
}

fn u(v: &str) -> (Option<String>, String) {
    (None, v.to_string())
}

fn n(name: &str, v: &str) -> (Option<String>, String) {
    (Some(name.to_string()), v.to_string())
}

/// The acceptance check: records and record errors equal `expected-counts.tsv`.
#[test]
fn counts_match_expected_counts_tsv() {
    let Some(dir) = evtx_dir("counts_match_expected_counts_tsv") else {
        return;
    };
    let expected = expected_counts(&dir);
    assert_eq!(expected.len(), all_files(&dir).len(), "one line per sample");
    for (file, records, errors) in expected {
        let bytes = std::fs::read(dir.join(&file)).expect("sample");
        let log = parse(&bytes, &EventFilter::none());
        let i = &log.integrity;
        assert_eq!((i.records, i.record_errors), (records, errors), "{file}");
        assert_eq!(i.first_error.is_some(), errors > 0, "{file}");
        assert!(log.records.is_empty(), "{file}: none() keeps nothing");
        assert_eq!(log.providers.values().sum::<u64>(), records, "{file}");
        assert_eq!(i.file_len, bytes.len() as u64, "{file}");
        assert!(!i.truncated, "{file}: samples are whole");
    }
}

/// Filtering changes which records are decoded, never what is counted.
#[test]
fn filters_keep_counts_and_select_records() {
    let Some(bytes) = sample("filters_keep_counts_and_select_records", "system.evtx") else {
        return;
    };
    let all = parse(&bytes, &EventFilter::all());
    let none = parse(&bytes, &EventFilter::none());
    assert_eq!(all.integrity, none.integrity);
    assert_eq!(all.providers, none.providers);
    assert_eq!(all.records.len() as u64, all.integrity.records);
    assert_eq!(all.integrity.records, 1881);

    // Provider names compare case-insensitively.
    let eventlog = parse(&bytes, &EventFilter::for_providers(["eventlog"]));
    assert_eq!(eventlog.providers, all.providers);
    assert_eq!(
        eventlog.records.len() as u64,
        all.providers["EventLog"],
        "every EventLog record"
    );
    let expected: Vec<&EventRecord> = all
        .records
        .iter()
        .filter(|r| r.provider == "EventLog")
        .collect();
    assert_eq!(eventlog.records.iter().collect::<Vec<_>>(), expected);

    // Event ids alone, and both together.
    let ids = parse(&bytes, &EventFilter::default().with_event_ids([6005, 7036]));
    let expected: Vec<&EventRecord> = all
        .records
        .iter()
        .filter(|r| r.event_id == 6005 || r.event_id == 7036)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ids.records.iter().collect::<Vec<_>>(), expected);
    let both = parse(
        &bytes,
        &EventFilter::for_providers(["EVENTLOG"]).with_event_ids([6005, 7036]),
    );
    assert!(!both.records.is_empty());
    assert!(both
        .records
        .iter()
        .all(|r| r.provider == "EventLog" && r.event_id == 6005));
    assert!(EventFilter::all().matches("x", 1));
    assert!(!EventFilter::none().matches("x", 1));
    assert!(EventFilter::for_providers(["Événement"]).matches("éVÉNEMENT", 3));
}

/// Known records, with values read from the crate's own JSON output (`evtx_dump` shape).
#[test]
fn known_records_are_normalised() {
    let Some(dir) = evtx_dir("known_records_are_normalised") else {
        return;
    };
    let read = |name: &str| {
        parse(
            &std::fs::read(dir.join(name)).expect("sample"),
            &EventFilter::all(),
        )
    };

    // Classic event: EventID with Qualifiers, unnamed string-array data.
    let system = read("system.evtx");
    let r = find(&system, 1);
    assert_eq!(r.provider, "EventLog");
    assert_eq!((r.event_id, r.qualifiers), (6009, Some(32768)));
    assert_eq!((r.level, r.task), (Some(4), Some(0)));
    assert_eq!(r.keywords, Some(0x0080_0000_0000_0000));
    assert_eq!(r.computer, "WIN-P4SIAA0SQCO");
    assert_eq!(r.channel, "System");
    // "2017-07-12T17:16:28.2141616Z"
    assert_eq!(r.time_us, 1_499_879_788_214_161);
    assert_eq!(
        r.data,
        vec![
            u("10.00."),
            u("15063"),
            u(""),
            u("Multiprocessor Free"),
            u("0")
        ]
    );
    assert_eq!(r.message, None);
    // Binary only.
    assert_eq!(
        find(&system, 2).data,
        vec![n(
            "Binary",
            "E107070003000C00110010001C00D6000000000000000000"
        )]
    );
    // Manifest event: named, typed data.
    let r = find(&system, 3);
    assert_eq!(
        (r.provider.as_str(), r.event_id, r.qualifiers),
        ("Microsoft-Windows-Kernel-General", 12, None)
    );
    assert_eq!(
        r.data[..2],
        [n("MajorVersion", "10"), n("MinorVersion", "0")]
    );
    assert_eq!(r.data[6], n("StartTime", "2017-07-12T17:16:05.4992599Z"));

    // Named data in order; numbers as text.
    let security = read("security.evtx");
    let r = find(&security, 2);
    assert_eq!(
        (r.provider.as_str(), r.event_id),
        ("Microsoft-Windows-Security-Auditing", 4624)
    );
    assert_eq!(r.data[0], n("SubjectUserSid", "S-1-0-0"));
    assert_eq!(r.data[8], n("LogonType", "0"));
    assert_eq!(r.data.len(), 20);
    assert!(find(&security, 1).data.is_empty(), "EventData null");

    // A repeated Data name appears twice under its own name.
    let log0 = read("Security_with_size_t.evtx");
    let r = find(&log0, 4);
    let guids: Vec<_> = r
        .data
        .iter()
        .filter(|(k, _)| k.as_deref() == Some("LogonGuid"))
        .collect();
    assert_eq!(guids.len(), 2);

    // Forwarded classic event with every System value as a string, and a RenderingInfo-free
    // record: qualifiers from a string attribute.
    let log1 = read("MSExchange_Management_wec.evtx");
    let r = find(&log1, 3229);
    assert_eq!(
        (r.provider.as_str(), r.event_id, r.qualifiers),
        ("MSExchange CmdletLogs", 1, Some(16384))
    );
    assert_eq!((r.level, r.task), (Some(4), Some(1)));
    assert_eq!(r.data[0], u("Set-Mailbox"));
    assert_eq!(r.data.len(), 27);
    assert!(r.data[10].1.starts_with("Afficher la forêt entière"));

    // Forwarded event carrying its own RenderingInfo message.
    let log2 =
        read("E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx");
    let r = find(&log2, 161);
    assert_eq!(
        r.data,
        vec![n(
            "SelectionData",
            "Region Codes:US \nSKUs:6 \nGroup Cell Width:6\n"
        )]
    );
    assert!(r
        .message
        .as_deref()
        .is_some_and(|m| m.starts_with("TraceLayoutSelectionData")));

    // UserData: leaves named by element, attributes as element/@name.
    let log3 = read(
        "E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
    );
    let r = find(&log3, 262);
    assert_eq!(
        r.data,
        vec![
            n("EventAuxInfo/@ProcessName", "Setup.exe"),
            n(
                "CorrelationAuxInfo/@TaskId",
                "{03D32115-332E-4064-9B62-DD5768ACADF1}"
            ),
            n("CorrelationAuxInfo/@SeqNumber", "11"),
        ]
    );
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn num(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => match s.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => s.parse().ok(),
        },
        Value::Object(m) => m.get("#text").and_then(num),
        _ => None,
    }
}

/// Every record of every sample against the crate's own `serde_json::Value` rendering, read
/// through a different path (the crate's `records_json_value`, navigated here by hand).
#[test]
fn every_record_matches_the_crates_json() {
    let Some(dir) = evtx_dir("every_record_matches_the_crates_json") else {
        return;
    };
    let mut checked = 0usize;
    let mut classic_data = 0usize;
    let mut named_data = 0usize;
    for path in all_files(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&path).expect("sample");
        let ours = parse(&bytes, &EventFilter::all());
        let mut crate_parser = evtx::EvtxParser::from_buffer(bytes)
            .expect("crate parses")
            .with_configuration(evtx::ParserSettings::new().indent(false));
        let theirs: Vec<_> = crate_parser
            .records_json_value()
            .filter_map(Result::ok)
            .collect();
        assert_eq!(ours.records.len(), theirs.len(), "{name}");
        for (r, t) in ours.records.iter().zip(&theirs) {
            let sys = &t.data["Event"]["System"];
            let ctx = format!("{name} record {}", t.event_record_id);
            assert_eq!(
                r.provider,
                s(&sys["Provider"]["#attributes"]["Name"]),
                "{ctx}"
            );
            assert_eq!(
                Some(u64::from(r.event_id)),
                num(&sys["EventID"]).map(|v| v & 0xffff).or(Some(0)),
                "{ctx}"
            );
            assert_eq!(
                r.qualifiers.map(u64::from),
                num(&sys["EventID"]["#attributes"]["Qualifiers"]),
                "{ctx}"
            );
            assert_eq!(r.level.map(u64::from), num(&sys["Level"]), "{ctx}");
            assert_eq!(r.task.map(u64::from), num(&sys["Task"]), "{ctx}");
            assert_eq!(r.keywords, num(&sys["Keywords"]), "{ctx}");
            assert_eq!(r.computer, s(&sys["Computer"]), "{ctx}");
            assert_eq!(r.channel, s(&sys["Channel"]), "{ctx}");
            assert_eq!(
                r.record_id,
                num(&sys["EventRecordID"]).unwrap_or(t.event_record_id),
                "{ctx}"
            );
            let time = sys["TimeCreated"]["#attributes"]["SystemTime"]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .unwrap_or(t.timestamp);
            assert_eq!(r.time_us, time.as_microsecond(), "{ctx}");

            let event_data = &t.data["Event"]["EventData"];
            if let Some(Value::Array(items)) = event_data.get("Data").and_then(|d| d.get("#text")) {
                let unnamed: Vec<_> = r
                    .data
                    .iter()
                    .filter(|(k, _)| k.is_none())
                    .map(|(_, v)| v.clone())
                    .collect();
                assert_eq!(unnamed, items.iter().map(s).collect::<Vec<_>>(), "{ctx}");
                classic_data += 1;
            } else if let Value::Object(map) = event_data {
                let simple = map.iter().all(|(k, v)| {
                    !k.starts_with('#')
                        && k != "Data"
                        && k != "Binary"
                        && !k.contains('_')
                        && !v.is_object()
                        && !v.is_array()
                });
                if simple {
                    let expected: Vec<_> = map.iter().map(|(k, v)| n(k, &s(v))).collect();
                    assert_eq!(r.data, expected, "{ctx}");
                    named_data += 1;
                }
            }
            checked += 1;
        }
    }
    println!("checked {checked} records ({classic_data} classic, {named_data} named data)");
    assert!(checked > 18_000 && classic_data > 400 && named_data > 10_000);
}

/// Callers parallelise across files with rayon; evtx stays single-threaded inside. This must
/// finish (nesting the crate's own multi-threading in a pool deadlocks). The timeout only
/// guards against a hang; it is not a speed target.
#[test]
fn parses_all_files_in_a_two_thread_rayon_pool() {
    use rayon::prelude::*;
    let Some(dir) = evtx_dir("parses_all_files_in_a_two_thread_rayon_pool") else {
        return;
    };
    let files: Vec<Vec<u8>> = all_files(&dir)
        .iter()
        .map(|p| std::fs::read(p).expect("sample"))
        .collect();
    let expected: u64 = expected_counts(&dir).iter().map(|(_, r, _)| r).sum();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        let total: u64 = pool.install(|| {
            files
                .par_iter()
                .map(|b| parse(b, &EventFilter::all()).integrity.records)
                .sum()
        });
        let _ = tx.send(total);
    });
    let total = rx
        .recv_timeout(std::time::Duration::from_secs(600))
        .expect("parsing inside a rayon pool hung");
    assert_eq!(total, expected);
}
