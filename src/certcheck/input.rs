//! Reading the certificate files `cert` is given: `.cer`/`.crt`/`.der`/`.pem` (DER, PEM with one
//! or more certificates, bare Base64) and `.p7b` (PKCS#7 in any encoding the parsers read).
//! The content decides, not the extension.

use super::CertError;
use scomtriage_parsers::pkcs7::{looks_like_pkcs7, parse_pkcs7};
use scomtriage_parsers::x509::{parse_certificates, Certificate};
use std::path::Path;

/// Largest certificate file read (a `.p7b` of a deep chain is a few KB; this bounds memory).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What a file was given as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A positional FILE: holds the leaf (and possibly its chain).
    Given,
    /// `--trust`: trusted roots.
    Trust,
    /// `--intermediate`: extra CA certificates.
    Intermediate,
}

/// One certificate read from a file.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The certificate.
    pub cert: Certificate,
    /// Where it came from: the file as given, with `#n` when the file holds several.
    pub source: String,
    /// How the file was given.
    pub role: Role,
}

/// Read every certificate of `path`. Errors name the file and say what is wrong.
pub fn read_file(path: &Path, role: Role) -> Result<Vec<Loaded>, CertError> {
    let label = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| CertError::Read {
        file: label.clone(),
        reason: e.to_string(),
    })?;
    if meta.is_dir() {
        return Err(CertError::Read {
            file: label,
            reason: "is a directory, not a certificate file (analyze reads folders)".into(),
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(CertError::Read {
            file: label,
            reason: format!(
                "{} bytes is more than a certificate file holds (limit {MAX_FILE_BYTES})",
                meta.len()
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| CertError::Read {
        file: label.clone(),
        reason: e.to_string(),
    })?;
    let certs = parse_bytes(&bytes).map_err(|reason| CertError::Parse {
        file: label.clone(),
        reason,
    })?;
    if certs.is_empty() {
        return Err(CertError::Parse {
            file: label,
            reason: "the PKCS#7 file holds no certificate".into(),
        });
    }
    let several = certs.len() > 1;
    Ok(certs
        .into_iter()
        .enumerate()
        .map(|(i, cert)| Loaded {
            cert,
            source: if several {
                format!("{label}#{}", i + 1)
            } else {
                label.clone()
            },
            role,
        })
        .collect())
}

/// Certificates of a file's bytes: PKCS#7 when it looks like one, else certificate encodings.
pub fn parse_bytes(bytes: &[u8]) -> Result<Vec<Certificate>, String> {
    if looks_like_pkcs7(bytes) {
        return parse_pkcs7(bytes).map_err(|e| e.to_string());
    }
    parse_certificates(bytes).map_err(|e| e.to_string())
}
