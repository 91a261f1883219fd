//! Text encodings shared by the parsers: Base64, PEM armour, UTF-16.
//!
//! Owner: parsers-cert helper (PEM/Base64) and parsers-reg helper (UTF-16).
//!
//! The Base64 and PEM readers are written by hand (no extra crate): they are small, and they
//! must tolerate what Windows tools write (`certutil -encode` wraps at 64 columns with CRLF,
//! AD CS web enrollment wraps PKCS#7 in `CERTIFICATE` armour) while reporting exactly where
//! damaged input goes wrong.

use thiserror::Error;

// ---------------------------------------------------------------------------------------------
// Base64 (RFC 4648 §4, standard alphabet) — parsers-cert helper
// ---------------------------------------------------------------------------------------------

/// Errors from [`decode_base64`].
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base64Error {
    /// A byte that is neither in the Base64 alphabet, `=` padding nor whitespace.
    #[error("invalid Base64 byte 0x{byte:02X} at offset {offset}")]
    InvalidByte {
        /// Offset of the byte in the input given to the decoder.
        offset: usize,
        /// The offending byte.
        byte: u8,
    },
    /// Alphabet characters after `=` padding.
    #[error("Base64 data continues after '=' padding at offset {offset}")]
    DataAfterPadding {
        /// Offset of the first alphabet character after the padding.
        offset: usize,
    },
    /// The number of Base64 characters leaves a dangling 6-bit group (length ≡ 1 mod 4).
    #[error("Base64 length is invalid: {chars} characters leave an incomplete byte")]
    BadLength {
        /// Number of alphabet characters (padding and whitespace excluded).
        chars: usize,
    },
    /// The input holds no Base64 characters at all.
    #[error("no Base64 data")]
    Empty,
}

/// Value of one Base64 alphabet byte, or `None`.
fn b64_value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Whether `b` is whitespace that Base64 text may contain between characters
/// (space, tab, CR, LF, vertical tab, form feed).
fn is_b64_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

/// Decode standard-alphabet Base64 (RFC 4648 §4).
///
/// Whitespace anywhere (line breaks, CRLF, indentation) is skipped. `=` padding is optional, but
/// once it appears only more `=` and whitespace may follow. Unused trailing bits are ignored.
/// Errors carry the offset of the offending byte in `text`.
pub fn decode_base64(text: &[u8]) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut nbits: u32 = 0;
    let mut chars = 0usize;
    let mut padding_at: Option<usize> = None;
    for (offset, &b) in text.iter().enumerate() {
        if is_b64_space(b) {
            continue;
        }
        if b == b'=' {
            padding_at.get_or_insert(offset);
            continue;
        }
        let Some(v) = b64_value(b) else {
            return Err(Base64Error::InvalidByte { offset, byte: b });
        };
        if padding_at.is_some() {
            return Err(Base64Error::DataAfterPadding { offset });
        }
        chars += 1;
        acc = (acc << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
            acc &= (1 << nbits) - 1;
        }
    }
    if chars == 0 {
        return Err(Base64Error::Empty);
    }
    if chars % 4 == 1 {
        return Err(Base64Error::BadLength { chars });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// PEM armour (RFC 7468) — parsers-cert helper
// ---------------------------------------------------------------------------------------------

/// One `-----BEGIN <label>-----` … `-----END <label>-----` block, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// The label between `BEGIN ` and the dashes, e.g. `CERTIFICATE` or `PKCS7`.
    pub label: String,
    /// The decoded Base64 payload.
    pub data: Vec<u8>,
    /// 1-based line number of the `BEGIN` line.
    pub line: usize,
}

/// Errors from [`parse_pem`].
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PemError {
    /// A `BEGIN` line without a matching `END` line before the end of the text.
    #[error("PEM block '{label}' begun at line {line} has no END line")]
    Unterminated {
        /// Label of the open block.
        label: String,
        /// Line of its `BEGIN`.
        line: usize,
    },
    /// An `END` line whose label differs from the open block's.
    #[error("PEM block '{label}' begun at line {begin_line} is closed by END '{end_label}' at line {end_line}")]
    MismatchedEnd {
        /// Label of the open block.
        label: String,
        /// Line of its `BEGIN`.
        begin_line: usize,
        /// Label on the `END` line.
        end_label: String,
        /// Line of the `END`.
        end_line: usize,
    },
    /// The Base64 body of a block is damaged.
    #[error("PEM block '{label}' begun at line {line}: {source}")]
    Base64 {
        /// Label of the block.
        label: String,
        /// Line of its `BEGIN`.
        line: usize,
        /// What is wrong with the Base64 (offsets count from the start of the body).
        source: Base64Error,
    },
}

/// The label of a `-----BEGIN X-----` / `-----END X-----` line, when `line` is one.
fn armour_label<'a>(line: &'a [u8], keyword: &[u8]) -> Option<&'a [u8]> {
    let rest = line.strip_prefix(b"-----")?.strip_prefix(keyword)?;
    let rest = rest.strip_prefix(b" ")?;
    let label = rest.strip_suffix(b"-----")?;
    Some(label.trim_ascii())
}

/// Whether `text` contains a PEM `-----BEGIN ` marker anywhere.
pub fn has_pem_armour(text: &[u8]) -> bool {
    text.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Every PEM block in `text`, in order.
///
/// Text outside blocks (OpenSSL "Bag Attributes", comments) is ignored, lines may end in LF or
/// CRLF, and RFC 1421 header lines (`Name: value`) inside a block are skipped. A block that is
/// not closed, closed with another label, or whose Base64 is damaged is an error naming the
/// block and its line.
pub fn parse_pem(text: &[u8]) -> Result<Vec<PemBlock>, PemError> {
    let mut blocks = Vec::new();
    // (label, begin line, Base64 body)
    let mut open: Option<(String, usize, Vec<u8>)> = None;
    for (index, raw_line) in text.split(|&b| b == b'\n').enumerate() {
        let line_no = index + 1;
        let line = raw_line.trim_ascii();
        match open.take() {
            None => {
                if let Some(label) = armour_label(line, b"BEGIN") {
                    let label = String::from_utf8_lossy(label).into_owned();
                    open = Some((label, line_no, Vec::new()));
                }
            }
            Some((label, begin_line, mut body)) => {
                if let Some(end_label) = armour_label(line, b"END") {
                    if end_label != label.as_bytes() {
                        return Err(PemError::MismatchedEnd {
                            label,
                            begin_line,
                            end_label: String::from_utf8_lossy(end_label).into_owned(),
                            end_line: line_no,
                        });
                    }
                    let data = decode_base64(&body).map_err(|source| PemError::Base64 {
                        label: label.clone(),
                        line: begin_line,
                        source,
                    })?;
                    blocks.push(PemBlock {
                        label,
                        data,
                        line: begin_line,
                    });
                } else {
                    if !line.contains(&b':') {
                        body.extend_from_slice(line);
                        body.push(b'\n');
                    }
                    open = Some((label, begin_line, body));
                }
            }
        }
    }
    if let Some((label, line, _)) = open {
        return Err(PemError::Unterminated { label, line });
    }
    Ok(blocks)
}

/// Encode bytes as standard Base64 with padding, no line breaks (used to build test inputs
/// and for showing small blobs).
pub fn encode_base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Wrap `data` in PEM armour with `label`, 64 columns, LF line ends.
pub fn encode_pem(label: &str, data: &[u8]) -> String {
    let b64 = encode_base64(data);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_all_lengths() {
        let data: Vec<u8> = (0u8..=255).collect();
        for len in 0..40 {
            let enc = encode_base64(&data[..len]);
            if len == 0 {
                assert_eq!(decode_base64(enc.as_bytes()), Err(Base64Error::Empty));
            } else {
                assert_eq!(decode_base64(enc.as_bytes()).unwrap(), &data[..len]);
                // unpadded is accepted too
                let unpadded = enc.trim_end_matches('=');
                assert_eq!(decode_base64(unpadded.as_bytes()).unwrap(), &data[..len]);
            }
        }
    }

    #[test]
    fn base64_known_vectors_and_whitespace() {
        assert_eq!(decode_base64(b"Zm9v\r\nYmFy").unwrap(), b"foobar");
        assert_eq!(decode_base64(b"  Zm9vYg==\n").unwrap(), b"foob");
        assert_eq!(encode_base64(b"fooba"), "Zm9vYmE=");
    }

    #[test]
    fn base64_errors_carry_offsets() {
        assert_eq!(
            decode_base64(b"Zm9v*mFy"),
            Err(Base64Error::InvalidByte {
                offset: 4,
                byte: b'*'
            })
        );
        assert_eq!(
            decode_base64(b"Zm8=Zm8="),
            Err(Base64Error::DataAfterPadding { offset: 4 })
        );
        assert_eq!(
            decode_base64(b"Zm9vY"),
            Err(Base64Error::BadLength { chars: 5 })
        );
    }

    #[test]
    fn pem_blocks_headers_and_errors() {
        let text = b"Bag Attributes: x\r\n-----BEGIN A-----\r\nProc-Type: 4,ENCRYPTED\r\nZm9v\r\n-----END A-----\r\n-----BEGIN B-----\nYmFy\n-----END B-----";
        let blocks = parse_pem(text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].label, "A");
        assert_eq!(blocks[0].data, b"foo");
        assert_eq!(blocks[0].line, 2);
        assert_eq!(blocks[1].label, "B");
        assert_eq!(blocks[1].line, 6);
        assert!(matches!(
            parse_pem(b"-----BEGIN A-----\nZm9v\n"),
            Err(PemError::Unterminated { line: 1, .. })
        ));
        assert!(matches!(
            parse_pem(b"-----BEGIN A-----\nZm9v\n-----END B-----\n"),
            Err(PemError::MismatchedEnd { end_line: 3, .. })
        ));
        assert!(matches!(
            parse_pem(b"x\n-----BEGIN A-----\nZm!v\n-----END A-----\n"),
            Err(PemError::Base64 { line: 2, .. })
        ));
        assert!(has_pem_armour(b"junk -----BEGIN X-----"));
        assert!(!has_pem_armour(b"MIIB"));
    }

    #[test]
    fn pem_encode_round_trip() {
        let data: Vec<u8> = (0..200u8).collect();
        let pem = encode_pem("CERTIFICATE", &data);
        let blocks = parse_pem(pem.as_bytes()).unwrap();
        assert_eq!(blocks[0].data, data);
    }
}
