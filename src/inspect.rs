//! `scomtriage inspect`: what is in an upload, member by member.
//!
//! Text output is one table per bundle (path, kind, size, ok/error, a short summary) followed by
//! the bundle's input problems (limits hit, unreadable entries).
//!
//! JSON output (`--format json`) is one object per line:
//! - one per member, with `bundle`, `path`, `kind`, `size`, `ok`, `error` (string or null) and,
//!   when the member parsed, fields by kind:
//!   - `evtx`: `records`, `record_errors`, `truncated`, `providers` (name → count), `integrity`
//!     (the full integrity report: checksums, dirty/full flags, chunk counts, first error);
//!   - `certificate` and `pkcs7`: `certificates`, each with `subject`, `issuer`, `serial`,
//!     `thumbprint_sha1`, `not_before`, `not_after` (RFC 3339 UTC), `san_dns`;
//!   - `registry`: `format`, `keys`, `values` (counts), `problems` (skipped lines: `line`, `message`);
//!   - `manifest`: `format`, `format_version`, `collected_at`, `computer`, `role`, `scom_version`;
//!   - `inventory`: `certificates` (count), `with_private_key` (count).
//!
//!   `kind` is one of `evtx`, `certificate`, `pkcs7`, `registry`, `manifest`, `inventory`,
//!   `mta` (an EVTX locale file), `text` (a log or command output kept for people), `unknown`.
//! - one per input problem, with `bundle`, `path` (the file or entry), `kind` = `problem`,
//!   `ok` = false and `error` = what is wrong.
//!
//! EVTX records are counted, not decoded (`EventFilter::none()`).
//! Exit code: 0 when everything was read and parsed; 1 when any member had an error or any input
//! problem was reported; 2 on usage errors.

use crate::bundle::{self, Bundle, Limits, Member, MemberKind, Parsed, Problem, ReadOptions};
use scomtriage_parsers::x509::Certificate;
use scomtriage_parsers::EventFilter;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::PathBuf;

/// Options of `inspect` (plain values: the command line lives in the binary).
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// Zips, directories or loose files.
    pub paths: Vec<PathBuf>,
    /// Output format.
    pub format: InspectFormat,
    /// Limits for untrusted input.
    pub limits: Limits,
}

/// Output formats of `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectFormat {
    /// For a terminal.
    Text,
    /// One JSON object per member, one per line.
    Json,
}

/// Run `inspect`: read the inputs, write the listing to `out`, and return the exit code
/// ([`exit_code`]). An error is a failure to write.
pub fn run(options: &InspectOptions, out: &mut impl Write) -> std::io::Result<u8> {
    let read = ReadOptions {
        limits: options.limits.clone(),
        evtx_filter: EventFilter::none(),
    };
    let bundles = bundle::read_inputs(&options.paths, &read);
    let text = match options.format {
        InspectFormat::Text => render_text(&bundles),
        InspectFormat::Json => render_json(&bundles),
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(exit_code(&bundles))
}

/// 0 when every member parsed and no input problem was reported, else 1.
pub fn exit_code(bundles: &[Bundle]) -> u8 {
    if bundles.iter().all(Bundle::all_ok) {
        0
    } else {
        1
    }
}

/// The JSON lines of `inspect --format json`, each ending in a newline.
pub fn render_json(bundles: &[Bundle]) -> String {
    let mut out = String::new();
    for b in bundles {
        for m in &b.members {
            out.push_str(&member_json(&b.label, m).to_string());
            out.push('\n');
        }
        for p in &b.problems {
            out.push_str(&problem_json(&b.label, p).to_string());
            out.push('\n');
        }
    }
    out
}

/// The JSON object for one input problem.
pub fn problem_json(bundle: &str, p: &Problem) -> Value {
    json!({
        "bundle": bundle,
        "path": p.path,
        "kind": "problem",
        "ok": false,
        "error": p.message,
    })
}

fn kind_name(kind: MemberKind) -> String {
    match serde_json::to_value(kind) {
        Ok(Value::String(s)) => s,
        _ => format!("{kind:?}").to_lowercase(),
    }
}

fn time_text(secs: i64) -> Value {
    match jiff::Timestamp::from_second(secs) {
        Ok(t) => Value::String(t.to_string()),
        Err(_) => Value::Null,
    }
}

fn cert_json(c: &Certificate) -> Value {
    json!({
        "subject": c.subject,
        "issuer": c.issuer,
        "serial": c.serial_hex,
        "thumbprint_sha1": c.thumbprint_sha1,
        "not_before": time_text(c.not_before),
        "not_after": time_text(c.not_after),
        "san_dns": c.san_dns,
    })
}

/// The JSON object for one member.
pub fn member_json(bundle: &str, m: &Member) -> Value {
    let mut o = Map::new();
    o.insert("bundle".into(), bundle.into());
    o.insert("path".into(), m.path.clone().into());
    o.insert("kind".into(), kind_name(m.kind).into());
    o.insert("size".into(), m.size.into());
    o.insert("ok".into(), m.content.is_ok().into());
    o.insert(
        "error".into(),
        match &m.content {
            Ok(_) => Value::Null,
            Err(e) => e.clone().into(),
        },
    );
    o.insert("warnings".into(), json!(m.warnings));
    if let Ok(p) = &m.content {
        match p {
            Parsed::Evtx(log) => {
                let i = &log.integrity;
                o.insert("records".into(), i.records.into());
                o.insert("record_errors".into(), i.record_errors.into());
                o.insert("truncated".into(), i.truncated.into());
                o.insert("providers".into(), json!(log.providers));
                o.insert("integrity".into(), json!(i));
            }
            Parsed::Certificates(certs) | Parsed::Pkcs7(certs) => {
                o.insert(
                    "certificates".into(),
                    Value::Array(certs.iter().map(cert_json).collect()),
                );
            }
            Parsed::Registry(r) => {
                o.insert("format".into(), json!(r.file.format));
                o.insert("keys".into(), r.file.keys.len().into());
                o.insert("values".into(), r.file.value_count().into());
                o.insert("problems".into(), json!(r.problems));
            }
            Parsed::Manifest(mf) => {
                let computer = mf.computer.as_ref();
                o.insert("format".into(), json!(mf.format));
                o.insert("format_version".into(), json!(mf.format_version));
                o.insert("collected_at".into(), json!(mf.collected_at));
                o.insert(
                    "computer".into(),
                    json!(computer.and_then(|c| c.fqdn.clone().or_else(|| c.netbios_name.clone()))),
                );
                o.insert(
                    "role".into(),
                    json!(mf.scom.as_ref().and_then(|s| s.role.clone())),
                );
                o.insert(
                    "scom_version".into(),
                    json!(mf.scom.as_ref().and_then(|s| s.version.clone())),
                );
            }
            Parsed::Inventory(inv) => {
                o.insert("certificates".into(), inv.certificates.len().into());
                o.insert(
                    "with_private_key".into(),
                    inv.certificates
                        .iter()
                        .filter(|c| c.has_private_key == Some(true))
                        .count()
                        .into(),
                );
            }
            Parsed::Nothing => {}
        }
    }
    Value::Object(o)
}

fn size_text(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let f = n as f64;
    if n < 1024 {
        format!("{n} B")
    } else if f < KIB * KIB {
        format!("{:.1} KiB", f / KIB)
    } else {
        format!("{:.1} MiB", f / (KIB * KIB))
    }
}

fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

fn certs_summary(certs: &[Certificate]) -> String {
    let shown: Vec<&str> = certs.iter().take(3).map(|c| c.subject.as_str()).collect();
    let mut s = format!(
        "{}: {}",
        plural(certs.len() as u64, "certificate", "certificates"),
        shown.join("; ")
    );
    if certs.len() > 3 {
        s.push_str(&format!("; +{} more", certs.len() - 3));
    }
    s
}

/// The one-line summary of a member in the text table.
pub fn member_summary(m: &Member) -> String {
    let mut s = content_summary(m);
    for w in &m.warnings {
        s.push_str("; warning: ");
        s.push_str(w);
    }
    s
}

/// The summary of a member's parsed content (without warnings).
fn content_summary(m: &Member) -> String {
    let p = match &m.content {
        Err(e) => return e.clone(),
        Ok(p) => p,
    };
    match p {
        Parsed::Evtx(log) => {
            let i = &log.integrity;
            let mut s = format!(
                "{}, {}",
                plural(i.records, "record", "records"),
                plural(i.record_errors, "record error", "record errors")
            );
            if i.truncated {
                s.push_str(", truncated");
            }
            if i.dirty {
                s.push_str(", dirty");
            }
            if !i.header_checksum_ok {
                s.push_str(", bad header checksum");
            }
            if !i.bad_checksum_chunks.is_empty() {
                s.push_str(&format!(
                    ", {}",
                    plural(
                        i.bad_checksum_chunks.len() as u64,
                        "bad chunk",
                        "bad chunks"
                    )
                ));
            }
            let mut providers: Vec<(&String, &u64)> = log.providers.iter().collect();
            providers.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            if !providers.is_empty() {
                let top: Vec<String> = providers
                    .iter()
                    .take(3)
                    .map(|(name, n)| {
                        if name.is_empty() {
                            format!("(no provider) {n}")
                        } else {
                            format!("{name} {n}")
                        }
                    })
                    .collect();
                s.push_str("; ");
                s.push_str(&top.join(", "));
                if providers.len() > 3 {
                    s.push_str(&format!(", +{} more providers", providers.len() - 3));
                }
            }
            s
        }
        Parsed::Certificates(c) | Parsed::Pkcs7(c) => certs_summary(c),
        Parsed::Registry(r) => {
            let mut s = format!(
                "{}, {}",
                plural(r.file.keys.len() as u64, "key", "keys"),
                plural(r.file.value_count() as u64, "value", "values")
            );
            if !r.problems.is_empty() {
                s.push_str(&format!(
                    ", {} skipped",
                    plural(r.problems.len() as u64, "line", "lines")
                ));
            }
            s
        }
        Parsed::Manifest(mf) => {
            let mut parts: Vec<String> = Vec::new();
            if let Some(c) = &mf.computer {
                if let Some(n) = c.fqdn.clone().or_else(|| c.netbios_name.clone()) {
                    parts.push(n);
                }
            }
            if let Some(s) = &mf.scom {
                let role = s.role.clone().unwrap_or_default();
                let version = s.version.clone().unwrap_or_default();
                let rv = format!("{role} {version}").trim().to_string();
                if !rv.is_empty() {
                    parts.push(rv);
                }
            }
            if let Some(t) = &mf.collected_at {
                parts.push(format!("collected {t}"));
            }
            parts.join(", ")
        }
        Parsed::Inventory(inv) => format!(
            "{}, {} with a private key",
            plural(inv.certificates.len() as u64, "certificate", "certificates"),
            inv.certificates
                .iter()
                .filter(|c| c.has_private_key == Some(true))
                .count()
        ),
        Parsed::Nothing => match m.kind {
            MemberKind::Mta => "locale metadata for the matching EVTX".into(),
            MemberKind::Text => "text for people".into(),
            _ => String::new(),
        },
    }
}

/// The text output of `inspect`: one table per bundle, then its problems.
pub fn render_text(bundles: &[Bundle]) -> String {
    let mut out = String::new();
    for (n, b) in bundles.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let errors = b.members.iter().filter(|m| m.content.is_err()).count();
        out.push_str(&format!(
            "== {} ({}, {}, {})\n",
            b.label,
            plural(b.members.len() as u64, "member", "members"),
            plural(errors as u64, "error", "errors"),
            plural(b.problems.len() as u64, "problem", "problems"),
        ));
        let rows: Vec<[String; 5]> = b
            .members
            .iter()
            .map(|m| {
                [
                    m.path.clone(),
                    kind_name(m.kind),
                    size_text(m.size),
                    if m.content.is_ok() { "ok" } else { "error" }.to_string(),
                    member_summary(m),
                ]
            })
            .collect();
        if !rows.is_empty() {
            let head = ["PATH", "KIND", "SIZE", "STATUS", "SUMMARY"].map(String::from);
            let mut w = [0usize; 4];
            for r in std::iter::once(&head).chain(rows.iter()) {
                for (i, wi) in w.iter_mut().enumerate() {
                    *wi = (*wi).max(r[i].chars().count());
                }
            }
            for r in std::iter::once(&head).chain(rows.iter()) {
                let line = format!(
                    "{:<w0$}  {:<w1$}  {:>w2$}  {:<w3$}  {}",
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    w0 = w[0],
                    w1 = w[1],
                    w2 = w[2],
                    w3 = w[3]
                );
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        if !b.problems.is_empty() {
            out.push_str("problems:\n");
            for p in &b.problems {
                out.push_str(&format!("  {}: {}\n", p.path, p.message));
            }
        }
    }
    out
}
