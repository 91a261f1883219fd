//! `reg export` text files (`.reg`), parsed with nom.
//!
//! CONTRACT (types fixed).
//!
//! What is accepted:
//! - Encodings: UTF-16LE with BOM (what `reg export` and `regedit /e` write),
//!   UTF-16BE with BOM, UTF-8 with or without BOM, UTF-16 without BOM (found
//!   from the zero bytes of the ASCII header), and 8-bit text that is not UTF-8
//!   (read as Windows-1252, with a problem noted). Damaged text is never fatal:
//!   an odd byte count in UTF-16 (a truncated file) drops the last byte and an
//!   unpaired surrogate becomes U+FFFD; each is listed in
//!   [`RegParse::problems`] with its line.
//! - Headers `Windows Registry Editor Version 5.00` and `REGEDIT4` (the first
//!   non-blank line); anything else is [`RegError::NotRegistryExport`].
//! - Every value form of `reg export` (see [`RegData`]), `@=` default values,
//!   `"name"=-` and `[-key]` deletions, `\` continuation lines, `;` comment
//!   lines, quoted data holding raw line breaks, CRLF or LF, no final newline.
//!
//! A line that cannot be read is reported in [`RegParse::problems`] with its
//! 1-based line number and the rest of the file is kept. Work is linear in
//! the size of the input.

mod decode;
mod grammar;
mod lookup;
mod reader;

use thiserror::Error;

/// Fatal errors (the file as a whole is unusable). Bad lines are not fatal: see [`RegParse::problems`].
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegError {
    /// No `Windows Registry Editor Version 5.00` / `REGEDIT4` header.
    #[error("not a registry export: {0}")]
    NotRegistryExport(String),
    /// The text cannot be decoded (bad UTF-16, …). Not returned at present:
    /// damaged text is decoded lossily and listed in [`RegParse::problems`],
    /// so that a truncated export still gives the keys before the damage.
    #[error("cannot decode text: {0}")]
    Encoding(String),
}

/// Header flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum RegFormat {
    /// `Windows Registry Editor Version 5.00`
    Version5,
    /// `REGEDIT4`
    Regedit4,
}

/// A value's data.
///
/// `hex(1):`, `hex(3):` and `hex(4):` (4 bytes) hold the same registry types
/// as `"…"`, `hex:` and `dword:` and are returned as [`RegData::String`],
/// [`RegData::Binary`] and [`RegData::Dword`]. String data in `hex(…)` form is
/// UTF-16LE in version 5 files and the ANSI code page in `REGEDIT4` files.
/// Line breaks inside quoted data are kept as the file has them (CR LF in a
/// `reg export`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum RegData {
    /// REG_SZ (`"..."`), escapes resolved.
    String(String),
    /// REG_EXPAND_SZ (`hex(2):`), decoded from UTF-16LE, terminating NUL removed
    /// (the text ends at the first NUL).
    ExpandString(String),
    /// REG_MULTI_SZ (`hex(7):`), decoded: the terminating NULs are removed and
    /// the rest split at each NUL (so an empty list for `00,00`).
    MultiString(Vec<String>),
    /// REG_DWORD (`dword:`).
    Dword(u32),
    /// REG_QWORD (`hex(b):`, 8 bytes LE). Other lengths are kept as
    /// [`RegData::Other`] with a problem noted.
    Qword(u64),
    /// REG_BINARY (`hex:`).
    Binary(Vec<u8>),
    /// Any other `hex(N):` (N = type number, e.g. 0 for REG_NONE) with its raw bytes.
    Other {
        /// Registry type number.
        kind: u32,
        /// Raw bytes.
        bytes: Vec<u8>,
    },
    /// `"name"=-` (delete), only in hand-written files.
    Delete,
}

/// One value line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegValue {
    /// Name; `None` for the default value `@`.
    pub name: Option<String>,
    /// Data.
    pub data: RegData,
    /// 1-based line number where the value starts.
    pub line: usize,
}

/// One `[key]` section.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegKey {
    /// Full path as written, e.g. `HKEY_LOCAL_MACHINE\SOFTWARE\...`.
    pub path: String,
    /// Values in file order.
    pub values: Vec<RegValue>,
    /// 1-based line number of the `[key]` line.
    pub line: usize,
    /// `[-key]` deletion marker.
    pub deleted: bool,
}

/// A bad line that was skipped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineProblem {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A parsed `.reg` file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegFile {
    /// Header flavour.
    pub format: RegFormat,
    /// Keys in file order.
    pub keys: Vec<RegKey>,
}

/// Result of parsing: the file plus any lines that were skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegParse {
    /// The keys and values that were read.
    pub file: RegFile,
    /// Lines that could not be read (the rest of the file is kept).
    pub problems: Vec<LineProblem>,
}

impl RegFile {
    /// Case-insensitive key lookup by full path. `HKLM\` is accepted for `HKEY_LOCAL_MACHINE\`,
    /// and a `WOW6432Node\` component after `SOFTWARE\` is treated as an alias.
    ///
    /// The native path is tried first, then the other registry view: a lookup
    /// of `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\X` finds
    /// `HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\X` when the native
    /// key is absent, and the other way round. Empty path components (a
    /// trailing `\`) are ignored. When a key has several sections (a file
    /// joined by hand), the last one wins; it may be a `[-key]` deletion,
    /// check [`RegKey::deleted`].
    pub fn key(&self, path: &str) -> Option<&RegKey> {
        let query: Vec<&str> = lookup::components(path).collect();
        if query.is_empty() {
            return None;
        }
        self.find(&query)
            .or_else(|| lookup::wow_alias(&query).and_then(|alias| self.find(&alias)))
    }

    fn find(&self, query: &[&str]) -> Option<&RegKey> {
        self.keys
            .iter()
            .rev()
            .find(|k| lookup::path_is(&k.path, query))
    }

    /// Keys that are direct children of `path` (same matching rules), in file
    /// order. Only keys written in the file are returned (`reg export` writes
    /// every key, including empty ones). If the native path has no children,
    /// those of the `WOW6432Node` alias are returned. A child with several
    /// sections is returned once (its last section).
    pub fn subkeys(&self, path: &str) -> Vec<&RegKey> {
        let query: Vec<&str> = lookup::components(path).collect();
        if query.is_empty() {
            return Vec::new();
        }
        let native = self.children(&query);
        if !native.is_empty() {
            return native;
        }
        lookup::wow_alias(&query)
            .map(|alias| self.children(&alias))
            .unwrap_or_default()
    }

    fn children(&self, parent: &[&str]) -> Vec<&RegKey> {
        let mut found: Vec<&RegKey> = Vec::new();
        let mut by_leaf: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        for key in &self.keys {
            let Some(leaf) = lookup::child_leaf(&key.path, parent) else {
                continue;
            };
            let leaf = lookup::canonical(leaf);
            match by_leaf.get(&leaf) {
                Some(&pos) => found[pos] = key,
                None => {
                    by_leaf.insert(leaf, found.len());
                    found.push(key);
                }
            }
        }
        found
    }

    /// Total number of values in all keys.
    pub fn value_count(&self) -> usize {
        self.keys.iter().map(|k| k.values.len()).sum()
    }
}

impl RegKey {
    /// Case-insensitive value lookup; `""` or `"@"` finds the default value.
    /// A value written twice in a key: the last one wins (as on import).
    pub fn value(&self, name: &str) -> Option<&RegValue> {
        let default = name.is_empty() || name == "@";
        self.values.iter().rev().find(|v| match &v.name {
            None => default,
            Some(n) => !default && lookup::eq_ci(n, name),
        })
    }
    /// Last path component.
    pub fn leaf_name(&self) -> &str {
        let trimmed = self.path.trim_end_matches('\\');
        trimmed.rsplit('\\').next().unwrap_or(trimmed)
    }
}

impl RegValue {
    /// Text of a REG_SZ or REG_EXPAND_SZ value (environment variables not expanded).
    pub fn as_str(&self) -> Option<&str> {
        self.data.as_str()
    }
    /// Bytes of a REG_BINARY value.
    pub fn as_binary(&self) -> Option<&[u8]> {
        self.data.as_binary()
    }
    /// A REG_DWORD value.
    pub fn as_dword(&self) -> Option<u32> {
        self.data.as_dword()
    }
    /// A REG_QWORD value, or a REG_DWORD widened.
    pub fn as_qword(&self) -> Option<u64> {
        self.data.as_qword()
    }
    /// The strings of a REG_MULTI_SZ value.
    pub fn as_multi_string(&self) -> Option<&[String]> {
        self.data.as_multi_string()
    }
}

impl RegData {
    /// Text of a REG_SZ or REG_EXPAND_SZ value (environment variables not expanded).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            RegData::String(s) | RegData::ExpandString(s) => Some(s),
            _ => None,
        }
    }
    /// Bytes of a REG_BINARY value.
    pub fn as_binary(&self) -> Option<&[u8]> {
        match self {
            RegData::Binary(b) => Some(b),
            _ => None,
        }
    }
    /// A REG_DWORD value.
    pub fn as_dword(&self) -> Option<u32> {
        match self {
            RegData::Dword(d) => Some(*d),
            _ => None,
        }
    }
    /// A REG_QWORD value, or a REG_DWORD widened.
    pub fn as_qword(&self) -> Option<u64> {
        match self {
            RegData::Qword(q) => Some(*q),
            RegData::Dword(d) => Some(u64::from(*d)),
            _ => None,
        }
    }
    /// The strings of a REG_MULTI_SZ value.
    pub fn as_multi_string(&self) -> Option<&[String]> {
        match self {
            RegData::MultiString(v) => Some(v),
            _ => None,
        }
    }
    /// Windows type name: `REG_SZ`, `REG_BINARY`, … (`REG_NONE` for `hex(0)`,
    /// `REG_TYPE_<n>` for numbers without a name, `DELETE` for `=-`).
    pub fn type_name(&self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow::Borrowed;
        match self {
            RegData::String(_) => Borrowed("REG_SZ"),
            RegData::ExpandString(_) => Borrowed("REG_EXPAND_SZ"),
            RegData::MultiString(_) => Borrowed("REG_MULTI_SZ"),
            RegData::Dword(_) => Borrowed("REG_DWORD"),
            RegData::Qword(_) => Borrowed("REG_QWORD"),
            RegData::Binary(_) => Borrowed("REG_BINARY"),
            RegData::Delete => Borrowed("DELETE"),
            RegData::Other { kind, .. } => match kind {
                0 => Borrowed("REG_NONE"),
                1 => Borrowed("REG_SZ"),
                2 => Borrowed("REG_EXPAND_SZ"),
                3 => Borrowed("REG_BINARY"),
                4 => Borrowed("REG_DWORD"),
                5 => Borrowed("REG_DWORD_BIG_ENDIAN"),
                6 => Borrowed("REG_LINK"),
                7 => Borrowed("REG_MULTI_SZ"),
                8 => Borrowed("REG_RESOURCE_LIST"),
                9 => Borrowed("REG_FULL_RESOURCE_DESCRIPTOR"),
                10 => Borrowed("REG_RESOURCE_REQUIREMENTS_LIST"),
                11 => Borrowed("REG_QWORD"),
                n => std::borrow::Cow::Owned(format!("REG_TYPE_{n}")),
            },
        }
    }
}

/// Whether the bytes start like a registry export (any accepted encoding,
/// then the `Windows Registry Editor Version 5.00` or `REGEDIT4` header).
/// Reads at most the first 512 bytes; for classifying files by content.
pub fn looks_like_reg(bytes: &[u8]) -> bool {
    let head = bytes.get(..512).unwrap_or(bytes);
    reader::has_header(&decode::decode_text(head).text)
}

/// Parse a `.reg` file (UTF-16LE with BOM, UTF-8 with or without BOM; see the
/// module documentation for everything accepted).
///
/// Fails only when the file is not a registry export at all (no header).
/// Unreadable lines and damaged text are listed in [`RegParse::problems`].
pub fn parse_reg(bytes: &[u8]) -> Result<RegParse, RegError> {
    let decoded = decode::decode_text(bytes);
    reader::read(&decoded)
}
