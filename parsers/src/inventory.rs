//! `certificates/inventory.json` (bundle-v1). Every field optional; unknown fields ignored.
//!
//! CONTRACT (types fixed).

use crate::manifest::JsonMemberError;
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

/// Parse `inventory.json` (UTF-8, BOM tolerated).
pub fn parse_inventory(_bytes: &[u8]) -> Result<Inventory, JsonMemberError> {
    Err(JsonMemberError::Invalid("not implemented yet".into()))
}
