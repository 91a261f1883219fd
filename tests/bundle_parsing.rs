//! Members parsed end to end: certificates (DER, PEM, UTF-16 PEM, PKCS#7 in `BEGIN CERTIFICATE`
//! armour), registry exports, manifest, inventory, EVTX with an MTA beside it.
//!
//! Needs the real parsers (`scomtriage-parsers`); with the parser stubs these tests fail.

mod bundle_support;

use bundle_support::*;
use scomtriage::bundle::{read_zip_bytes, Bundle, Member, MemberKind, Parsed, ReadOptions};
use scomtriage_parsers::EventFilter;

fn member<'a>(b: &'a Bundle, path: &str) -> &'a Member {
    b.members
        .iter()
        .find(|m| m.path == path)
        .unwrap_or_else(|| panic!("no member {path}"))
}

fn parsed<'a>(b: &'a Bundle, path: &str) -> &'a Parsed {
    let m = member(b, path);
    match &m.content {
        Ok(p) => p,
        Err(e) => panic!("{path} ({:?}) did not parse: {e}", m.kind),
    }
}

/// DER TLV.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A degenerate (certificates-only) PKCS#7 SignedData in DER, as a CA hands out.
fn p7b_der(certs: &[Vec<u8>]) -> Vec<u8> {
    let signed_data_oid = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
    let data_oid = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
    let signed_data = der(
        0x30,
        &[
            der(0x02, &[1]),
            der(0x31, &[]),
            der(0x30, &der(0x06, &data_oid)),
            der(0xA0, &certs.concat()),
            der(0x31, &[]),
        ]
        .concat(),
    );
    der(
        0x30,
        &[der(0x06, &signed_data_oid), der(0xA0, &signed_data)].concat(),
    )
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn armour(label: &str, der: &[u8]) -> String {
    let b = base64(der);
    let mut out = format!("-----BEGIN {label}-----\r\n");
    for line in b.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out.push_str(&format!("-----END {label}-----\r\n"));
    out
}

fn cns(p: &Parsed) -> Vec<String> {
    match p {
        Parsed::Certificates(c) | Parsed::Pkcs7(c) => {
            c.iter().flat_map(|c| c.subject_cns.clone()).collect()
        }
        other => panic!("not certificates: {other:?}"),
    }
}

#[test]
fn a_spec_bundle_parses_member_by_member() {
    let (pem, der_cert) = cert("gw01.dmz.contoso.com");
    let (ca_pem, ca_der) = cert("Contoso Root CA");
    let z = zip_of(&[
        ("manifest.json", MANIFEST.as_bytes()),
        ("certificates/inventory.json", INVENTORY.as_bytes()),
        ("certificates/LocalMachine/My/AA.cer", &der_cert),
        (
            "certificates/chains/chain.p7b",
            &p7b_der(&[der_cert.clone(), ca_der.clone()]),
        ),
        ("registry/opsmgr.reg", &sample_reg()),
        ("server.txt", pem.as_bytes()),
        ("root-utf16.txt", &utf16le_bom(&ca_pem)),
        ("ca.bin", &ca_der),
    ]);
    let bundles = read_zip_bytes(z, "gw01.zip", &ReadOptions::default());
    let b = &bundles[0];
    assert!(
        b.all_ok(),
        "{:#?}",
        b.members
            .iter()
            .map(|m| (&m.path, m.content.as_ref().err()))
            .collect::<Vec<_>>()
    );

    match parsed(b, "manifest.json") {
        Parsed::Manifest(m) => {
            assert_eq!(
                m.computer.as_ref().and_then(|c| c.fqdn.as_deref()),
                Some("gw01.dmz.contoso.com")
            );
            assert_eq!(
                m.scom.as_ref().and_then(|s| s.role.as_deref()),
                Some("gateway")
            );
        }
        other => panic!("manifest: {other:?}"),
    }
    match parsed(b, "certificates/inventory.json") {
        Parsed::Inventory(i) => {
            assert_eq!(i.certificates.len(), 1);
            assert_eq!(i.certificates[0].has_private_key, Some(true));
        }
        other => panic!("inventory: {other:?}"),
    }
    assert_eq!(
        cns(parsed(b, "certificates/LocalMachine/My/AA.cer")),
        ["gw01.dmz.contoso.com"]
    );
    assert_eq!(
        cns(parsed(b, "certificates/chains/chain.p7b")),
        ["gw01.dmz.contoso.com", "Contoso Root CA"]
    );
    assert_eq!(member(b, "server.txt").kind, MemberKind::Certificate);
    assert_eq!(cns(parsed(b, "server.txt")), ["gw01.dmz.contoso.com"]);
    assert_eq!(member(b, "root-utf16.txt").kind, MemberKind::Certificate);
    assert_eq!(cns(parsed(b, "root-utf16.txt")), ["Contoso Root CA"]);
    assert_eq!(member(b, "ca.bin").kind, MemberKind::Certificate);
    match parsed(b, "registry/opsmgr.reg") {
        Parsed::Registry(r) => {
            assert_eq!(r.file.keys.len(), 2);
            assert_eq!(r.file.value_count(), 3);
            assert!(r.problems.is_empty(), "{:?}", r.problems);
        }
        other => panic!("registry: {other:?}"),
    }
}

#[test]
fn pkcs7_in_certificate_armour_is_read_as_pkcs7() {
    let (_, leaf) = cert("ms01.contoso.com");
    let (_, root) = cert("Contoso Root CA");
    let wrapped = armour("CERTIFICATE", &p7b_der(&[leaf, root]));
    let z = zip_of(&[
        ("certnew.txt", wrapped.as_bytes()),
        ("certificates/chains/certnew.p7b", wrapped.as_bytes()),
        ("certificates/LocalMachine/CA/chain.cer", wrapped.as_bytes()),
        (
            "p7-pem.txt",
            armour("PKCS7", &p7b_der(&[cert("x.contoso.com").1])).as_bytes(),
        ),
    ]);
    let b = &read_zip_bytes(z, "x.zip", &ReadOptions::default())[0];
    // By content: PKCS#7.
    assert_eq!(member(b, "certnew.txt").kind, MemberKind::Pkcs7);
    assert_eq!(
        cns(parsed(b, "certnew.txt")),
        ["ms01.contoso.com", "Contoso Root CA"]
    );
    // By path: the path's kind, content read all the same.
    assert_eq!(
        cns(parsed(b, "certificates/chains/certnew.p7b")),
        ["ms01.contoso.com", "Contoso Root CA"]
    );
    let cer = member(b, "certificates/LocalMachine/CA/chain.cer");
    assert_eq!(cer.kind, MemberKind::Certificate);
    assert_eq!(
        cns(parsed(b, "certificates/LocalMachine/CA/chain.cer")).len(),
        2
    );
    assert_eq!(member(b, "p7-pem.txt").kind, MemberKind::Pkcs7);
    assert_eq!(cns(parsed(b, "p7-pem.txt")), ["x.contoso.com"]);
}

#[test]
fn malformed_members_carry_one_line_errors_and_nothing_is_lost() {
    let z = zip_of(&[
        (
            "registry/bad.reg",
            b"this is not a registry export\r\nat all".as_slice(),
        ),
        ("manifest.json", b"{ not json"),
        (
            "certificates/LocalMachine/My/x.cer",
            b"\x30\x03\x02\x01\x01",
        ),
        ("commands/ok.txt", b"fine"),
    ]);
    let b = &read_zip_bytes(z, "x.zip", &ReadOptions::default())[0];
    assert_eq!(b.members.len(), 4);
    for m in &b.members {
        if m.path == "commands/ok.txt" {
            assert!(m.content.is_ok());
        } else {
            let e = m.content.as_ref().expect_err(&m.path);
            assert!(!e.is_empty() && !e.contains('\n'), "{}: {e:?}", m.path);
        }
    }
}

#[test]
fn evtx_with_an_unreadable_mta_still_parses() {
    let Some(shared) = shared_dir("bundle_parsing") else {
        return;
    };
    let evtx = std::fs::read(shared.join("data/evtx/system.evtx")).expect("read system.evtx");
    let z = zip_of(&[
        ("eventlogs/System.evtx", evtx.as_slice()),
        ("eventlogs/LocaleMetaData/System_1033.MTA", b"not an MTA"),
    ]);
    let options = ReadOptions {
        evtx_filter: EventFilter::none(),
        ..ReadOptions::default()
    };
    let b = &read_zip_bytes(z, "x.zip", &options)[0];
    match parsed(b, "eventlogs/System.evtx") {
        Parsed::Evtx(log) => {
            // expected-counts.tsv: system.evtx 1881 records, 0 errors.
            assert_eq!(log.integrity.records, 1881);
            assert_eq!(log.integrity.record_errors, 0);
            assert!(
                log.records.is_empty(),
                "EventFilter::none() decodes nothing"
            );
            assert_eq!(log.providers.values().sum::<u64>(), 1881);
        }
        other => panic!("evtx: {other:?}"),
    }
    let mta = member(b, "eventlogs/LocaleMetaData/System_1033.MTA");
    assert_eq!(mta.kind, MemberKind::Mta);
    if let Err(e) = &mta.content {
        assert!(e.contains("MTA"), "{e}");
    }
}
