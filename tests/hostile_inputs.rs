//! Inputs built to hurt: zip bombs (flat and nested), entries that declare huge sizes or lie
//! about them, 100 000 entries, path names that climb out, symbolic links, encrypted entries,
//! unsupported compression, a truncated central directory, an EVTX whose chunk count and
//! record sizes lie, a `.reg` with a 100 MB single line, DER nested 10 000 deep.
//!
//! Every case is read with the default limits `analyze` uses, in a child process (this test
//! binary run again with `SCOMTRIAGE_HOSTILE_CASE` set), so that its peak resident memory
//! (`VmHWM` of `/proc/self/status`) can be measured alone and a crash (stack overflow, abort)
//! shows as a failed child instead of taking the test run down. The parent builds the input,
//! runs the child, and checks what it printed: one line per problem and per member, and the
//! peak memory, which must stay under the bound stated with each case.

mod bundle_support;

use bundle_support::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CASE_ENV: &str = "SCOMTRIAGE_HOSTILE_CASE";
const INPUT_ENV: &str = "SCOMTRIAGE_HOSTILE_INPUT";
const MIB: u64 = 1 << 20;

/// What the child saw.
#[derive(Debug)]
struct Outcome {
    /// `(path, message)` of every bundle problem.
    problems: Vec<(String, String)>,
    /// `(path, kind, Ok(()) or Err(message))` of every member.
    members: Vec<(String, String, Result<(), String>)>,
    /// `(path, note)`: problems inside a member that was read (skipped `.reg` lines).
    notes: Vec<(String, String)>,
    /// Peak resident set of the child, KiB.
    peak_kib: u64,
    /// Wall time of the child.
    elapsed: Duration,
}

impl Outcome {
    fn problem(&self, path_part: &str) -> &str {
        self.problems
            .iter()
            .find(|(p, _)| p.contains(path_part))
            .map(|(_, m)| m.as_str())
            .unwrap_or_else(|| panic!("no problem for {path_part}: {:#?}", self.problems))
    }
    fn member(&self, path_part: &str) -> &(String, String, Result<(), String>) {
        self.members
            .iter()
            .find(|(p, _, _)| p.contains(path_part))
            .unwrap_or_else(|| panic!("no member {path_part}: {:#?}", self.members))
    }
    fn assert_peak_below(&self, mib: u64) {
        assert!(
            self.peak_kib < mib * 1024,
            "peak RSS {} MiB over the bound of {mib} MiB",
            self.peak_kib / 1024
        );
        eprintln!(
            "peak RSS {:.1} MiB (bound {mib} MiB), {:.2?}",
            self.peak_kib as f64 / 1024.0,
            self.elapsed
        );
    }
}

/// The child side: read the inputs named in `SCOMTRIAGE_HOSTILE_INPUT` (paths separated by
/// newlines) with the limits `analyze` uses, and print what came out. Ignored in an ordinary
/// run; [`run_child`] runs it with `--ignored`.
#[test]
#[ignore = "the child process of the other tests here, run by them"]
fn hostile_child_process() {
    let case = std::env::var(CASE_ENV).expect("run by run_child, which sets the case");
    let inputs: Vec<PathBuf> = std::env::var(INPUT_ENV)
        .expect("input paths given")
        .lines()
        .map(PathBuf::from)
        .collect();
    let bundles = scomtriage::bundle::read_inputs(&inputs, &scomtriage::analyze::read_options());
    // The inspect renderers run too: a problem must also survive being reported.
    let _ = scomtriage::inspect::render_json(&bundles);
    let _ = scomtriage::inspect::render_text(&bundles);
    let mut out = std::io::stdout().lock();
    // libtest has already printed "test hostile_child_process ... " on this line.
    writeln!(out).ok();
    for b in &bundles {
        for p in &b.problems {
            writeln!(
                out,
                "PROBLEM\t{}\t{}",
                one_line(&p.path),
                one_line(&p.message)
            )
            .ok();
        }
        for m in &b.members {
            let state = match &m.content {
                Ok(_) => "ok".to_string(),
                Err(e) => format!("err:{}", one_line(e)),
            };
            writeln!(out, "MEMBER\t{}\t{:?}\t{state}", one_line(&m.path), m.kind).ok();
            writeln!(
                out,
                "NOTE\t{}\t{}",
                one_line(&m.path),
                one_line(&scomtriage::inspect::member_summary(m))
            )
            .ok();
            if let Ok(scomtriage::bundle::Parsed::Registry(r)) = &m.content {
                for p in &r.problems {
                    writeln!(
                        out,
                        "NOTE\t{}\tline {}: {}",
                        one_line(&m.path),
                        p.line,
                        one_line(&p.message)
                    )
                    .ok();
                }
            }
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    writeln!(out, "PEAK_KIB\t{peak}\t{case}").ok();
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r', '\t'], " ")
}

/// Run the child on `inputs` and parse its report. Fails the test when the child crashes or
/// takes more than a minute.
fn run_child(case: &str, inputs: &[&Path]) -> Outcome {
    let exe = std::env::current_exe().expect("test binary path");
    let list: Vec<String> = inputs
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let start = Instant::now();
    let mut child = Command::new(exe)
        .args([
            "hostile_child_process",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CASE_ENV, case)
        .env(INPUT_ENV, list.join("\n"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("child starts");
    // Drain both pipes while the child runs: a child blocked on a full pipe would look hung.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out_reader = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err_reader = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let deadline = start + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("child state") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{case}: child still running after 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    assert!(
        status.success(),
        "{case}: child failed ({status}):\n{stdout}\n{stderr}"
    );
    let mut o = Outcome {
        problems: Vec::new(),
        members: Vec::new(),
        notes: Vec::new(),
        peak_kib: 0,
        elapsed,
    };
    for line in stdout.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["PROBLEM", path, msg] => o.problems.push((path.to_string(), msg.to_string())),
            ["MEMBER", path, kind, state] => o.members.push((
                path.to_string(),
                kind.to_string(),
                match state.strip_prefix("err:") {
                    Some(e) => Err(e.to_string()),
                    None => Ok(()),
                },
            )),
            ["NOTE", path, note] => o.notes.push((path.to_string(), note.to_string())),
            ["PEAK_KIB", kib, _] => o.peak_kib = kib.parse().unwrap_or(0),
            _ => {}
        }
    }
    assert!(o.peak_kib > 0, "{case}: child printed no peak:\n{stdout}");
    o
}

/// A zip of deflated entries; `declared` patches every entry's uncompressed size field.
fn deflated(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(entries, zip::CompressionMethod::Deflated)
}

fn stored(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(entries, zip::CompressionMethod::Stored)
}

/// Offset of the central directory and of the end-of-central-directory record.
fn eocd(zip: &[u8]) -> (usize, usize) {
    let at = *find_all(zip, b"PK\x05\x06")
        .last()
        .expect("zip has an EOCD");
    let cd = u32::from_le_bytes(zip[at + 16..at + 20].try_into().expect("4 bytes")) as usize;
    (cd, at)
}

#[test]
fn zip_bomb_over_1000_to_1_is_refused_before_inflating() {
    let t = TempDir::new("bomb");
    let zeros = vec![0u8; 200 << 20];
    let z = deflated(&[
        ("eventlogs/System.evtx", zeros.as_slice()),
        ("collector.log", b"ok"),
    ]);
    drop(zeros);
    let ratio = (200u64 << 20) / z.len() as u64;
    assert!(ratio > 1000, "the bomb is only {ratio}:1");
    let p = t.write("bomb.zip", &z);
    let o = run_child("bomb", &[&p]);
    let msg = o.problem("eventlogs/System.evtx");
    assert!(
        msg.contains("--max-ratio") && msg.contains("not read"),
        "{msg}"
    );
    o.member("collector.log");
    o.assert_peak_below(64);
}

#[test]
fn zip_bomb_that_declares_small_sizes_is_cut_off_while_inflating() {
    let t = TempDir::new("liarbomb");
    let zeros = vec![0u8; 200 << 20];
    let mut z = deflated(&[("eventlogs/System.evtx", zeros.as_slice())]);
    drop(zeros);
    // Declare 4 KiB uncompressed (local header offset 22, central 24): the ratio check passes,
    // so only the bounded read stands between the bomb and memory.
    patch_u32(&mut z, 22, 24, 4096);
    let p = t.write("liar.zip", &z);
    let o = run_child("liar bomb", &[&p]);
    let msg = o.problem("eventlogs/System.evtx");
    assert!(msg.contains("declared"), "{msg}");
    o.assert_peak_below(64);
}

#[test]
fn nested_zip_bombs_are_refused_at_every_level() {
    let t = TempDir::new("nested");
    let zeros = vec![0u8; 100 << 20];
    let bomb = deflated(&[("zeros.bin", zeros.as_slice())]);
    drop(zeros);
    // 16 bombs in the inner zip (1.6 GB declared), the inner zip stored in the outer one, and a
    // third level below the inner one.
    let names: Vec<String> = (0..16).map(|i| format!("b{i:02}.bin")).collect();
    let mut inner_entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), bomb.as_slice()))
        .collect();
    let third = stored(&[("deeper.zip", bomb.as_slice())]);
    inner_entries.push(("third.zip", third.as_slice()));
    // The bombs are zips themselves: their bytes are stored, so the inner zip is small; the
    // zeros are behind a second level of deflate.
    let inner_bombs: Vec<(String, Vec<u8>)> = (0..4)
        .map(|i| (format!("z{i}.zip"), bomb.clone()))
        .collect();
    for (n, b) in &inner_bombs {
        inner_entries.push((n.as_str(), b.as_slice()));
    }
    let inner = stored(&inner_entries);
    let outer = stored(&[("inner.zip", inner.as_slice()), ("collector.log", b"fine")]);
    let p = t.write("outer.zip", &outer);
    let o = run_child("nested", &[&p]);
    // Zips inside the inner zip are not opened (one level only) and say so.
    let msg = o.problem("third.zip");
    assert!(msg.contains("nested more than one level"), "{msg}");
    for (n, _) in &inner_bombs {
        let msg = o.problem(n);
        assert!(msg.contains("nested more than one level"), "{n}: {msg}");
    }
    // The .bin members of the inner zip hold zip bytes (not inflated): each is small.
    assert!(
        o.members.iter().any(|(p, _, _)| p == "b00.bin"),
        "{:#?}",
        o.members
    );
    o.member("collector.log");
    o.assert_peak_below(64);

    // A bomb one level down (the outer zip holds a zip of a 200 MB deflated entry) is refused.
    let zeros = vec![0u8; 200 << 20];
    let inner = deflated(&[("eventlogs/System.evtx", zeros.as_slice())]);
    drop(zeros);
    let outer = stored(&[("machine.zip", inner.as_slice())]);
    let p = t.write("outer2.zip", &outer);
    let o = run_child("nested bomb", &[&p]);
    let msg = o.problem("eventlogs/System.evtx");
    assert!(msg.contains("--max-ratio"), "{msg}");
    o.assert_peak_below(64);
}

#[test]
fn entries_declaring_huge_sizes_are_not_read() {
    let t = TempDir::new("huge");
    let mut z = stored(&[("eventlogs/System.evtx", b"small really".as_slice())]);
    // 4 GiB - 16 declared, compressed size equal so the ratio check does not fire first.
    patch_u32(&mut z, 22, 24, 0xFFFF_FFF0);
    patch_u32(&mut z, 18, 20, 0xFFFF_FFF0);
    let p = t.write("huge.zip", &z);
    let o = run_child("huge", &[&p]);
    let msg = o.problem("eventlogs/System.evtx");
    assert!(
        msg.contains("--max-entry-mb") && msg.contains("4294967280"),
        "{msg}"
    );
    assert!(o.members.is_empty(), "{:#?}", o.members);
    o.assert_peak_below(64);

    // Declared uncompressed size over the per-entry limit with an honest compressed size.
    let mut z = stored(&[("registry/opsmgr.reg", b"x".as_slice())]);
    patch_u32(&mut z, 22, 24, 0xFFFF_FFF0);
    let p = t.write("huge2.zip", &z);
    let o = run_child("huge2", &[&p]);
    let msg = o.problem("registry/opsmgr.reg");
    assert!(
        msg.contains("--max-entry-mb") || msg.contains("--max-ratio"),
        "{msg}"
    );
    o.assert_peak_below(64);
}

#[test]
fn a_hundred_thousand_entries_stop_at_the_entry_limit() {
    let t = TempDir::new("many");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..100_000 {
        w.start_file(format!("commands/c{i:06}.txt"), opts)
            .expect("entry");
        w.write_all(b"x").expect("write");
    }
    let z = w.finish().expect("finish").into_inner();
    let p = t.write("many.zip", &z);
    let o = run_child("many", &[&p]);
    let msg = o.problem("many.zip");
    assert!(
        msg.contains("100000") && msg.contains("--max-entries"),
        "{msg}"
    );
    assert_eq!(
        o.members.len(),
        scomtriage::bundle::Limits::default().max_entries
    );
    o.assert_peak_below(256);
}

#[test]
fn climbing_absolute_and_drive_paths_and_symlinks_touch_nothing() {
    let t = TempDir::new("paths");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for name in [
        "../../../../tmp/scomtriage-evil.txt",
        "/etc/scomtriage-evil.txt",
        "C:\\Windows\\scomtriage-evil.txt",
        "D:relative-evil.txt",
        "ok/../../evil.txt",
    ] {
        w.start_file(name, opts).expect("entry");
        w.write_all(b"evil").expect("write");
    }
    w.add_symlink("registry/opsmgr.reg", "/etc/passwd", opts)
        .expect("symlink");
    w.add_symlink("certificates/link.cer", "../../../../etc/shadow", opts)
        .expect("symlink");
    let z = w.finish().expect("finish").into_inner();
    let p = t.write("in/paths.zip", &z);
    let before = t.listing();
    let o = run_child("paths", &[&p]);
    assert_eq!(t.listing(), before, "nothing may be written");
    assert!(!Path::new("/tmp/scomtriage-evil.txt").exists());
    // Names are labels, kept as written (backslashes as slashes).
    for part in [
        "../../../../tmp/scomtriage-evil.txt",
        "/etc/scomtriage-evil.txt",
        "C:/Windows",
    ] {
        o.member(part);
    }
    // Links are never followed: each is a problem, not a member holding /etc/passwd.
    for link in ["registry/opsmgr.reg", "certificates/link.cer"] {
        let msg = o.problem(link);
        assert!(msg.contains("symbolic link"), "{link}: {msg}");
        assert!(
            !o.members.iter().any(|(p, _, _)| p == link),
            "{link} read as a member"
        );
    }
    o.assert_peak_below(64);
}

#[test]
fn encrypted_unsupported_and_truncated_zips_are_named_problems() {
    let t = TempDir::new("zipdamage");
    let mut enc = stored(&[("registry/opsmgr.reg", b"secret".as_slice())]);
    patch_u16(&mut enc, 6, 8, 1);
    let mut lzma = stored(&[("registry/tcpip.reg", b"lzma?".as_slice())]);
    patch_u16(&mut lzma, 8, 10, 14);
    let good = deflated(&[
        ("manifest.json", b"{}".as_slice()),
        ("collector.log", b"log"),
        ("commands/a.txt", b"a"),
    ]);
    // Cut inside the central directory, keeping the EOCD record (which now points past it).
    let (cd, end) = eocd(&good);
    let mut cut_cd = good[..cd + (end - cd) / 2].to_vec();
    cut_cd.extend_from_slice(&good[end..]);
    // EOCD that claims more entries than the central directory holds.
    let mut lying_count = good.clone();
    let (_, end) = eocd(&lying_count);
    lying_count[end + 8..end + 10].copy_from_slice(&60_000u16.to_le_bytes());
    lying_count[end + 10..end + 12].copy_from_slice(&60_000u16.to_le_bytes());
    // Plain truncation: no EOCD at all.
    let no_eocd = good[..good.len() - 30].to_vec();
    let paths = [
        t.write("enc.zip", &enc),
        t.write("lzma.zip", &lzma),
        t.write("cut_cd.zip", &cut_cd),
        t.write("lying_count.zip", &lying_count),
        t.write("no_eocd.zip", &no_eocd),
    ];
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let o = run_child("zip damage", &refs);
    assert!(o.problem("registry/opsmgr.reg").contains("encrypted"));
    let msg = o.problem("registry/tcpip.reg");
    assert!(
        msg.contains("compression method") && msg.contains("not supported"),
        "{msg}"
    );
    for name in ["cut_cd.zip", "lying_count.zip", "no_eocd.zip"] {
        let msg = o.problem(name);
        assert!(msg.contains("zip"), "{name}: {msg}");
    }
    o.assert_peak_below(64);
}

/// An EVTX log from the corpus generator (a real, well-formed file to damage).
fn corpus_evtx() -> Vec<u8> {
    let (templates, scenarios) =
        scomtriage_corpus::scenario::load_dir(&scomtriage_corpus::scenario_dir())
            .expect("scenarios load");
    let s = scenarios
        .iter()
        .find(|s| s.id == "healthy_agent")
        .expect("healthy_agent scenario");
    let bundles = scomtriage_corpus::generate::generate_scenario(s, &templates).expect("generates");
    bundles
        .into_iter()
        .flat_map(|b| b.members.into_iter())
        .find(|(p, _)| p.ends_with("Operations Manager.evtx"))
        .map(|(_, b)| b)
        .expect("an Operations Manager log")
}

#[test]
fn an_evtx_whose_chunk_count_and_record_sizes_lie_is_read_in_bounded_memory() {
    let t = TempDir::new("evtxlies");
    let good = corpus_evtx();
    assert_eq!(&good[..8], b"ElfFile\0");
    // Header: chunk count (u16 at 42) says 65535; next record id huge.
    let mut many_chunks = good.clone();
    many_chunks[42..44].copy_from_slice(&u16::MAX.to_le_bytes());
    // Every record (magic 2a 2a 00 00) in the file declares a size of 0xFFFFFFF0 at +4.
    let mut big_records = good.clone();
    for at in find_all(&good, b"\x2a\x2a\x00\x00") {
        big_records[at + 4..at + 8].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    }
    // Records of size 0 (would loop forever if the size were trusted to advance).
    let mut zero_records = good.clone();
    for at in find_all(&good, b"\x2a\x2a\x00\x00") {
        zero_records[at + 4..at + 8].copy_from_slice(&0u32.to_le_bytes());
    }
    // The chunk header's last record offset pointing past the chunk.
    let mut chunk_lies = many_chunks.clone();
    for at in find_all(&good, b"ElfChnk\0") {
        chunk_lies[at + 44..at + 48].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
        chunk_lies[at + 48..at + 52].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    }
    let paths = [
        t.write(
            "many_chunks/eventlogs/Operations Manager.evtx",
            &many_chunks,
        ),
        t.write(
            "big_records/eventlogs/Operations Manager.evtx",
            &big_records,
        ),
        t.write(
            "zero_records/eventlogs/Operations Manager.evtx",
            &zero_records,
        ),
        t.write("chunk_lies/eventlogs/Operations Manager.evtx", &chunk_lies),
    ];
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let o = run_child("evtx lies", &refs);
    // Each log is read, and its summary says what is wrong with it.
    assert_eq!(o.members.len(), 4, "{o:#?}");
    for (path, kind, state) in &o.members {
        assert_eq!(kind, "Evtx", "{path}");
        assert!(state.is_ok(), "{path}: {state:?}");
    }
    let note = |dir: &str| {
        o.notes
            .iter()
            .find(|(p, _)| p.contains(&format!("{dir}/eventlogs")))
            .map(|(_, n)| n.as_str())
            .unwrap_or_else(|| panic!("no summary for {dir}: {:#?}", o.notes))
    };
    assert!(
        note("many_chunks").contains("bad header checksum"),
        "{}",
        note("many_chunks")
    );
    for dir in ["big_records", "zero_records"] {
        let n = note(dir);
        assert!(
            n.contains("record errors") && n.contains("bad chunks"),
            "{dir}: {n}"
        );
        assert!(!n.starts_with("0 record errors"), "{dir}: {n}");
    }
    let n = note("chunk_lies");
    assert!(
        n.contains("bad header checksum") && n.contains("bad chunks"),
        "{n}"
    );
    o.assert_peak_below(128);
}

#[test]
fn a_reg_file_with_a_100_mb_line_is_read_in_bounded_memory() {
    let t = TempDir::new("regline");
    let mut reg = b"Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0\\Machine Settings]\r\n\"ChannelCertificateSerialNumber\"=hex:".to_vec();
    let line = 100 << 20;
    reg.reserve(line + 200);
    while reg.len() < line {
        reg.extend_from_slice(b"ab,");
    }
    reg.extend_from_slice(b"cd\r\n\"Other\"=\"value\"\r\n");
    let p = t.write("registry/opsmgr.reg", &reg);
    let size = reg.len() as u64;
    drop(reg);
    let o = run_child("100 MB line", &[&p]);
    let (_, kind, state) = o.member("opsmgr.reg");
    assert_eq!(kind, "Registry");
    assert!(state.is_ok(), "{state:?}");
    // The long value is skipped with a reason naming it and its line; the rest is read.
    let note = o
        .notes
        .iter()
        .map(|(_, n)| n.as_str())
        .find(|n| n.contains("ChannelCertificateSerialNumber"))
        .unwrap_or_else(|| panic!("no note for the long value: {:#?}", o.notes));
    assert!(
        note.starts_with("line 4:") && note.contains("over the limit"),
        "{note}"
    );
    // The file is held as bytes and as decoded text (it is under the per-entry limit), and the
    // long value is not decoded further.
    o.assert_peak_below(size / MIB * 2 + 64);
}

/// `depth` nested SEQUENCEs with definite lengths around an empty one.
fn nested_der(depth: usize) -> Vec<u8> {
    let mut inner: Vec<u8> = vec![0x30, 0x00];
    for _ in 0..depth {
        let len = inner.len();
        let mut outer = vec![0x30];
        if len < 0x80 {
            outer.push(len as u8);
        } else {
            let bytes = (len as u64).to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            outer.push(0x80 | (8 - skip) as u8);
            outer.extend_from_slice(&bytes[skip..]);
        }
        outer.extend_from_slice(&inner);
        inner = outer;
    }
    inner
}

/// `depth` nested indefinite-length SEQUENCEs (BER), as a .p7b might be.
fn nested_ber(depth: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(depth * 4);
    for _ in 0..depth {
        out.extend_from_slice(&[0x30, 0x80]);
    }
    for _ in 0..depth {
        out.extend_from_slice(&[0x00, 0x00]);
    }
    out
}

#[test]
fn der_nested_10_000_deep_is_refused_without_overflowing_the_stack() {
    let t = TempDir::new("deep");
    let der = nested_der(10_000);
    let ber = nested_ber(10_000);
    // PKCS#7 ContentInfo (signedData OID) whose content nests 10 000 deep.
    let mut p7 = vec![
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80,
    ];
    p7.extend_from_slice(&ber);
    p7.extend_from_slice(&[0x00, 0x00]);
    let mut p7_ci = vec![0x30, 0x80];
    p7_ci.extend_from_slice(&p7);
    p7_ci.extend_from_slice(&[0x00, 0x00]);
    let paths = [
        t.write("certificates/LocalMachine/My/deep.cer", &der),
        t.write("certificates/LocalMachine/My/deep_ber.cer", &ber),
        t.write("certificates/chains/deep.p7b", &p7_ci),
        t.write("certificates/chains/deep_der.p7b", &der),
    ];
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let o = run_child("deep", &refs);
    assert_eq!(o.members.len(), 4, "{o:#?}");
    for (path, _, state) in &o.members {
        let e = state
            .as_ref()
            .expect_err("nothing to read in 10 000 empty levels");
        assert!(!e.is_empty(), "{path}");
    }
    o.assert_peak_below(64);

    // The parsers directly, on this thread's (small, 2 MiB) test stack.
    assert!(scomtriage_parsers::x509::parse_certificates(&der).is_err());
    assert!(scomtriage_parsers::pkcs7::parse_pkcs7(&p7_ci).is_err());
    assert!(scomtriage_parsers::pkcs7::parse_pkcs7(&ber).is_err());
    assert!(scomtriage_parsers::certstore::parse_store_blob(&der).is_err());
}
