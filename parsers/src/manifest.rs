//! `manifest.json` (bundle-v1). Every field optional; unknown fields ignored.
//!
//! CONTRACT (types fixed).
//!
//! Also holds the lenient JSON reading shared with [`crate::inventory`]:
//! - text: UTF-8 with or without BOM; UTF-16 with BOM is accepted too
//!   (Windows PowerShell 5.1 `Out-File` writes UTF-16LE by default);
//! - `null` anywhere is the same as a missing field;
//! - a field whose value has the wrong type is dropped, not the whole file:
//!   the rest is kept and the dropped field is listed in
//!   [`JsonParse::skipped`] with its path and serde's message;
//! - an object where a list is expected is read as a one-element list
//!   (PowerShell 5.1 `ConvertTo-Json` unrolls one-element arrays);
//! - only text that is not JSON at all is an error
//!   ([`JsonMemberError::Invalid`], with serde's line and column).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
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

/// A field dropped because its value did not fit the expected type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedField {
    /// Where, e.g. `computer.domain_joined` or `errors[2].step`.
    pub path: String,
    /// serde's message, e.g. `invalid type: string "yes", expected a boolean`.
    pub message: String,
}

/// A JSON member read leniently: the value and the fields that were dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonParse<T> {
    /// What was read.
    pub value: T,
    /// Fields left out because their value had the wrong type.
    pub skipped: Vec<SkippedField>,
}

/// Parse `manifest.json` (UTF-8, BOM tolerated). Fields of the wrong type
/// are dropped silently here; use [`parse_manifest_lenient`] to learn which.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, JsonMemberError> {
    parse_manifest_lenient(bytes).map(|p| p.value)
}

/// Parse `manifest.json` and report the fields that had to be dropped.
pub fn parse_manifest_lenient(bytes: &[u8]) -> Result<JsonParse<Manifest>, JsonMemberError> {
    let root = json_value(bytes)?;
    if !root.is_object() {
        return Err(JsonMemberError::Invalid(format!(
            "expected a JSON object at the top level, found {}",
            kind_of(&root)
        )));
    }
    Ok(lenient_from_value(root))
}

/// Bytes to a JSON value: BOM handling and syntax check.
pub(crate) fn json_value(bytes: &[u8]) -> Result<Value, JsonMemberError> {
    let syntax = |e: serde_json::Error| JsonMemberError::Invalid(e.to_string());
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return serde_json::from_slice(rest).map_err(syntax);
    }
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((rest, false)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, true)),
        _ => None,
    };
    match utf16 {
        Some((rest, big_endian)) => {
            let units = rest.chunks_exact(2).map(|p| {
                if big_endian {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            });
            let text: String = char::decode_utf16(units)
                .collect::<Result<_, _>>()
                .map_err(|e| {
                    JsonMemberError::Invalid(format!(
                        "UTF-16 text with an unpaired surrogate 0x{:04x}",
                        e.unpaired_surrogate()
                    ))
                })?;
            if rest.len() % 2 == 1 {
                return Err(JsonMemberError::Invalid(format!(
                    "UTF-16 text with an odd number of bytes ({})",
                    rest.len()
                )));
            }
            serde_json::from_str(&text).map_err(syntax)
        }
        None => serde_json::from_slice(bytes).map_err(syntax),
    }
}

/// Name of a JSON value's type, for messages.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Deserialize `root` into `T`, dropping what does not fit.
pub(crate) fn lenient_from_value<T: DeserializeOwned + Default>(mut root: Value) -> JsonParse<T> {
    strip_nulls(&mut root);
    if let Ok(value) = serde_json::from_value::<T>(root.clone()) {
        return JsonParse {
            value,
            skipped: Vec::new(),
        };
    }
    let mut skipped = Vec::new();
    let mut path = Vec::new();
    let cleaned = clean::<T>(&mut path, root, &mut skipped);
    // `clean` keeps only what fits, so this succeeds; the default is a
    // safety net, never a silent loss: `skipped` already says what was dropped.
    let value = cleaned
        .and_then(|v| serde_json::from_value::<T>(v).ok())
        .unwrap_or_default();
    JsonParse { value, skipped }
}

/// `null` is the same as absent: remove object members that are `null`
/// (so a list field given as `null` becomes the empty default).
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, child| !child.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// One step of a path inside the document.
enum Step {
    Key(String),
    Index(usize),
}

fn path_text(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        out.push_str("(top level)");
    }
    out
}

/// Whether `leaf`, placed at `path` in an otherwise empty document, fits `T`.
/// Every field being optional, this tests one branch of the document alone.
fn fits<T: DeserializeOwned>(path: &[Step], leaf: Value) -> Result<(), serde_json::Error> {
    let doc = path.iter().rev().fold(leaf, |inner, step| match step {
        Step::Key(k) => {
            let mut m = Map::new();
            m.insert(k.clone(), inner);
            Value::Object(m)
        }
        Step::Index(_) => Value::Array(vec![inner]),
    });
    serde_json::from_value::<T>(doc).map(|_| ())
}

/// Keep what fits at `path`: descend into objects and arrays, drop scalars
/// of the wrong type (recorded in `skipped`).
fn clean<T: DeserializeOwned>(
    path: &mut Vec<Step>,
    v: Value,
    skipped: &mut Vec<SkippedField>,
) -> Option<Value> {
    let err = match fits::<T>(path, v.clone()) {
        Ok(()) => return Some(v),
        Err(e) => e,
    };
    let drop = |skipped: &mut Vec<SkippedField>, path: &[Step], e: &serde_json::Error| {
        skipped.push(SkippedField {
            path: path_text(path),
            message: e.to_string(),
        });
        None
    };
    match v {
        Value::Object(map) => {
            if fits::<T>(path, Value::Object(Map::new())).is_err() {
                // PowerShell writes a one-element list as the element itself.
                if fits::<T>(path, Value::Array(vec![Value::Object(Map::new())])).is_ok() {
                    return clean::<T>(path, Value::Array(vec![Value::Object(map)]), skipped);
                }
                return drop(skipped, path, &err);
            }
            let mut kept = Map::new();
            for (k, child) in map {
                path.push(Step::Key(k));
                let cleaned = clean::<T>(path, child, skipped);
                if let (Some(Step::Key(k)), Some(c)) = (path.pop(), cleaned) {
                    kept.insert(k, c);
                }
            }
            Some(Value::Object(kept))
        }
        Value::Array(items) => {
            if fits::<T>(path, Value::Array(Vec::new())).is_err() {
                return drop(skipped, path, &err);
            }
            let mut kept = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                path.push(Step::Index(i));
                if let Some(c) = clean::<T>(path, item, skipped) {
                    kept.push(c);
                }
                path.pop();
            }
            Some(Value::Array(kept))
        }
        _ => drop(skipped, path, &err),
    }
}
