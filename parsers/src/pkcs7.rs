//! PKCS#7 / CMS SignedData certificate bags (`.p7b`): DER, BER (indefinite lengths),
//! PEM `BEGIN PKCS7`, bare Base64, Base64 in `BEGIN CERTIFICATE` armour.
//!
//! CONTRACT (types fixed).

use crate::x509::Certificate;
use thiserror::Error;

/// Errors from reading a `.p7b`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pkcs7Error {
    /// Valid CMS, but not a SignedData certificate bag (e.g. EnvelopedData); carries the content-type OID.
    #[error("not a certificate bundle: content type {0}")]
    NotCertificateBundle(String),
    /// Not PKCS#7 at all / unreadable encoding.
    #[error("not PKCS#7: {0}")]
    NotPkcs7(String),
    /// The structure is damaged.
    #[error("malformed PKCS#7: {0}")]
    Malformed(String),
}

/// The certificates of a `.p7b`, in file order.
pub fn parse_pkcs7(_bytes: &[u8]) -> Result<Vec<Certificate>, Pkcs7Error> {
    Err(Pkcs7Error::NotPkcs7("not implemented yet".into()))
}
