//! `scomtriage cert`: an offline check of certificate files as SCOM would judge them, before a
//! bundle exists ("here is the certificate we issued for the gateway: will SCOM accept it?").
//!
//! The files (`.cer`, `.crt`, `.der`, `.pem`, `.p7b`; the content decides) are read, the leaf
//! (end entity) is picked out of them ([`leaf`]), and each leaf gets these checks, each with an
//! id, a [`Verdict`] and its evidence: `name` ([`name`]), `eku` and `key_usage` ([`usage`]),
//! `validity` and `expiring` ([`validity`]), `chain` ([`chain_check`]), `crypto` ([`crypto`]) and
//! `key` (always unknown from a file). Output is text or JSON ([`render`]; JSON shape in
//! `docs/cert.md`). The caller passes plain [`CertOptions`]; nothing here knows the command line.

pub mod chain_check;
pub mod crypto;
pub mod input;
pub mod leaf;
pub mod name;
pub mod render;
pub mod usage;
pub mod validity;

use crate::chain::ChainBreak;
use crate::facts::certs::scom_name;
use crate::facts::time::fmt_secs;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use thiserror::Error;

/// Version of the JSON output; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertFormat {
    /// For a terminal.
    #[default]
    Text,
    /// One JSON object (see `docs/cert.md`).
    Json,
}

/// What to check, as plain values.
#[derive(Debug, Clone, Default)]
pub struct CertOptions {
    /// Files holding the leaf (and possibly its chain).
    pub files: Vec<PathBuf>,
    /// The FQDN the machine is known by (`name` is unknown without it).
    pub fqdn: Option<String>,
    /// Files of trusted roots; empty = the roots inside `files` are used, and the output says so.
    pub trust: Vec<PathBuf>,
    /// Files of extra CA certificates.
    pub intermediates: Vec<PathBuf>,
    /// The time to judge at, as given (RFC 3339, or a date read as 00:00 UTC); `None` = now.
    pub at: Option<String>,
    /// Output format.
    pub format: CertFormat,
}

/// Errors that stop `cert` (exit 2): unusable input or arguments, or unwritable output.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CertError {
    /// A file cannot be read.
    #[error("{file}: cannot read: {reason}")]
    Read {
        /// The file as given.
        file: String,
        /// Why.
        reason: String,
    },
    /// A file holds no certificate the parsers can read.
    #[error("{file}: not a certificate or PKCS#7 file: {reason}")]
    Parse {
        /// The file as given.
        file: String,
        /// What the parsers said.
        reason: String,
    },
    /// No end-entity certificate among the files.
    #[error("{files}: {reason}")]
    NoLeaf {
        /// The positional files, comma-separated.
        files: String,
        /// What was found instead.
        reason: String,
    },
    /// `--at` is not a time.
    #[error("--at {text:?}: {reason}")]
    BadTime {
        /// As given.
        text: String,
        /// Why.
        reason: String,
    },
    /// No FILE given.
    #[error("no certificate file given")]
    NoFiles,
    /// Writing the output failed (other than a closed pipe).
    #[error("cannot write the output: {0}")]
    Write(#[from] std::io::Error),
}

/// The outcome of a run that produced a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertExit {
    /// No check failed (warnings and unknowns allowed).
    Pass,
    /// At least one check of one leaf failed.
    Fail,
}

impl CertExit {
    /// Process exit code: 0 or 3 (2 is for [`CertError`]).
    pub fn code(self) -> u8 {
        match self {
            CertExit::Pass => 0,
            CertExit::Fail => 3,
        }
    }
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Meets SCOM's requirement.
    Pass,
    /// SCOM would refuse it (or Windows would).
    Fail,
    /// Works, but something needs attention.
    Warn,
    /// Cannot be told from the inputs given; the detail says which input would tell.
    Unknown,
}

impl Verdict {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Unknown => "unknown",
        }
    }
}

/// One check of one leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `name`, `eku`, `key_usage`, `validity`, `expiring`, `chain`, `crypto`, `key`.
    pub id: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// The evidence, one line.
    pub detail: String,
}

impl Check {
    /// A check.
    pub fn new(id: &'static str, verdict: Verdict, detail: impl Into<String>) -> Check {
        Check {
            id,
            verdict,
            detail: detail.into(),
        }
    }
}

/// The time judged at and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judged {
    /// Seconds since the epoch.
    pub secs: i64,
    /// From `--at` (else the analyzer's clock).
    pub given: bool,
}

impl Judged {
    /// `2026-11-20T14:03:11Z (--at)` or `… (the analyzer's clock: no --at given)`.
    pub fn describe(&self) -> String {
        if self.given {
            format!("{} (--at)", fmt_secs(self.secs))
        } else {
            format!(
                "{} (the analyzer's clock: no --at given)",
                fmt_secs(self.secs)
            )
        }
    }
}

/// Parse `--at`: RFC 3339 (`2026-11-20T14:03:11Z`, any offset), a civil date-time read as UTC
/// (`2026-11-20T14:03:11`, `2026-11-20 14:03`), or a date read as 00:00 UTC (`2026-11-20`).
pub fn parse_at(text: &str) -> Result<i64, CertError> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(ts.as_second());
    }
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
        if let Ok(z) = dt.to_zoned(jiff::tz::TimeZone::UTC) {
            return Ok(z.timestamp().as_second());
        }
    }
    Err(CertError::BadTime {
        text: text.to_string(),
        reason: "not a time: use RFC 3339 (2026-11-20T14:03:11Z) or a date (2026-11-20, read as 00:00 UTC)".into(),
    })
}

/// The chosen leaf, described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeafInfo {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// SHA-1 thumbprint (upper-case hex).
    pub thumbprint: String,
    /// Serial as Windows shows it.
    pub serial: String,
    /// File (and `#n` position) it came from.
    pub source: String,
    /// The name SCOM reads from it, if any.
    pub scom_name: Option<String>,
    /// Why it was taken as a leaf.
    pub selected_because: String,
}

/// One certificate of the built chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainEntry {
    /// Subject DN.
    pub subject: String,
    /// SHA-1 thumbprint.
    pub thumbprint: String,
    /// File it came from.
    pub source: String,
}

/// The first broken link: the break's fields (`kind`, …) and its one-line message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The break.
    #[serde(flatten)]
    pub at: ChainBreak,
    /// As a sentence.
    pub message: String,
}

/// Everything about one leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeafResult {
    /// The leaf.
    pub leaf: LeafInfo,
    /// SCOM's overall acceptance as far as a certificate file tells: no check failed.
    pub ok: bool,
    /// The checks, in a fixed order.
    pub checks: Vec<Check>,
    /// The chain as built, leaf first.
    pub chain: Vec<ChainEntry>,
    /// `null` when the chain reaches a trust anchor.
    pub first_broken_link: Option<BrokenLink>,
}

/// The whole report (the JSON top level).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Time judged at (RFC 3339 UTC).
    pub at: String,
    /// `given` (`--at`) or `analyzer_clock`.
    pub clock: &'static str,
    /// `given` (`--trust`), `inside_files` (self-signed roots among the other files) or `none`.
    pub trust_anchors: &'static str,
    /// [`crate::chain::REVOCATION_NOTE`].
    pub revocation: &'static str,
    /// One per leaf, in file order.
    pub results: Vec<LeafResult>,
}

/// The `key` check: a certificate file never tells.
fn key_check() -> Check {
    Check::new(
        "key",
        Verdict::Unknown,
        "a certificate file cannot show the private key (present, in the machine key set, KeySpec 1 in a legacy CSP): the machine's bundle tells (certificates/inventory.json, or the store Blob in systemcertificates.reg); run scomtriage analyze on it",
    )
}

/// Read the inputs and judge every leaf. `now` is the analyzer's clock (used without `--at`).
pub fn evaluate(opts: &CertOptions, now: i64) -> Result<CertReport, CertError> {
    if opts.files.is_empty() {
        return Err(CertError::NoFiles);
    }
    let at = match &opts.at {
        Some(t) => Judged {
            secs: parse_at(t)?,
            given: true,
        },
        None => Judged {
            secs: now,
            given: false,
        },
    };
    let mut all: Vec<input::Loaded> = Vec::new();
    for f in &opts.files {
        all.extend(input::read_file(f, input::Role::Given)?);
    }
    let given_count = all.len();
    for f in &opts.intermediates {
        all.extend(input::read_file(f, input::Role::Intermediate)?);
    }
    for f in &opts.trust {
        all.extend(input::read_file(f, input::Role::Trust)?);
    }
    let leaves = leaf::select(&all[..given_count]).map_err(|reason| CertError::NoLeaf {
        files: opts
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        reason,
    })?;
    let pool = chain_check::Pool::new(&all);
    let mut results = Vec::new();
    for choice in leaves {
        let l = &all[choice.index];
        let c = &l.cert;
        let (chain_check, chain) = chain_check::check(l, &pool, &at);
        let checks = vec![
            name::check(c, opts.fqdn.as_deref()),
            usage::check_eku(c),
            usage::check_key_usage(c),
            validity::check_validity(c, &at),
            validity::check_expiring(c, &at),
            chain_check,
            crypto::check(c),
            key_check(),
        ];
        let ok = checks.iter().all(|k| k.verdict != Verdict::Fail);
        let chain_entries = chain
            .links
            .iter()
            .map(|k| ChainEntry {
                subject: k.subject.clone(),
                thumbprint: k.thumbprint.clone(),
                source: k.origin.clone(),
            })
            .collect();
        results.push(LeafResult {
            leaf: LeafInfo {
                subject: c.subject.clone(),
                issuer: c.issuer.clone(),
                thumbprint: c.thumbprint_sha1.clone(),
                serial: c.serial_hex.clone(),
                source: l.source.clone(),
                scom_name: scom_name(c).map(str::to_string),
                selected_because: choice.why,
            },
            ok,
            checks,
            chain: chain_entries,
            first_broken_link: chain.broken.map(|b| BrokenLink {
                message: b.to_string(),
                at: b,
            }),
        });
    }
    Ok(CertReport {
        schema_version: SCHEMA_VERSION,
        at: fmt_secs(at.secs),
        clock: if at.given { "given" } else { "analyzer_clock" },
        trust_anchors: match pool.anchors {
            chain_check::Anchors::Given => "given",
            chain_check::Anchors::InsideFiles if pool.trusted.is_empty() => "none",
            chain_check::Anchors::InsideFiles => "inside_files",
        },
        revocation: crate::chain::REVOCATION_NOTE,
        results,
    })
}

/// Run `cert`: judge, render, write to `out`. A closed pipe (`| head`) is not an error.
pub fn run_cert(opts: &CertOptions, out: &mut impl Write) -> Result<CertExit, CertError> {
    let now = jiff::Timestamp::now().as_second();
    let report = evaluate(opts, now)?;
    let exit = if report.results.iter().all(|r| r.ok) {
        CertExit::Pass
    } else {
        CertExit::Fail
    };
    let text = match opts.format {
        CertFormat::Text => render::text(&report),
        CertFormat::Json => render::json(&report),
    };
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(exit),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit),
        Err(e) => Err(CertError::Write(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_accepts_rfc3339_civil_times_and_dates_as_utc() {
        assert_eq!(parse_at("2026-11-20T14:03:11Z").ok(), Some(1_795_183_391));
        assert_eq!(
            parse_at("2026-11-20T16:03:11+02:00").ok(),
            Some(1_795_183_391)
        );
        assert_eq!(parse_at("2026-11-20T14:03:11").ok(), Some(1_795_183_391));
        assert_eq!(parse_at("2026-11-20").ok(), Some(1_795_132_800));
        let e = parse_at("next week").expect_err("not a time");
        assert!(
            e.to_string().starts_with("--at \"next week\": not a time"),
            "{e}"
        );
    }
}
