//! `parse_certificates` over the file shapes uploads arrive in: DER, PEM (several blocks, CRLF,
//! UTF-16), bare Base64, and damaged input.

mod fixtures;

use fixtures::*;
use scomtriage_parsers::encoding::{encode_base64, encode_pem};
use scomtriage_parsers::x509::{parse_certificates, Certificate, X509Error};

fn cns(certs: &[Certificate]) -> Vec<String> {
    certs.iter().flat_map(|c| c.subject_cns.clone()).collect()
}

#[test]
fn der_file_gives_one_certificate() {
    let der = simple_cert("one.der");
    let certs = parse_certificates(&der).unwrap();
    assert_eq!(cns(&certs), vec!["one.der"]);
    assert_eq!(certs[0].der, der);
}

#[test]
fn pem_with_three_certificates_in_file_order() {
    let (a, b, c) = (simple_cert("a"), simple_cert("b"), simple_cert("c"));
    let text = format!(
        "subject=CN = a\nissuer=CN = a\n{}{}\n# comment between\n{}",
        encode_pem("CERTIFICATE", &a),
        pem_crlf("CERTIFICATE", &b),
        encode_pem("CERTIFICATE", &c)
    );
    let certs = parse_certificates(text.as_bytes()).unwrap();
    assert_eq!(cns(&certs), vec!["a", "b", "c"]);
    assert_eq!(certs[1].der, b);
}

#[test]
fn pem_skips_key_blocks_but_needs_a_certificate() {
    let a = simple_cert("with-key");
    let text = format!(
        "{}{}",
        encode_pem("PRIVATE KEY", b"not really a key"),
        encode_pem("CERTIFICATE", &a)
    );
    assert_eq!(
        cns(&parse_certificates(text.as_bytes()).unwrap()),
        vec!["with-key"]
    );

    let only_key = encode_pem("PRIVATE KEY", b"k");
    match parse_certificates(only_key.as_bytes()) {
        Err(X509Error::NotACertificate(msg)) => {
            assert!(msg.contains("no CERTIFICATE block"), "{msg}");
            assert!(msg.contains("PRIVATE KEY"), "{msg}");
        }
        other => panic!("expected NotACertificate, got {other:?}"),
    }
}

#[test]
fn bare_base64_with_crlf_and_bom() {
    let der = simple_cert("bare");
    let b64 = base64_wrapped(&der, 76, "\r\n");
    assert_eq!(
        cns(&parse_certificates(b64.as_bytes()).unwrap()),
        vec!["bare"]
    );
    // One long line, surrounding whitespace, UTF-8 BOM.
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(format!("\n  {}  \n", encode_base64(&der)).as_bytes());
    assert_eq!(cns(&parse_certificates(&bom).unwrap()), vec!["bare"]);
}

#[test]
fn utf16le_pem_with_bom() {
    let der = simple_cert("utf16");
    let pem = pem_crlf("CERTIFICATE", &der);
    let mut bytes = vec![0xFF, 0xFE];
    for u in pem.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    assert_eq!(cns(&parse_certificates(&bytes).unwrap()), vec!["utf16"]);
}

#[test]
fn garbage_is_not_a_certificate_with_a_one_line_reason() {
    for input in [
        &b"hello, this is not a certificate!"[..],
        &[0x00, 0x01, 0x02, 0xff][..],
        b"ElfFile\x00\x01",
        b"",
        b"   \r\n",
    ] {
        match parse_certificates(input) {
            Err(X509Error::NotACertificate(msg)) => {
                assert!(!msg.is_empty());
                assert!(!msg.contains('\n'), "one line: {msg}");
            }
            other => panic!("{input:?}: expected NotACertificate, got {other:?}"),
        }
    }
    let Err(X509Error::NotACertificate(msg)) = parse_certificates(b"hello, world") else {
        panic!("expected NotACertificate");
    };
    assert!(msg.contains("Base64"), "{msg}");
}

#[test]
fn truncated_der_is_malformed() {
    let der = simple_cert("truncated");
    for cut in [der.len() - 1, der.len() / 2, 4, 2] {
        match parse_certificates(&der[..cut]) {
            Err(X509Error::Malformed(msg)) => assert!(msg.contains("truncated"), "{cut}: {msg}"),
            other => panic!("cut at {cut}: expected Malformed, got {other:?}"),
        }
    }
    assert!(matches!(
        Certificate::from_der(&der[..der.len() - 10]),
        Err(X509Error::Malformed(_))
    ));
    // A damaged inner structure with correct lengths: the version [0] becomes an OCTET STRING.
    let mut bad = der.clone();
    assert_eq!(
        patch_all(
            &mut bad,
            &[0xa0, 0x03, 0x02, 0x01, 0x02],
            &[0x04, 0x03, 0x02, 0x01, 0x02]
        ),
        1
    );
    assert!(matches!(
        Certificate::from_der(&bad),
        Err(X509Error::Malformed(_))
    ));
}

#[test]
fn other_der_structures_are_not_certificates() {
    // PKCS#8-shaped private key: SEQUENCE { INTEGER 0, SEQUENCE { OID }, OCTET STRING }.
    let mut body = tlv(0x02, &[0]);
    body.extend(tlv(
        0x30,
        &tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]),
    ));
    body.extend(tlv(0x04, &[0u8; 200]));
    let key = tlv(0x30, &body);
    match parse_certificates(&key) {
        Err(X509Error::NotACertificate(msg)) => {
            assert!(msg.contains("INTEGER, SEQUENCE, OCTET STRING"), "{msg}")
        }
        other => panic!("expected NotACertificate, got {other:?}"),
    }
    // TBS tag replaced by NULL: no longer certificate-shaped.
    let mut der = simple_cert("shape");
    der[4] = 0x05;
    assert!(matches!(
        Certificate::from_der(&der),
        Err(X509Error::NotACertificate(_))
    ));
}

#[test]
fn trailing_bytes_after_der() {
    let der = simple_cert("trailing");
    let mut garbage = der.clone();
    garbage.extend_from_slice(b"XYZ");
    match Certificate::from_der(&garbage) {
        Err(X509Error::Malformed(msg)) => assert!(msg.contains("3 trailing bytes"), "{msg}"),
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert!(parse_certificates(&garbage).is_err());
    // NUL/newline padding is tolerated by the file reader, not by from_der.
    let mut padded = der.clone();
    padded.extend_from_slice(b"\0\0\r\n");
    assert_eq!(parse_certificates(&padded).unwrap().len(), 1);
    assert!(Certificate::from_der(&padded).is_err());
    // A certificate whose own last byte is 0x00 is not "padding" (regression).
    let mut ends_in_zero = der.clone();
    *ends_in_zero.last_mut().unwrap() = 0x00; // last byte of the signature value
    let certs = parse_certificates(&ends_in_zero).unwrap();
    assert_eq!(certs[0].der, ends_in_zero);
}

#[test]
fn damaged_second_pem_block_names_the_block() {
    let a = simple_cert("good");
    let b = simple_cert("bad");
    let text = format!(
        "{}{}",
        encode_pem("CERTIFICATE", &a),
        encode_pem("CERTIFICATE", &b[..b.len() - 20])
    );
    match parse_certificates(text.as_bytes()) {
        Err(X509Error::Malformed(msg)) => {
            assert!(msg.contains("PEM block 'CERTIFICATE' at line"), "{msg}");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    // Unterminated block.
    let text = format!("-----BEGIN CERTIFICATE-----\n{}\n", encode_base64(&a));
    match parse_certificates(text.as_bytes()) {
        Err(X509Error::NotACertificate(msg)) => assert!(msg.contains("no END line"), "{msg}"),
        other => panic!("expected NotACertificate, got {other:?}"),
    }
}

#[test]
fn pkcs7_content_is_refused_with_a_pointer_to_the_right_parser() {
    let p7 = p7b_der(&[&simple_cert("in-bag")]);
    for input in [
        p7.clone(),
        encode_pem("CERTIFICATE", &p7).into_bytes(),
        encode_base64(&p7).into_bytes(),
    ] {
        match parse_certificates(&input) {
            Err(X509Error::NotACertificate(msg)) => assert!(msg.contains("PKCS#7"), "{msg}"),
            other => panic!("expected NotACertificate, got {other:?}"),
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    // Deterministic xorshift; flip bytes and cut lengths all over a real certificate.
    let der = simple_cert("fuzz.contoso.com");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..2000 {
        let mut m = der.clone();
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % m.len();
            m[i] = next() as u8;
        }
        let cut = (next() as usize) % (m.len() + 1);
        let input = if next() % 3 == 0 { &m[..cut] } else { &m[..] };
        if let Ok(certs) = parse_certificates(input) {
            for c in &certs {
                let _ = c.verify_signed_by(c);
                let _ = c.extension_problems();
            }
        }
    }
}
