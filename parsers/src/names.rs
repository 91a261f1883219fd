//! Distinguished-name comparison as RFC 5280 §7.1 asks for chaining: two names match when they
//! have the same RDNs in the same order, each RDN the same set of attributes, and each string
//! value equal after the LDAP string preparation of RFC 4518 (case folded, insignificant spaces
//! removed). The preparation here is the part that matters for real names: Unicode lower-casing,
//! leading/trailing spaces dropped, inner runs of white space collapsed to one space. It does not
//! apply Unicode normalisation (NFKC) or the RFC 4518 mapping tables.
//!
//! Non-string values (anything that is not a DirectoryString, IA5String or similar) compare by
//! their encoding (tag and bytes).

use x509_parser::asn1_rs::{Class, FromDer, Tag};
use x509_parser::x509::X509Name;

use crate::x509::directory_string;

/// One attribute of a name, prepared for comparison: dotted type OID and the prepared value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Prepared {
    oid: String,
    value: PreparedValue,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PreparedValue {
    /// A string value after RFC 4518-style preparation.
    Text(String),
    /// Any other value: tag number, class and content bytes.
    Raw(u32, u8, Vec<u8>),
}

/// RFC 4518 §2.6.1-style insignificant-space handling plus case folding.
fn prepare_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

fn is_string_tag(tag: Tag) -> bool {
    matches!(
        tag,
        Tag::Utf8String
            | Tag::PrintableString
            | Tag::Ia5String
            | Tag::NumericString
            | Tag::VisibleString
            | Tag::GeneralString
            | Tag::GraphicString
            | Tag::T61String
            | Tag::VideotexString
            | Tag::BmpString
            | Tag::UniversalString
    )
}

/// The prepared RDNs of a DER-encoded Name, each RDN sorted (a set); `None` when the bytes are
/// not a Name.
fn prepared_rdns(der: &[u8]) -> Option<Vec<Vec<Prepared>>> {
    let (rest, name) = X509Name::from_der(der).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let mut rdns = Vec::new();
    for rdn in name.iter_rdn() {
        let mut attrs: Vec<Prepared> = rdn
            .iter()
            .map(|atv| {
                let v = atv.attr_value();
                let value = if v.class() == Class::Universal && is_string_tag(v.tag()) {
                    PreparedValue::Text(prepare_text(&directory_string(v)))
                } else {
                    PreparedValue::Raw(v.tag().0, v.class() as u8, v.data.to_vec())
                };
                Prepared {
                    oid: atv.attr_type().to_id_string(),
                    value,
                }
            })
            .collect();
        attrs.sort();
        rdns.push(attrs);
    }
    Some(rdns)
}

/// Whether two DER-encoded Names match for certificate path building (RFC 5280 §7.1): byte
/// equality, or the same RDN sequence after case folding and space normalisation of string
/// values. Names that cannot be parsed match only byte for byte.
pub fn names_match(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    match (prepared_rdns(a), prepared_rdns(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER of a Name with one RDN per (OID content bytes, string tag, value).
    fn name(rdns: &[(&[u8], u8, &[u8])]) -> Vec<u8> {
        fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
            assert!(content.len() < 128);
            let mut v = vec![tag, content.len() as u8];
            v.extend_from_slice(content);
            v
        }
        let mut seq = Vec::new();
        for (oid, tag, value) in rdns {
            let mut atv = tlv(0x06, oid);
            atv.extend(tlv(*tag, value));
            seq.extend(tlv(0x31, &tlv(0x30, &atv)));
        }
        tlv(0x30, &seq)
    }

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const O: &[u8] = &[0x55, 0x04, 0x0A];
    const PRINTABLE: u8 = 0x13;
    const UTF8: u8 = 0x0C;

    #[test]
    fn case_space_and_string_type_differences_match() {
        let a = name(&[
            (O, PRINTABLE, b"Test Certificates"),
            (CN, PRINTABLE, b"Good CA"),
        ]);
        let b = name(&[(O, UTF8, b"test  certificates "), (CN, UTF8, b"  GOOD CA")]);
        assert!(names_match(&a, &b));
        assert!(names_match(&a, &a));
    }

    #[test]
    fn different_values_or_order_do_not_match() {
        let a = name(&[(O, PRINTABLE, b"Test"), (CN, PRINTABLE, b"Good CA")]);
        let other = name(&[(O, PRINTABLE, b"Test"), (CN, PRINTABLE, b"Good CA2")]);
        let reordered = name(&[(CN, PRINTABLE, b"Good CA"), (O, PRINTABLE, b"Test")]);
        let inner_space = name(&[(O, PRINTABLE, b"Test"), (CN, PRINTABLE, b"GoodCA")]);
        assert!(!names_match(&a, &other));
        assert!(!names_match(&a, &reordered));
        assert!(!names_match(&a, &inner_space));
    }

    #[test]
    fn unparsable_names_match_only_byte_for_byte() {
        assert!(names_match(b"\x30\x01", b"\x30\x01"));
        assert!(!names_match(b"\x30\x01", b"\x30\x02"));
    }
}
