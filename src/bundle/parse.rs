//! Classifying and parsing the members of one bundle, in parallel with rayon.
//!
//! Most EVTX members arrive already parsed: they were streamed into the parser as they were
//! read (`logs.rs`). The rest (an EVTX read whole: content without the magic at an EVTX path)
//! is parsed here like any member. Either way a log gets the bytes of its
//! `LocaleMetaData/<log>_<LCID>.MTA` when the bundle has one.

use super::classify::{self, JsonFlavour};
use super::limits::one_line;
use super::{Bundle, Member, MemberKind, Parsed, Problem, ReadOptions};
use rayon::prelude::*;
use scomtriage_parsers::{evtx, inventory, manifest, pkcs7, registry, x509};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A member's bytes, read under the limits, before classification; or an EVTX log that was
/// parsed as it was read ([`super::logs`]).
#[derive(Debug)]
pub(crate) struct RawMember {
    /// Path label inside the bundle.
    pub(crate) path: String,
    /// Content (empty for a log parsed as it was read).
    pub(crate) bytes: Vec<u8>,
    /// A log parsed as it was read: its size and what parsing it gave.
    pub(crate) streamed: Option<(u64, Result<Parsed, String>)>,
}

impl RawMember {
    /// A member read whole.
    pub(crate) fn new(path: String, bytes: Vec<u8>) -> Self {
        RawMember {
            path,
            bytes,
            streamed: None,
        }
    }

    /// A log parsed as it was read: `size` bytes, giving `content`.
    pub(crate) fn parsed(path: String, size: u64, content: Result<Parsed, String>) -> Self {
        RawMember {
            path,
            bytes: Vec::new(),
            streamed: Some((size, content)),
        }
    }
}

/// A bundle whose members are read but not yet parsed.
#[derive(Debug)]
pub(crate) struct RawBundle {
    pub(crate) label: String,
    pub(crate) members: Vec<RawMember>,
    pub(crate) problems: Vec<Problem>,
}

impl RawBundle {
    pub(crate) fn new(label: String) -> Self {
        RawBundle {
            label,
            members: Vec::new(),
            problems: Vec::new(),
        }
    }
    pub(crate) fn problem(&mut self, path: &str, message: String) {
        self.problems.push(Problem {
            path: path.to_string(),
            message,
        });
    }
}

/// Classify and parse every member of `raw` in parallel; members come out sorted by path.
pub(crate) fn parse_bundle(raw: RawBundle, options: &ReadOptions) -> Bundle {
    let RawBundle {
        label,
        members,
        problems,
    } = raw;
    let (mtas, others): (Vec<RawMember>, Vec<RawMember>) = members
        .into_iter()
        .partition(|m| classify::is_mta_path(&m.path));

    let parsed: Vec<(Member, Option<(String, String)>)> = others
        .into_par_iter()
        .map(|m| parse_member(m, &mtas, options))
        .collect();

    let mut bad_mtas: BTreeMap<String, String> = BTreeMap::new();
    let mut out: Vec<Member> = Vec::with_capacity(parsed.len() + mtas.len());
    for (member, bad) in parsed {
        if let Some((path, msg)) = bad {
            bad_mtas.entry(path).or_insert(msg);
        }
        out.push(member);
    }
    for m in &mtas {
        out.push(Member {
            path: m.path.clone(),
            kind: MemberKind::Mta,
            size: m.bytes.len() as u64,
            content: match bad_mtas.get(&m.path) {
                Some(e) => Err(e.clone()),
                None => Ok(Parsed::Nothing),
            },
            warnings: Vec::new(),
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Bundle {
        label,
        members: out,
        problems,
    }
}

/// How a member is to be parsed.
#[allow(clippy::large_enum_variant)] // short-lived, one per member
enum Decision {
    /// EVTX: parsed with the owned bytes and a matching MTA.
    Evtx,
    /// Already decided and parsed.
    Done(MemberKind, Result<Parsed, String>),
    /// Decided and parsed, with non-fatal notes (fields dropped from a JSON member).
    DoneWithWarnings(MemberKind, Result<Parsed, String>, Vec<String>),
}

fn parse_member(
    m: RawMember,
    mtas: &[RawMember],
    options: &ReadOptions,
) -> (Member, Option<(String, String)>) {
    if let Some((size, content)) = m.streamed {
        return (evtx_member(m.path, size, content), None);
    }
    let size = m.bytes.len() as u64;
    match decide(&m.path, &m.bytes) {
        Decision::Done(kind, content) => (
            Member {
                path: m.path,
                kind,
                size,
                content,
                warnings: Vec::new(),
            },
            None,
        ),
        Decision::DoneWithWarnings(kind, content, warnings) => (
            Member {
                path: m.path,
                kind,
                size,
                content,
                warnings,
            },
            None,
        ),
        Decision::Evtx => {
            let mtas: Vec<&RawMember> = mtas.iter().collect();
            let mta = find_mta(&m.path, &mtas);
            let spec = classify::kind_by_path(&m.path).is_some();
            let hint = if spec && !m.bytes.starts_with(classify::EVTX_MAGIC) {
                classify::looks_like(&m.bytes)
            } else {
                None
            };
            let (content, bad) = parse_evtx(m.bytes, mta, options);
            let content = content.map_err(|e| with_hint(e, hint));
            (evtx_member(m.path, size, content), bad)
        }
    }
}

/// An EVTX member.
fn evtx_member(path: String, size: u64, content: Result<Parsed, String>) -> Member {
    Member {
        path,
        kind: MemberKind::Evtx,
        size,
        content,
        warnings: Vec::new(),
    }
}

/// Parse an EVTX with its MTA, if any. The log's bytes are moved into the parser, never
/// copied (a big log is most of the memory a run uses). An unreadable MTA does not fail the
/// parse: it becomes one of the log's warnings, and the records have no MTA messages.
fn parse_evtx(
    bytes: Vec<u8>,
    mta: Option<&RawMember>,
    options: &ReadOptions,
) -> (Result<Parsed, String>, Option<(String, String)>) {
    // `parse_evtx` never fails with `BadMta` (an unreadable MTA is a warning on the log), so
    // there is nothing to retry and no MTA member to blame here.
    let result = evtx::parse_evtx(bytes, &options.evtx_filter, mta.map(|m| m.bytes.as_slice()));
    (
        result
            .map(Parsed::Evtx)
            .map_err(|e| one_line(&e.to_string())),
        None,
    )
}

/// The MTA for an EVTX at `dir/<log>.evtx`: `dir/LocaleMetaData/<log>_<LCID>.MTA`,
/// preferring LCID 1033 (en-US), else the first by path.
pub(crate) fn find_mta<'a>(evtx_path: &str, mtas: &[&'a RawMember]) -> Option<&'a RawMember> {
    let mut c = classify::components(evtx_path);
    let file = c.pop()?;
    let log = match file.len().checked_sub(5) {
        Some(cut) if file.is_char_boundary(cut) && file[cut..].eq_ignore_ascii_case(".evtx") => {
            &file[..cut]
        }
        _ => file,
    };
    let dir: Vec<String> = c.iter().map(|s| s.to_lowercase()).collect();
    let want_prefix = format!("{}_", log.to_lowercase());
    let mut found: Vec<(&'a RawMember, bool)> = Vec::new();
    for &m in mtas {
        let mut mc = classify::components(&m.path);
        let Some(name) = mc.pop() else { continue };
        let Some(meta_dir) = mc.pop() else { continue };
        if !meta_dir.eq_ignore_ascii_case("LocaleMetaData") {
            continue;
        }
        let mdir: Vec<String> = mc.iter().map(|s| s.to_lowercase()).collect();
        if mdir != dir {
            continue;
        }
        let lname = name.to_lowercase();
        let Some(rest) = lname.strip_prefix(&want_prefix) else {
            continue;
        };
        let Some(lcid) = rest.strip_suffix(".mta") else {
            continue;
        };
        if lcid.is_empty() || !lcid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        found.push((m, lcid == "1033"));
    }
    found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.path.cmp(&b.0.path)));
    found.first().map(|f| f.0)
}

fn with_hint(e: String, hint: Option<&'static str>) -> String {
    match hint {
        Some(h) => format!("{e} (content looks like {h})"),
        None => e,
    }
}

/// The bytes handed to text-tolerant parsers: UTF-16LE (BOM) decoded, UTF-8 BOM removed.
fn payload(bytes: &[u8]) -> Cow<'_, [u8]> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        classify::text_view(bytes).unwrap_or(Cow::Borrowed(bytes))
    } else {
        Cow::Borrowed(bytes)
    }
}

fn err<E: std::fmt::Display>(e: E) -> String {
    one_line(&e.to_string())
}

/// Certificates, falling back to PKCS#7 (AD CS wraps PKCS#7 in `BEGIN CERTIFICATE` armour).
/// Returns the kind the content turned out to be.
fn certs_or_pkcs7(b: &[u8]) -> (MemberKind, Result<Parsed, String>) {
    match x509::parse_certificates(b) {
        Ok(c) => (MemberKind::Certificate, Ok(Parsed::Certificates(c))),
        Err(ce) => match pkcs7::parse_pkcs7(b) {
            Ok(c) => (MemberKind::Pkcs7, Ok(Parsed::Pkcs7(c))),
            Err(_) => (MemberKind::Certificate, Err(err(ce))),
        },
    }
}

/// Read `manifest.json` or `inventory.json` leniently: a field of the wrong type is dropped and
/// named in the returned warnings instead of losing the member.
fn json_member(kind: MemberKind, bytes: &[u8]) -> (Vec<String>, Result<Parsed, String>) {
    fn notes(skipped: &[manifest::SkippedField]) -> Vec<String> {
        skipped
            .iter()
            .map(|f| one_line(&format!("field {} dropped: {}", f.path, f.message)))
            .collect()
    }
    match kind {
        MemberKind::Inventory => match inventory::parse_inventory_lenient(bytes) {
            Ok(p) => (notes(&p.skipped), Ok(Parsed::Inventory(p.value))),
            Err(e) => (Vec::new(), Err(err(e))),
        },
        _ => match manifest::parse_manifest_lenient(bytes) {
            Ok(p) => (notes(&p.skipped), Ok(Parsed::Manifest(p.value))),
            Err(e) => (Vec::new(), Err(err(e))),
        },
    }
}

fn parse_as(kind: MemberKind, bytes: &[u8]) -> Result<Parsed, String> {
    match kind {
        MemberKind::Certificate => match certs_or_pkcs7(&payload(bytes)) {
            (_, Ok(Parsed::Pkcs7(c))) => Ok(Parsed::Certificates(c)),
            (_, r) => r,
        },
        MemberKind::Pkcs7 => pkcs7::parse_pkcs7(&payload(bytes))
            .map(Parsed::Pkcs7)
            .map_err(err),
        MemberKind::Registry => registry::parse_reg(bytes)
            .map(Parsed::Registry)
            .map_err(err),
        // Read leniently in `decide`/`sniff` (json_member) so dropped fields become warnings.
        MemberKind::Manifest | MemberKind::Inventory => json_member(kind, bytes).1,
        MemberKind::Evtx | MemberKind::Mta | MemberKind::Text | MemberKind::Unknown => {
            Ok(Parsed::Nothing)
        }
    }
}

/// Which kinds a content hint is compatible with (no hint is added to the error then).
fn hint_fits(kind: MemberKind, hint: &str) -> bool {
    match kind {
        MemberKind::Certificate | MemberKind::Pkcs7 => {
            hint.contains("certificate") || hint.contains("PKCS#7")
        }
        MemberKind::Registry => hint == "a registry export",
        MemberKind::Manifest | MemberKind::Inventory => hint == "JSON",
        MemberKind::Evtx => hint == "an EVTX log",
        _ => true,
    }
}

fn decide(path: &str, bytes: &[u8]) -> Decision {
    // 1. By spec path: the kind is the path's; a parse failure says what the content looks like.
    if let Some(kind) = classify::kind_by_path(path) {
        if kind == MemberKind::Evtx {
            return Decision::Evtx;
        }
        if matches!(kind, MemberKind::Manifest | MemberKind::Inventory) {
            let (warnings, content) = json_member(kind, bytes);
            let content = content.map_err(|e| {
                let hint = classify::looks_like(bytes).filter(|h| !hint_fits(kind, h));
                with_hint(e, hint)
            });
            return Decision::DoneWithWarnings(kind, content, warnings);
        }
        let content = parse_as(kind, bytes).map_err(|e| {
            let hint = classify::looks_like(bytes).filter(|h| !hint_fits(kind, h));
            with_hint(e, hint)
        });
        return Decision::Done(kind, content);
    }
    // 2. By content.
    if let Some(d) = sniff(bytes) {
        return d;
    }
    // 3. By extension.
    if classify::has_zip_extension(path) {
        return Decision::Done(
            MemberKind::Unknown,
            Err("named .zip but not a zip archive (no zip signature)".into()),
        );
    }
    match classify::kind_by_extension(path) {
        Some(MemberKind::Evtx) => Decision::Evtx,
        Some(kind) => {
            let content = parse_as(kind, bytes).map_err(|e| {
                let hint = classify::looks_like(bytes).filter(|h| !hint_fits(kind, h));
                with_hint(e, hint)
            });
            Decision::Done(kind, content)
        }
        None => Decision::Done(MemberKind::Unknown, Ok(Parsed::Nothing)),
    }
}

/// Classify by content; `None` when nothing is recognised.
fn sniff(bytes: &[u8]) -> Option<Decision> {
    if bytes.starts_with(classify::EVTX_MAGIC) {
        return Some(Decision::Evtx);
    }
    if classify::looks_like_pkcs7_der(bytes) {
        let r = pkcs7::parse_pkcs7(bytes).map(Parsed::Pkcs7).map_err(err);
        return Some(Decision::Done(MemberKind::Pkcs7, r));
    }
    if bytes.first() == Some(&0x30) {
        if let Ok(c) = x509::Certificate::from_der(bytes) {
            return Some(Decision::Done(
                MemberKind::Certificate,
                Ok(Parsed::Certificates(vec![c])),
            ));
        }
        if classify::looks_like_x509_der(bytes) {
            let r = x509::parse_certificates(bytes)
                .map(Parsed::Certificates)
                .map_err(err);
            return Some(Decision::Done(MemberKind::Certificate, r));
        }
    }
    let text = classify::text_view(bytes)?;
    if classify::has_registry_header(&text) {
        let r = registry::parse_reg(bytes)
            .map(Parsed::Registry)
            .map_err(err);
        return Some(Decision::Done(MemberKind::Registry, r));
    }
    if classify::find(&text, classify::PEM_PKCS7) {
        let r = pkcs7::parse_pkcs7(&text).map(Parsed::Pkcs7).map_err(err);
        return Some(Decision::Done(MemberKind::Pkcs7, r));
    }
    if classify::find(&text, classify::PEM_CERT) {
        let (kind, r) = certs_or_pkcs7(&text);
        return Some(Decision::Done(kind, r));
    }
    match classify::json_flavour(&text) {
        Some(JsonFlavour::Manifest) => {
            let (w, r) = json_member(MemberKind::Manifest, &text);
            return Some(Decision::DoneWithWarnings(MemberKind::Manifest, r, w));
        }
        Some(JsonFlavour::Inventory) => {
            let (w, r) = json_member(MemberKind::Inventory, &text);
            return Some(Decision::DoneWithWarnings(MemberKind::Inventory, r, w));
        }
        None => {}
    }
    if classify::looks_like_bare_base64_der(&text) {
        if let (kind, Ok(p)) = certs_or_pkcs7(&text) {
            return Some(Decision::Done(kind, Ok(p)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(path: &str) -> RawMember {
        RawMember::new(path.into(), Vec::new())
    }

    #[test]
    fn mta_is_found_beside_its_log() {
        let owned = [
            raw("eventlogs/LocaleMetaData/System_1033.MTA"),
            raw("eventlogs/LocaleMetaData/Operations Manager_1041.MTA"),
            raw("eventlogs/LocaleMetaData/Operations Manager_1033.MTA"),
            raw("other/LocaleMetaData/Application_1033.MTA"),
        ];
        let mtas: Vec<&RawMember> = owned.iter().collect();
        assert_eq!(
            find_mta("eventlogs/Operations Manager.evtx", &mtas).map(|m| m.path.as_str()),
            Some("eventlogs/LocaleMetaData/Operations Manager_1033.MTA")
        );
        assert_eq!(
            find_mta("EventLogs/system.EVTX", &mtas).map(|m| m.path.as_str()),
            Some("eventlogs/LocaleMetaData/System_1033.MTA")
        );
        assert!(find_mta("eventlogs/Application.evtx", &mtas).is_none());
        assert!(find_mta("eventlogs/Operations.evtx", &mtas).is_none());
    }

    #[test]
    fn a_manifest_field_of_the_wrong_type_is_dropped_with_a_warning() {
        let bytes = br#"{"format":"scomtriage-bundle","collected_at":"2026-11-20T14:03:11Z","health_service":{"status":4},"computer":{"fqdn":"gw01.dmz.contoso.com"}}"#;
        match decide("manifest.json", bytes) {
            Decision::DoneWithWarnings(MemberKind::Manifest, Ok(Parsed::Manifest(m)), w) => {
                assert_eq!(
                    m.computer.and_then(|c| c.fqdn).as_deref(),
                    Some("gw01.dmz.contoso.com")
                );
                assert_eq!(w.len(), 1, "{w:?}");
                assert!(w[0].contains("health_service.status"), "{w:?}");
            }
            _ => panic!("manifest not read with a warning"),
        }
    }

    #[test]
    fn kinds_by_content_do_not_need_the_parsers() {
        let k = |p: &str, b: &[u8]| match decide(p, b) {
            Decision::Evtx => MemberKind::Evtx,
            Decision::Done(k, _) | Decision::DoneWithWarnings(k, _, _) => k,
        };
        assert_eq!(k("x.bin", b"ElfFile\0rest"), MemberKind::Evtx);
        assert_eq!(
            k(
                "x.dat",
                b"\xEF\xBB\xBFWindows Registry Editor Version 5.00\r\n"
            ),
            MemberKind::Registry
        );
        assert_eq!(
            k(
                "a/b.txt",
                b"-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n"
            ),
            MemberKind::Pkcs7
        );
        assert_eq!(
            k("m.json", br#"{"format":"scomtriage-bundle"}"#),
            MemberKind::Manifest
        );
        assert_eq!(
            k("i.json", br#"{"certificates":[]}"#),
            MemberKind::Inventory
        );
        assert_eq!(k("notes.txt", b"hello"), MemberKind::Text);
        assert_eq!(k("notes.md", b"hello"), MemberKind::Unknown);
        assert_eq!(k("x.zip", b"hello"), MemberKind::Unknown);
        assert_eq!(k("x.evtx", b"hello"), MemberKind::Evtx);
        // Spec path wins, even when the content says otherwise.
        assert_eq!(k("registry/x.reg", b"ElfFile\0"), MemberKind::Registry);
    }

    #[test]
    fn contradicting_content_is_named_in_the_error() {
        match decide("registry/x.reg", b"ElfFile\0") {
            Decision::Done(MemberKind::Registry, Err(e)) => {
                assert!(e.contains("an EVTX log"), "{e}")
            }
            _ => panic!("expected a registry member with an error"),
        }
    }
}
