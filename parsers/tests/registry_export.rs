//! `.reg` parsing on fixtures written here the way `reg export` writes them:
//! UTF-16LE with BOM, CRLF, header, blank line, `[key]` sections separated
//! by blank lines, long `hex` data wrapped with `,\` and continued after two
//! spaces (a line holds at most 79 characters before the `\`, as in the
//! example of `../shared/reference/scom-cert-auth.md` §3.5 and in the real
//! files of `../shared/data/reg`).

mod registry_support;

use registry_support::{RegWriter, W};
use scomtriage_parsers::registry::{
    looks_like_reg, parse_reg, RegData, RegError, RegFormat, RegKey, RegParse,
};

fn parse_ok(bytes: &[u8]) -> RegParse {
    match parse_reg(bytes) {
        Ok(p) => p,
        Err(e) => panic!("parse failed: {e}"),
    }
}

const OPSMGR: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0";
const HASH: &str = "6f1c0a5e3b7d2c9a8e4f1b0d3c5a7e9f2b4d6a8c";

/// Lines where the SCOM fixture wrote each value.
struct ScomLines {
    serial: usize,
    hash: usize,
    port: usize,
    description: usize,
    after_description: usize,
    state_dirs: usize,
}

/// A realistic `reg export "HKLM\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0"`
/// of an agent, with the registry serial given in registry byte order.
fn scom_export(serial_registry_order: &[u8]) -> (RegWriter, ScomLines) {
    let mut w = RegWriter::version5();
    w.key(OPSMGR);
    w.key(&format!("{OPSMGR}\\Agent Management Groups"));
    w.key(&format!("{OPSMGR}\\Agent Management Groups\\MG1"));
    w.value(Some("IsServer"), W::Dword(0));
    w.key(&format!(
        "{OPSMGR}\\Agent Management Groups\\MG1\\Parent Health Services"
    ));
    w.key(&format!(
        "{OPSMGR}\\Agent Management Groups\\MG1\\Parent Health Services\\0"
    ));
    w.value(Some("NetworkName"), W::Sz("ms01.contoso.com"));
    let port = w.value(Some("Port"), W::Dword(5723));
    w.value(Some("AuthenticationName"), W::Sz("ms01.contoso.com"));
    w.key(&format!(
        "{OPSMGR}\\Agent Management Groups\\MG1\\Parent Health Services\\1"
    ));
    w.value(Some("NetworkName"), W::Sz("ms02.contoso.com"));
    w.value(Some("Port"), W::Dword(5723));
    w.key(&format!("{OPSMGR}\\Machine Settings"));
    let serial = w.value(
        Some("ChannelCertificateSerialNumber"),
        W::Binary(serial_registry_order),
    );
    let hash = w.value(Some("ChannelCertificateHash"), W::Sz(HASH));
    w.value(Some("DefaultSDKServiceMachine"), W::Sz(""));
    w.key(&format!("{OPSMGR}\\Setup"));
    w.value(None, W::Sz("default text"));
    w.value(Some("Product"), W::Sz("Microsoft Monitoring Agent"));
    w.value(
        Some("InstallDirectory"),
        W::Sz(r"C:\Program Files\Microsoft Monitoring Agent\Agent\"),
    );
    w.value(Some("CurrentVersion"), W::Sz("10.22.10118.0"));
    w.value(
        Some("AgentInstallPath"),
        W::ExpandSz(r"%ProgramFiles%\Microsoft Monitoring Agent\Agent\"),
    );
    let state_dirs = w.value(
        Some("StateDirectories"),
        W::MultiSz(&[
            r"C:\Program Files\Microsoft Monitoring Agent\Agent\Health Service State",
            r"D:\State",
        ]),
    );
    w.value(Some("InstalledOn"), W::Qword(0x01DA_2B3C_4D5E_6F70));
    w.value(Some("Marker"), W::Hex(0, &[]));
    w.value(Some("Odd"), W::Hex(0x20, &[1, 2, 3]));
    let description = w.value(
        Some("Description"),
        W::Sz("First line\r\nsays \"hi\" from C:\\Temp\\"),
    );
    let after_description = w.value(Some("AfterDescription"), W::Dword(1));
    w.raw_line("");
    (
        w,
        ScomLines {
            serial,
            hash,
            port,
            description,
            after_description,
            state_dirs,
        },
    )
}

/// S7's sample serial (19 bytes) as displayed, and the registry bytes (reversed).
const SERIAL_19: &str = "1f00000008c694dac94bcfdc4a000000000008";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test hex"))
        .collect()
}

fn reversed(v: &[u8]) -> Vec<u8> {
    v.iter().rev().copied().collect()
}

#[test]
fn scom_agent_export_utf16() {
    let serial = reversed(&unhex(SERIAL_19));
    assert_eq!(serial.len(), 19);
    let (w, lines) = scom_export(&serial);
    // The fixture really is wrapped the way reg export wraps.
    assert!(w.text.contains(
        "\"ChannelCertificateSerialNumber\"=hex:08,00,00,00,00,00,4a,dc,cf,4b,c9,da,94,c6,\\\r\n  08,00,00,00,1f\r\n"
    ));
    for wrapped in [
        "\"StateDirectories\"=hex(7):",
        "\"AgentInstallPath\"=hex(2):",
    ] {
        let at = w.text.find(wrapped).expect("value written");
        let first_line = w.text[at..].lines().next().unwrap_or("");
        assert!(first_line.ends_with(",\\"), "{wrapped} is wrapped");
        assert!(first_line.len() <= 80, "{first_line}");
    }

    let parsed = parse_ok(&w.utf16());
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let file = &parsed.file;
    assert_eq!(file.format, RegFormat::Version5);
    assert_eq!(file.keys.len(), 8);

    let ms = file
        .key(&format!("{OPSMGR}\\Machine Settings"))
        .expect("Machine Settings");
    let v = ms.value("ChannelCertificateSerialNumber").expect("serial");
    assert_eq!(v.as_binary(), Some(&serial[..]));
    assert_eq!(v.line, lines.serial);
    let h = ms.value("ChannelCertificateHash").expect("hash");
    assert_eq!(h.as_str(), Some(HASH));
    assert_eq!(h.line, lines.hash);
    assert_eq!(
        ms.value("DefaultSDKServiceMachine")
            .and_then(|v| v.as_str()),
        Some("")
    );

    let setup = file.key(&format!("{OPSMGR}\\Setup")).expect("Setup");
    let s = |n: &str| setup.value(n).and_then(|v| v.as_str());
    assert_eq!(s("Product"), Some("Microsoft Monitoring Agent"));
    assert_eq!(
        s("InstallDirectory"),
        Some(r"C:\Program Files\Microsoft Monitoring Agent\Agent\")
    );
    assert_eq!(s("CurrentVersion"), Some("10.22.10118.0"));
    assert_eq!(s(""), Some("default text"));
    assert_eq!(s("@"), Some("default text"));
    assert_eq!(
        setup.value("AgentInstallPath").map(|v| &v.data),
        Some(&RegData::ExpandString(
            r"%ProgramFiles%\Microsoft Monitoring Agent\Agent\".into()
        ))
    );
    let dirs = setup.value("StateDirectories").expect("multi");
    assert_eq!(dirs.line, lines.state_dirs);
    assert_eq!(
        dirs.as_multi_string(),
        Some(
            &[
                r"C:\Program Files\Microsoft Monitoring Agent\Agent\Health Service State"
                    .to_owned(),
                r"D:\State".to_owned()
            ][..]
        )
    );
    assert_eq!(
        setup.value("InstalledOn").and_then(|v| v.as_qword()),
        Some(0x01DA_2B3C_4D5E_6F70)
    );
    assert_eq!(
        setup.value("Marker").map(|v| &v.data),
        Some(&RegData::Other {
            kind: 0,
            bytes: vec![]
        })
    );
    assert_eq!(
        setup.value("Odd").map(|v| &v.data),
        Some(&RegData::Other {
            kind: 0x20,
            bytes: vec![1, 2, 3]
        })
    );
    let d = setup.value("Description").expect("description");
    assert_eq!(
        d.as_str(),
        Some("First line\r\nsays \"hi\" from C:\\Temp\\")
    );
    assert_eq!(d.line, lines.description);
    let after = setup.value("AfterDescription").expect("after");
    assert_eq!(after.line, lines.after_description);
    assert_eq!(after.line, lines.description + 2);

    let parent0 = file
        .key(&format!(
            "{OPSMGR}\\Agent Management Groups\\MG1\\Parent Health Services\\0"
        ))
        .expect("parent 0");
    assert_eq!(
        parent0.value("NetworkName").and_then(|v| v.as_str()),
        Some("ms01.contoso.com")
    );
    let port = parent0.value("Port").expect("port");
    assert_eq!(port.as_dword(), Some(5723));
    assert_eq!(port.line, lines.port);
}

#[test]
fn twenty_byte_serial_wraps_and_reads_back() {
    // Top bit set: the DER INTEGER carries a 0x00 pad, Windows shows 20 bytes.
    let displayed = unhex("00c3a1b2c3d4e5f60718293a4b5c6d7e8f901a2b");
    assert_eq!(displayed.len(), 20);
    let serial = reversed(&displayed);
    let (w, lines) = scom_export(&serial);
    assert!(w.text.contains(",\\\r\n  "), "fixture must be wrapped");
    let parsed = parse_ok(&w.utf16());
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let v = parsed
        .file
        .key(&format!("{OPSMGR}\\Machine Settings"))
        .and_then(|k| k.value("ChannelCertificateSerialNumber"))
        .expect("serial");
    assert_eq!(v.as_binary(), Some(&serial[..]));
    assert_eq!(v.line, lines.serial);
}

#[test]
fn lookups_are_case_insensitive_and_accept_hklm() {
    let (w, _) = scom_export(&reversed(&unhex(SERIAL_19)));
    let parsed = parse_ok(&w.utf16());
    let file = &parsed.file;
    let k = file
        .key(r"hklm\software\microsoft\MICROSOFT OPERATIONS MANAGER\3.0\machine settings")
        .expect("case-insensitive key");
    assert!(k.value("channelcertificatehash").is_some());
    assert!(k.value("CHANNELCERTIFICATESERIALNUMBER").is_some());
    assert!(k.value("NoSuchValue").is_none());
    assert!(file.key(&format!("{OPSMGR}\\Machine Settings\\")).is_some());
    assert!(file.key(&format!("{OPSMGR}\\MachineSettings")).is_none());

    let children: Vec<&str> = file
        .subkeys(
            r"HKLM\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0\agent management groups\mg1\Parent Health Services",
        )
        .iter()
        .map(|k| k.leaf_name())
        .collect();
    assert_eq!(children, ["0", "1"]);
    let direct: Vec<&str> = file.subkeys(OPSMGR).iter().map(|k| k.leaf_name()).collect();
    assert_eq!(
        direct,
        ["Agent Management Groups", "Machine Settings", "Setup"]
    );
    assert_eq!(file.value_count(), 20);
}

#[test]
fn wow6432node_is_an_alias() {
    let wow = r"HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Microsoft Operations Manager\3.0";
    let mut w = RegWriter::version5();
    w.key(wow);
    w.key(&format!("{wow}\\Machine Settings"));
    w.value(Some("ChannelCertificateHash"), W::Sz("wow"));
    w.key(&format!("{wow}\\Setup"));
    w.value(Some("Product"), W::Sz("Microsoft Monitoring Agent"));
    let parsed = parse_ok(&w.utf16());
    let file = &parsed.file;
    let k = file
        .key(&format!("{OPSMGR}\\Machine Settings"))
        .expect("found through WOW6432Node");
    assert_eq!(k.path, format!("{wow}\\Machine Settings"));
    let leaves: Vec<&str> = file.subkeys(OPSMGR).iter().map(|k| k.leaf_name()).collect();
    assert_eq!(leaves, ["Machine Settings", "Setup"]);
    // The other way round: asking for the WOW6432Node path finds the native key.
    let (native, _) = scom_export(&[1]);
    let parsed = parse_ok(&native.utf16());
    assert!(parsed
        .file
        .key(&format!("{wow}\\Setup"))
        .is_some_and(|k| k.path == format!("{OPSMGR}\\Setup")));

    // When both views exist, the native one wins.
    let mut w = RegWriter::version5();
    w.key(&format!("{wow}\\Machine Settings"));
    w.value(Some("ChannelCertificateHash"), W::Sz("wow"));
    w.key(&format!("{OPSMGR}\\Machine Settings"));
    w.value(Some("ChannelCertificateHash"), W::Sz("native"));
    let parsed = parse_ok(&w.utf16());
    assert_eq!(
        parsed
            .file
            .key(&format!("{OPSMGR}\\Machine Settings"))
            .and_then(|k| k.value("ChannelCertificateHash"))
            .and_then(|v| v.as_str()),
        Some("native")
    );
}

#[test]
fn regedit4_in_utf8_with_lf() {
    let mut w = RegWriter::with_header("REGEDIT4", "\n", false);
    w.key(&format!("{OPSMGR}\\Setup"));
    w.value(Some("Product"), W::Sz("Microsoft Monitoring Agent"));
    w.value(Some("Path"), W::ExpandSz(r"%SystemRoot%\café"));
    w.value(Some("List"), W::MultiSz(&["one", "two"]));
    w.value(Some("Port"), W::Dword(0x165b));
    let parsed = parse_ok(w.text.as_bytes());
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.file.format, RegFormat::Regedit4);
    let k = parsed.file.key(&format!("{OPSMGR}\\Setup")).expect("key");
    assert_eq!(
        k.value("Path").map(|v| &v.data),
        Some(&RegData::ExpandString(r"%SystemRoot%\café".into()))
    );
    assert_eq!(
        k.value("List").and_then(|v| v.as_multi_string()),
        Some(&["one".to_owned(), "two".to_owned()][..])
    );
    assert_eq!(k.value("Port").and_then(|v| v.as_dword()), Some(5723));
}

#[test]
fn utf8_with_bom_and_no_final_newline() {
    let mut text = String::from("\u{FEFF}Windows Registry Editor Version 5.00\r\n\r\n");
    text.push_str(&format!("[{OPSMGR}\\Machine Settings]\r\n"));
    text.push_str("\"ChannelCertificateHash\"=\"abc\"\r\n");
    text.push_str("\"Last\"=dword:0000000a");
    let parsed = parse_ok(text.as_bytes());
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let k = parsed
        .file
        .key(&format!("{OPSMGR}\\Machine Settings"))
        .expect("key");
    let last = k.value("last").expect("last value without newline");
    assert_eq!((last.as_dword(), last.line), (Some(10), 5));

    // Also without BOM, and a wrapped hex value as the very last line.
    let text =
        format!("Windows Registry Editor Version 5.00\n[{OPSMGR}]\n\"b\"=hex:01,02,\\\n  03");
    let parsed = parse_ok(text.as_bytes());
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(
        parsed
            .file
            .key(OPSMGR)
            .and_then(|k| k.value("b"))
            .and_then(|v| v.as_binary()),
        Some(&[1, 2, 3][..])
    );
}

#[test]
fn utf16_without_bom_is_read() {
    let (w, _) = scom_export(&[1, 2, 3]);
    let parsed = parse_ok(&w.utf16()[2..]);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.file.keys.len(), 8);
}

#[test]
fn bad_line_is_reported_and_the_rest_kept() {
    let mut w = RegWriter::version5();
    w.key(&format!(
        "{OPSMGR}\\Agent Management Groups\\MG1\\Parent Health Services\\0"
    ));
    w.value(Some("NetworkName"), W::Sz("ms01.contoso.com"));
    let bad = w.raw_line("\"Port\"=dword:5723x");
    w.value(Some("AfterBad"), W::Dword(2));
    let junk = w.raw_line("this line is not registry syntax");
    w.key(&format!("{OPSMGR}\\Machine Settings"));
    let bad_hex = w.raw_line("\"ChannelCertificateSerialNumber\"=hex:08,00,\\");
    w.raw_line("  zz,01");
    w.value(Some("ChannelCertificateHash"), W::Sz(HASH));
    w.key(&format!("{OPSMGR}\\Setup"));
    w.value(Some("Product"), W::Sz("Microsoft Monitoring Agent"));

    let parsed = parse_ok(&w.utf16());
    let got: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
    assert_eq!(got, [bad, junk, bad_hex + 1], "{:?}", parsed.problems);
    let m = &parsed.problems[0].message;
    assert!(m.contains("\"Port\"") && m.contains("dword"), "{m}");
    assert!(parsed.problems[1].message.contains("unexpected text"));
    let m = &parsed.problems[2].message;
    assert!(
        m.contains("\"zz,01\"") && m.contains(&format!("line {bad_hex}")),
        "{m}"
    );

    let file = &parsed.file;
    let parent = file
        .key(&format!(
            "{OPSMGR}\\Agent Management Groups\\MG1\\Parent Health Services\\0"
        ))
        .expect("parent");
    assert!(parent.value("Port").is_none());
    assert_eq!(parent.value("AfterBad").and_then(|v| v.as_dword()), Some(2));
    let ms = file
        .key(&format!("{OPSMGR}\\Machine Settings"))
        .expect("ms");
    assert!(ms.value("ChannelCertificateSerialNumber").is_none());
    assert_eq!(
        ms.value("ChannelCertificateHash").and_then(|v| v.as_str()),
        Some(HASH)
    );
    assert!(file.key(&format!("{OPSMGR}\\Setup")).is_some());
}

#[test]
fn unclosed_quote_and_dangling_continuation_do_not_swallow_keys() {
    let text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[{OPSMGR}\\Setup]\r\n\
         \"InstallDirectory\"=\"C:\\Program Files\\\"\r\n\
         \"Product\"=\"Microsoft Monitoring Agent\"\r\n\
         \"Blob\"=hex:01,02,\\\r\n\
         \r\n\
         [{OPSMGR}\\Machine Settings]\r\n\
         \"ChannelCertificateHash\"=\"{HASH}\"\r\n"
    );
    let parsed = parse_ok(text.as_bytes());
    let got: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
    assert_eq!(got, [4, 6], "{:?}", parsed.problems);
    assert!(parsed.problems[0].message.contains("not closed"));
    assert!(parsed.problems[0].message.contains("escaped quote"));
    assert!(parsed.problems[1].message.contains("ends with '\\'"));
    let setup = parsed.file.key(&format!("{OPSMGR}\\Setup")).expect("setup");
    assert!(setup.value("InstallDirectory").is_none());
    assert_eq!(
        setup.value("Product").and_then(|v| v.as_str()),
        Some("Microsoft Monitoring Agent")
    );
    assert_eq!(
        setup.value("Blob").and_then(|v| v.as_binary()),
        Some(&[1, 2][..])
    );
    assert!(parsed
        .file
        .key(&format!("{OPSMGR}\\Machine Settings"))
        .is_some());
}

#[test]
fn comments_deletions_and_values_outside_keys() {
    let text = "REGEDIT4\n\
        \"orphan\"=\"x\"\n\
        ; a comment\n\
        [-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\New]\n\
        \"gone\"=-\n\
        \"Wrapped\"=hex:01,\\\n\
        ; comment inside the wrapped data\n\
          02\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\Empty]\n";
    let parsed = parse_ok(text.as_bytes());
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    assert_eq!(parsed.problems[0].line, 2);
    assert!(parsed.problems[0].message.contains("before any [key]"));
    let file = &parsed.file;
    let old = file
        .key(r"HKLM\SOFTWARE\Old")
        .expect("deleted key is listed");
    assert!(old.deleted);
    let new = file.key(r"HKLM\SOFTWARE\New").expect("new");
    assert_eq!(new.value("gone").map(|v| &v.data), Some(&RegData::Delete));
    assert_eq!(
        new.value("wrapped").and_then(|v| v.as_binary()),
        Some(&[1, 2][..])
    );
    let empty = file
        .key(r"HKLM\SOFTWARE\Empty")
        .expect("key without values");
    assert!(empty.values.is_empty());
    assert_eq!(empty.line, 10);
}

#[test]
fn not_a_registry_export() {
    let cases: [(&[u8], &str); 4] = [
        (b"", "empty"),
        (b"-----BEGIN CERTIFICATE-----\nMIIB\n", "BEGIN CERTIFICATE"),
        (b"ElfFile\0\0\0\0\x01\x02", "binary"),
        (b"\xFF\xFE", "empty"),
    ];
    for (bytes, needle) in cases {
        match parse_reg(bytes) {
            Err(RegError::NotRegistryExport(reason)) => {
                assert!(reason.contains(needle), "{reason}");
                assert!(!reason.contains('\n'), "one line: {reason}");
            }
            other => panic!("{needle}: {other:?}"),
        }
    }
    // A header of some other tool.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("REGEDIT5\r\n".encode_utf16().flat_map(u16::to_le_bytes));
    assert!(matches!(
        parse_reg(&utf16),
        Err(RegError::NotRegistryExport(r)) if r.contains("\"REGEDIT5\"")
    ));
}

/// Decision: damaged UTF-16 is not fatal. A file cut short in the middle of
/// a character (odd length) keeps everything before the cut and reports it
/// as a problem on the last line; unpaired surrogates become U+FFFD, each
/// reported on its line.
#[test]
fn odd_length_utf16_is_read_lossily_with_a_problem() {
    let (w, lines) = scom_export(&reversed(&unhex(SERIAL_19)));
    let mut bytes = w.utf16();
    bytes.push(b'X');
    let parsed = parse_ok(&bytes);
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    assert!(parsed.problems[0].message.contains("odd number of bytes"));
    assert_eq!(parsed.problems[0].line, w.line, "reported on the last line");
    assert_eq!(parsed.file.keys.len(), 8);

    // Cut in the middle of the data of the last value: everything before stays.
    let full = w.utf16();
    let cut = full.len() - 13;
    let parsed = parse_ok(&full[..cut]);
    assert!(parsed
        .problems
        .iter()
        .any(|p| p.message.contains("odd number of bytes")));
    let setup = parsed.file.key(&format!("{OPSMGR}\\Setup")).expect("setup");
    let d = setup
        .value("Description")
        .expect("description before the cut");
    assert_eq!(
        d.as_str(),
        Some("First line\r\nsays \"hi\" from C:\\Temp\\")
    );
    assert_eq!(d.line, lines.description);

    // Lone surrogate inside a value.
    let mut bytes = vec![0xFF, 0xFE];
    let text = format!("Windows Registry Editor Version 5.00\r\n\r\n[{OPSMGR}]\r\n\"a\"=\"x");
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes.extend([0x00, 0xDC]);
    bytes.extend(
        "\"\r\n\"b\"=\"y\"\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let parsed = parse_ok(&bytes);
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    assert_eq!(parsed.problems[0].line, 4);
    let k = parsed.file.key(OPSMGR).expect("key");
    assert_eq!(k.value("a").and_then(|v| v.as_str()), Some("x\u{FFFD}"));
    assert_eq!(k.value("b").and_then(|v| v.as_str()), Some("y"));
}

#[test]
fn ansi_regedit4_is_read_as_windows_1252() {
    let bytes =
        b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"Name\"=\"Gr\xfc\xdfe \x80\"\r\n";
    let parsed = parse_ok(bytes);
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].line, 4);
    assert!(parsed.problems[0].message.contains("Windows-1252"));
    assert_eq!(
        parsed
            .file
            .key(r"HKLM\SOFTWARE\X")
            .and_then(|k| k.value("name"))
            .and_then(|v| v.as_str()),
        Some("Grüße €")
    );
}

#[test]
fn repeated_sections_and_values_last_wins() {
    let text = "Windows Registry Editor Version 5.00\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\A]\n\"v\"=dword:00000001\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B]\n\
        [hkey_local_machine\\software\\a]\n\"V\"=dword:00000002\n\"w\"=\"\"\n";
    let parsed = parse_ok(text.as_bytes());
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(
        parsed.file.keys.len(),
        2,
        "the second [A] continues the first"
    );
    let a = parsed.file.key(r"HKLM\SOFTWARE\A").expect("A");
    assert_eq!(a.values.len(), 3);
    assert_eq!(a.value("v").and_then(|v| v.as_dword()), Some(2));
    assert_eq!(a.line, 2);
}

/// Many unclosed quotes: each is one problem, and every line is still read.
#[test]
fn many_unclosed_quotes_stay_line_by_line() {
    let mut text = String::from("Windows Registry Editor Version 5.00\n[HKEY_LOCAL_MACHINE\\X]\n");
    for _ in 0..2000 {
        text.push_str("\"a\"=\"no end\n");
    }
    text.push_str("\"last\"=dword:00000001\n");
    let parsed = parse_ok(text.as_bytes());
    // Each unclosed string runs to the next line, whose first quote closes
    // it with text after it, so each is rejected on its own line.
    assert_eq!(parsed.problems.len(), 2000);
    assert_eq!(parsed.problems[1999].line, 2002);
    assert_eq!(
        parsed
            .file
            .key(r"HKLM\X")
            .and_then(|k| k.value("last"))
            .and_then(|v| v.as_dword()),
        Some(1)
    );
}

#[test]
fn sniffing_by_content() {
    let (w, _) = scom_export(&[1]);
    assert!(looks_like_reg(&w.utf16()));
    assert!(looks_like_reg(&w.utf16()[2..]), "UTF-16 without BOM");
    assert!(looks_like_reg(w.text.as_bytes()));
    assert!(looks_like_reg(b"\xEF\xBB\xBF\r\nREGEDIT4\r\n"));
    assert!(!looks_like_reg(b""));
    assert!(!looks_like_reg(b"-----BEGIN CERTIFICATE-----\n"));
    assert!(!looks_like_reg(b"ElfFile\0\0\0"));
    assert!(!looks_like_reg(b"Windows Registry Editor Version 4.00\r\n"));
}

#[test]
fn leaf_name_ignores_a_trailing_separator() {
    let key = |path: &str| RegKey {
        path: path.to_owned(),
        values: Vec::new(),
        line: 1,
        deleted: false,
    };
    assert_eq!(
        key(r"HKEY_LOCAL_MACHINE\SOFTWARE\A\Machine Settings").leaf_name(),
        "Machine Settings"
    );
    assert_eq!(key(r"HKEY_LOCAL_MACHINE\SOFTWARE\A\0\").leaf_name(), "0");
    assert_eq!(key("HKEY_USERS").leaf_name(), "HKEY_USERS");
}
