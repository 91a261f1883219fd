//! The channel certificate: what the registry configures (`Machine Settings`), which
//! certificate that selects, and, without a registry export, which certificate is the probable
//! one (an inference, said so).

use super::certs::{self, scom_name};
use super::registry::{self, RegSource};
use super::{MachineFacts, RegFact};
use crate::knowledge::events;
use crate::knowledge::sets;
use crate::serial::{self, SerialMatch};
use serde::Serialize;

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
    /// The only end-entity certificate among files given without a store export or registry
    /// (or, among several, the only one with Server and Client Authentication): an inference.
    FileLeaf,
}

impl Selection {
    /// Whether the identification is an inference.
    pub fn is_inference(self) -> bool {
        matches!(
            self,
            Selection::EventName
                | Selection::SoleCandidate
                | Selection::NameMatch
                | Selection::FileLeaf
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
            Selection::FileLeaf => "assumed: the only end-entity certificate (or the only one with Server and Client Authentication) among the files given; no registry or store export tells which one is configured",
        }
    }
}

impl MachineFacts {
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
        for i in self.timeline.find(&sets::NAME_REJECTED).into_iter().rev() {
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
        if let Some(fq) = self.identity.fqdn.as_deref() {
            let named: Vec<usize> = c
                .iter()
                .copied()
                .filter(|i| {
                    scom_name(&self.certs[*i].cert)
                        .map(certs::norm_name)
                        .as_deref()
                        == Some(fq)
                })
                .collect();
            if let [one] = named.as_slice() {
                return Some((*one, Selection::NameMatch));
            }
        }
        // Only files (a .p7b from the CA, a .cer): the one end-entity certificate fit for SCOM.
        if c.is_empty() && !self.inputs.my_store_known() {
            // The one end-entity certificate of the files; among several, the one with Server
            // and Client Authentication.
            let leaves: Vec<usize> = (0..self.certs.len())
                .filter(|i| {
                    let e = &self.certs[*i];
                    !e.is_ca() && e.only_in_files()
                })
                .collect();
            let fit: Vec<usize> = leaves
                .iter()
                .copied()
                .filter(|i| certs::has_server_and_client_auth(&self.certs[*i].cert))
                .collect();
            match (leaves.as_slice(), fit.as_slice()) {
                ([one], _) | (_, [one]) => return Some((*one, Selection::FileLeaf)),
                _ => {}
            }
        }
        None
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
}

/// Read `Machine Settings` and relate the registry serial and hash to the machine's certificates.
pub(crate) fn read_channel(mf: &MachineFacts, regs: &[RegSource<'_>]) -> ChannelConfig {
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
        // Without an export of LocalMachine\My, a certificate known only from files (a loose
        // .cer, a .p7b) whose serial matches is the configured one.
        let loose: Vec<usize> = matches
            .iter()
            .copied()
            .filter(|i| mf.certs[*i].only_in_files())
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
