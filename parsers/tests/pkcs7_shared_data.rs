//! Every real `.p7b` in `../shared/data/p7b` parses with at least one certificate.
//! Skips with a printed notice when `../shared` is absent (env `SCOMTRIAGE_SHARED` overrides).

mod fixtures;

use scomtriage_parsers::pkcs7::{looks_like_pkcs7, parse_pkcs7};
use scomtriage_parsers::x509::parse_certificates;

#[test]
fn every_shared_p7b_parses() {
    let Some(shared) = fixtures::shared_dir("every_shared_p7b_parses") else {
        return;
    };
    let dir = shared.join("data/p7b");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!(
            "SKIP every_shared_p7b_parses: {} not readable",
            dir.display()
        );
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut checked = 0;
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "p7b"))
    {
        let bytes = std::fs::read(path).unwrap();
        let certs = parse_pkcs7(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!certs.is_empty(), "{}: no certificates", path.display());
        assert!(looks_like_pkcs7(&bytes), "{}", path.display());
        // The certificate reader refuses it and says why.
        let err = parse_certificates(&bytes).unwrap_err().to_string();
        assert!(err.contains("PKCS#7"), "{}: {err}", path.display());
        for c in &certs {
            assert_eq!(c.thumbprint_sha1.len(), 40);
            assert!(!c.subject.is_empty() || !c.issuer.is_empty());
        }
        println!(
            "{}: {} certificates: {}",
            path.file_name().unwrap_or_default().to_string_lossy(),
            certs.len(),
            certs
                .iter()
                .map(|c| c.subject.as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        );
        checked += 1;
    }
    assert!(checked > 0, "no .p7b files in {}", dir.display());
}

#[test]
fn known_shared_files_have_the_expected_contents() {
    let Some(shared) = fixtures::shared_dir("known_shared_files_have_the_expected_contents") else {
        return;
    };
    let read = |name: &str| std::fs::read(shared.join("data/p7b").join(name)).ok();
    // BER with indefinite lengths (cryptography's test vector).
    if let Some(bytes) = read("cryptography_vectors__pkcs7__amazon-roots.p7b") {
        assert_eq!(&bytes[..2], &[0x30, 0x80]);
        let certs = parse_pkcs7(&bytes).unwrap();
        let cns: Vec<_> = certs.iter().flat_map(|c| c.subject_cns.clone()).collect();
        assert_eq!(cns, vec!["Amazon Root CA 3", "Amazon Root CA 2"]);
        assert!(certs.iter().all(|c| c.self_issued));
        for c in &certs {
            assert_eq!(c.verify_signed_by(c), Ok(()), "{}", c.subject);
        }
    }
    // AD CS certnew.p7b (DER): issuing CA then root, and the chain link verifies.
    if let Some(bytes) = read("nwlterry__certificarte_management__certnew.p7b") {
        let certs = parse_pkcs7(&bytes).unwrap();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0].subject_cns, vec!["devops-LABDC01-CA"]);
        assert_eq!(certs[1].subject_cns, vec!["LABROOTCA-CA"]);
        assert_eq!(certs[0].issuer_der, certs[1].subject_der);
        assert_eq!(certs[0].verify_signed_by(&certs[1]), Ok(()));
        // Values read independently with `openssl pkcs7 -inform DER -print_certs | openssl x509
        // -noout -serial -fingerprint -sha1 -dates -text` (OpenSSL 3.0).
        let ca = &certs[0];
        assert_eq!(ca.serial_hex, "370000000283B57719F71AB7DB000000000002");
        assert_eq!(
            ca.thumbprint_sha1,
            "3E3406ED61C615FA71F125810AD250E676BC7FB7"
        );
        assert_eq!(ca.not_before, 1_752_487_989); // Jul 14 10:13:09 2025 GMT
        assert_eq!(ca.not_after, 1_910_254_989); // Jul 14 10:23:09 2030 GMT
        assert_eq!(ca.public_key_algorithm, "RSA");
        assert_eq!(ca.public_key_bits, Some(2048));
        assert_eq!(ca.signature_algorithm, "sha256WithRSAEncryption");
        // Digital Signature, Certificate Sign, CRL Sign
        assert_eq!(
            ca.key_usage.as_ref().map(|k| k.bits),
            Some(0x0001 | 0x0020 | 0x0040)
        );
        let bc = ca.basic_constraints.as_ref().unwrap();
        assert!(bc.ca && bc.critical);
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
        assert_eq!(
            ca.ski.as_deref().map(hex).as_deref(),
            Some("334552905652F55E2768C566BB8CB2F26A083814")
        );
        assert_eq!(
            ca.aki.as_deref().map(hex).as_deref(),
            Some("2EBD54C48C821214658BAAF9E3129F8B6A6EBADE")
        );
        assert_eq!(certs[1].ski, ca.aki);
    }
}
