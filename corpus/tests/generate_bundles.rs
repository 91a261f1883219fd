//! The generated bundles follow bundle-v1 and say what the scenarios say.

mod common;

use common::*;
use scomtriage_corpus::generate::{self, Bundle};
use scomtriage_corpus::storeblob;
use std::collections::BTreeMap;

const REG_MEMBERS: [&str; 6] = [
    "registry/opsmgr.reg",
    "registry/healthservice.reg",
    "registry/systemcertificates.reg",
    "registry/policy-systemcertificates.reg",
    "registry/enterprise-certificates.reg",
    "registry/tcpip.reg",
];

fn member_name_is_per_spec(name: &str) -> bool {
    if [
        "manifest.json",
        "certificates/inventory.json",
        "eventlogs/Operations Manager.evtx",
        "collector.log",
    ]
    .contains(&name)
        || REG_MEMBERS.contains(&name)
    {
        return true;
    }
    for store in ["My", "Root", "CA", "Operations Manager"] {
        if let Some(file) = name.strip_prefix(&format!("certificates/LocalMachine/{store}/")) {
            return file.len() == 44
                && file.ends_with(".cer")
                && file[..40]
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c));
        }
    }
    if let Some(file) = name.strip_prefix("certificates/chains/") {
        return file.ends_with(".p7b") && !file.contains('/');
    }
    false
}

type Generated = Vec<(scomtriage_corpus::scenario::Scenario, Vec<Bundle>)>;

/// Every scenario generated once per test binary (generation with the real EVTX writer
/// and deflate takes a while in debug builds).
fn all_bundles() -> &'static Generated {
    static ALL: std::sync::OnceLock<Generated> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let (t, all) = load();
        all.into_iter()
            .map(|s| {
                let b = generate::generate_scenario(&s, &t).unwrap();
                (s, b)
            })
            .collect()
    })
}

#[test]
fn zip_members_are_named_exactly_per_spec_sorted_and_stamped() {
    for (s, bundles) in all_bundles() {
        for b in bundles {
            let entries = unzip(&b.zip);
            let names: Vec<&String> = entries.iter().map(|(n, _)| n).collect();
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(names, sorted, "{}: entries not sorted", b.rel_path);
            for (name, data) in &entries {
                assert!(member_name_is_per_spec(name), "{}: {name}", s.id);
                assert_eq!(Some(data), b.members.get(name));
            }
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&b.zip)).unwrap();
            for i in 0..archive.len() {
                let f = archive.by_index(i).unwrap();
                let t = f.last_modified().unwrap();
                assert_eq!(
                    (t.year(), t.month(), t.day()),
                    (2026, 11, 20),
                    "{}",
                    b.rel_path
                );
            }
        }
    }
}

#[test]
fn members_left_out_are_absent_and_reported() {
    let (_, b) = bundles_of("missing_registry");
    assert!(b[0].members.keys().all(|k| !k.starts_with("registry/")));
    let manifest: serde_json::Value =
        serde_json::from_slice(&b[0].members["manifest.json"]).unwrap();
    let errors = manifest["errors"].as_array().unwrap();
    assert!(errors
        .iter()
        .any(|e| e["step"].as_str().unwrap().contains("opsmgr.reg")));

    let (_, b) = bundles_of("missing_eventlog");
    assert!(!b[0]
        .members
        .contains_key("eventlogs/Operations Manager.evtx"));
    assert!(b[0].members.contains_key("registry/opsmgr.reg"));

    let (_, b) = bundles_of("only_eventlog");
    let names: Vec<&String> = b[0].members.keys().collect();
    assert_eq!(names, vec!["eventlogs/Operations Manager.evtx"]);
}

#[test]
fn every_reg_file_is_utf16le_bom_crlf_and_wrapped_within_80_columns() {
    for (_, bundles) in all_bundles() {
        for b in bundles {
            for (name, data) in &b.members {
                if !name.ends_with(".reg") {
                    continue;
                }
                let text = utf16_text(data);
                assert!(text.starts_with("Windows Registry Editor Version 5.00\r\n\r\n["));
                assert!(
                    !text.replace("\r\n", "").contains(['\r', '\n']),
                    "{name}: bare CR/LF"
                );
                // Hex data lines (the first and every continuation) stay within 80
                // columns; REG_SZ lines and key names are never wrapped.
                let mut in_hex = false;
                for line in text.split("\r\n") {
                    let starts_hex = line.starts_with('"') && line.contains("=hex");
                    if starts_hex || in_hex {
                        assert!(line.chars().count() <= 80, "{name}: {line}");
                        if in_hex {
                            assert!(
                                line.starts_with("  ") && !line.starts_with("   "),
                                "{name}: {line}"
                            );
                        }
                        in_hex = line.ends_with(",\\");
                    }
                }
                let parsed = parse_reg(&text);
                assert!(!parsed.is_empty());
            }
        }
    }
}

fn reg(b: &Bundle, member: &str) -> BTreeMap<String, BTreeMap<String, Val>> {
    parse_reg(&utf16_text(&b.members[member]))
}

const MACHINE_SETTINGS: &str =
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0\\Machine Settings";

fn registry_serial(b: &Bundle) -> Vec<u8> {
    match &reg(b, "registry/opsmgr.reg")[MACHINE_SETTINGS]["ChannelCertificateSerialNumber"] {
        Val::Hex(kind, bytes) => {
            assert_eq!(kind, "hex");
            bytes.clone()
        }
        other => panic!("{other:?}"),
    }
}

fn my_cert(b: &Bundle) -> (String, Vec<u8>) {
    let (name, der) = b
        .members
        .iter()
        .find(|(k, _)| k.starts_with("certificates/LocalMachine/My/"))
        .unwrap();
    (name[29..69].to_string(), der.clone())
}

#[test]
fn registry_serial_is_the_certificate_serial_reversed() {
    // 20-byte serial, no pad.
    let (_, b) = bundles_of("serial_20_bytes_ok");
    let (thumb, der) = my_cert(&b[0]);
    let serial = der_serial(&der);
    assert_eq!(serial.len(), 20);
    let mut reg_serial = registry_serial(&b[0]);
    assert_eq!(reg_serial.len(), 20);
    reg_serial.reverse();
    assert_eq!(reg_serial, serial);
    match &reg(&b[0], "registry/opsmgr.reg")[MACHINE_SETTINGS]["ChannelCertificateHash"] {
        Val::Sz(h) => assert_eq!(h, &thumb.to_lowercase()),
        other => panic!("{other:?}"),
    }

    // 19-byte AD CS serial.
    let (_, b) = bundles_of("gateway_name_mismatch");
    let (_, der) = my_cert(&b[0]);
    let mut r = registry_serial(&b[0]);
    assert_eq!(r.len(), 19);
    r.reverse();
    assert_eq!(r, der_serial(&der));

    // Top bit set: DER pad 0x00 kept (21 bytes, registry ends in 00) or stripped (20).
    let (_, b) = bundles_of("serial_leading_zero_pad");
    let (_, der) = my_cert(&b[0]);
    let serial = der_serial(&der);
    assert_eq!((serial.len(), serial[0]), (21, 0));
    let r = registry_serial(&b[0]);
    assert_eq!((r.len(), r[20]), (21, 0));
    let (_, b) = bundles_of("serial_pad_stripped");
    let (_, der) = my_cert(&b[0]);
    let serial = der_serial(&der);
    let mut r = registry_serial(&b[0]);
    assert_eq!(r.len(), 20);
    r.reverse();
    assert_eq!(r, serial[1..]);

    // Explicit bytes that match nothing.
    let (_, b) = bundles_of("serial_mismatch");
    let (_, der) = my_cert(&b[0]);
    let mut r = registry_serial(&b[0]);
    r.reverse();
    assert_ne!(r, der_serial(&der));
    assert!(
        !reg(&b[0], "registry/opsmgr.reg")[MACHINE_SETTINGS].contains_key("ChannelCertificateHash")
    );

    // Nothing configured.
    let (_, b) = bundles_of("workgroup_no_cert");
    let settings = &reg(&b[0], "registry/opsmgr.reg")[MACHINE_SETTINGS];
    assert!(!settings.contains_key("ChannelCertificateSerialNumber"));
}

fn my_blob(b: &Bundle, thumb: &str) -> Vec<(u32, Vec<u8>)> {
    let key = format!(
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates\\{thumb}"
    );
    match &reg(b, "registry/systemcertificates.reg")[&key]["Blob"] {
        Val::Hex(kind, bytes) => {
            assert_eq!(kind, "hex");
            blob_props(bytes)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn store_blobs_carry_the_certificate_and_the_key_facts() {
    let cases = [
        ("healthy_agent", Some((12, 1, 0x20))),
        ("key_spec_signature", Some((12, 2, 0x20))),
        ("cng_key", Some((0, 0, 0x20))),
        ("private_key_user_keyset", Some((12, 1, 0))),
        ("private_key_missing", None),
    ];
    for (id, want) in cases {
        let (_, b) = bundles_of(id);
        let (thumb, der) = my_cert(&b[0]);
        let props = my_blob(&b[0], &thumb);
        let last = props.last().unwrap();
        assert_eq!(
            last.0,
            storeblob::PROP_CERT,
            "{id}: certificate is the last property"
        );
        assert_eq!(last.1, der, "{id}");
        let sha1 = props
            .iter()
            .find(|(p, _)| *p == storeblob::PROP_SHA1_HASH)
            .unwrap();
        assert_eq!(scomtriage_corpus::hex::upper(&sha1.1), thumb);
        let info = props
            .iter()
            .find(|(p, _)| *p == storeblob::PROP_KEY_PROV_INFO);
        let inventory: serde_json::Value =
            serde_json::from_slice(&b[0].members["certificates/inventory.json"]).unwrap();
        let entry = inventory["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["thumbprint"] == thumb.as_str())
            .unwrap()
            .clone();
        match (want, info) {
            (None, None) => {
                assert_eq!(entry["has_private_key"], false, "{id}");
                assert!(entry["private_key"].is_null());
            }
            (Some((ptype, spec, flags)), Some((_, data))) => {
                let (container, provider, t, f, k) = key_prov_info(data);
                assert!(container.starts_with('{') && container.ends_with('}'));
                assert_eq!((t, k, f), (ptype, spec, flags), "{id}");
                assert_eq!(entry["private_key"]["provider_name"], provider.as_str());
                assert_eq!(entry["private_key"]["provider_type"], ptype);
                assert_eq!(entry["private_key"]["is_cng"], ptype == 0);
                assert_eq!(entry["has_private_key"], true);
            }
            other => panic!("{id}: {other:?}"),
        }
    }
}

#[test]
fn archived_certificates_only_show_in_the_registry() {
    let (_, b) = bundles_of("renewed_archived_restart");
    let my: Vec<&String> = b[0]
        .members
        .keys()
        .filter(|k| k.starts_with("certificates/LocalMachine/My/"))
        .collect();
    assert_eq!(my.len(), 1, "only the new certificate is exported");
    let sc = reg(&b[0], "registry/systemcertificates.reg");
    let archived = sc
        .iter()
        .filter(|(k, _)| k.contains("\\MY\\Certificates\\"))
        .filter(|(_, v)| match v.get("Blob") {
            Some(Val::Hex(_, bytes)) => blob_props(bytes)
                .iter()
                .any(|(p, _)| *p == storeblob::PROP_ARCHIVED),
            _ => false,
        })
        .count();
    assert_eq!(archived, 1);
}

#[test]
fn p7b_files_hold_the_exported_certificates() {
    let (_, b) = bundles_of("healthy_gateway_p7b_chains");
    let m = &b[0].members;
    let ber = &m["certificates/chains/certnew.p7b"];
    assert_eq!(&ber[..2], &[0x30, 0x80], "BER indefinite length");
    assert!(ber.ends_with(&[0, 0, 0, 0, 0, 0]));
    let der = &m["certificates/chains/contoso-chain.p7b"];
    assert_eq!(der[0], 0x30);
    assert_ne!(der[1], 0x80);
    let pem = String::from_utf8(m["certificates/chains/issuing-ca.p7b"].clone()).unwrap();
    assert!(pem.starts_with("-----BEGIN PKCS7-----"));
    for (name, cer) in m
        .iter()
        .filter(|(k, _)| k.ends_with(".cer") && !k.contains("/Root/"))
    {
        let found = ber.windows(cer.len()).any(|w| w == cer.as_slice());
        assert!(found, "{name} not inside certnew.p7b");
    }
}

#[test]
fn manifest_and_inventory_match_the_contract_types() {
    for (s, bundles) in all_bundles() {
        for b in bundles {
            if let Some(bytes) = b.members.get("manifest.json") {
                let m: scomtriage_parsers::manifest::Manifest =
                    serde_json::from_slice(bytes).unwrap();
                assert_eq!(m.format.as_deref(), Some("scomtriage-bundle"));
                assert_eq!(m.format_version, Some(1));
                assert_eq!(m.collected_at.as_deref(), Some(s.collected_at.as_str()));
                let c = m.computer.unwrap();
                assert_eq!(c.fqdn.as_deref(), Some(b.fqdn.as_str()));
                assert_eq!(m.scom.unwrap().role.as_deref(), Some(b.role.as_str()));
            }
            if let Some(bytes) = b.members.get("certificates/inventory.json") {
                let inv: scomtriage_parsers::inventory::Inventory =
                    serde_json::from_slice(bytes).unwrap();
                for e in &inv.certificates {
                    let file = e.file.as_deref().unwrap();
                    let der = b
                        .members
                        .get(file)
                        .unwrap_or_else(|| panic!("{file} not in bundle"));
                    assert_eq!(
                        e.serial_number.as_deref().unwrap(),
                        scomtriage_corpus::hex::upper(&der_serial(der))
                    );
                    assert!(file.contains(e.thumbprint.as_deref().unwrap()));
                }
            }
        }
    }
}

#[test]
fn tcpip_reg_names_the_machine() {
    let (_, b) = bundles_of("non_ascii_names");
    let tcpip = reg(&b[0], "registry/tcpip.reg");
    let params =
        &tcpip["HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters"];
    assert_eq!(params["Hostname"], Val::Sz("büro-web01".into()));
    assert_eq!(params["NV Domain"], Val::Sz("dmz.contoso.de".into()));
}

#[test]
fn der_p7b_decodes_with_an_independent_reader() {
    use cms::cert::x509::der::{Decode, Encode};
    use cms::cert::CertificateChoices;
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    let (_, b) = bundles_of("healthy_gateway_p7b_chains");
    let m = &b[0].members;
    let ci = ContentInfo::from_der(&m["certificates/chains/contoso-chain.p7b"]).unwrap();
    let sd: SignedData = ci.content.decode_as().unwrap();
    let certs = sd.certificates.unwrap();
    let ders: Vec<Vec<u8>> = certs
        .0
        .iter()
        .map(|c| match c {
            CertificateChoices::Certificate(c) => c.to_der().unwrap(),
            CertificateChoices::Other(_) => panic!("unexpected choice"),
        })
        .collect();
    assert_eq!(ders.len(), 2);
    for d in &ders {
        assert!(
            m.values().any(|v| v == d),
            "certificate in p7b is not one of the exports"
        );
    }
    // The PEM variant carries the same DER.
    let pem = String::from_utf8(m["certificates/chains/issuing-ca.p7b"].clone()).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = scomtriage_corpus::keys::base64_decode(&body).unwrap();
    assert!(ContentInfo::from_der(&der).is_ok());
}
