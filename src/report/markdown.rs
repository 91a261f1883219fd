//! Markdown rendering for a ticket (CommonMark with GitHub/Azure DevOps pipe tables): the verdict
//! line and a table of machines, the ranked findings as a table, then per finding its evidence
//! as a list with sources, the events it explains, and numbered fix steps with the exact
//! commands in fenced code blocks; failure events nothing explains, checks not run, input
//! problems and notes.

use super::{source_text, Report};
use crate::facts::timeline::LoadOutcome;
use crate::finding::Nature;
use std::fmt::Write;
use std::io;

/// The load outcome of a run in words (shared by the renderers).
pub fn load_words(l: LoadOutcome) -> &'static str {
    match l {
        LoadOutcome::Loaded => "loaded",
        LoadOutcome::Failed => "failed",
        LoadOutcome::NoCertificate => "no certificate configured",
        LoadOutcome::NotLogged => "not logged",
    }
}

/// Escape text for inline Markdown (backslash before every ASCII punctuation CommonMark may
/// read as markup).
pub fn inline(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '~' | '&' => {
                o.push('\\');
                o.push(c);
            }
            '\n' | '\r' => o.push(' '),
            _ => o.push(c),
        }
    }
    o
}

/// A fenced code block whose fence is longer than any backtick run in `code`.
fn code_block(o: &mut String, indent: &str, code: &str) {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(o, "{indent}{fence}powershell");
    for line in code.lines() {
        let _ = writeln!(o, "{indent}{line}");
    }
    let _ = writeln!(o, "{indent}{fence}");
}

/// Write the report as Markdown.
pub fn write(r: &Report, out: &mut impl io::Write) -> io::Result<()> {
    out.write_all(render(r).as_bytes())
}

/// The report as Markdown.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# scomtriage report");
    let _ = writeln!(o);
    let _ = writeln!(o, "**Verdict:** {}", inline(&r.verdict));
    if r.redacted {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "*Redacted: names, addresses, serials and thumbprints are pseudonyms.*"
        );
    }
    let _ = writeln!(o);
    if !r.machine_verdicts.is_empty() {
        let _ = writeln!(o, "| Machine | Status | Top cause | Confidence | Why |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        for v in &r.machine_verdicts {
            let _ = writeln!(
                o,
                "| {}{} | **{}** | {} | {} | {} |",
                inline(&v.machine),
                if v.in_case { "" } else { " (not in the case)" },
                v.status.label(),
                v.cause.map(|c| format!("`{c}`")).unwrap_or_default(),
                v.confidence.unwrap_or(""),
                inline(v.title.as_deref().unwrap_or(&v.reason)),
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "## Findings");
    let _ = writeln!(o);
    if r.findings.is_empty() {
        let _ = writeln!(o, "No finding.");
        let _ = writeln!(o);
    } else {
        let _ = writeln!(
            o,
            "| # | Cause | Machine | Confidence | Score | Title | Id |"
        );
        let _ = writeln!(o, "|---:|---|---|---|---:|---|---|");
        for f in &r.findings {
            let _ = writeln!(
                o,
                "| {} | `{}` | {} | {} | {} | {} | `{}` |",
                f.rank,
                f.cause,
                inline(&f.machine),
                f.confidence,
                f.score,
                inline(&f.title),
                f.id
            );
        }
        let _ = writeln!(o);
    }
    for f in &r.findings {
        let _ = writeln!(
            o,
            "### {}. `{}` on {} ({}, {})",
            f.rank,
            f.cause,
            inline(&f.machine),
            f.confidence,
            f.score
        );
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", inline(&f.title));
        let _ = writeln!(o);
        if !f.summary.is_empty() {
            let _ = writeln!(o, "{}", inline(&f.summary));
            let _ = writeln!(o);
        }
        if let Some(c) = f.covered_by {
            let _ = writeln!(o, "Covered by the more specific `{c}`.");
            let _ = writeln!(o);
        }
        if !f.also_covers.is_empty() {
            let covers: Vec<String> = f.also_covers.iter().map(|c| format!("`{c}`")).collect();
            let _ = writeln!(o, "Covers {} (reported too).", covers.join(", "));
            let _ = writeln!(o);
        }
        let _ = writeln!(o, "**Evidence**");
        let _ = writeln!(o);
        for e in &f.evidence {
            let tag = match e.nature {
                Nature::Observed => "observed",
                Nature::Inference => "inference",
            };
            let _ = writeln!(
                o,
                "- *{tag}*: {} (source: {})",
                inline(&e.text),
                inline(&source_text(&e.source))
            );
        }
        let _ = writeln!(o);
        if f.explains.total > 0 {
            let groups: Vec<String> = f
                .explains
                .groups
                .iter()
                .map(|g| {
                    format!(
                        "{} {} ×{} ({} to {})",
                        inline(&g.machine),
                        g.event_id,
                        g.count,
                        g.first,
                        g.last
                    )
                })
                .collect();
            let _ = writeln!(
                o,
                "**Explains** {} event(s): {}",
                f.explains.total,
                groups.join("; ")
            );
            let _ = writeln!(o);
        }
        if !f.remediation.is_empty() {
            let _ = writeln!(o, "**Fix**");
            let _ = writeln!(o);
            for (k, s) in f.remediation.iter().enumerate() {
                let _ = writeln!(o, "{}. On {}: {}", k + 1, inline(&s.on), inline(&s.text));
                if let Some(c) = &s.command {
                    let _ = writeln!(o);
                    code_block(&mut o, "   ", c);
                    if let Some(n) = super::step_notes(s) {
                        let _ = writeln!(o);
                        let _ = writeln!(o, "   _({})_", inline(&n));
                    }
                }
            }
            let _ = writeln!(o);
        }
        if !f.cannot_see.is_empty() {
            let _ = writeln!(o, "**Cannot see**");
            let _ = writeln!(o);
            for c in &f.cannot_see {
                let _ = writeln!(o, "- {}", inline(c));
            }
            let _ = writeln!(o);
        }
    }
    if !r.unexplained_events.is_empty() {
        let _ = writeln!(o, "## Failure events no finding explains");
        let _ = writeln!(o);
        for u in &r.unexplained_events {
            let _ = writeln!(
                o,
                "- {}: {} {} ×{} ({} to {}{}): {}",
                inline(&u.machine),
                inline(&u.provider),
                u.event_id,
                u.count,
                u.first,
                u.last,
                if u.current { ", current run" } else { "" },
                inline(&u.meaning)
            );
        }
        let _ = writeln!(o);
    }
    if !r.checks_not_run.is_empty() {
        let _ = writeln!(o, "## Checks not run");
        let _ = writeln!(o);
        for c in &r.checks_not_run {
            let _ = writeln!(
                o,
                "- {}: {}, needs {}. {}",
                inline(&c.machine),
                inline(&c.check),
                inline(&c.missing_input),
                inline(&c.why)
            );
        }
        let _ = writeln!(o);
    }
    if !r.input_problems.is_empty() {
        let _ = writeln!(o, "## Input problems");
        let _ = writeln!(o);
        for p in &r.input_problems {
            let _ = writeln!(o, "- {}: {}", inline(&p.input), inline(&p.message));
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "## Notes");
    let _ = writeln!(o);
    for n in &r.notes {
        let _ = writeln!(o, "- {}", inline(n));
    }
    o
}
