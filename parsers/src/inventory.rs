//! `certificates/inventory.json` (bundle-v1). Every field optional; unknown fields ignored.
//!
//! CONTRACT (types fixed).
//!
//! Read with the same leniency as `manifest.json` (see [`crate::manifest`]):
//! BOMs, `null` as absent, wrong-typed fields dropped and listed. A top-level
//! array is read as the `certificates` list.

use crate::manifest::{json_value, kind_of, lenient_from_value, JsonMemberError, JsonParse};
use serde::{Deserialize, Serialize};

/// `private_key`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrivateKeyFacts {
    /// Provider name.
    pub provider_name: Option<String>,
    /// Provider type (0 for CNG).
    pub provider_type: Option<u32>,
    /// 1 AT_KEYEXCHANGE, 2 AT_SIGNATURE.
    pub key_spec: Option<u32>,
    /// Machine key set.
    pub machine_keyset: Option<bool>,
    /// Exportable.
    pub exportable: Option<bool>,
    /// CNG/KSP key.
    pub is_cng: Option<bool>,
    /// Opening the key worked (`None` = not tried).
    pub accessible: Option<bool>,
    /// Error text when opening failed.
    pub access_error: Option<String>,
}

/// One certificate entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InventoryEntry {
    /// `LocalMachine\My` etc.
    pub store: Option<String>,
    /// Bundle path of the `.cer`.
    pub file: Option<String>,
    /// SHA-1 thumbprint.
    pub thumbprint: Option<String>,
    /// Serial as Windows displays it.
    pub serial_number: Option<String>,
    /// Friendly name.
    pub friendly_name: Option<String>,
    /// Archived flag.
    pub archived: Option<bool>,
    /// HasPrivateKey.
    pub has_private_key: Option<bool>,
    /// Private-key facts; `None` when there is no key (or unknown).
    pub private_key: Option<PrivateKeyFacts>,
}

/// `inventory.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Inventory {
    /// Entries.
    pub certificates: Vec<InventoryEntry>,
}

/// Parse `inventory.json` (UTF-8, BOM tolerated). Fields or entries of the
/// wrong type are dropped silently here; use [`parse_inventory_lenient`] to
/// learn which.
pub fn parse_inventory(bytes: &[u8]) -> Result<Inventory, JsonMemberError> {
    parse_inventory_lenient(bytes).map(|p| p.value)
}

/// Parse `inventory.json` and report the fields that had to be dropped.
pub fn parse_inventory_lenient(bytes: &[u8]) -> Result<JsonParse<Inventory>, JsonMemberError> {
    let root = match json_value(bytes)? {
        list @ serde_json::Value::Array(_) => {
            let mut m = serde_json::Map::new();
            m.insert("certificates".to_owned(), list);
            serde_json::Value::Object(m)
        }
        obj @ serde_json::Value::Object(_) => obj,
        other => {
            return Err(JsonMemberError::Invalid(format!(
                "expected a JSON object at the top level, found {}",
                kind_of(&other)
            )))
        }
    };
    Ok(lenient_from_value(root))
}
