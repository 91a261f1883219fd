//! Certificates for a scenario, made with rcgen and signed with the committed RSA test keys
//! (RSA PKCS#1 v1.5 is deterministic, so the same scenario gives the same bytes).

use crate::der;
use crate::hex;
use crate::keys::{self, KeyError};
use crate::scenario::{CertSpec, Eku, Hash, KeyUsage};
use crate::timeexpr;
use jiff::Timestamp;
use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyUsagePurpose, SanType, SerialNumber,
    SignatureAlgorithm,
};
use std::collections::BTreeMap;
use thiserror::Error;

/// Errors building certificates.
#[derive(Debug, Error)]
pub enum CertError {
    /// A key could not be loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// rcgen refused the parameters.
    #[error("certificate `{id}`: {source}")]
    Rcgen {
        /// Certificate id.
        id: String,
        /// rcgen's error.
        source: rcgen::Error,
    },
    /// A field could not be interpreted.
    #[error("certificate `{id}`: {problem}")]
    Invalid {
        /// Certificate id.
        id: String,
        /// What is wrong.
        problem: String,
    },
}

/// A certificate the generator made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltCert {
    /// Scenario id of the certificate.
    pub id: String,
    /// DER.
    pub der: Vec<u8>,
    /// SHA-1 of the DER, upper-case hex (the `.cer` file name, `ChannelCertificateHash`).
    pub thumbprint: String,
    /// Raw SHA-1.
    pub sha1: Vec<u8>,
    /// serialNumber content octets as Windows displays them (big-endian, with the DER
    /// 0x00 pad when the magnitude's top bit is set).
    pub serial: Vec<u8>,
    /// NotBefore.
    pub not_before: Timestamp,
    /// NotAfter.
    pub not_after: Timestamp,
    /// The name SCOM reads: first DNS SAN if a SAN exists, else CN.
    pub scom_name: String,
    /// CA certificate.
    pub is_ca: bool,
    /// Issuer id (`None` = self-signed).
    pub issuer: Option<String>,
    /// Subject key size in bits.
    pub key_bits: usize,
}

/// Build every certificate in `wanted` (and their issuers), relative to `base`.
pub fn build_all(
    specs: &BTreeMap<String, CertSpec>,
    wanted: &[String],
    base: Timestamp,
) -> Result<BTreeMap<String, BuiltCert>, CertError> {
    let mut out: BTreeMap<String, BuiltCert> = BTreeMap::new();
    let mut params_cache: BTreeMap<String, CertificateParams> = BTreeMap::new();
    for id in wanted {
        build_one(id, specs, base, &mut out, &mut params_cache, 0)?;
    }
    Ok(out)
}

fn build_one(
    id: &str,
    specs: &BTreeMap<String, CertSpec>,
    base: Timestamp,
    out: &mut BTreeMap<String, BuiltCert>,
    params_cache: &mut BTreeMap<String, CertificateParams>,
    depth: usize,
) -> Result<(), CertError> {
    if out.contains_key(id) {
        return Ok(());
    }
    let invalid = |problem: String| CertError::Invalid {
        id: id.to_string(),
        problem,
    };
    if depth > 16 {
        return Err(invalid("issuer chain too deep or looping".into()));
    }
    let spec = specs.get(id).ok_or_else(|| invalid("not defined".into()))?;
    if let Some(issuer) = &spec.issuer {
        build_one(issuer, specs, base, out, params_cache, depth + 1)?;
    }
    let params = make_params(id, spec, base)?;
    let alg = signature_alg(spec.hash);
    let subject_public = keys::public_key(&spec.key)?;
    let rc = |source| CertError::Rcgen {
        id: id.to_string(),
        source,
    };
    let cert = match &spec.issuer {
        None => {
            let key = keys::signing_key(&spec.key, alg)?;
            params.self_signed(&key).map_err(rc)?
        }
        Some(issuer_id) => {
            let issuer_spec = specs
                .get(issuer_id)
                .ok_or_else(|| invalid(format!("issuer `{issuer_id}` not defined")))?;
            let issuer_params = params_cache
                .get(issuer_id)
                .ok_or_else(|| invalid(format!("issuer `{issuer_id}` not built")))?;
            let issuer_key = keys::signing_key(&issuer_spec.key, alg)?;
            let issuer = Issuer::from_params(issuer_params, issuer_key);
            params.signed_by(&subject_public, &issuer).map_err(rc)?
        }
    };
    let der_bytes = cert.der().to_vec();
    let fields = der::cert_fields(&der_bytes).map_err(|e| invalid(e.to_string()))?;
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der_bytes)
        .as_ref()
        .to_vec();
    let (not_before, not_after) = validity(id, spec, base)?;
    let scom_name = spec
        .san
        .first()
        .cloned()
        .or_else(|| subject_cn(spec))
        .unwrap_or_default();
    out.insert(
        id.to_string(),
        BuiltCert {
            id: id.to_string(),
            der: der_bytes,
            thumbprint: hex::upper(&sha1),
            sha1,
            serial: fields.serial_content,
            not_before,
            not_after,
            scom_name,
            is_ca: spec.ca,
            issuer: spec.issuer.clone(),
            key_bits: subject_public.bits,
        },
    );
    params_cache.insert(id.to_string(), params);
    Ok(())
}

fn signature_alg(h: Hash) -> &'static SignatureAlgorithm {
    match h {
        Hash::Sha256 => &rcgen::PKCS_RSA_SHA256,
        Hash::Sha384 => &rcgen::PKCS_RSA_SHA384,
        Hash::Sha512 => &rcgen::PKCS_RSA_SHA512,
    }
}

/// The CN of a spec (explicit `cn`, or the CN entry of `subject`).
pub fn subject_cn(spec: &CertSpec) -> Option<String> {
    spec.cn.clone().or_else(|| {
        spec.subject
            .as_ref()
            .and_then(|s| s.iter().find(|(t, _)| t == "CN").map(|(_, v)| v.clone()))
    })
}

/// Validity of a spec resolved against `base`.
pub fn validity(
    id: &str,
    spec: &CertSpec,
    base: Timestamp,
) -> Result<(Timestamp, Timestamp), CertError> {
    let (nb_default, na_default) = if spec.ca {
        ("-3y", "+7y")
    } else {
        ("-200d", "+165d")
    };
    let nb = spec.not_before.as_deref().unwrap_or(nb_default);
    let na = spec.not_after.as_deref().unwrap_or(na_default);
    let r = |t: &str| {
        timeexpr::resolve(t, base).map_err(|e| CertError::Invalid {
            id: id.to_string(),
            problem: e.to_string(),
        })
    };
    Ok((r(nb)?, r(na)?))
}

/// The serial magnitude of a spec: explicit, or 19 bytes shaped like an AD CS serial
/// derived from the id.
pub fn serial_magnitude(id: &str, spec: &CertSpec) -> Result<Vec<u8>, String> {
    if let Some(s) = &spec.serial {
        return hex::decode(s);
    }
    let h = ring::digest::digest(&ring::digest::SHA256, id.as_bytes());
    let h = h.as_ref();
    // AD CS style: <n> 00 00 00 <m> <8 random> 00 00 00 00 00 <m>  (19 bytes)
    let mut v = vec![0x10 + h[0] % 0x60, 0, 0, 0, h[1]];
    v.extend_from_slice(&h[2..10]);
    v.extend_from_slice(&[0, 0, 0, 0, 0, h[1]]);
    Ok(v)
}

/// UTC civil date and seconds of the day, for `rcgen::date_time_ymd` (avoids depending on
/// the `time` crate just to name its type).
fn civil(t: Timestamp) -> Result<(i32, u8, u8, u64), String> {
    let dt = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let secs = dt.hour() as u64 * 3600 + dt.minute() as u64 * 60 + dt.second() as u64;
    let year = dt.year() as i32;
    if !(1950..=9999).contains(&year) {
        return Err(format!("year {year} out of range"));
    }
    Ok((year, dt.month() as u8, dt.day() as u8, secs))
}

fn make_params(id: &str, spec: &CertSpec, base: Timestamp) -> Result<CertificateParams, CertError> {
    let invalid = |problem: String| CertError::Invalid {
        id: id.to_string(),
        problem,
    };
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    let subject: Vec<(String, String)> = match (&spec.subject, &spec.cn) {
        (Some(s), _) => s.clone(),
        (None, Some(cn)) => vec![("CN".to_string(), cn.clone())],
        (None, None) => return Err(invalid("no subject".into())),
    };
    for (ty, value) in subject {
        let dn_type = match ty.as_str() {
            "CN" => DnType::CommonName,
            "O" => DnType::OrganizationName,
            "OU" => DnType::OrganizationalUnitName,
            "C" => DnType::CountryName,
            "L" => DnType::LocalityName,
            "ST" => DnType::StateOrProvinceName,
            "DC" => DnType::CustomDnType(vec![0, 9, 2342, 19_200_300, 100, 1, 25]),
            other => return Err(invalid(format!("unknown subject type `{other}`"))),
        };
        let dn_value = match ty.as_str() {
            "C" => DnValue::PrintableString(
                value
                    .as_str()
                    .try_into()
                    .map_err(|_| invalid(format!("country `{value}` not printable")))?,
            ),
            "DC" => DnValue::Ia5String(
                value
                    .as_str()
                    .try_into()
                    .map_err(|_| invalid(format!("DC `{value}` not ASCII")))?,
            ),
            _ => DnValue::Utf8String(value),
        };
        dn.push(dn_type, dn_value);
    }
    p.distinguished_name = dn;
    let mut sans = Vec::new();
    for name in &spec.san {
        let ia5 = name
            .as_str()
            .try_into()
            .map_err(|_| invalid(format!("SAN `{name}` not ASCII")))?;
        sans.push(SanType::DnsName(ia5));
    }
    p.subject_alt_names = sans;
    let serial = serial_magnitude(id, spec).map_err(invalid)?;
    p.serial_number = Some(SerialNumber::from(serial));
    let (nb, na) = validity(id, spec, base)?;
    let (y, m, d, secs) = civil(nb).map_err(&invalid)?;
    p.not_before = rcgen::date_time_ymd(y, m, d) + std::time::Duration::from_secs(secs);
    let (y, m, d, secs) = civil(na).map_err(&invalid)?;
    p.not_after = rcgen::date_time_ymd(y, m, d) + std::time::Duration::from_secs(secs);
    if spec.ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    let ku = spec.key_usage.clone().unwrap_or_else(|| {
        if spec.ca {
            vec![
                KeyUsage::DigitalSignature,
                KeyUsage::KeyCertSign,
                KeyUsage::CrlSign,
            ]
        } else {
            vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
        }
    });
    p.key_usages = ku
        .iter()
        .map(|k| match k {
            KeyUsage::DigitalSignature => KeyUsagePurpose::DigitalSignature,
            KeyUsage::NonRepudiation => KeyUsagePurpose::ContentCommitment,
            KeyUsage::KeyEncipherment => KeyUsagePurpose::KeyEncipherment,
            KeyUsage::DataEncipherment => KeyUsagePurpose::DataEncipherment,
            KeyUsage::KeyCertSign => KeyUsagePurpose::KeyCertSign,
            KeyUsage::CrlSign => KeyUsagePurpose::CrlSign,
        })
        .collect();
    let eku = spec.eku.clone().unwrap_or_else(|| {
        if spec.ca {
            Vec::new()
        } else {
            vec![Eku::ServerAuth, Eku::ClientAuth]
        }
    });
    p.extended_key_usages = eku
        .iter()
        .map(|e| match e {
            Eku::ServerAuth => ExtendedKeyUsagePurpose::ServerAuth,
            Eku::ClientAuth => ExtendedKeyUsagePurpose::ClientAuth,
            Eku::CodeSigning => ExtendedKeyUsagePurpose::CodeSigning,
            Eku::EmailProtection => ExtendedKeyUsagePurpose::EmailProtection,
        })
        .collect();
    if let Some(url) = &spec.crl_url {
        p.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![url.clone()],
        }];
    }
    p.use_authority_key_identifier_extension = spec.issuer.is_some();
    Ok(p)
}

/// The roots and intermediates above `id` (issuer first), excluding `id` itself.
pub fn chain_above(id: &str, specs: &BTreeMap<String, CertSpec>) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = specs.get(id).and_then(|s| s.issuer.clone());
    while let Some(i) = cur {
        if out.contains(&i) || out.len() > 16 {
            break;
        }
        cur = specs.get(&i).and_then(|s| s.issuer.clone());
        out.push(i);
    }
    out
}

/// Registry byte order of a serial: reversed (CryptoAPI's little-endian
/// `CERT_INFO.SerialNumber`). With `keep_pad` false a trailing 0x00 that came from the
/// DER sign pad is dropped.
pub fn registry_serial(serial_display: &[u8], keep_pad: bool) -> Vec<u8> {
    let mut s = serial_display.to_vec();
    if !keep_pad && s.len() > 1 && s[0] == 0 {
        s.remove(0);
    }
    s.reverse();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(cn: &str, issuer: Option<&str>, ca: bool, key: &str) -> CertSpec {
        CertSpec {
            cn: Some(cn.to_string()),
            issuer: issuer.map(str::to_string),
            ca,
            key: key.to_string(),
            ..CertSpec::default()
        }
    }

    #[test]
    fn serial_lengths_and_pad_survive_into_der() {
        let base: Timestamp = "2026-11-20T14:03:11Z".parse().unwrap();
        let mut specs = BTreeMap::new();
        specs.insert("root".into(), spec("Root", None, true, "rsa2048-a"));
        let mut leaf20 = spec("a.example.com", Some("root"), false, "rsa2048-c");
        leaf20.serial = Some("7f".repeat(20));
        specs.insert("leaf20".into(), leaf20);
        let mut leafpad = spec("b.example.com", Some("root"), false, "rsa2048-c");
        leafpad.serial = Some("80".to_string() + &"11".repeat(19));
        specs.insert("leafpad".into(), leafpad);
        let built = build_all(&specs, &["leaf20".into(), "leafpad".into()], base).unwrap();
        assert_eq!(built["leaf20"].serial.len(), 20);
        assert_eq!(built["leafpad"].serial.len(), 21);
        assert_eq!(built["leafpad"].serial[0], 0);
        assert_eq!(built["root"].serial.len(), 19);
        assert_eq!(built["leaf20"].thumbprint.len(), 40);
    }

    #[test]
    fn same_input_same_certificate() {
        let base: Timestamp = "2026-11-20T14:03:11Z".parse().unwrap();
        let mut specs = BTreeMap::new();
        specs.insert(
            "root".into(),
            spec("Wurzel-CA Köln", None, true, "rsa2048-a"),
        );
        specs.insert(
            "leaf".into(),
            spec("x.example.com", Some("root"), false, "rsa1024-weak"),
        );
        let a = build_all(&specs, &["leaf".into()], base).unwrap();
        let b = build_all(&specs, &["leaf".into()], base).unwrap();
        assert_eq!(a, b);
        assert_eq!(a["leaf"].key_bits, 1024);
    }

    #[test]
    fn registry_serial_reverses_with_and_without_pad() {
        let nineteen: Vec<u8> = (1..=19).collect();
        let r = registry_serial(&nineteen, true);
        assert_eq!(r.len(), 19);
        assert_eq!(r[0], 19);
        assert_eq!(r[18], 1);
        let padded: Vec<u8> = std::iter::once(0)
            .chain((0x80..0x94).map(|b| b as u8))
            .collect();
        assert_eq!(padded.len(), 21);
        let keep = registry_serial(&padded, true);
        assert_eq!(keep.len(), 21);
        assert_eq!(*keep.last().unwrap(), 0);
        let strip = registry_serial(&padded, false);
        assert_eq!(strip.len(), 20);
        assert_eq!(strip[0], 0x93);
        assert_eq!(strip[19], 0x80);
    }
}
