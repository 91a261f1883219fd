//! Helpers shared by the generator tests: an independent `.reg` reader and zip access.

#![allow(dead_code)]

use scomtriage_corpus::generate::{self, Bundle};
use scomtriage_corpus::scenario::{self, Scenario, Templates};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

pub fn load() -> (Templates, Vec<Scenario>) {
    match scenario::load_dir(&scomtriage_corpus::scenario_dir()) {
        Ok(v) => v,
        Err(e) => panic!("scenarios do not load: {e}"),
    }
}

pub fn bundles_of(id: &str) -> (Scenario, Vec<Bundle>) {
    let (t, all) = load();
    let s = all
        .into_iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no scenario {id}"));
    let b = generate::generate_scenario(&s, &t).unwrap();
    (s, b)
}

/// Read every entry of a zip (name → bytes), in archive order.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.push((name, data));
    }
    out
}

/// A value read back from a `.reg` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Sz(String),
    Dword(u32),
    Hex(String, Vec<u8>),
}

/// Decode UTF-16LE with BOM; panics when the file is not.
pub fn utf16_text(bytes: &[u8]) -> String {
    assert_eq!(&bytes[..2], &[0xff, 0xfe], "BOM");
    assert_eq!(bytes.len() % 2, 0);
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

/// Parse `reg export` text into key path → (value name → value). Written independently of
/// the writer: joins `\` continuations, then reads each value line.
pub fn parse_reg(text: &str) -> BTreeMap<String, BTreeMap<String, Val>> {
    let mut out: BTreeMap<String, BTreeMap<String, Val>> = BTreeMap::new();
    let mut key = String::new();
    let mut logical: Vec<String> = Vec::new();
    let mut pending = String::new();
    for line in text.split("\r\n") {
        if let Some(stripped) = line.strip_suffix('\\') {
            pending.push_str(stripped.trim_start());
            continue;
        }
        pending.push_str(line.trim_start());
        logical.push(std::mem::take(&mut pending));
    }
    for line in logical {
        if line.starts_with('[') && line.ends_with(']') {
            key = line[1..line.len() - 1].to_string();
            out.entry(key.clone()).or_default();
        } else if let Some(rest) = line.strip_prefix('"') {
            let end = find_closing_quote(rest);
            let name = unescape(&rest[..end]);
            let value = &rest[end + 2..];
            let v = if let Some(s) = value.strip_prefix('"') {
                Val::Sz(unescape(&s[..s.len() - 1]))
            } else if let Some(d) = value.strip_prefix("dword:") {
                Val::Dword(u32::from_str_radix(d, 16).unwrap())
            } else {
                let (kind, hex) = value.split_once(':').unwrap();
                let bytes = if hex.is_empty() {
                    Vec::new()
                } else {
                    hex.split(',')
                        .map(|b| u8::from_str_radix(b, 16).unwrap())
                        .collect()
                };
                Val::Hex(kind.to_string(), bytes)
            };
            out.entry(key.clone()).or_default().insert(name, v);
        }
    }
    out
}

fn find_closing_quote(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    panic!("unterminated quote in {s}");
}

fn unescape(s: &str) -> String {
    s.replace("\\\"", "\"").replace("\\\\", "\\")
}

/// Properties of a serialized store element.
pub fn blob_props(blob: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    let u32_at = |p: usize| u32::from_le_bytes([blob[p], blob[p + 1], blob[p + 2], blob[p + 3]]);
    while pos < blob.len() {
        let id = u32_at(pos);
        assert_eq!(u32_at(pos + 4), 1, "reserved field");
        let len = u32_at(pos + 8) as usize;
        out.push((id, blob[pos + 12..pos + 12 + len].to_vec()));
        pos += 12 + len;
    }
    assert_eq!(pos, blob.len());
    out
}

/// (provider, provider type, flags, key spec) from a self-relative CRYPT_KEY_PROV_INFO.
pub fn key_prov_info(b: &[u8]) -> (String, String, u32, u32, u32) {
    let u32_at = |p: usize| u32::from_le_bytes([b[p], b[p + 1], b[p + 2], b[p + 3]]);
    let string_at = |off: usize| {
        let units: Vec<u16> = b[off..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|u| *u != 0)
            .collect();
        String::from_utf16(&units).unwrap()
    };
    (
        string_at(u32_at(0) as usize),
        string_at(u32_at(4) as usize),
        u32_at(8),
        u32_at(12),
        u32_at(24),
    )
}

/// The DER serialNumber content of a certificate.
pub fn der_serial(der: &[u8]) -> Vec<u8> {
    scomtriage_corpus::der::cert_fields(der)
        .unwrap()
        .serial_content
}
