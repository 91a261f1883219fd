//! End-to-end over in-memory bundles: members as the bundle reader delivers them (parsed
//! values built directly, so this runs without the parsers), through facts, rules, ranking and
//! both renderers.

use scomtriage::analyze::analyze_bundles;
use scomtriage::bundle::{Bundle, Member, MemberKind, Parsed};
use scomtriage::report::{json, text};
use scomtriage_parsers::evtx::{EventRecord, EvtxLog};
use scomtriage_parsers::manifest::{Computer, HealthService, Manifest, Scom};
use scomtriage_parsers::registry::{RegData, RegFile, RegFormat, RegKey, RegParse, RegValue};
use scomtriage_parsers::x509::{BasicConstraints, Certificate, KeyUsage};
use serde_json::Value;

const T0: i64 = 1_800_000_000; // 2027-01-15T08:00:00Z

fn cert(subject_cn: &str, issuer_cn: &str, thumb: &str, serial: Vec<u8>, ca: bool) -> Certificate {
    Certificate {
        subject: format!("CN={subject_cn}"),
        subject_cns: vec![subject_cn.to_string()],
        has_san: false,
        san_dns: vec![],
        issuer: format!("CN={issuer_cn}"),
        issuer_cns: vec![issuer_cn.to_string()],
        subject_der: format!("CN={subject_cn}").into_bytes(),
        issuer_der: format!("CN={issuer_cn}").into_bytes(),
        serial_hex: serial.iter().map(|b| format!("{b:02X}")).collect(),
        serial,
        not_before: T0 - 100 * 86_400,
        not_after: T0 + 265 * 86_400,
        eku: if ca {
            None
        } else {
            Some(vec!["1.3.6.1.5.5.7.3.1".into(), "1.3.6.1.5.5.7.3.2".into()])
        },
        key_usage: Some(KeyUsage {
            bits: if ca { 0x60 } else { 0x5 },
            critical: true,
        }),
        basic_constraints: ca.then_some(BasicConstraints {
            ca: true,
            path_len: None,
            critical: true,
        }),
        ski: None,
        aki: None,
        public_key_algorithm: "RSA".into(),
        public_key_oid: "1.2.840.113549.1.1.1".into(),
        public_key_bits: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".into(),
        signature_oid: "1.2.840.113549.1.1.11".into(),
        self_issued: subject_cn == issuer_cn,
        thumbprint_sha1: format!("{thumb:0>40}"),
        der: vec![],
    }
}

fn member(path: &str, kind: MemberKind, p: Parsed) -> Member {
    Member {
        path: path.into(),
        kind,
        size: 1,
        content: Ok(p),
        warnings: Vec::new(),
    }
}

fn manifest(fqdn: &str, role: &str) -> Member {
    let (host, dom) = fqdn.split_once('.').unwrap_or((fqdn, ""));
    member(
        "manifest.json",
        MemberKind::Manifest,
        Parsed::Manifest(Manifest {
            format: Some("scomtriage-bundle".into()),
            format_version: Some(1),
            collected_at: Some("2027-01-15T08:00:00Z".into()),
            computer: Some(Computer {
                netbios_name: Some(host.to_uppercase()),
                dns_hostname: Some(host.into()),
                dns_domain: Some(dom.into()),
                fqdn: Some(fqdn.into()),
                domain_joined: Some(role != "gateway"),
                workgroup: None,
            }),
            scom: Some(Scom {
                role: Some(role.into()),
                version: Some("10.22.10118.0".into()),
                ..Scom::default()
            }),
            health_service: Some(HealthService {
                status: Some("Running".into()),
                started_at: Some("2027-01-14T08:00:00Z".into()),
            }),
            ..Manifest::default()
        }),
    )
}

fn opsmgr_reg(serial_registry: Option<Vec<u8>>, parent: Option<&str>) -> Member {
    let base = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0";
    let mut keys = vec![RegKey {
        path: base.into(),
        values: vec![],
        line: 3,
        deleted: false,
    }];
    let mut ms = RegKey {
        path: format!(r"{base}\Machine Settings"),
        values: vec![],
        line: 5,
        deleted: false,
    };
    if let Some(s) = serial_registry {
        ms.values.push(RegValue {
            name: Some("ChannelCertificateSerialNumber".into()),
            data: RegData::Binary(s),
            line: 6,
        });
    }
    keys.push(ms);
    if let Some(p) = parent {
        keys.push(RegKey {
            path: format!(r"{base}\Server Management Groups\MG1"),
            values: vec![],
            line: 10,
            deleted: false,
        });
        keys.push(RegKey {
            path: format!(r"{base}\Server Management Groups\MG1\Parent Health Services\0"),
            values: vec![
                RegValue {
                    name: Some("NetworkName".into()),
                    data: RegData::String(p.into()),
                    line: 13,
                },
                RegValue {
                    name: Some("Port".into()),
                    data: RegData::Dword(5723),
                    line: 14,
                },
            ],
            line: 12,
            deleted: false,
        });
    }
    member(
        "registry/opsmgr.reg",
        MemberKind::Registry,
        Parsed::Registry(RegParse {
            file: RegFile {
                format: RegFormat::Version5,
                keys,
            },
            problems: vec![],
        }),
    )
}

fn tcpip(host: &str, domain: &str) -> Member {
    member(
        "registry/tcpip.reg",
        MemberKind::Registry,
        Parsed::Registry(RegParse {
            file: RegFile {
                format: RegFormat::Version5,
                keys: vec![RegKey {
                    path: r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"
                        .into(),
                    values: vec![
                        RegValue {
                            name: Some("Hostname".into()),
                            data: RegData::String(host.into()),
                            line: 4,
                        },
                        RegValue {
                            name: Some("Domain".into()),
                            data: RegData::String(domain.into()),
                            line: 5,
                        },
                    ],
                    line: 3,
                    deleted: false,
                }],
            },
            problems: vec![],
        }),
    )
}

fn ev(computer: &str, rec: u64, t: i64, id: u16, strings: &[&str]) -> EventRecord {
    EventRecord {
        record_id: rec,
        time_us: t * 1_000_000,
        provider: "OpsMgr Connector".into(),
        event_id: id,
        qualifiers: Some(if id == 20053 { 0 } else { 49152 }),
        level: Some(if id == 20053 { 4 } else { 2 }),
        task: None,
        keywords: None,
        computer: computer.into(),
        channel: "Operations Manager".into(),
        data: strings.iter().map(|s| (None, s.to_string())).collect(),
        message: None,
    }
}

fn log(records: Vec<EventRecord>) -> Member {
    member(
        "eventlogs/Operations Manager.evtx",
        MemberKind::Evtx,
        Parsed::Evtx(EvtxLog {
            records,
            ..EvtxLog::default()
        }),
    )
}

fn cer(store: &str, c: Certificate) -> Member {
    member(
        &format!(
            "certificates/LocalMachine/{store}/{}.cer",
            c.thumbprint_sha1
        ),
        MemberKind::Certificate,
        Parsed::Certificates(vec![c]),
    )
}

fn bundle(label: &str, members: Vec<Member>) -> Bundle {
    Bundle {
        label: label.into(),
        members,
        problems: vec![],
    }
}

fn rev(v: &[u8]) -> Vec<u8> {
    v.iter().rev().copied().collect()
}

fn gateway(cn: &str, events: Vec<EventRecord>) -> Bundle {
    let serial = vec![
        0x00, 0x9C, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
    ];
    let leaf = cert(cn, "Contoso Root", "A1", serial.clone(), false);
    // Registry written without the DER pad byte (19 bytes): still the same integer.
    let reg = rev(&serial[1..]);
    bundle(
        "gw01.zip",
        vec![
            manifest("gw01.dmz.contoso.com", "gateway"),
            opsmgr_reg(Some(reg), Some("ms01.contoso.com")),
            tcpip("gw01", "dmz.contoso.com"),
            cer("My", leaf),
            cer(
                "Root",
                cert("Contoso Root", "Contoso Root", "B1", vec![1], true),
            ),
            log(events),
        ],
    )
}

fn json_of(bundles: &[Bundle]) -> Value {
    let r = analyze_bundles(bundles.to_vec());
    let s = json::render(&r).expect("json");
    if std::env::var_os("SHOW_REPORT").is_some() {
        eprintln!("{}", text::render(&r));
    }
    serde_json::from_str(&s).expect("valid JSON")
}

fn start() -> i64 {
    T0 - 86_400
}

#[test]
fn gateway_name_mismatch_end_to_end() {
    let c = "gw01.dmz.contoso.com";
    let v = json_of(&[gateway(
        "gw01",
        vec![
            ev(c, 1, start() + 5, 20052, &["gw01", c]),
            ev(c, 2, start() + 6, 21021, &[]),
            ev(c, 3, start() + 60, 20071, &["ms01.contoso.com"]),
            ev(c, 4, start() + 61, 21016, &["ms01.contoso.com"]),
        ],
    )]);
    let f = &v["findings"][0];
    assert_eq!(f["cause"], "name_mismatch");
    assert_eq!(f["machine"], c);
    assert_eq!(f["confidence"], "high");
    assert!(f["score"].as_u64().unwrap_or(0) >= 70);
    assert!(f["title"].as_str().unwrap_or("").contains("\"gw01\""));
    let ev = f["evidence"].as_array().expect("evidence");
    assert!(ev
        .iter()
        .any(|e| e["source"]["type"] == "event" && e["source"]["record_id"] == 1));
    assert!(ev.iter().any(|e| e["source"]["type"] == "certificate"));
    assert!(
        ev.iter().any(|e| e["source"]["type"] == "registry"),
        "the serial selection is cited"
    );
    assert!(f["remediation"]
        .as_array()
        .expect("steps")
        .iter()
        .any(|s| s["command"] == "MOMCertImport.exe /SubjectName gw01.dmz.contoso.com"));
    assert_eq!(f["explains"]["total"], 4);
    assert_eq!(v["unexplained_events"].as_array().map(|a| a.len()), Some(0));
    // the 19-byte registry value selected the 20-byte padded serial
    assert_eq!(
        v["machines"][0]["channel_certificate"]["serial"],
        "009C0102030405060708090A0B0C0D0E0F101112"
    );
    // single machine: peer trust cannot be checked
    assert!(v["checks_not_run"]
        .as_array()
        .expect("list")
        .iter()
        .any(|c| c["check"] == "peer trust in both directions"
            && c["missing_input"]
                .as_str()
                .unwrap_or("")
                .contains("ms01.contoso.com")));
}

#[test]
fn healthy_gateway_has_no_medium_or_high_finding() {
    let c = "gw01.dmz.contoso.com";
    let v = json_of(&[gateway(
        c,
        vec![
            ev(c, 1, start() + 5, 20053, &[]),
            ev(c, 2, start() + 60, 21025, &["MG1", "cookie"]),
        ],
    )]);
    for f in v["findings"].as_array().expect("findings") {
        assert_eq!(f["confidence"], "low", "{f}");
    }
}

#[test]
fn missing_inputs_become_checks_not_run() {
    let b = bundle(
        "loose files",
        vec![cer(
            "My",
            cert("x.contoso.com", "Some CA", "C1", vec![5], false),
        )],
    );
    let v = json_of(&[b]);
    let checks: Vec<String> = v["checks_not_run"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["check"].as_str().unwrap_or("").to_string())
        .collect();
    for want in [
        "registry serial comparison",
        "event correlation",
        "validity at collection time",
        "certificate name check",
        "revocation",
    ] {
        assert!(
            checks.iter().any(|c| c == want),
            "missing {want}: {checks:?}"
        );
    }
    assert!(v["findings"]
        .as_array()
        .expect("list")
        .iter()
        .all(|f| f["confidence"] == "low"));
}

#[test]
fn identity_disagreement_is_recorded() {
    let mut b = gateway("gw01.dmz.contoso.com", vec![]);
    b.members[2] = tcpip("gw01", "corp.contoso.com");
    let v = json_of(&[b]);
    let d = v["machines"][0]["identity_disagreements"]
        .as_array()
        .expect("list");
    assert_eq!(d.len(), 1);
    assert!(d[0]
        .as_str()
        .unwrap_or("")
        .contains("gw01.corp.contoso.com"));
}

#[test]
fn two_machines_cross_machine_trust_and_approval() {
    let gwn = "gw01.dmz.contoso.com";
    let msn = "ms01.contoso.com";
    let gw = gateway(
        gwn,
        vec![
            ev(gwn, 1, start() + 5, 20053, &[]),
            ev(gwn, 2, start() + 60, 20070, &[msn]),
            ev(gwn, 3, start() + 61, 21016, &[msn]),
        ],
    );
    let ms_cert = cert(msn, "Contoso Root", "D1", vec![7, 7], false);
    let ms = bundle(
        "ms01.zip",
        vec![
            manifest(msn, "management_server"),
            opsmgr_reg(Some(rev(&[7, 7])), None),
            cer("My", ms_cert),
            cer(
                "Root",
                cert("Contoso Root", "Contoso Root", "B1", vec![1], true),
            ),
            log(vec![ev(msn, 10, start() + 1, 20053, &[]), {
                let mut e = ev(msn, 11, start() + 60, 20000, &[gwn]);
                e.level = Some(4);
                e
            }]),
        ],
    );
    let v = json_of(&[gw, ms]);
    let f = &v["findings"][0];
    assert_eq!(f["cause"], "not_approved");
    assert_eq!(f["machine"], gwn);
    assert_eq!(f["confidence"], "high");
    assert!(f["remediation"].as_array().expect("steps").iter().any(|s| s["command"]
        .as_str()
        .unwrap_or("")
        .contains("GatewayApprovalTool.exe /ManagementServerName=ms01.contoso.com /GatewayName=gw01.dmz.contoso.com /Action=Create")));
    // both trust each other: no trust finding
    assert!(v["findings"]
        .as_array()
        .expect("list")
        .iter()
        .all(|x| x["cause"] != "peer_untrusted" && x["cause"] != "untrusted_root"));
    assert_eq!(v["machines"].as_array().map(|a| a.len()), Some(2));
}

fn with_hash(mut m: Member, hash: &str) -> Member {
    if let Ok(Parsed::Registry(rp)) = &mut m.content {
        for k in &mut rp.file.keys {
            if k.path.ends_with("Machine Settings") {
                k.values.push(RegValue {
                    name: Some("ChannelCertificateHash".into()),
                    data: RegData::String(hash.into()),
                    line: 8,
                });
            }
        }
    }
    m
}

#[test]
fn twenty_byte_serial_truncated_to_19_by_a_script_is_a_mismatch() {
    let c = "gw01.dmz.contoso.com";
    let serial: Vec<u8> = (1..=20).collect();
    let leaf = cert(c, "Contoso Root", "A1", serial.clone(), false);
    // A script reversing only the last 19 bytes writes the low 19 bytes.
    let reg = rev(&serial[1..]);
    let b = bundle(
        "gw01.zip",
        vec![
            manifest(c, "gateway"),
            opsmgr_reg(Some(reg), Some("ms01.contoso.com")),
            cer("My", leaf),
            cer(
                "Root",
                cert("Contoso Root", "Contoso Root", "B1", vec![1], true),
            ),
            log(vec![
                ev(c, 1, start() + 5, 20066, &[]),
                ev(c, 2, start() + 6, 21021, &[]),
            ]),
        ],
    );
    let v = json_of(&[b]);
    let f = &v["findings"][0];
    assert_eq!(f["cause"], "serial_mismatch");
    assert_eq!(f["confidence"], "high");
    assert!(f["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .any(|e| e["text"]
            .as_str()
            .unwrap_or("")
            .contains("only the low 19 bytes")));
}

#[test]
fn hash_naming_another_certificate_is_reported() {
    let c = "gw01.dmz.contoso.com";
    let mut b = gateway(c, vec![ev(c, 1, start() + 5, 20053, &[])]);
    let other = cert(c, "Contoso Root", "C9", vec![9, 9], false);
    let other_tp = other.thumbprint_sha1.to_lowercase();
    b.members.push(cer("My", other));
    b.members[1] = with_hash(b.members[1].clone(), &other_tp);
    let v = json_of(&[b]);
    let f = v["findings"]
        .as_array()
        .expect("list")
        .iter()
        .find(|f| f["cause"] == "serial_mismatch")
        .cloned()
        .expect("serial_mismatch reported");
    assert!(f["evidence"][0]["text"]
        .as_str()
        .unwrap_or("")
        .contains("ChannelCertificateHash names"));
    // the certificate loaded in the current run: not more than low
    assert_eq!(f["confidence"], "low");
}

#[test]
fn members_under_a_top_folder_are_recognised() {
    let c = "gw01.dmz.contoso.com";
    let mut b = gateway("gw01", vec![ev(c, 1, start() + 5, 20052, &["gw01", c])]);
    for m in &mut b.members {
        m.path = format!("Collect-gw01-20270115/{}", m.path);
    }
    let v = json_of(&[b]);
    assert_eq!(v["findings"][0]["cause"], "name_mismatch");
    assert_eq!(v["machines"][0]["inputs"]["my_exports"], true);
    assert_eq!(v["machines"][0]["inputs"]["root_exports"], true);
}

#[test]
fn loose_certificate_joins_the_only_named_machine() {
    let c = "gw01.dmz.contoso.com";
    let b = gateway(c, vec![ev(c, 1, start() + 5, 20053, &[])]);
    let loose = bundle(
        "loose files",
        vec![member(
            "extra-root.cer",
            MemberKind::Certificate,
            Parsed::Certificates(vec![cert("Other Root", "Other Root", "E1", vec![3], true)]),
        )],
    );
    let v = json_of(&[b, loose]);
    assert_eq!(v["machines"].as_array().map(|a| a.len()), Some(1));
    assert_eq!(
        v["machines"][0]["inputs_from"].as_array().map(|a| a.len()),
        Some(2)
    );
    assert_eq!(v["machines"][0]["inputs"]["loose_certs"], true);
}

fn tcpip_with_ip(host: &str, domain: &str, ip: &str) -> Member {
    let mut m = tcpip(host, domain);
    if let Ok(Parsed::Registry(rp)) = &mut m.content {
        rp.file.keys.push(RegKey {
            path: r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\Interfaces\{0A1B2C3D-0000-0000-0000-000000000001}".into(),
            values: vec![RegValue {
                name: Some("IPAddress".into()),
                data: RegData::MultiString(vec![ip.into()]),
                line: 20,
            }],
            line: 19,
            deleted: false,
        });
    }
    m
}

#[test]
fn parent_events_naming_the_child_by_ip_are_linked() {
    let gwn = "gw01.dmz.contoso.com";
    let msn = "ms01.contoso.com";
    // The gateway's certificate comes from a DMZ root the management server does not trust.
    let serial = vec![0x11, 0x22];
    let leaf = cert(gwn, "DMZ Root", "A1", serial.clone(), false);
    let gw = bundle(
        "gw01.zip",
        vec![
            manifest(gwn, "gateway"),
            opsmgr_reg(Some(rev(&serial)), Some(msn)),
            tcpip_with_ip("gw01", "dmz.contoso.com", "10.20.0.15"),
            cer("My", leaf),
            cer("Root", cert("DMZ Root", "DMZ Root", "B2", vec![2], true)),
            cer(
                "Root",
                cert("Contoso Root", "Contoso Root", "B1", vec![1], true),
            ),
            log(vec![
                ev(gwn, 1, start() + 5, 20053, &[]),
                ev(gwn, 2, start() + 60, 20071, &[msn]),
            ]),
        ],
    );
    let ms = bundle(
        "ms01.zip",
        vec![
            manifest(msn, "management_server"),
            opsmgr_reg(Some(rev(&[7, 7])), None),
            cer("My", cert(msn, "Contoso Root", "D1", vec![7, 7], false)),
            cer(
                "Root",
                cert("Contoso Root", "Contoso Root", "B1", vec![1], true),
            ),
            log(vec![
                ev(msn, 10, start() + 1, 20053, &[]),
                ev(
                    msn,
                    11,
                    start() + 60,
                    20067,
                    &["10.20.0.15", "0x800B0109", "untrusted root"],
                ),
            ]),
        ],
    );
    let v = json_of(&[gw, ms]);
    let f = &v["findings"][0];
    assert_eq!(f["cause"], "peer_untrusted");
    assert_eq!(f["machine"], gwn);
    let explained: Vec<(String, u64)> = f["explains"]["groups"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                e["machine"].as_str().unwrap_or("").to_string(),
                e["event_id"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        explained.contains(&(msn.to_string(), 20067)),
        "{explained:?}"
    );
    assert!(
        explained.contains(&(gwn.to_string(), 20071)),
        "{explained:?}"
    );
    assert_eq!(v["unexplained_events"].as_array().map(|a| a.len()), Some(0));
}

#[test]
fn unrecognised_members_and_a_log_without_scom_events_are_reported() {
    let mut noise = ev("gw01.dmz.contoso.com", 1, start(), 7036, &["x", "running"]);
    noise.provider = "Service Control Manager".into();
    let b = bundle(
        "case",
        vec![
            manifest("gw01.dmz.contoso.com", "gateway"),
            log(vec![noise]),
            member("notes/garbage.bin", MemberKind::Unknown, Parsed::Nothing),
        ],
    );
    let v = json_of(&[b]);
    let problems = v["input_problems"].to_string();
    assert!(
        problems.contains("garbage.bin") && problems.contains("not a recognised input"),
        "{problems}"
    );
    let not_run = v["checks_not_run"].as_array().cloned().unwrap_or_default();
    assert!(
        not_run.iter().any(|c| c["check"] == "event correlation"
            && c["missing_input"]
                .as_str()
                .is_some_and(|m| m.contains("holds none"))),
        "{not_run:?}"
    );
}

#[test]
fn a_log_with_scom_events_needs_no_event_check_note() {
    let b = gateway(
        "gw01.dmz.contoso.com",
        vec![ev("gw01.dmz.contoso.com", 1, start(), 20053, &[])],
    );
    let v = json_of(&[b]);
    let not_run = v["checks_not_run"].as_array().cloned().unwrap_or_default();
    assert!(
        !not_run.iter().any(|c| c["check"] == "event correlation"),
        "{not_run:?}"
    );
}
