//! Hex text helpers.

/// Decode hex text; spaces, colons and commas between bytes are allowed.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b' ' | b':' | b','))
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits in `{text}`"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).map_err(|_| format!("not hex: `{text}`"))?;
            u8::from_str_radix(s, 16).map_err(|_| format!("not hex: `{text}`"))
        })
        .collect()
}

/// Upper-case hex without separators (thumbprints, serials as Windows shows them).
pub fn upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Lower-case hex without separators.
pub fn lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Upper-case hex bytes separated by spaces (state cookies, configuration ids).
pub fn spaced(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_accepts_separators_and_rejects_garbage() {
        assert_eq!(decode("0a:FF 10,01").unwrap(), vec![0x0a, 0xff, 0x10, 0x01]);
        assert!(decode("abc").is_err());
        assert!(decode("zz").is_err());
        assert_eq!(upper(&[0x0a, 0xff]), "0AFF");
        assert_eq!(lower(&[0x0a, 0xff]), "0aff");
        assert_eq!(spaced(&[0x0a, 0xff]), "0A FF");
    }
}
