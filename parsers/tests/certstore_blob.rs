//! Certificate-store `Blob` values built in the test, in the layout of
//! `../shared/reference/scom-cert-auth.md` §3.4.

mod fixtures;

use scomtriage_parsers::certstore::{
    parse_store_blob, BlobError, KeyProvInfo, AT_KEYEXCHANGE, AT_SIGNATURE, CERT_NCRYPT_KEY_SPEC,
    CRYPT_MACHINE_KEYSET, PROP_CERTIFICATE, PROP_FRIENDLY_NAME, PROP_KEY_PROV_INFO, PROP_SHA1_HASH,
};

/// `{u32 prop_id, u32 reserved = 1, u32 len, data}`.
fn record(id: u32, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain(std::iter::once(0))
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// Self-relative CRYPT_KEY_PROV_INFO: 28-byte header, then container, then provider.
fn key_prov_info(
    container: Option<&str>,
    provider: Option<&str>,
    prov_type: u32,
    flags: u32,
    key_spec: u32,
) -> Vec<u8> {
    let mut strings = Vec::new();
    let off = |s: Option<&str>, strings: &mut Vec<u8>| -> u32 {
        match s {
            None => 0,
            Some(s) => {
                let at = 28 + strings.len() as u32;
                strings.extend(utf16z(s));
                at
            }
        }
    };
    let off_container = off(container, &mut strings);
    let off_provider = off(provider, &mut strings);
    let mut out = Vec::new();
    for v in [
        off_container,
        off_provider,
        prov_type,
        flags,
        0,
        0,
        key_spec,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend(strings);
    out
}

#[test]
fn full_element_with_capi_exchange_key() {
    let der = fixtures::simple_cert("ms01.contoso.com");
    let thumb = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
    let kpi = key_prov_info(
        Some("te-SCOM-1b2c3d4e"),
        Some("Microsoft RSA SChannel Cryptographic Provider"),
        12,
        CRYPT_MACHINE_KEYSET,
        AT_KEYEXCHANGE,
    );
    let mut blob = Vec::new();
    blob.extend(record(PROP_FRIENDLY_NAME, &utf16z("SCOM cert")));
    blob.extend(record(PROP_KEY_PROV_INFO, &kpi));
    blob.extend(record(PROP_SHA1_HASH, thumb.as_ref()));
    blob.extend(record(PROP_CERTIFICATE, &der));

    let parsed = parse_store_blob(&blob).unwrap();
    let ids: Vec<u32> = parsed.properties.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![11, 2, 3, 32]);
    assert_eq!(parsed.friendly_name.as_deref(), Some("SCOM cert"));
    assert_eq!(parsed.certificate_der.as_deref(), Some(&der[..]));
    assert_eq!(
        parsed.key_prov_info,
        Some(KeyProvInfo {
            container: Some("te-SCOM-1b2c3d4e".into()),
            provider: Some("Microsoft RSA SChannel Cryptographic Provider".into()),
            provider_type: 12,
            flags: 0x20,
            key_spec: 1,
        })
    );
    let cert = parsed.certificate().unwrap().unwrap();
    assert_eq!(cert.subject_cns, vec!["ms01.contoso.com"]);
    assert_eq!(parsed.property(PROP_SHA1_HASH), Some(thumb.as_ref()));
    let hex: String = thumb.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(cert.thumbprint_sha1, hex);
}

#[test]
fn cng_ksp_key_and_signature_key() {
    let ksp = key_prov_info(
        Some("{6A1B6E0C-0000-4A2B-9C1D-0123456789AB}"),
        Some("Microsoft Software Key Storage Provider"),
        0,
        CRYPT_MACHINE_KEYSET,
        CERT_NCRYPT_KEY_SPEC,
    );
    let parsed = parse_store_blob(&record(PROP_KEY_PROV_INFO, &ksp)).unwrap();
    let kpi = parsed.key_prov_info.clone().unwrap();
    assert_eq!(kpi.provider_type, 0);
    assert_eq!(kpi.key_spec, 0xFFFF_FFFF);
    assert_eq!(
        kpi.provider.as_deref(),
        Some("Microsoft Software Key Storage Provider")
    );
    assert_eq!(parsed.certificate_der, None);
    assert!(parsed.certificate().is_none());

    let sig = key_prov_info(
        Some("user-key"),
        Some("Microsoft Enhanced Cryptographic Provider v1.0"),
        1,
        0,
        AT_SIGNATURE,
    );
    let kpi = parse_store_blob(&record(PROP_KEY_PROV_INFO, &sig))
        .unwrap()
        .key_prov_info
        .unwrap();
    assert_eq!(kpi.key_spec, 2);
    assert_eq!(kpi.flags & CRYPT_MACHINE_KEYSET, 0);
    assert_eq!(kpi.provider_type, 1);
}

#[test]
fn absent_strings_and_absent_properties() {
    let kpi = key_prov_info(None, None, 24, 0x20, 1);
    let kpi = parse_store_blob(&record(PROP_KEY_PROV_INFO, &kpi))
        .unwrap()
        .key_prov_info
        .unwrap();
    assert_eq!((kpi.container, kpi.provider), (None, None));

    let der = fixtures::simple_cert("no-key");
    let parsed = parse_store_blob(&record(PROP_CERTIFICATE, &der)).unwrap();
    assert_eq!(parsed.key_prov_info, None);
    assert_eq!(parsed.friendly_name, None);
    assert_eq!(parsed.properties.len(), 1);

    let empty = parse_store_blob(&[]).unwrap();
    assert!(empty.properties.is_empty());
}

#[test]
fn truncated_records_give_the_record_offset() {
    let der = fixtures::simple_cert("t");
    let first = record(PROP_FRIENDLY_NAME, &utf16z("x"));
    let mut blob = first.clone();
    blob.extend(record(PROP_CERTIFICATE, &der));

    // Data of the second record cut short.
    assert_eq!(
        parse_store_blob(&blob[..blob.len() - 1]),
        Err(BlobError::Truncated {
            offset: first.len()
        })
    );
    // Header of the second record cut short.
    assert_eq!(
        parse_store_blob(&blob[..first.len() + 7]),
        Err(BlobError::Truncated {
            offset: first.len()
        })
    );
    // A length of 0xFFFFFFFF.
    let mut huge = record(PROP_CERTIFICATE, b"abc");
    huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        parse_store_blob(&huge),
        Err(BlobError::Truncated { offset: 0 })
    );
    assert_eq!(
        BlobError::Truncated { offset: 40 }.to_string(),
        "property record at offset 40 is truncated"
    );
}

#[test]
fn bad_key_prov_info_offsets_are_clear_errors() {
    // Container offset past the end.
    let mut kpi = key_prov_info(Some("c"), Some("p"), 1, 0, 1);
    let len = kpi.len() as u32;
    kpi[0..4].copy_from_slice(&(len + 10).to_le_bytes());
    match parse_store_blob(&record(PROP_KEY_PROV_INFO, &kpi)) {
        Err(BlobError::BadKeyProvInfo(msg)) => {
            assert!(msg.contains("container name offset"), "{msg}");
            assert!(msg.contains("outside"), "{msg}");
        }
        x => panic!("expected BadKeyProvInfo, got {x:?}"),
    }
    // Provider string without its NUL.
    let mut kpi = key_prov_info(None, Some("provider"), 1, 0, 1);
    kpi.truncate(kpi.len() - 2);
    match parse_store_blob(&record(PROP_KEY_PROV_INFO, &kpi)) {
        Err(BlobError::BadKeyProvInfo(msg)) => {
            assert!(msg.contains("provider name"), "{msg}");
            assert!(msg.contains("NUL"), "{msg}");
        }
        x => panic!("expected BadKeyProvInfo, got {x:?}"),
    }
    // Offset pointing into the fixed header.
    let mut kpi = key_prov_info(Some("c"), None, 1, 0, 1);
    kpi[0..4].copy_from_slice(&8u32.to_le_bytes());
    assert!(matches!(
        parse_store_blob(&record(PROP_KEY_PROV_INFO, &kpi)),
        Err(BlobError::BadKeyProvInfo(_))
    ));
    // Shorter than the fixed part.
    match parse_store_blob(&record(PROP_KEY_PROV_INFO, &[0; 20])) {
        Err(BlobError::BadKeyProvInfo(msg)) => assert!(msg.contains("20 bytes"), "{msg}"),
        x => panic!("expected BadKeyProvInfo, got {x:?}"),
    }
}

#[test]
fn random_mutations_never_panic() {
    let der = fixtures::simple_cert("fuzz");
    let mut blob = record(PROP_FRIENDLY_NAME, &utf16z("f"));
    blob.extend(record(
        PROP_KEY_PROV_INFO,
        &key_prov_info(Some("c"), Some("p"), 1, 0x20, 1),
    ));
    blob.extend(record(PROP_CERTIFICATE, &der));
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut m = blob.clone();
        for _ in 0..(next() % 3 + 1) {
            let i = (next() as usize) % m.len();
            m[i] = next() as u8;
        }
        let cut = (next() as usize) % (m.len() + 1);
        if let Ok(b) = parse_store_blob(&m[..cut]) {
            let _ = b.certificate();
        }
    }
}
