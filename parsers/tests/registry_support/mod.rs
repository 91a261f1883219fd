//! A writer of `.reg` text the way `reg export` writes it, shared by the
//! registry tests: UTF-16LE with BOM, CRLF, header, blank line, `[key]`
//! sections separated by blank lines, long `hex` data wrapped with `,\` and
//! continued after two spaces (a line holds at most 79 characters before the
//! `\`, as in the example of `../shared/reference/scom-cert-auth.md` §3.5 and
//! in the real files of `../shared/data/reg`).

#![allow(dead_code)] // each test binary uses a different part

/// Data as a test wants it written.
pub enum W<'a> {
    Sz(&'a str),
    ExpandSz(&'a str),
    MultiSz(&'a [&'a str]),
    Dword(u32),
    Qword(u64),
    Binary(&'a [u8]),
    /// `hex(N):` with raw bytes.
    Hex(u32, &'a [u8]),
}

/// Writes `.reg` text like `reg export`; remembers the line of every value.
pub struct RegWriter {
    /// The text written so far.
    pub text: String,
    /// Lines written so far.
    pub line: usize,
    nl: &'static str,
    /// `hex(2)`/`hex(7)` strings as UTF-16LE (version 5) or 8-bit (REGEDIT4).
    utf16_strings: bool,
}

impl RegWriter {
    pub fn version5() -> Self {
        Self::with_header("Windows Registry Editor Version 5.00", "\r\n", true)
    }

    pub fn with_header(header: &str, nl: &'static str, utf16_strings: bool) -> Self {
        let mut w = RegWriter {
            text: String::new(),
            line: 0,
            nl,
            utf16_strings,
        };
        w.raw_line(header);
        w
    }

    /// Writes one physical line; returns its 1-based number.
    pub fn raw_line(&mut self, s: &str) -> usize {
        self.text.push_str(s);
        self.text.push_str(self.nl);
        self.line += 1 + s.matches('\n').count();
        self.line - s.matches('\n').count()
    }

    pub fn key(&mut self, path: &str) -> usize {
        self.raw_line("");
        self.raw_line(&format!("[{path}]"))
    }

    pub fn value(&mut self, name: Option<&str>, data: W<'_>) -> usize {
        let name = match name {
            None => "@".to_owned(),
            Some(n) => format!("\"{}\"", escape(n)),
        };
        let line = match data {
            W::Sz(s) => format!("{name}=\"{}\"", escape(s)),
            W::Dword(d) => format!("{name}=dword:{d:08x}"),
            W::Binary(b) => wrap_hex(&format!("{name}=hex:"), b, self.nl),
            W::Qword(q) => wrap_hex(&format!("{name}=hex(b):"), &q.to_le_bytes(), self.nl),
            W::Hex(kind, b) => wrap_hex(&format!("{name}=hex({kind:x}):"), b, self.nl),
            W::ExpandSz(s) => {
                let bytes = self.string_bytes(&format!("{s}\0"));
                wrap_hex(&format!("{name}=hex(2):"), &bytes, self.nl)
            }
            W::MultiSz(list) => {
                let mut joined: String = list.iter().map(|s| format!("{s}\0")).collect();
                joined.push('\0');
                let bytes = self.string_bytes(&joined);
                wrap_hex(&format!("{name}=hex(7):"), &bytes, self.nl)
            }
        };
        let first = self.line + 1;
        self.text.push_str(&line);
        self.text.push_str(self.nl);
        self.line += 1 + line.matches('\n').count();
        first
    }

    fn string_bytes(&self, s: &str) -> Vec<u8> {
        if self.utf16_strings {
            s.encode_utf16().flat_map(u16::to_le_bytes).collect()
        } else {
            s.as_bytes().to_vec()
        }
    }

    /// What `reg export` writes: BOM + UTF-16LE.
    pub fn utf16(&self) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(self.text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }
}

pub fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `prefix` then `xx,xx,…`; when one more `xx,` would take the line past 79
/// characters, the line ends with `\` and continues after two spaces.
pub fn wrap_hex(prefix: &str, bytes: &[u8], nl: &str) -> String {
    let mut out = String::from(prefix);
    let mut col = prefix.chars().count();
    for (i, b) in bytes.iter().enumerate() {
        let last = i + 1 == bytes.len();
        out.push_str(&format!("{b:02x}"));
        col += 2;
        if !last {
            out.push(',');
            col += 1;
            if col + 3 > 79 {
                out.push('\\');
                out.push_str(nl);
                out.push_str("  ");
                col = 2;
            }
        }
    }
    out
}
