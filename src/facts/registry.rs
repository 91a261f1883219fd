//! Reading SCOM facts out of `reg export` files: key lookup that tolerates `HKLM\` and
//! `WOW6432Node\`, and the values the diagnosis needs (§3 of the reference).
//!
//! The lookup is done here over [`RegFile::keys`] rather than through the parser's helpers so
//! that several exports of one machine can be searched together.

use scomtriage_parsers::registry::{RegData, RegFile, RegKey, RegValue};

/// One registry file of a machine, with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct RegSource<'a> {
    /// Bundle label and member path, for evidence.
    pub file: &'a str,
    /// The parsed file.
    pub reg: &'a RegFile,
}

/// A value found in a registry export, with its location.
#[derive(Debug, Clone)]
pub struct Located<'a> {
    /// File label.
    pub file: &'a str,
    /// Key.
    pub key: &'a RegKey,
    /// Value.
    pub value: &'a RegValue,
}

/// Normalise a key path for comparison: lower-case, `HKLM` expanded, `WOW6432Node` removed,
/// no trailing backslash.
pub fn norm_key(path: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (i, p) in path.trim().trim_matches('\\').split('\\').enumerate() {
        let l = p.to_ascii_lowercase();
        if i == 0 && l == "hklm" {
            parts.push("hkey_local_machine".into());
        } else if l == "wow6432node" {
            continue;
        } else {
            parts.push(l);
        }
    }
    parts.join("\\")
}

/// Whether a normalised key path is `suffix` (normalised) or ends with it at a component
/// boundary.
fn path_ends_with(path: &str, suffix: &str) -> bool {
    path == suffix || path.ends_with(&format!("\\{suffix}"))
}

/// Keys (not deleted) of every source whose normalised path passes `keep`.
fn live_keys_where<'a>(
    sources: &[RegSource<'a>],
    keep: impl Fn(&str) -> bool,
) -> Vec<(&'a str, &'a RegKey)> {
    let mut out = Vec::new();
    for s in sources {
        for k in &s.reg.keys {
            if !k.deleted && keep(&norm_key(&k.path)) {
                out.push((s.file, k));
            }
        }
    }
    out
}

/// Keys (not deleted) whose normalised path ends with `suffix` (normalised, starting at a
/// component boundary).
pub fn keys_ending_with<'a>(sources: &[RegSource<'a>], suffix: &str) -> Vec<(&'a str, &'a RegKey)> {
    let suf = norm_key(suffix);
    live_keys_where(sources, |n| path_ends_with(n, &suf))
}

/// Keys that are direct children of a key ending with `parent_suffix`.
pub fn children_of<'a>(
    sources: &[RegSource<'a>],
    parent_suffix: &str,
) -> Vec<(&'a str, &'a RegKey)> {
    let suf = norm_key(parent_suffix);
    live_keys_where(sources, |n| {
        n.rsplit_once('\\')
            .is_some_and(|(parent, _leaf)| path_ends_with(parent, &suf))
    })
}

/// Case-insensitive value lookup in one key.
pub fn value<'a>(key: &'a RegKey, name: &str) -> Option<&'a RegValue> {
    key.values.iter().find(|v| match (&v.name, name) {
        (None, "") | (None, "@") => true,
        (Some(n), _) => n.eq_ignore_ascii_case(name),
        _ => false,
    })
}

/// The first value `name` in a key ending with `key_suffix`.
pub fn find_value<'a>(
    sources: &[RegSource<'a>],
    key_suffix: &str,
    name: &str,
) -> Option<Located<'a>> {
    keys_ending_with(sources, key_suffix)
        .into_iter()
        .find_map(|(file, key)| value(key, name).map(|value| Located { file, key, value }))
}

/// String content of a value (REG_SZ, REG_EXPAND_SZ, first of REG_MULTI_SZ).
pub fn as_text(v: &RegValue) -> Option<&str> {
    match &v.data {
        RegData::String(s) | RegData::ExpandString(s) => Some(s.as_str()),
        RegData::MultiString(m) => m.first().map(|s| s.as_str()),
        _ => None,
    }
}

/// Bytes of a REG_BINARY (or other hex) value.
pub fn as_bytes(v: &RegValue) -> Option<&[u8]> {
    match &v.data {
        RegData::Binary(b) => Some(b.as_slice()),
        RegData::Other { bytes, .. } => Some(bytes.as_slice()),
        _ => None,
    }
}

/// A DWORD value.
pub fn as_dword(v: &RegValue) -> Option<u32> {
    match &v.data {
        RegData::Dword(d) => Some(*d),
        RegData::Qword(q) => u32::try_from(*q).ok(),
        RegData::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Path of the SCOM 3.0 key, relative (suffix form).
pub const OPSMGR_30: &str = r"SOFTWARE\Microsoft\Microsoft Operations Manager\3.0";
/// `Machine Settings` (with the space; §3.1).
pub const MACHINE_SETTINGS: &str =
    r"SOFTWARE\Microsoft\Microsoft Operations Manager\3.0\Machine Settings";
/// `Setup` (role and version; §3.2).
pub const SETUP: &str = r"SOFTWARE\Microsoft\Microsoft Operations Manager\3.0\Setup";
/// Agent management groups (§3.3).
pub const AGENT_MGS: &str =
    r"SOFTWARE\Microsoft\Microsoft Operations Manager\3.0\Agent Management Groups";
/// Server management groups (§3.3).
pub const SERVER_MGS: &str =
    r"SOFTWARE\Microsoft\Microsoft Operations Manager\3.0\Server Management Groups";
/// TCP/IP parameters (host name and domain).
pub const TCPIP: &str = r"Services\Tcpip\Parameters";

/// Whether any key of the SCOM 3.0 tree is present.
pub fn has_opsmgr(sources: &[RegSource<'_>]) -> bool {
    let suf = norm_key(OPSMGR_30);
    sources.iter().any(|s| {
        s.reg.keys.iter().any(|k| {
            let n = norm_key(&k.path);
            n.ends_with(&suf) || n.contains(&format!("{suf}\\"))
        })
    })
}

/// Where a certificate-store `Blob` lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreKey {
    /// `SystemCertificates`, `Policies` or `EnterpriseCertificates`.
    pub location: super::certs::StoreLocation,
    /// Store name as written (`MY`, `ROOT`, `CA`, …).
    pub store: String,
    /// Thumbprint from the key name.
    pub thumbprint: String,
}

/// Recognise `…\SystemCertificates\<STORE>\Certificates\<SHA1>` (and the policy and enterprise
/// forms) in a key path.
pub fn store_key(path: &str) -> Option<StoreKey> {
    use super::certs::StoreLocation;
    let n = norm_key(path);
    let parts: Vec<&str> = n.split('\\').collect();
    let ci = parts.iter().rposition(|p| *p == "certificates")?;
    if ci + 2 != parts.len() || ci < 2 {
        return None;
    }
    let thumb = parts[ci + 1];
    let root = parts[ci - 2];
    let user_hive = matches!(parts.first(), Some(h) if h.starts_with("hkey_current_user") || h.starts_with("hkey_users") || *h == "hkcu");
    let location = match root {
        "systemcertificates" if user_hive => StoreLocation::CurrentUser,
        "systemcertificates" => {
            if ci >= 4 && parts[ci - 4] == "policies" {
                StoreLocation::GroupPolicy
            } else {
                StoreLocation::LocalMachine
            }
        }
        "enterprisecertificates" => StoreLocation::Enterprise,
        _ => return None,
    };
    // Original spelling of the store name.
    let orig: Vec<&str> = path
        .trim()
        .trim_matches('\\')
        .split('\\')
        .filter(|p| !p.eq_ignore_ascii_case("wow6432node"))
        .collect();
    let store = orig
        .get(orig.len().saturating_sub(3))
        .map(|s| s.to_string())
        .unwrap_or_default();
    Some(StoreKey {
        location,
        store,
        thumbprint: thumb.to_ascii_uppercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::certs::StoreLocation;

    #[test]
    fn normalises_hklm_and_wow() {
        assert_eq!(
            norm_key(r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Microsoft Operations Manager\3.0\"),
            r"hkey_local_machine\software\microsoft\microsoft operations manager\3.0"
        );
    }

    #[test]
    fn recognises_store_keys() {
        let k = store_key(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates\MY\Certificates\6F1C0A5E3B7D2C9A8E4F1B0D3C5A7E9F2B4D6A8C")
            .expect("store key");
        assert_eq!(k.location, StoreLocation::LocalMachine);
        assert_eq!(k.store, "MY");
        let k = store_key(r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\SystemCertificates\Root\Certificates\AB")
            .expect("policy");
        assert_eq!(k.location, StoreLocation::GroupPolicy);
        assert_eq!(k.store, "Root");
        let k = store_key(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\EnterpriseCertificates\NTAuth\Certificates\CD",
        )
        .expect("enterprise");
        assert_eq!(k.location, StoreLocation::Enterprise);
        assert!(store_key(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates\MY\Certificates"
        )
        .is_none());
        assert!(
            store_key(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates\MY\CRLs\AB")
                .is_none()
        );
    }
}
