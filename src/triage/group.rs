//! Grouping inputs into cases (the rule is documented in `docs/triage.md`).
//!
//! A case key names where the grouping came from: `id:<case id>` (the collector's case id in the
//! zip's name), `folder:<path>` (the folder holding the bundles) or `input:<path>` (one input on
//! its own). Keys are compared as strings; they decide the order of cases and the shard a case
//! falls in.

use super::discover::{Input, InputKind};
use super::shard::stable_hash;
use std::path::Path;

/// How inputs are grouped into cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    /// By the collector's case id in a zip's name when present, else by the holding folder.
    #[default]
    Auto,
    /// By the folder holding the bundles (a loose-file folder is its own case).
    Folder,
    /// By the collector's case id in a zip's name; inputs without one are each their own case.
    CaseId,
    /// Every input is its own case.
    None,
}

/// The case key of `input` under `grouping`.
pub fn case_key(input: &Input, grouping: Grouping) -> String {
    let id = || {
        matches!(input.kind, InputKind::Zip)
            .then(|| input.path.file_name())
            .flatten()
            .and_then(|n| collector_case_id(&n.to_string_lossy()))
    };
    let own = || format!("input:{}", input.path.display());
    match grouping {
        Grouping::Auto => id()
            .map(|c| format!("id:{c}"))
            .unwrap_or_else(|| folder_key(input)),
        Grouping::Folder => folder_key(input),
        Grouping::CaseId => id().map(|c| format!("id:{c}")).unwrap_or_else(own),
        Grouping::None => own(),
    }
}

/// `folder:<the folder holding the input>`; a loose-file folder is the case itself.
fn folder_key(input: &Input) -> String {
    let folder = match input.kind {
        InputKind::LooseDir => input.path.as_path(),
        _ => input
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    };
    format!("folder:{}", folder.display())
}

/// The case id in a collector zip name: `[ScomCertBundle_]<case id>_<host>_<yyyyMMddTHHmmssZ>.zip`
/// (the case id may itself hold `_`; the collector writes `ScomCertBundle_<host>_<time>.zip`
/// when no case id was given, which has none). Case-insensitive on the prefix and extension.
pub fn collector_case_id(file_name: &str) -> Option<String> {
    let stem = file_name
        .len()
        .checked_sub(4)
        .filter(|&cut| {
            file_name.is_char_boundary(cut) && file_name[cut..].eq_ignore_ascii_case(".zip")
        })
        .map(|cut| &file_name[..cut])?;
    let stem = match stem.get(..15) {
        Some(p) if p.eq_ignore_ascii_case("ScomCertBundle_") => &stem[15..],
        _ => stem,
    };
    let (rest, time) = stem.rsplit_once('_')?;
    if !is_stamp(time) {
        return None;
    }
    let (case, host) = rest.rsplit_once('_')?;
    if case.is_empty() || host.is_empty() {
        return None;
    }
    Some(case.to_string())
}

/// `yyyyMMddTHHmmssZ`, as the collector stamps its zips.
fn is_stamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
}

/// The folder name of a case under `DIR/cases/`: the key made safe for any file system
/// (characters other than letters, digits, `.`, `_`, `-` become `_`, at most 60 of them) and a
/// hash of the full key, so that keys that look alike never share a folder.
pub fn case_dir_name(key: &str) -> String {
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    format!("{safe}-{:08x}", stable_hash(key.as_bytes()) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn zip(p: &str) -> Input {
        Input {
            path: PathBuf::from(p),
            kind: InputKind::Zip,
            bytes: 0,
        }
    }

    #[test]
    fn collector_names_give_the_case_id() {
        assert_eq!(
            collector_case_id("4711_GW01_20261205T101500Z.zip").as_deref(),
            Some("4711")
        );
        assert_eq!(
            collector_case_id("ScomCertBundle_TK_4711_GW01_20261205T101500Z.ZIP").as_deref(),
            Some("TK_4711")
        );
        // The collector without -CaseId: host and time only.
        assert_eq!(
            collector_case_id("ScomCertBundle_GW01_20261205T101500Z.zip"),
            None
        );
        assert_eq!(collector_case_id("gw01.zip"), None);
        assert_eq!(collector_case_id("4711_GW01_2026-12-05.zip"), None);
    }

    #[test]
    fn grouping_modes_follow_the_documented_rule() {
        let a = zip("share/flat/4711_GW01_20261205T101500Z.zip");
        let b = zip("share/T1/gw01.zip");
        assert_eq!(case_key(&a, Grouping::Auto), "id:4711");
        assert_eq!(case_key(&b, Grouping::Auto), "folder:share/T1");
        assert_eq!(case_key(&a, Grouping::Folder), "folder:share/flat");
        assert_eq!(case_key(&b, Grouping::CaseId), "input:share/T1/gw01.zip");
        assert_eq!(
            case_key(&a, Grouping::None),
            format!("input:{}", a.path.display())
        );
        let loose = Input {
            path: PathBuf::from("share/T2"),
            kind: InputKind::LooseDir,
            bytes: 0,
        };
        assert_eq!(case_key(&loose, Grouping::Auto), "folder:share/T2");
        assert_eq!(case_key(&zip("x.zip"), Grouping::Folder), "folder:.");
        let d = case_dir_name("folder:share/T1");
        assert!(d.starts_with("folder_share_T1-"), "{d}");
        assert_ne!(case_dir_name("folder:a/b"), case_dir_name("folder:a_b"));
    }
}
