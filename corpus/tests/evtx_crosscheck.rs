//! The three-reader cross-check: `evtx-samples` writes the sample set and
//! `expected.json` into a temporary directory; the evtx crate (checksums validated) must
//! return exactly the records the sidecar expects of it, and
//! `corpus/crosscheck/crosscheck.py` checks python-evtx and libevtx against the same sidecar.
//!
//! Without python3 or one of the two Python readers the Python half prints a skip notice and
//! passes — unless `SCOMTRIAGE_STRICT=1` (CI installs `corpus/crosscheck/requirements.txt`
//! and sets it), where a missing reader fails the test.

mod evtx_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use evtx_support::{read_with_evtx, Fields};
use scomtriage_corpus::evtx::EventData;
use serde_json::Value;

/// Exit status of crosscheck.py when a reader module is missing.
const SKIP: i32 = 77;

fn strict() -> bool {
    std::env::var("SCOMTRIAGE_STRICT").is_ok_and(|v| v == "1")
}

fn sample_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("evtx-crosscheck");
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_evtx-samples"))
        .arg(&dir)
        .output()
        .expect("evtx-samples runs");
    assert!(
        out.status.success(),
        "evtx-samples failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn sidecar(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

/// A sidecar record as the fields a reader returns.
fn expected_fields(r: &Value) -> Fields {
    let u = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
    let s = |k: &str| {
        r[k].as_str()
            .unwrap_or_else(|| panic!("{k} in {r}"))
            .to_string()
    };
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_str().expect("string").to_string())
            .collect()
    };
    let data = match r["data"]["kind"].as_str() {
        Some("unnamed") => EventData::Unnamed(strings(&r["data"]["values"])),
        Some("named") => EventData::Named(
            r["data"]["pairs"]
                .as_array()
                .expect("pairs")
                .iter()
                .map(|p| {
                    let p = strings(p);
                    (p[0].clone(), p[1].clone())
                })
                .collect(),
        ),
        other => panic!("data kind {other:?}"),
    };
    Fields {
        provider: s("provider"),
        event_id: u("event_id") as u16,
        qualifiers: r["qualifiers"].as_u64().map(|q| q as u16),
        level: u("level") as u8,
        task: u("task") as u16,
        keywords: u("keywords"),
        time_us: r["time_us"].as_i64().expect("time_us"),
        record_id: u("record_id"),
        channel: s("channel"),
        computer: s("computer"),
        data,
    }
}

#[test]
fn sample_files_read_back_in_all_three_readers() {
    let dir = sample_dir();
    let sidecar = sidecar(&dir);
    let files = sidecar["files"].as_array().expect("files");
    assert!(files.len() >= 10, "{} sample files", files.len());

    // evtx, checksums validated.
    let mut records = 0;
    let mut multi_chunk = false;
    for file in files {
        let name = file["file"].as_str().expect("file");
        let expect = &file["expect"]["evtx"];
        let bytes = std::fs::read(dir.join(name)).expect("sample file");
        multi_chunk |= bytes.len() > 4096 + 65536;
        let read = read_with_evtx(bytes);
        let want_ids: Vec<u64> = expect["record_ids"]
            .as_array()
            .expect("record_ids")
            .iter()
            .map(|v| v.as_u64().expect("id"))
            .collect();
        let got_ids: Vec<u64> = read.records.iter().map(|r| r.record_id).collect();
        assert_eq!(
            got_ids, want_ids,
            "{name}: evtx record ids ({})",
            expect["why"]
        );
        assert_eq!(
            !read.errors.is_empty(),
            expect["notices_damage"].as_bool().expect("notices_damage"),
            "{name}: evtx errors {:?} ({})",
            read.errors,
            expect["why"]
        );
        for got in &read.records {
            let want = file["records"]
                .as_array()
                .expect("records")
                .iter()
                .find(|r| r["record_id"].as_u64() == Some(got.record_id))
                .expect("record in sidecar");
            assert_eq!(got, &expected_fields(want), "{name}");
            records += 1;
        }
    }
    assert!(multi_chunk, "the set has a file of more than one chunk");
    assert!(records >= 400, "evtx compared {records} records");
    println!("evtx: {} files, {records} records match", files.len());

    // python-evtx and libevtx.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("crosscheck/crosscheck.py");
    let out = match Command::new("python3").arg(&script).arg(&dir).output() {
        Ok(out) => out,
        Err(e) => {
            assert!(!strict(), "SCOMTRIAGE_STRICT=1 but python3 cannot run: {e}");
            println!("SKIP: python3 not available ({e}): python-evtx/libevtx cross-check not run");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    match out.status.code() {
        Some(0) => {}
        Some(SKIP) => {
            assert!(
                !strict(),
                "SCOMTRIAGE_STRICT=1 but a Python reader is missing (see above)"
            );
            println!("SKIP: python-evtx/libevtx cross-check not run (see above)");
        }
        other => panic!("crosscheck.py failed ({other:?}); see the MISMATCH lines above"),
    }
}
