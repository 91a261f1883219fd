//! Private-key and archive facts from the collector's `certificates/inventory.json`.

use super::certs::{KeyFacts, KeySource};
use super::MachineFacts;
use crate::serial;
use scomtriage_parsers::inventory::Inventory;

/// Apply the inventory's facts to the certificates it names; entries without a certificate file
/// are kept as inventory-only.
pub(crate) fn apply_inventory(mf: &mut MachineFacts, file: &str, inv: &Inventory) {
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
