//! Comparing `ChannelCertificateSerialNumber` with certificate serials.
//!
//! The registry holds the serial in CryptoAPI's little-endian `CERT_INFO.SerialNumber` layout,
//! i.e. the displayed (big-endian) serial byte-reversed (`reference/scom-cert-auth.md` §3.1,
//! source S20). We compare as integers of any length: reverse, strip leading zero bytes on both
//! sides, compare. Widely used scripts reverse only the last 19 bytes; a registry value written
//! that way for a 20-byte serial is detected and reported as such.

use serde::Serialize;

/// How a registry value relates to one certificate serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SerialMatch {
    /// Same bytes.
    Exact,
    /// Same integer; the two differ only by leading zero bytes (DER sign pad).
    EqualIgnoringPadding,
    /// The registry holds the serial **not** reversed (hand-written value).
    NotReversed,
    /// The registry holds only the low 19 bytes of a longer serial (a 19-byte reversal script).
    Truncated19,
    /// Different.
    Different,
}

impl SerialMatch {
    /// Whether the Health Service would find the certificate by this value.
    pub fn is_match(self) -> bool {
        matches!(self, SerialMatch::Exact | SerialMatch::EqualIgnoringPadding)
    }
}

/// Strip leading zero bytes (an all-zero serial becomes empty).
pub fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|x| **x == 0).count();
    &b[n..]
}

/// The registry bytes turned back into the big-endian serial.
pub fn registry_to_big_endian(registry: &[u8]) -> Vec<u8> {
    registry.iter().rev().copied().collect()
}

/// The value a correct tool writes for a serial (content bytes of the DER INTEGER, reversed).
pub fn big_endian_to_registry(serial: &[u8]) -> Vec<u8> {
    serial.iter().rev().copied().collect()
}

/// Compare a `ChannelCertificateSerialNumber` value with a certificate serial (DER INTEGER
/// content bytes, big-endian, possibly with a leading `0x00`).
pub fn compare(registry: &[u8], cert_serial: &[u8]) -> SerialMatch {
    let be = registry_to_big_endian(registry);
    if be == cert_serial {
        return SerialMatch::Exact;
    }
    let a = strip_leading_zeros(&be);
    let b = strip_leading_zeros(cert_serial);
    if !b.is_empty() && a == b {
        return SerialMatch::EqualIgnoringPadding;
    }
    if !b.is_empty() && strip_leading_zeros(registry) == b {
        return SerialMatch::NotReversed;
    }
    // Script bug: only the last 19 bytes of a >19-byte serial were reversed and written.
    if cert_serial.len() > 19
        && registry.len() == 19
        && be.as_slice() == &cert_serial[cert_serial.len() - 19..]
    {
        return SerialMatch::Truncated19;
    }
    SerialMatch::Different
}

/// Upper-case hex without separators.
pub fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// Normalise a thumbprint written by people or scripts: keep hex digits, upper-case.
/// Returns `None` unless exactly 40 hex digits remain.
pub fn normalize_thumbprint(s: &str) -> Option<String> {
    let t: String = s
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (t.len() == 40).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test hex"))
            .collect()
    }

    #[test]
    fn reference_example_19_bytes() {
        // §3.1 example: serial 1f00000008c694dac94bcfdc4a000000000008
        let serial = hex("1f00000008c694dac94bcfdc4a000000000008");
        assert_eq!(serial.len(), 19);
        let reg = hex("0800000000004adccf4bc9da94c6080000001f");
        assert_eq!(compare(&reg, &serial), SerialMatch::Exact);
        assert_eq!(big_endian_to_registry(&serial), reg);
    }

    #[test]
    fn twenty_byte_serial_matches_when_fully_reversed() {
        let serial = hex("7a1f00000008c694dac94bcfdc4a000000000008");
        assert_eq!(serial.len(), 20);
        let reg = big_endian_to_registry(&serial);
        assert_eq!(compare(&reg, &serial), SerialMatch::Exact);
    }

    #[test]
    fn twenty_byte_serial_written_by_a_19_byte_script_is_recognised() {
        let serial = hex("7a1f00000008c694dac94bcfdc4a000000000008");
        let reg: Vec<u8> = serial[1..].iter().rev().copied().collect();
        assert_eq!(reg.len(), 19);
        let m = compare(&reg, &serial);
        assert_eq!(m, SerialMatch::Truncated19);
        assert!(!m.is_match());
    }

    #[test]
    fn leading_zero_pad_in_the_certificate() {
        // DER pads a serial whose top bit is set: 00 9c ...
        let serial = hex("009c0102030405060708090a0b0c0d0e0f101112");
        assert_eq!(serial.len(), 20);
        // Registry without the pad (19 bytes) …
        let reg_nopad: Vec<u8> = serial[1..].iter().rev().copied().collect();
        assert_eq!(
            compare(&reg_nopad, &serial),
            SerialMatch::EqualIgnoringPadding
        );
        assert!(compare(&reg_nopad, &serial).is_match());
        // … and with the pad (20 bytes, pad becomes the last registry byte).
        let reg_pad = big_endian_to_registry(&serial);
        assert_eq!(*reg_pad.last().expect("non-empty"), 0);
        assert_eq!(compare(&reg_pad, &serial), SerialMatch::Exact);
    }

    #[test]
    fn registry_with_pad_certificate_without() {
        let serial = hex("1c0102030405060708090a0b0c0d0e0f101112");
        let mut reg = big_endian_to_registry(&serial);
        reg.push(0);
        assert_eq!(compare(&reg, &serial), SerialMatch::EqualIgnoringPadding);
    }

    #[test]
    fn different_and_not_reversed() {
        let serial = hex("1f00000008c694dac94bcfdc4a000000000008");
        assert_eq!(compare(&serial, &serial), SerialMatch::NotReversed);
        let other = hex("1f00000008c694dac94bcfdc4a000000000009");
        assert_eq!(
            compare(&big_endian_to_registry(&other), &serial),
            SerialMatch::Different
        );
        assert_eq!(compare(&[], &serial), SerialMatch::Different);
        assert_eq!(compare(&[0, 0], &[0]), SerialMatch::Different);
    }

    #[test]
    fn thumbprints_are_normalised() {
        assert_eq!(
            normalize_thumbprint("6f 1c 0a 5e 3b 7d 2c 9a 8e 4f 1b 0d 3c 5a 7e 9f 2b 4d 6a 8c")
                .as_deref(),
            Some("6F1C0A5E3B7D2C9A8E4F1B0D3C5A7E9F2B4D6A8C")
        );
        assert_eq!(normalize_thumbprint("abc"), None);
        assert_eq!(hex_upper(&[0x0a, 0xff]), "0AFF");
    }
}
