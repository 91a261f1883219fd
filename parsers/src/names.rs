//! Distinguished-name comparison as RFC 5280 §7.1 asks for chaining: two names match when they
//! have the same RDNs in the same order, each RDN the same set of attributes, and each string
//! value equal after the LDAP string preparation of RFC 4518 (case folded, insignificant spaces
//! removed). The preparation here is the part that matters for real names: Unicode lower-casing,
//! leading/trailing spaces dropped, inner runs of white space collapsed to one space. It does not
//! apply Unicode normalisation (NFKC) or the RFC 4518 mapping tables.
//!
//! Non-string values (anything that is not a DirectoryString, IA5String or similar) compare by
//! their encoding (tag and bytes). The walk uses the crate's BER reader and borrows from the
//! input: no OID formatting, and text is prepared only when the encodings differ.

use crate::pkcs7::ber;

/// Universal string tags (RFC 5280 DirectoryString choices, IA5String and the other ASN.1
/// character strings).
const UTF8: u32 = 12;
const NUMERIC: u32 = 18;
const PRINTABLE: u32 = 19;
const T61: u32 = 20;
const VIDEOTEX: u32 = 21;
const IA5: u32 = 22;
const GRAPHIC: u32 = 25;
const VISIBLE: u32 = 26;
const GENERAL: u32 = 27;
const UNIVERSAL: u32 = 28;
const BMP: u32 = 30;

/// One AttributeTypeAndValue, borrowed from the DER.
struct Atv<'a> {
    oid: &'a [u8],
    class: u8,
    tag: u32,
    value: &'a [u8],
}

/// The RDNs of a DER Name (SEQUENCE OF SET OF SEQUENCE { OID, ANY }); `None` when the bytes
/// are not shaped like one.
fn rdns(der: &[u8]) -> Option<Vec<Vec<Atv<'_>>>> {
    let name = ber::read(der, 0, der.len(), 0).ok()?;
    if !name.is_universal(ber::TAG_SEQUENCE, true) || name.end != der.len() {
        return None;
    }
    let mut out = Vec::new();
    for set in ber::children(der, &name, 0).ok()? {
        if !set.is_universal(17, true) {
            return None;
        }
        let mut rdn = Vec::new();
        for seq in ber::children(der, &set, 1).ok()? {
            let kids = ber::children(der, &seq, 2).ok()?;
            let [oid, value] = kids.as_slice() else {
                return None;
            };
            if !oid.is_universal(ber::TAG_OID, false) {
                return None;
            }
            rdn.push(Atv {
                oid: oid.content(der),
                class: value.class,
                tag: value.tag,
                value: value.content(der),
            });
        }
        out.push(rdn);
    }
    Some(out)
}

/// The text of a character-string value, `None` for other types.
fn text(class: u8, tag: u32, v: &[u8]) -> Option<String> {
    if class != 0 {
        return None;
    }
    Some(match tag {
        UTF8 | NUMERIC | PRINTABLE | IA5 | GRAPHIC | VISIBLE | GENERAL => {
            String::from_utf8_lossy(v).into_owned()
        }
        // T.61 in practice holds Latin-1 (or UTF-8 from sloppy encoders).
        T61 | VIDEOTEX => match std::str::from_utf8(v) {
            Ok(s) => s.to_string(),
            Err(_) => v.iter().map(|&b| char::from(b)).collect(),
        },
        BMP => char::decode_utf16(v.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])))
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        UNIVERSAL => v
            .chunks_exact(4)
            .map(|c| {
                char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => return None,
    })
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

fn atv_eq(a: &Atv<'_>, b: &Atv<'_>) -> bool {
    if a.oid != b.oid {
        return false;
    }
    if a.class == b.class && a.tag == b.tag && a.value == b.value {
        return true;
    }
    match (text(a.class, a.tag, a.value), text(b.class, b.tag, b.value)) {
        (Some(x), Some(y)) => prepare_text(&x) == prepare_text(&y),
        _ => false,
    }
}

/// Same set of attributes (order inside an RDN does not matter).
fn rdn_eq(a: &[Atv<'_>], b: &[Atv<'_>]) -> bool {
    a.len() == b.len()
        && a.iter().all(|x| b.iter().any(|y| atv_eq(x, y)))
        && b.iter().all(|y| a.iter().any(|x| atv_eq(x, y)))
}

/// Whether two DER-encoded Names match for certificate path building (RFC 5280 §7.1): byte
/// equality, or the same RDN sequence after case folding and space normalisation of string
/// values. Names that cannot be parsed match only byte for byte.
pub fn names_match(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    match (rdns(a), rdns(b)) {
        (Some(x), Some(y)) => x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| rdn_eq(p, q)),
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
    fn multi_valued_rdns_are_sets_and_bmp_strings_are_text() {
        fn rdn2(a: (&[u8], u8, &[u8]), b: (&[u8], u8, &[u8])) -> Vec<u8> {
            let atv = |(oid, tag, v): (&[u8], u8, &[u8])| {
                let mut x = vec![0x06, oid.len() as u8];
                x.extend_from_slice(oid);
                x.extend([tag, v.len() as u8]);
                x.extend_from_slice(v);
                let mut s = vec![0x30, x.len() as u8];
                s.extend(x);
                s
            };
            let mut set_content = atv(a);
            set_content.extend(atv(b));
            let mut set = vec![0x31, set_content.len() as u8];
            set.extend(set_content);
            let mut name = vec![0x30, set.len() as u8];
            name.extend(set);
            name
        }
        let bmp: &[u8] = &[0, b'G', 0, b'o', 0, b'o', 0, b'd'];
        let x = rdn2((O, PRINTABLE, b"Test"), (CN, PRINTABLE, b"Good"));
        let y = rdn2((CN, 0x1E, bmp), (O, UTF8, b"TEST"));
        assert!(names_match(&x, &y));
        let z = rdn2((CN, PRINTABLE, b"Good"), (CN, PRINTABLE, b"Test"));
        assert!(!names_match(&x, &z));
    }

    #[test]
    fn unparsable_names_match_only_byte_for_byte() {
        assert!(names_match(b"\x30\x01", b"\x30\x01"));
        assert!(!names_match(b"\x30\x01", b"\x30\x02"));
    }
}
