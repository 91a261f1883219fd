//! `.reg` files as `reg export` writes them (`../shared/reference/scom-cert-auth.md` §3.5):
//! UTF-16LE with a byte-order mark, CRLF line ends, header
//! `Windows Registry Editor Version 5.00`, one `[key]` block per key (every key of the
//! exported tree, parents before children, subkeys in the registry's case-insensitive
//! order, values in creation order), a blank line after each block, and `hex` data wrapped
//! at Windows' width: after a `xx,` that brings the line to 77 characters or more, the line
//! ends with `\` and the next starts with two spaces (so 25 bytes per continuation line and
//! at most 80 characters per line including the `\`).

use std::collections::BTreeMap;

/// A registry value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegValue {
    /// REG_SZ: `"text"`.
    Sz(String),
    /// REG_EXPAND_SZ: `hex(2):` UTF-16LE with the terminating NUL.
    ExpandSz(String),
    /// REG_MULTI_SZ: `hex(7):` each string NUL-terminated plus a final NUL.
    MultiSz(Vec<String>),
    /// REG_DWORD: `dword:%08x`.
    Dword(u32),
    /// REG_QWORD: `hex(b):` 8 bytes little-endian.
    Qword(u64),
    /// REG_BINARY: `hex:`.
    Binary(Vec<u8>),
}

/// The column at which a hex line is broken (see the module doc).
pub const HEX_BREAK_AT: usize = 77;

#[derive(Debug, Clone, Default)]
struct Node {
    name: String,
    values: Vec<(String, RegValue)>,
    children: BTreeMap<String, Node>,
}

/// A registry tree to export, rooted at a full key path such as
/// `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0`.
#[derive(Debug, Clone)]
pub struct RegTree {
    root_path: String,
    root: Node,
}

impl RegTree {
    /// A tree whose exported key is `root_path` (full hive name).
    pub fn new(root_path: &str) -> Self {
        RegTree {
            root_path: root_path.to_string(),
            root: Node::default(),
        }
    }

    fn node_mut(&mut self, sub: &str) -> &mut Node {
        let mut node = &mut self.root;
        for part in sub.split('\\').filter(|p| !p.is_empty()) {
            node = node
                .children
                .entry(part.to_uppercase())
                .or_insert_with(|| Node {
                    name: part.to_string(),
                    ..Node::default()
                });
        }
        node
    }

    /// Create a key (and its parents) below the root; `""` is the root itself.
    pub fn key(&mut self, sub: &str) -> &mut Self {
        self.node_mut(sub);
        self
    }

    /// Set a value in a key below the root (`""` name = the default value `@`).
    pub fn set(&mut self, sub: &str, name: &str, value: RegValue) -> &mut Self {
        let node = self.node_mut(sub);
        if let Some(slot) = node
            .values
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            slot.1 = value;
        } else {
            node.values.push((name.to_string(), value));
        }
        self
    }

    /// The file text (without BOM), lines joined with CRLF.
    pub fn to_text(&self) -> String {
        let mut out = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
        write_node(&mut out, &self.root_path, &self.root);
        out
    }

    /// The file bytes: UTF-16LE with BOM.
    pub fn to_bytes(&self) -> Vec<u8> {
        utf16le_with_bom(&self.to_text())
    }
}

/// Encode text as UTF-16LE with a BOM.
pub fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xff, 0xfe];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

fn write_node(out: &mut String, path: &str, node: &Node) {
    out.push('[');
    out.push_str(path);
    out.push_str("]\r\n");
    for (name, value) in &node.values {
        write_value(out, name, value);
    }
    out.push_str("\r\n");
    for child in node.children.values() {
        write_node(out, &format!("{path}\\{}", child.name), child);
    }
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '\\' => q.push_str("\\\\"),
            '"' => q.push_str("\\\""),
            _ => q.push(c),
        }
    }
    q.push('"');
    q
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain(std::iter::once(0))
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// Append one value line (possibly wrapped) with its CRLF.
fn write_value(out: &mut String, name: &str, value: &RegValue) {
    let lhs = if name.is_empty() {
        "@".to_string()
    } else {
        quote(name)
    };
    match value {
        RegValue::Sz(s) => {
            out.push_str(&lhs);
            out.push('=');
            out.push_str(&quote(s));
            out.push_str("\r\n");
        }
        RegValue::Dword(d) => {
            out.push_str(&format!("{lhs}=dword:{d:08x}\r\n"));
        }
        RegValue::Binary(b) => write_hex(out, &format!("{lhs}=hex:"), b),
        RegValue::ExpandSz(s) => write_hex(out, &format!("{lhs}=hex(2):"), &utf16z(s)),
        RegValue::MultiSz(list) => {
            let mut bytes: Vec<u8> = list.iter().flat_map(|s| utf16z(s)).collect();
            bytes.extend_from_slice(&[0, 0]);
            write_hex(out, &format!("{lhs}=hex(7):"), &bytes);
        }
        RegValue::Qword(q) => write_hex(out, &format!("{lhs}=hex(b):"), &q.to_le_bytes()),
    }
}

/// Write `prefix` and the bytes as comma-separated lower-case hex, wrapped.
fn write_hex(out: &mut String, prefix: &str, bytes: &[u8]) {
    out.push_str(prefix);
    let mut line_len = prefix.encode_utf16().count();
    for (i, b) in bytes.iter().enumerate() {
        out.push_str(&format!("{b:02x}"));
        line_len += 2;
        if i + 1 < bytes.len() {
            out.push(',');
            line_len += 1;
            if line_len >= HEX_BREAK_AT {
                out.push_str("\\\r\n  ");
                line_len = 2;
            }
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_example_wraps_after_fourteen_bytes() {
        // ../shared/reference/scom-cert-auth.md §3.5 example (19-byte serial).
        let mut t = RegTree::new(
            "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0",
        );
        let serial = crate::hex::decode("0800000000004adccf4bc9da94c6080000001f").unwrap();
        t.set(
            "Machine Settings",
            "ChannelCertificateSerialNumber",
            RegValue::Binary(serial),
        );
        let text = t.to_text();
        assert!(text.contains(
            "\"ChannelCertificateSerialNumber\"=hex:08,00,00,00,00,00,4a,dc,cf,4b,c9,da,94,c6,\\\r\n  08,00,00,00,1f\r\n"
        ));
        assert!(text.starts_with("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft Operations Manager\\3.0]\r\n\r\n[HKEY_LOCAL_MACHINE"));
    }

    #[test]
    fn long_binary_lines_stay_within_eighty_columns() {
        let mut t = RegTree::new("HKEY_LOCAL_MACHINE\\SOFTWARE\\Test");
        t.set(
            "k",
            "Blob",
            RegValue::Binary((0..=255u8).cycle().take(1000).collect()),
        );
        let text = t.to_text();
        let lines: Vec<&str> = text.split("\r\n").collect();
        let blob: Vec<&&str> = lines
            .iter()
            .skip_while(|l| !l.starts_with("\"Blob\""))
            .take_while(|l| !l.is_empty())
            .collect();
        assert!(blob.len() > 10);
        for (i, l) in blob.iter().enumerate() {
            assert!(l.len() <= 80, "{l}");
            if i + 1 < blob.len() {
                assert!(l.ends_with(",\\"), "{l}");
            }
            if i > 0 {
                assert!(l.starts_with("  ") && !l.starts_with("   "), "{l}");
                if i + 1 < blob.len() {
                    assert_eq!(l.len(), 2 + 25 * 3 + 1);
                }
            }
        }
        // "Blob"=hex: is 11 characters: 22 bytes fit on the first line.
        assert_eq!(blob[0].len(), 11 + 22 * 3 + 1);
        // Data round-trips.
        let joined: String = blob
            .iter()
            .map(|l| l.trim_end_matches('\\').trim_start())
            .collect();
        let hex = joined.trim_start_matches("\"Blob\"=hex:");
        assert_eq!(crate::hex::decode(hex).unwrap().len(), 1000);
    }

    #[test]
    fn bytes_are_utf16le_with_bom_and_crlf() {
        let mut t = RegTree::new("HKEY_LOCAL_MACHINE\\SOFTWARE\\Test");
        t.set("", "Name", RegValue::Sz("a \"q\" \\ ü".into()));
        t.set("", "", RegValue::Dword(5723));
        let b = t.to_bytes();
        assert_eq!(&b[..2], &[0xff, 0xfe]);
        assert_eq!(b.len() % 2, 0);
        let units: Vec<u16> = b[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let text = String::from_utf16(&units).unwrap();
        assert!(text.contains("\"Name\"=\"a \\\"q\\\" \\\\ ü\"\r\n"));
        assert!(text.contains("@=dword:0000165b\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        assert!(text.ends_with("\r\n\r\n"));
    }

    #[test]
    fn subkeys_sorted_case_insensitively_and_parents_emitted() {
        let mut t = RegTree::new("HKEY_LOCAL_MACHINE\\X");
        t.key("b\\c");
        t.key("A");
        let text = t.to_text();
        let a = text.find("[HKEY_LOCAL_MACHINE\\X\\A]").unwrap();
        let b = text.find("[HKEY_LOCAL_MACHINE\\X\\b]").unwrap();
        let c = text.find("[HKEY_LOCAL_MACHINE\\X\\b\\c]").unwrap();
        assert!(a < b && b < c);
    }

    #[test]
    fn multi_and_expand_strings_end_with_nuls() {
        let mut t = RegTree::new("HKEY_LOCAL_MACHINE\\X");
        t.set("", "M", RegValue::MultiSz(vec!["RpcSs".into()]));
        t.set("", "E", RegValue::ExpandSz("%x%".into()));
        let text = t.to_text();
        assert!(text.contains("\"M\"=hex(7):52,00,70,00,63,00,53,00,73,00,00,00,00,00\r\n"));
        assert!(text.contains("\"E\"=hex(2):25,00,78,00,25,00,00,00\r\n"));
    }
}
