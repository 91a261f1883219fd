//! Certificate-store `Blob` values (serialized store elements) from `reg export` of
//! `HKLM\SOFTWARE\Microsoft\SystemCertificates`: `{u32 prop_id, u32 reserved, u32 len, bytes}` records.
//!
//! CONTRACT (types fixed).

use thiserror::Error;

/// Errors from decoding a store blob.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobError {
    /// A property record runs past the end of the blob.
    #[error("property record at offset {offset} is truncated")]
    Truncated {
        /// Byte offset of the record header.
        offset: usize,
    },
    /// `CRYPT_KEY_PROV_INFO` is malformed.
    #[error("bad CRYPT_KEY_PROV_INFO: {0}")]
    BadKeyProvInfo(String),
}

/// `CRYPT_KEY_PROV_INFO` (property 2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyProvInfo {
    /// Key container name.
    pub container: Option<String>,
    /// Provider name (e.g. `Microsoft RSA SChannel Cryptographic Provider`).
    pub provider: Option<String>,
    /// dwProvType (0 for a CNG key storage provider).
    pub provider_type: u32,
    /// dwFlags (0x20 = CRYPT_MACHINE_KEYSET).
    pub flags: u32,
    /// dwKeySpec (1 AT_KEYEXCHANGE, 2 AT_SIGNATURE, 0xFFFFFFFF CERT_NCRYPT_KEY_SPEC).
    pub key_spec: u32,
}

/// One decoded store element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreBlob {
    /// Every property as (id, data), in blob order.
    pub properties: Vec<(u32, Vec<u8>)>,
    /// DER of the certificate (property 32), if present.
    pub certificate_der: Option<Vec<u8>>,
    /// Property 2, if present.
    pub key_prov_info: Option<KeyProvInfo>,
    /// Friendly name (property 11, UTF-16LE), if present.
    pub friendly_name: Option<String>,
}

/// Decode a serialized store element.
pub fn parse_store_blob(_bytes: &[u8]) -> Result<StoreBlob, BlobError> {
    Err(BlobError::Truncated { offset: 0 })
}
