//! Who a machine is: its FQDN from the manifest, `tcpip.reg` and the events' Computer field
//! (disagreements kept), and its SCOM role and version (manifest, else `3.0\Setup`, §3.2).

use super::certs::norm_name;
use super::registry::{self, RegSource};
use scomtriage_parsers::manifest::Manifest;
use serde::Serialize;

/// One claim about the machine's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameClaim {
    /// The name, normalised (lower-case, no trailing dot).
    pub name: String,
    /// Where it comes from.
    pub source: String,
}

/// Identity of a machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The FQDN used for checks (first of: manifest, tcpip.reg, events), normalised.
    pub fqdn: Option<String>,
    /// Where [`Identity::fqdn`] came from.
    pub fqdn_source: Option<String>,
    /// Every claim found.
    pub claims: Vec<NameClaim>,
    /// Claims that disagree with the chosen FQDN, in words.
    pub disagreements: Vec<String>,
    /// NetBIOS / host label.
    pub netbios: Option<String>,
    /// Domain member (manifest).
    pub domain_joined: Option<bool>,
    /// IPv4/IPv6 addresses from `Tcpip\Parameters\Interfaces` (parents name children by IP in
    /// 20067, 20002 and 21002).
    pub ips: Vec<String>,
}

impl Identity {
    /// Build from the available sources. `event_computer` is the most common Computer value.
    pub fn build(
        manifest: Option<(&str, &Manifest)>,
        regs: &[RegSource<'_>],
        event_computer: Option<&str>,
    ) -> Identity {
        let mut id = Identity::default();
        if let Some((file, m)) = manifest {
            if let Some(c) = &m.computer {
                let fq = c.fqdn.clone().filter(|s| !s.trim().is_empty()).or_else(|| {
                    match (&c.dns_hostname, &c.dns_domain) {
                        (Some(h), Some(d)) if !h.is_empty() && !d.is_empty() => {
                            Some(format!("{h}.{d}"))
                        }
                        (Some(h), _) if !h.is_empty() => Some(h.clone()),
                        _ => None,
                    }
                });
                if let Some(f) = fq {
                    id.claims.push(NameClaim {
                        name: norm_name(&f),
                        source: format!("{file} computer.fqdn"),
                    });
                }
                id.netbios = c.netbios_name.clone().or_else(|| c.dns_hostname.clone());
                id.domain_joined = c.domain_joined;
            }
        }
        let host = registry::find_value(regs, registry::TCPIP, "Hostname");
        if let Some(h) = host.as_ref().and_then(|l| registry::as_text(l.value)) {
            let dom = ["Domain", "NV Domain"].iter().find_map(|n| {
                registry::find_value(regs, registry::TCPIP, n)
                    .and_then(|l| registry::as_text(l.value).map(|s| s.to_string()))
                    .filter(|s| !s.trim().is_empty())
            });
            let name = match &dom {
                Some(d) => format!("{h}.{d}"),
                None => h.to_string(),
            };
            if let Some(l) = &host {
                id.claims.push(NameClaim {
                    name: norm_name(&name),
                    source: format!(
                        "{} Tcpip\\Parameters Hostname+Domain (line {})",
                        l.file, l.value.line
                    ),
                });
            }
            if id.netbios.is_none() {
                id.netbios = Some(h.to_string());
            }
        }
        for (_, k) in registry::children_of(regs, &format!("{}\\Interfaces", registry::TCPIP)) {
            let mut addrs: Vec<String> = Vec::new();
            if let Some(v) = registry::value(k, "IPAddress") {
                match &v.data {
                    scomtriage_parsers::registry::RegData::MultiString(list) => {
                        addrs.extend(list.iter().cloned())
                    }
                    _ => addrs.extend(registry::as_text(v).map(|s| s.to_string())),
                }
            }
            if let Some(v) = registry::value(k, "DhcpIPAddress") {
                addrs.extend(registry::as_text(v).map(|s| s.to_string()));
            }
            for a in addrs {
                let a = a.trim().to_string();
                if !a.is_empty() && a != "0.0.0.0" && !id.ips.contains(&a) {
                    id.ips.push(a);
                }
            }
        }
        if let Some(c) = event_computer {
            id.claims.push(NameClaim {
                name: norm_name(c),
                source: "Computer field of the events".into(),
            });
        }
        if let Some(first) = id.claims.first().cloned() {
            id.fqdn = Some(first.name.clone());
            id.fqdn_source = Some(first.source.clone());
            for c in &id.claims[1..] {
                if c.name != first.name {
                    id.disagreements.push(format!(
                        "{} says {}, {} says {}",
                        first.source, first.name, c.source, c.name
                    ));
                }
            }
        }
        id
    }
}

/// SCOM role of a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MachineRole {
    /// Agent.
    Agent,
    /// Gateway server.
    Gateway,
    /// Management server.
    ManagementServer,
    /// Not known.
    Unknown,
}

impl MachineRole {
    /// Id as used in the manifest and the JSON output.
    pub fn id(self) -> &'static str {
        match self {
            MachineRole::Agent => "agent",
            MachineRole::Gateway => "gateway",
            MachineRole::ManagementServer => "management_server",
            MachineRole::Unknown => "unknown",
        }
    }

    /// Words for reports.
    pub fn words(self) -> &'static str {
        match self {
            MachineRole::Agent => "agent",
            MachineRole::Gateway => "gateway",
            MachineRole::ManagementServer => "management server",
            MachineRole::Unknown => "machine",
        }
    }
}

/// Role and version with their source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleFacts {
    /// Role.
    pub role: MachineRole,
    /// Product version.
    pub version: Option<String>,
    /// Product name.
    pub product: Option<String>,
    /// Where the role came from (`None` when unknown).
    pub source: Option<String>,
}

impl RoleFacts {
    /// Manifest first, then the `Setup` key rules of the Data Collector (§3.2).
    pub fn build(manifest: Option<(&str, &Manifest)>, regs: &[RegSource<'_>]) -> RoleFacts {
        let mut rf = RoleFacts {
            role: MachineRole::Unknown,
            version: None,
            product: None,
            source: None,
        };
        if let Some((file, m)) = manifest {
            if let Some(s) = &m.scom {
                rf.version = s.version.clone();
                rf.product = s.product.clone();
                let role = match s.role.as_deref().map(|r| r.trim().to_ascii_lowercase()) {
                    Some(r) if r == "agent" => MachineRole::Agent,
                    Some(r) if r == "gateway" => MachineRole::Gateway,
                    Some(r) if r == "management_server" => MachineRole::ManagementServer,
                    _ => MachineRole::Unknown,
                };
                if role != MachineRole::Unknown {
                    rf.role = role;
                    rf.source = Some(format!("{file} scom.role"));
                }
            }
        }
        let text = |name: &str| {
            registry::find_value(regs, registry::SETUP, name)
                .and_then(|l| registry::as_text(l.value).map(|s| s.to_string()))
        };
        if rf.version.is_none() {
            rf.version = text("CurrentVersion")
                .or_else(|| text("ServerVersion"))
                .or_else(|| text("AgentVersion"));
        }
        if rf.product.is_none() {
            rf.product = text("Product");
        }
        if rf.role == MachineRole::Unknown {
            let product = text("Product").unwrap_or_default();
            let install = text("InstallDirectory").unwrap_or_default();
            let p = product.to_ascii_lowercase();
            if p == "microsoft monitoring agent" {
                rf.role = MachineRole::Agent;
                rf.source = Some("registry 3.0\\Setup Product = Microsoft Monitoring Agent".into());
            } else if p.starts_with("system center operations manager") && p.contains("server") {
                if install.to_ascii_lowercase().contains("gateway") {
                    rf.role = MachineRole::Gateway;
                    rf.source =
                        Some("registry 3.0\\Setup Product and InstallDirectory (Gateway)".into());
                } else {
                    rf.role = MachineRole::ManagementServer;
                    rf.source = Some("registry 3.0\\Setup Product".into());
                }
            } else if !registry::children_of(regs, registry::SERVER_MGS).is_empty() {
                rf.role = MachineRole::ManagementServer;
                rf.source = Some("registry 3.0\\Server Management Groups present (inference: a gateway has it too)".into());
            } else if !registry::children_of(regs, registry::AGENT_MGS).is_empty() {
                rf.role = MachineRole::Agent;
                rf.source =
                    Some("registry 3.0\\Agent Management Groups present (inference)".into());
            }
        }
        rf
    }
}
