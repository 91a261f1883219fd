//! Builders for rule tests: facts are constructed directly, no parser needed.

use crate::facts::certs::{add_cert, KeyFacts, KeySource, StoreLocation, StoreName, StoreRef};
use crate::facts::identity::{MachineRole, RoleFacts};
use crate::facts::timeline::{tests::ev, StartMarker, Timeline};
use crate::facts::{CaseFacts, MachineFacts, ParentRef, RegFact, TimeFact};
use crate::finding::Ranked;
use crate::rules::Cause;
use crate::serial;
use crate::view::CaseView;
use scomtriage_parsers::x509::Certificate;

/// Collection time of test machines (2027-01-15).
pub const T0: i64 = 1_800_000_000;

/// Machine builder.
pub struct Mb {
    m: MachineFacts,
    events: Vec<crate::facts::timeline::Ev>,
    markers: Vec<StartMarker>,
    rec: u64,
}

impl Mb {
    /// A machine with the usual inputs present and nothing in them.
    pub fn new(fqdn: &str, role: &str) -> Mb {
        let mut m = MachineFacts::empty(fqdn);
        m.identity.fqdn = Some(fqdn.to_string());
        m.identity.fqdn_source = Some("manifest.json computer.fqdn".into());
        m.identity.netbios = fqdn.split('.').next().map(|s| s.to_uppercase());
        m.role = RoleFacts {
            role: match role {
                "agent" => MachineRole::Agent,
                "gateway" => MachineRole::Gateway,
                "management_server" => MachineRole::ManagementServer,
                _ => MachineRole::Unknown,
            },
            version: None,
            product: None,
            source: Some("test".into()),
        };
        m.collected_at = Some(TimeFact {
            secs: T0,
            source: "manifest collected_at".into(),
            from_clock: false,
        });
        m.inputs.manifest = true;
        m.inputs.opsmgr_registry = true;
        m.inputs.opsmgr_log = true;
        m.inputs.my_exports = true;
        m.inputs.root_exports = true;
        m.inputs.inventory = true;
        m.channel.registry_known = true;
        Mb {
            m,
            events: Vec::new(),
            markers: Vec::new(),
            rec: 0,
        }
    }

    /// Add a certificate to a LocalMachine store.
    pub fn cert(mut self, c: Certificate, store: StoreName) -> Mb {
        add_cert(
            &mut self.m.certs,
            c,
            StoreRef {
                location: StoreLocation::LocalMachine,
                store: store.clone(),
                source: format!("certificates/LocalMachine/{}/x.cer", store.display()),
            },
        );
        self
    }

    /// Add a certificate from a chain file.
    pub fn chain_file(mut self, c: Certificate) -> Mb {
        add_cert(
            &mut self.m.certs,
            c,
            StoreRef {
                location: StoreLocation::File,
                store: StoreName::Chain,
                source: "certificates/chains/certnew.p7b".into(),
            },
        );
        self.m.inputs.chain_files = true;
        self
    }

    /// Point ChannelCertificateSerialNumber at certificate `idx` (correctly reversed) and
    /// give it a good private key.
    pub fn channel(mut self, idx: usize) -> Mb {
        let s = self.m.certs[idx].cert.serial.clone();
        self.m.channel.serial = Some(RegFact {
            value: serial::big_endian_to_registry(&s),
            file: "registry/opsmgr.reg".into(),
            key: r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0\Machine Settings".into(),
            name: "ChannelCertificateSerialNumber".into(),
            line: 4,
        });
        self.m.channel.selected = Some(idx);
        self.m.channel.serial_relations = vec![(idx, serial::SerialMatch::Exact)];
        self.m.certs[idx].key = good_key();
        self
    }

    /// Set the raw registry serial (without selecting anything).
    pub fn registry_serial(mut self, reg: Vec<u8>) -> Mb {
        self.m.channel.serial = Some(RegFact {
            value: reg,
            file: "registry/opsmgr.reg".into(),
            key: r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0\Machine Settings".into(),
            name: "ChannelCertificateSerialNumber".into(),
            line: 4,
        });
        self
    }

    /// Replace key facts of certificate `idx`.
    pub fn key(mut self, idx: usize, k: KeyFacts) -> Mb {
        self.m.certs[idx].key = k;
        self
    }

    /// Edit the facts directly.
    pub fn with(mut self, f: impl FnOnce(&mut MachineFacts)) -> Mb {
        f(&mut self.m);
        self
    }

    /// Add a registry parent.
    pub fn parent(mut self, name: &str) -> Mb {
        self.m.parents.push(ParentRef {
            management_group: "MG1".into(),
            network_name: name.to_string(),
            port: Some(5723),
            source: "registry/opsmgr.reg".into(),
        });
        self
    }

    /// Add an event at `T0 - 86400 + t` seconds.
    pub fn event(mut self, id: u16, t: i64, strings: &[&str]) -> Mb {
        self.rec += 1;
        let mut e = ev(id, T0 - 86_400 + t, self.rec, strings);
        e.computer = self.m.identity.fqdn.clone().unwrap_or_default();
        self.events.push(e);
        self
    }

    /// Add a Health Service start marker at `T0 - 86400 + t`.
    pub fn start(mut self, t: i64) -> Mb {
        self.markers.push(StartMarker {
            time_us: (T0 - 86_400 + t) * 1_000_000,
            source: "test start".into(),
        });
        self
    }

    /// Finish.
    pub fn build(mut self) -> MachineFacts {
        self.m.timeline = Timeline::build(self.events, &self.markers);
        self.m
    }
}

/// Key facts of a correct SCOM key (inventory).
pub fn good_key() -> KeyFacts {
    KeyFacts {
        source: KeySource::Inventory,
        origin: "certificates/inventory.json".into(),
        present: Some(true),
        provider_name: Some("Microsoft RSA SChannel Cryptographic Provider".into()),
        provider_type: Some(12),
        key_spec: Some(1),
        machine_keyset: Some(true),
        is_cng: Some(false),
        accessible: Some(true),
        access_error: None,
    }
}

/// Run all rules and rank.
pub fn run(machines: Vec<MachineFacts>) -> Vec<Ranked> {
    let case = CaseFacts {
        machines,
        ..CaseFacts::default()
    };
    let view = CaseView::new(&case);
    crate::rank::rank(&case, crate::rules::run_all(&view).findings)
}

/// The finding for `cause` on `machine`.
pub fn find<'a>(f: &'a [Ranked], cause: Cause, machine: &str) -> Option<&'a Ranked> {
    f.iter()
        .find(|x| x.cause == cause && x.machine_name == machine)
}

/// Causes reported at medium or high confidence.
pub fn strong(f: &[Ranked]) -> Vec<(Cause, String)> {
    f.iter()
        .filter(|x| x.confidence >= crate::finding::Confidence::Medium)
        .map(|x| (x.cause, x.machine_name.clone()))
        .collect()
}
