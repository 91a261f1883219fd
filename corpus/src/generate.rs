//! From a [`Scenario`] to bundle zips (one per machine) and the `expected.json` entry.
//!
//! # Output of `corpus-gen OUTDIR`
//!
//! ```text
//! OUTDIR/expected.json
//! OUTDIR/<scenario id>/<machine id>.zip     one per machine, also for one-machine cases
//! ```
//!
//! Each zip follows `../shared/spec/bundle-v1.md`: `manifest.json`,
//! `certificates/inventory.json`, `certificates/LocalMachine/{My,Root,CA,Operations
//! Manager}/<SHA1>.cer`, `certificates/chains/*.p7b`, `registry/{opsmgr, healthservice,
//! systemcertificates, policy-systemcertificates, enterprise-certificates, tcpip}.reg`
//! (the policy/enterprise exports only on domain members or when they hold roots, else a
//! collector error as `reg export` would give), `eventlogs/Operations Manager.evtx`,
//! `collector.log`. Entries are sorted, stamped with the collection time, deflated.
//!
//! `expected.json`:
//!
//! ```json
//! { "format": "scomtriage-corpus-expected", "format_version": 1,
//!   "cause_ids": ["name_mismatch", …],
//!   "scenarios": [
//!     { "id": "peer_untrusted", "description": "…", "collected_at": "2026-11-20T14:03:11Z",
//!       "bundles": [ { "machine": "gw01", "fqdn": "gw01.dmz.contoso.com", "role": "gateway",
//!                      "path": "peer_untrusted/gw01.zip", "members": ["…"],
//!                      "event_count": 947, "evtx_damage": null } ],
//!       "expect":  [ { "machine": "gw01", "fqdn": "gw01.dmz.contoso.com",
//!                      "top": "peer_untrusted", "healthy": false,
//!                      "not": ["name_mismatch", …], "order": [["a", "b"]], "note": null } ] } ] }
//! ```
//!
//! `event_count` is the number of events given to the writer (before any damage).
//! JSON is written with sorted keys (see [`json_bytes`]).

use crate::bundlezip::{self, ZipError};
use crate::certs::{self, BuiltCert, CertError};
use crate::events::{self, Ev, NoiseCtx, NoiseKind, CONNECTOR, HEALTH_SERVICE};
use crate::evtx::{self, Damage, WriterOptions};
use crate::hex;
use crate::p7b;
use crate::regfile::{RegTree, RegValue};
use crate::rng::Rng;
use crate::scenario::{
    self, CertSpec, DetailedEntry, ExplicitKey, FailPattern, Load, MachineSpec, Member,
    NoiseProfile, P7bEncoding, ParentPattern, Role, Scenario, ScenarioError, Step, StoreEntry,
    Templates,
};
use crate::storeblob::{self, BlobInput};
use crate::timeexpr;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use thiserror::Error;

/// Errors generating bundles.
#[derive(Debug, Error)]
pub enum GenError {
    /// Scenario problem.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// Certificate problem.
    #[error(transparent)]
    Cert(#[from] CertError),
    /// Zip problem.
    #[error(transparent)]
    Zip(#[from] ZipError),
    /// Writing output failed.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Error.
        source: std::io::Error,
    },
    /// Anything else wrong with a scenario's content.
    #[error("scenario `{scenario}`: {problem}")]
    Invalid {
        /// Scenario.
        scenario: String,
        /// What.
        problem: String,
    },
}

/// One generated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Scenario id.
    pub scenario: String,
    /// Machine id.
    pub machine: String,
    /// FQDN.
    pub fqdn: String,
    /// Role.
    pub role: Role,
    /// Path relative to the output directory.
    pub rel_path: String,
    /// Members (bundle path → bytes).
    pub members: BTreeMap<String, Vec<u8>>,
    /// The zip.
    pub zip: Vec<u8>,
    /// Number of events given to the EVTX writer.
    pub event_count: usize,
}

/// Store names as the registry and the bundle spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Store {
    My,
    Root,
    Ca,
    OpsMgr,
}

impl Store {
    fn bundle_dir(self) -> &'static str {
        match self {
            Store::My => "My",
            Store::Root => "Root",
            Store::Ca => "CA",
            Store::OpsMgr => "Operations Manager",
        }
    }
    fn registry_key(self) -> &'static str {
        match self {
            Store::My => "MY",
            Store::Root => "ROOT",
            Store::Ca => "CA",
            Store::OpsMgr => "Operations Manager",
        }
    }
}

/// A certificate placed in a store, with its resolved key facts.
#[derive(Debug, Clone)]
struct Placed {
    store: Store,
    cert: String,
    key: Option<ExplicitKey>,
    friendly_name: Option<String>,
    archived: bool,
}

fn install_dir(role: Role) -> &'static str {
    match role {
        Role::Agent => "C:\\Program Files\\Microsoft Monitoring Agent\\Agent\\",
        Role::Gateway => {
            "C:\\Program Files\\Microsoft System Center\\Operations Manager\\Gateway\\"
        }
        Role::ManagementServer => {
            "C:\\Program Files\\Microsoft System Center\\Operations Manager\\Server\\"
        }
    }
}

fn scom_year(version: &str) -> &'static str {
    if version.starts_with("10.25") {
        "2025"
    } else if version.starts_with("10.22") {
        "2022"
    } else if version.starts_with("10.19") {
        "2019"
    } else if version.starts_with("7.2") {
        "2016"
    } else {
        "2022"
    }
}

fn product(role: Role, version: &str) -> String {
    let year = scom_year(version);
    match role {
        Role::Agent => "Microsoft Monitoring Agent".to_string(),
        Role::Gateway => format!("System Center Operations Manager {year} Gateway Server"),
        Role::ManagementServer => format!("System Center Operations Manager {year} Server"),
    }
}

fn time_zone_offset(id: &str) -> i32 {
    match id {
        "Tokyo Standard Time" => 540,
        "W. Europe Standard Time" | "Romance Standard Time" | "Central Europe Standard Time" => 60,
        "GMT Standard Time" | "UTC" => 0,
        "Eastern Standard Time" => -300,
        "Central Standard Time" => -360,
        "Pacific Standard Time" => -480,
        "AUS Eastern Standard Time" => 660,
        "India Standard Time" => 330,
        _ => 0,
    }
}

fn os_version(caption: &str) -> &'static str {
    if caption.contains("2025") {
        "10.0.26100"
    } else if caption.contains("2019") {
        "10.0.17763"
    } else if caption.contains("2016") {
        "10.0.14393"
    } else if caption.contains("2012 R2") {
        "6.3.9600"
    } else {
        "10.0.20348"
    }
}

/// The machine's IPv4 address (explicit or derived from the machine id).
pub fn machine_ip(id: &str, m: &MachineSpec) -> String {
    if let Some(ip) = &m.ip {
        return ip.clone();
    }
    let mut rng = Rng::from_text(&format!("ip:{id}"));
    let (a, b) = match m.role {
        Role::Gateway => (172, 16 + rng.below(16)),
        _ => (10, 1 + rng.below(250)),
    };
    format!("{a}.{b}.{}.{}", 1 + rng.below(250), 10 + rng.below(240))
}

fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// Everything resolved for one scenario before bundles are written.
struct Plan<'a> {
    s: &'a Scenario,
    base: Timestamp,
    specs: BTreeMap<String, CertSpec>,
    built: BTreeMap<String, BuiltCert>,
    default_roots: Vec<String>,
}

impl<'a> Plan<'a> {
    fn new(s: &'a Scenario, t: &Templates) -> Result<Self, GenError> {
        let base: Timestamp = s.collected_at.parse().map_err(|e| GenError::Invalid {
            scenario: s.id.clone(),
            problem: format!("collected_at: {e}"),
        })?;
        let mut specs = scenario::all_certs(s, t);
        let mut wanted: Vec<String> = Vec::new();
        for (mid, m) in &s.machines {
            for e in
                m.my.iter()
                    .chain(m.root.iter().flatten())
                    .chain(m.ca.iter().flatten())
                    .chain(m.operations_manager.iter())
            {
                wanted.push(e.cert().to_string());
            }
            wanted.extend(m.gpo_root.iter().cloned());
            wanted.extend(m.enterprise_root.iter().cloned());
            for ch in &m.chains {
                wanted.extend(ch.certs.iter().cloned());
            }
            if let Some(c) = m.channel_cert_id() {
                wanted.push(c.to_string());
            }
            if m.default_roots {
                wanted.extend(t.default_roots.iter().cloned());
            }
            if m.remote_desktop_cert {
                let id = rdp_id(mid);
                specs.insert(
                    id.clone(),
                    CertSpec {
                        cn: Some(m.fqdn.clone()),
                        key: "rsa2048-f".into(),
                        not_before: Some("-120d".into()),
                        not_after: Some("+62d".into()),
                        eku: Some(vec![scenario::Eku::ServerAuth]),
                        key_usage: Some(vec![
                            scenario::KeyUsage::KeyEncipherment,
                            scenario::KeyUsage::DataEncipherment,
                        ]),
                        serial: Some(rdp_serial(mid)),
                        ..CertSpec::default()
                    },
                );
                wanted.push(id);
            }
        }
        wanted.sort();
        wanted.dedup();
        let built = certs::build_all(&specs, &wanted, base)?;
        Ok(Plan {
            s,
            base,
            specs,
            built,
            default_roots: t.default_roots.clone(),
        })
    }

    fn time(&self, text: &str) -> Result<Timestamp, GenError> {
        timeexpr::resolve(text, self.base).map_err(|e| GenError::Invalid {
            scenario: self.s.id.clone(),
            problem: e.to_string(),
        })
    }

    fn every(&self, text: &Option<String>, default: &str) -> Result<i64, GenError> {
        timeexpr::parse_duration(text.as_deref().unwrap_or(default)).map_err(|e| {
            GenError::Invalid {
                scenario: self.s.id.clone(),
                problem: e.to_string(),
            }
        })
    }

    fn cert(&self, id: &str) -> Result<&BuiltCert, GenError> {
        self.built.get(id).ok_or_else(|| GenError::Invalid {
            scenario: self.s.id.clone(),
            problem: format!("certificate `{id}` was not built"),
        })
    }

    /// Store contents of a machine, resolved.
    fn stores(&self, m: &MachineSpec) -> Vec<Placed> {
        let mut out = Vec::new();
        let place = |store: Store, e: &StoreEntry| -> Placed {
            match e {
                StoreEntry::Id(id) => Placed {
                    store,
                    cert: id.clone(),
                    key: storeblob::resolve(None, store == Store::My),
                    friendly_name: None,
                    archived: false,
                },
                StoreEntry::Detailed(DetailedEntry {
                    cert,
                    key,
                    friendly_name,
                    archived,
                }) => Placed {
                    store,
                    cert: cert.clone(),
                    key: storeblob::resolve(key.as_ref(), store == Store::My),
                    friendly_name: friendly_name.clone(),
                    archived: *archived,
                },
            }
        };
        for e in &m.my {
            out.push(place(Store::My, e));
        }
        let mut chain_roots = Vec::new();
        let mut chain_cas = Vec::new();
        for e in &m.my {
            let above = certs::chain_above(e.cert(), &self.specs);
            match above.split_last() {
                Some((root, cas)) => {
                    chain_roots.push(root.clone());
                    chain_cas.extend(cas.iter().cloned());
                }
                None => chain_roots.push(e.cert().to_string()),
            }
        }
        let mut roots: Vec<StoreEntry> = match &m.root {
            Some(r) => r.clone(),
            None => chain_roots.into_iter().map(StoreEntry::Id).collect(),
        };
        if m.default_roots {
            roots.extend(self.default_roots.iter().cloned().map(StoreEntry::Id));
        }
        let mut seen = Vec::new();
        for e in &roots {
            if !seen.contains(&e.cert().to_string()) {
                seen.push(e.cert().to_string());
                out.push(place(Store::Root, e));
            }
        }
        let cas: Vec<StoreEntry> = match &m.ca {
            Some(c) => c.clone(),
            None => chain_cas.into_iter().map(StoreEntry::Id).collect(),
        };
        let mut seen = Vec::new();
        for e in &cas {
            if !seen.contains(&e.cert().to_string()) {
                seen.push(e.cert().to_string());
                out.push(place(Store::Ca, e));
            }
        }
        for e in &m.operations_manager {
            out.push(place(Store::OpsMgr, e));
        }
        out
    }
}

fn rdp_id(mid: &str) -> String {
    format!("__remote_desktop__{mid}")
}

fn rdp_serial(mid: &str) -> String {
    // Remote Desktop self-signed certificates carry 16-byte random serials.
    let mut rng = Rng::from_text(&format!("rdp:{mid}"));
    let mut bytes: Vec<u8> = (0..16).map(|_| rng.next_u64() as u8).collect();
    bytes[0] = 0x10 | (bytes[0] & 0x6f);
    hex::lower(&bytes)
}

/// Generate every bundle of a scenario.
pub fn generate_scenario(s: &Scenario, t: &Templates) -> Result<Vec<Bundle>, GenError> {
    scenario::validate(s, t)?;
    let plan = Plan::new(s, t)?;
    let mut out = Vec::new();
    for (mid, m) in &s.machines {
        out.push(machine_bundle(&plan, mid, m)?);
    }
    Ok(out)
}

fn machine_bundle(plan: &Plan<'_>, mid: &str, m: &MachineSpec) -> Result<Bundle, GenError> {
    let s = plan.s;
    let placed = plan.stores(m);
    let mut members: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut log: Vec<(String, Option<String>)> = Vec::new(); // (step, error)
    let mut errors: Vec<(String, String)> = m.manifest_errors.clone();

    // Certificates.
    // Archived certificates are hidden from Export-Certificate and X509Store enumeration;
    // they only show in the store Blob (property 19).
    let visible: Vec<Placed> = placed.iter().filter(|p| !p.archived).cloned().collect();
    if !m.omits(Member::Cer) {
        for p in &visible {
            let c = plan.cert(&p.cert)?;
            members.insert(
                format!(
                    "certificates/LocalMachine/{}/{}.cer",
                    p.store.bundle_dir(),
                    c.thumbprint
                ),
                c.der.clone(),
            );
        }
        log.push((
            "export certificates (My, Root, CA, Operations Manager)".into(),
            None,
        ));
    }
    if !m.omits(Member::Inventory) {
        members.insert(
            "certificates/inventory.json".into(),
            json_bytes(&inventory(plan, &visible)?),
        );
        log.push(("write certificates/inventory.json".into(), None));
    }
    if !m.omits(Member::Chains) {
        for ch in &m.chains {
            let ders: Vec<&[u8]> = ch
                .certs
                .iter()
                .map(|c| plan.cert(c).map(|b| b.der.as_slice()))
                .collect::<Result<_, _>>()?;
            let bytes = match ch.encoding {
                P7bEncoding::Der => p7b::p7b_der(&ders),
                P7bEncoding::Ber => p7b::p7b_ber(&ders),
                P7bEncoding::Pem => p7b::p7b_pem(&ders),
            };
            members.insert(format!("certificates/chains/{}", ch.name), bytes);
            log.push((format!("copy chain file {}", ch.name), None));
        }
    }

    // Registry.
    let reg_error = "Access is denied.".to_string();
    let mut reg = |name: &str, member: Member, tree: Option<RegTree>, source: &str| {
        let step = format!("reg export \"{source}\" registry/{name}");
        if m.omits(member) {
            errors.push((step.clone(), reg_error.clone()));
            log.push((step, Some(reg_error.clone())));
        } else if let Some(tree) = tree {
            members.insert(format!("registry/{name}"), tree.to_bytes());
            log.push((step, None));
        } else {
            let missing =
                "ERROR: The system was unable to find the specified registry key or value."
                    .to_string();
            errors.push((step.clone(), missing.clone()));
            log.push((step, Some(missing)));
        }
    };
    reg(
        "opsmgr.reg",
        Member::OpsmgrReg,
        Some(opsmgr_reg(plan, m)?),
        "HKLM\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0",
    );
    reg(
        "healthservice.reg",
        Member::HealthserviceReg,
        Some(healthservice_reg(s, m)),
        "HKLM\\SYSTEM\\CurrentControlSet\\Services\\HealthService",
    );
    reg(
        "systemcertificates.reg",
        Member::SystemcertificatesReg,
        Some(systemcertificates_reg(plan, mid, m, &placed)?),
        "HKLM\\SOFTWARE\\Microsoft\\SystemCertificates",
    );
    let domain = m.is_domain_joined();
    reg(
        "policy-systemcertificates.reg",
        Member::PolicyReg,
        if domain || !m.gpo_root.is_empty() {
            Some(policy_reg(plan, m)?)
        } else {
            None
        },
        "HKLM\\SOFTWARE\\Policies\\Microsoft\\SystemCertificates",
    );
    reg(
        "enterprise-certificates.reg",
        Member::PolicyReg,
        if domain || !m.enterprise_root.is_empty() {
            Some(enterprise_reg(plan, m)?)
        } else {
            None
        },
        "HKLM\\SOFTWARE\\Microsoft\\EnterpriseCertificates",
    );
    reg(
        "tcpip.reg",
        Member::TcpipReg,
        Some(tcpip_reg(mid, m)),
        "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
    );

    // Event log.
    let specs = machine_events(plan, mid, m)?;
    let event_count = specs.len();
    let step = "wevtutil epl \"Operations Manager\" eventlogs/Operations Manager.evtx".to_string();
    if m.omits(Member::Eventlog) {
        let e = "Failed to export log Operations Manager. Access is denied.".to_string();
        errors.push((step.clone(), e.clone()));
        log.push((step, Some(e)));
    } else {
        let d = &m.evtx.damage;
        let options = WriterOptions {
            minor_version: m.evtx.minor_version,
            damage: Damage {
                truncate_to: d.truncate_to,
                bad_chunk_crc: d.bad_chunk_crc.clone(),
                bad_chunk_magic: d.bad_chunk_magic.clone(),
                dirty: d.dirty,
                wrap_by: d.wrap_by,
                zero_chunks: d.zero_chunks.clone(),
            },
        };
        let mut bytes = evtx::write_evtx(&specs, &options);
        if let Some(tail) = d.truncate_tail {
            let keep = bytes.len().saturating_sub(tail as usize);
            bytes.truncate(keep);
        }
        members.insert("eventlogs/Operations Manager.evtx".into(), bytes);
        log.push((step, None));
    }

    if !m.omits(Member::Manifest) {
        members.insert(
            "manifest.json".into(),
            json_bytes(&manifest(plan, m, &errors)?),
        );
    }
    if !m.omits(Member::CollectorLog) {
        members.insert("collector.log".into(), collector_log(plan.base, m, &log));
    }

    let zip = bundlezip::write_zip(&members, bundlezip::zip_time(plan.base))?;
    Ok(Bundle {
        scenario: s.id.clone(),
        machine: mid.to_string(),
        fqdn: m.fqdn.clone(),
        role: m.role,
        rel_path: format!("{}/{}.zip", s.id, mid),
        members,
        zip,
        event_count,
    })
}

/// Pretty JSON with object keys sorted, whatever `serde_json`'s map order is in this
/// build (the `preserve_order` feature is switched on by evtx in some builds only, which
/// would otherwise change bytes between `cargo run` and `cargo test`).
pub fn json_bytes(v: &Value) -> Vec<u8> {
    let mut out = String::new();
    write_json(&mut out, v, 0);
    out.push('\n');
    out.into_bytes()
}

fn write_json(out: &mut String, v: &Value, indent: usize) {
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
    match v {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("{\n");
            for (i, k) in keys.iter().enumerate() {
                pad(out, indent + 2);
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push_str(": ");
                write_json(out, &map[k.as_str()], indent + 2);
                if i + 1 < keys.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push('}');
        }
        Value::Array(list) if !list.is_empty() => {
            out.push_str("[\n");
            for (i, item) in list.iter().enumerate() {
                pad(out, indent + 2);
                write_json(out, item, indent + 2);
                if i + 1 < list.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn inventory(plan: &Plan<'_>, placed: &[Placed]) -> Result<Value, GenError> {
    let mut list = Vec::new();
    for p in placed {
        let c = plan.cert(&p.cert)?;
        let key = p.key.as_ref().map(|k| {
            json!({
                "provider_name": k.provider,
                "provider_type": k.provider_type,
                "key_spec": if k.provider_type == 0 { Value::Null } else { json!(k.key_spec) },
                "machine_keyset": k.machine,
                "exportable": k.exportable,
                "is_cng": k.provider_type == 0,
                "accessible": k.accessible,
                "access_error": k.access_error,
            })
        });
        list.push(json!({
            "store": format!("LocalMachine\\{}", p.store.bundle_dir()),
            "file": format!("certificates/LocalMachine/{}/{}.cer", p.store.bundle_dir(), c.thumbprint),
            "thumbprint": c.thumbprint,
            "serial_number": hex::upper(&c.serial),
            "friendly_name": p.friendly_name.clone().unwrap_or_default(),
            "archived": p.archived,
            "has_private_key": p.key.is_some(),
            "private_key": key,
        }));
    }
    Ok(json!({ "certificates": list }))
}

fn last_start(plan: &Plan<'_>, m: &MachineSpec) -> Result<Option<Timestamp>, GenError> {
    let mut last = None;
    for step in &m.timeline {
        if let Step::Start { at, .. } = step {
            let t = plan.time(at)?;
            if t <= plan.base && last.is_none_or(|l| t > l) {
                last = Some(t);
            }
        }
    }
    Ok(last)
}

fn manifest(
    plan: &Plan<'_>,
    m: &MachineSpec,
    errors: &[(String, String)],
) -> Result<Value, GenError> {
    let version = m
        .scom_version
        .clone()
        .unwrap_or_else(|| "10.22.10118.0".into());
    let caption =
        m.os.clone()
            .unwrap_or_else(|| "Microsoft Windows Server 2022 Standard".into());
    let tz = m.time_zone.clone().unwrap_or_else(|| "UTC".into());
    let offset = m
        .utc_offset_minutes
        .unwrap_or_else(|| time_zone_offset(&tz));
    let started = last_start(plan, m)?.map(|t| {
        Timestamp::from_second(t.as_second())
            .map(|t| t.to_string())
            .unwrap_or_default()
    });
    let domain = m.dns_domain();
    Ok(json!({
        "format": "scomtriage-bundle",
        "format_version": 1,
        "collector": { "name": "Collect-ScomCertBundle.ps1", "version": "1.0.0" },
        "collected_at": plan.base.to_string(),
        "computer": {
            "netbios_name": m.netbios_name(),
            "dns_hostname": m.host_label(),
            "dns_domain": if domain.is_empty() { Value::Null } else { json!(domain) },
            "fqdn": m.fqdn,
            "domain_joined": m.is_domain_joined(),
            "workgroup": if m.is_domain_joined() { Value::Null } else { json!("WORKGROUP") },
        },
        "time_zone": { "id": tz, "utc_offset_minutes": offset },
        "os": { "caption": caption, "version": os_version(&caption) },
        "scom": {
            "role": m.role.as_str(),
            "product": product(m.role, &version),
            "version": version,
            "install_directory": install_dir(m.role),
        },
        "health_service": { "status": m.health_service_status, "started_at": started },
        "errors": errors.iter().map(|(step, message)| json!({"step": step, "message": message})).collect::<Vec<_>>(),
    }))
}

fn collector_log(base: Timestamp, m: &MachineSpec, steps: &[(String, Option<String>)]) -> Vec<u8> {
    let start = base - SignedDuration::from_secs(40);
    let mut out = String::new();
    let stamp = |i: i64| {
        let t = start + SignedDuration::from_secs(i);
        Timestamp::from_second(t.as_second())
            .map(|t| t.to_string())
            .unwrap_or_default()
    };
    out.push_str(&format!(
        "{} INFO  Collect-ScomCertBundle.ps1 1.0.0 on {} (PowerShell 5.1)\r\n",
        stamp(0),
        m.fqdn
    ));
    for (i, (step, err)) in steps.iter().enumerate() {
        match err {
            None => out.push_str(&format!("{} INFO  {step}: OK\r\n", stamp(1 + i as i64))),
            Some(e) => out.push_str(&format!("{} ERROR {step}: {e}\r\n", stamp(1 + i as i64))),
        }
    }
    out.push_str(&format!("{} INFO  done\r\n", stamp(1 + steps.len() as i64)));
    out.into_bytes()
}

const OPSMGR_ROOT: &str =
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0";

/// `ChannelCertificateSerialNumber` bytes of a machine (registry order), if any.
pub fn channel_serial_bytes(
    m: &MachineSpec,
    built: &BTreeMap<String, BuiltCert>,
) -> Result<Option<Vec<u8>>, String> {
    if let Some(h) = &m.channel_serial_hex {
        return hex::decode(h).map(Some);
    }
    match m.channel_cert_id() {
        None => Ok(None),
        Some(id) => {
            let c = built
                .get(id)
                .ok_or_else(|| format!("certificate `{id}` not built"))?;
            Ok(Some(certs::registry_serial(
                &c.serial,
                m.channel_serial_pad,
            )))
        }
    }
}

fn opsmgr_reg(plan: &Plan<'_>, m: &MachineSpec) -> Result<RegTree, GenError> {
    let s = plan.s;
    let mut t = RegTree::new(OPSMGR_ROOT);
    let mg = &s.management_group;
    let version = m
        .scom_version
        .clone()
        .unwrap_or_else(|| "10.22.10118.0".into());
    match m.role {
        Role::Agent => {
            t.key(&format!("Agent Management Groups\\{mg}"));
            for (i, p) in m.parents.iter().enumerate() {
                let k = format!("Agent Management Groups\\{mg}\\Parent Health Services\\{i}");
                t.set(&k, "NetworkName", RegValue::Sz(p.clone()));
                t.set(&k, "Port", RegValue::Dword(m.port as u32));
            }
        }
        Role::Gateway | Role::ManagementServer => {
            let k = format!("Server Management Groups\\{mg}");
            t.set(&k, "IsServer", RegValue::Dword(1));
            t.set(&k, "IsRootHealthService", RegValue::Dword(0));
            for (i, p) in m.parents.iter().enumerate() {
                let k = format!("{k}\\Parent Health Services\\{i}");
                t.set(&k, "NetworkName", RegValue::Sz(p.clone()));
                t.set(&k, "Port", RegValue::Dword(m.port as u32));
            }
        }
    }
    t.key("Machine Settings");
    if m.role == Role::ManagementServer {
        t.set(
            "Machine Settings",
            "DefaultSDKServiceMachine",
            RegValue::Sz(m.fqdn.clone()),
        );
    }
    let serial = channel_serial_bytes(m, &plan.built).map_err(|problem| GenError::Invalid {
        scenario: s.id.clone(),
        problem,
    })?;
    if let Some(serial) = serial {
        t.set(
            "Machine Settings",
            "ChannelCertificateSerialNumber",
            RegValue::Binary(serial),
        );
    }
    let hash = match &m.channel_hash {
        Some(explicit) => explicit.clone(),
        None => match m.channel_cert_id() {
            Some(id) => Some(plan.cert(id)?.thumbprint.to_lowercase()),
            None => None,
        },
    };
    if let Some(h) = hash {
        t.set(
            "Machine Settings",
            "ChannelCertificateHash",
            RegValue::Sz(h),
        );
    }
    let setup = "Setup";
    t.set(setup, "Product", RegValue::Sz(product(m.role, &version)));
    t.set(
        setup,
        "InstallDirectory",
        RegValue::Sz(install_dir(m.role).into()),
    );
    t.set(setup, "CurrentVersion", RegValue::Sz(version.clone()));
    match m.role {
        Role::Agent => {
            t.set(setup, "AgentVersion", RegValue::Sz(version.clone()));
        }
        Role::Gateway => {
            t.set(setup, "ServerVersion", RegValue::Sz(version.clone()));
        }
        Role::ManagementServer => {
            t.set(setup, "ServerVersion", RegValue::Sz(version.clone()));
            t.set(setup, "UIVersion", RegValue::Sz(version.clone()));
            t.set(setup, "ManagementServerPort", RegValue::Sz("5724".into()));
            t.set(
                setup,
                "DatabaseServerName",
                RegValue::Sz("sql01.contoso.com".into()),
            );
            t.set(
                setup,
                "DatabaseName",
                RegValue::Sz("OperationsManager".into()),
            );
            t.set(
                setup,
                "DataWarehouseDBServerName",
                RegValue::Sz("sql01.contoso.com".into()),
            );
            t.set(
                setup,
                "DataWarehouseDBName",
                RegValue::Sz("OperationsManagerDW".into()),
            );
        }
    }
    t.set(
        setup,
        "InstalledOn",
        RegValue::Sz("3/14/2025-09:41:27".into()),
    );
    Ok(t)
}

fn healthservice_reg(s: &Scenario, m: &MachineSpec) -> RegTree {
    let mut t =
        RegTree::new("HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\HealthService");
    let dir = install_dir(m.role);
    t.set("", "Type", RegValue::Dword(0x10));
    t.set("", "Start", RegValue::Dword(2));
    t.set("", "ErrorControl", RegValue::Dword(1));
    t.set(
        "",
        "ImagePath",
        RegValue::ExpandSz(format!("\"{dir}HealthService.exe\"")),
    );
    t.set(
        "",
        "DisplayName",
        RegValue::Sz("Microsoft Monitoring Agent".into()),
    );
    t.set(
        "",
        "DependOnService",
        RegValue::MultiSz(vec!["RPCSS".into(), "EventLog".into()]),
    );
    t.set("", "ObjectName", RegValue::Sz("LocalSystem".into()));
    t.set(
        "",
        "Description",
        RegValue::Sz(
            "Microsoft Monitoring Agent monitors and collects data on this computer.".into(),
        ),
    );
    t.set(
        "",
        "FailureActions",
        RegValue::Binary(vec![
            0x80, 0x51, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0x14, 0, 0, 0, 1, 0, 0, 0,
            0x60, 0xea, 0, 0, 1, 0, 0, 0, 0x60, 0xea, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]),
    );
    t.set(
        "Parameters",
        "State Directory",
        RegValue::Sz(format!("{dir}Health Service State")),
    );
    t.set(
        "Parameters",
        "Persistence Checkpoint Depth Maximum",
        RegValue::Dword(104_857_600),
    );
    t.set(
        "Parameters\\ConnectorManager",
        "EnableADIntegration",
        RegValue::Dword(0),
    );
    t.set(
        &format!("Parameters\\Management Groups\\{}", s.management_group),
        "maximumQueueSizeKb",
        RegValue::Dword(if m.role == Role::Agent {
            15_360
        } else {
            102_400
        }),
    );
    let mut sd = vec![0x01, 0x00, 0x14, 0x80];
    let mut rng = Rng::from_text("service-security-descriptor");
    sd.extend((0..140).map(|_| rng.next_u64() as u8));
    t.set("Security", "Security", RegValue::Binary(sd));
    t
}

const STORE_LAYOUT: [&str; 11] = [
    "AuthRoot",
    "CA",
    "Disallowed",
    "MY",
    "Remote Desktop",
    "REQUEST",
    "ROOT",
    "SmartCardRoot",
    "TrustedDevices",
    "TrustedPeople",
    "TrustedPublisher",
];

fn add_store_skeleton(t: &mut RegTree, store: &str) {
    for sub in ["Certificates", "CRLs", "CTLs"] {
        t.key(&format!("{store}\\{sub}"));
    }
}

fn add_blob(t: &mut RegTree, store: &str, c: &BuiltCert, p: Option<&Placed>) {
    let blob = storeblob::store_blob(&BlobInput {
        der: &c.der,
        sha1: &c.sha1,
        key: p.and_then(|p| p.key.as_ref()),
        friendly_name: p.and_then(|p| p.friendly_name.as_deref()),
        archived: p.is_some_and(|p| p.archived),
    });
    t.set(
        &format!("{store}\\Certificates\\{}", c.thumbprint),
        "Blob",
        RegValue::Binary(blob),
    );
}

fn systemcertificates_reg(
    plan: &Plan<'_>,
    mid: &str,
    m: &MachineSpec,
    placed: &[Placed],
) -> Result<RegTree, GenError> {
    let mut t = RegTree::new("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates");
    for store in STORE_LAYOUT {
        add_store_skeleton(&mut t, store);
    }
    if !m.operations_manager.is_empty() {
        add_store_skeleton(&mut t, "Operations Manager");
    }
    for p in placed {
        let c = plan.cert(&p.cert)?;
        add_blob(&mut t, p.store.registry_key(), c, Some(p));
    }
    if m.remote_desktop_cert {
        let c = plan.cert(&rdp_id(mid))?;
        let key = storeblob::profile("enhanced");
        let p = Placed {
            store: Store::My,
            cert: c.id.clone(),
            key,
            friendly_name: None,
            archived: false,
        };
        add_blob(&mut t, "Remote Desktop", c, Some(&p));
    }
    Ok(t)
}

fn policy_reg(plan: &Plan<'_>, m: &MachineSpec) -> Result<RegTree, GenError> {
    let mut t =
        RegTree::new("HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\SystemCertificates");
    for store in [
        "CA",
        "Disallowed",
        "Root",
        "Trust",
        "TrustedPeople",
        "TrustedPublisher",
    ] {
        add_store_skeleton(&mut t, store);
    }
    t.key("EFS\\Certificates");
    t.key("EFS\\CRLs");
    t.key("EFS\\CTLs");
    t.set("Root\\ProtectedRoots", "Flags", RegValue::Dword(0));
    for r in &m.gpo_root {
        add_blob(&mut t, "Root", plan.cert(r)?, None);
    }
    Ok(t)
}

fn enterprise_reg(plan: &Plan<'_>, m: &MachineSpec) -> Result<RegTree, GenError> {
    let mut t = RegTree::new("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\EnterpriseCertificates");
    for store in ["CA", "NTAuth", "Root"] {
        add_store_skeleton(&mut t, store);
    }
    for r in &m.enterprise_root {
        add_blob(&mut t, "Root", plan.cert(r)?, None);
    }
    Ok(t)
}

fn tcpip_reg(mid: &str, m: &MachineSpec) -> RegTree {
    let mut t =
        RegTree::new("HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters");
    let host = m.host_label().to_string();
    let domain = m.dns_domain().to_string();
    t.set("", "NV HostName", RegValue::Sz(host.clone()));
    t.set(
        "",
        "DataBasePath",
        RegValue::ExpandSz("%SystemRoot%\\System32\\drivers\\etc".into()),
    );
    t.set("", "NameServer", RegValue::Sz(String::new()));
    t.set("", "ForwardBroadcasts", RegValue::Dword(0));
    t.set("", "IPEnableRouter", RegValue::Dword(0));
    t.set("", "Domain", RegValue::Sz(domain.clone()));
    t.set("", "Hostname", RegValue::Sz(host));
    t.set("", "SearchList", RegValue::Sz(String::new()));
    t.set("", "UseDomainNameDevolution", RegValue::Dword(1));
    t.set("", "EnableICMPRedirect", RegValue::Dword(1));
    t.set("", "DeadGWDetectDefault", RegValue::Dword(1));
    t.set("", "DontAddDefaultGatewayDefault", RegValue::Dword(0));
    t.set("", "NV Domain", RegValue::Sz(domain));
    let mut rng = Rng::from_text(&format!("nic:{mid}"));
    let nic = events::guid(&mut rng);
    let ip = machine_ip(mid, m);
    let gw = {
        let mut parts: Vec<&str> = ip.split('.').collect();
        parts.pop();
        format!("{}.1", parts.join("."))
    };
    t.key(&format!("Adapters\\{nic}"));
    t.key("DNSRegisteredAdapters");
    let k = format!("Interfaces\\{nic}");
    t.set(&k, "EnableDHCP", RegValue::Dword(0));
    t.set(&k, "Domain", RegValue::Sz(String::new()));
    t.set(&k, "NameServer", RegValue::Sz("10.0.0.10,10.0.0.11".into()));
    t.set(&k, "IPAddress", RegValue::MultiSz(vec![ip]));
    t.set(
        &k,
        "SubnetMask",
        RegValue::MultiSz(vec!["255.255.255.0".into()]),
    );
    t.set(&k, "DefaultGateway", RegValue::MultiSz(vec![gw]));
    t.set(
        &k,
        "DefaultGatewayMetric",
        RegValue::MultiSz(vec!["0".into()]),
    );
    t.set(&k, "RegistrationEnabled", RegValue::Dword(1));
    t.key("PersistentRoutes");
    t.key("Winsock");
    t
}

/// The events of one machine, in writer form (sorted, numbered).
pub fn machine_events_for(
    s: &Scenario,
    t: &Templates,
    mid: &str,
) -> Result<Vec<evtx::EventSpec>, GenError> {
    let plan = Plan::new(s, t)?;
    let m = s.machines.get(mid).ok_or_else(|| GenError::Invalid {
        scenario: s.id.clone(),
        problem: format!("no machine `{mid}`"),
    })?;
    machine_events(&plan, mid, m)
}

fn machine_events(
    plan: &Plan<'_>,
    mid: &str,
    m: &MachineSpec,
) -> Result<Vec<evtx::EventSpec>, GenError> {
    let s = plan.s;
    let mut rng = Rng::from_text(&format!("{}/{}", s.id, mid));
    let mut evs: Vec<Ev> = Vec::new();
    let mg = s.management_group.clone();
    let channel = match m.channel_cert_id() {
        Some(id) => Some(plan.cert(id)?.clone()),
        None => None,
    };
    let first_parent = m.parents.first().cloned().unwrap_or_default();
    // Name and certificate name of a machine given by id or FQDN.
    let peer_info = |who: &str| -> (String, String, String) {
        if let Some(pm) = plan.s.machines.get(who) {
            let cert_name = pm
                .channel_cert_id()
                .and_then(|id| plan.built.get(id))
                .map(|c| c.scom_name.clone())
                .unwrap_or_else(|| pm.fqdn.clone());
            return (pm.fqdn.clone(), cert_name, machine_ip(who, pm));
        }
        if let Some((pid, pm)) = plan.s.machines.iter().find(|(_, pm)| pm.fqdn == who) {
            let cert_name = pm
                .channel_cert_id()
                .and_then(|id| plan.built.get(id))
                .map(|c| c.scom_name.clone())
                .unwrap_or_else(|| pm.fqdn.clone());
            return (pm.fqdn.clone(), cert_name, machine_ip(pid, pm));
        }
        let mut r = Rng::from_text(&format!("ip:{who}"));
        (
            who.to_string(),
            who.to_string(),
            format!(
                "10.{}.{}.{}",
                1 + r.below(250),
                1 + r.below(250),
                10 + r.below(240)
            ),
        )
    };
    let jitter = |rng: &mut Rng| -> i64 { rng.below(8_000_000) as i64 + rng.below(1000) as i64 };
    let fill = |text: &str, parent: &str| -> String {
        let mut out = text
            .replace("{fqdn}", &m.fqdn)
            .replace("{netbios}", &m.netbios_name())
            .replace("{parent}", parent)
            .replace("{mg}", &mg)
            .replace("{ip}", &machine_ip(mid, m));
        if let Some(c) = &channel {
            out = out
                .replace("{cert_name}", &c.scom_name)
                .replace("{cert_not_before}", &events::us_datetime(c.not_before))
                .replace("{cert_not_after}", &events::us_datetime(c.not_after));
        }
        out
    };
    let range = |from: &str, until: &Option<String>| -> Result<(i64, i64), GenError> {
        let f = plan.time(from)?;
        let u = match until {
            Some(u) => plan.time(u)?,
            None => plan.base,
        };
        Ok((us(f), us(u)))
    };
    let kind = match m.role {
        Role::Agent => NoiseKind::Agent,
        Role::Gateway => NoiseKind::Gateway,
        Role::ManagementServer => NoiseKind::ManagementServer,
    };
    for step in &m.timeline {
        match step {
            Step::Start { at, load, code } => {
                let t0 = us(plan.time(at)?) + rng.below(1_000_000) as i64;
                let t1 = t0 + 4_000_000 + jitter(&mut rng);
                if m.is_domain_joined() {
                    let domain_short = m
                        .dns_domain()
                        .split('.')
                        .next()
                        .unwrap_or("CONTOSO")
                        .to_uppercase();
                    evs.push(Ev::new(
                        t0 + 20_000_000 + jitter(&mut rng),
                        HEALTH_SERVICE,
                        7026,
                        vec![domain_short, "svc-scom-action".into(), mg.clone()],
                    ));
                }
                let code_or = |d: &str| code.clone().unwrap_or_else(|| d.to_string());
                let (id, data): (Option<u16>, Vec<String>) = match load {
                    Load::Ok => (Some(20053), vec![]),
                    Load::NoneSpecified => (Some(21022), vec![]),
                    Load::Silent => (None, vec![]),
                    Load::KeyUsage => (Some(20049), vec![]),
                    Load::Eku => (Some(20050), vec![]),
                    Load::Validity => {
                        let c = channel.as_ref().ok_or_else(|| GenError::Invalid {
                            scenario: s.id.clone(),
                            problem: format!("{mid}: 20051 needs a channel certificate"),
                        })?;
                        (
                            Some(20051),
                            vec![
                                events::us_datetime(c.not_before),
                                events::us_datetime(c.not_after),
                            ],
                        )
                    }
                    Load::Name => {
                        let name = channel
                            .as_ref()
                            .map(|c| c.scom_name.clone())
                            .unwrap_or_default();
                        (Some(20052), vec![name, m.fqdn.clone()])
                    }
                    Load::NotFound => (Some(20066), vec![]),
                    Load::NoKey => {
                        let c = code_or("0x80090016");
                        let text = events::code_text(&c).to_string();
                        (Some(20068), vec![c, text])
                    }
                    Load::KeySpec => (Some(20069), vec![]),
                    Load::NoProperties => {
                        let c = code_or("0x80092004");
                        let text = events::code_text(&c).to_string();
                        (Some(20077), vec![String::new(), c, text])
                    }
                    Load::Unusable => {
                        let c = code_or("0x8009030D");
                        let text = events::code_text(&c).to_string();
                        (Some(21036), vec![c, text])
                    }
                };
                if let Some(id) = id {
                    evs.push(Ev::new(t1, CONNECTOR, id, data));
                }
                if !matches!(load, Load::Ok | Load::NoneSpecified | Load::Silent) {
                    evs.push(Ev::new(t1 + 1_000, CONNECTOR, 21021, vec![]));
                }
            }
            Step::Connected {
                peer: _,
                from,
                until,
                every,
            } => {
                let (f, u) = range(from, until)?;
                let period = plan.every(every, "6h")? * 1_000_000;
                let mut t = f + jitter(&mut rng);
                if t < u {
                    evs.push(Ev::new(
                        t,
                        CONNECTOR,
                        21024,
                        vec![mg.clone(), events::cookie(&mut rng)],
                    ));
                    evs.push(Ev::new(
                        t + 15_000_000,
                        CONNECTOR,
                        21025,
                        vec![mg.clone(), events::cookie(&mut rng)],
                    ));
                    evs.push(Ev::new(
                        t + 25_000_000,
                        HEALTH_SERVICE,
                        1210,
                        vec![mg.clone(), events::cookie(&mut rng)],
                    ));
                }
                t += period;
                while t < u {
                    let tj = t + jitter(&mut rng) * 20;
                    if tj >= u {
                        break;
                    }
                    evs.push(Ev::new(
                        tj,
                        CONNECTOR,
                        21025,
                        vec![mg.clone(), events::cookie(&mut rng)],
                    ));
                    evs.push(Ev::new(
                        tj + 9_000_000,
                        HEALTH_SERVICE,
                        1210,
                        vec![mg.clone(), events::cookie(&mut rng)],
                    ));
                    t += period;
                }
            }
            Step::Fail {
                pattern,
                peer,
                code,
                from,
                until,
                every,
                failover,
            } => {
                let (f, u) = range(from, until)?;
                let period = plan.every(every, "10m")? * 1_000_000;
                let target = peer.clone().unwrap_or_else(|| first_parent.clone());
                let (peer_fqdn, peer_cert_name, _) = peer_info(&target);
                let mut t = f;
                while t < u {
                    let tj = t + jitter(&mut rng);
                    let mut at = tj;
                    let mut push = |id: u16, data: Vec<String>, evs: &mut Vec<Ev>| {
                        evs.push(Ev::new(at, CONNECTOR, id, data));
                        at += 1_000;
                    };
                    match pattern {
                        FailPattern::NotApproved => push(20070, vec![peer_fqdn.clone()], &mut evs),
                        FailPattern::ClosedNoAuth => push(20071, vec![peer_fqdn.clone()], &mut evs),
                        FailPattern::UntrustedPeer => {
                            let c = code.clone().unwrap_or_else(|| "0x800B0109".into());
                            let text = events::code_text(&c).to_string();
                            push(20072, vec![peer_cert_name.clone(), c, text], &mut evs)
                        }
                        FailPattern::Tcp => {
                            let c = code.clone().unwrap_or_else(|| "10060L".into());
                            let text = events::code_text(&c).to_string();
                            push(
                                21006,
                                vec![peer_fqdn.clone(), m.port.to_string(), c, text],
                                &mut evs,
                            )
                        }
                        FailPattern::Dns => {
                            let c = code.clone().unwrap_or_else(|| "11001L".into());
                            let text = events::code_text(&c).to_string();
                            push(21005, vec![peer_fqdn.clone(), c, text], &mut evs)
                        }
                        FailPattern::Kerberos => {
                            let c = code.clone().unwrap_or_else(|| "0x80090311".into());
                            let text = events::code_text(&c).to_string();
                            push(
                                20057,
                                vec![format!("MSOMHSvc/{peer_fqdn}"), c, text],
                                &mut evs,
                            );
                            push(21001, vec![peer_fqdn.clone()], &mut evs);
                        }
                        FailPattern::NotTrustedDomain => {
                            push(21007, vec![peer_fqdn.clone()], &mut evs)
                        }
                    }
                    let id = if *failover { 21015 } else { 21016 };
                    evs.push(Ev::new(
                        at + 500_000,
                        CONNECTOR,
                        id,
                        vec![peer_fqdn.clone()],
                    ));
                    t += period;
                }
            }
            Step::Parent {
                pattern,
                child,
                code,
                from,
                until,
                every,
            } => {
                let (f, u) = range(from, until)?;
                let period = plan.every(every, "10m")? * 1_000_000;
                let (child_fqdn, child_cert_name, child_ip) = peer_info(child);
                let mut t = f;
                while t < u {
                    let tj = t + jitter(&mut rng);
                    let port = 49_152 + rng.below(16_000);
                    let ev = match pattern {
                        ParentPattern::Unapproved => {
                            Ev::new(tj, CONNECTOR, 20000, vec![child_fqdn.clone()])
                        }
                        ParentPattern::UntrustedChild => {
                            let c = code.clone().unwrap_or_else(|| "0x800B0109".into());
                            let text = events::code_text(&c).to_string();
                            Ev::new(tj, CONNECTOR, 20072, vec![child_cert_name.clone(), c, text])
                        }
                        ParentPattern::InvalidChildCert => {
                            let c = code.clone().unwrap_or_else(|| "0x800B0109".into());
                            let text = events::code_text(&c).to_string();
                            Ev::new(tj, CONNECTOR, 20067, vec![child_ip.clone(), c, text])
                        }
                        ParentPattern::AuthFailed => {
                            Ev::new(tj, CONNECTOR, 20002, vec![child_ip.clone()])
                        }
                        ParentPattern::AcceptFailed => {
                            Ev::new(tj, CONNECTOR, 21002, vec![format!("{child_ip}:{port}")])
                        }
                        ParentPattern::HeartbeatLost => {
                            let mut r = Rng::from_text(&format!("hs-id:{child_fqdn}"));
                            Ev::new(
                                tj,
                                CONNECTOR,
                                20022,
                                vec![
                                    child_fqdn.clone(),
                                    child_fqdn.clone(),
                                    mg.clone(),
                                    events::guid(&mut r),
                                ],
                            )
                        }
                    };
                    evs.push(ev);
                    t += period;
                }
            }
            Step::Event {
                at,
                id,
                provider,
                data,
                every,
                until,
            } => {
                let prov = provider
                    .clone()
                    .unwrap_or_else(|| events::default_provider(*id).to_string());
                let data: Vec<String> = data.iter().map(|d| fill(d, &first_parent)).collect();
                let f = us(plan.time(at)?);
                match every {
                    None => evs.push(Ev::new(f, &prov, *id, data)),
                    Some(_) => {
                        let period = plan.every(every, "10m")? * 1_000_000;
                        let u = match until {
                            Some(u) => us(plan.time(u)?),
                            None => us(plan.base),
                        };
                        let mut t = f;
                        while t < u {
                            evs.push(Ev::new(t + jitter(&mut rng), &prov, *id, data.clone()));
                            t += period;
                        }
                    }
                }
            }
            Step::Noise {
                profile,
                per_hour,
                from,
                until,
            } => {
                let (f, u) = range(from, until)?;
                let k = match profile {
                    Some(NoiseProfile::Agent) => NoiseKind::Agent,
                    Some(NoiseProfile::Gateway) => NoiseKind::Gateway,
                    Some(NoiseProfile::ManagementServer) => NoiseKind::ManagementServer,
                    None => kind,
                };
                let ctx = NoiseCtx {
                    mg: &mg,
                    fqdn: &m.fqdn,
                    install_dir: install_dir(m.role),
                    kind: k,
                };
                evs.extend(events::noise(&mut rng, f, u, *per_hour, &ctx));
            }
        }
    }
    // Nothing after the collection time.
    let end = us(plan.base);
    evs.retain(|e| e.time_us <= end);
    Ok(events::finish(evs, &m.fqdn, m.evtx.first_record_id))
}

/// The `expected.json` entry of a scenario.
pub fn expected_entry(s: &Scenario, bundles: &[Bundle]) -> Value {
    let bundle_list: Vec<Value> = bundles
        .iter()
        .map(|b| {
            let m = &s.machines[&b.machine];
            let d = &m.evtx.damage;
            let damaged = d.truncate_to.is_some()
                || d.truncate_tail.is_some()
                || !d.bad_chunk_crc.is_empty()
                || !d.bad_chunk_magic.is_empty()
                || d.dirty
                || d.wrap_by > 0
                || !d.zero_chunks.is_empty();
            json!({
                "machine": b.machine,
                "fqdn": b.fqdn,
                "role": b.role.as_str(),
                "path": b.rel_path,
                "members": b.members.keys().collect::<Vec<_>>(),
                "event_count": b.event_count,
                "evtx_damage": if damaged { serde_json::to_value(d).unwrap_or(Value::Null) } else { Value::Null },
            })
        })
        .collect();
    let expect: Vec<Value> = s
        .expect
        .iter()
        .map(|(mid, e)| {
            json!({
                "machine": mid,
                "fqdn": s.machines.get(mid).map(|m| m.fqdn.clone()),
                "top": e.top,
                "healthy": e.healthy,
                "not": e.not,
                "order": e.order,
                "note": e.note,
            })
        })
        .collect();
    json!({
        "id": s.id,
        "description": s.description,
        "collected_at": s.collected_at,
        "bundles": bundle_list,
        "expect": expect,
    })
}

/// Summary of a generator run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Scenarios written.
    pub scenarios: usize,
    /// Bundles written.
    pub bundles: usize,
    /// Total zip bytes.
    pub bytes: u64,
}

/// Generate `scenarios` into `outdir` (`<id>/<machine>.zip` and `expected.json`).
pub fn write_all(
    outdir: &Path,
    templates: &Templates,
    scenarios: &[Scenario],
) -> Result<Summary, GenError> {
    let io = |path: &Path| {
        let p = path.display().to_string();
        move |source| GenError::Io { path: p, source }
    };
    std::fs::create_dir_all(outdir).map_err(io(outdir))?;
    let mut summary = Summary::default();
    let mut entries = Vec::new();
    for s in scenarios {
        let bundles = generate_scenario(s, templates)?;
        let dir = outdir.join(&s.id);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        for b in &bundles {
            let path = outdir.join(&b.rel_path);
            std::fs::write(&path, &b.zip).map_err(io(&path))?;
            summary.bundles += 1;
            summary.bytes += b.zip.len() as u64;
        }
        entries.push(expected_entry(s, &bundles));
        summary.scenarios += 1;
    }
    let expected = json!({
        "format": "scomtriage-corpus-expected",
        "format_version": 1,
        "cause_ids": scenario::CAUSE_IDS,
        "scenarios": entries,
    });
    let path = outdir.join("expected.json");
    std::fs::write(&path, json_bytes(&expected)).map_err(io(&path))?;
    Ok(summary)
}
