//! The `.reg` parser never panics and keeps its promises on damaged input:
//! every byte-truncation of an export, and many random edits of one.
//!
//! Also a throughput measurement (ignored by default; it prints figures and
//! ratios, it asserts nothing about time):
//! `cargo test --release -p scomtriage-parsers --test registry_robustness -- --ignored --nocapture`

mod registry_support;

use std::time::Instant;

use registry_support::{RegWriter, W};
use scomtriage_parsers::registry::{parse_reg, RegError};

fn fixture() -> RegWriter {
    let root = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0";
    let mut w = RegWriter::version5();
    w.key(root);
    w.key(&format!("{root}\\Machine Settings"));
    w.value(
        Some("ChannelCertificateSerialNumber"),
        W::Binary(&[
            8, 0, 0, 0, 0, 0, 0x4a, 0xdc, 0xcf, 0x4b, 0xc9, 0xda, 0x94, 0xc6, 8, 0, 0, 0, 0x1f,
        ]),
    );
    w.value(Some("ChannelCertificateHash"), W::Sz("6f1c0a5e"));
    w.key(&format!("{root}\\Setup"));
    w.value(None, W::Sz("a \"quoted\" C:\\path\r\nsecond line"));
    w.value(
        Some("Path"),
        W::ExpandSz(r"%ProgramFiles%\Microsoft Monitoring Agent\Agent"),
    );
    w.value(Some("List"), W::MultiSz(&["one", "two", "three"]));
    w.value(Some("Q"), W::Qword(7));
    w.value(Some("N"), W::Hex(0, &[]));
    w.value(Some("Port"), W::Dword(5723));
    w
}

/// Checks the result of one parse: no panic (by reaching here), problems
/// and values point at lines that exist, errors are one line.
fn check(bytes: &[u8], max_line: usize) {
    match parse_reg(bytes) {
        Ok(p) => {
            for problem in &p.problems {
                assert!(
                    (1..=max_line).contains(&problem.line),
                    "problem on line {} of {max_line}: {}",
                    problem.line,
                    problem.message
                );
                assert!(!problem.message.is_empty());
            }
            for key in &p.file.keys {
                assert!((1..=max_line).contains(&key.line));
                for v in &key.values {
                    assert!((1..=max_line).contains(&v.line));
                }
            }
        }
        Err(RegError::NotRegistryExport(m) | RegError::Encoding(m)) => {
            assert!(!m.contains('\n'), "one-line error: {m:?}");
        }
        Err(e) => panic!("unexpected error kind: {e:?}"),
    }
}

/// Line count of the text the bytes decode to (upper bound for line numbers).
fn max_line(w: &RegWriter) -> usize {
    w.line + 1
}

#[test]
fn every_truncation_of_a_utf16_export() {
    let w = fixture();
    let bytes = w.utf16();
    let full = parse_reg(&bytes).expect("full file parses");
    assert!(full.problems.is_empty(), "{:?}", full.problems);
    for cut in 0..=bytes.len() {
        check(&bytes[..cut], max_line(&w));
    }
}

#[test]
fn every_truncation_of_a_utf8_export() {
    let w = fixture();
    let text = w.text.as_bytes();
    for cut in 0..=text.len() {
        check(&text[..cut], max_line(&w));
    }
}

/// xorshift64*: deterministic pseudo-random numbers without a crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }
}

#[test]
fn random_edits_never_panic() {
    const SPECIAL: &[&str] = &[
        "\"",
        "\\",
        "[",
        "]",
        "\r\n",
        "\n",
        "\r",
        "=",
        "@",
        ";",
        ",",
        "(",
        ")",
        ":",
        "-",
        "hex(",
        "hex(7):",
        "dword:",
        "\0",
        "\u{FFFD}",
        "é",
        "\u{1F600}",
        ",\\\r\n  ",
        "[-",
        "\"\"",
    ];
    let w = fixture();
    let base: Vec<char> = w.text.chars().collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..1500 {
        let mut chars = base.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(chars.len() + 1);
            match rng.below(3) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                _ => {
                    let ins = SPECIAL[rng.below(SPECIAL.len())];
                    for (k, c) in ins.chars().enumerate() {
                        chars.insert(at + k, c);
                    }
                }
            }
        }
        let text: String = chars.into_iter().collect();
        let lines = text.matches('\n').count() + text.matches('\r').count() + 2;
        check(text.as_bytes(), lines);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut bound = lines;
        if round % 7 == 0 {
            // Damage the UTF-16 itself: odd length or a lone surrogate. The
            // text after an odd insertion decodes to other characters, so
            // bound line numbers by the character count instead.
            bound = utf16.len() / 2 + 2;
            let at = 2 + 2 * rng.below((utf16.len() - 2) / 2);
            if round % 2 == 0 {
                utf16.insert(at, 0x41);
            } else {
                utf16.splice(at..at, [0x00, 0xD8]);
            }
        }
        check(&utf16, bound);
    }
}

/// A `reg export "HKLM\SOFTWARE\Microsoft\SystemCertificates"`-like file:
/// `keys` certificate keys, each with a 1,200-byte wrapped `Blob`.
fn big_export(keys: usize) -> Vec<u8> {
    let mut w = RegWriter::version5();
    let blob: Vec<u8> = (0..1200u32).map(|i| (i * 7 + 3) as u8).collect();
    for k in 0..keys {
        w.key(&format!(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates\MY\Certificates\{k:040X}"
        ));
        w.value(Some("Blob"), W::Binary(&blob));
    }
    w.utf16()
}

fn seconds<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed().as_secs_f64())
}

#[test]
#[ignore = "measurement: run with --release --ignored --nocapture"]
fn throughput() {
    for keys in [1000usize, 4000] {
        let bytes = big_export(keys);
        // Baseline: just decoding the UTF-16 and counting lines.
        let (lines, base) = seconds(|| {
            let units: Vec<u16> = bytes[2..]
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16_lossy(&units).lines().count()
        });
        let (parsed, t) = seconds(|| parse_reg(&bytes));
        let parsed = parsed.expect("parses");
        assert_eq!(parsed.file.keys.len(), keys);
        assert!(parsed.problems.is_empty());
        let mb = bytes.len() as f64 / 1e6;
        println!(
            "{keys} keys, {mb:.1} MB UTF-16, {lines} lines: parse {:.3} s ({:.0} MB/s), decode+split baseline {:.3} s, ratio {:.1}",
            t,
            mb / t,
            base,
            t / base
        );
    }
    // Pathological: every line opens a string that never closes.
    for n in [20_000usize, 80_000] {
        let mut text = String::from("REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n");
        for _ in 0..n {
            text.push_str("\"a\"=\"no end\n");
        }
        let (parsed, t) = seconds(|| parse_reg(text.as_bytes()));
        let problems = parsed.map(|p| p.problems.len()).unwrap_or(0);
        println!("{n} unclosed strings: {t:.3} s, {problems} problems");
    }
    // Pathological: one value continued over very many lines.
    for n in [20_000usize, 80_000] {
        let mut text = String::from("REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"b\"=hex:00,\\\n");
        for _ in 0..n {
            text.push_str("  01,02,\\\n");
        }
        text.push_str("  03\n");
        let (parsed, t) = seconds(|| parse_reg(text.as_bytes()));
        let len = parsed.ok().and_then(|p| {
            p.file
                .key(r"HKLM\X")?
                .value("b")?
                .as_binary()
                .map(<[u8]>::len)
        });
        println!("{n} continuation lines: {t:.3} s, {len:?} bytes");
    }
}
