//! Loose files, as customers often send them: a `reg export` of the SCOM key and the certificate
//! as a `.p7b` or a text export, no manifest. The registry serial (bytes reversed) must select
//! the certificate those files hold, and the report shows the serial in certutil order with the
//! registry form beside it.

use scomtriage::analyze::{analyze_bundles, read_options};
use scomtriage::bundle::read_inputs;
use std::io::Read;
use std::path::PathBuf;

/// The shipped example gateway's `opsmgr.reg` and its channel certificate (DER).
fn example_gateway() -> (Vec<u8>, Vec<u8>) {
    let zip = scomtriage_corpus::examples_dir().join("peer_untrusted/gw01.zip");
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(zip).expect("example zip")).expect("zip");
    let mut reg = Vec::new();
    let mut cer = Vec::new();
    for i in 0..archive.len() {
        let mut e = archive.by_index(i).expect("entry");
        let name = e.name().map(|n| n.to_string()).unwrap_or_default();
        if name == "registry/opsmgr.reg" {
            e.read_to_end(&mut reg).expect("read reg");
        } else if name.starts_with("certificates/LocalMachine/My/") {
            e.read_to_end(&mut cer).expect("read cer");
        }
    }
    assert!(!reg.is_empty() && !cer.is_empty());
    (reg, cer)
}

fn dir(tag: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("loose_files_{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn a_registry_serial_selects_the_certificate_of_a_p7b_or_text_export() {
    let (reg, cer) = example_gateway();
    for (tag, file, bytes) in [
        (
            "p7b",
            "certnew.p7b",
            scomtriage_corpus::p7b::p7b_der(&[&cer]),
        ),
        (
            "pem",
            "gateway-cert.txt",
            scomtriage_corpus::p7b::p7b_pem(&[&cer]),
        ),
    ] {
        let d = dir(tag);
        std::fs::write(d.join("opsmgr.reg"), &reg).expect("write reg");
        std::fs::write(d.join(file), &bytes).expect("write cert");
        let bundles = read_inputs(&[d.join(file), d.join("opsmgr.reg")], &read_options());
        let report = analyze_bundles(bundles);
        assert_eq!(report.machines.len(), 1, "{tag}");
        let m = &report.machines[0];
        let ch = m.channel_certificate.as_ref().unwrap_or_else(|| {
            panic!("{tag}: the registry serial selects the exported certificate")
        });
        assert_eq!(ch.selection, "selected by ChannelCertificateSerialNumber");
        // certutil order beside the registry form, which is the same bytes reversed.
        let reversed: String = {
            let b: Vec<String> = (0..ch.serial.len() / 2)
                .map(|k| ch.serial[2 * k..2 * k + 2].to_string())
                .collect();
            b.into_iter().rev().collect()
        };
        assert_eq!(ch.serial_registry_form, reversed, "{tag}");
        assert_eq!(
            m.registry_serial.as_deref(),
            Some(reversed.as_str()),
            "{tag}"
        );
        assert_eq!(
            m.registry_serial_certutil.as_deref(),
            Some(ch.serial.as_str()),
            "{tag}"
        );
        let text = scomtriage::report::text::render(&report);
        assert!(
            !text.contains("selects no exported certificate"),
            "{tag}: {text}"
        );
    }
}

#[test]
fn a_healthy_machine_shows_what_works_not_just_no_finding() {
    let zip = scomtriage_corpus::examples_dir().join("healthy_agent/web01.zip");
    let report = analyze_bundles(read_inputs(&[zip], &read_options()));
    assert!(report.findings.iter().all(|f| f.confidence == "low"));
    let w = &report.machines[0].working;
    assert!(
        w.iter()
            .any(|l| l.starts_with("certificate loaded: OpsMgr Connector 20053 at ")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|l| l.starts_with("channel to gw01.dmz.contoso.com up: ")),
        "{w:?}"
    );
    let text = scomtriage::report::text::render(&report);
    assert!(text.contains("    working: certificate loaded"), "{text}");
}

#[path = "../testsupport/shared_data.rs"]
mod shared_data;

#[test]
fn a_lone_expired_p7b_from_a_ca_is_checked_with_the_clock_it_used() {
    let Some(dir) = shared_data::shared_path("a_lone_expired_p7b", "data/p7b") else {
        return;
    };
    let p7b = dir.join("jamesbtate__echosync__server1.echosync.tate2.com.p7b");
    let report = analyze_bundles(read_inputs(&[p7b], &read_options()));
    let m = &report.machines[0];
    let ch = m
        .channel_certificate
        .as_ref()
        .expect("the lone leaf is taken");
    assert!(ch.selection_inferred, "taking it is an inference");
    assert!(ch.subject.contains("server1.echosync.tate2.com"));
    assert!(m
        .collected_at_source
        .as_deref()
        .is_some_and(|s| s.contains("analyzer's clock")));
    let causes: Vec<&str> = report.findings.iter().map(|f| f.cause).collect();
    assert!(causes.contains(&"expired"), "{causes:?}");
    assert!(
        causes.contains(&"eku"),
        "server authentication only: {causes:?}"
    );
    assert!(report
        .checks_not_run
        .iter()
        .any(|c| c.why.contains("judged against the analyzer's clock")));
}

#[test]
fn a_lone_certificate_file_yields_no_runnable_command_with_a_placeholder() {
    let (_, cer) = example_gateway();
    let d = dir("crt");
    std::fs::write(d.join("gateway.crt"), &cer).expect("write crt");
    let report = analyze_bundles(read_inputs(&[d.join("gateway.crt")], &read_options()));
    let mut commands = 0;
    for f in &report.findings {
        for s in &f.remediation {
            if let Some(c) = &s.command {
                commands += 1;
                assert!(
                    s.template || (!c.contains('<') && !c.contains("unknown machine")),
                    "{}: {c}",
                    f.cause
                );
            }
        }
    }
    println!("{commands} commands checked");
}
