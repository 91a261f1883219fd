//! Parents (management servers or gateways) and management groups from the registry.

use super::certs;
use super::registry::{self, RegSource};
use super::{MachineFacts, ParentRef};

/// Read the management groups and their parent health services.
pub(crate) fn read_parents(mf: &mut MachineFacts, regs: &[RegSource<'_>]) {
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

impl MachineFacts {
    /// Names of the parents the machine connects to (registry and events), normalised, sorted.
    pub fn parent_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .parents
            .iter()
            .map(|p| p.network_name.clone())
            .collect();
        v.extend(self.timeline.peers.keys().cloned());
        v.sort();
        v.dedup();
        v
    }
}
