//! `manifest.json` and `certificates/inventory.json` per `spec/bundle-v1.md`.

use scomtriage_parsers::inventory::{parse_inventory, parse_inventory_lenient, Inventory};
use scomtriage_parsers::manifest::{
    parse_manifest, parse_manifest_lenient, JsonMemberError, Manifest,
};

/// The example of `spec/bundle-v1.md`.
const SPEC_MANIFEST: &str = r#"{
  "format": "scomtriage-bundle",
  "format_version": 1,
  "collector": { "name": "Collect-ScomCertBundle.ps1", "version": "1.0.0" },
  "collected_at": "2026-11-20T14:03:11Z",
  "computer": {
    "netbios_name": "GW01",
    "dns_hostname": "gw01",
    "dns_domain": "dmz.contoso.com",
    "fqdn": "gw01.dmz.contoso.com",
    "domain_joined": false,
    "workgroup": "WORKGROUP"
  },
  "time_zone": { "id": "Tokyo Standard Time", "utc_offset_minutes": 540 },
  "os": { "caption": "Microsoft Windows Server 2022 Standard", "version": "10.0.20348" },
  "scom": {
    "role": "gateway",
    "product": "System Center Operations Manager 2022 Gateway Server",
    "version": "10.22.10118.0",
    "install_directory": "C:\\Program Files\\Microsoft System Center\\Operations Manager\\Gateway\\"
  },
  "health_service": { "status": "Running", "started_at": "2026-11-18T02:10:44Z" },
  "errors": [ { "step": "export CAPI2 log", "message": "The specified channel could not be found." } ]
}"#;

/// The example of `spec/bundle-v1.md`.
const SPEC_INVENTORY: &str = r#"{
  "certificates": [
    {
      "store": "LocalMachine\\My",
      "file": "certificates/LocalMachine/My/6F1C0A5E3B7D2C9A8E4F1B0D3C5A7E9F2B4D6A8C.cer",
      "thumbprint": "6F1C0A5E3B7D2C9A8E4F1B0D3C5A7E9F2B4D6A8C",
      "serial_number": "1F00000008C694DAC94BCFDC4A000000000008",
      "friendly_name": "SCOM",
      "archived": false,
      "has_private_key": true,
      "private_key": {
        "provider_name": "Microsoft RSA SChannel Cryptographic Provider",
        "provider_type": 12,
        "key_spec": 1,
        "machine_keyset": true,
        "exportable": false,
        "is_cng": false,
        "accessible": true,
        "access_error": null
      }
    }
  ]
}"#;

#[test]
fn spec_manifest_example() {
    let m = parse_manifest(SPEC_MANIFEST.as_bytes()).expect("spec example parses");
    assert_eq!(m.format.as_deref(), Some("scomtriage-bundle"));
    assert_eq!(m.format_version, Some(1));
    let c = m.collector.as_ref().expect("collector");
    assert_eq!(c.name.as_deref(), Some("Collect-ScomCertBundle.ps1"));
    assert_eq!(c.version.as_deref(), Some("1.0.0"));
    assert_eq!(m.collected_at.as_deref(), Some("2026-11-20T14:03:11Z"));
    let pc = m.computer.as_ref().expect("computer");
    assert_eq!(pc.netbios_name.as_deref(), Some("GW01"));
    assert_eq!(pc.dns_hostname.as_deref(), Some("gw01"));
    assert_eq!(pc.dns_domain.as_deref(), Some("dmz.contoso.com"));
    assert_eq!(pc.fqdn.as_deref(), Some("gw01.dmz.contoso.com"));
    assert_eq!(pc.domain_joined, Some(false));
    assert_eq!(pc.workgroup.as_deref(), Some("WORKGROUP"));
    let tz = m.time_zone.as_ref().expect("tz");
    assert_eq!(tz.id.as_deref(), Some("Tokyo Standard Time"));
    assert_eq!(tz.utc_offset_minutes, Some(540));
    assert_eq!(
        m.os.as_ref().and_then(|o| o.version.as_deref()),
        Some("10.0.20348")
    );
    let s = m.scom.as_ref().expect("scom");
    assert_eq!(s.role.as_deref(), Some("gateway"));
    assert_eq!(
        s.install_directory.as_deref(),
        Some(r"C:\Program Files\Microsoft System Center\Operations Manager\Gateway\")
    );
    assert_eq!(
        m.health_service
            .as_ref()
            .and_then(|h| h.started_at.as_deref()),
        Some("2026-11-18T02:10:44Z")
    );
    let errors = m.errors.as_ref().expect("errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].step.as_deref(), Some("export CAPI2 log"));
}

#[test]
fn minimal_unknown_fields_and_nulls() {
    assert_eq!(parse_manifest(b"{}"), Ok(Manifest::default()));
    let text = r#"{
        "format_version": 1,
        "added_in_v2": { "deep": [1, 2, 3] },
        "computer": { "fqdn": "a.b", "new_field": true },
        "scom": { "role": "Gateway Server (pre-2012 naming)" },
        "os": null,
        "errors": null,
        "time_zone": { "id": null, "utc_offset_minutes": -300 }
    }"#;
    let p = parse_manifest_lenient(text.as_bytes()).expect("parses");
    assert!(p.skipped.is_empty(), "{:?}", p.skipped);
    let m = p.value;
    assert_eq!(m.format_version, Some(1));
    assert_eq!(m.computer.and_then(|c| c.fqdn).as_deref(), Some("a.b"));
    // `role` is free text: unknown strings are preserved.
    assert_eq!(
        m.scom.and_then(|s| s.role).as_deref(),
        Some("Gateway Server (pre-2012 naming)")
    );
    assert_eq!(m.os, None);
    assert_eq!(m.errors, None);
    let tz = m.time_zone.expect("tz");
    assert_eq!((tz.id, tz.utc_offset_minutes), (None, Some(-300)));
}

#[test]
fn byte_order_marks() {
    let mut utf8 = vec![0xEF, 0xBB, 0xBF];
    utf8.extend_from_slice(SPEC_MANIFEST.as_bytes());
    let expected = parse_manifest(SPEC_MANIFEST.as_bytes()).expect("plain");
    assert_eq!(parse_manifest(&utf8).as_ref(), Ok(&expected));
    // Windows PowerShell 5.1 `Out-File` writes UTF-16LE with BOM.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(SPEC_MANIFEST.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(parse_manifest(&utf16).as_ref(), Ok(&expected));
}

#[test]
fn malformed_json_is_an_error_with_position() {
    let text = "{\n  \"format\": \"scomtriage-bundle\",\n  \"computer\": { \"fqdn\": }\n}";
    match parse_manifest(text.as_bytes()) {
        Err(JsonMemberError::Invalid(m)) => {
            assert!(m.contains("line 3"), "{m}");
            assert!(m.contains("column"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    for bad in [&b""[..], b"{", b"[1,2]", b"\"text\"", b"not json"] {
        assert!(
            matches!(parse_manifest(bad), Err(JsonMemberError::Invalid(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        parse_manifest(b"[]"),
        Err(JsonMemberError::Invalid(m)) if m.contains("found an array")
    ));
}

#[test]
fn wrong_types_drop_only_the_field() {
    let text = r#"{
        "format": "scomtriage-bundle",
        "format_version": "1",
        "computer": { "fqdn": "gw01.dmz.contoso.com", "domain_joined": "yes" },
        "health_service": { "status": 4, "started_at": "2026-11-18T02:10:44Z" },
        "errors": [ { "step": "a", "message": "m" }, "not an object", { "step": 7 } ]
    }"#;
    let p = parse_manifest_lenient(text.as_bytes()).expect("kept");
    let paths: Vec<&str> = p.skipped.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "format_version",
            "computer.domain_joined",
            "health_service.status",
            "errors[1]",
            "errors[2].step"
        ]
    );
    assert!(
        p.skipped[1].message.contains("expected a boolean"),
        "{:?}",
        p.skipped[1]
    );
    let m = p.value;
    assert_eq!(m.format.as_deref(), Some("scomtriage-bundle"));
    assert_eq!(m.format_version, None);
    let c = m.computer.expect("computer kept");
    assert_eq!(c.fqdn.as_deref(), Some("gw01.dmz.contoso.com"));
    assert_eq!(c.domain_joined, None);
    assert_eq!(
        m.health_service.and_then(|h| h.started_at).as_deref(),
        Some("2026-11-18T02:10:44Z")
    );
    let errors = m.errors.expect("errors");
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[1].step, None);
    // The plain function gives the same value.
    assert!(parse_manifest(text.as_bytes()).is_ok_and(|m| m.computer.is_some()));
}

#[test]
fn spec_inventory_example() {
    let inv = parse_inventory(SPEC_INVENTORY.as_bytes()).expect("parses");
    assert_eq!(inv.certificates.len(), 1);
    let e = &inv.certificates[0];
    assert_eq!(e.store.as_deref(), Some(r"LocalMachine\My"));
    assert_eq!(
        e.thumbprint.as_deref(),
        Some("6F1C0A5E3B7D2C9A8E4F1B0D3C5A7E9F2B4D6A8C")
    );
    assert_eq!(
        e.serial_number.as_deref(),
        Some("1F00000008C694DAC94BCFDC4A000000000008")
    );
    assert_eq!(e.friendly_name.as_deref(), Some("SCOM"));
    assert_eq!((e.archived, e.has_private_key), (Some(false), Some(true)));
    let k = e.private_key.as_ref().expect("key facts");
    assert_eq!(
        k.provider_name.as_deref(),
        Some("Microsoft RSA SChannel Cryptographic Provider")
    );
    assert_eq!((k.provider_type, k.key_spec), (Some(12), Some(1)));
    assert_eq!(
        (k.machine_keyset, k.exportable, k.is_cng, k.accessible),
        (Some(true), Some(false), Some(false), Some(true))
    );
    assert_eq!(k.access_error, None);
}

#[test]
fn inventory_leniency() {
    assert_eq!(parse_inventory(b"{}"), Ok(Inventory::default()));
    assert_eq!(
        parse_inventory(br#"{"certificates": null}"#),
        Ok(Inventory::default())
    );
    // No private key: `null`.
    let inv =
        parse_inventory(br#"{"certificates":[{"thumbprint":"AB","private_key":null,"x":1}]}"#)
            .expect("parses");
    assert_eq!(inv.certificates[0].private_key, None);
    assert_eq!(inv.certificates[0].thumbprint.as_deref(), Some("AB"));

    // PowerShell 5.1 writes a one-element list as the element itself.
    let p = parse_inventory_lenient(br#"{"certificates":{"thumbprint":"AB"}}"#).expect("parses");
    assert!(p.skipped.is_empty(), "{:?}", p.skipped);
    assert_eq!(p.value.certificates.len(), 1);
    // A bare list is the certificates list.
    let inv = parse_inventory(br#"[{"thumbprint":"AB"},{"thumbprint":"CD"}]"#).expect("parses");
    assert_eq!(inv.certificates.len(), 2);

    // One bad entry and one bad field: the rest is kept.
    let p = parse_inventory_lenient(
        br#"{"certificates":[5,{"thumbprint":"CD","private_key":{"key_spec":"AT_KEYEXCHANGE","provider_type":24}}]}"#,
    )
    .expect("parses");
    let paths: Vec<&str> = p.skipped.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        ["certificates[0]", "certificates[1].private_key.key_spec"]
    );
    assert_eq!(p.value.certificates.len(), 1);
    let k = p.value.certificates[0].private_key.as_ref().expect("key");
    assert_eq!((k.key_spec, k.provider_type), (None, Some(24)));

    assert!(matches!(
        parse_inventory(b"7"),
        Err(JsonMemberError::Invalid(_))
    ));
    assert!(matches!(
        parse_inventory(b"{\"certificates\": [}"),
        Err(JsonMemberError::Invalid(m)) if m.contains("line 1")
    ));
}
