//! PKCS#7 certificate bags (`.p7b`): a degenerate SignedData (RFC 2315/5652) with no
//! signers, as `certnew.p7b` from AD CS or `openssl crl2pkcs7` write it.
//!
//! ```text
//! ContentInfo ::= SEQUENCE { contentType 1.2.840.113549.1.7.2,
//!   content [0] EXPLICIT SignedData ::= SEQUENCE {
//!     version 1, digestAlgorithms SET {}, contentInfo SEQUENCE { 1.2.840.113549.1.7.1 },
//!     certificates [0] IMPLICIT SET OF Certificate, signerInfos SET {} } }
//! ```
//!
//! The DER variant sorts the certificates as DER requires for a SET OF; the BER variant
//! keeps the given order and frames the four outer constructed layers (ContentInfo, `[0]`,
//! SignedData, `[0]` certificates) with indefinite lengths (`0x80` … `00 00`); the
//! certificates inside stay DER, as BER writers leave them.

use crate::der::tlv;

/// OID 1.2.840.113549.1.7.2 (signedData), content octets.
const OID_SIGNED_DATA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// OID 1.2.840.113549.1.7.1 (data), content octets.
const OID_DATA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

fn signed_data_fields_before_certs() -> Vec<u8> {
    let mut v = tlv(0x02, &[0x01]); // version 1
    v.extend(tlv(0x31, &[])); // digestAlgorithms
    v.extend(tlv(0x30, &tlv(0x06, &OID_DATA))); // encapContentInfo
    v
}

/// DER `.p7b` holding `certs` (each a DER certificate).
pub fn p7b_der(certs: &[&[u8]]) -> Vec<u8> {
    let mut sorted: Vec<&[u8]> = certs.to_vec();
    sorted.sort();
    let cert_set: Vec<u8> = sorted.concat();
    let mut sd = signed_data_fields_before_certs();
    sd.extend(tlv(0xa0, &cert_set));
    sd.extend(tlv(0x31, &[])); // signerInfos
    let mut ci = tlv(0x06, &OID_SIGNED_DATA);
    ci.extend(tlv(0xa0, &tlv(0x30, &sd)));
    tlv(0x30, &ci)
}

/// BER `.p7b` with indefinite-length outer layers, certificates in the given order.
pub fn p7b_ber(certs: &[&[u8]]) -> Vec<u8> {
    const EOC: [u8; 2] = [0, 0];
    let mut out = vec![0x30, 0x80]; // ContentInfo
    out.extend(tlv(0x06, &OID_SIGNED_DATA));
    out.extend([0xa0, 0x80]); // [0] EXPLICIT
    out.extend([0x30, 0x80]); // SignedData
    out.extend(signed_data_fields_before_certs());
    out.extend([0xa0, 0x80]); // [0] IMPLICIT SET OF Certificate
    for c in certs {
        out.extend_from_slice(c);
    }
    out.extend(EOC); // end of certificates
    out.extend(tlv(0x31, &[])); // signerInfos
    out.extend(EOC); // end of SignedData
    out.extend(EOC); // end of [0]
    out.extend(EOC); // end of ContentInfo
    out
}

/// PEM armour (`-----BEGIN PKCS7-----`, 64-character lines, CRLF as Windows tools write).
pub fn p7b_pem(certs: &[&[u8]]) -> Vec<u8> {
    let b64 = crate::keys::base64_encode(&p7b_der(certs));
    let mut out = String::from("-----BEGIN PKCS7-----\r\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push_str("\r\n");
    }
    out.push_str("-----END PKCS7-----\r\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::{children, read_tlv};

    fn fake_cert(fill: u8, len: usize) -> Vec<u8> {
        tlv(0x30, &vec![fill; len])
    }

    #[test]
    fn der_layers_nest_and_certs_are_sorted() {
        let a = fake_cert(0x22, 300);
        let b = fake_cert(0x11, 10);
        let der = p7b_der(&[&a, &b]);
        let ci = read_tlv(&der, 0).unwrap();
        assert_eq!(ci.encoded_len, der.len());
        let parts = children(ci.content, 0).unwrap();
        assert_eq!(parts[0].content, &OID_SIGNED_DATA);
        let sd = read_tlv(parts[1].content, 0).unwrap();
        let fields = children(sd.content, 0).unwrap();
        assert_eq!(fields.len(), 5);
        assert_eq!(fields[3].tag, 0xa0);
        let certs = children(fields[3].content, 0).unwrap();
        assert_eq!(certs.len(), 2);
        assert!(
            certs[0].content.len() <= certs[1].content.len()
                || certs[0].content[0] < certs[1].content[0]
        );
    }

    /// A test-only BER reader: returns (tag, indefinite?, content-or-children bytes, total len).
    fn ber(input: &[u8]) -> (u8, bool, Vec<Vec<u8>>, usize) {
        let tag = input[0];
        if input[1] == 0x80 {
            let mut pos = 2;
            let mut kids = Vec::new();
            while input[pos..pos + 2] != [0, 0] {
                let (_, _, _, len) = ber(&input[pos..]);
                kids.push(input[pos..pos + len].to_vec());
                pos += len;
            }
            (tag, true, kids, pos + 2)
        } else {
            let t = read_tlv(input, 0).unwrap();
            (tag, false, vec![t.content.to_vec()], t.encoded_len)
        }
    }

    #[test]
    fn ber_framing_is_indefinite_and_balanced() {
        let a = fake_cert(0x22, 300);
        let b = fake_cert(0x11, 10);
        let ber_bytes = p7b_ber(&[&a, &b]);
        let (tag, indef, kids, len) = ber(&ber_bytes);
        assert_eq!((tag, indef, len), (0x30, true, ber_bytes.len()));
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0], tlv(0x06, &OID_SIGNED_DATA));
        let (tag, indef, kids, _) = ber(&kids[1]);
        assert_eq!((tag, indef, kids.len()), (0xa0, true, 1));
        let (tag, indef, fields, _) = ber(&kids[0]);
        assert_eq!((tag, indef, fields.len()), (0x30, true, 5));
        let (tag, indef, certs, _) = ber(&fields[3]);
        assert_eq!((tag, indef), (0xa0, true));
        assert_eq!(certs, vec![a.clone(), b.clone()], "given order, DER inside");
        assert_eq!(fields[4], vec![0x31, 0x00]);
    }

    #[test]
    fn pem_armour() {
        let a = fake_cert(0x22, 300);
        let pem = String::from_utf8(p7b_pem(&[&a])).unwrap();
        assert!(pem.starts_with("-----BEGIN PKCS7-----\r\n"));
        assert!(pem.ends_with("-----END PKCS7-----\r\n"));
    }
}
