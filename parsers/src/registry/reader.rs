//! Decoded text to keys and values: header, physical lines to logical lines
//! (quoted strings that run over line breaks, `\` continuations), `[key]`
//! sections, and the per-line problem list.
//!
//! Work is linear in the input: every physical line is read once, except
//! lines read by a multi-line string that then turns out not to close
//! properly; those are read again, and the total of such re-reading is
//! capped at the number of lines in the file.

use std::borrow::Cow;
use std::collections::HashMap;

use super::decode::{self, Decoded, TextEncoding};
use super::grammar::{self, RawData};
use super::lookup;
use super::{LineProblem, RegData, RegError, RegFile, RegFormat, RegKey, RegParse, RegValue};

const HEADER_V5: &str = "Windows Registry Editor Version 5.00";
const HEADER_V4: &str = "REGEDIT4";

/// Longest value (its logical line, continuations joined) that is decoded, in bytes of text.
/// `reg export` writes a binary value as three characters per byte, so this allows values of
/// over 20 MiB (a large CRL in a certificate store is a few MiB). Longer lines are reported
/// and skipped: decoding them would only spend time and memory on something no rule reads.
pub(super) const MAX_VALUE_TEXT: usize = 64 << 20;

/// One physical line.
struct Line<'t> {
    /// Byte offset of the line in the text.
    start: usize,
    /// Text without the line terminator.
    text: &'t str,
    /// `"\r\n"`, `"\n"` or `""` (last line without a final newline).
    terminator: &'t str,
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let rest = &text[start..];
        let (body, terminator) = match rest.find('\n') {
            Some(nl) => {
                let with_cr = &rest[..nl];
                match with_cr.strip_suffix('\r') {
                    Some(body) => (body, &rest[nl - 1..=nl]),
                    None => (with_cr, &rest[nl..=nl]),
                }
            }
            None => (rest, ""),
        };
        lines.push(Line {
            start,
            text: body,
            terminator,
        });
        start += body.len() + terminator.len();
    }
    lines
}

/// Where values go.
#[derive(Clone, Copy)]
enum Current {
    /// No `[key]` line yet.
    BeforeFirstKey,
    /// Index into `keys`.
    Key(usize),
    /// The last `[key]` line was unreadable: its values are skipped.
    Skipping,
}

/// A logical value line and the physical lines it came from.
struct Logical<'t> {
    text: Cow<'t, str>,
    /// `(offset in text, 0-based physical line)`, ascending.
    segments: Vec<(usize, usize)>,
}

impl Logical<'_> {
    fn line_at(&self, offset: usize) -> usize {
        let i = self.segments.partition_point(|&(start, _)| start <= offset);
        self.segments
            .get(i.saturating_sub(1))
            .map_or(0, |&(_, line)| line)
    }
}

struct Reader<'t> {
    lines: Vec<Line<'t>>,
    format: RegFormat,
    keys: Vec<RegKey>,
    /// Canonical path → index of the latest section for it.
    by_path: HashMap<String, usize>,
    current: Current,
    problems: Vec<LineProblem>,
    /// Lines that failed multi-line string attempts may still read again.
    rescan_budget: usize,
}

/// Read a decoded file.
pub(super) fn read(decoded: &Decoded) -> Result<RegParse, RegError> {
    let text = decoded.text.trim_end_matches('\0');
    let lines = split_lines(text);
    let (header_index, format) = header(&lines, decoded.encoding)?;
    let rescan_budget = lines.len();
    let mut reader = Reader {
        lines,
        format,
        keys: Vec::new(),
        by_path: HashMap::new(),
        current: Current::BeforeFirstKey,
        problems: Vec::new(),
        rescan_budget,
    };
    for (offset, message) in &decoded.problems {
        let line = reader.line_of_offset(*offset);
        reader.problem(line, message.clone());
    }
    reader.run(header_index + 1);
    let Reader {
        keys, mut problems, ..
    } = reader;
    problems.sort_by_key(|p| p.line);
    Ok(RegParse {
        file: RegFile { format, keys },
        problems,
    })
}

/// Whether the text's first non-blank line is a registry header.
pub(super) fn has_header(text: &str) -> bool {
    let lines = split_lines(text);
    header(&lines, TextEncoding::Utf8).is_ok()
}

fn header(lines: &[Line<'_>], encoding: TextEncoding) -> Result<(usize, RegFormat), RegError> {
    let Some((index, line)) = lines
        .iter()
        .enumerate()
        .find(|(_, l)| !l.text.trim_matches(is_blank).is_empty())
    else {
        return Err(RegError::NotRegistryExport(
            "the file is empty or holds only blank lines".to_owned(),
        ));
    };
    let first = line.text.trim_matches(is_blank);
    if first.eq_ignore_ascii_case(HEADER_V5) {
        return Ok((index, RegFormat::Version5));
    }
    if first.eq_ignore_ascii_case(HEADER_V4) {
        return Ok((index, RegFormat::Regedit4));
    }
    let binary = first
        .chars()
        .take(64)
        .any(|c| c.is_control() && c != '\t' || c == '\u{FFFD}');
    let shown: String = first.chars().take(48).collect();
    let reason = if binary {
        format!(
            "the file starts with binary data (\"{}…\" read as {}), not a header line \"{HEADER_V5}\" or \"{HEADER_V4}\"",
            shown.escape_debug(),
            encoding.name()
        )
    } else {
        format!(
            "line {} is \"{}{}\", expected the header \"{HEADER_V5}\" or \"{HEADER_V4}\"",
            index + 1,
            shown.escape_debug(),
            if first.chars().nth(48).is_some() {
                "…"
            } else {
                ""
            }
        )
    };
    Err(RegError::NotRegistryExport(reason))
}

/// Whitespace, and a stray byte-order mark (a UTF-8 BOM inside UTF-16 text,
/// or a doubled BOM, happens with files converted by hand).
fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

/// Text shown in messages: at most 48 characters, escaped.
fn excerpt(s: &str) -> String {
    let shown: String = s.chars().take(48).collect();
    let more = if s.chars().nth(48).is_some() {
        "…"
    } else {
        ""
    };
    format!("\"{}{more}\"", shown.escape_debug())
}

fn value_label(name: &Option<String>) -> String {
    match name {
        None => "default value @".to_owned(),
        Some(n) => format!("value {}", excerpt(n)),
    }
}

impl<'t> Reader<'t> {
    fn problem(&mut self, line_index: usize, message: String) {
        self.problems.push(LineProblem {
            line: line_index + 1,
            message,
        });
    }

    fn line_of_offset(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|l| l.start <= offset)
            .saturating_sub(1)
    }

    fn run(&mut self, mut i: usize) {
        while i < self.lines.len() {
            let t = self.lines[i].text.trim_start_matches(is_blank);
            i = match t.chars().next() {
                None => i + 1,
                Some(';') => i + 1,
                Some('[') => {
                    self.key_line(i, t);
                    i + 1
                }
                Some('"' | '@') => self.value(i),
                Some(_) => {
                    self.problem(
                        i,
                        format!(
                            "unexpected text {}: expected a [key] line, a \"name\"=data or @=data line, or a ; comment",
                            excerpt(t.trim_end())
                        ),
                    );
                    i + 1
                }
            };
        }
    }

    fn key_line(&mut self, i: usize, t: &str) {
        let t = t.trim_end();
        let inner = &t[1..];
        let Some(close) = inner.rfind(']') else {
            self.current = Current::Skipping;
            self.problem(
                i,
                format!(
                    "key line {} has no closing ']'; its values are skipped up to the next [key] line",
                    excerpt(t)
                ),
            );
            return;
        };
        let after = inner[close + 1..].trim();
        let (deleted, path) = match inner[..close].strip_prefix('-') {
            Some(p) => (true, p.trim()),
            None => (false, inner[..close].trim()),
        };
        if lookup::components(path).next().is_none() {
            self.current = Current::Skipping;
            self.problem(
                i,
                "empty key name in [ ]; its values are skipped up to the next [key] line"
                    .to_owned(),
            );
            return;
        }
        if !after.is_empty() && !after.starts_with(';') {
            self.problem(
                i,
                format!(
                    "text after the key's closing ']' is ignored: {}",
                    excerpt(after)
                ),
            );
        }
        if let Some(root) = lookup::components(path).next() {
            if !lookup::is_hive(root) {
                self.problem(
                    i,
                    format!(
                        "key path does not start with a hive such as HKEY_LOCAL_MACHINE: {}",
                        excerpt(path)
                    ),
                );
            }
        }
        let canonical = lookup::canonical(path);
        // A key that appears again (hand-joined files) continues its
        // previous section, unless that section deleted it.
        if !deleted {
            if let Some(&idx) = self.by_path.get(&canonical) {
                if self.keys.get(idx).is_some_and(|k| !k.deleted) {
                    self.current = Current::Key(idx);
                    return;
                }
            }
        }
        let idx = self.keys.len();
        self.keys.push(RegKey {
            path: path.to_owned(),
            values: Vec::new(),
            line: i + 1,
            deleted,
        });
        self.by_path.insert(canonical, idx);
        self.current = Current::Key(idx);
    }

    /// Read the value starting on line `i`; returns the next line to read.
    fn value(&mut self, i: usize) -> usize {
        let (logical, next) = self.assemble(i);
        let Some(logical) = logical else {
            return next;
        };
        if logical.text.len() > MAX_VALUE_TEXT {
            let label = grammar::value_head(&logical.text)
                .map(|(_, name)| value_label(&name))
                .unwrap_or_else(|_| excerpt(&logical.text));
            self.problem(
                i,
                format!(
                    "{label}: {} bytes of text, over the limit of {} MiB for one value; value skipped",
                    logical.text.len(),
                    MAX_VALUE_TEXT >> 20
                ),
            );
            return next;
        }
        match grammar::value_line(&logical.text) {
            Ok(raw) => {
                let (data, note) = interpret(raw.data, self.format);
                if let Some(note) = note {
                    self.problem(i, format!("{}: {note}", value_label(&raw.name)));
                }
                self.store(
                    i,
                    RegValue {
                        name: raw.name,
                        data,
                        line: i + 1,
                    },
                );
            }
            Err(mistake) => {
                let at = logical.line_at(mistake.offset);
                let label = grammar::value_head(&logical.text)
                    .map(|(_, name)| format!("{}: ", value_label(&name)))
                    .unwrap_or_default();
                let skipped = if at == i {
                    String::new()
                } else {
                    format!(" (value starts on line {})", i + 1)
                };
                self.problem(
                    at,
                    format!("{label}{}{skipped}; value skipped", mistake.message),
                );
            }
        }
        next
    }

    fn store(&mut self, i: usize, value: RegValue) {
        match self.current {
            Current::Key(idx) => {
                if let Some(key) = self.keys.get_mut(idx) {
                    key.values.push(value);
                }
            }
            Current::Skipping => {}
            Current::BeforeFirstKey => self.problem(
                i,
                format!(
                    "{} comes before any [key] line; value skipped",
                    value_label(&value.name)
                ),
            ),
        }
    }

    /// Join the physical lines of the value that starts on line `i`.
    /// Returns the logical line (or `None` if it was rejected and reported)
    /// and the next line to read.
    fn assemble(&mut self, i: usize) -> (Option<Logical<'t>>, usize) {
        let lines: &[Line<'t>] = &self.lines;
        let first: &'t str = lines[i].text.trim_start_matches(is_blank);
        if let Ok((data, _)) = grammar::value_head(first) {
            if let Some(body) = data.strip_prefix('"') {
                return self.assemble_string(i, first, body);
            }
        }
        self.assemble_continued(i, first)
    }

    /// A quoted string may hold raw line breaks: `reg export` writes a
    /// REG_SZ containing CR LF as it is. The string then runs on to the line
    /// holding its closing quote, which must end right after that quote.
    fn assemble_string(
        &mut self,
        i: usize,
        first: &'t str,
        body: &'t str,
    ) -> (Option<Logical<'t>>, usize) {
        let single = || Logical {
            text: Cow::Borrowed(first),
            segments: vec![(0, i)],
        };
        if closing_quote(body).is_some() {
            return (Some(single()), i + 1);
        }
        let mut j = i + 1;
        let closed = loop {
            if j >= self.lines.len() || j - i > self.rescan_budget {
                break false;
            }
            if let Some(q) = closing_quote(self.lines[j].text) {
                break self.lines[j].text[q + 1..]
                    .trim_matches(is_blank)
                    .is_empty();
            }
            j += 1;
        };
        if closed {
            let mut text = String::from(first);
            let mut segments = vec![(0, i)];
            for k in i..j {
                text.push_str(self.lines[k].terminator);
                segments.push((text.len(), k + 1));
                text.push_str(self.lines[k + 1].text);
            }
            return (
                Some(Logical {
                    text: Cow::Owned(text),
                    segments,
                }),
                j + 1,
            );
        }
        self.rescan_budget = self.rescan_budget.saturating_sub(j - i);
        let hint = if body.contains("\\\"") {
            " (inside quotes \\\" is an escaped quote; a backslash is written \\\\)"
        } else {
            ""
        };
        let label = grammar::value_head(first)
            .map(|(_, name)| value_label(&name))
            .unwrap_or_else(|_| "value".to_owned());
        self.problem(
            i,
            format!(
                "{label}: the quoted data is not closed on this line, nor by a later line that ends with the closing quote{hint}; value skipped"
            ),
        );
        (None, i + 1)
    }

    /// `hex` data is wrapped: a line ending in `\` continues on the next
    /// line (indented by two spaces in `reg export` output).
    fn assemble_continued(&mut self, i: usize, first: &'t str) -> (Option<Logical<'t>>, usize) {
        let mut text: Cow<'t, str> = Cow::Borrowed(first);
        let mut segments = vec![(0, i)];
        let mut last = i;
        loop {
            let trimmed = text.trim_end_matches(is_blank);
            let Some(without) = trimmed.strip_suffix('\\') else {
                break;
            };
            let without_len = without.len();
            // Find the continuation, skipping `;` comment lines.
            let mut j = last + 1;
            while j < self.lines.len()
                && self.lines[j]
                    .text
                    .trim_start_matches(is_blank)
                    .starts_with(';')
            {
                j += 1;
            }
            let next = self
                .lines
                .get(j)
                .map(|l| l.text.trim_matches(is_blank))
                .filter(|t| !t.is_empty() && !t.starts_with(['[', '"', '@']));
            let Some(next) = next else {
                let why = if j >= self.lines.len() {
                    "the file ends there"
                } else {
                    "the next line does not continue the data"
                };
                self.problem(
                    last,
                    format!("line ends with '\\' but {why}; the data so far is kept"),
                );
                text.to_mut().truncate(without_len);
                break;
            };
            let owned = text.to_mut();
            owned.truncate(without_len);
            segments.push((owned.len(), j));
            owned.push_str(next);
            last = j;
        }
        (Some(Logical { text, segments }), last + 1)
    }
}

/// Byte offset of the first unescaped `"` in a line (a backslash escapes
/// the next character; escapes do not run over line breaks).
fn closing_quote(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut k = 0;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 2,
            b'"' => return Some(k),
            _ => k += 1,
        }
    }
    None
}

/// Give a raw value its registry type. Returns a note when the data does
/// not fit its declared type (the value is still kept).
///
/// `hex(1)` (REG_SZ), `hex(3)` (REG_BINARY) and `hex(4)` (REG_DWORD, 4 bytes
/// little-endian) are the same registry types as `"…"`, `hex:` and `dword:`
/// and are returned as those variants.
fn interpret(raw: RawData, format: RegFormat) -> (RegData, Option<String>) {
    match raw {
        RawData::Delete => (RegData::Delete, None),
        RawData::Str(s) => (RegData::String(s), None),
        RawData::Dword(d) => (RegData::Dword(d), None),
        RawData::Hex { kind: None, bytes }
        | RawData::Hex {
            kind: Some(3),
            bytes,
        } => (RegData::Binary(bytes), None),
        RawData::Hex {
            kind: Some(kind @ (1 | 2)),
            bytes,
        } => {
            let (text, note) = string_data(&bytes, format);
            let text = match text.find('\0') {
                Some(nul) => text[..nul].to_owned(),
                None => text,
            };
            let data = if kind == 1 {
                RegData::String(text)
            } else {
                RegData::ExpandString(text)
            };
            (data, note.map(|n| format!("{}: {n}", type_name(kind))))
        }
        RawData::Hex {
            kind: Some(7),
            bytes,
        } => {
            let (text, note) = string_data(&bytes, format);
            let body = text.trim_end_matches('\0');
            let list = if body.is_empty() {
                Vec::new()
            } else {
                body.split('\0').map(str::to_owned).collect()
            };
            (
                RegData::MultiString(list),
                note.map(|n| format!("{}: {n}", type_name(7))),
            )
        }
        RawData::Hex {
            kind: Some(4),
            bytes,
        } if bytes.len() == 4 => (
            RegData::Dword(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
            None,
        ),
        RawData::Hex {
            kind: Some(0xb),
            bytes,
        } => match <[u8; 8]>::try_from(bytes.as_slice()) {
            Ok(b) => (RegData::Qword(u64::from_le_bytes(b)), None),
            Err(_) => {
                let note = format!(
                    "{} data has {} bytes, expected 8; kept as raw bytes",
                    type_name(0xb),
                    bytes.len()
                );
                (RegData::Other { kind: 0xb, bytes }, Some(note))
            }
        },
        RawData::Hex {
            kind: Some(kind),
            bytes,
        } => {
            let note = (kind == 4).then(|| {
                format!(
                    "{} data has {} bytes, expected 4; kept as raw bytes",
                    type_name(4),
                    bytes.len()
                )
            });
            (RegData::Other { kind, bytes }, note)
        }
    }
}

/// String data of `hex(1)`, `hex(2)`, `hex(7)`: UTF-16LE in version 5 files.
/// `REGEDIT4` files hold it in the ANSI code page, one byte per character,
/// unless the bytes look like UTF-16LE (even length, every odd byte zero).
fn string_data(bytes: &[u8], format: RegFormat) -> (String, Option<String>) {
    let utf16 = match format {
        RegFormat::Version5 => true,
        RegFormat::Regedit4 => {
            bytes.len().is_multiple_of(2)
                && !bytes.is_empty()
                && bytes.iter().skip(1).step_by(2).all(|&b| b == 0)
        }
    };
    if utf16 {
        decode::utf16le_data(bytes)
    } else {
        (decode::ansi_data(bytes), None)
    }
}

fn type_name(kind: u32) -> &'static str {
    match kind {
        1 => "REG_SZ (hex(1))",
        2 => "REG_EXPAND_SZ (hex(2))",
        4 => "REG_DWORD (hex(4))",
        7 => "REG_MULTI_SZ (hex(7))",
        0xb => "REG_QWORD (hex(b))",
        _ => "registry data",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_terminators() {
        let l = split_lines("a\r\nb\nc");
        let got: Vec<_> = l.iter().map(|l| (l.start, l.text, l.terminator)).collect();
        assert_eq!(got, [(0, "a", "\r\n"), (3, "b", "\n"), (5, "c", "")]);
        assert!(split_lines("").is_empty());
    }

    #[test]
    fn closing_quote_skips_escapes() {
        assert_eq!(closing_quote(r#"ab\"c""#), Some(5));
        assert_eq!(closing_quote(r#"ab\\"#), None);
        assert_eq!(closing_quote(r#"\\""#), Some(2));
    }

    #[test]
    fn interpret_types() {
        let v5 = RegFormat::Version5;
        let hex = |kind, bytes: &[u8]| RawData::Hex {
            kind: Some(kind),
            bytes: bytes.to_vec(),
        };
        assert_eq!(
            interpret(hex(2, b"%\0a\0\0\0"), v5).0,
            RegData::ExpandString("%a".into())
        );
        assert_eq!(
            interpret(hex(7, b"a\0\0\0b\0\0\0\0\0"), v5).0,
            RegData::MultiString(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            interpret(hex(7, b"\0\0"), v5).0,
            RegData::MultiString(vec![])
        );
        assert_eq!(
            interpret(hex(4, &[1, 2, 0, 0]), v5).0,
            RegData::Dword(0x201)
        );
        let (d, note) = interpret(hex(0xb, &[1, 2]), v5);
        assert_eq!(
            d,
            RegData::Other {
                kind: 0xb,
                bytes: vec![1, 2]
            }
        );
        assert!(note.is_some_and(|n| n.contains("expected 8")));
        assert_eq!(
            interpret(hex(2, b"ab\0"), RegFormat::Regedit4).0,
            RegData::ExpandString("ab".into())
        );
        assert_eq!(
            interpret(hex(2, b"a\0b\0\0\0"), RegFormat::Regedit4).0,
            RegData::ExpandString("ab".into())
        );
    }
}
