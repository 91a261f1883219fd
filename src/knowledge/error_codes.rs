//! Error codes seen inside SCOM event messages, as data (`reference/scom-cert-auth.md` §2).
//!
//! Meanings are the Win32 / [MS-ERREF] texts (source S20 there). Which SCOM cause a code points to
//! is mostly inference: only `0x80090311` (20057), `10060L`/`10061L` (21006) and `0x80004005`
//! (2010) were seen inside real SCOM events; every other code → cause mapping is marked
//! [`Mark::I`].

use super::events::Mark;
use serde::Serialize;

/// What a code points to, for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeClass {
    /// The chain ends in a root the validating side does not trust.
    UntrustedRoot,
    /// The chain could not be built (missing intermediate or root).
    Chaining,
    /// An intermediate CA is not trusted.
    UntrustedCa,
    /// A certificate is expired or not yet valid.
    Expired,
    /// A name does not match.
    NameMismatch,
    /// The certificate is not valid for the requested usage (EKU/KU).
    WrongUsage,
    /// Revocation could not be checked or the certificate is revoked.
    Revocation,
    /// A signature in the chain does not verify.
    BadSignature,
    /// The private key is missing, unreadable or unusable.
    PrivateKey,
    /// A CNG/KSP key used where a legacy CSP key is expected.
    CngKey,
    /// No credentials / no certificate.
    NoCredentials,
    /// Kerberos / domain controller.
    Kerberos,
    /// Clock skew.
    TimeSkew,
    /// TLS protocol or cipher mismatch.
    Protocol,
    /// TCP connectivity.
    Network,
    /// Name resolution.
    Dns,
    /// Nothing specific.
    Generic,
}

/// One known code.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ErrorCode {
    /// Numeric value (HRESULT as u32, or the Winsock number).
    pub code: u32,
    /// Symbolic name.
    pub symbol: &'static str,
    /// Meaning (Win32 text, shortened).
    pub meaning: &'static str,
    /// Likely SCOM root cause, in words.
    pub likely_cause: &'static str,
    /// What the code points to.
    pub class: CodeClass,
    /// Confidence of the code → cause mapping.
    pub mark: Mark,
}

macro_rules! code {
    ($code:expr, $sym:expr, $meaning:expr, $cause:expr, $class:ident, $mark:ident) => {
        ErrorCode {
            code: $code,
            symbol: $sym,
            meaning: $meaning,
            likely_cause: $cause,
            class: CodeClass::$class,
            mark: Mark::$mark,
        }
    };
}

static CODES: &[ErrorCode] = &[
    // 2.1 SSPI
    code!(0x8009_0302, "SEC_E_UNSUPPORTED_FUNCTION", "The function requested is not supported", "TLS protocol disabled or unsupported", Protocol, I),
    code!(0x8009_0304, "SEC_E_INTERNAL_ERROR", "The Local Security Authority cannot be contacted", "LSA/SChannel internal failure, often key access", PrivateKey, I),
    code!(0x8009_0308, "SEC_E_INVALID_TOKEN", "The token supplied to the function is invalid", "handshake garbage or protocol mismatch", Protocol, I),
    code!(0x8009_030C, "SEC_E_LOGON_DENIED", "The logon attempt failed", "Kerberos/NTLM logon failure", Kerberos, I),
    code!(0x8009_030D, "SEC_E_UNKNOWN_CREDENTIALS", "The credentials supplied to the package were not recognized", "own certificate or key not usable by SChannel (no private key, no access, KSP key, wrong KeySpec)", PrivateKey, I),
    code!(0x8009_030E, "SEC_E_NO_CREDENTIALS", "No credentials are available in the security package", "no certificate configured or loaded", NoCredentials, I),
    code!(0x8009_0311, "SEC_E_NO_AUTHENTICATING_AUTHORITY", "No authority could be contacted for authentication", "Kerberos: domain controller unreachable (ports 88/389), trust or SPN problem", Kerberos, V),
    code!(0x8009_0322, "SEC_E_WRONG_PRINCIPAL", "The target principal name is incorrect", "SPN/target name mismatch; with SChannel the peer certificate name differs from the name connected to", NameMismatch, I),
    code!(0x8009_0324, "SEC_E_TIME_SKEW", "The clocks on the client and server machines are skewed", "time synchronisation", TimeSkew, I),
    code!(0x8009_0325, "SEC_E_UNTRUSTED_ROOT", "The certificate chain was issued by an authority that is not trusted", "peer's root CA not in LocalMachine\\Root", UntrustedRoot, I),
    code!(0x8009_0326, "SEC_E_ILLEGAL_MESSAGE", "The message received was unexpected or badly formatted", "TLS alert: cipher/protocol or certificate rejected by the peer", Protocol, I),
    code!(0x8009_0327, "SEC_E_CERT_UNKNOWN", "An unknown error occurred while processing the certificate", "certificate processing failure", Generic, I),
    code!(0x8009_0328, "SEC_E_CERT_EXPIRED", "The received certificate has expired", "peer certificate expired", Expired, I),
    code!(0x8009_0331, "SEC_E_ALGORITHM_MISMATCH", "The client and server cannot communicate, because they do not possess a common algorithm", "TLS version/cipher mismatch", Protocol, I),
    code!(0x8009_0349, "SEC_E_CERT_WRONG_USAGE", "The certificate is not valid for the requested usage", "EKU/KeyUsage problem on a peer certificate", WrongUsage, I),
    // 2.2 trust / CryptoAPI
    code!(0x800B_0101, "CERT_E_EXPIRED", "A required certificate is not within its validity period", "expired peer or intermediate certificate", Expired, I),
    code!(0x800B_0109, "CERT_E_UNTRUSTEDROOT", "A certificate chain processed, but terminated in a root certificate that is not trusted by the trust provider", "untrusted root", UntrustedRoot, I),
    code!(0x800B_010A, "CERT_E_CHAINING", "A certificate chain could not be built to a trusted root authority", "missing intermediate or root", Chaining, I),
    code!(0x800B_010C, "CERT_E_REVOKED", "A certificate was explicitly revoked by its issuer", "revoked certificate", Revocation, I),
    code!(0x800B_010E, "CERT_E_REVOCATION_FAILURE", "The revocation process could not continue - the certificates could not be checked", "CRL/OCSP unreachable", Revocation, I),
    code!(0x800B_010F, "CERT_E_CN_NO_MATCH", "The certificate's CN name does not match the passed value", "name mismatch", NameMismatch, I),
    code!(0x800B_0110, "CERT_E_WRONG_USAGE", "The certificate is not valid for the requested usage", "EKU mismatch", WrongUsage, I),
    code!(0x800B_0112, "CERT_E_UNTRUSTEDCA", "A certification chain processed correctly, but one of the CA certificates is not trusted by the policy provider", "untrusted intermediate", UntrustedCa, I),
    code!(0x8009_6004, "TRUST_E_CERT_SIGNATURE", "The signature of the certificate cannot be verified", "corrupt or mismatched chain", BadSignature, I),
    code!(0x8009_2004, "CRYPT_E_NOT_FOUND", "Cannot find object or property", "no private key association on the certificate", PrivateKey, I),
    code!(0x8009_200B, "CRYPT_E_NO_KEY_PROPERTY", "Cannot find the certificate and private key for decryption", "private key not associated", PrivateKey, I),
    code!(0x8009_2010, "CRYPT_E_REVOKED", "The certificate is revoked", "revoked", Revocation, I),
    code!(0x8009_2012, "CRYPT_E_NO_REVOCATION_CHECK", "The revocation function was unable to check revocation for the certificate", "no CDP / revocation not checkable", Revocation, I),
    code!(0x8009_2013, "CRYPT_E_REVOCATION_OFFLINE", "The revocation function was unable to check revocation because the revocation server was offline", "CRL unreachable (DMZ)", Revocation, I),
    // 2.3 key container
    code!(0x8009_0016, "NTE_BAD_KEYSET", "Keyset does not exist", "private key container missing (imported without key, key deleted, user-store key)", PrivateKey, I),
    code!(0x8009_000D, "NTE_NO_KEY", "Key does not exist", "private key missing", PrivateKey, I),
    code!(0x8009_0010, "NTE_PERM", "Access denied", "Health Service account cannot read the key file", PrivateKey, I),
    code!(0x8009_000B, "NTE_BAD_KEY_STATE", "Key not valid for use in specified state", "key/provider state problem", PrivateKey, I),
    code!(0x8009_0009, "NTE_BAD_FLAGS", "Invalid flags specified", "CNG-vs-CAPI mismatch when legacy APIs touch a KSP key", CngKey, I),
    code!(0x8009_0029, "NTE_NOT_SUPPORTED", "The requested operation is not supported", "KSP/CNG key used where a CSP key is expected", CngKey, I),
    // 2.4 Winsock / generic
    code!(10060, "WSAETIMEDOUT", "A connection attempt failed because the connected party did not properly respond after a period of time", "SYN dropped: firewall, route or parent down", Network, V),
    code!(10061, "WSAECONNREFUSED", "No connection could be made because the target machine actively refused it", "parent reachable but nothing listening on the port (HealthService stopped, wrong port)", Network, V),
    code!(10054, "WSAECONNRESET", "Connection reset by peer", "peer or firewall reset", Network, I),
    code!(10065, "WSAEHOSTUNREACH", "No route to host", "routing", Network, I),
    code!(11001, "WSAHOST_NOT_FOUND", "No such host is known", "DNS", Dns, I),
    code!(0x8000_4005, "E_FAIL", "Unspecified error", "generic", Generic, V),
];

/// Parse a code as SCOM prints it: `0x80090311`, `10060L`, `-2146893052`, `2148074254`,
/// `80090311` (bare hex only when it has 8 digits). Surrounding spaces and brackets are ignored.
pub fn parse_code(text: &str) -> Option<u32> {
    let t = text
        .trim()
        .trim_matches(|c| c == '(' || c == ')' || c == '"');
    let t = t.strip_suffix(['L', 'l']).unwrap_or(t);
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok();
    }
    if let Some(neg) = t.strip_prefix('-') {
        let v: i64 = neg.parse().ok()?;
        let v = -v;
        return i32::try_from(v).ok().map(|x| x as u32);
    }
    if t.len() == 8
        && t.chars().all(|c| c.is_ascii_hexdigit())
        && !t.chars().all(|c| c.is_ascii_digit())
    {
        return u32::from_str_radix(t, 16).ok();
    }
    t.parse::<u32>().ok()
}

/// Look a code up.
pub fn lookup(code: u32) -> Option<&'static ErrorCode> {
    CODES.iter().find(|c| c.code == code)
}

/// Parse and look up in one step.
pub fn lookup_text(text: &str) -> Option<&'static ErrorCode> {
    parse_code(text).and_then(lookup)
}

/// `0x80090325` for HRESULTs, decimal for small Winsock numbers.
pub fn format_code(code: u32) -> String {
    if code < 0x1_0000 {
        code.to_string()
    } else {
        format!("0x{code:08X}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_printed_forms() {
        assert_eq!(parse_code("0x80090311"), Some(0x8009_0311));
        assert_eq!(parse_code("10060L"), Some(10060));
        assert_eq!(parse_code(" 10061L "), Some(10061));
        assert_eq!(parse_code("-2146893052"), Some(0x8009_0304));
        assert_eq!(parse_code("2148074254"), Some(0x8009_030E));
        assert_eq!(parse_code("800B0109"), Some(0x800B_0109));
        assert_eq!(parse_code("garbage"), None);
        assert_eq!(parse_code(""), None);
    }

    #[test]
    fn codes_are_unique_and_classified() {
        for (i, a) in CODES.iter().enumerate() {
            for b in &CODES[i + 1..] {
                assert_ne!(
                    a.code, b.code,
                    "{} and {} share a value",
                    a.symbol, b.symbol
                );
            }
        }
        assert_eq!(
            lookup_text("0x800B0109").map(|c| c.class),
            Some(CodeClass::UntrustedRoot)
        );
        assert_eq!(
            lookup_text("10060L").map(|c| c.symbol),
            Some("WSAETIMEDOUT")
        );
        assert_eq!(format_code(0x8009_0325), "0x80090325");
        assert_eq!(format_code(10061), "10061");
    }
}
