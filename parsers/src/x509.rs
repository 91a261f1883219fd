//! X.509 certificates: DER, PEM (several per file) and bare Base64.
//!
//! CONTRACT (types are fixed; the implementation fills in the functions).

use thiserror::Error;

/// Errors from reading certificates.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum X509Error {
    /// The bytes are neither DER, PEM nor Base64 of a certificate.
    #[error("not a certificate: {0}")]
    NotACertificate(String),
    /// The DER structure is damaged.
    #[error("malformed certificate DER: {0}")]
    Malformed(String),
}

/// Errors from checking one certificate's signature against an issuer.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature does not verify with the issuer's public key.
    #[error("signature does not verify with the issuer's key")]
    BadSignature,
    /// The algorithm is not one we can verify (e.g. GOST, or RSA under 2048 bits with SHA-2 in ring).
    #[error("signature algorithm {0} cannot be verified here")]
    Unsupported(String),
    /// Either certificate could not be re-read.
    #[error("cannot verify: {0}")]
    Other(String),
}

/// KeyUsage extension (RFC 5280 §4.2.1.3).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyUsage {
    /// Bits in RFC order: bit 0 digitalSignature (0x0001 here) … bit 8 decipherOnly (0x0100).
    /// `bits & 1` = digitalSignature, `bits & 4` = keyEncipherment, `bits & 0x20` = keyCertSign.
    pub bits: u16,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

/// BasicConstraints extension.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BasicConstraints {
    /// cA flag.
    pub ca: bool,
    /// pathLenConstraint, if present.
    pub path_len: Option<u32>,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

/// One parsed certificate. Owned data; the raw DER is kept for signature checks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Certificate {
    /// Subject DN as a string, most significant RDN last as Windows shows it is NOT required:
    /// RFC 4514-like order as x509-parser prints it (e.g. `CN=gw01.dmz.contoso.com, O=Contoso`).
    pub subject: String,
    /// Every CN (2.5.4.3) of the subject, in the order they appear in the DER.
    pub subject_cns: Vec<String>,
    /// Whether a SubjectAltName extension (2.5.29.17) is present at all.
    pub has_san: bool,
    /// SAN dNSName entries, in order.
    pub san_dns: Vec<String>,
    /// Issuer DN string (same format as `subject`).
    pub issuer: String,
    /// Every CN of the issuer, in order.
    pub issuer_cns: Vec<String>,
    /// DER-encoded subject Name (for exact issuer/subject matching).
    pub subject_der: Vec<u8>,
    /// DER-encoded issuer Name.
    pub issuer_der: Vec<u8>,
    /// Serial: the DER INTEGER content bytes, exactly as encoded (may start with 0x00).
    pub serial: Vec<u8>,
    /// Serial as Windows displays it: upper-case hex of the content bytes, no separators.
    pub serial_hex: String,
    /// notBefore, seconds since the Unix epoch (UTC).
    pub not_before: i64,
    /// notAfter, seconds since the Unix epoch (UTC).
    pub not_after: i64,
    /// EKU OIDs in dotted form; `None` when the extension is absent.
    pub eku: Option<Vec<String>>,
    /// KeyUsage; `None` when the extension is absent.
    pub key_usage: Option<KeyUsage>,
    /// BasicConstraints; `None` when absent.
    pub basic_constraints: Option<BasicConstraints>,
    /// SubjectKeyIdentifier bytes.
    pub ski: Option<Vec<u8>>,
    /// AuthorityKeyIdentifier keyIdentifier bytes.
    pub aki: Option<Vec<u8>>,
    /// Public key algorithm: a short name where known (`RSA`, `EC`, `Ed25519`, …) else the dotted OID.
    pub public_key_algorithm: String,
    /// Public key OID, dotted.
    pub public_key_oid: String,
    /// Key size in bits when known (RSA modulus bits, EC curve size).
    pub public_key_bits: Option<u32>,
    /// Signature algorithm: short name where known (`sha256WithRSAEncryption`, …) else dotted OID.
    pub signature_algorithm: String,
    /// Signature algorithm OID, dotted.
    pub signature_oid: String,
    /// Whether subject DER == issuer DER.
    pub self_issued: bool,
    /// SHA-1 of the DER, upper-case hex (the Windows thumbprint).
    pub thumbprint_sha1: String,
    /// The certificate's DER bytes.
    #[serde(skip)]
    pub der: Vec<u8>,
}

impl Certificate {
    /// Parse exactly one DER certificate. Trailing bytes are an error.
    pub fn from_der(_der: &[u8]) -> Result<Certificate, X509Error> {
        Err(X509Error::NotACertificate("not implemented yet".into()))
    }

    /// Verify this certificate's signature with `issuer`'s public key.
    pub fn verify_signed_by(&self, _issuer: &Certificate) -> Result<(), SignatureError> {
        Err(SignatureError::Other("not implemented yet".into()))
    }
}

/// Read every certificate in a file: DER, PEM with one or more `CERTIFICATE` blocks, or bare Base64.
pub fn parse_certificates(_bytes: &[u8]) -> Result<Vec<Certificate>, X509Error> {
    Err(X509Error::NotACertificate("not implemented yet".into()))
}
