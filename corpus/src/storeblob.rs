//! Serialized certificate-store elements: the `Blob` values under
//! `HKLM\SOFTWARE\Microsoft\SystemCertificates\<store>\Certificates\<SHA1>`.
//!
//! Layout (`../shared/reference/scom-cert-auth.md` §3.4): a sequence of little-endian
//! `{u32 prop_id, u32 reserved = 1, u32 length, bytes}` records. Written here: property 3
//! (SHA-1 hash), 2 (`CRYPT_KEY_PROV_INFO`, self-relative), 11 (friendly name, UTF-16LE with
//! NUL), 19 (archived, empty) and last 32 (the DER certificate).

use crate::scenario::{ExplicitKey, KeyFacts};

/// CERT_KEY_PROV_INFO_PROP_ID.
pub const PROP_KEY_PROV_INFO: u32 = 2;
/// CERT_SHA1_HASH_PROP_ID.
pub const PROP_SHA1_HASH: u32 = 3;
/// CERT_FRIENDLY_NAME_PROP_ID.
pub const PROP_FRIENDLY_NAME: u32 = 11;
/// CERT_ARCHIVED_PROP_ID.
pub const PROP_ARCHIVED: u32 = 19;
/// The certificate itself (Wine: "CERT_CERT_PROP_ID").
pub const PROP_CERT: u32 = 32;
/// CRYPT_MACHINE_KEYSET.
pub const CRYPT_MACHINE_KEYSET: u32 = 0x20;

/// The named key profiles of scenario files (`none` is handled by the caller).
pub fn profile(name: &str) -> Option<ExplicitKey> {
    let schannel = ExplicitKey {
        provider: "Microsoft RSA SChannel Cryptographic Provider".into(),
        provider_type: 12,
        key_spec: 1,
        machine: true,
        exportable: false,
        accessible: true,
        access_error: None,
    };
    Some(match name {
        "schannel" => schannel,
        "enhanced" => ExplicitKey {
            provider: "Microsoft Enhanced RSA and AES Cryptographic Provider".into(),
            provider_type: 24,
            ..schannel
        },
        "signature" => ExplicitKey {
            key_spec: 2,
            ..schannel
        },
        // CNG key storage provider: dwProvType 0. dwKeySpec 0 is what we believe Windows
        // stores for a KSP key in CRYPT_KEY_PROV_INFO (I); CERT_NCRYPT_KEY_SPEC
        // (0xFFFFFFFF) belongs to CERT_KEY_CONTEXT.
        "cng" => ExplicitKey {
            provider: "Microsoft Software Key Storage Provider".into(),
            provider_type: 0,
            key_spec: 0,
            ..schannel
        },
        "user" => ExplicitKey {
            machine: false,
            accessible: false,
            access_error: Some("Keyset does not exist".into()),
            ..schannel
        },
        "missing_container" => ExplicitKey {
            accessible: false,
            access_error: Some("Keyset does not exist".into()),
            ..schannel
        },
        _ => return None,
    })
}

/// Resolve the key facts of a store entry: `None` = no private key.
pub fn resolve(facts: Option<&KeyFacts>, in_my: bool) -> Option<ExplicitKey> {
    match facts {
        None if in_my => profile("schannel"),
        None => None,
        Some(KeyFacts::Profile(p)) if p == "none" => None,
        Some(KeyFacts::Profile(p)) => profile(p),
        Some(KeyFacts::Explicit(e)) => Some(e.clone()),
    }
}

/// A deterministic key-container name (GUID-shaped) for a certificate.
pub fn container_name(sha1: &[u8]) -> String {
    let h = ring::digest::digest(&ring::digest::SHA256, sha1);
    let b = h.as_ref();
    format!(
        "{{{}-{}-{}-{}-{}}}",
        crate::hex::upper(&b[0..4]),
        crate::hex::upper(&b[4..6]),
        crate::hex::upper(&b[6..8]),
        crate::hex::upper(&b[8..10]),
        crate::hex::upper(&b[10..16])
    )
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain(std::iter::once(0))
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// A self-relative `CRYPT_KEY_PROV_INFO`: seven u32 (offContainer, offProv, dwProvType,
/// dwFlags, cProvParam, offProvParam, dwKeySpec), then the container and provider names
/// as NUL-terminated UTF-16LE; offsets are from the start of the structure.
pub fn key_prov_info(container: &str, key: &ExplicitKey) -> Vec<u8> {
    let container = utf16z(container);
    let provider = utf16z(&key.provider);
    let off_container = 28u32;
    let off_provider = off_container + container.len() as u32;
    let flags = if key.machine { CRYPT_MACHINE_KEYSET } else { 0 };
    let mut out = Vec::with_capacity(28 + container.len() + provider.len());
    for v in [
        off_container,
        off_provider,
        key.provider_type,
        flags,
        0,
        0,
        key.key_spec,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend(container);
    out.extend(provider);
    out
}

fn push_prop(out: &mut Vec<u8>, id: u32, data: &[u8]) {
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
}

/// One store element.
#[derive(Debug, Clone, Copy)]
pub struct BlobInput<'a> {
    /// DER certificate.
    pub der: &'a [u8],
    /// SHA-1 of the DER.
    pub sha1: &'a [u8],
    /// Private key, if associated.
    pub key: Option<&'a ExplicitKey>,
    /// Friendly name.
    pub friendly_name: Option<&'a str>,
    /// Archived.
    pub archived: bool,
}

/// Serialize a store element.
pub fn store_blob(input: &BlobInput<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.der.len() + 256);
    push_prop(&mut out, PROP_SHA1_HASH, input.sha1);
    if let Some(key) = input.key {
        push_prop(
            &mut out,
            PROP_KEY_PROV_INFO,
            &key_prov_info(&container_name(input.sha1), key),
        );
    }
    if let Some(name) = input.friendly_name {
        push_prop(&mut out, PROP_FRIENDLY_NAME, &utf16z(name));
    }
    if input.archived {
        push_prop(&mut out, PROP_ARCHIVED, &[]);
    }
    push_prop(&mut out, PROP_CERT, input.der);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    #[test]
    fn key_prov_info_is_self_relative() {
        let key = profile("signature").unwrap();
        let info = key_prov_info("{ABC}", &key);
        let off_c = u32_at(&info, 0) as usize;
        let off_p = u32_at(&info, 4) as usize;
        assert_eq!(off_c, 28);
        assert_eq!(u32_at(&info, 8), 12);
        assert_eq!(u32_at(&info, 12), CRYPT_MACHINE_KEYSET);
        assert_eq!(u32_at(&info, 24), 2);
        let read = |off: usize| {
            let units: Vec<u16> = info[off..]
                .chunks(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|u| *u != 0)
                .collect();
            String::from_utf16(&units).unwrap()
        };
        assert_eq!(read(off_c), "{ABC}");
        assert_eq!(read(off_p), "Microsoft RSA SChannel Cryptographic Provider");
    }
}
