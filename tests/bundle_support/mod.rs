//! Helpers shared by the bundle and inspect tests: unique temporary directories, zips built in
//! memory with the zip crate, small fixtures.
#![allow(dead_code)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A directory under `std::env::temp_dir()` with a unique name, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!(
            "scomtriage-test-{tag}-{}-{nanos}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    /// Write a file (creating parent directories) and return its path.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&p, bytes).expect("write file");
        p
    }
    /// Every file below the directory, relative, sorted.
    pub fn listing(&self) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            if let Ok(rd) = std::fs::read_dir(dir) {
                for e in rd.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        walk(root, &p, out);
                    } else if let Ok(r) = p.strip_prefix(root) {
                        out.push(r.to_string_lossy().into_owned());
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.0, &self.0, &mut out);
        out.sort();
        out
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A zip of `(name, content)` entries, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(entries, CompressionMethod::Deflated)
}

/// A zip of `(name, content)` entries with one compression method.
pub fn zip_with(entries: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(method);
    for (name, bytes) in entries {
        w.start_file(*name, opts).expect("start zip entry");
        w.write_all(bytes).expect("write zip entry");
    }
    w.finish().expect("finish zip").into_inner()
}

/// Offsets of every occurrence of `sig` in `bytes`.
pub fn find_all(bytes: &[u8], sig: &[u8]) -> Vec<usize> {
    (0..bytes.len().saturating_sub(sig.len() - 1))
        .filter(|&i| &bytes[i..i + sig.len()] == sig)
        .collect()
}

/// Patch a little-endian u16 field in every local header (offset `local`) and central header
/// (offset `central`) of a zip.
pub fn patch_u16(zip: &mut [u8], local: usize, central: usize, value: u16) {
    for at in find_all(zip, b"PK\x03\x04") {
        zip[at + local..at + local + 2].copy_from_slice(&value.to_le_bytes());
    }
    for at in find_all(zip, b"PK\x01\x02") {
        zip[at + central..at + central + 2].copy_from_slice(&value.to_le_bytes());
    }
}

/// Patch a little-endian u32 field likewise.
pub fn patch_u32(zip: &mut [u8], local: usize, central: usize, value: u32) {
    for at in find_all(zip, b"PK\x03\x04") {
        zip[at + local..at + local + 4].copy_from_slice(&value.to_le_bytes());
    }
    for at in find_all(zip, b"PK\x01\x02") {
        zip[at + central..at + central + 4].copy_from_slice(&value.to_le_bytes());
    }
}

/// Text as `reg export` writes it: UTF-16LE with a BOM.
pub fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// A small registry export (CRLF, UTF-16LE with BOM): 2 keys, 3 values.
pub fn sample_reg() -> Vec<u8> {
    utf16le_bom(concat!(
        "Windows Registry Editor Version 5.00\r\n",
        "\r\n",
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0\\Machine Settings]\r\n",
        "\"ChannelCertificateSerialNumber\"=hex:08,00,00,00,00,4a,dc,cf,4b,c9,da,94,c6,08,00,00,00,1f\r\n",
        "\"ChannelCertificateHash\"=\"6F1C0A5E3B7D2C9A8E4F1B0D3C5A7E9F2B4D6A8C\"\r\n",
        "\r\n",
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0\\Setup]\r\n",
        "\"Product\"=\"System Center Operations Manager 2022 Gateway Server\"\r\n",
        "\r\n",
    ))
}

/// A manifest per bundle-v1.
pub const MANIFEST: &str = r#"{
  "format": "scomtriage-bundle",
  "format_version": 1,
  "collected_at": "2026-11-20T14:03:11Z",
  "computer": { "netbios_name": "GW01", "fqdn": "gw01.dmz.contoso.com" },
  "scom": { "role": "gateway", "version": "10.22.10118.0" }
}"#;

/// An inventory per bundle-v1 (one certificate with a private key).
pub const INVENTORY: &str = r#"{ "certificates": [ {
  "store": "LocalMachine\\My",
  "thumbprint": "6F1C0A5E3B7D2C9A8E4F1B0D3C5A7E9F2B4D6A8C",
  "has_private_key": true,
  "private_key": { "provider_type": 12, "key_spec": 1 } } ] }"#;

/// A self-signed certificate for `cn`: (PEM, DER).
pub fn cert(cn: &str) -> (String, Vec<u8>) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec![cn.to_string()]).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let c = params.self_signed(&key).expect("self-signed");
    (c.pem(), c.der().to_vec())
}

/// The start of an EVTX file (magic only; not a parsable log).
pub const EVTX_MAGIC_ONLY: &[u8] = b"ElfFile\0 not really a log";

#[path = "../../testsupport/shared_data.rs"]
mod shared_data;

/// `SCOMTRIAGE_SHARED`, else `<workspace root>/../shared`; `None` (with a printed notice)
/// when it is absent, a failure under `SCOMTRIAGE_STRICT=1`.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    shared_data::shared_path(test, "data").and_then(|d| d.parent().map(Path::to_path_buf))
}

/// A log of about 3 MB from the corpus' large scenario: enough 64 KiB chunks (over 40) for every
/// parser thread to take several runs.
pub fn many_chunk_log() -> Vec<u8> {
    use scomtriage_corpus::evtx::{write_evtx, WriterOptions};
    use scomtriage_corpus::{generate, large, scenario};
    let (templates, _) =
        scenario::load_dir(&scomtriage_corpus::scenario_dir()).expect("scenarios load");
    let s = large::large_scenario(200.0, 24.0 * 20.0, &templates).expect("large scenario");
    let events = generate::machine_events_for(&s, &templates, "gw01").expect("events");
    let bytes = write_evtx(&events, &WriterOptions::default());
    assert!(bytes.len() > 40 * 65536, "{} bytes", bytes.len());
    bytes
}
