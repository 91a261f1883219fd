//! Text rendering for a terminal.

use super::{source_text, Report};
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

/// Write the report for a terminal.
pub fn write(r: &Report, out: &mut impl std::io::Write) -> std::io::Result<()> {
    out.write_all(render(r).as_bytes())
}

/// The report for a terminal, as text.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "scomtriage analyze — {} machine(s)", r.machines.len());
    let _ = writeln!(o);
    if r.machines.is_empty() {
        let _ = writeln!(o, "No machine could be read from the input.");
    }
    for m in &r.machines {
        let _ = writeln!(
            o,
            "{}  [{}{}]",
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
                "    last Health Service start: {}{} — certificate load: {:?}",
                e.start,
                if e.inferred { " (inferred)" } else { "" },
                e.load
            );
        }
        if !r.findings.iter().any(|f| f.machine == m.fqdn) {
            for w in &m.working {
                let _ = writeln!(o, "    working: {w}");
            }
        }
    }
    let _ = writeln!(o);
    if r.findings.is_empty() {
        let _ = writeln!(o, "No finding.");
    } else {
        let _ = writeln!(o, "Findings, most likely first");
    }
    for f in &r.findings {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:>2}. [{} {}] {}  —  {}",
            f.rank, f.confidence, f.score, f.cause, f.machine
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
        for e in &f.evidence {
            let tag = match e.nature {
                Nature::Observed => "observed",
                Nature::Inference => "inference",
            };
            wrap(&mut o, "      - ", &format!("({tag}) {}", e.text), 100);
            wrap(&mut o, "        source: ", &source_text(&e.source), 100);
        }
        if !f.explains.is_empty() {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for e in &f.explains {
                let k = format!("{} {}", e.machine, e.event_id);
                match counts.iter_mut().find(|(x, _)| *x == k) {
                    Some(c) => c.1 += 1,
                    None => counts.push((k, 1)),
                }
            }
            let list: Vec<String> = counts.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
            wrap(
                &mut o,
                "    ",
                &format!(
                    "Explains {} event(s): {}",
                    f.explains.len(),
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
                    let _ = writeln!(o, "         > {c}");
                    let mut notes: Vec<String> = Vec::new();
                    if s.template {
                        notes.push(format!("template: fill in {}", s.placeholders.join(", ")));
                    }
                    if s.elevated {
                        notes.push("run in an elevated (administrator) prompt".into());
                    }
                    if !notes.is_empty() {
                        let _ = writeln!(o, "           ({})", notes.join("; "));
                    }
                }
            }
        }
        for c in &f.cannot_see {
            wrap(&mut o, "    ", &format!("Cannot see: {c}"), 100);
        }
    }
    if !r.unexplained_events.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Failure events no finding explains");
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
    if !r.expected_events.is_empty() {
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
        let _ = writeln!(o, "Checks not run");
        for c in &r.checks_not_run {
            wrap(
                &mut o,
                "  - ",
                &format!("{}: {} — needs {}", c.machine, c.check, c.missing_input),
                100,
            );
            wrap(&mut o, "      ", &c.why, 100);
        }
    }
    if !r.input_problems.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Input problems");
        for p in &r.input_problems {
            wrap(&mut o, "  - ", &format!("{}: {}", p.input, p.message), 100);
        }
    }
    let _ = writeln!(o);
    for n in &r.notes {
        wrap(&mut o, "Note: ", n, 100);
    }
    o
}
