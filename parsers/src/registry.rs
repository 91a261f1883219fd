//! `reg export` text files (`.reg`), parsed with nom.
//!
//! CONTRACT (types fixed).

use thiserror::Error;

/// Fatal errors (the file as a whole is unusable). Bad lines are not fatal: see [`RegParse::problems`].
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegError {
    /// No `Windows Registry Editor Version 5.00` / `REGEDIT4` header.
    #[error("not a registry export: {0}")]
    NotRegistryExport(String),
    /// The text cannot be decoded (bad UTF-16, …).
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum RegData {
    /// REG_SZ (`"..."`), escapes resolved.
    String(String),
    /// REG_EXPAND_SZ (`hex(2):`), decoded from UTF-16LE, terminating NUL removed.
    ExpandString(String),
    /// REG_MULTI_SZ (`hex(7):`), decoded.
    MultiString(Vec<String>),
    /// REG_DWORD (`dword:`).
    Dword(u32),
    /// REG_QWORD (`hex(b):`, 8 bytes LE).
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
    pub fn key(&self, _path: &str) -> Option<&RegKey> {
        None
    }
    /// Keys that are direct children of `path` (same matching rules).
    pub fn subkeys(&self, _path: &str) -> Vec<&RegKey> {
        Vec::new()
    }
    /// Total number of values in all keys.
    pub fn value_count(&self) -> usize {
        self.keys.iter().map(|k| k.values.len()).sum()
    }
}

impl RegKey {
    /// Case-insensitive value lookup; `""` or `"@"` finds the default value.
    pub fn value(&self, _name: &str) -> Option<&RegValue> {
        None
    }
    /// Last path component.
    pub fn leaf_name(&self) -> &str {
        self.path.rsplit('\\').next().unwrap_or(&self.path)
    }
}

/// Parse a `.reg` file (UTF-16LE with BOM, UTF-8 with or without BOM).
pub fn parse_reg(_bytes: &[u8]) -> Result<RegParse, RegError> {
    Err(RegError::NotRegistryExport("not implemented yet".into()))
}
