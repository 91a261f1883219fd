//! The committed RSA **test** keys (`corpus/keys/test-only-*.pem`, see the README there).
//! Scenario files name them `rsa2048-a` … `rsa2048-f` and `rsa1024-weak`.

use crate::der;
use rcgen::{KeyPair, PublicKeyData, SignatureAlgorithm};
use thiserror::Error;

/// Errors loading a test key.
#[derive(Debug, Error)]
pub enum KeyError {
    /// The scenario names a key that is not committed.
    #[error("unknown test key `{0}` (known: {known})", known = KEY_NAMES.join(", "))]
    Unknown(String),
    /// The PEM text could not be decoded.
    #[error("test key `{name}`: {reason}")]
    Decode {
        /// Key name.
        name: String,
        /// What failed.
        reason: String,
    },
    /// rcgen/ring refused the key for signing (e.g. below 2048 bits).
    #[error("test key `{name}` cannot sign: {source}")]
    Signing {
        /// Key name.
        name: String,
        /// rcgen's error.
        source: rcgen::Error,
    },
}

/// Names of every committed key.
pub const KEY_NAMES: [&str; 7] = [
    "rsa2048-a",
    "rsa2048-b",
    "rsa2048-c",
    "rsa2048-d",
    "rsa2048-e",
    "rsa2048-f",
    "rsa1024-weak",
];

/// The PEM text of a committed key.
pub fn key_pem(name: &str) -> Option<&'static str> {
    Some(match name {
        "rsa2048-a" => include_str!("../keys/test-only-rsa2048-a.pem"),
        "rsa2048-b" => include_str!("../keys/test-only-rsa2048-b.pem"),
        "rsa2048-c" => include_str!("../keys/test-only-rsa2048-c.pem"),
        "rsa2048-d" => include_str!("../keys/test-only-rsa2048-d.pem"),
        "rsa2048-e" => include_str!("../keys/test-only-rsa2048-e.pem"),
        "rsa2048-f" => include_str!("../keys/test-only-rsa2048-f.pem"),
        "rsa1024-weak" => include_str!("../keys/test-only-rsa1024-weak.pem"),
        _ => return None,
    })
}

/// A key pair rcgen can sign with (RSA PKCS#1 v1.5 with the given hash: deterministic).
pub fn signing_key(name: &str, alg: &'static SignatureAlgorithm) -> Result<KeyPair, KeyError> {
    let pem = key_pem(name).ok_or_else(|| KeyError::Unknown(name.to_string()))?;
    KeyPair::from_pem_and_sign_algo(pem, alg).map_err(|source| KeyError::Signing {
        name: name.to_string(),
        source,
    })
}

/// The public half of a test key, usable as a certificate's subject key without loading
/// the private key into ring (which refuses RSA-1024).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaPublic {
    /// PKCS#1 `RSAPublicKey` DER.
    pub der: Vec<u8>,
    /// Modulus size in bits.
    pub bits: usize,
}

impl PublicKeyData for RsaPublic {
    fn der_bytes(&self) -> &[u8] {
        &self.der
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        // Only used to write the SubjectPublicKeyInfo algorithm: rsaEncryption, NULL.
        &rcgen::PKCS_RSA_SHA256
    }
}

/// The public key of a committed key.
pub fn public_key(name: &str) -> Result<RsaPublic, KeyError> {
    let pem = key_pem(name).ok_or_else(|| KeyError::Unknown(name.to_string()))?;
    let der = pem_body(pem).map_err(|reason| KeyError::Decode {
        name: name.to_string(),
        reason,
    })?;
    let (der, bits) = der::rsa_public_from_pkcs8(&der).map_err(|e| KeyError::Decode {
        name: name.to_string(),
        reason: e.to_string(),
    })?;
    Ok(RsaPublic { der, bits })
}

/// Decode the Base64 body of a single-block PEM text.
fn pem_body(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    base64_decode(body.trim())
}

/// Standard Base64 (with padding) decoding.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut nbits = 0;
    for (i, c) in text.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b'\r' | b'\n' | b' ' => continue,
            _ => return Err(format!("invalid Base64 character at {i}")),
        };
        acc = (acc << 6) | v as u32;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
        }
    }
    Ok(out)
}

/// Standard Base64 encoding with padding (no line breaks).
pub fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_loads_with_the_expected_size() {
        for name in KEY_NAMES {
            let public = public_key(name).unwrap();
            let want = if name.starts_with("rsa1024") {
                1024
            } else {
                2048
            };
            assert_eq!(public.bits, want, "{name}");
        }
    }

    #[test]
    fn the_2048_keys_sign_and_the_weak_one_does_not() {
        assert!(signing_key("rsa2048-a", &rcgen::PKCS_RSA_SHA256).is_ok());
        assert!(signing_key("rsa1024-weak", &rcgen::PKCS_RSA_SHA256).is_err());
        assert!(matches!(
            signing_key("nope", &rcgen::PKCS_RSA_SHA256),
            Err(KeyError::Unknown(_))
        ));
    }

    #[test]
    fn base64_round_trips() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            assert_eq!(base64_decode(&base64_encode(data)).unwrap(), data);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }
}
