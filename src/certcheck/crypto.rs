//! `crypto`: key size and signature hash of the certificate (§4.11 of the reference: 2048-bit
//! RSA and SHA-256 recommended).
//!
//! Fail only where Windows itself refuses: RSA keys under 1024 bits (Microsoft Security
//! Advisory 2661254, 2012) and MD2/MD4/MD5 signatures (Microsoft Security Advisory 2862973,
//! 2013). Under 2048 bits, SHA-1, or a key that is not RSA (SCOM's documented setup keeps the
//! key in a legacy RSA CSP, §4.7; an inference for other key types) are warnings.

use super::{Check, Verdict};
use scomtriage_parsers::x509::Certificate;

/// How strong a signature hash is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HashStrength {
    /// MD2, MD4, MD5: refused by Windows.
    Broken,
    /// SHA-1: accepted by Windows for private CAs, deprecated.
    Weak,
    /// SHA-2 or an algorithm with its own hash (Ed25519).
    Good,
    /// Not known here.
    Unknown,
}

fn hash_strength(oid: &str) -> HashStrength {
    match oid {
        "1.2.840.113549.1.1.2" | "1.2.840.113549.1.1.3" | "1.2.840.113549.1.1.4" => {
            HashStrength::Broken
        }
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => {
            HashStrength::Weak
        }
        "1.2.840.113549.1.1.10"
        | "1.2.840.113549.1.1.11"
        | "1.2.840.113549.1.1.12"
        | "1.2.840.113549.1.1.13"
        | "1.2.840.113549.1.1.14"
        | "1.2.840.10045.4.3.1"
        | "1.2.840.10045.4.3.2"
        | "1.2.840.10045.4.3.3"
        | "1.2.840.10045.4.3.4"
        | "2.16.840.1.101.3.4.3.2"
        | "1.3.101.112"
        | "1.3.101.113" => HashStrength::Good,
        _ => HashStrength::Unknown,
    }
}

/// Judge key size and signature hash.
pub fn check(c: &Certificate) -> Check {
    let rsa = c.public_key_oid == "1.2.840.113549.1.1.1";
    let key = match c.public_key_bits {
        Some(b) => format!("{} {b}-bit key", c.public_key_algorithm),
        None => format!("{} key of unknown size", c.public_key_algorithm),
    };
    let sig = format!("signed with {}", c.signature_algorithm);
    let mut fails: Vec<String> = Vec::new();
    let mut warns: Vec<String> = Vec::new();
    let mut unknowns: Vec<String> = Vec::new();
    match (rsa, c.public_key_bits) {
        (true, Some(b)) if b < 1024 => fails.push(format!(
            "RSA keys under 1024 bits are blocked by Windows (Security Advisory 2661254); {b} bits"
        )),
        (true, Some(b)) if b < 2048 => {
            warns.push(format!("{b}-bit RSA: 2048 bits or more is recommended"))
        }
        (true, Some(_)) => {}
        (true, None) => unknowns.push("the RSA key size cannot be read".into()),
        (false, _) => warns.push(format!(
            "a {} key: SCOM's documented setup uses an RSA key in a legacy CSP (inference: other key types cannot live there)",
            c.public_key_algorithm
        )),
    }
    match hash_strength(&c.signature_oid) {
        HashStrength::Broken => fails.push(format!(
            "{} is refused by Windows (Security Advisory 2862973)",
            c.signature_algorithm
        )),
        HashStrength::Weak => warns.push(format!(
            "{} is deprecated: SHA-256 or better is recommended",
            c.signature_algorithm
        )),
        HashStrength::Good => {}
        HashStrength::Unknown => unknowns.push(format!(
            "signature algorithm {} is not known here",
            c.signature_algorithm
        )),
    }
    let (verdict, problems) = if !fails.is_empty() {
        (Verdict::Fail, fails)
    } else if !warns.is_empty() {
        (Verdict::Warn, warns)
    } else if !unknowns.is_empty() {
        (Verdict::Unknown, unknowns)
    } else {
        (Verdict::Pass, vec![])
    };
    let detail = if problems.is_empty() {
        format!("{key}, {sig}")
    } else {
        format!("{key}, {sig}: {}", problems.join("; "))
    };
    Check::new("crypto", verdict, detail)
}
