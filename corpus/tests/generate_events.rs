//! The event sequences given to the EVTX writer follow the reference (§1, §7.1).

mod common;

use common::load;
use scomtriage_corpus::evtx::{EventData, EventSpec};
use scomtriage_corpus::generate;

fn events(id: &str, machine: &str) -> Vec<EventSpec> {
    let (t, all) = load();
    let s = all.iter().find(|s| s.id == id).unwrap();
    generate::machine_events_for(s, &t, machine).unwrap()
}

fn data(e: &EventSpec) -> &[String] {
    match &e.data {
        EventData::Unnamed(d) => d,
        EventData::Named(_) => panic!("classic events use unnamed data"),
    }
}

#[test]
fn every_timeline_is_sorted_numbered_and_before_collection() {
    let (t, all) = load();
    for s in &all {
        let end: jiff::Timestamp = s.collected_at.parse().unwrap();
        for (mid, m) in &s.machines {
            let evs = generate::machine_events_for(s, &t, mid).unwrap();
            for (i, e) in evs.iter().enumerate() {
                assert_eq!(
                    e.record_id,
                    m.evtx.first_record_id + i as u64,
                    "{}/{mid}",
                    s.id
                );
                assert!(e.time_us <= end.as_microsecond(), "{}/{mid}", s.id);
                assert_eq!(e.channel, "Operations Manager");
                assert_eq!(e.computer, m.fqdn);
                assert_eq!(e.keywords, 0x0080_0000_0000_0000);
                let q = e.qualifiers.unwrap();
                let want_level = match q {
                    49152 => 2,
                    32768 => 3,
                    16384 | 0 => 4,
                    other => panic!("qualifiers {other}"),
                };
                assert_eq!(e.level, want_level, "{}/{mid} {}", s.id, e.event_id);
            }
            assert!(evs.windows(2).all(|w| w[0].time_us <= w[1].time_us));
        }
    }
}

#[test]
fn connector_events_use_the_reference_insertion_strings() {
    let evs = events("network_timeout", "web01");
    let e = evs.iter().find(|e| e.event_id == 21006).unwrap();
    assert_eq!(e.provider, "OpsMgr Connector");
    assert_eq!(e.qualifiers, Some(49152));
    let d = data(e);
    assert_eq!(d[..3], ["gw01.dmz.contoso.com", "5723", "10060L"]);
    assert!(d[3].starts_with("A connection attempt failed"));
    let next = evs.iter().find(|x| x.event_id == 21016).unwrap();
    assert_eq!(data(next), ["gw01.dmz.contoso.com"]);

    let evs = events("kerberos_spn", "ag01");
    let e = evs.iter().find(|e| e.event_id == 20057).unwrap();
    assert_eq!(data(e)[..2], ["MSOMHSvc/ms01.contoso.com", "0x80090311"]);
    assert!(evs.iter().any(|e| e.event_id == 21001));

    let evs = events("gateway_name_mismatch", "gw01");
    let e = evs.iter().find(|e| e.event_id == 20052).unwrap();
    assert_eq!(data(e), ["gw01", "gw01.dmz.contoso.com"]);
    let fail = evs.iter().position(|e| e.event_id == 20052).unwrap();
    assert_eq!(evs[fail + 1].event_id, 21021);
    assert!(!evs.iter().any(|e| e.event_id == 20053));

    let evs = events("agent_first_san_wrong", "web01");
    let e = evs.iter().find(|e| e.event_id == 20052).unwrap();
    assert_eq!(data(e), ["web01", "web01.dmz.contoso.com"]);

    let evs = events("expired", "gw01");
    let e = evs.iter().find(|e| e.event_id == 20051).unwrap();
    assert_eq!(data(e).len(), 2);
    assert!(evs
        .iter()
        .any(|e| e.event_id == 21020 && e.qualifiers == Some(32768)));

    let evs = events("healthy_agent", "web01");
    let ok = evs.iter().find(|e| e.event_id == 20053).unwrap();
    assert_eq!((ok.qualifiers, ok.level), (Some(0), 4));
    assert!(evs
        .iter()
        .any(|e| e.event_id == 1210 && e.provider == "HealthService"));
}

#[test]
fn parent_side_events_name_the_child() {
    let evs = events("agent_pending_approval", "ms01");
    let e = evs.iter().find(|e| e.event_id == 20000).unwrap();
    assert_eq!(data(e), ["ag02.contoso.com"]);
    assert_eq!(e.qualifiers, Some(16384));
    let child = events("agent_pending_approval", "ag02");
    assert!(child
        .iter()
        .any(|e| e.event_id == 20070 && data(e) == ["ms01.contoso.com"]));

    let evs = events("peer_untrusted", "ms01");
    let e = evs.iter().find(|e| e.event_id == 20072).unwrap();
    assert_eq!(data(e)[..2], ["gw01.dmz.contoso.com", "0x800B010A"]);

    let evs = events("gateway_reconnect_stall", "gw01");
    let last_config = evs
        .iter()
        .filter(|e| e.event_id == 21025)
        .map(|e| e.time_us)
        .max()
        .unwrap();
    assert!(evs
        .iter()
        .any(|e| e.event_id == 2023 && e.time_us > last_config));
    assert!(!evs
        .iter()
        .any(|e| [21006, 20070, 20071, 21016].contains(&e.event_id)));
}

#[test]
fn heavy_noise_is_heavy_and_from_other_providers() {
    let evs = events("healthy_ms_heavy_noise", "ms01");
    assert!(evs.len() > 40_000, "{}", evs.len());
    let noise = evs
        .iter()
        .filter(|e| e.provider != "OpsMgr Connector")
        .count();
    assert!(noise * 10 > evs.len() * 9);
    let errors = evs.iter().filter(|e| e.level == 2).count();
    assert!(
        errors > 100,
        "healthy logs still carry errors from other providers"
    );
    assert!(!evs
        .iter()
        .any(|e| e.provider == "OpsMgr Connector" && e.level == 2));
}
