//! `scomtriage inspect` as a user runs it: JSON lines, text tables, limit flags, exit codes.
//! Nothing here needs the parsers to succeed.

mod bundle_support;

use bundle_support::*;
use serde_json::Value;
use std::process::{Command, Output};

fn inspect(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scomtriage"))
        .arg("inspect")
        .args(args)
        .output()
        .expect("run scomtriage")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

const KINDS: &[&str] = &[
    "evtx",
    "certificate",
    "pkcs7",
    "registry",
    "manifest",
    "inventory",
    "mta",
    "text",
    "unknown",
    "problem",
];

#[test]
fn json_has_one_object_per_member_and_per_problem() {
    let t = TempDir::new("cli-json");
    let z = zip_of(&[
        ("manifest.json", MANIFEST.as_bytes()),
        ("registry/opsmgr.reg", &sample_reg()),
        ("eventlogs/System.evtx", EVTX_MAGIC_ONLY),
        ("commands/a.txt", b"a"),
        ("commands/b.txt", b"b"),
    ]);
    let zp = t.write("up.zip", &z);
    let out = inspect(&[
        "--format".as_ref(),
        "json".as_ref(),
        "--max-entries".as_ref(),
        "4".as_ref(),
        zp.as_os_str(),
    ]);
    let lines = json_lines(&out);
    let label = zp.to_string_lossy().into_owned();
    let members: Vec<&Value> = lines.iter().filter(|v| v["kind"] != "problem").collect();
    let problems: Vec<&Value> = lines.iter().filter(|v| v["kind"] == "problem").collect();
    assert_eq!(members.len(), 4, "{lines:?}");
    assert_eq!(problems.len(), 1, "{lines:?}");
    for v in &lines {
        assert_eq!(v["bundle"], label.as_str());
        assert!(v["path"].is_string());
        assert!(KINDS.contains(&v["kind"].as_str().unwrap_or("")), "{v}");
        assert!(v["ok"].is_boolean());
        match v["ok"].as_bool() {
            Some(true) => assert!(v["error"].is_null(), "{v}"),
            _ => assert!(v["error"].is_string(), "{v}"),
        }
    }
    let paths: Vec<&str> = members.iter().filter_map(|v| v["path"].as_str()).collect();
    assert_eq!(
        paths,
        [
            "commands/a.txt",
            "eventlogs/System.evtx",
            "manifest.json",
            "registry/opsmgr.reg"
        ],
        "the first 4 entries in zip order, sorted by path"
    );
    assert_eq!(members[0]["kind"], "text");
    assert_eq!(members[1]["kind"], "evtx");
    assert_eq!(members[2]["kind"], "manifest");
    assert_eq!(members[3]["kind"], "registry");
    assert_eq!(problems[0]["path"], label.as_str());
    assert!(problems[0]["error"]
        .as_str()
        .unwrap_or("")
        .contains("--max-entries"));
    // A problem (and the junk EVTX) make the exit code 1.
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn exit_code_is_zero_when_everything_reads() {
    let t = TempDir::new("cli-ok");
    t.write("b/commands/a.txt", b"a");
    t.write("b/collector.log", b"log");
    t.write("b/eventlogs/LocaleMetaData/System_1033.MTA", b"mta");
    let out = inspect(&[t.path().join("b").as_os_str()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("commands/a.txt"));
    assert!(text.contains("PATH") && text.contains("KIND") && text.contains("STATUS"));
    assert!(!text.contains("problems:"));
}

#[test]
fn text_lists_errors_and_problems() {
    let t = TempDir::new("cli-text");
    let big = vec![b'x'; 3 << 20];
    let z = zip_of(&[
        ("registry/x.reg", EVTX_MAGIC_ONLY),
        ("commands/big.txt", big.as_slice()),
    ]);
    let zp = t.write("up.zip", &z);
    let out = inspect(&["--max-entry-mb".as_ref(), "1".as_ref(), zp.as_os_str()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("== {}", zp.display())), "{text}");
    assert!(text.contains("registry/x.reg"), "{text}");
    assert!(text.contains("error"), "{text}");
    assert!(text.contains("problems:"), "{text}");
    assert!(text.contains("commands/big.txt: declared size"), "{text}");
}

#[test]
fn usage_errors_exit_with_2() {
    let out = inspect(&[]);
    assert_eq!(out.status.code(), Some(2));
    let out = inspect(&["--format".as_ref(), "yaml".as_ref(), "x".as_ref()]);
    assert_eq!(out.status.code(), Some(2));
    let out = inspect(&["--max-ratio".as_ref(), "lots".as_ref(), "x".as_ref()]);
    assert_eq!(out.status.code(), Some(2));
}
