//! One function per fuzz target, taking the fuzzer's bytes. Each calls a parser (or reader)
//! through its public API and then touches what came out, so that lazily computed parts and
//! accessors run too. None of them asserts anything: the property under test is "returns, no
//! panic, bounded memory". `tests/fuzz_regressions.rs` replays saved inputs through these same
//! functions on stable Rust.
//!
//! Only stable public API is used (`scomtriage_parsers::*`, `scomtriage::bundle`,
//! `scomtriage::analyze::{read_options, analyze_bundles}`, `scomtriage::report::{json, text}`).

use scomtriage_parsers::{certstore, evtx, inventory, manifest, pkcs7, registry, x509};
use std::io::{Cursor, Write};

/// Limits used by the reader targets: small enough that one input cannot take the fuzzing
/// machine's memory, large enough for every seed.
fn fuzz_limits() -> scomtriage::bundle::Limits {
    scomtriage::bundle::Limits {
        max_entries: 2_000,
        max_entry_bytes: 16 << 20,
        max_total_bytes: 64 << 20,
        max_ratio: 200,
    }
}

fn touch_certificate(c: &x509::Certificate) {
    let _ = c.extension_problems();
    let _ = c.verify_signed_by(c);
    let _ = c.is_valid_at(0);
    let _ = c.is_valid_at(i64::MAX);
    let _ = c.is_valid_at(i64::MIN);
    let _ = c.has_eku("1.3.6.1.5.5.7.3.1");
    let _ = c.has_eku("1.3.6.1.5.5.7.3.2");
    let _ = format!("{c:?}");
}

/// Certificates: DER, PEM (one or more blocks), bare Base64, UTF-16 text.
pub fn certificate(data: &[u8]) {
    if let Ok(certs) = x509::parse_certificates(data) {
        certs.iter().for_each(touch_certificate);
        if let [a, b, ..] = certs.as_slice() {
            let _ = a.verify_signed_by(b);
        }
    }
    if let Ok(c) = x509::Certificate::from_der(data) {
        touch_certificate(&c);
    }
}

/// PKCS#7 certificate bags: DER, BER (indefinite lengths), PEM, bare Base64.
pub fn pkcs7(data: &[u8]) {
    let _ = pkcs7::looks_like_pkcs7(data);
    if let Ok(certs) = pkcs7::parse_pkcs7(data) {
        certs.iter().for_each(touch_certificate);
    }
}

/// `reg export` text, UTF-16LE with BOM or UTF-8.
pub fn reg(data: &[u8]) {
    let _ = registry::looks_like_reg(data);
    if let Ok(parse) = registry::parse_reg(data) {
        let file = &parse.file;
        let _ = file.value_count();
        for k in file.keys.iter().take(64) {
            let _ = file.key(&k.path);
            let _ = file.subkeys(&k.path);
            let _ = k.leaf_name();
            for v in &k.values {
                let _ = (v.as_str(), v.as_binary(), v.as_dword(), v.as_qword());
                let _ = v.as_multi_string();
                let _ = v.data.type_name();
                if let Some(name) = &v.name {
                    let _ = k.value(name);
                }
            }
        }
        let _ = file
            .key("HKLM\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0\\Machine Settings");
        let _ = file.subkeys("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates");
        let _ = file.key("HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\");
        let _ = file.key("\\\\");
    }
}

/// A certificate-store `Blob` value (serialized certificate properties).
pub fn certstore(data: &[u8]) {
    if let Ok(blob) = certstore::parse_store_blob(data) {
        if let Some(Ok(c)) = blob.certificate() {
            touch_certificate(&c);
        }
        if let Some(p) = blob.property(2) {
            let _ = certstore::parse_key_prov_info(p);
        }
        let _ = format!("{blob:?}");
    }
    let _ = certstore::parse_key_prov_info(data);
}

/// Separator between the EVTX bytes and an MTA file in the `evtx_filtered` input.
pub const MTA_SEPARATOR: &[u8] = b"\0MTA\0";

/// An EVTX file with every record decoded in full.
pub fn evtx(data: &[u8]) {
    if let Ok(log) = evtx::parse_evtx(data.to_vec(), &evtx::EventFilter::all(), None) {
        let _ = format!("{log:?}");
    }
}

/// An EVTX file through the filter `analyze` uses (only SCOM-relevant records decoded), with
/// an optional MTA file after [`MTA_SEPARATOR`].
pub fn evtx_filtered(data: &[u8]) {
    let filter = scomtriage::analyze::read_options().evtx_filter;
    let (log, mta) = match find(data, MTA_SEPARATOR) {
        Some(at) => (&data[..at], Some(&data[at + MTA_SEPARATOR.len()..])),
        None => (data, None),
    };
    if let Ok(log) = evtx::parse_evtx(log.to_vec(), &filter, mta) {
        let _ = format!("{log:?}");
    }
}

/// `manifest.json` and `certificates/inventory.json`, strict and lenient.
pub fn json_members(data: &[u8]) {
    let _ = manifest::parse_manifest(data);
    let _ = manifest::parse_manifest_lenient(data).map(|p| format!("{p:?}"));
    let _ = inventory::parse_inventory(data);
    let _ = inventory::parse_inventory_lenient(data).map(|p| format!("{p:?}"));
}

/// A zip upload, through the bundle reader (every member parsed), then the `inspect` renderers.
pub fn zip_bundle(data: &[u8]) {
    let options = scomtriage::bundle::ReadOptions {
        limits: fuzz_limits(),
        evtx_filter: scomtriage::analyze::read_options().evtx_filter,
    };
    let bundles = scomtriage::bundle::read_zip_bytes(data.to_vec(), "fuzz.zip", &options);
    let _ = scomtriage::inspect::render_json(&bundles);
    let _ = scomtriage::inspect::render_text(&bundles);
}

/// Separator between members in the `analyze` input.
pub const MEMBER_SEPARATOR: &[u8] = b"\xffMEMBER\xff";

/// Build a stored (uncompressed) zip from the `analyze` input format: members separated by
/// [`MEMBER_SEPARATOR`], each one byte of name length, the name, then the content. Building
/// the zip here (rather than fuzzing zip bytes) lets the fuzzer change member content without
/// breaking CRCs, so it reaches the parsers and the rules. `None` when the zip library refuses
/// a name.
pub fn bundle_from_members(data: &[u8]) -> Option<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for chunk in split(data, MEMBER_SEPARATOR).take(64) {
        let Some((&n, rest)) = chunk.split_first() else {
            continue;
        };
        let n = (n as usize).min(rest.len());
        let name = String::from_utf8_lossy(&rest[..n]);
        if name.is_empty() {
            continue;
        }
        zip.start_file(name.as_ref(), options).ok()?;
        zip.write_all(&rest[n..]).ok()?;
    }
    Some(zip.finish().ok()?.into_inner())
}

/// The whole `analyze` pipeline on a bundle built by [`bundle_from_members`]: read, facts,
/// rules, ranking, both renderers.
pub fn analyze(data: &[u8]) {
    let Some(zip) = bundle_from_members(data) else {
        return;
    };
    let options = scomtriage::analyze::read_options_with(fuzz_limits());
    let bundles = scomtriage::bundle::read_zip_bytes(zip, "fuzz.zip", &options);
    let report = scomtriage::analyze::analyze_bundles(bundles);
    let _ = scomtriage::report::json::render(&report);
    let _ = scomtriage::report::text::render(&report);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut data: &'a [u8], sep: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match find(data, sep) {
            Some(at) => {
                let chunk = &data[..at];
                data = &data[at + sep.len()..];
                Some(chunk)
            }
            None => {
                done = true;
                Some(data)
            }
        }
    })
}
