//! `manifest.json` (bundle-v1). Every field optional; unknown fields ignored.
//!
//! CONTRACT (types fixed).

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Errors reading JSON members.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum JsonMemberError {
    /// Not valid JSON, or a field has the wrong type.
    #[error("invalid JSON: {0}")]
    Invalid(String),
}

/// `computer`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Computer {
    /// NetBIOS name.
    pub netbios_name: Option<String>,
    /// DNS host label.
    pub dns_hostname: Option<String>,
    /// DNS domain.
    pub dns_domain: Option<String>,
    /// FQDN.
    pub fqdn: Option<String>,
    /// Domain member?
    pub domain_joined: Option<bool>,
    /// Workgroup name.
    pub workgroup: Option<String>,
}

/// `time_zone`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimeZone {
    /// Windows time zone id.
    pub id: Option<String>,
    /// Offset from UTC in minutes.
    pub utc_offset_minutes: Option<i32>,
}

/// `os`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Os {
    /// Caption.
    pub caption: Option<String>,
    /// Version.
    pub version: Option<String>,
}

/// `scom`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scom {
    /// `agent`, `gateway`, `management_server`, `unknown` (kept as text; unknown strings preserved).
    pub role: Option<String>,
    /// Product name.
    pub product: Option<String>,
    /// Version.
    pub version: Option<String>,
    /// Install directory.
    pub install_directory: Option<String>,
}

/// `health_service`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthService {
    /// Service status text.
    pub status: Option<String>,
    /// Start time, RFC 3339.
    pub started_at: Option<String>,
}

/// `collector`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CollectorInfo {
    /// Script name.
    pub name: Option<String>,
    /// Script version.
    pub version: Option<String>,
}

/// One entry of `errors`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StepError {
    /// Step name.
    pub step: Option<String>,
    /// Error message.
    pub message: Option<String>,
}

/// `manifest.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Manifest {
    /// `scomtriage-bundle`.
    pub format: Option<String>,
    /// 1.
    pub format_version: Option<u32>,
    /// Collector identity.
    pub collector: Option<CollectorInfo>,
    /// Collection time, RFC 3339 UTC.
    pub collected_at: Option<String>,
    /// Machine identity.
    pub computer: Option<Computer>,
    /// Time zone.
    pub time_zone: Option<TimeZone>,
    /// OS.
    pub os: Option<Os>,
    /// SCOM role and version.
    pub scom: Option<Scom>,
    /// Health Service state.
    pub health_service: Option<HealthService>,
    /// Steps that failed on the customer's machine.
    pub errors: Option<Vec<StepError>>,
}

/// Parse `manifest.json` (UTF-8, BOM tolerated).
pub fn parse_manifest(_bytes: &[u8]) -> Result<Manifest, JsonMemberError> {
    Err(JsonMemberError::Invalid("not implemented yet".into()))
}
