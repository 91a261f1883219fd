//! The JSON and text renderings of `inspect`, on bundles built by hand (no parsing involved).

use scomtriage::bundle::{Bundle, Member, MemberKind, Parsed, Problem};
use scomtriage::inspect::{exit_code, member_json, render_json, render_text};
use scomtriage_parsers::registry::{
    LineProblem, RegData, RegFile, RegFormat, RegKey, RegParse, RegValue,
};
use scomtriage_parsers::x509::Certificate;
use scomtriage_parsers::{EvtxIntegrity, EvtxLog};
use serde_json::Value;

fn certificate(cn: &str) -> Certificate {
    Certificate {
        subject: format!("CN={cn}"),
        subject_cns: vec![cn.into()],
        has_san: true,
        san_dns: vec![cn.into()],
        issuer: "CN=Contoso Root CA".into(),
        issuer_cns: vec!["Contoso Root CA".into()],
        subject_der: vec![],
        issuer_der: vec![],
        serial: vec![0x1F, 0x00],
        serial_hex: "1F00".into(),
        not_before: 1_700_000_000,
        not_after: 1_800_000_000,
        eku: None,
        key_usage: None,
        basic_constraints: None,
        ski: None,
        aki: None,
        public_key_algorithm: "RSA".into(),
        public_key_oid: "1.2.840.113549.1.1.1".into(),
        public_key_bits: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".into(),
        signature_oid: "1.2.840.113549.1.1.11".into(),
        self_issued: false,
        thumbprint_sha1: "6F1C0A5E3B7D2C9A8E4F1B0D3C5A7E9F2B4D6A8C".into(),
        der: vec![],
    }
}

fn sample() -> Vec<Bundle> {
    let mut log = EvtxLog::default();
    log.providers.insert("OpsMgr Connector".into(), 7);
    log.providers.insert("HealthService".into(), 3);
    log.integrity = EvtxIntegrity {
        records: 10,
        record_errors: 1,
        truncated: true,
        header_checksum_ok: true,
        first_error: Some("bad record".into()),
        ..EvtxIntegrity::default()
    };
    let reg = RegParse {
        file: RegFile {
            format: RegFormat::Version5,
            keys: vec![RegKey {
                path: "HKEY_LOCAL_MACHINE\\SOFTWARE\\X".into(),
                values: vec![RegValue {
                    name: Some("A".into()),
                    data: RegData::Dword(1),
                    line: 4,
                }],
                line: 3,
                deleted: false,
            }],
        },
        problems: vec![LineProblem {
            line: 9,
            message: "bad hex".into(),
        }],
    };
    let m = |path: &str, kind, content| Member {
        path: path.into(),
        kind,
        size: 100,
        content,
        warnings: Vec::new(),
    };
    vec![Bundle {
        label: "gw01.zip".into(),
        members: vec![
            m(
                "certificates/LocalMachine/My/A.cer",
                MemberKind::Certificate,
                Ok(Parsed::Certificates(vec![certificate("gw01.contoso.com")])),
            ),
            m(
                "eventlogs/Operations Manager.evtx",
                MemberKind::Evtx,
                Ok(Parsed::Evtx(log)),
            ),
            m(
                "registry/opsmgr.reg",
                MemberKind::Registry,
                Ok(Parsed::Registry(reg)),
            ),
            m(
                "registry/tcpip.reg",
                MemberKind::Registry,
                Err("not a registry export: no header".into()),
            ),
        ],
        problems: vec![Problem {
            path: "big.bin".into(),
            message: "declared size 9 bytes exceeds the per-entry limit".into(),
        }],
    }]
}

#[test]
fn json_fields_by_kind() {
    let bundles = sample();
    let b = &bundles[0];
    let cert = member_json(&b.label, &b.members[0]);
    assert_eq!(cert["kind"], "certificate");
    assert_eq!(cert["ok"], true);
    assert_eq!(cert["error"], Value::Null);
    let c = &cert["certificates"][0];
    assert_eq!(c["subject"], "CN=gw01.contoso.com");
    assert_eq!(c["serial"], "1F00");
    assert_eq!(
        c["thumbprint_sha1"],
        "6F1C0A5E3B7D2C9A8E4F1B0D3C5A7E9F2B4D6A8C"
    );
    assert_eq!(c["not_after"], "2027-01-15T08:00:00Z");

    let ev = member_json(&b.label, &b.members[1]);
    assert_eq!(ev["kind"], "evtx");
    assert_eq!(ev["records"], 10);
    assert_eq!(ev["record_errors"], 1);
    assert_eq!(ev["truncated"], true);
    assert_eq!(ev["providers"]["OpsMgr Connector"], 7);
    assert_eq!(ev["integrity"]["first_error"], "bad record");

    let reg = member_json(&b.label, &b.members[2]);
    assert_eq!(reg["keys"], 1);
    assert_eq!(reg["values"], 1);
    assert_eq!(reg["problems"][0]["line"], 9);

    let bad = member_json(&b.label, &b.members[3]);
    assert_eq!(bad["ok"], false);
    assert_eq!(bad["error"], "not a registry export: no header");
    assert!(bad.get("keys").is_none());
}

#[test]
fn json_lines_end_with_the_problems() {
    let out = render_json(&sample());
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().all(|v| v["bundle"] == "gw01.zip"));
    assert_eq!(lines[4]["kind"], "problem");
    assert_eq!(lines[4]["path"], "big.bin");
    assert_eq!(lines[4]["ok"], false);
    assert!(lines[4]["error"]
        .as_str()
        .unwrap_or("")
        .contains("per-entry"));
}

#[test]
fn text_table_summarises_each_member() {
    let text = render_text(&sample());
    assert!(
        text.starts_with("== gw01.zip (4 members, 1 error, 1 problem)\n"),
        "{text}"
    );
    let row = |needle: &str| {
        text.lines()
            .find(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("no row {needle}: {text}"))
            .to_string()
    };
    assert!(row("certificates/LocalMachine/My/A.cer").contains("CN=gw01.contoso.com"));
    let ev = row("eventlogs/Operations Manager.evtx");
    assert!(ev.contains("10 records, 1 record error, truncated"), "{ev}");
    assert!(ev.contains("OpsMgr Connector 7, HealthService 3"), "{ev}");
    assert!(row("registry/opsmgr.reg").contains("1 key, 1 value, 1 line skipped"));
    let bad = row("registry/tcpip.reg");
    assert!(bad.contains("error") && bad.contains("no header"), "{bad}");
    assert!(
        text.contains("problems:\n  big.bin: declared size"),
        "{text}"
    );
    assert_eq!(exit_code(&sample()), 1);
}

#[test]
fn exit_code_zero_only_when_all_is_well() {
    let ok = vec![Bundle {
        label: "x".into(),
        members: vec![Member {
            path: "collector.log".into(),
            kind: MemberKind::Text,
            size: 1,
            content: Ok(Parsed::Nothing),
            warnings: Vec::new(),
        }],
        problems: vec![],
    }];
    assert_eq!(exit_code(&ok), 0);
    let mut with_problem = ok.clone();
    with_problem[0].problems.push(Problem {
        path: "x".into(),
        message: "m".into(),
    });
    assert_eq!(exit_code(&with_problem), 1);
}
