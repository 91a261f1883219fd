//! Facts per machine, built from the bundles of one case.
//!
//! Every fact keeps its source (file, registry key and line, event record) so that rules can
//! cite it. Missing inputs are recorded as [`CheckNotRun`] entries that say which input would
//! enable the check. Nothing here judges; rules do.

pub mod certs;
pub mod channel;
pub mod coverage;
pub mod grouping;
pub mod identity;
pub mod inventory;
pub mod machine;
pub mod parents;
pub mod registry;
pub mod stores;
pub mod time;
pub mod timeline;

use crate::knowledge::events;
use certs::CertEntry;
use identity::{Identity, MachineRole, RoleFacts};
use scomtriage_parsers::inventory::InventoryEntry;
use serde::Serialize;
use timeline::Timeline;

pub use channel::{ChannelConfig, Selection};
pub use grouping::build_case;

/// A problem with the input (unreadable member, limit hit, damaged log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputProblem {
    /// Bundle label and member path.
    pub input: String,
    /// What is wrong.
    pub message: String,
}

/// How an input is named in the report: `bundle: path`, or the path alone when the problem is
/// with the bundle itself (a file that cannot be read is both: named once).
pub fn input_label(bundle: &str, path: &str) -> String {
    if path.is_empty() || path == bundle {
        bundle.to_string()
    } else {
        format!("{bundle}: {path}")
    }
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

impl<T> RegFact<T> {}

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
    /// Taken from the analyzer's clock because no input carries a time (said wherever it is used).
    pub from_clock: bool,
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

    /// The time validity is judged at, in words: "the collection time T (source)", or, when no
    /// input carries a time, "the analyzer's clock T (…)".
    pub fn at_words(&self) -> String {
        match &self.collected_at {
            Some(t) if t.from_clock => format!(
                "the analyzer's clock {} (no input carries a collection time)",
                time::fmt_secs(t.secs)
            ),
            Some(t) => format!(
                "the collection time {} ({})",
                time::fmt_secs(t.secs),
                t.source
            ),
            None => "an unknown collection time".into(),
        }
    }

    /// Collection time in seconds.
    pub fn at(&self) -> Option<i64> {
        self.collected_at.as_ref().map(|t| t.secs)
    }

    /// Indexes of trusted roots.
    pub fn trusted_roots(&self) -> Vec<usize> {
        (0..self.certs.len())
            .filter(|i| self.certs[*i].is_trusted_root())
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
