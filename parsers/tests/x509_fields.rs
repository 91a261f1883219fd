//! Every exposed field of `Certificate`, on certificates built with rcgen in the test.

mod fixtures;

use fixtures::*;
use rcgen::{
    date_time_ymd, CustomExtension, DnType, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose,
    SerialNumber,
};
use scomtriage_parsers::x509::{
    BasicConstraints, Certificate, KeyUsage, KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN,
    KU_KEY_ENCIPHERMENT,
};

fn parse(der: &[u8]) -> Certificate {
    Certificate::from_der(der).expect("parse generated certificate")
}

#[test]
fn subject_with_two_cns_keeps_der_order_and_full_dn() {
    let key = ec_key();
    let mut p = leaf_params("ignored", &[]);
    p.distinguished_name = rcgen::DistinguishedName::new();
    // rcgen keys its DN by type, so the second CN goes in as a custom type with the CN OID.
    p.distinguished_name.push(
        DnType::CustomDnType(vec![2, 5, 4, 3]),
        "zz-first.contoso.com",
    );
    p.distinguished_name
        .push(DnType::OrganizationName, "Contoso");
    p.distinguished_name
        .push(DnType::CommonName, "aa-second.contoso.com");
    let cert = parse(p.self_signed(&key).unwrap().der());
    assert_eq!(
        cert.subject_cns,
        vec!["zz-first.contoso.com", "aa-second.contoso.com"]
    );
    assert_eq!(
        cert.subject,
        "CN=zz-first.contoso.com, O=Contoso, CN=aa-second.contoso.com"
    );
    assert!(cert.self_issued);
    assert_eq!(cert.issuer, cert.subject);
    assert_eq!(cert.issuer_cns, cert.subject_cns);
    assert_eq!(cert.subject_der, cert.issuer_der);
    // subject_der is the Name SEQUENCE itself.
    assert_eq!(cert.subject_der[0], 0x30);
}

#[test]
fn san_dns_names_in_order_and_absent_san() {
    let key = ec_key();
    let sans = ["ms02.contoso.com", "ms01.contoso.com", "scom.contoso.com"];
    let cert = parse(
        leaf_params("ms02.contoso.com", &sans)
            .self_signed(&key)
            .unwrap()
            .der(),
    );
    assert!(cert.has_san);
    assert_eq!(cert.san_dns, sans);

    let none = parse(leaf_params("nosan", &[]).self_signed(&key).unwrap().der());
    assert!(!none.has_san);
    assert!(none.san_dns.is_empty());
}

#[test]
fn san_with_only_ip_is_present_but_has_no_dns() {
    let key = ec_key();
    let p = leaf_params("ip-only", &["10.1.2.3"]);
    let cert = parse(p.self_signed(&key).unwrap().der());
    assert!(cert.has_san);
    assert!(cert.san_dns.is_empty());
}

#[test]
fn twenty_byte_serial_and_leading_zero_serial_are_kept_exactly() {
    let key = ec_key();
    let twenty: Vec<u8> = (1..=20).collect();
    let mut p = leaf_params("serial20", &[]);
    p.serial_number = Some(SerialNumber::from_slice(&twenty));
    let cert = parse(p.self_signed(&key).unwrap().der());
    assert_eq!(cert.serial, twenty);
    assert_eq!(cert.serial_hex, "0102030405060708090A0B0C0D0E0F1011121314");

    // A high first bit forces DER to prepend 0x00; Windows shows that 00 too.
    let mut p = leaf_params("serial-high-bit", &[]);
    p.serial_number = Some(SerialNumber::from_slice(&[0xAB, 0xCD, 0xEF, 0x01]));
    let cert = parse(p.self_signed(&key).unwrap().der());
    assert_eq!(cert.serial, vec![0x00, 0xAB, 0xCD, 0xEF, 0x01]);
    assert_eq!(cert.serial_hex, "00ABCDEF01");
}

#[test]
fn validity_is_unix_seconds_including_expired_and_generalized_time() {
    let key = ec_key();
    let mut p = leaf_params("expired", &[]);
    p.not_before = date_time_ymd(2001, 2, 3);
    p.not_after = date_time_ymd(2002, 2, 3);
    let cert = parse(p.self_signed(&key).unwrap().der());
    assert_eq!(cert.not_before, 981_158_400);
    assert_eq!(cert.not_after, 1_012_694_400);
    assert!(!cert.is_valid_at(1_590_969_600)); // 2020-06-01: expired
    assert!(cert.is_valid_at(1_000_000_000));

    // 2051 is written as GeneralizedTime (RFC 5280 §4.1.2.5).
    let mut p = leaf_params("far", &[]);
    p.not_before = date_time_ymd(2020, 6, 1);
    p.not_after = date_time_ymd(2051, 1, 1);
    let cert = parse(p.self_signed(&key).unwrap().der());
    assert_eq!(cert.not_before, 1_590_969_600);
    assert_eq!(cert.not_after, 2_556_144_000);
}

#[test]
fn eku_absent_is_none_and_present_lists_oids_in_order() {
    let key = ec_key();
    let cert = parse(leaf_params("no-eku", &[]).self_signed(&key).unwrap().der());
    assert_eq!(cert.eku, None);
    assert_eq!(cert.has_eku("1.3.6.1.5.5.7.3.1"), None);

    let mut p = leaf_params("eku", &[]);
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::Other(vec![1, 3, 6, 1, 4, 1, 311, 10, 3, 4]),
    ];
    let cert = parse(p.self_signed(&key).unwrap().der());
    assert_eq!(
        cert.eku.as_deref(),
        Some(
            &[
                "1.3.6.1.5.5.7.3.2".to_string(),
                "1.3.6.1.5.5.7.3.1".to_string(),
                "1.3.6.1.4.1.311.10.3.4".to_string()
            ][..]
        )
    );
    assert_eq!(cert.has_eku("1.3.6.1.5.5.7.3.1"), Some(true));
    assert_eq!(cert.has_eku("1.3.6.1.5.5.7.3.3"), Some(false));
    assert!(cert.extension_problems().is_empty());
}

#[test]
fn key_usage_bits_and_criticality() {
    let key = ec_key();
    let mut p = leaf_params("ku", &[]);
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let cert = parse(p.self_signed(&key).unwrap().der());
    assert_eq!(
        cert.key_usage,
        Some(KeyUsage {
            bits: KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT,
            critical: true
        })
    );
    assert_eq!(cert.key_usage.as_ref().map(|k| k.bits), Some(0x0005));

    // Non-critical KeyUsage with decipherOnly (bit 8, needs a second byte) + keyEncipherment:
    // BIT STRING, 7 unused bits, 0x20 0x80.
    let mut p = leaf_params("ku-noncritical", &[]);
    let ext =
        CustomExtension::from_oid_content(&[2, 5, 29, 15], vec![0x03, 0x03, 0x07, 0x20, 0x80]);
    p.custom_extensions = vec![ext];
    let cert = parse(p.self_signed(&key).unwrap().der());
    assert_eq!(
        cert.key_usage,
        Some(KeyUsage {
            bits: 0x0104,
            critical: false
        })
    );

    let none = parse(leaf_params("no-ku", &[]).self_signed(&key).unwrap().der());
    assert_eq!(none.key_usage, None);
}

#[test]
fn ca_constraints_ski_aki_and_algorithms() {
    let ca = make_ca("Contoso Test CA", ec_key(), vec![0xCA; 20]);
    let ca_cert = parse(&ca.der);
    assert_eq!(
        ca_cert.basic_constraints,
        Some(BasicConstraints {
            ca: true,
            path_len: Some(1),
            critical: true
        })
    );
    assert_eq!(
        ca_cert
            .key_usage
            .as_ref()
            .map(|k| k.bits & KU_KEY_CERT_SIGN),
        Some(KU_KEY_CERT_SIGN)
    );
    assert_eq!(ca_cert.ski, Some(vec![0xCA; 20]));
    assert_eq!(ca_cert.public_key_algorithm, "EC");
    assert_eq!(ca_cert.public_key_oid, "1.2.840.10045.2.1");
    assert_eq!(ca_cert.public_key_bits, Some(256));
    assert_eq!(ca_cert.signature_algorithm, "ecdsa-with-SHA256");
    assert_eq!(ca_cert.signature_oid, "1.2.840.10045.4.3.2");

    let leaf_key = ec_key();
    let mut p = leaf_params("gw01.dmz.contoso.com", &["gw01.dmz.contoso.com"]);
    p.use_authority_key_identifier_extension = true;
    p.is_ca = IsCa::ExplicitNoCa;
    let leaf = parse(&sign_leaf(&p, &leaf_key, &ca));
    assert_eq!(leaf.aki, Some(vec![0xCA; 20]));
    assert_eq!(
        leaf.basic_constraints,
        Some(BasicConstraints {
            ca: false,
            path_len: None,
            critical: true
        })
    );
    assert!(!leaf.self_issued);
    assert_eq!(leaf.issuer, "CN=Contoso Test CA");
    assert_eq!(leaf.issuer_der, ca_cert.subject_der);
    assert_eq!(leaf.issuer_cns, vec!["Contoso Test CA"]);

    let plain = parse(
        leaf_params("plain", &[])
            .self_signed(&leaf_key)
            .unwrap()
            .der(),
    );
    assert_eq!(plain.basic_constraints, None);
    assert_eq!(plain.aki, None);
    assert_eq!(plain.ski, None);
}

#[test]
fn rsa_key_size_and_signature_names() {
    let ca = make_ca("RSA CA", rsa_key(TEST_RSA_CA_KEY), vec![1; 20]);
    let cert = parse(&ca.der);
    assert_eq!(cert.public_key_algorithm, "RSA");
    assert_eq!(cert.public_key_oid, "1.2.840.113549.1.1.1");
    assert_eq!(cert.public_key_bits, Some(2048));
    assert_eq!(cert.signature_algorithm, "sha256WithRSAEncryption");
    assert_eq!(cert.signature_oid, "1.2.840.113549.1.1.11");
}

#[test]
fn thumbprint_is_upper_case_sha1_of_der_and_der_is_kept() {
    let der = simple_cert("thumb");
    let cert = parse(&der);
    assert_eq!(cert.der, der);
    let expected = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
    let hex: String = expected
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(cert.thumbprint_sha1, hex);
    assert_eq!(cert.thumbprint_sha1.len(), 40);
    assert!(!cert.thumbprint_sha1.chars().any(|c| c.is_ascii_lowercase()));
}

#[test]
fn unknown_gost_algorithms_still_parse_and_are_listed_by_oid() {
    let key = ec_key();
    let mut der = leaf_params("gost", &[])
        .self_signed(&key)
        .unwrap()
        .der()
        .to_vec();
    // SPKI AlgorithmIdentifier { id-ecPublicKey, prime256v1 } (21 bytes) becomes
    // { GOST R 34.10-2012-256 1.2.643.7.1.1.1.1, param set 1.2.643.2.2.35.1 } (21 bytes).
    let ec_alg = [
        0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86,
        0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ];
    let gost_alg = [
        0x30, 0x13, 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01, 0x06, 0x07, 0x2a,
        0x85, 0x03, 0x02, 0x02, 0x23, 0x01,
    ];
    assert_eq!(patch_all(&mut der, &ec_alg, &gost_alg), 1);
    // ecdsa-with-SHA256 → GOST R 34.11-2012-256 signature 1.2.643.7.1.1.3.2 (TBS and outer).
    let ecdsa = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let gost_sig = [0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x03, 0x02];
    assert_eq!(patch_all(&mut der, &ecdsa, &gost_sig), 2);

    let cert = Certificate::from_der(&der).expect("GOST-labelled certificate parses");
    assert_eq!(cert.public_key_algorithm, "1.2.643.7.1.1.1.1");
    assert_eq!(cert.public_key_oid, "1.2.643.7.1.1.1.1");
    assert_eq!(cert.public_key_bits, None);
    assert_eq!(cert.signature_algorithm, "1.2.643.7.1.1.3.2");
    assert_eq!(cert.signature_oid, "1.2.643.7.1.1.3.2");
    assert_eq!(cert.subject_cns, vec!["gost"]);
    assert!(matches!(
        cert.verify_signed_by(&cert),
        Err(scomtriage_parsers::x509::SignatureError::Unsupported(_))
    ));
}

#[test]
fn bmpstring_cn_is_decoded_as_text() {
    // Windows CAs may write CNs as BMPString. Patch the UTF8String "AB" (0c 02 41 42) into the
    // same-length BMPString "é" (1e 02 00 e9).
    let key = ec_key();
    let mut der = leaf_params("AB", &[])
        .self_signed(&key)
        .unwrap()
        .der()
        .to_vec();
    assert_eq!(
        patch_all(
            &mut der,
            &[0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, 0x41, 0x42],
            &[0x06, 0x03, 0x55, 0x04, 0x03, 0x1e, 0x02, 0x00, 0xe9]
        ),
        2 // subject and issuer
    );
    let cert = Certificate::from_der(&der).unwrap();
    assert_eq!(cert.subject_cns, vec!["é"]);
    assert_eq!(cert.subject, "CN=é");
}

#[test]
fn damaged_extension_is_reported_not_fatal() {
    let key = ec_key();
    let mut p = leaf_params("bad-ku", &[]);
    // KeyUsage whose value is an INTEGER, not a BIT STRING.
    p.custom_extensions = vec![CustomExtension::from_oid_content(
        &[2, 5, 29, 15],
        vec![0x02, 0x01, 0x05],
    )];
    let cert = Certificate::from_der(p.self_signed(&key).unwrap().der()).unwrap();
    assert_eq!(cert.key_usage, None);
    let problems = cert.extension_problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("2.5.29.15 (KeyUsage)"),
        "{problems:?}"
    );
}
