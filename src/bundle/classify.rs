//! Deciding what a member is: first by its path in the bundle-v1 layout, else by its content,
//! else by its file extension.
//!
//! Paths are matched on their last components, case-insensitively, so a zip made by zipping the
//! bundle folder (`GW01-bundle/registry/opsmgr.reg`) classifies like the bare layout.

use super::MemberKind;

/// A path label split into its non-empty components, `\` and `/` both separating.
/// The label is never used to touch the disk.
pub(crate) fn components(path: &str) -> Vec<&str> {
    path.split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

fn ext_is(name: &str, ext: &str) -> bool {
    name.len() > ext.len()
        && name.is_char_boundary(name.len() - ext.len())
        && name[name.len() - ext.len()..].eq_ignore_ascii_case(ext)
}

/// The extension of the last component, lower-case, without the dot.
pub(crate) fn extension(path: &str) -> Option<String> {
    let last = components(path).pop()?;
    let (stem, ext) = last.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    Some(ext.to_ascii_lowercase())
}

/// The kind the bundle-v1 layout gives `path`, and how many trailing components matched.
fn spec_match(path: &str) -> Option<(MemberKind, usize)> {
    let c = components(path);
    let n = c.len();
    let last = *c.last()?;
    let at = |back: usize, want: &str| n > back && c[n - 1 - back].eq_ignore_ascii_case(want);
    if last.eq_ignore_ascii_case("manifest.json") {
        return Some((MemberKind::Manifest, 1));
    }
    if last.eq_ignore_ascii_case("collector.log") {
        return Some((MemberKind::Text, 1));
    }
    if last.eq_ignore_ascii_case("inventory.json") && at(1, "certificates") {
        return Some((MemberKind::Inventory, 2));
    }
    if ext_is(last, ".cer") && n >= 4 && at(3, "certificates") && at(2, "LocalMachine") {
        return Some((MemberKind::Certificate, 4));
    }
    if ext_is(last, ".p7b") && at(2, "certificates") && at(1, "chains") {
        return Some((MemberKind::Pkcs7, 3));
    }
    if ext_is(last, ".reg") && at(1, "registry") {
        return Some((MemberKind::Registry, 2));
    }
    if ext_is(last, ".evtx") && at(1, "eventlogs") {
        return Some((MemberKind::Evtx, 2));
    }
    if ext_is(last, ".mta") && at(2, "eventlogs") && at(1, "LocaleMetaData") {
        return Some((MemberKind::Mta, 3));
    }
    if ext_is(last, ".txt") && at(1, "commands") {
        return Some((MemberKind::Text, 2));
    }
    None
}

/// The kind the bundle-v1 layout gives this path, if it is one of the spec's members.
pub fn kind_by_path(path: &str) -> Option<MemberKind> {
    spec_match(path).map(|(k, _)| k)
}

/// The spec-relative path of a member (e.g. `registry/opsmgr.reg` for
/// `GW01-bundle/registry/opsmgr.reg`), `/`-separated, as written; `None` when the path is not
/// one of the spec's members.
pub fn spec_path(path: &str) -> Option<String> {
    let (_, k) = spec_match(path)?;
    let c = components(path);
    Some(c[c.len() - k..].join("/"))
}

/// Whether the path names an MTA locale file (spec path, or any `*.MTA`).
pub(crate) fn is_mta_path(path: &str) -> bool {
    match kind_by_path(path) {
        Some(k) => k == MemberKind::Mta,
        None => extension(path).as_deref() == Some("mta"),
    }
}

/// The kind the extension alone suggests, for members whose content was not recognised.
pub(crate) fn kind_by_extension(path: &str) -> Option<MemberKind> {
    Some(match extension(path)?.as_str() {
        "evtx" => MemberKind::Evtx,
        "reg" => MemberKind::Registry,
        "cer" | "crt" | "der" | "pem" => MemberKind::Certificate,
        "p7b" | "p7c" => MemberKind::Pkcs7,
        "mta" => MemberKind::Mta,
        "txt" | "log" => MemberKind::Text,
        _ => return None,
    })
}

/// `ElfFile\0`.
pub(crate) const EVTX_MAGIC: &[u8] = b"ElfFile\0";

/// Whether bytes start like a zip archive (local file header, or an empty archive).
pub(crate) fn is_zip_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Whether a path label names a zip archive by its extension.
pub(crate) fn has_zip_extension(path: &str) -> bool {
    extension(path).as_deref() == Some("zip")
}

/// The text view of a member: UTF-16LE (with BOM) decoded to UTF-8, a UTF-8 BOM removed.
/// `None` when the bytes are binary (UTF-16 with a BOM is always decoded, lossily).
pub(crate) fn text_view(bytes: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        return Some(Cow::Owned(String::from_utf16_lossy(&units).into_bytes()));
    }
    let b = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    // Text if the first 4 KiB has no NUL and is UTF-8 (allowing a character cut at the edge).
    let head = &b[..b.len().min(4096)];
    if head.contains(&0) {
        return None;
    }
    match std::str::from_utf8(head) {
        Ok(_) => Some(Cow::Borrowed(b)),
        Err(e) if e.error_len().is_none() => Some(Cow::Borrowed(b)),
        Err(_) => None,
    }
}

/// Whether the text starts with a `reg export` header.
pub(crate) fn has_registry_header(text: &[u8]) -> bool {
    let head = &text[..text.len().min(512)];
    let head = String::from_utf8_lossy(head);
    match head.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(l) => {
            l.eq_ignore_ascii_case("Windows Registry Editor Version 5.00")
                || l.eq_ignore_ascii_case("REGEDIT4")
        }
        None => false,
    }
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// PEM labels.
pub(crate) const PEM_CERT: &[u8] = b"-----BEGIN CERTIFICATE-----";
pub(crate) const PEM_PKCS7: &[u8] = b"-----BEGIN PKCS7-----";

/// `1.2.840.113549.1.7` (PKCS #7 content types) as DER OID content, without the last arc.
const PKCS7_OID_PREFIX: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07];

/// After a SEQUENCE tag at `b[0]`, the offset of its content (DER definite or BER indefinite
/// length), or `None` if the length octets are malformed.
fn seq_content_start(b: &[u8]) -> Option<usize> {
    if b.first() != Some(&0x30) {
        return None;
    }
    let l = *b.get(1)?;
    match l {
        0x00..=0x80 => Some(2), // short form, or 0x80 = BER indefinite
        0x81..=0x84 => Some(2 + usize::from(l - 0x80)),
        _ => None,
    }
}

/// A DER/BER ContentInfo: SEQUENCE starting with a PKCS #7 content-type OID.
pub(crate) fn looks_like_pkcs7_der(b: &[u8]) -> bool {
    let Some(at) = seq_content_start(b) else {
        return false;
    };
    let Some(rest) = b.get(at..) else {
        return false;
    };
    rest.len() > 11
        && rest[0] == 0x06
        && rest[1] == 0x09
        && rest[2..10] == *PKCS7_OID_PREFIX
        && (1..=6).contains(&rest[10])
}

/// An X.509 shape: SEQUENCE { SEQUENCE { [0] { INTEGER version } … } … }.
pub(crate) fn looks_like_x509_der(b: &[u8]) -> bool {
    let Some(at) = seq_content_start(b) else {
        return false;
    };
    let Some(tbs) = b.get(at..) else {
        return false;
    };
    let Some(inner) = seq_content_start(tbs) else {
        return false;
    };
    tbs.get(inner..inner + 4) == Some(&[0xA0, 0x03, 0x02, 0x01][..])
}

/// Bare Base64 of a DER structure (`MI…`, only Base64 characters and white space).
pub(crate) fn looks_like_bare_base64_der(text: &[u8]) -> bool {
    let t = text.trim_ascii();
    t.len() >= 64
        && t.starts_with(b"MI")
        && t.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"+/=\r\n\t ".contains(c))
}

/// What the content looks like, without parsing it: for error messages when the content
/// contradicts the path.
pub(crate) fn looks_like(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(EVTX_MAGIC) {
        return Some("an EVTX log");
    }
    if is_zip_magic(bytes) {
        return Some("a zip archive");
    }
    if looks_like_pkcs7_der(bytes) {
        return Some("PKCS#7 DER");
    }
    if looks_like_x509_der(bytes) {
        return Some("an X.509 certificate (DER)");
    }
    let text = text_view(bytes)?;
    if has_registry_header(&text) {
        return Some("a registry export");
    }
    if find(&text, PEM_PKCS7) {
        return Some("PEM PKCS#7");
    }
    if find(&text, PEM_CERT) {
        return Some("a PEM certificate");
    }
    let t = text.trim_ascii_start();
    if t.starts_with(b"{") {
        return Some("JSON");
    }
    if t.is_empty() {
        return Some("empty");
    }
    Some("text")
}

/// JSON member flavours recognised by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonFlavour {
    Manifest,
    Inventory,
}

/// A JSON object that looks like a manifest (`"format":"scomtriage-bundle"`, or `collected_at`
/// or `computer` at the top level) or an inventory (a top-level `certificates` array).
pub(crate) fn json_flavour(text: &[u8]) -> Option<JsonFlavour> {
    if !text.trim_ascii_start().starts_with(b"{") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(text).ok()?;
    let o = v.as_object()?;
    if o.get("format").and_then(|f| f.as_str()) == Some("scomtriage-bundle")
        || o.contains_key("collected_at")
        || o.contains_key("computer")
    {
        return Some(JsonFlavour::Manifest);
    }
    if o.get("certificates").is_some_and(|c| c.is_array()) {
        return Some(JsonFlavour::Inventory);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_paths_match_case_insensitively_and_under_a_folder() {
        assert_eq!(kind_by_path("manifest.json"), Some(MemberKind::Manifest));
        assert_eq!(
            kind_by_path("GW01/Certificates/inventory.JSON"),
            Some(MemberKind::Inventory)
        );
        assert_eq!(
            kind_by_path("certificates/localmachine/Operations Manager/AB.CER"),
            Some(MemberKind::Certificate)
        );
        assert_eq!(
            kind_by_path("certificates/chains/certnew.p7b"),
            Some(MemberKind::Pkcs7)
        );
        assert_eq!(
            kind_by_path("registry/opsmgr.reg"),
            Some(MemberKind::Registry)
        );
        assert_eq!(
            kind_by_path("x\\eventlogs\\Operations Manager.evtx"),
            Some(MemberKind::Evtx)
        );
        assert_eq!(
            kind_by_path("eventlogs/LocaleMetaData/System_1033.MTA"),
            Some(MemberKind::Mta)
        );
        assert_eq!(
            kind_by_path("commands/certutil-store-my.txt"),
            Some(MemberKind::Text)
        );
        assert_eq!(kind_by_path("collector.log"), Some(MemberKind::Text));
        assert_eq!(kind_by_path("server.txt"), None);
        assert_eq!(kind_by_path("certificates/My/x.cer"), None);
        assert_eq!(kind_by_path("opsmgr.reg"), None);
        assert_eq!(
            spec_path("B/registry/opsmgr.reg").as_deref(),
            Some("registry/opsmgr.reg")
        );
    }

    #[test]
    fn der_shapes() {
        // SEQUENCE (indefinite) { OID 1.2.840.113549.1.7.2 ... }
        let p7 = [
            0x30, 0x80, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02, 0xA0,
            0x80,
        ];
        assert!(looks_like_pkcs7_der(&p7));
        assert!(!looks_like_x509_der(&p7));
        let cert = [
            0x30, 0x82, 0x01, 0x00, 0x30, 0x81, 0xF0, 0xA0, 0x03, 0x02, 0x01, 0x02,
        ];
        assert!(looks_like_x509_der(&cert));
        assert!(!looks_like_pkcs7_der(&cert));
        assert!(!looks_like_x509_der(b"0"));
        assert!(!looks_like_pkcs7_der(&[]));
    }

    #[test]
    fn text_views() {
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("REGEDIT4\r\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        let t = text_view(&utf16).unwrap();
        assert!(has_registry_header(&t));
        assert!(text_view(b"ElfFile\0").is_none());
        assert!(has_registry_header(
            b"\r\nWindows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\X]"
        ));
        assert!(!has_registry_header(b"hello"));
    }

    #[test]
    fn json_flavours() {
        assert_eq!(
            json_flavour(br#"{"format":"scomtriage-bundle"}"#),
            Some(JsonFlavour::Manifest)
        );
        assert_eq!(
            json_flavour(br#" {"computer":{}}"#),
            Some(JsonFlavour::Manifest)
        );
        assert_eq!(
            json_flavour(br#"{"certificates":[]}"#),
            Some(JsonFlavour::Inventory)
        );
        assert_eq!(json_flavour(br#"{"a":1}"#), None);
        assert_eq!(json_flavour(br#"{"a":"#), None);
    }
}
