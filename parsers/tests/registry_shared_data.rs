//! Every real `reg export` file in `../shared/data/reg` parses, and the known
//! quirks in them are read as Windows reads them.
//!
//! Skips with a printed notice when `../shared` is absent. Locate it with
//! env `SCOMTRIAGE_SHARED`, else `<workspace root>/../shared`.

use std::path::PathBuf;

use scomtriage_parsers::registry::{parse_reg, RegData, RegFormat};

#[path = "../../testsupport/shared_data.rs"]
mod shared_data;

fn shared_dir() -> Option<PathBuf> {
    shared_data::shared_dir("registry_shared_data")
}

#[test]
fn every_shared_reg_file_parses() {
    let Some(shared) = shared_dir() else { return };
    let dir = shared.join("data/reg");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("SKIP: {} not readable", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("reg")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .reg files in {}", dir.display());
    for path in &files {
        let bytes = std::fs::read(path).expect("read shared file");
        let parsed = parse_reg(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        println!(
            "{}: {:?}, {} keys, {} values, {} problems",
            path.display(),
            parsed.file.format,
            parsed.file.keys.len(),
            parsed.file.value_count(),
            parsed.problems.len()
        );
        for p in &parsed.problems {
            println!("  line {}: {}", p.line, p.message);
        }
        assert_eq!(parsed.file.format, RegFormat::Version5);
        assert!(!parsed.file.keys.is_empty(), "{}: no keys", path.display());
        assert!(
            parsed.file.value_count() > 0,
            "{}: no values",
            path.display()
        );
    }
}

/// `hradilm__import-reg__test.reg` holds every common value type, a wrapped
/// `hex(7)`, and `"dword"=dword:12345678901234` — 14 digits, more than a
/// DWORD holds. That one line is a problem; everything else is kept.
#[test]
fn hradilm_value_types() {
    let Some(shared) = shared_dir() else { return };
    let path = shared.join("data/reg/hradilm__import-reg__test.reg");
    let Ok(bytes) = std::fs::read(&path) else {
        println!("SKIP: {} absent", path.display());
        return;
    };
    let parsed = parse_reg(&bytes).expect("parses");
    let file = &parsed.file;
    let key = file.key(r"HKLM\SOFTWARE\micTest").expect("micTest");
    assert_eq!(key.value("string").and_then(|v| v.as_str()), Some("abc"));
    assert_eq!(
        key.value("bin").and_then(|v| v.as_binary()),
        Some(&[0x01, 0xff, 0x00, 0x00][..])
    );
    assert_eq!(
        key.value("qword").map(|v| &v.data),
        Some(&RegData::Qword(0x1234_5678_ff12_3456))
    );
    assert_eq!(
        key.value("mstring").and_then(|v| v.as_multi_string()),
        Some(&["abc".to_owned(), "def".to_owned()][..])
    );
    assert_eq!(
        key.value("estring").map(|v| &v.data),
        Some(&RegData::ExpandString("exp".into()))
    );
    assert_eq!(
        key.value("Element").and_then(|v| v.as_multi_string()),
        Some(&["{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}".to_owned()][..])
    );
    assert!(
        key.value("dword").is_none(),
        "overlong dword must not be kept"
    );
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    assert_eq!(parsed.problems[0].line, 6);
    assert!(parsed.problems[0].message.contains("\"dword\""));
    assert!(parsed.problems[0].message.contains("1 to 8 hex digits"));
    let key2 = file
        .key(r"HKEY_LOCAL_MACHINE\SOFTWARE\micTest2")
        .expect("micTest2");
    assert_eq!(
        key2.value("BIN").and_then(|v| v.as_binary()),
        Some(&[1, 2, 4][..])
    );
}
