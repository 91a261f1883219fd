//! Bytes of a `.reg` file to text.
//!
//! `reg export` and `regedit /e` write UTF-16LE with a `FF FE` byte-order mark
//! (format "Windows Registry Editor Version 5.00"); `REGEDIT4` files are 8-bit
//! ANSI; hand-edited files are usually UTF-8, with or without a BOM. Damaged
//! text is decoded lossily (U+FFFD) and every damaged spot is reported, so a
//! truncated export still yields the keys that survived.

/// Which encoding the bytes were read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TextEncoding {
    Utf16Le,
    Utf16Be,
    Utf8,
    /// Not valid UTF-8: read as Windows-1252, the usual ANSI code page of
    /// `REGEDIT4` files written on Western-European systems.
    Windows1252,
}

impl TextEncoding {
    /// Name for messages.
    pub(super) fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// Decoded text plus the damaged spots (byte offset in `text`, message).
#[derive(Debug)]
pub(super) struct Decoded {
    pub text: String,
    pub encoding: TextEncoding,
    pub problems: Vec<(usize, String)>,
}

/// Most damaged spots reported individually; the rest are summed up in one line.
const MAX_REPORTED: usize = 10;

/// Decode the whole file.
pub(super) fn decode_text(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode_utf8_lossy(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, false);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, true);
    }
    // No BOM. A registry header is ASCII, so UTF-16 shows as zero bytes in
    // every other position of the first few characters.
    match bytes {
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => return decode_utf16(bytes, false),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => return decode_utf16(bytes, true),
        _ => {}
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded {
            text: text.to_owned(),
            encoding: TextEncoding::Utf8,
            problems: Vec::new(),
        },
        Err(e) => {
            let first_bad = e.valid_up_to();
            let text = decode_windows_1252(bytes);
            // Offsets in the new text differ from byte offsets only after the
            // first non-ASCII byte, and everything before `first_bad` is valid
            // UTF-8; count characters to find the same spot in `text`.
            let chars_before = bytes
                .get(..first_bad)
                .and_then(|b| std::str::from_utf8(b).ok())
                .map_or(0, |s| s.chars().count());
            let offset = text
                .char_indices()
                .nth(chars_before)
                .map_or(text.len(), |(i, _)| i);
            Decoded {
                text,
                encoding: TextEncoding::Windows1252,
                problems: vec![(
                    offset,
                    format!(
                        "text is not UTF-8 (byte 0x{:02x} at offset {first_bad}); read the file as Windows-1252 (ANSI)",
                        bytes.get(first_bad).copied().unwrap_or(0)
                    ),
                )],
            }
        }
    }
}

fn decode_utf8_lossy(bytes: &[u8]) -> Decoded {
    let mut text = String::with_capacity(bytes.len());
    let mut problems = Vec::new();
    let mut bad = 0usize;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            if problems.len() < MAX_REPORTED {
                problems.push((
                    text.len(),
                    format!(
                        "invalid UTF-8 byte sequence {}; replaced by U+FFFD",
                        hex_bytes(chunk.invalid())
                    ),
                ));
            }
            bad += 1;
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    summarise(&mut problems, bad, text.len());
    Decoded {
        text,
        encoding: TextEncoding::Utf8,
        problems,
    }
}

fn decode_utf16(bytes: &[u8], big_endian: bool) -> Decoded {
    let units = bytes.chunks_exact(2).map(|p| {
        let pair = [p[0], p[1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut problems = Vec::new();
    let mut bad = 0usize;
    for r in char::decode_utf16(units) {
        match r {
            Ok(c) => text.push(c),
            Err(e) => {
                if problems.len() < MAX_REPORTED {
                    problems.push((
                        text.len(),
                        format!(
                            "invalid UTF-16: unpaired surrogate 0x{:04x}; replaced by U+FFFD",
                            e.unpaired_surrogate()
                        ),
                    ));
                }
                bad += 1;
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    summarise(&mut problems, bad, text.len());
    if bytes.len() % 2 == 1 {
        problems.push((
            text.len(),
            format!(
                "UTF-16 text has an odd number of bytes ({}): the file is probably truncated; the last byte is ignored",
                bytes.len()
            ),
        ));
    }
    Decoded {
        text,
        encoding: if big_endian {
            TextEncoding::Utf16Be
        } else {
            TextEncoding::Utf16Le
        },
        problems,
    }
}

fn summarise(problems: &mut Vec<(usize, String)>, bad: usize, end: usize) {
    if bad > MAX_REPORTED {
        problems.push((
            end,
            format!(
                "{} more invalid sequences in the file were replaced by U+FFFD",
                bad - MAX_REPORTED
            ),
        ));
    }
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Windows-1252 to Unicode. 0x80–0x9F per the code page table published by
/// Microsoft and the Unicode consortium (`CP1252.TXT`); the five unassigned
/// positions map to the C1 control of the same number, as Windows'
/// `MultiByteToWideChar` does. Everything else is Latin-1.
pub(super) fn decode_windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{8D}',
        '\u{017D}', '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}',
        '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}',
        '\u{9D}', '\u{017E}', '\u{0178}',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// Decode registry string data stored as UTF-16LE bytes (`hex(2)`, `hex(7)`
/// in a version 5 file). Returns the text and, if the data was damaged, why.
pub(super) fn utf16le_data(bytes: &[u8]) -> (String, Option<String>) {
    let units = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]));
    let mut bad = 0usize;
    let text: String = char::decode_utf16(units)
        .map(|r| {
            r.unwrap_or_else(|_| {
                bad += 1;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    let mut why = Vec::new();
    if bytes.len() % 2 == 1 {
        why.push(format!(
            "odd number of bytes ({}) for UTF-16 text, last byte ignored",
            bytes.len()
        ));
    }
    if bad > 0 {
        why.push(format!(
            "{bad} unpaired UTF-16 surrogate(s) replaced by U+FFFD"
        ));
    }
    (text, (!why.is_empty()).then(|| why.join("; ")))
}

/// Decode registry string data stored as 8-bit bytes (`hex(2)`, `hex(7)` in a
/// `REGEDIT4` file): UTF-8 when valid, otherwise Windows-1252.
pub(super) fn ansi_data(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => decode_windows_1252(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn bom_variants() {
        let mut le = vec![0xFF, 0xFE];
        le.extend(utf16le("REGEDIT4\r\n"));
        let d = decode_text(&le);
        assert_eq!(d.text, "REGEDIT4\r\n");
        assert_eq!(d.encoding, TextEncoding::Utf16Le);

        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("Ab".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_text(&be).text, "Ab");

        let d = decode_text(b"\xEF\xBB\xBFREGEDIT4");
        assert_eq!(
            (d.text.as_str(), d.encoding),
            ("REGEDIT4", TextEncoding::Utf8)
        );
    }

    #[test]
    fn utf16_without_bom_is_detected() {
        let d = decode_text(&utf16le("Windows Registry"));
        assert_eq!(d.text, "Windows Registry");
        assert_eq!(d.encoding, TextEncoding::Utf16Le);
    }

    #[test]
    fn odd_utf16_is_lossy_with_problem() {
        let mut b = vec![0xFF, 0xFE];
        b.extend(utf16le("AB"));
        b.push(b'C');
        let d = decode_text(&b);
        assert_eq!(d.text, "AB");
        assert_eq!(d.problems.len(), 1);
        assert!(d.problems[0].1.contains("odd number of bytes (5)"));
    }

    #[test]
    fn unpaired_surrogate_is_reported() {
        let mut b = vec![0xFF, 0xFE];
        b.extend(utf16le("A"));
        b.extend([0x00, 0xD8]); // lone high surrogate
        b.extend(utf16le("B"));
        let d = decode_text(&b);
        assert_eq!(d.text, "A\u{FFFD}B");
        assert_eq!(d.problems[0].0, 1);
    }

    #[test]
    fn ansi_fallback() {
        let d = decode_text(b"REGEDIT4\n\"a\"=\"caf\xe9 \x80\"");
        assert_eq!(d.encoding, TextEncoding::Windows1252);
        assert!(d.text.ends_with("café €\""));
        assert_eq!(&d.text[d.problems[0].0..], "é €\"");
    }

    #[test]
    fn data_strings() {
        assert_eq!(utf16le_data(&utf16le("x\0")), ("x\0".to_owned(), None));
        let (t, why) = utf16le_data(&[0x41, 0x00, 0x42]);
        assert_eq!(t, "A");
        assert!(why.is_some());
        assert_eq!(ansi_data(b"caf\xe9"), "café");
    }
}
