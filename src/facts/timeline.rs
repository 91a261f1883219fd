//! The event timeline of one machine: relevant records in time order, Health Service start
//! epochs with the certificate-load outcome of each, connection history per peer and what
//! the machine logged about other machines.
//!
//! The Health Service reads its certificate only at start (§4.14, §7.3), so load events are
//! grouped into bursts and each burst is paired with the start that precedes it.

use super::certs::norm_name;
use crate::knowledge::events::{self, EventDef, EventKind, Role, HEALTH_SERVICE_DISPLAY_NAMES};
use serde::Serialize;
use std::collections::BTreeMap;

/// Load events closer than this belong to one burst (one start).
pub const BURST_GAP_US: i64 = 120 * 1_000_000;
/// A start marker up to this long before a burst is the start of that burst.
pub const START_LEAD_US: i64 = 3600 * 1_000_000;

/// One relevant event record.
#[derive(Debug, Clone, Serialize)]
pub struct Ev {
    /// EventRecordID.
    pub record_id: u64,
    /// Time, µs since the epoch, UTC.
    pub time_us: i64,
    /// Provider.
    pub provider: String,
    /// Event id.
    pub event_id: u16,
    /// Level.
    pub level: Option<u8>,
    /// Computer field.
    pub computer: String,
    /// Channel (log name).
    pub channel: String,
    /// Insertion strings in `<Data>` order (named data keeps its order too).
    pub strings: Vec<String>,
    /// File it came from (bundle label and member path).
    pub file: String,
    /// Catalogue entry, if the event is known.
    #[serde(skip)]
    pub def: Option<&'static EventDef>,
    /// Message rendered by the reader from the machine's locale metadata (MTA), if any.
    pub mta_message: Option<String>,
}

impl Ev {
    /// The insertion string with `role`, per the catalogue.
    pub fn role(&self, role: Role) -> Option<&str> {
        self.def.and_then(|d| d.string(&self.strings, role))
    }

    /// Kind from the catalogue.
    pub fn kind(&self) -> Option<EventKind> {
        self.def.map(|d| d.kind)
    }

    /// Whether it is one of `ids` from the connector or Health Service.
    pub fn is(&self, id: u16) -> bool {
        self.event_id == id && self.def.is_some_and(|d| d.provider != events::SCHANNEL)
    }

    /// Whether it records a failure (error severity, or channel down / queue drop / heartbeat loss).
    pub fn is_failure(&self) -> bool {
        match self.def {
            Some(d) => d.is_failure(),
            None => self.level.is_some_and(|l| l == 1 || l == 2),
        }
    }

    /// Rendered message (offline from the catalogue), else the strings.
    pub fn message(&self) -> String {
        if let Some(text) = self.def.and_then(|d| d.render(&self.strings)) {
            return text;
        }
        if let Some(m) = &self.mta_message {
            return m.clone();
        }
        if let Some(d) = self.def {
            return format!("{} ({})", d.meaning, self.strings.join(" | "));
        }
        format!(
            "{} {}: {}",
            self.provider,
            self.event_id,
            self.strings.join(" | ")
        )
    }
}

/// What the certificate load at one Health Service start came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadOutcome {
    /// 20053 logged.
    Loaded,
    /// A load failure (200xx, 21036, 21021) and no 20053.
    Failed,
    /// 21022: no certificate specified.
    NoCertificate,
    /// No load event in this epoch (log cut, or not a certificate machine).
    NotLogged,
}

/// One Health Service run.
#[derive(Debug, Clone, Serialize)]
pub struct Epoch {
    /// Start, µs since the epoch.
    pub start_us: i64,
    /// What told us about the start.
    pub start_sources: Vec<String>,
    /// Whether the start is inferred from a certificate-load burst only.
    pub inferred: bool,
    /// End (start of the next epoch), if any.
    pub end_us: Option<i64>,
    /// Load outcome.
    pub load: LoadOutcome,
    /// Indexes (into [`Timeline::events`]) of the load events.
    pub load_events: Vec<usize>,
}

/// A start marker found outside the event log.
#[derive(Debug, Clone)]
pub struct StartMarker {
    /// µs since the epoch.
    pub time_us: i64,
    /// Where it came from.
    pub source: String,
}

/// The timeline of one machine.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timeline {
    /// Relevant records, sorted by time then record id.
    pub events: Vec<Ev>,
    /// Health Service runs, oldest first.
    pub epochs: Vec<Epoch>,
    /// Initiator-side events per peer (normalised name): indexes into `events`.
    pub peers: BTreeMap<String, Vec<usize>>,
    /// Events naming another machine or device (20000, 20072, 20067, 21002, 20022…), by the
    /// normalised name/IP: indexes into `events`.
    pub remotes: BTreeMap<String, Vec<usize>>,
    /// Computer field values seen, with counts.
    pub computers: BTreeMap<String, u64>,
    /// Time of the last proof that the channel worked (see [`Timeline::last_channel_success_us`]).
    pub last_success_us: Option<i64>,
}

/// Normalise a peer as the connector prints it: strip `MSOMHSvc/`, `:port`, trailing dot; lower-case.
pub fn norm_peer(s: &str) -> String {
    let mut t = s.trim();
    if let Some((class, rest)) = t.split_once('/') {
        if class.eq_ignore_ascii_case("msomhsvc") {
            t = rest;
        }
    }
    // host:port (not an IPv6 literal)
    if t.matches(':').count() == 1 {
        if let Some((h, p)) = t.rsplit_once(':') {
            if p.chars().all(|c| c.is_ascii_digit()) {
                t = h;
            }
        }
    }
    norm_name(t)
}

impl Timeline {
    /// Build from records (any order) and start markers from outside the log.
    pub fn build(mut events: Vec<Ev>, markers: &[StartMarker]) -> Timeline {
        events.sort_by(|a, b| {
            a.time_us
                .cmp(&b.time_us)
                .then(a.record_id.cmp(&b.record_id))
                .then(a.channel.cmp(&b.channel))
        });
        events.dedup_by(|a, b| {
            a.record_id == b.record_id
                && a.time_us == b.time_us
                && a.event_id == b.event_id
                && a.channel.eq_ignore_ascii_case(&b.channel)
        });
        let mut tl = Timeline {
            events,
            ..Timeline::default()
        };
        for (i, e) in tl.events.iter().enumerate() {
            if !e.computer.is_empty()
                && e.def
                    .is_some_and(|d| d.provider != events::SERVICE_CONTROL_MANAGER)
            {
                *tl.computers.entry(norm_name(&e.computer)).or_default() += 1;
            }
            if let Some(p) = e.role(Role::Peer) {
                let p = norm_peer(p);
                if !p.is_empty() {
                    tl.peers.entry(p).or_default().push(i);
                }
            } else if let Some(spn) = e.role(Role::Spn) {
                let p = norm_peer(spn);
                if !p.is_empty() {
                    tl.peers.entry(p).or_default().push(i);
                }
            }
            for r in [Role::RemoteName, Role::RemoteIp, Role::RemoteEndpoint] {
                if let Some(n) = e.role(r) {
                    let n = norm_peer(n);
                    if !n.is_empty() {
                        tl.remotes.entry(n).or_default().push(i);
                    }
                }
            }
            if e.event_id == 20022 {
                for r in [Role::HealthService, Role::Host] {
                    if let Some(n) = e.role(r) {
                        tl.remotes.entry(norm_peer(n)).or_default().push(i);
                    }
                }
            }
        }
        tl.epochs = build_epochs(&tl.events, markers);
        tl.last_success_us = tl
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind(),
                    Some(EventKind::ConfigReceived | EventKind::ChannelUp)
                )
            })
            .map(|e| e.time_us)
            .max();
        tl
    }

    /// The latest epoch.
    pub fn latest_epoch(&self) -> Option<&Epoch> {
        self.epochs.last()
    }

    /// Start of the latest epoch (µs).
    pub fn current_start_us(&self) -> Option<i64> {
        self.latest_epoch().map(|e| e.start_us)
    }

    /// Newest event time.
    pub fn newest_us(&self) -> Option<i64> {
        self.events.iter().map(|e| e.time_us).max()
    }

    /// Whether event `i` lies in the latest epoch (everything counts when no epoch is known).
    pub fn in_current_epoch(&self, i: usize) -> bool {
        match (self.current_start_us(), self.events.get(i)) {
            (Some(s), Some(e)) => e.time_us >= s,
            (None, Some(_)) => true,
            _ => false,
        }
    }

    /// Time of the last proof that the channel to the parent worked (21025, 21026, 1210,
    /// 21017/21019), if any.
    pub fn last_channel_success_us(&self) -> Option<i64> {
        self.last_success_us
    }

    /// Whether a connection failure at index `i` is still current: in the latest epoch and after
    /// the last proof that the channel worked.
    pub fn is_current_failure(&self, i: usize) -> bool {
        let Some(e) = self.events.get(i) else {
            return false;
        };
        self.in_current_epoch(i) && self.last_channel_success_us().is_none_or(|s| e.time_us > s)
    }

    /// Indexes of events with any of `ids` (connector/Health Service).
    pub fn find(&self, ids: &[u16]) -> Vec<usize> {
        self.events
            .iter()
            .enumerate()
            .filter(|(_, e)| ids.iter().any(|id| e.is(*id)))
            .map(|(i, _)| i)
            .collect()
    }

    /// Like [`Timeline::find`], restricted to the latest epoch.
    pub fn find_current(&self, ids: &[u16]) -> Vec<usize> {
        self.find(ids)
            .into_iter()
            .filter(|i| self.in_current_epoch(*i))
            .collect()
    }

    /// Events naming `peer` (initiator side), any of `ids`.
    pub fn toward(&self, peer: &str, ids: &[u16]) -> Vec<usize> {
        let p = norm_peer(peer);
        self.peers
            .iter()
            .filter(|(k, _)| names_match(k, &p))
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|i| ids.iter().any(|id| self.events[*i].is(*id)))
            .collect()
    }

    /// Events naming remote `name`, any of `ids`.
    pub fn about(&self, name: &str, ids: &[u16]) -> Vec<usize> {
        let p = norm_peer(name);
        let mut v: Vec<usize> = self
            .remotes
            .iter()
            .filter(|(k, _)| names_match(k, &p))
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|i| ids.iter().any(|id| self.events[*i].is(*id)))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The most common Computer value.
    pub fn main_computer(&self) -> Option<&str> {
        self.computers
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(k, _)| k.as_str())
    }
}

/// Two host names denote the same machine: equal, or one is the other's first label.
pub fn names_match(a: &str, b: &str) -> bool {
    let a = norm_name(a);
    let b = norm_name(b);
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let la = a.split('.').next().unwrap_or("");
    let lb = b.split('.').next().unwrap_or("");
    (!a.contains('.') || !b.contains('.')) && la == lb && !la.chars().all(|c| c.is_ascii_digit())
}

fn is_load_kind(k: Option<EventKind>) -> bool {
    matches!(
        k,
        Some(
            EventKind::CertLoaded
                | EventKind::CertLoadFailed
                | EventKind::NoCertificateLoaded
                | EventKind::NoCertificateSpecified
        )
    )
}

fn build_epochs(events: &[Ev], markers: &[StartMarker]) -> Vec<Epoch> {
    // Start markers: outside ones plus Service Control Manager 7036 "running" for the Health Service.
    let mut starts: Vec<(i64, String, bool)> = markers
        .iter()
        .map(|m| (m.time_us, m.source.clone(), false))
        .collect();
    for e in events {
        if e.kind() == Some(EventKind::ServiceStarted) {
            let name = e.role(Role::ServiceName).unwrap_or("");
            let state = e.role(Role::ServiceState).unwrap_or("");
            if HEALTH_SERVICE_DISPLAY_NAMES
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name.trim()))
                && state.trim().eq_ignore_ascii_case("running")
            {
                starts.push((
                    e.time_us,
                    format!(
                        "System event 7036 record {} ({} entered the running state)",
                        e.record_id,
                        name.trim()
                    ),
                    false,
                ));
            }
        }
    }
    // Load bursts.
    let loads: Vec<usize> = (0..events.len())
        .filter(|i| is_load_kind(events[*i].kind()))
        .collect();
    let mut bursts: Vec<Vec<usize>> = Vec::new();
    for i in loads {
        match bursts.last_mut() {
            Some(b)
                if b.last()
                    .is_some_and(|l| events[i].time_us - events[*l].time_us <= BURST_GAP_US) =>
            {
                b.push(i)
            }
            _ => bursts.push(vec![i]),
        }
    }
    // A burst without a start marker shortly before it (and after the previous burst) starts an
    // inferred epoch at its first event.
    let mut prev_end: Option<i64> = None;
    for b in &bursts {
        let first = events[b[0]].time_us;
        let has_marker = starts.iter().any(|(t, _, _)| {
            *t <= first + 5_000_000
                && *t >= first - START_LEAD_US
                && prev_end.is_none_or(|p| *t > p)
        });
        if !has_marker {
            let e = &events[b[0]];
            starts.push((
                first,
                format!(
                    "certificate-load burst beginning with {} {} record {} (inferred)",
                    e.provider, e.event_id, e.record_id
                ),
                true,
            ));
        }
        prev_end = b.last().map(|l| events[*l].time_us);
    }
    starts.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
    let mut epochs: Vec<Epoch> = Vec::new();
    for (t, src, inferred) in starts {
        if let Some(last) = epochs.last_mut() {
            if t - last.start_us <= BURST_GAP_US {
                last.start_sources.push(src);
                last.inferred &= inferred;
                continue;
            }
        }
        epochs.push(Epoch {
            start_us: t,
            start_sources: vec![src],
            inferred,
            end_us: None,
            load: LoadOutcome::NotLogged,
            load_events: Vec::new(),
        });
    }
    for i in 0..epochs.len().saturating_sub(1) {
        epochs[i].end_us = Some(epochs[i + 1].start_us);
    }
    // Assign bursts to epochs (a burst belongs to the last epoch starting before it, with slack).
    for b in &bursts {
        let first = events[b[0]].time_us;
        if let Some(ei) = epochs.iter().rposition(|e| e.start_us <= first + 5_000_000) {
            epochs[ei].load_events.extend(b.iter().copied());
        }
    }
    for ep in &mut epochs {
        let kinds: Vec<Option<EventKind>> =
            ep.load_events.iter().map(|i| events[*i].kind()).collect();
        ep.load = if kinds.contains(&Some(EventKind::CertLoaded)) {
            LoadOutcome::Loaded
        } else if kinds.iter().any(|k| {
            matches!(
                k,
                Some(EventKind::CertLoadFailed | EventKind::NoCertificateLoaded)
            )
        }) {
            LoadOutcome::Failed
        } else if kinds.contains(&Some(EventKind::NoCertificateSpecified)) {
            LoadOutcome::NoCertificate
        } else {
            LoadOutcome::NotLogged
        };
    }
    epochs
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::knowledge::events::{lookup, OPSMGR_CONNECTOR};

    /// A connector event for tests.
    pub fn ev(id: u16, t_s: i64, rec: u64, strings: &[&str]) -> Ev {
        let def = lookup(OPSMGR_CONNECTOR, id).or_else(|| lookup("HealthService", id));
        Ev {
            record_id: rec,
            time_us: t_s * 1_000_000,
            provider: def
                .map(|d| d.provider)
                .unwrap_or(OPSMGR_CONNECTOR)
                .to_string(),
            event_id: id,
            level: Some(2),
            computer: "gw01.dmz.contoso.com".into(),
            channel: "Operations Manager".into(),
            strings: strings.iter().map(|s| s.to_string()).collect(),
            file: "test.evtx".into(),
            def,
            mta_message: None,
        }
    }

    #[test]
    fn bursts_make_epochs_and_outcomes() {
        let evs = vec![
            ev(20052, 1000, 1, &["gw01", "gw01.dmz.contoso.com"]),
            ev(21021, 1001, 2, &[]),
            ev(20071, 1100, 3, &["ms01.contoso.com"]),
            ev(20053, 5000, 4, &[]),
            ev(21025, 5100, 5, &["MG1", "abc"]),
        ];
        let tl = Timeline::build(evs, &[]);
        assert_eq!(tl.epochs.len(), 2);
        assert_eq!(tl.epochs[0].load, LoadOutcome::Failed);
        assert!(tl.epochs[0].inferred);
        assert_eq!(tl.epochs[1].load, LoadOutcome::Loaded);
        assert_eq!(tl.epochs[0].end_us, Some(5_000_000_000));
        assert!(!tl.is_current_failure(2));
        assert_eq!(tl.toward("MSOMHSvc/ms01.contoso.com", &[20071]), vec![2]);
    }

    #[test]
    fn a_marker_before_a_burst_is_its_start() {
        let evs = vec![ev(20053, 1000, 1, &[])];
        let tl = Timeline::build(
            evs,
            &[StartMarker {
                time_us: 990 * 1_000_000,
                source: "manifest".into(),
            }],
        );
        assert_eq!(tl.epochs.len(), 1);
        assert_eq!(tl.epochs[0].start_us, 990_000_000);
        assert!(!tl.epochs[0].inferred);
        assert_eq!(tl.epochs[0].load, LoadOutcome::Loaded);
    }

    #[test]
    fn peer_names_are_normalised() {
        assert_eq!(norm_peer("MSOMHSvc/MS01.contoso.com."), "ms01.contoso.com");
        assert_eq!(norm_peer("10.0.0.5:5723"), "10.0.0.5");
        assert!(names_match("gw01", "GW01.dmz.contoso.com"));
        assert!(!names_match("gw01.a.com", "gw01.b.com"));
        assert!(!names_match("10.0.0.1", "10.0.0.2"));
    }
}
