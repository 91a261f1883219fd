//! Every committed scenario parses, references only what it defines, and together they
//! cover what issue 3 asks for.

use scomtriage_corpus::scenario::{self, Role, Step, CAUSE_IDS};
use std::collections::BTreeSet;

fn load() -> (scenario::Templates, Vec<scenario::Scenario>) {
    match scenario::load_dir(&scomtriage_corpus::scenario_dir()) {
        Ok(v) => v,
        Err(e) => panic!("scenario directory does not load: {e}"),
    }
}

#[test]
fn every_scenario_parses_and_validates() {
    let (t, all) = load();
    assert!(all.len() >= 30, "only {} scenarios", all.len());
    for s in &all {
        scenario::validate(s, &t).unwrap();
        assert!(!s.description.trim().is_empty(), "{}", s.id);
        assert!(!s.expect.is_empty(), "{} states no expectation", s.id);
    }
}

#[test]
fn every_cause_id_is_the_top_cause_somewhere() {
    let (_, all) = load();
    let tops: BTreeSet<&str> = all
        .iter()
        .flat_map(|s| s.expect.values().filter_map(|e| e.top.as_deref()))
        .collect();
    for cause in CAUSE_IDS {
        assert!(
            tops.contains(cause),
            "no scenario has `{cause}` as its top cause"
        );
    }
}

#[test]
fn coverage_required_by_the_issue() {
    let (_, all) = load();
    let by_id = |id: &str| {
        all.iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("scenario `{id}` missing"))
    };
    // Pairs with an expected order.
    let pairs = all
        .iter()
        .filter(|s| s.expect.values().any(|e| !e.order.is_empty()))
        .count();
    assert!(pairs >= 3, "{pairs} pair scenarios");
    // Healthy agent, gateway and management server with heavy noise.
    for (id, role) in [
        ("healthy_agent_heavy_noise", Role::Agent),
        ("healthy_gateway_heavy_noise", Role::Gateway),
        ("healthy_ms_heavy_noise", Role::ManagementServer),
    ] {
        let s = by_id(id);
        let (mid, m) = s.machines.iter().next().unwrap();
        assert_eq!(m.role, role);
        assert!(s.expect[mid].healthy);
        let heavy = m
            .timeline
            .iter()
            .any(|st| matches!(st, Step::Noise { per_hour, .. } if *per_hour >= 200.0));
        assert!(heavy, "{id} has no heavy noise");
    }
    // Three machines of the three roles.
    let three = by_id("three_machines");
    let roles: BTreeSet<&str> = three.machines.values().map(|m| m.role.as_str()).collect();
    assert_eq!(roles.len(), 3);
    // Non-ASCII machine and CA names.
    let non_ascii = by_id("non_ascii_names");
    assert!(non_ascii.machines.values().any(|m| !m.fqdn.is_ascii()));
    assert!(non_ascii
        .certs
        .values()
        .any(|c| c.ca && c.subject.iter().flatten().any(|(_, v)| !v.is_ascii())));
    // Members missing.
    for id in ["missing_registry", "missing_eventlog", "only_eventlog"] {
        assert!(
            by_id(id).machines.values().any(|m| !m.omit.is_empty()),
            "{id}"
        );
    }
    // 20-byte serial registered correctly must not be a mismatch.
    let s20 = by_id("serial_20_bytes_ok");
    assert!(s20
        .expect
        .values()
        .all(|e| e.not.iter().any(|c| c == "serial_mismatch")));
    let (t, _) = load();
    let certs = scenario::all_certs(s20, &t);
    let serial = certs["gw01-20"].serial.as_deref().unwrap();
    assert_eq!(serial.len(), 40, "20-byte serial");
}

#[test]
fn bad_references_are_rejected() {
    let (t, _) = load();
    let base = r#"{"id": "x", "description": "d", "machines": {"m": {"fqdn": "m.example.com", "role": "agent", "my": ["nope"]}}}"#;
    let s = scenario::parse_scenario(base, &t).unwrap();
    assert!(scenario::validate(&s, &t).is_err());
    let bad_cause = r#"{"id": "x", "description": "d", "machines": {"m": {"fqdn": "m.example.com", "role": "agent"}},
                        "expect": {"m": {"top": "not_a_cause"}}}"#;
    let s = scenario::parse_scenario(bad_cause, &t).unwrap();
    assert!(scenario::validate(&s, &t).is_err());
    let bad_machine = r#"{"id": "x", "description": "d", "machines": {"m": {"fqdn": "m.example.com", "role": "agent"}},
                        "expect": {"other": {"healthy": true}}}"#;
    let s = scenario::parse_scenario(bad_machine, &t).unwrap();
    assert!(scenario::validate(&s, &t).is_err());
    let bad_key = r#"{"id": "x", "description": "d", "certs": {"c": {"cn": "c", "key": "rsa4096-zz"}},
                     "machines": {"m": {"fqdn": "m.example.com", "role": "agent", "my": ["c"]}}}"#;
    let s = scenario::parse_scenario(bad_key, &t).unwrap();
    assert!(scenario::validate(&s, &t).is_err());
    let unknown_field = r#"{"id": "x", "description": "d", "machines": {"m": {"fqdn": "m", "role": "agent", "colour": 1}}}"#;
    assert!(scenario::parse_scenario(unknown_field, &t).is_err());
    let unknown_template = r#"{"id": "x", "description": "d", "machines": {"m": {"use": "nope"}}}"#;
    assert!(scenario::parse_scenario(unknown_template, &t).is_err());
    let loop_ = r#"{"id": "x", "description": "d", "certs": {"a": {"cn": "a", "key": "rsa2048-a", "ca": true, "issuer": "b"},
                   "b": {"cn": "b", "key": "rsa2048-b", "ca": true, "issuer": "a"}},
                   "machines": {"m": {"fqdn": "m", "role": "agent", "my": ["a"]}}}"#;
    let s = scenario::parse_scenario(loop_, &t).unwrap();
    assert!(scenario::validate(&s, &t).is_err());
}

#[test]
fn template_use_is_a_shallow_merge() {
    let (t, _) = load();
    let text =
        r#"{"id": "x", "description": "d", "machines": {"gw01": {"use": "gw01", "port": 5800}}}"#;
    let s = scenario::parse_scenario(text, &t).unwrap();
    let m = &s.machines["gw01"];
    assert_eq!(m.fqdn, "gw01.dmz.contoso.com");
    assert_eq!(m.port, 5800);
    assert_eq!(m.role, Role::Gateway);
}
