//! `Certificate::verify_signed_by`: good and bad pairs for ECDSA and RSA, and the algorithms
//! ring cannot check.

mod fixtures;

use fixtures::*;
use scomtriage_parsers::x509::{parse_certificates, Certificate, SignatureError};

#[test]
fn ecdsa_chain_verifies_and_wrong_issuer_does_not() {
    let ca = make_ca("EC CA", ec_key(), vec![1; 20]);
    let other_ca = make_ca("EC CA", ec_key(), vec![1; 20]); // same name, other key
    let leaf_key = ec_key();
    let leaf = Certificate::from_der(&sign_leaf(
        &leaf_params("agent01.contoso.com", &["agent01.contoso.com"]),
        &leaf_key,
        &ca,
    ))
    .unwrap();
    let ca_cert = Certificate::from_der(&ca.der).unwrap();
    let other = Certificate::from_der(&other_ca.der).unwrap();

    assert_eq!(leaf.verify_signed_by(&ca_cert), Ok(()));
    assert_eq!(ca_cert.verify_signed_by(&ca_cert), Ok(()));
    assert_eq!(
        leaf.verify_signed_by(&other),
        Err(SignatureError::BadSignature)
    );
    assert_eq!(
        leaf.verify_signed_by(&leaf),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn rsa_2048_chain_verifies_and_tampering_is_caught() {
    let ca = make_ca("RSA CA", rsa_key(TEST_RSA_CA_KEY), vec![2; 20]);
    let leaf_key = rsa_key(TEST_RSA_LEAF_KEY);
    let leaf_der = sign_leaf(
        &leaf_params("ms01.contoso.com", &["ms01.contoso.com"]),
        &leaf_key,
        &ca,
    );
    let ca_cert = Certificate::from_der(&ca.der).unwrap();
    let leaf = Certificate::from_der(&leaf_der).unwrap();
    assert_eq!(leaf.public_key_bits, Some(2048));
    assert_eq!(leaf.verify_signed_by(&ca_cert), Ok(()));

    // Flip one byte of the CN inside the TBS: still parses, no longer verifies.
    let mut tampered = leaf_der.clone();
    assert_eq!(
        patch_all(&mut tampered, b"ms01.contoso.com", b"ms02.contoso.com"),
        2 // subject CN and SAN
    );
    let tampered = Certificate::from_der(&tampered).unwrap();
    assert_eq!(
        tampered.verify_signed_by(&ca_cert),
        Err(SignatureError::BadSignature)
    );
    // An EC issuer key for an RSA signature is a mismatch, reported as a failed check.
    let ec_ca = Certificate::from_der(&make_ca("EC", ec_key(), vec![3; 20]).der).unwrap();
    assert_eq!(
        leaf.verify_signed_by(&ec_ca),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn rsa_1024_with_sha256_is_unsupported_not_bad() {
    // ring accepts RSA-SHA256 only for 2048-8192-bit keys and would call this a failed
    // verification; we report it as "cannot be verified here".
    let certs = parse_certificates(RSA1024_CHAIN_PEM.as_bytes()).unwrap();
    assert_eq!(certs.len(), 2);
    let (leaf, ca) = (&certs[0], &certs[1]);
    assert_eq!(leaf.subject_cns, vec!["leaf.rsa1024.test"]);
    assert_eq!(ca.public_key_bits, Some(1024));
    assert_eq!(leaf.signature_algorithm, "sha256WithRSAEncryption");
    match leaf.verify_signed_by(ca) {
        Err(SignatureError::Unsupported(msg)) => {
            assert!(msg.contains("1024-bit"), "{msg}");
            assert!(msg.contains("sha256WithRSAEncryption"), "{msg}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}
