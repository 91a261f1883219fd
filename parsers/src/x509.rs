//! X.509 certificates: DER, PEM (several per file) and bare Base64.
//!
//! CONTRACT (types are fixed; the implementation fills in the functions).
//!
//! Parsing is done by x509-parser 0.18; this module copies what the analyzer needs into owned
//! fields ([`Certificate`]) so nothing borrows the input. Decisions worth knowing:
//!
//! * Names are formatted here, not by x509-parser's `Display`, so that BMPString /
//!   UniversalString / TeletexString values (which Windows CAs do write) come out as text and a
//!   single odd attribute cannot turn the whole DN into an error marker. The shape is the same as
//!   x509-parser's: RDNs in DER order joined by `, `, multi-valued RDNs joined by ` + `,
//!   attribute types by their usual abbreviation (`CN`, `O`, `DC`, …) else the dotted OID.
//! * Extensions are read leniently: a damaged or duplicated extension does not make the
//!   certificate unreadable; the field stays `None` (first occurrence wins for duplicates) and
//!   [`Certificate::extension_problems`] says what was wrong.
//! * Unknown public-key or signature algorithms (GOST, …) parse fine: the name is the dotted OID
//!   and the key size is `None`.

use std::borrow::Cow;

use thiserror::Error;
use x509_parser::asn1_rs::{Any, Class, FromDer, Oid, Tag};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::objects::{oid2abbrev, oid_registry};
use x509_parser::public_key::RSAPublicKey;
use x509_parser::x509::X509Name;

use crate::encoding::{decode_base64, has_pem_armour, parse_pem, PemBlock};
use crate::pkcs7;

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

impl X509Error {
    /// The same kind of error with `context` put in front of the reason.
    fn with_context(self, context: &str) -> X509Error {
        match self {
            X509Error::NotACertificate(s) => X509Error::NotACertificate(format!("{context}: {s}")),
            X509Error::Malformed(s) => X509Error::Malformed(format!("{context}: {s}")),
        }
    }
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

/// KeyUsage bit for digitalSignature (RFC 5280 bit 0).
pub const KU_DIGITAL_SIGNATURE: u16 = 0x0001;
/// KeyUsage bit for nonRepudiation / contentCommitment (bit 1).
pub const KU_NON_REPUDIATION: u16 = 0x0002;
/// KeyUsage bit for keyEncipherment (bit 2).
pub const KU_KEY_ENCIPHERMENT: u16 = 0x0004;
/// KeyUsage bit for dataEncipherment (bit 3).
pub const KU_DATA_ENCIPHERMENT: u16 = 0x0008;
/// KeyUsage bit for keyAgreement (bit 4).
pub const KU_KEY_AGREEMENT: u16 = 0x0010;
/// KeyUsage bit for keyCertSign (bit 5).
pub const KU_KEY_CERT_SIGN: u16 = 0x0020;
/// KeyUsage bit for cRLSign (bit 6).
pub const KU_CRL_SIGN: u16 = 0x0040;
/// KeyUsage bit for encipherOnly (bit 7).
pub const KU_ENCIPHER_ONLY: u16 = 0x0080;
/// KeyUsage bit for decipherOnly (bit 8).
pub const KU_DECIPHER_ONLY: u16 = 0x0100;

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

// Extension OIDs (RFC 5280 §4.2.1).
const OID_SKI: &str = "2.5.29.14";
const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_SAN: &str = "2.5.29.17";
const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_AKI: &str = "2.5.29.35";
const OID_EKU: &str = "2.5.29.37";
const OID_COMMON_NAME: &str = "2.5.4.3";

// Key algorithm OIDs.
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_EC: &str = "1.2.840.10045.2.1";

impl Certificate {
    /// Parse exactly one DER certificate. Trailing bytes are an error.
    ///
    /// Errors: [`X509Error::NotACertificate`] when the bytes do not start with an ASN.1
    /// SEQUENCE or the SEQUENCE is not certificate-shaped (three elements: SEQUENCE, SEQUENCE,
    /// BIT STRING — a DER key or PKCS#7 bag is told apart this way, and the message names what
    /// it holds); [`X509Error::Malformed`] when the SEQUENCE is truncated, damaged inside, or
    /// followed by other bytes.
    pub fn from_der(der: &[u8]) -> Result<Certificate, X509Error> {
        let Some(&first) = der.first() else {
            return Err(X509Error::NotACertificate("empty input".into()));
        };
        if first != 0x30 {
            return Err(X509Error::NotACertificate(format!(
                "first byte 0x{first:02X} does not start an ASN.1 SEQUENCE"
            )));
        }
        // Check the outer length ourselves: x509-parser's message for a short input is vague.
        if let Err(e) = pkcs7::ber::read_header(der, 0, der.len()) {
            return Err(X509Error::Malformed(format!("outer SEQUENCE {e}")));
        }
        if let Some(shape) = non_certificate_shape(der) {
            return Err(X509Error::NotACertificate(shape));
        }
        let (rest, cert) = match x509_parser::parse_x509_certificate(der) {
            Ok(ok) => ok,
            Err(x509_parser::nom::Err::Incomplete(_)) => {
                return Err(X509Error::Malformed("truncated certificate".into()))
            }
            Err(x509_parser::nom::Err::Error(e)) | Err(x509_parser::nom::Err::Failure(e)) => {
                return Err(X509Error::Malformed(e.to_string()))
            }
        };
        if !rest.is_empty() {
            return Err(X509Error::Malformed(format!(
                "{} trailing bytes after the certificate",
                rest.len()
            )));
        }
        Ok(Certificate::from_parsed(&cert))
    }

    /// Copy what we expose out of an x509-parser certificate.
    fn from_parsed(cert: &x509_parser::certificate::X509Certificate<'_>) -> Certificate {
        let der = cert.as_raw().to_vec();
        let subject_der = cert.subject().as_raw().to_vec();
        let issuer_der = cert.issuer().as_raw().to_vec();
        let serial = cert.raw_serial().to_vec();
        let serial_hex = hex_upper(&serial);

        let mut ext = Extensions::default();
        for e in cert.extensions() {
            ext.take(e);
        }

        let spki = cert.public_key();
        let public_key_oid = spki.algorithm.algorithm.to_id_string();
        let (public_key_algorithm, public_key_bits) = match public_key_oid.as_str() {
            OID_RSA => (
                "RSA".to_string(),
                rsa_modulus_bits(&spki.subject_public_key.data),
            ),
            OID_RSA_PSS => (
                "RSASSA-PSS".to_string(),
                rsa_modulus_bits(&spki.subject_public_key.data),
            ),
            OID_EC => ("EC".to_string(), ec_key_bits(spki)),
            "1.3.101.112" => ("Ed25519".to_string(), Some(256)),
            "1.3.101.113" => ("Ed448".to_string(), Some(456)),
            "1.2.840.10040.4.1" => ("DSA".to_string(), None),
            other => (other.to_string(), None),
        };
        let signature_oid = cert.signature_algorithm.algorithm.to_id_string();
        let signature_algorithm = signature_name(&signature_oid)
            .map(str::to_string)
            .unwrap_or_else(|| signature_oid.clone());

        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);

        Certificate {
            subject: name_to_string(cert.subject()),
            subject_cns: common_names(cert.subject()),
            has_san: ext.has_san,
            san_dns: ext.san_dns,
            issuer: name_to_string(cert.issuer()),
            issuer_cns: common_names(cert.issuer()),
            self_issued: subject_der == issuer_der,
            subject_der,
            issuer_der,
            serial,
            serial_hex,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            eku: ext.eku,
            key_usage: ext.key_usage,
            basic_constraints: ext.basic_constraints,
            ski: ext.ski,
            aki: ext.aki,
            public_key_algorithm,
            public_key_oid,
            public_key_bits,
            signature_algorithm,
            signature_oid,
            thumbprint_sha1: hex_upper(digest.as_ref()),
            der,
        }
    }

    /// Verify this certificate's signature with `issuer`'s public key.
    ///
    /// Uses x509-parser's `verify_signature(Some(issuer.public_key()))`, i.e. ring. What ring
    /// can check: RSA PKCS#1 with SHA-1 (1024–8192-bit keys), RSA PKCS#1 and RSA-PSS with
    /// SHA-256/384/512 (**2048–8192-bit keys only**), ECDSA P-256/P-384 with SHA-256/384, and
    /// Ed25519. Everything else is [`SignatureError::Unsupported`]. ring itself reports an RSA
    /// key outside its size range as a *failed* verification; this function checks the
    /// issuer's key size first and reports such a pair as `Unsupported` (naming the key size)
    /// instead of a misleading `BadSignature`.
    ///
    /// Only the signature is checked: not names, validity, key usage or constraints.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), SignatureError> {
        let (_, subject_cert) = x509_parser::parse_x509_certificate(&self.der).map_err(|e| {
            SignatureError::Other(format!("cannot re-read certificate {}: {e}", self.subject))
        })?;
        let (_, issuer_cert) = x509_parser::parse_x509_certificate(&issuer.der).map_err(|e| {
            SignatureError::Other(format!("cannot re-read issuer {}: {e}", issuer.subject))
        })?;
        if let Some((min, max)) = ring_rsa_size_range(&self.signature_oid) {
            if issuer.public_key_oid == OID_RSA || issuer.public_key_oid == OID_RSA_PSS {
                if let Some(bits) = issuer.public_key_bits {
                    if bits < min || bits > max {
                        return Err(SignatureError::Unsupported(format!(
                            "{} with a {bits}-bit RSA key (ring verifies it only for {min}-{max}-bit keys)",
                            self.signature_algorithm
                        )));
                    }
                }
            }
        }
        match subject_cert.verify_signature(Some(issuer_cert.public_key())) {
            Ok(()) => Ok(()),
            Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => {
                Err(SignatureError::Unsupported(format!(
                    "{} (issuer key {})",
                    self.signature_algorithm, issuer.public_key_algorithm
                )))
            }
            Err(x509_parser::error::X509Error::SignatureVerificationError) => {
                Err(SignatureError::BadSignature)
            }
            Err(e) => Err(SignatureError::Other(e.to_string())),
        }
    }

    /// Whether the certificate is inside its validity window at `unix_seconds`
    /// (`not_before <= t <= not_after`).
    pub fn is_valid_at(&self, unix_seconds: i64) -> bool {
        self.not_before <= unix_seconds && unix_seconds <= self.not_after
    }

    /// Whether the EKU extension lists `oid` (dotted). `None` when the certificate has no EKU
    /// extension at all (which RFC 5280 reads as "any purpose").
    pub fn has_eku(&self, oid: &str) -> Option<bool> {
        self.eku.as_ref().map(|list| list.iter().any(|o| o == oid))
    }

    /// Extensions that are present but could not be read, or appear more than once, one line
    /// each (e.g. `2.5.29.15 (KeyUsage): …`). Empty for a well-formed certificate. The
    /// corresponding field is `None` (or keeps the first occurrence for duplicates), so a
    /// caller that cares whether "absent" really means absent checks here.
    pub fn extension_problems(&self) -> Vec<String> {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(&self.der) else {
            return vec!["certificate can no longer be parsed".into()];
        };
        let mut problems = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for e in cert.extensions() {
            let oid = e.oid.to_id_string();
            if seen.contains(&oid) {
                problems.push(format!(
                    "{oid} ({}): present more than once; the first is used",
                    extension_name(&oid)
                ));
            }
            if let ParsedExtension::ParseError { error } = e.parsed_extension() {
                problems.push(format!(
                    "{oid} ({}): cannot be parsed: {error}",
                    extension_name(&oid)
                ));
            } else if oid == OID_EKU && parse_eku(e.value).is_none() {
                problems.push(format!(
                    "{oid} ({}): not a SEQUENCE OF OBJECT IDENTIFIER",
                    extension_name(&oid)
                ));
            }
            seen.push(oid);
        }
        problems
    }
}

/// When `der` is a complete ASN.1 SEQUENCE whose elements are not
/// `tbsCertificate SEQUENCE, signatureAlgorithm SEQUENCE, signatureValue BIT STRING`
/// (RFC 5280 §4.1), a one-line description of what it holds instead (a DER private key, a
/// PKCS#7 bag, …). `None` when it has the certificate shape or cannot be walked (then
/// x509-parser reports the damage).
fn non_certificate_shape(der: &[u8]) -> Option<String> {
    use pkcs7::ber;
    let outer = ber::read(der, 0, der.len(), 0).ok()?;
    let kids = ber::children(der, &outer, 0).ok()?;
    let is_cert = kids.len() == 3
        && kids[0].is_universal(ber::TAG_SEQUENCE, true)
        && kids[1].is_universal(ber::TAG_SEQUENCE, true)
        && kids[2].is_universal(3, false);
    if is_cert {
        return None;
    }
    let names: Vec<String> = kids.iter().take(4).map(|k| element_name(k)).collect();
    let more = if kids.len() > 4 { ", …" } else { "" };
    Some(format!(
        "an ASN.1 SEQUENCE of {} elements ({}{more}), not tbsCertificate, signatureAlgorithm, signature",
        kids.len(),
        names.join(", ")
    ))
}

/// A short name for an element's tag (universal types by name, others as `[n]`).
fn element_name(h: &pkcs7::ber::Header) -> String {
    if h.class != 0 {
        return format!("[{}]", h.tag);
    }
    match h.tag {
        1 => "BOOLEAN".into(),
        2 => "INTEGER".into(),
        3 => "BIT STRING".into(),
        4 => "OCTET STRING".into(),
        5 => "NULL".into(),
        6 => "OID".into(),
        16 => "SEQUENCE".into(),
        17 => "SET".into(),
        t => format!("universal {t}"),
    }
}

/// Extension values gathered in one pass; the first occurrence of each wins.
#[derive(Default)]
struct Extensions {
    has_san: bool,
    san_dns: Vec<String>,
    eku: Option<Vec<String>>,
    key_usage: Option<KeyUsage>,
    basic_constraints: Option<BasicConstraints>,
    ski: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
    seen: Vec<String>,
}

impl Extensions {
    fn take(&mut self, e: &x509_parser::extensions::X509Extension<'_>) {
        let oid = e.oid.to_id_string();
        if self.seen.contains(&oid) {
            return;
        }
        match (oid.as_str(), e.parsed_extension()) {
            (OID_SAN, parsed) => {
                self.has_san = true;
                if let ParsedExtension::SubjectAlternativeName(san) = parsed {
                    for name in &san.general_names {
                        match name {
                            GeneralName::DNSName(s) => self.san_dns.push((*s).to_string()),
                            // dNSName [2] IA5String that was not valid UTF-8: keep it visible.
                            GeneralName::Invalid(tag, bytes) if tag.0 == 2 => self
                                .san_dns
                                .push(String::from_utf8_lossy(bytes).into_owned()),
                            _ => {}
                        }
                    }
                }
            }
            (OID_EKU, _) => self.eku = parse_eku(e.value),
            (OID_KEY_USAGE, ParsedExtension::KeyUsage(ku)) => {
                self.key_usage = Some(KeyUsage {
                    bits: ku.flags,
                    critical: e.critical,
                })
            }
            (OID_BASIC_CONSTRAINTS, ParsedExtension::BasicConstraints(bc)) => {
                self.basic_constraints = Some(BasicConstraints {
                    ca: bc.ca,
                    path_len: bc.path_len_constraint,
                    critical: e.critical,
                })
            }
            (OID_SKI, ParsedExtension::SubjectKeyIdentifier(k)) => self.ski = Some(k.0.to_vec()),
            (OID_AKI, ParsedExtension::AuthorityKeyIdentifier(a)) => {
                self.aki = a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => {}
        }
        self.seen.push(oid);
    }
}

/// EKU extension value (`SEQUENCE OF OBJECT IDENTIFIER`) as dotted OIDs, in DER order,
/// duplicates kept. x509-parser's own EKU type sorts them into flags and drops order.
fn parse_eku(value: &[u8]) -> Option<Vec<String>> {
    let (_, oids) = <Vec<Oid>>::from_der(value).ok()?;
    Some(oids.iter().map(Oid::to_id_string).collect())
}

/// A readable name for the extensions we report problems about.
fn extension_name(oid: &str) -> &'static str {
    match oid {
        OID_SKI => "SubjectKeyIdentifier",
        OID_KEY_USAGE => "KeyUsage",
        OID_SAN => "SubjectAltName",
        OID_BASIC_CONSTRAINTS => "BasicConstraints",
        OID_AKI => "AuthorityKeyIdentifier",
        OID_EKU => "ExtendedKeyUsage",
        _ => "extension",
    }
}

/// Bits of an RSA modulus (leading zero bytes and bits not counted), from the
/// `RSAPublicKey` DER inside the SPKI BIT STRING.
fn rsa_modulus_bits(key: &[u8]) -> Option<u32> {
    let (_, rsa) = RSAPublicKey::from_der(key).ok()?;
    integer_bits(rsa.modulus)
}

/// Significant bits of an unsigned big-endian integer.
fn integer_bits(bytes: &[u8]) -> Option<u32> {
    let start = bytes.iter().position(|&b| b != 0)?;
    let significant = &bytes[start..];
    let top = u32::from(significant[0]);
    let len = u32::try_from(significant.len()).ok()?;
    Some((len - 1) * 8 + (32 - top.leading_zeros()))
}

/// EC key size from the named curve (RFC 5480 parameters), else from the point length.
fn ec_key_bits(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> Option<u32> {
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    match curve.as_deref() {
        Some("1.2.840.10045.3.1.7") => Some(256), // P-256
        Some("1.3.132.0.34") => Some(384),        // P-384
        Some("1.3.132.0.35") => Some(521),        // P-521
        Some("1.3.132.0.10") => Some(256),        // secp256k1
        _ => {
            let point = &spki.subject_public_key.data;
            match point.first() {
                Some(4) if point.len() > 1 => u32::try_from((point.len() - 1) * 4).ok(),
                Some(2 | 3) if point.len() > 1 => u32::try_from((point.len() - 1) * 8).ok(),
                _ => None,
            }
        }
    }
}

/// The RSA key sizes ring accepts for an RSA signature OID (x509-parser 0.18.1 `verify.rs`
/// selects `RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY` for SHA-1 and the `_2048_8192_`
/// variants for SHA-2 and PSS). `None` for non-RSA signatures.
fn ring_rsa_size_range(signature_oid: &str) -> Option<(u32, u32)> {
    match signature_oid {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => Some((1024, 8192)),
        "1.2.840.113549.1.1.11"
        | "1.2.840.113549.1.1.12"
        | "1.2.840.113549.1.1.13"
        | "1.2.840.113549.1.1.10" => Some((2048, 8192)),
        _ => None,
    }
}

/// Short names of signature algorithms (RFC 3279, 4055, 5758, 8410 names as OpenSSL prints).
fn signature_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.3.14.3.2.29" => "sha1WithRSA",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa-with-SHA256",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        _ => return None,
    })
}

/// Upper-case hex, no separators.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// A DN as `CN=a, O=b` (RDNs in DER order; multi-valued RDNs joined with ` + `).
fn name_to_string(name: &X509Name<'_>) -> String {
    let registry = oid_registry();
    let mut out = String::new();
    for (i, rdn) in name.iter_rdn().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        for (j, atv) in rdn.iter().enumerate() {
            if j > 0 {
                out.push_str(" + ");
            }
            let oid = atv.attr_type();
            match attribute_abbrev(&oid.to_id_string()) {
                Some(a) => out.push_str(a),
                None => match oid2abbrev(oid, registry) {
                    Ok(a) => out.push_str(a),
                    Err(_) => out.push_str(&oid.to_id_string()),
                },
            }
            out.push('=');
            out.push_str(&directory_string(atv.attr_value()));
        }
    }
    out
}

/// Abbreviations that x509-parser's registry does not give the way certificate tools show them.
fn attribute_abbrev(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "E",
        _ => return None,
    })
}

/// Every CN of a name, in DER order.
fn common_names(name: &X509Name<'_>) -> Vec<String> {
    name.iter_attributes()
        .filter(|atv| atv.attr_type().to_id_string() == OID_COMMON_NAME)
        .map(|atv| directory_string(atv.attr_value()))
        .collect()
}

/// Text of a DirectoryString-like attribute value. Non-string values become `#` + hex
/// (RFC 4514 §2.4).
fn directory_string(value: &Any<'_>) -> String {
    let data = value.data;
    if value.class() != Class::Universal {
        return format!("#{}", hex_upper(data));
    }
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString
        | Tag::GeneralString
        | Tag::GraphicString => String::from_utf8_lossy(data).into_owned(),
        // T.61 in practice holds Latin-1 (or UTF-8 from sloppy encoders).
        Tag::T61String | Tag::VideotexString => match std::str::from_utf8(data) {
            Ok(s) => s.to_string(),
            Err(_) => data.iter().map(|&b| char::from(b)).collect(),
        },
        Tag::BmpString => char::decode_utf16(
            data.chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]])),
        )
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        Tag::UniversalString => data
            .chunks_exact(4)
            .map(|c| {
                char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => format!("#{}", hex_upper(data)),
    }
}

// ---------------------------------------------------------------------------------------------
// Files: DER, PEM, bare Base64
// ---------------------------------------------------------------------------------------------

/// What a certificate or PKCS#7 file holds once text armour is removed.
pub(crate) enum Payload<'a> {
    /// Binary ASN.1: the file itself, or what bare Base64 decoded to.
    Binary(Cow<'a, [u8]>),
    /// PEM blocks (any labels), in file order.
    Pem(Vec<PemBlock>),
}

/// Whether the bytes look like text (ASCII printable or whitespace only). DER never does: its
/// length octets for anything certificate-sized are ≥ 0x80.
fn is_ascii_text(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace())
}

/// The text of a file: UTF-8 (BOM stripped) as is; UTF-16 with a BOM converted to UTF-8.
fn file_text(bytes: &[u8]) -> Cow<'_, [u8]> {
    let utf16 = |le: bool| -> Cow<'_, [u8]> {
        let units = bytes[2..].chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        let s: String = char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        Cow::Owned(s.into_bytes())
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => Cow::Borrowed(rest),
        [0xFF, 0xFE, ..] => utf16(true),
        [0xFE, 0xFF, ..] => utf16(false),
        _ => Cow::Borrowed(bytes),
    }
}

/// Remove armour: binary DER/BER is returned as is; text is read as PEM if it has a
/// `-----BEGIN ` line, else as bare Base64. The error is a one-line reason.
pub(crate) fn unwrap_payload(bytes: &[u8]) -> Result<Payload<'_>, String> {
    if bytes.is_empty() {
        return Err("empty input".into());
    }
    if bytes[0] == 0x30 && !is_ascii_text(bytes) {
        return Ok(Payload::Binary(Cow::Borrowed(bytes)));
    }
    let text = file_text(bytes);
    if has_pem_armour(&text) {
        return parse_pem(&text)
            .map(Payload::Pem)
            .map_err(|e| e.to_string());
    }
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err("input holds only whitespace".into());
    }
    match decode_base64(&text) {
        Ok(data) => Ok(Payload::Binary(Cow::Owned(data))),
        // A short DER fragment can happen to be ASCII; let the ASN.1 reader explain it.
        Err(_) if bytes[0] == 0x30 => Ok(Payload::Binary(Cow::Borrowed(bytes))),
        Err(e) => Err(format!(
            "neither DER (first byte 0x{:02X} does not start an ASN.1 SEQUENCE), PEM (no -----BEGIN line) nor Base64 ({e})",
            bytes[0]
        )),
    }
}

/// PEM labels that hold a certificate (RFC 7468 §5 and the OpenSSL legacy spelling).
fn is_certificate_label(label: &str) -> bool {
    matches!(
        label,
        "CERTIFICATE" | "X509 CERTIFICATE" | "X.509 CERTIFICATE"
    )
}

/// Whether every byte is NUL or ASCII whitespace (padding some tools leave after DER).
pub(crate) fn is_padding(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0 || b.is_ascii_whitespace())
}

/// `der` cut after its first ASN.1 element when only padding follows; otherwise unchanged
/// (so the parser reports the trailing data or the damage).
fn without_padding(der: &[u8]) -> &[u8] {
    match pkcs7::ber::read_header(der, 0, der.len()) {
        Ok(h) if !h.indefinite => {
            let end = h.content_start + h.content_len;
            match der.get(end..) {
                Some(rest) if is_padding(rest) => &der[..end],
                _ => der,
            }
        }
        _ => der,
    }
}

/// One certificate from decoded binary, refusing PKCS#7 with a pointer to the right parser.
fn certificate_from_binary(der: &[u8]) -> Result<Certificate, X509Error> {
    if let Some(oid) = pkcs7::content_type_oid(der) {
        return Err(X509Error::NotACertificate(format!(
            "the data is a PKCS#7/CMS ContentInfo (content type {oid}), not a certificate; read it as a .p7b"
        )));
    }
    Certificate::from_der(without_padding(der))
}

/// Read every certificate in a file: DER, PEM with one or more `CERTIFICATE` blocks, or bare Base64.
///
/// Text may be UTF-8 (with or without BOM) or UTF-16 with a BOM, with LF or CRLF line ends.
/// PEM blocks with other labels (keys, CRLs) are skipped; a file with no `CERTIFICATE` block
/// is [`X509Error::NotACertificate`]. Trailing NUL or whitespace padding after a DER
/// certificate is tolerated; any other trailing data is an error. PKCS#7 content (even in
/// `CERTIFICATE` armour, as AD CS web enrollment writes it) is refused with a reason that says
/// so: use [`crate::pkcs7::parse_pkcs7`] for it.
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, X509Error> {
    match unwrap_payload(bytes).map_err(X509Error::NotACertificate)? {
        Payload::Binary(der) => Ok(vec![certificate_from_binary(&der)?]),
        Payload::Pem(blocks) => {
            let mut certs = Vec::new();
            for block in blocks.iter().filter(|b| is_certificate_label(&b.label)) {
                let cert = certificate_from_binary(&block.data).map_err(|e| {
                    e.with_context(&format!(
                        "PEM block '{}' at line {}",
                        block.label, block.line
                    ))
                })?;
                certs.push(cert);
            }
            if certs.is_empty() {
                let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
                let pkcs7_labels = ["PKCS7", "CMS", "PKCS #7 SIGNED DATA"];
                return Err(X509Error::NotACertificate(if labels.is_empty() {
                    "PEM armour found but no complete block".to_string()
                } else if labels.iter().any(|l| pkcs7_labels.contains(l)) {
                    format!(
                        "PEM holds PKCS#7 ({}), not a certificate; read it as a .p7b",
                        labels.join(", ")
                    )
                } else {
                    format!(
                        "PEM holds no CERTIFICATE block (found: {})",
                        labels.join(", ")
                    )
                }));
            }
            Ok(certs)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_bits_counts_significant_bits() {
        assert_eq!(integer_bits(&[0x00, 0x80, 0x00]), Some(16));
        assert_eq!(integer_bits(&[0x01]), Some(1));
        assert_eq!(integer_bits(&[0x00, 0x00]), None);
        assert_eq!(integer_bits(&[0x7f, 0xff]), Some(15));
    }

    #[test]
    fn hex_is_upper_case() {
        assert_eq!(hex_upper(&[0x00, 0xab, 0x1f]), "00AB1F");
    }
}
