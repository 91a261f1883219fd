//! Text rendering for a terminal: the verdict first (one block per machine: status, top cause,
//! confidence, title, first fix), then the findings with their fixes; full evidence, findings a
//! more specific one covers, machine details and the general notes only with `verbose`. ANSI
//! colours only when [`RenderOptions::color`] says so (the binary decides).

use super::status::Status;
use super::{source_text, RenderOptions, Report};
use crate::finding::Nature;
use std::fmt::Write;

/// Word-wrap `text` to `width` columns: `first` before the first line, spaces of the same width
/// before the others.
fn wrap(out: &mut String, first: &str, text: &str, width: usize) {
    let pad = " ".repeat(first.chars().count());
    let mut indent: &str = first;
    let mut line = String::new();
    for w in text.split_whitespace() {
        if !line.is_empty() && indent.chars().count() + line.len() + 1 + w.len() > width {
            let _ = writeln!(out, "{indent}{line}");
            indent = &pad;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
}

/// ANSI styling, or none.
struct Style(bool);

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn status(&self, st: Status) -> String {
        let label = format!("{:<13}", st.label());
        match st {
            Status::Failing => self.paint("1;31", &label),
            Status::AtRisk => self.paint("1;33", &label),
            Status::Healthy => self.paint("1;32", &label),
            Status::NotDiagnosed => self.paint("2", &label),
        }
    }
    fn command(&self, s: &str) -> String {
        self.paint("36", s)
    }
}

/// Evidence shown per finding without `verbose`.
const BRIEF_EVIDENCE: usize = 3;

/// Write the report for a terminal.
pub fn write(
    r: &Report,
    options: &RenderOptions,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    out.write_all(render_with(r, options).as_bytes())
}

/// The report for a terminal with the default options (brief, no colour).
pub fn render(r: &Report) -> String {
    render_with(r, &RenderOptions::default())
}

fn machine_details(o: &mut String, r: &Report) {
    let _ = writeln!(o);
    let _ = writeln!(o, "Machines");
    for m in &r.machines {
        let _ = writeln!(
            o,
            "  {}  [{}{}]",
            m.fqdn,
            m.role.replace('_', " "),
            m.version
                .as_deref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default()
        );
        if let Some(t) = &m.collected_at {
            let _ = writeln!(
                o,
                "    collected {t} ({})",
                m.collected_at_source.clone().unwrap_or_default()
            );
        }
        for d in &m.identity_disagreements {
            let _ = writeln!(o, "    identity disagreement: {d}");
        }
        match &m.channel_certificate {
            Some(c) => {
                let _ = writeln!(
                    o,
                    "    certificate: {} (SCOM name {}), serial {}, valid {} to {}",
                    c.subject,
                    c.scom_name.as_deref().unwrap_or("none"),
                    c.serial,
                    c.not_before,
                    c.not_after
                );
                let _ = writeln!(o, "      {}", c.selection);
                let eku = match &c.eku {
                    None => "no EKU extension (any purpose)".to_string(),
                    Some(list) => list
                        .iter()
                        .map(|o| match o.as_str() {
                            "1.3.6.1.5.5.7.3.1" => "Server Authentication".to_string(),
                            "1.3.6.1.5.5.7.3.2" => "Client Authentication".to_string(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                let san = if c.san_dns.is_empty() {
                    "none".to_string()
                } else {
                    c.san_dns.join(", ")
                };
                let _ = writeln!(o, "      SAN DNS: {san}; EKU: {eku}");
                if let Some(v) = &c.chain_verdict {
                    let _ = writeln!(o, "      chain: {v}");
                }
            }
            None => {
                let _ = writeln!(
                    o,
                    "    certificate: {}",
                    match (&m.registry_serial_certutil, &m.registry_serial) {
                        (Some(c), Some(r)) => format!(
                            "registry serial {c} (as stored in ChannelCertificateSerialNumber: {r}) selects no exported certificate"
                        ),
                        _ => "none identified".into(),
                    }
                );
            }
        }
        if let Some(e) = m.epochs.last() {
            let _ = writeln!(
                o,
                "    last Health Service start: {}{} — certificate load: {}",
                e.start,
                if e.inferred { " (inferred)" } else { "" },
                super::markdown::load_words(e.load)
            );
        }
    }
}

/// The report for a terminal, as text.
pub fn render_with(r: &Report, options: &RenderOptions) -> String {
    let st = Style(options.color);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        st.bold(&format!("scomtriage analyze — {}", r.verdict))
    );
    if r.redacted {
        let _ = writeln!(
            o,
            "(redacted: names, addresses, serials and thumbprints are pseudonyms)"
        );
    }
    let _ = writeln!(o);
    if r.machines.is_empty() {
        let _ = writeln!(o, "No machine could be read from the input.");
    }
    for v in &r.machine_verdicts {
        let _ = writeln!(
            o,
            "{} {}{}",
            st.status(v.status),
            st.bold(&v.machine),
            if v.in_case { "" } else { "  (not in the case)" }
        );
        match (&v.cause, &v.title) {
            (Some(c), Some(t)) => {
                wrap(
                    &mut o,
                    "    ",
                    &format!("{c} ({} confidence): {t}", v.confidence.unwrap_or("")),
                    100,
                );
            }
            _ => {
                wrap(&mut o, "    ", &v.reason, 100);
                if let Some(m) = r.machines.iter().find(|m| m.fqdn == v.machine) {
                    for w in &m.working {
                        let _ = writeln!(o, "    working: {w}");
                    }
                }
            }
        }
        if let Some(fix) = &v.first_fix {
            let on = match &v.first_fix_on {
                Some(m) if *m != v.machine => format!(" (on {m})"),
                _ => String::new(),
            };
            let _ = writeln!(o, "    first fix{on}: {}", st.command(fix));
        }
    }
    if options.verbose {
        machine_details(&mut o, r);
    }
    let _ = writeln!(o);
    if r.findings.is_empty() {
        let _ = writeln!(o, "No finding.");
    } else {
        let _ = writeln!(o, "{}", st.bold("Findings, most likely first"));
    }
    let mut covered: Vec<String> = Vec::new();
    for f in &r.findings {
        if let (Some(c), false) = (f.covered_by, options.verbose) {
            covered.push(format!(
                "{} on {} ({} {}, covered by {c})",
                f.cause, f.machine, f.confidence, f.score
            ));
            continue;
        }
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:>2}. [{} {}] {}  —  {}",
            f.rank,
            f.confidence,
            f.score,
            st.bold(f.cause),
            f.machine
        );
        wrap(&mut o, "    ", &f.title, 100);
        wrap(&mut o, "    ", &f.summary, 100);
        if !f.also_covers.is_empty() {
            let _ = writeln!(
                o,
                "    covers: {} (reported below)",
                f.also_covers.join(", ")
            );
        }
        if let Some(c) = f.covered_by {
            let _ = writeln!(o, "    covered by: {c} (the more specific cause above)");
        }
        let _ = writeln!(o, "    Evidence:");
        let shown = if options.verbose {
            f.evidence.len()
        } else {
            BRIEF_EVIDENCE.min(f.evidence.len())
        };
        for e in &f.evidence[..shown] {
            let tag = match e.nature {
                Nature::Observed => "observed",
                Nature::Inference => "inference",
            };
            wrap(&mut o, "      - ", &format!("({tag}) {}", e.text), 100);
            if options.verbose {
                wrap(&mut o, "        source: ", &source_text(&e.source), 100);
            }
        }
        if shown < f.evidence.len() {
            let _ = writeln!(
                o,
                "      … {} more (--verbose shows all, with sources)",
                f.evidence.len() - shown
            );
        }
        if f.explains.total > 0 {
            let list: Vec<String> = f
                .explains
                .groups
                .iter()
                .map(|g| format!("{} {} ×{}", g.machine, g.event_id, g.count))
                .collect();
            wrap(
                &mut o,
                "    ",
                &format!(
                    "Explains {} event(s): {}",
                    f.explains.total,
                    list.join(", ")
                ),
                100,
            );
        }
        if !f.remediation.is_empty() {
            let _ = writeln!(o, "    Fix:");
            for (k, s) in f.remediation.iter().enumerate() {
                wrap(
                    &mut o,
                    &format!("      {}. ", k + 1),
                    &format!("on {}: {}", s.on, s.text),
                    100,
                );
                if let Some(c) = &s.command {
                    let _ = writeln!(o, "         > {}", st.command(c));
                    if let Some(n) = super::step_notes(s) {
                        let _ = writeln!(o, "           ({n})");
                    }
                }
            }
        }
        if options.verbose {
            for c in &f.cannot_see {
                wrap(&mut o, "    ", &format!("Cannot see: {c}"), 100);
            }
        }
    }
    if !covered.is_empty() {
        let _ = writeln!(o);
        wrap(
            &mut o,
            "",
            &format!(
                "Also found, covered by a more specific finding (--verbose shows them): {}",
                covered.join("; ")
            ),
            100,
        );
    }
    if !r.unexplained_events.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", st.bold("Failure events no finding explains"));
        for u in &r.unexplained_events {
            wrap(
                &mut o,
                "  - ",
                &format!(
                    "{}: {} {} ×{} ({} to {}{}) — {}",
                    u.machine,
                    u.provider,
                    u.event_id,
                    u.count,
                    u.first,
                    u.last,
                    if u.current { ", current run" } else { "" },
                    u.meaning
                ),
                100,
            );
        }
    }
    if options.verbose && !r.expected_events.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Error events that are expected here");
        for u in &r.expected_events {
            wrap(
                &mut o,
                "  - ",
                &format!(
                    "{}: {} {} ×{} — {}",
                    u.machine, u.provider, u.event_id, u.count, u.meaning
                ),
                100,
            );
        }
    }
    if !r.checks_not_run.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", st.bold("Checks not run"));
        for c in &r.checks_not_run {
            wrap(
                &mut o,
                "  - ",
                &format!("{}: {} — needs {}", c.machine, c.check, c.missing_input),
                100,
            );
            if options.verbose {
                wrap(&mut o, "      ", &c.why, 100);
            }
        }
    }
    if !r.input_problems.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", st.bold("Input problems"));
        for p in &r.input_problems {
            wrap(&mut o, "  - ", &format!("{}: {}", p.input, p.message), 100);
        }
    }
    if options.verbose {
        let _ = writeln!(o);
        for n in &r.notes {
            wrap(&mut o, "Note: ", n, 100);
        }
    }
    o
}
