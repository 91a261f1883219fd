//! Certificate-store `Blob` values (serialized store elements) from `reg export` of
//! `HKLM\SOFTWARE\Microsoft\SystemCertificates`: `{u32 prop_id, u32 reserved, u32 len, bytes}` records.
//!
//! CONTRACT (types fixed).
//!
//! Format (see `../shared/reference/scom-cert-auth.md` §3.4, after Wine's `serialize.c` and the
//! `CRYPT_KEY_PROV_INFO` definition in wincrypt.h): little-endian records, one per property,
//! `{u32 propId, u32 reserved (normally 1), u32 cb, cb bytes}` back to back. Property 32 is the
//! certificate DER, property 2 a self-relative `CRYPT_KEY_PROV_INFO`, property 11 the friendly
//! name. The `reserved` word is not checked.

use thiserror::Error;

use crate::x509::{Certificate, X509Error};

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

/// `CERT_KEY_PROV_INFO_PROP_ID`: the private-key association.
pub const PROP_KEY_PROV_INFO: u32 = 2;
/// `CERT_SHA1_HASH_PROP_ID`: the thumbprint Windows cached.
pub const PROP_SHA1_HASH: u32 = 3;
/// `CERT_ENHKEY_USAGE_PROP_ID`: an EKU restriction set on the store entry (not in the certificate).
pub const PROP_ENHKEY_USAGE: u32 = 9;
/// `CERT_FRIENDLY_NAME_PROP_ID`.
pub const PROP_FRIENDLY_NAME: u32 = 11;
/// `CERT_KEY_IDENTIFIER_PROP_ID`.
pub const PROP_KEY_IDENTIFIER: u32 = 20;
/// The serialized-element record that carries the certificate DER (Wine: `CERT_CERT_PROP_ID`).
pub const PROP_CERTIFICATE: u32 = 32;

/// `CRYPT_MACHINE_KEYSET` bit of [`KeyProvInfo::flags`].
pub const CRYPT_MACHINE_KEYSET: u32 = 0x20;
/// [`KeyProvInfo::key_spec`] AT_KEYEXCHANGE.
pub const AT_KEYEXCHANGE: u32 = 1;
/// [`KeyProvInfo::key_spec`] AT_SIGNATURE.
pub const AT_SIGNATURE: u32 = 2;
/// [`KeyProvInfo::key_spec`] CERT_NCRYPT_KEY_SPEC (a CNG key).
pub const CERT_NCRYPT_KEY_SPEC: u32 = 0xFFFF_FFFF;

/// Size of the fixed part of a serialized `CRYPT_KEY_PROV_INFO` (seven u32).
const KEY_PROV_INFO_LEN: usize = 28;

/// Little-endian u32 at `offset`, if in range.
fn le_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let b = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Decode a serialized store element.
///
/// Every record is kept in [`StoreBlob::properties`]; the first property 32, 2 and 11 fill the
/// typed fields. A record whose header or data runs past the end is [`BlobError::Truncated`]
/// with the record's offset; a damaged property 2 is [`BlobError::BadKeyProvInfo`] saying which
/// field is wrong.
pub fn parse_store_blob(bytes: &[u8]) -> Result<StoreBlob, BlobError> {
    let mut blob = StoreBlob {
        properties: Vec::new(),
        certificate_der: None,
        key_prov_info: None,
        friendly_name: None,
    };
    let mut offset = 0usize;
    while offset < bytes.len() {
        let (Some(prop_id), Some(_reserved), Some(len)) = (
            le_u32(bytes, offset),
            le_u32(bytes, offset + 4),
            le_u32(bytes, offset + 8),
        ) else {
            return Err(BlobError::Truncated { offset });
        };
        let start = offset + 12;
        let data = usize::try_from(len)
            .ok()
            .and_then(|len| bytes.get(start..start.checked_add(len)?))
            .ok_or(BlobError::Truncated { offset })?;
        match prop_id {
            PROP_CERTIFICATE if blob.certificate_der.is_none() => {
                blob.certificate_der = Some(data.to_vec());
            }
            PROP_KEY_PROV_INFO if blob.key_prov_info.is_none() => {
                blob.key_prov_info = Some(parse_key_prov_info(data)?);
            }
            PROP_FRIENDLY_NAME if blob.friendly_name.is_none() => {
                blob.friendly_name = Some(utf16le_until_nul(data));
            }
            _ => {}
        }
        blob.properties.push((prop_id, data.to_vec()));
        offset = start + data.len();
    }
    Ok(blob)
}

impl StoreBlob {
    /// The certificate of property 32 parsed; `None` when the blob has no property 32.
    pub fn certificate(&self) -> Option<Result<Certificate, X509Error>> {
        self.certificate_der.as_deref().map(Certificate::from_der)
    }

    /// The data of the first property `id`, if present.
    pub fn property(&self, id: u32) -> Option<&[u8]> {
        self.properties
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, d)| d.as_slice())
    }
}

/// Decode a self-relative `CRYPT_KEY_PROV_INFO`:
/// `{u32 offContainerName, u32 offProvName, u32 dwProvType, u32 dwFlags, u32 cProvParam,
/// u32 offProvParam, u32 dwKeySpec}`, string offsets relative to the start of `data`
/// (0 = absent), strings UTF-16LE NUL-terminated.
pub fn parse_key_prov_info(data: &[u8]) -> Result<KeyProvInfo, BlobError> {
    if data.len() < KEY_PROV_INFO_LEN {
        return Err(BlobError::BadKeyProvInfo(format!(
            "{} bytes, the fixed part needs {KEY_PROV_INFO_LEN}",
            data.len()
        )));
    }
    let field = |i: usize| le_u32(data, i * 4).unwrap_or(0);
    let container = prov_string(data, field(0), "container name")?;
    let provider = prov_string(data, field(1), "provider name")?;
    Ok(KeyProvInfo {
        container,
        provider,
        provider_type: field(2),
        flags: field(3),
        key_spec: field(6),
    })
}

/// The NUL-terminated UTF-16LE string at `offset` in `data`; offset 0 means absent.
fn prov_string(data: &[u8], offset: u32, what: &str) -> Result<Option<String>, BlobError> {
    if offset == 0 {
        return Ok(None);
    }
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    if start >= data.len() {
        return Err(BlobError::BadKeyProvInfo(format!(
            "{what} offset {offset} is outside the {}-byte property",
            data.len()
        )));
    }
    if start < KEY_PROV_INFO_LEN {
        return Err(BlobError::BadKeyProvInfo(format!(
            "{what} offset {offset} points into the fixed {KEY_PROV_INFO_LEN}-byte header"
        )));
    }
    let units: Vec<u16> = data[start..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    let consumed = units.len() * 2;
    if start + consumed + 2 > data.len() {
        return Err(BlobError::BadKeyProvInfo(format!(
            "{what} at offset {offset} is not NUL-terminated inside the property"
        )));
    }
    Ok(Some(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    ))
}

/// UTF-16LE text up to the first NUL (or the end); an odd last byte is ignored and unpaired
/// surrogates become U+FFFD.
fn utf16le_until_nul(data: &[u8]) -> String {
    let units = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0);
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}
