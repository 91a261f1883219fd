//! Chain building: from a certificate through every available intermediate to a root, checking
//! each signature and each issuer's right to issue, and naming the first broken link precisely.
//!
//! Issuers are matched by name as RFC 5280 §7.1 asks (the child's issuer DN against the
//! candidate's subject DN, case-insensitive with insignificant spaces ignored, see
//! [`scomtriage_parsers::names`]), narrowed by AuthorityKeyIdentifier/SubjectKeyIdentifier when
//! both are present. When several candidates fit, the builder prefers one whose signature
//! verifies and that is valid and allowed to issue, and backtracks: a path that dead-ends above
//! an intermediate is abandoned for another candidate (a renewed or cross-certified CA).
//!
//! Each issuer that is not a trust anchor must be allowed to issue (RFC 5280 §6.1.4):
//! basicConstraints `cA` must not be FALSE, a KeyUsage extension must include keyCertSign, and
//! its pathLenConstraint must allow the non-self-issued intermediates below it. A CA certificate
//! **without** a basicConstraints extension is accepted, as CryptoAPI does (its
//! `CERT_TRUST_INVALID_BASIC_CONSTRAINTS` is documented for certificates that *have* the
//! extension; RFC 5280 would reject it): [`Chain::issuers_without_basic_constraints`] lists them
//! so reports can warn. Trust anchors are not checked for CA-ness or path length (RFC 5280 treats
//! the anchor as input, not as a certificate of the path), nor are self-signed roots that are not
//! trusted (the chain breaks there as `RootNotTrusted`, the more useful verdict); every CA, the
//! anchor included, must be inside its validity period at the time given (CryptoAPI judges the
//! root's validity too).
//!
//! **Revocation is not checked** (no CRL or OCSP access offline); [`REVOCATION_NOTE`] says so in
//! reports. Certificate policies and name constraints are not processed either.
//!
//! A link whose signature cannot be checked for a reason other than an unsupported algorithm
//! (e.g. a certificate that cannot be re-read) is accepted but marked unverified.

use crate::facts::time::fmt_secs;
use scomtriage_parsers::names::names_match;
use scomtriage_parsers::x509::{Certificate, SignatureError, KU_KEY_CERT_SIGN};
use serde::Serialize;
use thiserror::Error;

/// Said wherever a chain verdict is reported.
pub const REVOCATION_NOTE: &str =
    "revocation is not checked (offline analysis: no CRL or OCSP access)";

/// Longest chain followed.
pub const MAX_DEPTH: usize = 10;

/// Most issuer candidates tried while backtracking for one chain (bounds the work on
/// adversarial inputs with many same-named CAs).
pub const MAX_ATTEMPTS: usize = 256;

/// A certificate offered to the chain builder, with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The certificate.
    pub cert: &'a Certificate,
    /// Where it came from (`gw01: LocalMachine\CA`, `certnew.p7b`, …).
    pub origin: &'a str,
}

/// How a link's signature was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "detail")]
pub enum LinkCheck {
    /// The signature verifies with the issuer's key.
    Verified,
    /// Not checked (reason).
    NotChecked(String),
    /// The chain ends here (trust anchor or break).
    End,
}

/// One certificate in a built chain (leaf first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainLink {
    /// Subject DN.
    pub subject: String,
    /// SHA-1 thumbprint.
    pub thumbprint: String,
    /// Where the certificate came from.
    pub origin: String,
    /// Check of this certificate's signature by the next link.
    pub check: LinkCheck,
}

/// The first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum ChainBreak {
    /// No available certificate has the issuer's name (and key identifier).
    #[error("issuer of \"{cert}\" not found: no certificate named \"{issuer_dn}\"{}", aki.as_ref().map(|a| format!(" with key identifier {a}")).unwrap_or_default())]
    MissingIssuer {
        /// Subject of the certificate whose issuer is missing.
        cert: String,
        /// Issuer DN it names.
        issuer_dn: String,
        /// Its AuthorityKeyIdentifier (hex), if any.
        aki: Option<String>,
    },
    /// The issuer's key does not verify the signature.
    #[error("signature of \"{cert}\" does not verify with the key of \"{issuer}\"")]
    BadSignature {
        /// Subject of the certificate.
        cert: String,
        /// Subject of the issuer tried.
        issuer: String,
    },
    /// A CA certificate in the chain had expired at the time judged.
    #[error("CA certificate \"{cert}\" is not valid at {} (valid until {})", fmt_secs(*at), fmt_secs(*not_after))]
    ExpiredCa {
        /// Subject of the CA certificate.
        cert: String,
        /// Its notAfter (s).
        not_after: i64,
        /// The time judged at (s).
        at: i64,
    },
    /// A CA certificate in the chain was not yet valid at the time judged.
    #[error("CA certificate \"{cert}\" is not yet valid at {} (valid from {})", fmt_secs(*at), fmt_secs(*not_before))]
    NotYetValidCa {
        /// Subject of the CA certificate.
        cert: String,
        /// Its notBefore (s).
        not_before: i64,
        /// The time judged at (s).
        at: i64,
    },
    /// An issuer whose basicConstraints say it is not a CA (cA FALSE).
    #[error("\"{cert}\" issued \"{issued}\" but is not a CA (basicConstraints cA is FALSE)")]
    NotACa {
        /// Subject of the would-be issuer.
        cert: String,
        /// Subject of the certificate it signed.
        issued: String,
    },
    /// An issuer whose KeyUsage extension lacks keyCertSign.
    #[error("CA \"{cert}\" may not sign certificates: its KeyUsage (bits 0x{bits:04X}) lacks keyCertSign")]
    NoCertSign {
        /// Subject of the CA.
        cert: String,
        /// Its KeyUsage bits (see [`scomtriage_parsers::x509::KeyUsage::bits`]).
        bits: u16,
    },
    /// More intermediate CAs below a CA than its pathLenConstraint allows.
    #[error("CA \"{cert}\" allows {path_len} intermediate CA certificate(s) below it (pathLenConstraint) but the chain has {below}")]
    PathLenExceeded {
        /// Subject of the CA with the constraint.
        cert: String,
        /// Its pathLenConstraint.
        path_len: u32,
        /// Non-self-issued intermediates between it and the leaf.
        below: u32,
    },
    /// The chain ends in a self-signed root that is not in the trusted set.
    #[error("root \"{root}\" ({thumbprint}) is not in the trusted root stores")]
    RootNotTrusted {
        /// Subject of the root.
        root: String,
        /// Its thumbprint.
        thumbprint: String,
    },
    /// The signature algorithm cannot be verified here.
    #[error("signature of \"{cert}\" uses {alg}, which cannot be verified here")]
    Unsupported {
        /// Subject of the certificate.
        cert: String,
        /// Algorithm.
        alg: String,
    },
    /// The chain is longer than [`MAX_DEPTH`] or loops.
    #[error("chain longer than {MAX_DEPTH} certificates or looping")]
    TooLong,
}

/// The result of building one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chain {
    /// Links from the leaf up to where building stopped.
    pub links: Vec<ChainLink>,
    /// `None` when the chain reaches a trusted certificate; else the first broken link.
    pub broken: Option<ChainBreak>,
    /// Subjects of the issuers in `links` (trust anchors excepted) that have no
    /// basicConstraints extension: accepted as CAs (CryptoAPI does), not allowed by RFC 5280.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issuers_without_basic_constraints: Vec<String>,
}

impl Chain {
    /// Reached a trusted anchor.
    pub fn is_trusted(&self) -> bool {
        self.broken.is_none()
    }
    /// `A ← B ← C` (subjects, leaf first).
    pub fn display(&self) -> String {
        self.links
            .iter()
            .map(|l| format!("{} [{}]", l.subject, l.origin))
            .collect::<Vec<_>>()
            .join(" → ")
    }
    #[cfg(test)]
    /// Whether every link's signature was verified.
    pub fn all_verified(&self) -> bool {
        self.links
            .iter()
            .all(|l| matches!(l.check, LinkCheck::Verified | LinkCheck::End))
    }
}

/// Hex of key identifiers.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn same_cert(a: &Certificate, b: &Certificate) -> bool {
    if !a.thumbprint_sha1.is_empty() && !b.thumbprint_sha1.is_empty() {
        a.thumbprint_sha1.eq_ignore_ascii_case(&b.thumbprint_sha1)
    } else {
        a.der == b.der && a.subject == b.subject && a.serial == b.serial
    }
}

/// Whether two names match: DER compared as RFC 5280 §7.1 asks when both are present, else the
/// display strings.
fn same_name(a_der: &[u8], a: &str, b_der: &[u8], b: &str) -> bool {
    if !a_der.is_empty() && !b_der.is_empty() {
        a_der == b_der || (may_match(a, b) && names_match(a_der, b_der))
    } else {
        !a.is_empty() && a == b
    }
}

/// A cheap necessary condition for two names to match, on their display strings (formatted by
/// the parser from the same DER): equal once white space is removed and case folded. Names
/// that match under RFC 5280 §7.1 always pass; most others (every root of a store compared
/// with one issuer name) fail within the first characters, sparing a DER walk each.
/// Multi-valued RDNs (shown with ` + `, an unordered set) skip the test.
fn may_match(a: &str, b: &str) -> bool {
    folded_equal(a, b) || a.contains(" + ") || b.contains(" + ")
}

/// Equal once white space is removed and case folded.
fn folded_equal(a: &str, b: &str) -> bool {
    // Streamed: stops at the first difference without allocating. ASCII names (nearly all) are
    // compared from the end, where they differ (the CN comes last in the usual DER order).
    if a.is_ascii() && b.is_ascii() {
        let mut x = a.bytes().rev().filter(|c| !matches!(c, 9..=13 | b' '));
        let mut y = b.bytes().rev().filter(|c| !matches!(c, 9..=13 | b' '));
        loop {
            match (x.next(), y.next()) {
                (None, None) => return true,
                (Some(p), Some(q)) if p.eq_ignore_ascii_case(&q) => {}
                _ => return false,
            }
        }
    }
    let mut x = a
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase);
    let mut y = b
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase);
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => {}
            _ => return false,
        }
    }
}

/// Whether `issuer` can have issued `child`: names match (RFC 5280 §7.1) and key identifiers
/// agree when both are present.
pub fn issued_by(child: &Certificate, issuer: &Certificate) -> bool {
    if !same_name(
        &child.issuer_der,
        &child.issuer,
        &issuer.subject_der,
        &issuer.subject,
    ) {
        return false;
    }
    match (&child.aki, &issuer.ski) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}

/// Subject and issuer names match (a root, or a CA's key-rollover certificate).
pub fn is_self_issued(c: &Certificate) -> bool {
    c.self_issued || same_name(&c.subject_der, &c.subject, &c.issuer_der, &c.issuer)
}

/// Self-issued and signed by its own key (a root). A self-issued certificate of a key rollover
/// (signed by the old key) is not. Without DER to verify, self-issued counts.
fn is_self_signed(c: &Certificate) -> bool {
    is_self_issued(c)
        && (c.der.is_empty() || !matches!(c.verify_signed_by(c), Err(SignatureError::BadSignature)))
}

/// One step of the path being built.
struct Step<'a> {
    cert: &'a Certificate,
    origin: &'a str,
    check: LinkCheck,
}

/// What stopped a candidate issuer from extending the path.
enum Rejection {
    /// Its signature check failed: try the others, report if none is better.
    Signature(ChainBreak),
    /// It signed, but may not be used (validity, CA-ness, path length): the link is shown.
    Constraint(ChainBreak),
}

struct Builder<'a, 'c> {
    intermediates: &'c [Candidate<'a>],
    trusted: &'c [Candidate<'a>],
    at: Option<i64>,
    attempts: usize,
}

impl<'a> Builder<'a, '_> {
    fn is_trusted(&self, c: &Certificate) -> bool {
        self.trusted.iter().any(|t| same_cert(t.cert, c))
    }

    fn links(path: &[Step<'_>]) -> Vec<ChainLink> {
        path.iter()
            .map(|s| ChainLink {
                subject: s.cert.subject.clone(),
                thumbprint: s.cert.thumbprint_sha1.clone(),
                origin: s.origin.to_string(),
                check: s.check.clone(),
            })
            .collect()
    }

    fn done(&self, path: &[Step<'_>], broken: Option<ChainBreak>) -> Chain {
        Chain {
            links: Self::links(path),
            broken,
            issuers_without_basic_constraints: path
                .iter()
                .skip(1)
                .filter(|s| s.cert.basic_constraints.is_none() && !self.is_trusted(s.cert))
                .map(|s| s.cert.subject.clone())
                .collect(),
        }
    }

    /// Constraints on `issuer` as the issuer of the last certificate of `path`.
    fn constraint(&self, path: &[Step<'_>], issuer: &Certificate) -> Option<ChainBreak> {
        if let Some(at) = self.at {
            if issuer.not_after < at {
                return Some(ChainBreak::ExpiredCa {
                    cert: issuer.subject.clone(),
                    not_after: issuer.not_after,
                    at,
                });
            }
            if issuer.not_before > at {
                return Some(ChainBreak::NotYetValidCa {
                    cert: issuer.subject.clone(),
                    not_before: issuer.not_before,
                    at,
                });
            }
        }
        // Trust anchors, and roots that are not trusted (the chain breaks there as
        // `RootNotTrusted`, the more useful verdict), are not judged as issuers.
        if self.is_trusted(issuer) || is_self_signed(issuer) {
            return None;
        }
        if let Some(bc) = &issuer.basic_constraints {
            if !bc.ca {
                return Some(ChainBreak::NotACa {
                    cert: issuer.subject.clone(),
                    issued: path
                        .last()
                        .map(|s| s.cert.subject.clone())
                        .unwrap_or_default(),
                });
            }
            if let Some(path_len) = bc.path_len {
                // Non-self-issued intermediates between this CA and the leaf (index 0).
                let below = path
                    .iter()
                    .skip(1)
                    .filter(|s| !is_self_issued(s.cert))
                    .count();
                let below = u32::try_from(below).unwrap_or(u32::MAX);
                if below > path_len {
                    return Some(ChainBreak::PathLenExceeded {
                        cert: issuer.subject.clone(),
                        path_len,
                        below,
                    });
                }
            }
        }
        if let Some(ku) = &issuer.key_usage {
            if ku.bits & KU_KEY_CERT_SIGN == 0 {
                return Some(ChainBreak::NoCertSign {
                    cert: issuer.subject.clone(),
                    bits: ku.bits,
                });
            }
        }
        None
    }

    /// Extend `path` with issuer `c` (its link to the last certificate checked as `check`) and
    /// go on building; `path` is as before afterwards.
    fn descend(&mut self, path: &mut Vec<Step<'a>>, c: &Candidate<'a>, check: LinkCheck) -> Chain {
        if let Some(last) = path.last_mut() {
            last.check = check;
        }
        path.push(Step {
            cert: c.cert,
            origin: c.origin,
            check: LinkCheck::End,
        });
        let chain = self.extend(path);
        path.pop();
        if let Some(last) = path.last_mut() {
            last.check = LinkCheck::End;
        }
        chain
    }

    /// Extend `path` (whose last certificate still needs an issuer) to a trusted certificate,
    /// or return the chain as far as it got with its first break.
    fn extend(&mut self, path: &mut Vec<Step<'a>>) -> Chain {
        let Some(current) = path.last().map(|s| s.cert) else {
            return Chain {
                links: vec![],
                broken: Some(ChainBreak::TooLong),
                issuers_without_basic_constraints: vec![],
            };
        };
        if self.is_trusted(current) {
            return self.done(path, None);
        }
        if path.len() > MAX_DEPTH {
            return self.done(path, Some(ChainBreak::TooLong));
        }
        let named: Vec<&Candidate<'a>> = self
            .trusted
            .iter()
            .chain(self.intermediates.iter())
            .filter(|c| !same_cert(c.cert, current) && issued_by(current, c.cert))
            .collect();
        if named.is_empty() {
            let broken = if is_self_issued(current) {
                ChainBreak::RootNotTrusted {
                    root: current.subject.clone(),
                    thumbprint: current.thumbprint_sha1.clone(),
                }
            } else {
                ChainBreak::MissingIssuer {
                    cert: current.subject.clone(),
                    issuer_dn: current.issuer.clone(),
                    aki: current.aki.as_ref().map(|a| hex(a)),
                }
            };
            return self.done(path, Some(broken));
        }
        let mut seen: Vec<&str> = Vec::new();
        let fresh: Vec<&Candidate<'a>> = named
            .into_iter()
            .filter(|c| !path.iter().any(|s| same_cert(s.cert, c.cert)))
            .filter(|c| {
                let t = c.cert.thumbprint_sha1.as_str();
                if t.is_empty() || !seen.contains(&t) {
                    seen.push(t);
                    true
                } else {
                    false
                }
            })
            .collect();
        if fresh.is_empty() {
            return self.done(path, Some(ChainBreak::TooLong));
        }
        // Try the candidates in order (trusted ones come first in `fresh`), each as soon as its
        // signature verifies and it may issue; ones whose signature could not be checked come
        // after all verified ones. The first path reaching a trust anchor wins.
        let mut rejected: Vec<(&Candidate<'a>, LinkCheck, Rejection)> = Vec::new();
        let mut unverified: Vec<(&Candidate<'a>, LinkCheck)> = Vec::new();
        let mut first_failure: Option<Chain> = None;
        for c in fresh {
            if self.attempts >= MAX_ATTEMPTS {
                break;
            }
            self.attempts += 1;
            let check = match current.verify_signed_by(c.cert) {
                Ok(()) => LinkCheck::Verified,
                Err(SignatureError::BadSignature) => {
                    rejected.push((
                        c,
                        LinkCheck::End,
                        Rejection::Signature(ChainBreak::BadSignature {
                            cert: current.subject.clone(),
                            issuer: c.cert.subject.clone(),
                        }),
                    ));
                    continue;
                }
                Err(SignatureError::Unsupported(alg)) => {
                    rejected.push((
                        c,
                        LinkCheck::End,
                        Rejection::Signature(ChainBreak::Unsupported {
                            cert: current.subject.clone(),
                            alg,
                        }),
                    ));
                    continue;
                }
                Err(e) => LinkCheck::NotChecked(e.to_string()),
            };
            if let Some(b) = self.constraint(path, c.cert) {
                rejected.push((c, check, Rejection::Constraint(b)));
                continue;
            }
            if check != LinkCheck::Verified {
                unverified.push((c, check));
                continue;
            }
            let chain = self.descend(path, c, check);
            if chain.is_trusted() {
                return chain;
            }
            first_failure.get_or_insert(chain);
        }
        for (c, check) in unverified {
            let chain = self.descend(path, c, check);
            if chain.is_trusted() {
                return chain;
            }
            first_failure.get_or_insert(chain);
        }
        if let Some(f) = first_failure {
            return f;
        }
        // No usable issuer: report a constraint break (the link is shown) before a signature one.
        let pick = rejected
            .iter()
            .position(|(_, _, r)| matches!(r, Rejection::Constraint(_)))
            .or(if rejected.is_empty() { None } else { Some(0) });
        let Some(i) = pick else {
            return self.done(path, Some(ChainBreak::TooLong));
        };
        let (c, check, r) = rejected.swap_remove(i);
        match r {
            Rejection::Signature(b) => self.done(path, Some(b)),
            Rejection::Constraint(b) => {
                if let Some(last) = path.last_mut() {
                    last.check = check;
                }
                path.push(Step {
                    cert: c.cert,
                    origin: c.origin,
                    check: LinkCheck::End,
                });
                let chain = self.done(path, Some(b));
                path.pop();
                if let Some(last) = path.last_mut() {
                    last.check = LinkCheck::End;
                }
                chain
            }
        }
    }
}

/// Build the chain of `leaf` using `intermediates` and `trusted` (roots of the validating
/// machine). CA validity is judged at `at` (seconds) when given. The leaf's own validity, name
/// and usages are not judged here.
pub fn build(
    leaf: &Certificate,
    leaf_origin: &str,
    intermediates: &[Candidate<'_>],
    trusted: &[Candidate<'_>],
    at: Option<i64>,
) -> Chain {
    let mut b = Builder {
        intermediates,
        trusted,
        at,
        attempts: 0,
    };
    let mut path = vec![Step {
        cert: leaf,
        origin: leaf_origin,
        check: LinkCheck::End,
    }];
    b.extend(&mut path)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A certificate built directly (no DER): enough for name/key-id chaining.
    pub fn cert(subject_cn: &str, issuer_cn: &str, thumb: &str) -> Certificate {
        Certificate {
            subject: format!("CN={subject_cn}"),
            subject_cns: vec![subject_cn.to_string()],
            has_san: false,
            san_dns: vec![],
            issuer: format!("CN={issuer_cn}"),
            issuer_cns: vec![issuer_cn.to_string()],
            subject_der: format!("CN={subject_cn}").into_bytes(),
            issuer_der: format!("CN={issuer_cn}").into_bytes(),
            serial: thumb.as_bytes().to_vec(),
            serial_hex: hex(thumb.as_bytes()),
            not_before: 1_700_000_000,
            not_after: 1_900_000_000,
            eku: Some(vec!["1.3.6.1.5.5.7.3.1".into(), "1.3.6.1.5.5.7.3.2".into()]),
            key_usage: Some(scomtriage_parsers::x509::KeyUsage {
                bits: 0x5,
                critical: true,
            }),
            basic_constraints: None,
            ski: None,
            aki: None,
            public_key_algorithm: "RSA".into(),
            public_key_oid: "1.2.840.113549.1.1.1".into(),
            public_key_bits: Some(2048),
            signature_algorithm: "sha256WithRSAEncryption".into(),
            signature_oid: "1.2.840.113549.1.1.11".into(),
            self_issued: subject_cn == issuer_cn,
            thumbprint_sha1: thumb.to_string(),
            der: vec![],
        }
    }

    pub fn ca(subject_cn: &str, issuer_cn: &str, thumb: &str) -> Certificate {
        let mut c = cert(subject_cn, issuer_cn, thumb);
        c.basic_constraints = Some(scomtriage_parsers::x509::BasicConstraints {
            ca: true,
            path_len: None,
            critical: true,
        });
        c.eku = None;
        c.key_usage = Some(scomtriage_parsers::x509::KeyUsage {
            bits: scomtriage_parsers::x509::KU_KEY_CERT_SIGN
                | scomtriage_parsers::x509::KU_CRL_SIGN,
            critical: true,
        });
        c
    }

    fn cand<'a>(c: &'a Certificate, o: &'a str) -> Candidate<'a> {
        Candidate { cert: c, origin: o }
    }

    #[test]
    fn reaches_a_trusted_root_through_an_intermediate() {
        let root = ca("Root CA", "Root CA", "R");
        let int = ca("Issuing CA", "Root CA", "I");
        let leaf = cert("gw01.dmz.contoso.com", "Issuing CA", "L");
        let chain = build(
            &leaf,
            "My",
            &[cand(&int, "CA")],
            &[cand(&root, "Root")],
            Some(1_800_000_000),
        );
        assert!(chain.is_trusted(), "{:?}", chain.broken);
        assert_eq!(chain.links.len(), 3);
        assert_eq!(chain.links[2].origin, "Root");
    }

    #[test]
    fn missing_intermediate_names_issuer_and_aki() {
        let root = ca("Root CA", "Root CA", "R");
        let mut leaf = cert("gw01", "Issuing CA", "L");
        leaf.aki = Some(vec![0xAB, 0xCD]);
        let chain = build(&leaf, "My", &[], &[cand(&root, "Root")], None);
        assert_eq!(
            chain.broken,
            Some(ChainBreak::MissingIssuer {
                cert: "CN=gw01".into(),
                issuer_dn: "CN=Issuing CA".into(),
                aki: Some("ABCD".into()),
            })
        );
    }

    #[test]
    fn untrusted_root_is_named() {
        let root = ca("Other Root", "Other Root", "R2");
        let leaf = cert("gw01", "Other Root", "L");
        let chain = build(&leaf, "My", &[cand(&root, "gw Root")], &[], None);
        assert_eq!(
            chain.broken,
            Some(ChainBreak::RootNotTrusted {
                root: "CN=Other Root".into(),
                thumbprint: "R2".into()
            })
        );
    }

    #[test]
    fn expired_ca_at_collection_time() {
        let root = ca("Root CA", "Root CA", "R");
        let mut int = ca("Issuing CA", "Root CA", "I");
        int.not_after = 1_750_000_000;
        let leaf = cert("gw01", "Issuing CA", "L");
        let chain = build(
            &leaf,
            "My",
            &[cand(&int, "CA")],
            &[cand(&root, "Root")],
            Some(1_800_000_000),
        );
        assert!(matches!(
            chain.broken,
            Some(ChainBreak::ExpiredCa {
                not_after: 1_750_000_000,
                ..
            })
        ));
    }

    #[test]
    fn key_identifiers_pick_the_right_issuer() {
        let mut old = ca("Issuing CA", "Root CA", "I1");
        old.ski = Some(vec![1]);
        let mut new = ca("Issuing CA", "Root CA", "I2");
        new.ski = Some(vec![2]);
        let root = ca("Root CA", "Root CA", "R");
        let mut leaf = cert("gw01", "Issuing CA", "L");
        leaf.aki = Some(vec![2]);
        let chain = build(
            &leaf,
            "My",
            &[cand(&old, "CA"), cand(&new, "CA")],
            &[cand(&root, "Root")],
            None,
        );
        assert!(chain.is_trusted());
        assert_eq!(chain.links[1].thumbprint, "I2");
    }

    #[test]
    fn a_loop_stops() {
        let a = ca("A", "B", "A");
        let b = ca("B", "A", "B");
        let leaf = cert("x", "A", "L");
        let chain = build(&leaf, "My", &[cand(&a, "CA"), cand(&b, "CA")], &[], None);
        assert_eq!(chain.broken, Some(ChainBreak::TooLong));
    }

    #[test]
    fn the_quick_name_test_never_rejects_names_that_can_match() {
        assert!(may_match(
            "C=US, O=Test  Certificates, CN=Good CA",
            "c=us,o=test certificates, cn=GOOD CA"
        ));
        assert!(may_match("CN=Ünïcode CA", "cn=ÜNÏCODE  ca"));
        assert!(may_match("CN=a + O=b", "O=b + CN=a"), "sets skip the test");
        assert!(!may_match("CN=Good CA", "CN=Good CA2"));
        assert!(!may_match("CN=Good CA", "CN=Good DA"));
        assert!(!may_match("CN=Ünïcode CA", "CN=Unicode CA"));
    }

    #[test]
    fn an_issuer_with_ca_false_breaks_the_chain() {
        let root = ca("Root CA", "Root CA", "R");
        let mut int = ca("Issuing CA", "Root CA", "I");
        if let Some(bc) = int.basic_constraints.as_mut() {
            bc.ca = false;
        }
        let leaf = cert("gw01", "Issuing CA", "L");
        let chain = build(
            &leaf,
            "My",
            &[cand(&int, "CA")],
            &[cand(&root, "Root")],
            None,
        );
        assert_eq!(
            chain.broken,
            Some(ChainBreak::NotACa {
                cert: "CN=Issuing CA".into(),
                issued: "CN=gw01".into()
            })
        );
        assert_eq!(chain.links.len(), 2, "the offending issuer is shown");
    }

    #[test]
    fn an_issuer_without_basic_constraints_is_accepted_and_listed() {
        let root = ca("Root CA", "Root CA", "R");
        let mut int = ca("Issuing CA", "Root CA", "I");
        int.basic_constraints = None;
        let leaf = cert("gw01", "Issuing CA", "L");
        let chain = build(
            &leaf,
            "My",
            &[cand(&int, "CA")],
            &[cand(&root, "Root")],
            None,
        );
        assert!(chain.is_trusted(), "{:?}", chain.broken);
        assert_eq!(chain.issuers_without_basic_constraints, ["CN=Issuing CA"]);
    }

    #[test]
    fn an_issuer_without_key_cert_sign_breaks_the_chain() {
        let root = ca("Root CA", "Root CA", "R");
        let mut int = ca("Issuing CA", "Root CA", "I");
        int.key_usage = Some(scomtriage_parsers::x509::KeyUsage {
            bits: scomtriage_parsers::x509::KU_CRL_SIGN,
            critical: true,
        });
        let leaf = cert("gw01", "Issuing CA", "L");
        let chain = build(
            &leaf,
            "My",
            &[cand(&int, "CA")],
            &[cand(&root, "Root")],
            None,
        );
        assert!(
            matches!(
                chain.broken,
                Some(ChainBreak::NoCertSign { bits: 0x40, .. })
            ),
            "{:?}",
            chain.broken
        );
    }

    #[test]
    fn path_length_counts_intermediates_below_the_constrained_ca() {
        let root = ca("Root CA", "Root CA", "R");
        let mut policy = ca("Policy CA", "Root CA", "P");
        if let Some(bc) = policy.basic_constraints.as_mut() {
            bc.path_len = Some(0);
        }
        let issuing = ca("Issuing CA", "Policy CA", "I");
        let leaf = cert("gw01", "Issuing CA", "L");
        let inter = [cand(&policy, "CA"), cand(&issuing, "CA")];
        let chain = build(&leaf, "My", &inter, &[cand(&root, "Root")], None);
        assert_eq!(
            chain.broken,
            Some(ChainBreak::PathLenExceeded {
                cert: "CN=Policy CA".into(),
                path_len: 0,
                below: 1
            })
        );
        // pathLen 0 directly above the leaf is fine.
        let direct = cert("gw02", "Policy CA", "L2");
        let ok = build(&direct, "My", &inter, &[cand(&root, "Root")], None);
        assert!(ok.is_trusted(), "{:?}", ok.broken);
    }

    #[test]
    fn a_not_yet_valid_ca_is_its_own_break() {
        let root = ca("Root CA", "Root CA", "R");
        let mut int = ca("Issuing CA", "Root CA", "I");
        int.not_before = 1_850_000_000;
        let leaf = cert("gw01", "Issuing CA", "L");
        let chain = build(
            &leaf,
            "My",
            &[cand(&int, "CA")],
            &[cand(&root, "Root")],
            Some(1_800_000_000),
        );
        assert!(matches!(
            chain.broken,
            Some(ChainBreak::NotYetValidCa {
                not_before: 1_850_000_000,
                at: 1_800_000_000,
                ..
            })
        ));
    }

    #[test]
    fn a_valid_renewal_is_preferred_and_dead_ends_are_backtracked() {
        // Two CA certificates with the same name (a renewal): the expired one is skipped.
        let root = ca("Root CA", "Root CA", "R");
        let mut old = ca("Issuing CA", "Root CA", "I1");
        old.not_after = 1_750_000_000;
        let new = ca("Issuing CA", "Root CA", "I2");
        let leaf = cert("gw01", "Issuing CA", "L");
        let chain = build(
            &leaf,
            "My",
            &[cand(&old, "CA"), cand(&new, "CA")],
            &[cand(&root, "Root")],
            Some(1_800_000_000),
        );
        assert!(chain.is_trusted(), "{:?}", chain.broken);
        assert_eq!(chain.links[1].thumbprint, "I2");
        // A cross-certificate to an untrusted root first, then the path to the trusted one.
        let other_root = ca("Other Root", "Other Root", "O");
        let cross = ca("Issuing CA", "Other Root", "X");
        let chain = build(
            &leaf,
            "My",
            &[
                cand(&cross, "CA"),
                cand(&other_root, "CA"),
                cand(&new, "CA"),
            ],
            &[cand(&root, "Root")],
            Some(1_800_000_000),
        );
        assert!(chain.is_trusted(), "{:?}", chain.broken);
        assert_eq!(chain.links[1].thumbprint, "I2");
    }

    /// Real signatures: runs once the X.509 parser is merged (skips with a notice before).
    #[test]
    fn real_signatures_verify_and_a_wrong_issuer_is_caught() {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
        let root_key = KeyPair::generate().expect("key");
        let mut rp = CertificateParams::new(Vec::<String>::new()).expect("params");
        rp.distinguished_name
            .push(rcgen::DnType::CommonName, "Test Root");
        rp.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let root = rp.self_signed(&root_key).expect("root");
        let other_key = KeyPair::generate().expect("key");
        let other = rp.self_signed(&other_key).expect("other root, same name");
        let leaf_key = KeyPair::generate().expect("key");
        let lp = CertificateParams::new(vec!["gw01.dmz.contoso.com".to_string()]).expect("params");
        let issuer = rcgen::Issuer::new(rp, &root_key);
        let leaf = lp.signed_by(&leaf_key, &issuer).expect("leaf");
        let (Ok(root_c), Ok(other_c), Ok(leaf_c)) = (
            Certificate::from_der(root.der()),
            Certificate::from_der(other.der()),
            Certificate::from_der(leaf.der()),
        ) else {
            eprintln!("notice: X.509 parser not available yet; real-signature chain test skipped");
            return;
        };
        let ok = build(&leaf_c, "My", &[], &[cand(&root_c, "Root")], None);
        assert!(ok.is_trusted(), "{:?}", ok.broken);
        assert!(ok.all_verified());
        let bad = build(&leaf_c, "My", &[], &[cand(&other_c, "Root")], None);
        assert!(
            matches!(bad.broken, Some(ChainBreak::BadSignature { .. })),
            "{:?}",
            bad.broken
        );
    }
}
