//! `parse_pkcs7` over every shape a `.p7b` arrives in, and over damaged or wrong input.

mod fixtures;

use cms::cert::x509::der::{Decode, Encode};
use fixtures::*;
use scomtriage_parsers::encoding::{encode_base64, encode_pem};
use scomtriage_parsers::pkcs7::{looks_like_pkcs7, parse_pkcs7, Pkcs7Error};
use scomtriage_parsers::x509::Certificate;

fn three() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    (
        simple_cert("leaf.contoso.com"),
        simple_cert("Issuing CA"),
        simple_cert("Root CA"),
    )
}

fn cns(certs: &[Certificate]) -> Vec<String> {
    certs.iter().flat_map(|c| c.subject_cns.clone()).collect()
}

#[test]
fn der_bag_returns_certificates_in_file_order() {
    let (a, b, c) = three();
    // Deliberately not sorted: root, leaf, issuing.
    let p7 = p7b_der(&[&c, &a, &b]);
    let certs = parse_pkcs7(&p7).unwrap();
    assert_eq!(
        cns(&certs),
        vec!["Root CA", "leaf.contoso.com", "Issuing CA"]
    );
    assert_eq!(certs[1].der, a);
    assert!(looks_like_pkcs7(&p7));
}

#[test]
fn bag_written_by_cms_crate_parses() {
    let (a, b, c) = three();
    let parsed: Vec<cms::cert::x509::Certificate> = [&a, &b, &c]
        .iter()
        .map(|d| cms::cert::x509::Certificate::from_der(d).unwrap())
        .collect();
    let ci = cms::content_info::ContentInfo::try_from(parsed).unwrap();
    let p7 = ci.to_der().unwrap();
    let certs = parse_pkcs7(&p7).unwrap();
    // cms sorts the SET OF (DER rules), so compare as sets; file order is the order cms wrote.
    let mut got: Vec<Vec<u8>> = certs.iter().map(|c| c.der.clone()).collect();
    let mut want = vec![a, b, c];
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn ber_indefinite_bag_as_windows_writes_it() {
    let (a, b, c) = three();
    let p7 = p7b_ber(&[&b, &a, &c]);
    assert_eq!(&p7[..2], &[0x30, 0x80]);
    let certs = parse_pkcs7(&p7).unwrap();
    assert_eq!(
        cns(&certs),
        vec!["Issuing CA", "leaf.contoso.com", "Root CA"]
    );
    assert_eq!(certs[0].der, b);
    assert!(looks_like_pkcs7(&p7));
}

#[test]
fn indefinite_length_certificate_inside_is_reframed_to_der() {
    let ca = make_ca("Reframe CA", ec_key(), vec![9; 20]);
    let leaf = sign_leaf(&leaf_params("reframed", &[]), &ec_key(), &ca);
    let p7 = p7b_ber(&[&reframe_indefinite(&leaf), &ca.der]);
    let certs = parse_pkcs7(&p7).unwrap();
    assert_eq!(cns(&certs), vec!["reframed", "Reframe CA"]);
    // Re-framed back to the exact original DER: same thumbprint, signature still verifies.
    assert_eq!(certs[0].der, leaf);
    assert_eq!(certs[0].verify_signed_by(&certs[1]), Ok(()));
}

#[test]
fn pem_pkcs7_label_crlf() {
    let (a, b, _) = three();
    let p7 = p7b_der(&[&a, &b]);
    let text = pem_crlf("PKCS7", &p7);
    assert_eq!(
        cns(&parse_pkcs7(text.as_bytes()).unwrap()),
        vec!["leaf.contoso.com", "Issuing CA"]
    );
    // RFC 7468 CMS label and OpenSSL's old label, LF.
    for label in ["CMS", "PKCS #7 SIGNED DATA"] {
        let text = encode_pem(label, &p7);
        assert_eq!(parse_pkcs7(text.as_bytes()).unwrap().len(), 2, "{label}");
    }
}

#[test]
fn ber_bag_in_certificate_armour_as_ad_cs_web_enrollment_writes() {
    let (a, b, c) = three();
    let p7 = p7b_ber(&[&a, &b, &c]);
    let text = pem_crlf("CERTIFICATE", &p7);
    let certs = parse_pkcs7(text.as_bytes()).unwrap();
    assert_eq!(
        cns(&certs),
        vec!["leaf.contoso.com", "Issuing CA", "Root CA"]
    );
    assert!(looks_like_pkcs7(text.as_bytes()));
}

#[test]
fn bare_base64_bag() {
    let (a, _, c) = three();
    let p7 = p7b_ber(&[&a, &c]);
    let wrapped = base64_wrapped(&p7, 64, "\r\n");
    assert_eq!(parse_pkcs7(wrapped.as_bytes()).unwrap().len(), 2);
    let one_line = encode_base64(&p7_der_of(&a));
    assert_eq!(
        cns(&parse_pkcs7(one_line.as_bytes()).unwrap()),
        vec!["leaf.contoso.com"]
    );
}

fn p7_der_of(cert: &[u8]) -> Vec<u8> {
    p7b_der(&[cert])
}

#[test]
fn two_pem_bags_are_read_in_order() {
    let (a, b, c) = three();
    let text = format!(
        "{}{}",
        encode_pem("PKCS7", &p7b_der(&[&c])),
        encode_pem("PKCS7", &p7b_ber(&[&a, &b]))
    );
    assert_eq!(
        cns(&parse_pkcs7(text.as_bytes()).unwrap()),
        vec!["Root CA", "leaf.contoso.com", "Issuing CA"]
    );
}

#[test]
fn enveloped_data_is_not_a_certificate_bundle() {
    // ContentInfo { envelopedData, [0] { EnvelopedData { version 0, recipientInfos {}, … } } }
    let mut env = tlv(0x02, &[0]);
    env.extend(tlv(0x31, &[]));
    let mut eci = pkcs7_oid(1);
    eci.extend(tlv(
        0x30,
        &tlv(
            0x06,
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a],
        ),
    ));
    eci.extend(tlv(0x80, b"ciphertext"));
    env.extend(tlv(0x30, &eci));
    let mut ci = pkcs7_oid(3);
    ci.extend(tlv(0xa0, &tlv(0x30, &env)));
    let der = tlv(0x30, &ci);
    assert_eq!(
        parse_pkcs7(&der),
        Err(Pkcs7Error::NotCertificateBundle(
            "1.2.840.113549.1.7.3".into()
        ))
    );
    let pem = encode_pem("PKCS7", &der);
    assert_eq!(
        parse_pkcs7(pem.as_bytes()),
        Err(Pkcs7Error::NotCertificateBundle(
            "1.2.840.113549.1.7.3".into()
        ))
    );
    // A ContentInfo-looking SEQUENCE with a non-PKCS#7 OID is not PKCS#7 at all.
    let mut other = tlv(0x06, &[0x2a, 0x03, 0x04]);
    other.extend(tlv(0xa0, &tlv(0x05, &[])));
    match parse_pkcs7(&tlv(0x30, &other)) {
        Err(Pkcs7Error::NotPkcs7(msg)) => assert!(msg.contains("1.2.3.4"), "{msg}"),
        x => panic!("expected NotPkcs7, got {x:?}"),
    }
}

#[test]
fn plain_certificate_and_garbage_are_not_pkcs7() {
    let cert = simple_cert("plain");
    for input in [cert.clone(), encode_pem("CERTIFICATE", &cert).into_bytes()] {
        match parse_pkcs7(&input) {
            Err(Pkcs7Error::NotPkcs7(msg)) => {
                assert!(msg.contains("X.509 certificate"), "{msg}")
            }
            x => panic!("expected NotPkcs7, got {x:?}"),
        }
        assert!(!looks_like_pkcs7(&input));
    }
    for input in [
        &b"not a p7b"[..],
        b"",
        &[0x04, 0x02, 0x00, 0x00],
        b"\x89PNG\r\n",
    ] {
        match parse_pkcs7(input) {
            Err(Pkcs7Error::NotPkcs7(msg)) => assert!(!msg.contains('\n')),
            x => panic!("{input:?}: expected NotPkcs7, got {x:?}"),
        }
    }
    match parse_pkcs7(encode_pem("PRIVATE KEY", b"x").as_bytes()) {
        Err(Pkcs7Error::NotPkcs7(msg)) => assert!(msg.contains("PRIVATE KEY"), "{msg}"),
        x => panic!("expected NotPkcs7, got {x:?}"),
    }
}

#[test]
fn truncated_bags_are_errors_at_every_cut() {
    let (a, b, _) = three();
    for p7 in [p7b_der(&[&a, &b]), p7b_ber(&[&a, &b])] {
        for cut in 1..p7.len() {
            let r = parse_pkcs7(&p7[..cut]);
            // Cutting off only trailing 00 00 end-of-contents of BER is still an error, never Ok.
            assert!(
                matches!(r, Err(Pkcs7Error::Malformed(_))),
                "cut {cut}/{}: {r:?}",
                p7.len()
            );
        }
    }
    let p7 = p7b_der(&[&a]);
    match parse_pkcs7(&p7[..p7.len() / 2]) {
        Err(Pkcs7Error::Malformed(msg)) => assert!(msg.contains("truncated"), "{msg}"),
        x => panic!("expected Malformed, got {x:?}"),
    }
}

#[test]
fn damaged_certificate_inside_names_its_position() {
    let (a, b, _) = three();
    let mut bad = b.clone();
    bad[4] = 0x05; // TBS SEQUENCE → NULL tag, lengths intact
    match parse_pkcs7(&p7b_der(&[&a, &bad])) {
        Err(Pkcs7Error::Malformed(msg)) => assert!(msg.starts_with("certificate 2 "), "{msg}"),
        x => panic!("expected Malformed, got {x:?}"),
    }
}

#[test]
fn no_certificates_and_attribute_certificates() {
    // SignedData without the optional certificates field.
    let mut signed = tlv(0x02, &[1]);
    signed.extend(tlv(0x31, &[]));
    signed.extend(tlv(0x30, &pkcs7_oid(1)));
    signed.extend(tlv(0x31, &[]));
    let mut ci = pkcs7_oid(2);
    ci.extend(tlv(0xa0, &tlv(0x30, &signed)));
    assert_eq!(parse_pkcs7(&tlv(0x30, &ci)), Ok(vec![]));

    // A v2 attribute certificate choice ([2]) between two certificates is skipped.
    let (a, b, _) = three();
    let attr = tlv(0xa2, &tlv(0x30, &[]));
    let certs = parse_pkcs7(&p7b_der(&[&a, &attr, &b])).unwrap();
    assert_eq!(cns(&certs), vec!["leaf.contoso.com", "Issuing CA"]);
}

#[test]
fn trailing_data_after_the_bag() {
    let (a, _, _) = three();
    let mut p7 = p7b_der(&[&a]);
    p7.extend_from_slice(b"\r\n\0");
    assert_eq!(parse_pkcs7(&p7).unwrap().len(), 1);
    p7.extend_from_slice(b"junk");
    match parse_pkcs7(&p7) {
        Err(Pkcs7Error::Malformed(msg)) => assert!(msg.contains("after the ContentInfo"), "{msg}"),
        x => panic!("expected Malformed, got {x:?}"),
    }
}

#[test]
fn random_mutations_never_panic() {
    let (a, b, _) = three();
    let seeds = [p7b_der(&[&a, &b]), p7b_ber(&[&a, &b])];
    let mut state: u64 = 0xD1B5_4A32_D192_ED03;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..3000 {
        let mut m = seeds[round % 2].clone();
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % m.len();
            m[i] = match next() % 3 {
                0 => 0x80, // indefinite-length octet
                1 => 0x00,
                _ => next() as u8,
            };
        }
        let cut = (next() as usize) % (m.len() + 1);
        let _ = parse_pkcs7(&m[..cut]);
        let _ = looks_like_pkcs7(&m[..cut]);
    }
}
