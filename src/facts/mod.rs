//! Facts per machine, built from the bundles of one case.
//!
//! Every fact keeps its source (file, registry key and line, event record) so that rules can
//! cite it. Missing inputs are recorded as [`CheckNotRun`] entries that say which input would
//! enable the check. Nothing here judges; rules do.

pub mod certs;
pub mod identity;
pub mod registry;
pub mod time;
pub mod timeline;

use crate::bundle::{Bundle, Member, MemberKind, Parsed};
use crate::knowledge::events;
use crate::serial::{self, SerialMatch};
use certs::{
    add_cert, scom_name, CertEntry, KeyFacts, KeySource, StoreLocation, StoreName, StoreRef,
};
use identity::{Identity, MachineRole, RoleFacts};
use registry::RegSource;
use scomtriage_parsers::certstore::parse_store_blob;
use scomtriage_parsers::inventory::{Inventory, InventoryEntry};
use scomtriage_parsers::manifest::Manifest;
use scomtriage_parsers::x509::Certificate;
use serde::Serialize;
use timeline::{Ev, StartMarker, Timeline};

/// A problem with the input (unreadable member, limit hit, damaged log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputProblem {
    /// Bundle label and member path.
    pub input: String,
    /// What is wrong.
    pub message: String,
}

/// A check that could not run, and what would enable it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CheckNotRun {
    /// The check.
    pub check: String,
    /// Machine (FQDN or label).
    pub machine: String,
    /// The input that would enable it.
    pub missing_input: String,
    /// Why it matters.
    pub why: String,
}

/// Which inputs a machine's bundle had.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inputs {
    /// `manifest.json`.
    pub manifest: bool,
    /// `certificates/inventory.json`.
    pub inventory: bool,
    /// A registry export with the SCOM `3.0` key.
    pub opsmgr_registry: bool,
    /// A registry export of the LocalMachine certificate stores.
    pub store_registry: bool,
    /// Group Policy certificate stores.
    pub policy_registry: bool,
    /// Enterprise certificate stores.
    pub enterprise_registry: bool,
    /// `Tcpip\Parameters`.
    pub tcpip_registry: bool,
    /// The `Operations Manager` event log.
    pub opsmgr_log: bool,
    /// Any `OpsMgr Connector` or `HealthService` record in the event logs (a file named like
    /// the Operations Manager log may hold none: a wrong export).
    pub scom_events: bool,
    /// The `System` event log.
    pub system_log: bool,
    /// `.cer` exports of LocalMachine\My.
    pub my_exports: bool,
    /// `.cer` exports of LocalMachine\Root.
    pub root_exports: bool,
    /// `.cer` exports of LocalMachine\CA.
    pub ca_exports: bool,
    /// `.p7b` chain files.
    pub chain_files: bool,
    /// Loose certificate files without a store.
    pub loose_certs: bool,
}

impl Inputs {
    /// Whether the content of LocalMachine\My is known (exports, store registry, or inventory).
    pub fn my_store_known(&self) -> bool {
        self.my_exports || self.store_registry || self.inventory
    }
    /// Whether the trusted roots of the machine are known.
    pub fn roots_known(&self) -> bool {
        self.root_exports || self.store_registry
    }
    /// Whether any private-key facts can exist.
    pub fn key_facts_known(&self) -> bool {
        self.inventory || self.store_registry
    }
}

/// A registry value with its location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegFact<T> {
    /// The value.
    pub value: T,
    /// File label.
    pub file: String,
    /// Key path.
    pub key: String,
    /// Value name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
}

impl<T> RegFact<T> {
    /// `file [key] "name" (line n)`.
    pub fn where_(&self) -> String {
        format!(
            "{} [{}] \"{}\" (line {})",
            self.file, self.key, self.name, self.line
        )
    }
}

/// The configured channel certificate (`Machine Settings`, §3.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelConfig {
    /// The SCOM `3.0` registry tree was in the bundle (so an absent value is known to be absent).
    pub registry_known: bool,
    /// `ChannelCertificateSerialNumber` bytes as stored (little-endian).
    pub serial: Option<RegFact<Vec<u8>>>,
    /// `ChannelCertificateHash` as written.
    pub hash: Option<RegFact<String>>,
    /// `ChannelCertificateHash` normalised to 40 upper-case hex digits (None if malformed).
    pub hash_normalized: Option<String>,
    /// Certificates (indexes into [`MachineFacts::certs`]) whose serial relates to the registry
    /// value in a way other than [`SerialMatch::Different`].
    pub serial_relations: Vec<(usize, SerialMatch)>,
    /// The certificate the Health Service would use: serial match in LocalMachine\My (preferring
    /// the one whose thumbprint equals the hash).
    pub selected: Option<usize>,
    /// A serial match found outside LocalMachine\My (e.g. the Operations Manager store).
    pub matched_outside_my: Option<usize>,
    /// The certificate whose thumbprint equals `ChannelCertificateHash`.
    pub hash_cert: Option<usize>,
    /// Inventory entries (without a `.cer`) whose serial matches the registry value.
    pub inventory_matches: Vec<String>,
}

/// How the channel certificate of a machine was identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// By `ChannelCertificateSerialNumber` (observed).
    RegistrySerial,
    /// By `ChannelCertificateHash` only (the serial was absent or matched nothing).
    RegistryHash,
    /// The certificate whose name equals the name in a 20052 event (inference).
    EventName,
    /// The only candidate certificate (inference: no registry export).
    SoleCandidate,
    /// The only candidate named for this machine (inference: no registry export).
    NameMatch,
}

impl Selection {
    /// Whether the identification is an inference.
    pub fn is_inference(self) -> bool {
        matches!(
            self,
            Selection::EventName | Selection::SoleCandidate | Selection::NameMatch
        )
    }
    /// Words for evidence.
    pub fn words(self) -> &'static str {
        match self {
            Selection::RegistrySerial => "selected by ChannelCertificateSerialNumber",
            Selection::RegistryHash => "selected by ChannelCertificateHash",
            Selection::EventName => "assumed: its name is the one event 20052 reports",
            Selection::SoleCandidate => "assumed: the only candidate certificate (no registry export tells which one is configured)",
            Selection::NameMatch => "assumed: the only certificate in LocalMachine\\My named for this machine (no registry export tells which one is configured)",
        }
    }
}

/// A management-group parent from the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParentRef {
    /// Management group.
    pub management_group: String,
    /// Parent FQDN (`NetworkName`).
    pub network_name: String,
    /// Port.
    pub port: Option<u32>,
    /// Where it was read.
    pub source: String,
}

/// A time fact with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeFact {
    /// Seconds since the epoch, UTC.
    pub secs: i64,
    /// Where it came from.
    pub source: String,
}

/// Everything known about one machine.
#[derive(Debug, Clone, Serialize)]
pub struct MachineFacts {
    /// Bundle labels that make up this machine.
    pub labels: Vec<String>,
    /// Identity.
    pub identity: Identity,
    /// Role and version.
    pub role: RoleFacts,
    /// Parents from the registry.
    pub parents: Vec<ParentRef>,
    /// `Server Management Groups` names.
    pub server_management_groups: Vec<String>,
    /// `Agent Management Groups` names.
    pub agent_management_groups: Vec<String>,
    /// Certificates, deduplicated by thumbprint.
    pub certs: Vec<CertEntry>,
    /// Inventory entries with no certificate file (serials and key facts only).
    pub inventory_only: Vec<InventoryEntry>,
    /// Configured channel certificate.
    pub channel: ChannelConfig,
    /// Collection time (manifest, else newest event).
    pub collected_at: Option<TimeFact>,
    /// Health Service start time from the manifest.
    pub hs_started_at: Option<TimeFact>,
    /// Health Service status text from the manifest.
    pub hs_status: Option<String>,
    /// Event timeline.
    pub timeline: Timeline,
    /// Which inputs were present.
    pub inputs: Inputs,
}

impl MachineFacts {
    /// An empty machine (tests build facts directly from this).
    pub fn empty(label: &str) -> MachineFacts {
        MachineFacts {
            labels: vec![label.to_string()],
            identity: Identity::default(),
            role: RoleFacts {
                role: MachineRole::Unknown,
                version: None,
                product: None,
                source: None,
            },
            parents: Vec::new(),
            server_management_groups: Vec::new(),
            agent_management_groups: Vec::new(),
            certs: Vec::new(),
            inventory_only: Vec::new(),
            channel: ChannelConfig::default(),
            collected_at: None,
            hs_started_at: None,
            hs_status: None,
            timeline: Timeline::default(),
            inputs: Inputs::default(),
        }
    }

    /// FQDN, else the bundle label.
    pub fn name(&self) -> String {
        self.identity
            .fqdn
            .clone()
            .unwrap_or_else(|| format!("unknown machine ({})", self.labels.join(", ")))
    }

    /// Role.
    pub fn role(&self) -> MachineRole {
        self.role.role
    }

    /// Collection time in seconds.
    pub fn at(&self) -> Option<i64> {
        self.collected_at.as_ref().map(|t| t.secs)
    }

    /// The channel certificate and how it was identified.
    pub fn channel_cert(&self) -> Option<(usize, Selection)> {
        if let Some(i) = self.channel.selected {
            return Some((i, Selection::RegistrySerial));
        }
        if self.channel.serial.is_none() {
            if let Some(i) = self
                .channel
                .hash_cert
                .filter(|i| self.certs[*i].in_machine_my())
            {
                return Some((i, Selection::RegistryHash));
            }
        }
        if self.channel.registry_known {
            return None;
        }
        // No registry: infer. A 20052 names the certificate SCOM read.
        for i in self.timeline.find(&[20052]).into_iter().rev() {
            if let Some(n) = self.timeline.events[i].role(events::Role::Name) {
                let n = certs::norm_name(n);
                if let Some(ci) = self.candidates().into_iter().find(|ci| {
                    scom_name(&self.certs[*ci].cert)
                        .map(certs::norm_name)
                        .as_deref()
                        == Some(n.as_str())
                }) {
                    return Some((ci, Selection::EventName));
                }
            }
        }
        let c = self.candidates();
        if c.len() == 1 {
            return Some((c[0], Selection::SoleCandidate));
        }
        // Several: the only one named for this machine.
        let fq = self.identity.fqdn.as_deref()?;
        let named: Vec<usize> = c
            .into_iter()
            .filter(|i| {
                scom_name(&self.certs[*i].cert)
                    .map(certs::norm_name)
                    .as_deref()
                    == Some(fq)
            })
            .collect();
        match named.as_slice() {
            [one] => Some((*one, Selection::NameMatch)),
            _ => None,
        }
    }

    /// Leaf certificates that could be the channel certificate: in LocalMachine\My or given as
    /// loose files, not CA certificates.
    pub fn candidates(&self) -> Vec<usize> {
        self.certs
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.is_ca() && (e.in_machine_my() || e.only_loose()))
            .map(|(i, _)| i)
            .collect()
    }

    /// Indexes of trusted roots.
    pub fn trusted_roots(&self) -> Vec<usize> {
        (0..self.certs.len())
            .filter(|i| self.certs[*i].is_trusted_root())
            .collect()
    }

    /// Indexes of certificates the machine's chain engine can use as intermediates.
    pub fn installed(&self) -> Vec<usize> {
        (0..self.certs.len())
            .filter(|i| self.certs[*i].is_installed())
            .collect()
    }
}

/// All machines of one case.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CaseFacts {
    /// Machines, in input order.
    pub machines: Vec<MachineFacts>,
    /// Input problems.
    pub input_problems: Vec<InputProblem>,
    /// Checks that could not run because an input was missing.
    pub checks_not_run: Vec<CheckNotRun>,
}

impl CaseFacts {
    /// Index of the machine named `name` (FQDN or host label).
    pub fn find_machine(&self, name: &str) -> Option<usize> {
        let n = certs::norm_name(name);
        self.machines
            .iter()
            .position(|m| m.identity.fqdn.as_deref() == Some(n.as_str()))
            .or_else(|| {
                self.machines.iter().position(|m| {
                    m.identity
                        .fqdn
                        .as_deref()
                        .is_some_and(|f| timeline::names_match(f, &n))
                })
            })
    }
}

/// What a member is for the diagnosis, from its path (case-insensitive, any prefix folder).
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathRole {
    Store(StoreName),
    Chain,
    Other,
}

fn path_role(path: &str) -> PathRole {
    let p = path.replace('\\', "/");
    let inner = p.rsplit('!').next().unwrap_or(&p).to_ascii_lowercase();
    let orig_inner = p.rsplit('!').next().unwrap_or(&p).to_string();
    if let Some(pos) = inner.find("certificates/localmachine/") {
        let rest = &orig_inner[pos + "certificates/localmachine/".len()..];
        if let Some((store, _file)) = rest.split_once('/') {
            return PathRole::Store(StoreName::parse(store));
        }
    }
    if inner.contains("certificates/chains/") || inner.ends_with(".p7b") || inner.ends_with(".p7c")
    {
        return PathRole::Chain;
    }
    PathRole::Other
}

/// The filter the analyzer reads event logs with.
pub fn event_filter() -> scomtriage_parsers::EventFilter {
    scomtriage_parsers::EventFilter {
        providers: Some(
            events::RELEVANT_PROVIDERS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        event_ids: None,
    }
}

struct Draft<'a> {
    labels: Vec<String>,
    members: Vec<(&'a str, &'a Member)>,
    key: Option<String>,
}

fn quick_identity(members: &[(&str, &Member)]) -> Option<String> {
    for (_, m) in members {
        if let Ok(Parsed::Manifest(man)) = &m.content {
            if let Some(c) = &man.computer {
                if let Some(f) = c.fqdn.as_deref().filter(|s| !s.trim().is_empty()) {
                    return Some(certs::norm_name(f));
                }
            }
        }
    }
    let regs: Vec<RegSource<'_>> = members
        .iter()
        .filter_map(|(l, m)| match &m.content {
            Ok(Parsed::Registry(r)) => Some(RegSource {
                file: l,
                reg: &r.file,
            }),
            _ => None,
        })
        .collect();
    let id = Identity::build(None, &regs, None);
    if id.fqdn.is_some() {
        return id.fqdn;
    }
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for (_, m) in members {
        if let Ok(Parsed::Evtx(log)) = &m.content {
            for r in &log.records {
                if !r.computer.is_empty() {
                    *counts.entry(certs::norm_name(&r.computer)).or_default() += 1;
                }
            }
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(k, _)| k)
}

/// Build the facts of a case from its bundles. Bundles naming the same machine are merged; a
/// bundle of loose files that names no machine joins the only named machine, if there is one.
pub fn build_case(bundles: &[Bundle]) -> CaseFacts {
    let mut case = CaseFacts::default();
    let mut drafts: Vec<Draft<'_>> = Vec::new();
    for b in bundles {
        for p in &b.problems {
            case.input_problems.push(InputProblem {
                input: format!("{}: {}", b.label, p.path),
                message: p.message.clone(),
            });
        }
        for m in &b.members {
            if m.kind == MemberKind::Unknown {
                case.input_problems.push(InputProblem {
                    input: format!("{}: {}", b.label, m.path),
                    message: "not a recognised input (certificate, .p7b, .reg, .evtx, manifest or inventory); ignored".into(),
                });
            }
            for w in &m.warnings {
                case.input_problems.push(InputProblem {
                    input: format!("{}: {}", b.label, m.path),
                    message: w.clone(),
                });
            }
        }
        if b.members.is_empty() {
            continue;
        }
        let members: Vec<(&str, &Member)> =
            b.members.iter().map(|m| (b.label.as_str(), m)).collect();
        let key = quick_identity(&members);
        if let Some(d) = drafts.iter_mut().find(|d| d.key.is_some() && d.key == key) {
            d.labels.push(b.label.clone());
            d.members.extend(members);
        } else {
            drafts.push(Draft {
                labels: vec![b.label.clone()],
                members,
                key,
            });
        }
    }
    let named = drafts.iter().filter(|d| d.key.is_some()).count();
    if named == 1 && drafts.len() > 1 {
        let (mut keep, moved): (Vec<Draft<'_>>, Vec<Draft<'_>>) =
            drafts.into_iter().partition(|d| d.key.is_some());
        for m in moved {
            keep[0].labels.extend(m.labels);
            keep[0].members.extend(m.members);
        }
        drafts = keep;
    }
    for d in &drafts {
        let (m, problems) = build_machine(&d.labels, &d.members);
        case.input_problems.extend(problems);
        case.machines.push(m);
    }
    case.checks_not_run = base_checks_not_run(&case);
    case
}

fn member_label(bundle: &str, m: &Member) -> String {
    format!("{bundle}: {}", m.path)
}

fn build_machine(
    labels: &[String],
    members: &[(&str, &Member)],
) -> (MachineFacts, Vec<InputProblem>) {
    let mut mf = MachineFacts::empty(labels.first().map(|s| s.as_str()).unwrap_or("input"));
    mf.labels = labels.to_vec();
    let mut problems = Vec::new();
    let mut manifest: Option<(String, &Manifest)> = None;
    let mut inventory: Option<(String, &Inventory)> = None;
    let mut reg_files: Vec<(String, &scomtriage_parsers::registry::RegFile)> = Vec::new();
    let mut evs: Vec<Ev> = Vec::new();
    for (bundle, m) in members {
        let label = member_label(bundle, m);
        let parsed = match &m.content {
            Ok(p) => p,
            Err(e) => {
                problems.push(InputProblem {
                    input: label,
                    message: e.clone(),
                });
                continue;
            }
        };
        match parsed {
            Parsed::Manifest(man) => {
                if manifest.is_none() {
                    manifest = Some((label, man));
                }
                mf.inputs.manifest = true;
            }
            Parsed::Inventory(inv) => {
                if inventory.is_none() {
                    inventory = Some((label, inv));
                }
                mf.inputs.inventory = true;
            }
            Parsed::Certificates(list) => {
                let role = path_role(&m.path);
                let (location, store) = match role {
                    PathRole::Store(s) => (StoreLocation::LocalMachine, s),
                    PathRole::Chain => (StoreLocation::File, StoreName::Chain),
                    PathRole::Other => (StoreLocation::File, StoreName::Loose),
                };
                match &store {
                    StoreName::My if location == StoreLocation::LocalMachine => {
                        mf.inputs.my_exports = true
                    }
                    StoreName::Root if location == StoreLocation::LocalMachine => {
                        mf.inputs.root_exports = true
                    }
                    StoreName::Ca if location == StoreLocation::LocalMachine => {
                        mf.inputs.ca_exports = true
                    }
                    StoreName::Chain => mf.inputs.chain_files = true,
                    StoreName::Loose => mf.inputs.loose_certs = true,
                    _ => {}
                }
                for c in list {
                    add_cert(
                        &mut mf.certs,
                        c.clone(),
                        StoreRef {
                            location,
                            store: store.clone(),
                            source: label.clone(),
                        },
                    );
                }
            }
            Parsed::Pkcs7(list) => {
                mf.inputs.chain_files = true;
                for c in list {
                    add_cert(
                        &mut mf.certs,
                        c.clone(),
                        StoreRef {
                            location: StoreLocation::File,
                            store: StoreName::Chain,
                            source: label.clone(),
                        },
                    );
                }
            }
            Parsed::Registry(rp) => {
                if !rp.problems.is_empty() {
                    problems.push(InputProblem {
                        input: label.clone(),
                        message: format!(
                            "{} line(s) skipped, first at line {}: {}",
                            rp.problems.len(),
                            rp.problems[0].line,
                            rp.problems[0].message
                        ),
                    });
                }
                reg_files.push((label, &rp.file));
            }
            Parsed::Evtx(log) => {
                let i = &log.integrity;
                if i.truncated || !i.bad_checksum_chunks.is_empty() || i.record_errors > 0 {
                    problems.push(InputProblem {
                        input: label.clone(),
                        message: format!(
                            "event log damaged: truncated={}, bad chunks={:?}, record errors={}{}",
                            i.truncated,
                            i.bad_checksum_chunks,
                            i.record_errors,
                            i.first_error
                                .as_deref()
                                .map(|e| format!(" (first: {e})"))
                                .unwrap_or_default()
                        ),
                    });
                }
                let scom_providers = log.providers.keys().any(|p| {
                    p.eq_ignore_ascii_case(events::OPSMGR_CONNECTOR)
                        || p.eq_ignore_ascii_case(events::HEALTH_SERVICE)
                });
                mf.inputs.scom_events |= scom_providers;
                let mut saw_opsmgr = scom_providers;
                let lower = m.path.to_ascii_lowercase();
                if lower.ends_with("operations manager.evtx") {
                    saw_opsmgr = true;
                }
                for r in &log.records {
                    if r.channel.eq_ignore_ascii_case("Operations Manager") {
                        saw_opsmgr = true;
                    }
                    if r.provider.eq_ignore_ascii_case(events::OPSMGR_CONNECTOR)
                        || r.provider.eq_ignore_ascii_case(events::HEALTH_SERVICE)
                    {
                        mf.inputs.scom_events = true;
                    }
                    if r.channel.eq_ignore_ascii_case("System") {
                        mf.inputs.system_log = true;
                    }
                    evs.push(Ev {
                        record_id: r.record_id,
                        time_us: r.time_us,
                        provider: r.provider.clone(),
                        event_id: r.event_id,
                        level: r.level,
                        computer: r.computer.clone(),
                        channel: r.channel.clone(),
                        strings: r.data.iter().map(|(_, v)| v.clone()).collect(),
                        file: label.clone(),
                        def: events::lookup(&r.provider, r.event_id),
                        mta_message: r.message.clone(),
                    });
                }
                if lower.ends_with("system.evtx") {
                    mf.inputs.system_log = true;
                }
                mf.inputs.opsmgr_log |= saw_opsmgr;
            }
            Parsed::Nothing => {}
        }
    }
    let regs: Vec<RegSource<'_>> = reg_files
        .iter()
        .map(|(l, r)| RegSource {
            file: l.as_str(),
            reg: r,
        })
        .collect();
    mf.inputs.opsmgr_registry = registry::has_opsmgr(&regs);
    mf.inputs.tcpip_registry = !registry::keys_ending_with(&regs, registry::TCPIP).is_empty();

    // Certificates from store blobs.
    read_store_blobs(&mut mf, &regs, &mut problems);

    // Timeline.
    let mut markers = Vec::new();
    if let Some((file, man)) = &manifest {
        if let Some(hs) = &man.health_service {
            mf.hs_status = hs.status.clone();
            if let Some(s) = hs.started_at.as_deref().and_then(time::parse_rfc3339) {
                mf.hs_started_at = Some(TimeFact {
                    secs: s,
                    source: format!("{file} health_service.started_at"),
                });
                markers.push(StartMarker {
                    time_us: s * 1_000_000,
                    source: format!("{file} health_service.started_at"),
                });
            }
        }
    }
    mf.timeline = Timeline::build(evs, &markers);

    // Identity and role.
    let man_ref = manifest.as_ref().map(|(f, m)| (f.as_str(), *m));
    let main_computer = mf.timeline.main_computer().map(|s| s.to_string());
    mf.identity = Identity::build(man_ref, &regs, main_computer.as_deref());
    mf.role = RoleFacts::build(man_ref, &regs);

    // Collection time.
    if let Some((file, man)) = &manifest {
        if let Some(s) = man.collected_at.as_deref().and_then(time::parse_rfc3339) {
            mf.collected_at = Some(TimeFact {
                secs: s,
                source: format!("{file} collected_at"),
            });
        }
    }
    if mf.collected_at.is_none() {
        if let Some(t) = mf.timeline.newest_us() {
            mf.collected_at = Some(TimeFact {
                secs: t.div_euclid(1_000_000),
                source: "newest event in the bundle (no manifest collected_at)".into(),
            });
        }
    }

    // Parents and management groups.
    read_parents(&mut mf, &regs);

    // Inventory (overrides blob key facts).
    if let Some((file, inv)) = &inventory {
        apply_inventory(&mut mf, file, inv);
    }

    // Channel certificate configuration.
    mf.channel = read_channel(&mf, &regs);
    (mf, problems)
}

fn read_store_blobs(
    mf: &mut MachineFacts,
    regs: &[RegSource<'_>],
    problems: &mut Vec<InputProblem>,
) {
    for s in regs {
        for k in &s.reg.keys {
            let n = registry::norm_key(&k.path);
            if n.contains("\\policies\\microsoft\\systemcertificates") {
                mf.inputs.policy_registry = true;
            } else if n.contains("\\microsoft\\enterprisecertificates") {
                mf.inputs.enterprise_registry = true;
            } else if n.contains("\\microsoft\\systemcertificates")
                && n.starts_with("hkey_local_machine")
            {
                mf.inputs.store_registry = true;
            }
            if k.deleted {
                continue;
            }
            let Some(sk) = registry::store_key(&k.path) else {
                continue;
            };
            let Some(blob_v) = registry::value(k, "Blob") else {
                continue;
            };
            let Some(bytes) = registry::as_bytes(blob_v) else {
                continue;
            };
            let where_ = format!("{} [{}] \"Blob\" (line {})", s.file, k.path, blob_v.line);
            let blob = match parse_store_blob(bytes) {
                Ok(b) => b,
                Err(e) => {
                    problems.push(InputProblem {
                        input: where_,
                        message: format!("store blob unreadable: {e}"),
                    });
                    continue;
                }
            };
            let Some(der) = &blob.certificate_der else {
                continue;
            };
            let cert = match Certificate::from_der(der) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(InputProblem {
                        input: where_,
                        message: format!("certificate in store blob unreadable: {e}"),
                    });
                    continue;
                }
            };
            let store = StoreName::parse(&sk.store);
            let idx = add_cert(
                &mut mf.certs,
                cert,
                StoreRef {
                    location: sk.location,
                    store: store.clone(),
                    source: where_.clone(),
                },
            );
            let e = &mut mf.certs[idx];
            if e.friendly_name.is_none() {
                e.friendly_name = blob.friendly_name.clone();
            }
            // Property 19 = CERT_ARCHIVED_PROP_ID: hidden from enumeration and exports.
            if blob.properties.iter().any(|(id, _)| *id == 19) {
                e.archived = Some(true);
            }
            if store == StoreName::My && e.key.source != KeySource::Inventory {
                e.key = match &blob.key_prov_info {
                    Some(kp) => KeyFacts {
                        source: KeySource::StoreBlob,
                        origin: where_,
                        present: Some(true),
                        provider_name: kp.provider.clone(),
                        provider_type: Some(kp.provider_type),
                        key_spec: Some(kp.key_spec),
                        machine_keyset: Some(kp.flags & 0x20 != 0),
                        is_cng: Some(kp.provider_type == 0),
                        accessible: None,
                        access_error: None,
                    },
                    None => KeyFacts {
                        source: KeySource::StoreBlob,
                        origin: where_,
                        present: Some(false),
                        ..KeyFacts::unknown()
                    },
                };
            }
        }
    }
}

fn apply_inventory(mf: &mut MachineFacts, file: &str, inv: &Inventory) {
    for entry in &inv.certificates {
        let Some(tp) = entry
            .thumbprint
            .as_deref()
            .and_then(serial::normalize_thumbprint)
        else {
            mf.inventory_only.push(entry.clone());
            continue;
        };
        let Some(i) = mf
            .certs
            .iter()
            .position(|e| e.cert.thumbprint_sha1.eq_ignore_ascii_case(&tp))
        else {
            mf.inventory_only.push(entry.clone());
            continue;
        };
        let e = &mut mf.certs[i];
        if let Some(a) = entry.archived {
            e.archived = Some(a);
        }
        if entry.friendly_name.is_some() {
            e.friendly_name = entry.friendly_name.clone();
        }
        let origin = format!("{file} (thumbprint {tp})");
        match (&entry.private_key, entry.has_private_key) {
            (Some(pk), hp) => {
                e.key = KeyFacts {
                    source: KeySource::Inventory,
                    origin,
                    present: Some(hp.unwrap_or(true)),
                    provider_name: pk.provider_name.clone(),
                    provider_type: pk.provider_type,
                    key_spec: pk.key_spec,
                    machine_keyset: pk.machine_keyset,
                    is_cng: pk.is_cng,
                    accessible: pk.accessible,
                    access_error: pk.access_error.clone(),
                };
            }
            (None, Some(false)) => {
                e.key = KeyFacts {
                    source: KeySource::Inventory,
                    origin,
                    present: Some(false),
                    ..KeyFacts::unknown()
                };
            }
            (None, Some(true)) => {
                e.key = KeyFacts {
                    source: KeySource::Inventory,
                    origin,
                    present: Some(true),
                    ..KeyFacts::unknown()
                };
            }
            (None, None) => {}
        }
    }
}

fn read_parents(mf: &mut MachineFacts, regs: &[RegSource<'_>]) {
    for (base, is_agent) in [(registry::AGENT_MGS, true), (registry::SERVER_MGS, false)] {
        for (_, k) in registry::children_of(regs, base) {
            let mg = k.leaf_name().to_string();
            let list = if is_agent {
                &mut mf.agent_management_groups
            } else {
                &mut mf.server_management_groups
            };
            if !list.iter().any(|m| m.eq_ignore_ascii_case(&mg)) {
                list.push(mg.clone());
            }
            let phs = format!("{base}\\{mg}\\Parent Health Services");
            for (file, pk) in registry::children_of(regs, &phs) {
                let Some(nn) = registry::value(pk, "NetworkName").and_then(registry::as_text)
                else {
                    continue;
                };
                let port = registry::value(pk, "Port").and_then(registry::as_dword);
                let line = registry::value(pk, "NetworkName")
                    .map(|v| v.line)
                    .unwrap_or(pk.line);
                mf.parents.push(ParentRef {
                    management_group: mg.clone(),
                    network_name: certs::norm_name(nn),
                    port,
                    source: format!("{file} [{}] \"NetworkName\" (line {line})", pk.path),
                });
            }
        }
    }
}

fn read_channel(mf: &MachineFacts, regs: &[RegSource<'_>]) -> ChannelConfig {
    let mut ch = ChannelConfig {
        registry_known: mf.inputs.opsmgr_registry,
        ..ChannelConfig::default()
    };
    if let Some(l) = registry::find_value(
        regs,
        registry::MACHINE_SETTINGS,
        "ChannelCertificateSerialNumber",
    ) {
        let bytes = registry::as_bytes(l.value).map(|b| b.to_vec()).or_else(|| {
            // Hand-written values sometimes hold the hex as a string.
            registry::as_text(l.value).and_then(|s| {
                let h: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
                (h.len().is_multiple_of(2) && !h.is_empty()).then(|| {
                    (0..h.len())
                        .step_by(2)
                        .filter_map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok())
                        .collect()
                })
            })
        });
        if let Some(b) = bytes {
            ch.serial = Some(RegFact {
                value: b,
                file: l.file.to_string(),
                key: l.key.path.clone(),
                name: "ChannelCertificateSerialNumber".into(),
                line: l.value.line,
            });
        }
    }
    if let Some(l) =
        registry::find_value(regs, registry::MACHINE_SETTINGS, "ChannelCertificateHash")
    {
        if let Some(t) = registry::as_text(l.value) {
            ch.hash_normalized = serial::normalize_thumbprint(t);
            ch.hash = Some(RegFact {
                value: t.to_string(),
                file: l.file.to_string(),
                key: l.key.path.clone(),
                name: "ChannelCertificateHash".into(),
                line: l.value.line,
            });
        }
    }
    if let Some(h) = &ch.hash_normalized {
        ch.hash_cert = mf
            .certs
            .iter()
            .position(|e| e.cert.thumbprint_sha1.eq_ignore_ascii_case(h));
    }
    if let Some(s) = &ch.serial {
        for (i, e) in mf.certs.iter().enumerate() {
            let m = serial::compare(&s.value, &e.cert.serial);
            if m != SerialMatch::Different {
                ch.serial_relations.push((i, m));
            }
        }
        let matches: Vec<usize> = ch
            .serial_relations
            .iter()
            .filter(|(_, m)| m.is_match())
            .map(|(i, _)| *i)
            .collect();
        let in_my: Vec<usize> = matches
            .iter()
            .copied()
            .filter(|i| mf.certs[*i].in_machine_my())
            .collect();
        let loose: Vec<usize> = matches
            .iter()
            .copied()
            .filter(|i| mf.certs[*i].only_loose())
            .collect();
        let pick = |v: &[usize]| -> Option<usize> {
            v.iter()
                .copied()
                .find(|i| Some(*i) == ch.hash_cert)
                .or_else(|| v.first().copied())
        };
        ch.selected = pick(&in_my).or_else(|| {
            if mf.inputs.my_store_known() {
                None
            } else {
                pick(&loose)
            }
        });
        if ch.selected.is_none() {
            ch.matched_outside_my = matches.first().copied();
        }
        for entry in &mf.inventory_only {
            let in_my = entry
                .store
                .as_deref()
                .is_some_and(|s| s.replace('/', "\\").to_ascii_lowercase().ends_with("\\my"));
            if !in_my || entry.archived == Some(true) {
                continue;
            }
            if let Some(sn) = &entry.serial_number {
                let h: String = sn.chars().filter(|c| c.is_ascii_hexdigit()).collect();
                let b: Vec<u8> = (0..h.len() / 2)
                    .filter_map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
                    .collect();
                if serial::compare(&s.value, &b).is_match() {
                    ch.inventory_matches.push(format!(
                        "{} in {}",
                        entry.thumbprint.clone().unwrap_or_default(),
                        entry.store.clone().unwrap_or_default()
                    ));
                }
            }
        }
    }
    ch
}

fn base_checks_not_run(case: &CaseFacts) -> Vec<CheckNotRun> {
    let mut out = Vec::new();
    for m in &case.machines {
        let name = m.name();
        let mut add = |check: &str, missing: &str, why: &str| {
            out.push(CheckNotRun {
                check: check.into(),
                machine: name.clone(),
                missing_input: missing.into(),
                why: why.into(),
            })
        };
        if !m.inputs.opsmgr_registry {
            add(
                "registry serial comparison",
                "registry/opsmgr.reg (reg export of HKLM\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0)",
                "without Machine Settings\\ChannelCertificateSerialNumber the configured certificate cannot be identified or compared",
            );
        }
        if !m.inputs.opsmgr_log {
            add(
                "event correlation",
                "eventlogs/Operations Manager.evtx",
                "certificate load results, connection failures and approval events cannot be seen or linked to causes",
            );
        } else if !m.inputs.scom_events {
            add(
                "event correlation",
                "OpsMgr Connector or HealthService events: the event log given holds none (is it an export of the Operations Manager log?)",
                "certificate load results, connection failures and approval events cannot be seen or linked to causes",
            );
        }
        if !m.inputs.key_facts_known() {
            add(
                "private-key checks (presence, KeySpec, CSP or KSP)",
                "certificates/inventory.json or registry/systemcertificates.reg",
                ".cer and .p7b files never carry private-key facts",
            );
        }
        if !m.inputs.roots_known() {
            add(
                "trusted-root checks on this machine",
                "certificates/LocalMachine/Root/*.cer or registry/systemcertificates.reg",
                "without the machine's trusted roots neither its own chain nor its trust of peers can be judged",
            );
        }
        if m.collected_at.is_none() {
            add(
                "validity at collection time",
                "manifest.json collected_at (or any event log)",
                "validity is judged at the bundle's collection time, never the analyzer's clock",
            );
        }
        if m.identity.fqdn.is_none() {
            add(
                "certificate name check",
                "manifest.json computer.fqdn or registry/tcpip.reg",
                "the name on the certificate must equal the machine's FQDN",
            );
        }
    }
    if !case.machines.is_empty() {
        out.push(CheckNotRun {
            check: "revocation".into(),
            machine: "all machines".into(),
            missing_input: "nothing a bundle can hold: revocation needs the CRL or OCSP responder, which an offline analysis cannot reach".into(),
            why: "a revoked certificate or an unreachable CRL (0x80092013) is not detected from certificates; only events show it".into(),
        });
    }
    if case.machines.len() == 1 {
        let m = &case.machines[0];
        let parents: Vec<String> = m.parents.iter().map(|p| p.network_name.clone()).collect();
        let missing = if parents.is_empty() {
            "the bundle of the peer (parent management server or gateway, or the child)".to_string()
        } else {
            format!("the bundle of {}", parents.join(", "))
        };
        out.push(CheckNotRun {
            check: "peer trust in both directions".into(),
            machine: m.name(),
            missing_input: missing,
            why: "whether the peer trusts this machine's CA (and the other way round) needs the peer's trusted roots".into(),
        });
    }
    out.sort();
    out.dedup();
    out
}
