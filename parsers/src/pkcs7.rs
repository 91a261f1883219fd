//! PKCS#7 / CMS SignedData certificate bags (`.p7b`): DER, BER (indefinite lengths),
//! PEM `BEGIN PKCS7`, bare Base64, Base64 in `BEGIN CERTIFICATE` armour.
//!
//! CONTRACT (types fixed).
//!
//! The walk is ContentInfo → `[0]` → SignedData → `certificates [0] IMPLICIT` → each
//! certificate (RFC 2315 §9.1, RFC 5652 §5.1). It is done by a small BER reader in this module
//! ([`ber`]) rather than by `cms` (DER only in 0.2.3: a Windows-written indefinite-length file
//! fails with `IndefiniteLength`, see `../shared/reference/rust-crates.md` §1.3) or
//! der-parser's `parse_ber` (which builds a tree without the raw slices we need to hand each
//! certificate to x509-parser unchanged). The reader bounds nesting depth, checks every length
//! against its enclosing element and never panics.

use thiserror::Error;

use crate::encoding::PemBlock;
use crate::x509::{is_padding, unwrap_payload, Certificate, Payload};

/// Errors from reading a `.p7b`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pkcs7Error {
    /// Valid CMS, but not a SignedData certificate bag (e.g. EnvelopedData); carries the content-type OID.
    #[error("not a certificate bundle: content type {0}")]
    NotCertificateBundle(String),
    /// Not PKCS#7 at all / unreadable encoding.
    #[error("not PKCS#7: {0}")]
    NotPkcs7(String),
    /// The structure is damaged.
    #[error("malformed PKCS#7: {0}")]
    Malformed(String),
}

impl Pkcs7Error {
    /// The same kind of error with `context` put in front of the detail.
    fn with_context(self, context: &str) -> Pkcs7Error {
        match self {
            Pkcs7Error::NotCertificateBundle(s) => Pkcs7Error::NotCertificateBundle(s),
            Pkcs7Error::NotPkcs7(s) => Pkcs7Error::NotPkcs7(format!("{context}: {s}")),
            Pkcs7Error::Malformed(s) => Pkcs7Error::Malformed(format!("{context}: {s}")),
        }
    }
}

/// The PKCS#7 content-type arc (RFC 2315 §14): `pkcs-7 OBJECT IDENTIFIER ::= { 1 2 840 113549 1 7 }`.
const PKCS7_ARC: &str = "1.2.840.113549.1.7.";
/// `signedData` content type.
pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
/// `envelopedData` content type (a common wrong upload: an encrypted message, not a bag).
pub const OID_ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";

/// PEM labels that may hold PKCS#7: RFC 7468 `PKCS7` and `CMS`, OpenSSL's old
/// `PKCS #7 SIGNED DATA`, and `CERTIFICATE` (AD CS web enrollment's "Base 64 encoded"
/// certificate chain download is PKCS#7 in that armour).
fn is_pkcs7_label(label: &str) -> bool {
    matches!(
        label,
        "PKCS7" | "CMS" | "PKCS #7 SIGNED DATA" | "CERTIFICATE" | "X509 CERTIFICATE"
    )
}

/// The certificates of a `.p7b`, in file order.
///
/// Accepts DER, BER with indefinite lengths (as Windows writes), PEM (`PKCS7`, `CMS`,
/// `PKCS #7 SIGNED DATA`, or `CERTIFICATE` armour around PKCS#7; several blocks are read in
/// order) and bare Base64 (whitespace/CRLF tolerated). Trailing NUL or whitespace padding is
/// tolerated. Certificate choices other than a plain certificate (attribute certificates) are
/// skipped. A SignedData without a `certificates` field gives an empty list.
///
/// Errors: [`Pkcs7Error::NotCertificateBundle`] for a ContentInfo of another PKCS#7 type
/// (EnvelopedData …), [`Pkcs7Error::NotPkcs7`] for anything that is not a ContentInfo
/// (including a plain X.509 certificate), [`Pkcs7Error::Malformed`] for damage (truncation,
/// bad lengths, a certificate inside that does not parse).
pub fn parse_pkcs7(bytes: &[u8]) -> Result<Vec<Certificate>, Pkcs7Error> {
    match unwrap_payload(bytes).map_err(Pkcs7Error::NotPkcs7)? {
        Payload::Binary(data) => parse_content_info(&data),
        Payload::Pem(blocks) => {
            let relevant: Vec<&PemBlock> =
                blocks.iter().filter(|b| is_pkcs7_label(&b.label)).collect();
            if relevant.is_empty() {
                let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
                return Err(Pkcs7Error::NotPkcs7(if labels.is_empty() {
                    "PEM armour found but no complete block".to_string()
                } else {
                    format!(
                        "PEM holds no PKCS7 or CERTIFICATE block (found: {})",
                        labels.join(", ")
                    )
                }));
            }
            let mut certs = Vec::new();
            for block in relevant {
                let found = parse_content_info(&block.data).map_err(|e| {
                    e.with_context(&format!(
                        "PEM block '{}' at line {}",
                        block.label, block.line
                    ))
                })?;
                certs.extend(found);
            }
            Ok(certs)
        }
    }
}

/// Whether `bytes` (DER/BER, PEM or bare Base64) hold a PKCS#7/CMS ContentInfo of any content
/// type. Cheap: reads only the first headers of each candidate. Meant for classifying files
/// by content.
pub fn looks_like_pkcs7(bytes: &[u8]) -> bool {
    match unwrap_payload(bytes) {
        Ok(Payload::Binary(data)) => content_type_oid(&data).is_some(),
        Ok(Payload::Pem(blocks)) => blocks
            .iter()
            .any(|b| is_pkcs7_label(&b.label) && content_type_oid(&b.data).is_some()),
        Err(_) => false,
    }
}

/// The content-type OID when `data` starts like a PKCS#7 ContentInfo (SEQUENCE whose first
/// element is an OID under 1.2.840.113549.1.7). Reads headers only.
pub(crate) fn content_type_oid(data: &[u8]) -> Option<String> {
    let outer = ber::read_header(data, 0, data.len()).ok()?;
    if !outer.is_universal(ber::TAG_SEQUENCE, true) {
        return None;
    }
    let limit = if outer.indefinite {
        data.len()
    } else {
        outer.content_start + outer.content_len
    };
    let first = ber::read_header(data, outer.content_start, limit).ok()?;
    if !first.is_universal(ber::TAG_OID, false) || first.indefinite {
        return None;
    }
    let oid = ber::oid_to_string(
        data.get(first.content_start..first.content_start + first.content_len)?,
    )?;
    oid.starts_with(PKCS7_ARC).then_some(oid)
}

/// Walk one binary ContentInfo to its certificates.
fn parse_content_info(data: &[u8]) -> Result<Vec<Certificate>, Pkcs7Error> {
    let Some(&first) = data.first() else {
        return Err(Pkcs7Error::NotPkcs7("empty input".into()));
    };
    if first != 0x30 {
        return Err(Pkcs7Error::NotPkcs7(format!(
            "first byte 0x{first:02X} does not start an ASN.1 SEQUENCE"
        )));
    }
    let malformed = |e: ber::BerError| Pkcs7Error::Malformed(e.to_string());
    let content_info = ber::read(data, 0, data.len(), 0).map_err(malformed)?;
    if !is_padding(data.get(content_info.end..).unwrap_or_default()) {
        return Err(Pkcs7Error::Malformed(format!(
            "{} bytes of other data after the ContentInfo (offset {})",
            data.len() - content_info.end,
            content_info.end
        )));
    }
    let parts = ber::children(data, &content_info, 0).map_err(malformed)?;
    let Some(content_type) = parts.first() else {
        return Err(Pkcs7Error::NotPkcs7("empty SEQUENCE".into()));
    };
    if !content_type.is_universal(ber::TAG_OID, false) {
        let hint = if content_type.is_universal(ber::TAG_SEQUENCE, true) {
            " (this is the shape of an X.509 certificate)"
        } else {
            ""
        };
        return Err(Pkcs7Error::NotPkcs7(format!(
            "the SEQUENCE does not start with a content-type OID{hint}"
        )));
    }
    let oid = ber::oid_to_string(content_type.content(data)).ok_or_else(|| {
        Pkcs7Error::Malformed(format!(
            "content-type OID at offset {} is badly encoded",
            content_type.offset
        ))
    })?;
    if !oid.starts_with(PKCS7_ARC) {
        return Err(Pkcs7Error::NotPkcs7(format!(
            "content type {oid} is not a PKCS#7 type"
        )));
    }
    if oid != OID_SIGNED_DATA {
        return Err(Pkcs7Error::NotCertificateBundle(oid));
    }
    let Some(explicit) = parts.get(1) else {
        return Err(Pkcs7Error::Malformed(
            "SignedData ContentInfo has no content".into(),
        ));
    };
    if !explicit.is_context(0, true) {
        return Err(Pkcs7Error::Malformed(format!(
            "ContentInfo content at offset {} is not the [0] EXPLICIT wrapper",
            explicit.offset
        )));
    }
    let inner = ber::children(data, explicit, 1).map_err(malformed)?;
    let Some(signed_data) = inner.first() else {
        return Err(Pkcs7Error::Malformed(
            "the [0] content wrapper is empty".into(),
        ));
    };
    if !signed_data.is_universal(ber::TAG_SEQUENCE, true) {
        return Err(Pkcs7Error::Malformed(format!(
            "SignedData at offset {} is not a SEQUENCE",
            signed_data.offset
        )));
    }
    let fields = ber::children(data, signed_data, 2).map_err(malformed)?;
    if !fields
        .first()
        .is_some_and(|f| f.is_universal(ber::TAG_INTEGER, false))
    {
        return Err(Pkcs7Error::Malformed(
            "SignedData does not start with a version INTEGER".into(),
        ));
    }
    // version, digestAlgorithms SET, encapContentInfo SEQUENCE, then the optional
    // certificates [0] IMPLICIT; no earlier field is context-tagged.
    let Some(cert_set) = fields.iter().skip(1).find(|f| f.is_context(0, true)) else {
        return Ok(Vec::new());
    };
    let choices = ber::children(data, cert_set, 3).map_err(malformed)?;
    let mut certs = Vec::with_capacity(choices.len());
    for (index, choice) in choices.iter().enumerate() {
        if !choice.is_universal(ber::TAG_SEQUENCE, true) {
            // extendedCertificate [0], v1AttrCert [1], v2AttrCert [2], other [3]: not X.509.
            continue;
        }
        let der = ber::to_definite(data, choice, 4).map_err(malformed)?;
        let cert = Certificate::from_der(&der).map_err(|e| {
            Pkcs7Error::Malformed(format!(
                "certificate {} (offset {}): {e}",
                index + 1,
                choice.offset
            ))
        })?;
        certs.push(cert);
    }
    Ok(certs)
}

/// A minimal BER (X.690) reader over a byte slice: headers, definite and indefinite lengths,
/// high tag numbers, bounded nesting. Positions are offsets into the root slice, so errors can
/// say where the damage is.
pub mod ber {
    use std::borrow::Cow;
    use thiserror::Error;

    /// Deepest nesting [`read`] follows (a `.p7b` needs about 6; certificates about 10).
    pub const MAX_DEPTH: usize = 40;
    /// Universal tag of INTEGER.
    pub const TAG_INTEGER: u32 = 2;
    /// Universal tag of OBJECT IDENTIFIER.
    pub const TAG_OID: u32 = 6;
    /// Universal tag of SEQUENCE.
    pub const TAG_SEQUENCE: u32 = 16;

    /// A BER decoding problem at a byte offset.
    #[derive(Debug, Error, Clone, PartialEq, Eq)]
    #[error("at offset {offset}: {what}")]
    pub struct BerError {
        /// Offset (in the slice given to the reader) of the element header concerned.
        pub offset: usize,
        /// What is wrong.
        pub what: String,
    }

    fn err(offset: usize, what: impl Into<String>) -> BerError {
        BerError {
            offset,
            what: what.into(),
        }
    }

    /// One element header.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Header {
        /// Offset of the identifier octet.
        pub offset: usize,
        /// Class: 0 universal, 1 application, 2 context-specific, 3 private.
        pub class: u8,
        /// Constructed bit.
        pub constructed: bool,
        /// Tag number.
        pub tag: u32,
        /// Length of the identifier octets.
        pub id_len: usize,
        /// Offset of the first content octet.
        pub content_start: usize,
        /// Declared content length (0 for indefinite).
        pub content_len: usize,
        /// Indefinite length (`0x80`), content ends with `00 00`.
        pub indefinite: bool,
    }

    impl Header {
        /// Universal class, given tag and constructed bit.
        pub fn is_universal(&self, tag: u32, constructed: bool) -> bool {
            self.class == 0 && self.tag == tag && self.constructed == constructed
        }
        /// Context-specific class, given tag and constructed bit.
        pub fn is_context(&self, tag: u32, constructed: bool) -> bool {
            self.class == 2 && self.tag == tag && self.constructed == constructed
        }
    }

    /// Read the header at `offset`; the element must end before `limit`
    /// (for indefinite lengths only the header is checked).
    pub fn read_header(root: &[u8], offset: usize, limit: usize) -> Result<Header, BerError> {
        let limit = limit.min(root.len());
        let byte = |pos: usize| -> Result<u8, BerError> {
            if pos < limit {
                Ok(root[pos])
            } else {
                Err(err(offset, "truncated element header"))
            }
        };
        let id = byte(offset)?;
        let class = id >> 6;
        let constructed = id & 0x20 != 0;
        let mut tag = u32::from(id & 0x1f);
        let mut pos = offset + 1;
        if tag == 0x1f {
            tag = 0;
            loop {
                let b = byte(pos)?;
                pos += 1;
                if tag > (u32::MAX >> 7) {
                    return Err(err(offset, "tag number too large"));
                }
                tag = (tag << 7) | u32::from(b & 0x7f);
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let id_len = pos - offset;
        let first_len = byte(pos)?;
        pos += 1;
        let (content_len, indefinite) = match first_len {
            0x80 => {
                if !constructed {
                    return Err(err(offset, "indefinite length on a primitive element"));
                }
                (0, true)
            }
            0xFF => return Err(err(offset, "reserved length octet 0xFF")),
            l if l < 0x80 => (usize::from(l), false),
            l => {
                let n = usize::from(l & 0x7f);
                if n > 4 {
                    return Err(err(
                        offset,
                        format!("length field of {n} octets is too large"),
                    ));
                }
                let mut len = 0usize;
                for _ in 0..n {
                    len = (len << 8) | usize::from(byte(pos)?);
                    pos += 1;
                }
                (len, false)
            }
        };
        let header = Header {
            offset,
            class,
            constructed,
            tag,
            id_len,
            content_start: pos,
            content_len,
            indefinite,
        };
        if !indefinite && content_len > limit - pos {
            return Err(err(
                offset,
                format!(
                    "truncated: element declares {content_len} content bytes but only {} remain",
                    limit - pos
                ),
            ));
        }
        Ok(header)
    }

    /// A whole element: header plus where its content and the element end.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Tlv {
        /// The header.
        pub header: Header,
        /// Offset just past the last content octet (before `00 00` for indefinite lengths).
        pub content_end: usize,
        /// Offset just past the element (after `00 00` for indefinite lengths).
        pub end: usize,
    }

    impl std::ops::Deref for Tlv {
        type Target = Header;
        fn deref(&self) -> &Header {
            &self.header
        }
    }

    impl Tlv {
        /// The content octets.
        pub fn content<'a>(&self, root: &'a [u8]) -> &'a [u8] {
            root.get(self.content_start..self.content_end)
                .unwrap_or_default()
        }
        /// The whole encoding, header to end.
        pub fn raw<'a>(&self, root: &'a [u8]) -> &'a [u8] {
            root.get(self.offset..self.end).unwrap_or_default()
        }
    }

    /// Read the element at `offset`, which must end before `limit`. An indefinite-length
    /// element is scanned (recursively, at most [`MAX_DEPTH`] levels below `depth`) to find its
    /// end-of-contents marker.
    pub fn read(root: &[u8], offset: usize, limit: usize, depth: usize) -> Result<Tlv, BerError> {
        if depth > MAX_DEPTH {
            return Err(err(
                offset,
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let limit = limit.min(root.len());
        let header = read_header(root, offset, limit)?;
        if !header.indefinite {
            let end = header.content_start + header.content_len;
            return Ok(Tlv {
                header,
                content_end: end,
                end,
            });
        }
        let mut pos = header.content_start;
        loop {
            if pos + 2 <= limit && root[pos] == 0 && root[pos + 1] == 0 {
                return Ok(Tlv {
                    header,
                    content_end: pos,
                    end: pos + 2,
                });
            }
            if pos >= limit {
                return Err(err(
                    offset,
                    "truncated: indefinite-length element has no end-of-contents marker",
                ));
            }
            pos = read(root, pos, limit, depth + 1)?.end;
        }
    }

    /// The elements inside a constructed element, in order.
    pub fn children(root: &[u8], parent: &Tlv, depth: usize) -> Result<Vec<Tlv>, BerError> {
        if !parent.constructed {
            return Err(err(parent.offset, "expected a constructed element"));
        }
        let mut out = Vec::new();
        let mut pos = parent.content_start;
        while pos < parent.content_end {
            let child = read(root, pos, parent.content_end, depth + 1)?;
            pos = child.end;
            out.push(child);
        }
        Ok(out)
    }

    /// The element re-encoded with definite lengths (DER framing), borrowed unchanged when it
    /// already has no indefinite length anywhere inside. Primitive content is never changed,
    /// so a DER certificate inside a BER bag keeps its exact bytes (and its signature).
    pub fn to_definite<'a>(
        root: &'a [u8],
        tlv: &Tlv,
        depth: usize,
    ) -> Result<Cow<'a, [u8]>, BerError> {
        if !tlv.constructed {
            return Ok(Cow::Borrowed(tlv.raw(root)));
        }
        if depth > MAX_DEPTH {
            return Err(err(
                tlv.offset,
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let kids = children(root, tlv, depth)?;
        let mut parts = Vec::with_capacity(kids.len());
        let mut changed = tlv.indefinite;
        for kid in &kids {
            let part = to_definite(root, kid, depth + 1)?;
            changed |= matches!(part, Cow::Owned(_));
            parts.push(part);
        }
        if !changed {
            return Ok(Cow::Borrowed(tlv.raw(root)));
        }
        let content_len: usize = parts.iter().map(|p| p.len()).sum();
        let mut out = Vec::with_capacity(content_len + 8);
        out.extend_from_slice(
            root.get(tlv.offset..tlv.offset + tlv.id_len)
                .unwrap_or_default(),
        );
        push_length(&mut out, content_len);
        for p in parts {
            out.extend_from_slice(&p);
        }
        Ok(Cow::Owned(out))
    }

    /// Append a DER (minimal, definite) length.
    pub fn push_length(out: &mut Vec<u8>, len: usize) {
        if len < 0x80 {
            out.push(len as u8);
            return;
        }
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }

    /// Dotted form of OBJECT IDENTIFIER content octets; `None` if badly encoded
    /// (empty, unterminated, or an arc above `u64`).
    pub fn oid_to_string(content: &[u8]) -> Option<String> {
        if content.is_empty() {
            return None;
        }
        let mut arcs: Vec<u64> = Vec::new();
        let mut value: u64 = 0;
        let mut in_arc = false;
        for &b in content {
            if value > (u64::MAX >> 7) {
                return None;
            }
            value = (value << 7) | u64::from(b & 0x7f);
            in_arc = b & 0x80 != 0;
            if !in_arc {
                arcs.push(value);
                value = 0;
            }
        }
        if in_arc {
            return None;
        }
        let first = arcs[0];
        let (a, b) = match first {
            0..=39 => (0, first),
            40..=79 => (1, first - 40),
            _ => (2, first - 80),
        };
        let mut s = format!("{a}.{b}");
        for arc in &arcs[1..] {
            s.push('.');
            s.push_str(&arc.to_string());
        }
        Some(s)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn oid_decoding() {
            // 1.2.840.113549.1.7.2
            let c = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
            assert_eq!(oid_to_string(&c).as_deref(), Some("1.2.840.113549.1.7.2"));
            assert_eq!(
                oid_to_string(&[0x55, 0x1d, 0x25]).as_deref(),
                Some("2.5.29.37")
            );
            assert_eq!(oid_to_string(&[0x2a, 0x86]), None);
            assert_eq!(oid_to_string(&[]), None);
        }

        #[test]
        fn indefinite_is_reframed_and_definite_borrowed() {
            // SEQUENCE(indef) { INTEGER 5, SEQUENCE(indef) { NULL } }
            let ber = [
                0x30, 0x80, 0x02, 0x01, 0x05, 0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
            ];
            let t = read(&ber, 0, ber.len(), 0).unwrap();
            assert_eq!(t.end, ber.len());
            let der = to_definite(&ber, &t, 0).unwrap();
            assert_eq!(
                &*der,
                &[0x30, 0x07, 0x02, 0x01, 0x05, 0x30, 0x02, 0x05, 0x00]
            );
            let t2 = read(&der, 0, der.len(), 0).unwrap();
            assert!(matches!(
                to_definite(&der, &t2, 0).unwrap(),
                Cow::Borrowed(_)
            ));
        }

        #[test]
        fn damage_is_reported_with_offsets() {
            // Missing end-of-contents.
            let e = read(&[0x30, 0x80, 0x05, 0x00], 0, 4, 0).unwrap_err();
            assert!(e.what.contains("end-of-contents"), "{e}");
            // Child longer than parent.
            let e = read(&[0x30, 0x80, 0x04, 0x05, 0x00], 0, 5, 0).unwrap_err();
            assert_eq!(e.offset, 2);
            // Deep nesting of indefinite SEQUENCEs is bounded, not a stack overflow.
            let mut deep = Vec::new();
            for _ in 0..10_000 {
                deep.extend_from_slice(&[0x30, 0x80]);
            }
            let e = read(&deep, 0, deep.len(), 0).unwrap_err();
            assert!(e.what.contains("nested deeper"), "{e}");
            // Primitive with indefinite length.
            assert!(read_header(&[0x04, 0x80, 0, 0], 0, 4).is_err());
            // Five length octets.
            assert!(read_header(&[0x04, 0x85, 1, 1, 1, 1, 1], 0, 7).is_err());
        }

        #[test]
        fn high_tag_numbers() {
            // [APPLICATION 200] primitive, length 1
            let b = [0x5f, 0x81, 0x48, 0x01, 0xaa];
            let h = read_header(&b, 0, b.len()).unwrap();
            assert_eq!((h.class, h.tag, h.id_len, h.content_start), (1, 200, 3, 4));
        }
    }
}
