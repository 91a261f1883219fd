//! A minimal DER/BER toolkit for the generator's own output: read one TLV, write a TLV, and
//! pull the few fields the generator needs back out of a certificate it just made (serial
//! number, subject public key). It only ever sees bytes this crate produced, but still
//! returns errors instead of panicking on anything malformed.

use thiserror::Error;

/// A DER structure the generator expected was not there.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DerError {
    /// The input ended inside a tag/length/value.
    #[error("DER truncated at offset {offset}")]
    Truncated {
        /// Offset of the element that could not be read.
        offset: usize,
    },
    /// A different tag was found.
    #[error("expected DER tag 0x{expected:02x} at offset {offset}, found 0x{found:02x}")]
    UnexpectedTag {
        /// Offset of the element.
        offset: usize,
        /// Tag wanted.
        expected: u8,
        /// Tag found.
        found: u8,
    },
    /// Indefinite or over-long length where a definite one is required.
    #[error("unsupported DER length at offset {offset}")]
    BadLength {
        /// Offset of the element.
        offset: usize,
    },
}

/// One decoded element: tag byte, content slice, total encoded length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The (single-byte) tag.
    pub tag: u8,
    /// The content octets.
    pub content: &'a [u8],
    /// Header plus content length.
    pub encoded_len: usize,
}

/// Read one definite-length element at the start of `input`. `base` is only used to
/// report offsets.
pub fn read_tlv(input: &[u8], base: usize) -> Result<Tlv<'_>, DerError> {
    let tag = *input.first().ok_or(DerError::Truncated { offset: base })?;
    let first = *input.get(1).ok_or(DerError::Truncated { offset: base })?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2usize)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err(DerError::BadLength { offset: base });
        }
        let bytes = input
            .get(2..2 + n)
            .ok_or(DerError::Truncated { offset: base })?;
        let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, 2 + n)
    };
    let content = input
        .get(header..header + len)
        .ok_or(DerError::Truncated { offset: base })?;
    Ok(Tlv {
        tag,
        content,
        encoded_len: header + len,
    })
}

/// Read one element and check its tag.
pub fn expect_tlv(input: &[u8], base: usize, tag: u8) -> Result<Tlv<'_>, DerError> {
    let tlv = read_tlv(input, base)?;
    if tlv.tag != tag {
        return Err(DerError::UnexpectedTag {
            offset: base,
            expected: tag,
            found: tlv.tag,
        });
    }
    Ok(tlv)
}

/// Split the content of a constructed element into its children.
pub fn children(content: &[u8], base: usize) -> Result<Vec<Tlv<'_>>, DerError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < content.len() {
        let tlv = read_tlv(&content[pos..], base + pos)?;
        pos += tlv.encoded_len;
        out.push(tlv);
    }
    Ok(out)
}

/// Encode a DER length.
pub fn encode_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Encode a definite-length element.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    encode_len(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

/// Fields of an X.509 certificate the generator needs after rcgen made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFields {
    /// Content octets of the serialNumber INTEGER (big-endian, with a leading 0x00 pad
    /// when the top bit of the magnitude is set) — what Windows displays.
    pub serial_content: Vec<u8>,
}

/// Pull [`CertFields`] out of a DER certificate.
pub fn cert_fields(der: &[u8]) -> Result<CertFields, DerError> {
    let cert = expect_tlv(der, 0, 0x30)?;
    let tbs = expect_tlv(cert.content, 0, 0x30)?;
    let items = children(tbs.content, 0)?;
    // version [0] EXPLICIT is present in every v3 certificate rcgen writes.
    let serial = items
        .iter()
        .find(|t| t.tag == 0x02)
        .ok_or(DerError::UnexpectedTag {
            offset: 0,
            expected: 0x02,
            found: items.first().map(|t| t.tag).unwrap_or(0),
        })?;
    Ok(CertFields {
        serial_content: serial.content.to_vec(),
    })
}

/// From a PKCS#8 `PrivateKeyInfo` holding an RSA key, the PKCS#1 `RSAPublicKey`
/// (SEQUENCE { modulus, publicExponent }) and the modulus length in bits.
pub fn rsa_public_from_pkcs8(pkcs8: &[u8]) -> Result<(Vec<u8>, usize), DerError> {
    let pki = expect_tlv(pkcs8, 0, 0x30)?;
    let items = children(pki.content, 0)?;
    let octets = items
        .iter()
        .find(|t| t.tag == 0x04)
        .ok_or(DerError::UnexpectedTag {
            offset: 0,
            expected: 0x04,
            found: 0,
        })?;
    let rsa = expect_tlv(octets.content, 0, 0x30)?;
    let fields = children(rsa.content, 0)?;
    // RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, ... }
    let (n, e) = match (fields.get(1), fields.get(2)) {
        (Some(n), Some(e)) if n.tag == 0x02 && e.tag == 0x02 => (n, e),
        _ => {
            return Err(DerError::UnexpectedTag {
                offset: 0,
                expected: 0x02,
                found: fields.get(1).map(|t| t.tag).unwrap_or(0),
            })
        }
    };
    let mut body = tlv(0x02, n.content);
    body.extend(tlv(0x02, e.content));
    let magnitude: Vec<u8> = n.content.iter().copied().skip_while(|b| *b == 0).collect();
    let bits = magnitude.len() * 8
        - magnitude
            .first()
            .map(|b| b.leading_zeros() as usize)
            .unwrap_or(8);
    Ok((tlv(0x30, &body), bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lengths_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 65535, 70000] {
            let content = vec![0xab; len];
            let enc = tlv(0x04, &content);
            let back = read_tlv(&enc, 0).unwrap();
            assert_eq!(back.content.len(), len);
            assert_eq!(back.encoded_len, enc.len());
        }
    }

    #[test]
    fn truncated_input_is_an_error() {
        assert!(read_tlv(&[0x30, 0x05, 0x01], 0).is_err());
        assert!(read_tlv(&[0x30], 0).is_err());
        assert!(read_tlv(&[0x30, 0x80], 0).is_err());
    }
}
