//! `chain`: the leaf's chain to the roots given with `--trust`, else to the roots inside the
//! files (said so), built by [`crate::chain`], with the first broken link named.

use super::input::{Loaded, Role};
use super::{Check, Judged, Verdict};
use crate::chain::{self, is_self_issued, Candidate, Chain, ChainBreak, LinkCheck};

/// Where the trust anchors came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchors {
    /// `--trust` files.
    Given,
    /// Self-issued certificates inside the positional and `--intermediate` files.
    InsideFiles,
}

/// The anchors and intermediates for all leaves of one run.
pub struct Pool<'a> {
    /// Trust anchors.
    pub trusted: Vec<Candidate<'a>>,
    /// Every other certificate that may be an issuer.
    pub intermediates: Vec<Candidate<'a>>,
    /// Where the anchors came from.
    pub anchors: Anchors,
}

impl<'a> Pool<'a> {
    /// Sort the loaded certificates into anchors and intermediates.
    pub fn new(all: &'a [Loaded]) -> Pool<'a> {
        let cand = |l: &'a Loaded| Candidate {
            cert: &l.cert,
            origin: l.source.as_str(),
        };
        let given_trust = all.iter().any(|l| l.role == Role::Trust);
        let trusted: Vec<Candidate<'a>> = if given_trust {
            all.iter()
                .filter(|l| l.role == Role::Trust)
                .map(cand)
                .collect()
        } else {
            all.iter()
                .filter(|l| is_self_issued(&l.cert))
                .map(cand)
                .collect()
        };
        let intermediates = all
            .iter()
            .filter(|l| l.role != Role::Trust)
            .map(cand)
            .collect();
        Pool {
            trusted,
            intermediates,
            anchors: if given_trust {
                Anchors::Given
            } else {
                Anchors::InsideFiles
            },
        }
    }
}

/// Build the chain of `leaf` and judge it.
pub fn check(leaf: &Loaded, pool: &Pool<'_>, at: &Judged) -> (Check, Chain) {
    let chain = chain::build(
        &leaf.cert,
        &leaf.source,
        &pool.intermediates,
        &pool.trusted,
        Some(at.secs),
    );
    let path = chain
        .links
        .iter()
        .map(|l| format!("\"{}\"", l.subject))
        .collect::<Vec<_>>()
        .join(" ← ");
    let anchor_note = match pool.anchors {
        Anchors::Given => "root given with --trust".to_string(),
        Anchors::InsideFiles if pool.trusted.is_empty() => {
            "no --trust given and no root inside the files".to_string()
        }
        Anchors::InsideFiles => "no --trust given: judged against the roots inside the files, so a machine accepts it only if that root is in its LocalMachine\\Root".to_string(),
    };
    let check = match &chain.broken {
        None => {
            let mut notes: Vec<String> = Vec::new();
            let unverified: Vec<String> = chain
                .links
                .iter()
                .filter_map(|l| match &l.check {
                    LinkCheck::NotChecked(why) => Some(format!("\"{}\": {why}", l.subject)),
                    _ => None,
                })
                .collect();
            if !unverified.is_empty() {
                notes.push(format!(
                    "signature not checked for {}",
                    unverified.join("; ")
                ));
            }
            for s in &chain.issuers_without_basic_constraints {
                notes.push(format!(
                    "CA \"{s}\" has no basicConstraints extension (CryptoAPI accepts it; RFC 5280 does not)"
                ));
            }
            let verdict = if notes.is_empty() {
                Verdict::Pass
            } else {
                Verdict::Warn
            };
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!("; {}", notes.join("; "))
            };
            Check::new(
                "chain",
                verdict,
                format!("{path} ({anchor_note}){notes}; {}", chain::REVOCATION_NOTE),
            )
        }
        Some(b) => {
            let hint = match (b, pool.anchors) {
                (ChainBreak::MissingIssuer { .. }, Anchors::InsideFiles) => {
                    " (no --trust given and no root inside the files: give the CA certificates with --intermediate and the root with --trust)"
                }
                (ChainBreak::MissingIssuer { .. }, Anchors::Given) => {
                    " (give the missing CA certificate with --intermediate)"
                }
                _ => "",
            };
            Check::new(
                "chain",
                Verdict::Fail,
                format!(
                    "broken: {b}{hint}; built {path}; {}",
                    chain::REVOCATION_NOTE
                ),
            )
        }
    };
    (check, chain)
}
