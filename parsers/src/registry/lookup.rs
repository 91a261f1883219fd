//! Registry path comparison: case-insensitive, hive abbreviations, and the
//! `WOW6432Node` alias.
//!
//! Registry key and value names are case-insensitive (Windows compares them
//! upper-cased). A `reg export` always writes the full hive name
//! (`HKEY_LOCAL_MACHINE`), while people and tools write `HKLM`; both are
//! accepted everywhere. An export made from a 32-bit process, or of a 32-bit
//! product, holds `SOFTWARE\WOW6432Node\…` where a 64-bit one holds
//! `SOFTWARE\…`.

/// The 32-bit registry view's key under `SOFTWARE`.
const WOW: &str = "WOW6432Node";

/// Full hive name for the usual abbreviations, else the component itself.
fn hive(component: &str) -> &str {
    const ALIASES: [(&str, &str); 5] = [
        ("HKLM", "HKEY_LOCAL_MACHINE"),
        ("HKCU", "HKEY_CURRENT_USER"),
        ("HKCR", "HKEY_CLASSES_ROOT"),
        ("HKU", "HKEY_USERS"),
        ("HKCC", "HKEY_CURRENT_CONFIG"),
    ];
    ALIASES
        .iter()
        .find(|(short, _)| short.eq_ignore_ascii_case(component))
        .map_or(component, |(_, long)| long)
}

/// Whether `root` is a hive name (full or abbreviated).
pub(super) fn is_hive(root: &str) -> bool {
    const HIVES: [&str; 7] = [
        "HKEY_LOCAL_MACHINE",
        "HKEY_CURRENT_USER",
        "HKEY_CLASSES_ROOT",
        "HKEY_USERS",
        "HKEY_CURRENT_CONFIG",
        "HKEY_PERFORMANCE_DATA",
        "HKEY_DYN_DATA",
    ];
    let root = hive(root);
    HIVES.iter().any(|h| h.eq_ignore_ascii_case(root))
}

/// Path components: empty components (leading, trailing or doubled `\`)
/// are dropped and the hive abbreviation is expanded.
pub(super) fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split('\\')
        .filter(|c| !c.is_empty())
        .enumerate()
        .map(|(i, c)| if i == 0 { hive(c) } else { c })
}

/// Case-insensitive name comparison.
pub(super) fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_uppercase)
        .eq(b.chars().flat_map(char::to_uppercase))
}

/// One canonical spelling of a key path (upper-case, full hive name, single
/// separators), for hashing.
pub(super) fn canonical(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, c) in components(path).enumerate() {
        if i > 0 {
            out.push('\\');
        }
        out.extend(c.chars().flat_map(char::to_uppercase));
    }
    out
}

/// Whether a stored key path equals the query components.
pub(super) fn path_is(stored: &str, query: &[&str]) -> bool {
    let mut it = components(stored);
    for q in query {
        match it.next() {
            Some(c) if eq_ci(c, q) => {}
            _ => return false,
        }
    }
    it.next().is_none()
}

/// If a stored key path is a direct child of the query components, its leaf
/// name.
pub(super) fn child_leaf<'s>(stored: &'s str, parent: &[&str]) -> Option<&'s str> {
    let mut it = components(stored);
    for q in parent {
        match it.next() {
            Some(c) if eq_ci(c, q) => {}
            _ => return None,
        }
    }
    let leaf = it.next()?;
    it.next().is_none().then_some(leaf)
}

/// The same path in the other registry view: `…\SOFTWARE\X` ↔
/// `…\SOFTWARE\WOW6432Node\X` (only when something follows `SOFTWARE`).
pub(super) fn wow_alias<'a>(query: &[&'a str]) -> Option<Vec<&'a str>> {
    let [root, software, rest @ ..] = query else {
        return None;
    };
    if !(eq_ci(root, "HKEY_LOCAL_MACHINE") || eq_ci(root, "HKEY_CURRENT_USER"))
        || !eq_ci(software, "SOFTWARE")
        || rest.is_empty()
    {
        return None;
    }
    let mut alias = vec![*root, *software];
    match rest {
        [first, after @ ..] if eq_ci(first, WOW) => {
            if after.is_empty() {
                return None;
            }
            alias.extend_from_slice(after);
        }
        _ => {
            alias.push(WOW);
            alias.extend_from_slice(rest);
        }
    }
    Some(alias)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_expand_hive_and_drop_empty() {
        let c: Vec<_> = components(r"hklm\SOFTWARE\\X\").collect();
        assert_eq!(c, ["HKEY_LOCAL_MACHINE", "SOFTWARE", "X"]);
        assert_eq!(
            canonical(r"HKLM\Software\Ab"),
            r"HKEY_LOCAL_MACHINE\SOFTWARE\AB"
        );
    }

    #[test]
    fn case_insensitive() {
        assert!(eq_ci("Machine Settings", "machine SETTINGS"));
        assert!(eq_ci("Ärger", "äRGER"));
        assert!(!eq_ci("a", "ab"));
        assert!(path_is(
            r"HKEY_LOCAL_MACHINE\A\b",
            &["HKEY_LOCAL_MACHINE", "a", "B"]
        ));
        assert!(!path_is(
            r"HKEY_LOCAL_MACHINE\A\b\c",
            &["HKEY_LOCAL_MACHINE", "a", "B"]
        ));
        assert!(!path_is(
            r"HKEY_LOCAL_MACHINE\A",
            &["HKEY_LOCAL_MACHINE", "a", "B"]
        ));
    }

    #[test]
    fn children() {
        let p = ["HKEY_LOCAL_MACHINE", "A"];
        assert_eq!(child_leaf(r"HKLM\a\B", &p), Some("B"));
        assert_eq!(child_leaf(r"HKLM\a\B\C", &p), None);
        assert_eq!(child_leaf(r"HKLM\a", &p), None);
    }

    #[test]
    fn wow() {
        let q = ["HKEY_LOCAL_MACHINE", "SOFTWARE", "Microsoft"];
        assert_eq!(
            wow_alias(&q),
            Some(vec![
                "HKEY_LOCAL_MACHINE",
                "SOFTWARE",
                "WOW6432Node",
                "Microsoft"
            ])
        );
        let q = ["HKEY_LOCAL_MACHINE", "Software", "wow6432node", "Microsoft"];
        assert_eq!(
            wow_alias(&q),
            Some(vec!["HKEY_LOCAL_MACHINE", "Software", "Microsoft"])
        );
        assert_eq!(wow_alias(&["HKEY_LOCAL_MACHINE", "SOFTWARE"]), None);
        assert_eq!(wow_alias(&["HKEY_LOCAL_MACHINE", "SYSTEM", "X"]), None);
        assert!(is_hive("hklm") && is_hive("HKEY_USERS") && !is_hive("SOFTWARE"));
    }
}
