//! HTML rendering: one self-contained page (inline CSS, inline SVG, no script, no external URL)
//! with the verdict, the findings (evidence and explained events collapsible with `<details>`),
//! fixes, checks not run, input problems, and per machine an inline-SVG timeline drawn from
//! [`super::timeline::TimelineOut`]: certificate validity window, collection time, Health Service
//! starts coloured by their load outcome, and rows of event counts per time bucket (failures by
//! kind, approval requests, connection successes).

use super::markdown::load_words;
use super::status::Status;
use super::timeline::{RowClass, TimelineOut, BUCKETS};
use super::{source_text, MachineOut, Report};
use crate::facts::timeline::LoadOutcome;
use crate::finding::Nature;
use std::fmt::Write;
use std::io;

/// Escape text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ccd;padding-bottom:.2rem}
.verdict{font-size:1.15rem;font-weight:600}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ccd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.st{font-weight:700;white-space:nowrap}.FAILING{color:#b00020}.AT_RISK{color:#a05a00}.HEALTHY{color:#1b7f3b}.NOT_DIAGNOSED{color:#666}
.finding{border:1px solid #ccd;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
.finding h3{margin:.2rem 0}.conf{font-weight:400;color:#555}
details{margin:.4rem 0}summary{cursor:pointer;font-weight:600}
pre{background:#f3f4f6;padding:.5rem;overflow-x:auto}code{font-family:ui-monospace,Consolas,monospace}
.tag{font-size:.8rem;padding:0 .3rem;border-radius:3px;background:#e8eaf0}.inference{background:#fff0c8}
.src{color:#555;font-size:.9rem}
figure{margin:1rem 0}figcaption{font-size:.85rem;color:#444}
";

/// Write the report as one HTML page.
pub fn write(r: &Report, out: &mut impl io::Write) -> io::Result<()> {
    out.write_all(render(r).as_bytes())
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Failing => "FAILING",
        Status::AtRisk => "AT_RISK",
        Status::Healthy => "HEALTHY",
        Status::NotDiagnosed => "NOT_DIAGNOSED",
    }
}

/// The report as one HTML page.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>scomtriage report</title>\n<style>{STYLE}</style>\n</head>\n<body>"
    );
    let _ = writeln!(o, "<h1>scomtriage report</h1>");
    let _ = writeln!(
        o,
        "<p class=\"verdict\" id=\"verdict\">{}</p>",
        esc(&r.verdict)
    );
    if r.redacted {
        let _ = writeln!(
            o,
            "<p><em>Redacted: names, addresses, serials and thumbprints are pseudonyms.</em></p>"
        );
    }
    let _ = writeln!(
        o,
        "<p class=\"src\">{} {} · report format {} · schema {}</p>",
        esc(r.tool.name),
        esc(r.tool.version),
        r.tool.report_format,
        esc(r.schema_version)
    );
    if !r.machine_verdicts.is_empty() {
        let _ = writeln!(
            o,
            "<table class=\"machines\"><thead><tr><th>Machine</th><th>Status</th><th>Top cause</th><th>Why</th><th>First fix</th></tr></thead><tbody>"
        );
        for v in &r.machine_verdicts {
            let _ = writeln!(
                o,
                "<tr><td>{}{}</td><td class=\"st {}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&v.machine),
                if v.in_case { "" } else { " <em>(not in the case)</em>" },
                status_class(v.status),
                v.status.label(),
                v.cause
                    .map(|c| format!("<code>{c}</code> ({})", v.confidence.unwrap_or("")))
                    .unwrap_or_default(),
                esc(v.title.as_deref().unwrap_or(&v.reason)),
                v.first_fix
                    .as_deref()
                    .map(|c| format!(
                        "{}<code>{}</code>",
                        v.first_fix_on
                            .as_deref()
                            .filter(|m| *m != v.machine)
                            .map(|m| format!("on {}: ", esc(m)))
                            .unwrap_or_default(),
                        esc(c)
                    ))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }
    let _ = writeln!(o, "<h2>Findings</h2>");
    if r.findings.is_empty() {
        let _ = writeln!(o, "<p>No finding.</p>");
    }
    for f in &r.findings {
        let _ = writeln!(o, "<section class=\"finding\" id=\"{}\">", esc(&f.id));
        let _ = writeln!(
            o,
            "<h3>{}. <code>{}</code> on {} <span class=\"conf\">{} confidence, score {}</span></h3>",
            f.rank,
            f.cause,
            esc(&f.machine),
            f.confidence,
            f.score
        );
        let _ = writeln!(
            o,
            "<p class=\"title\"><strong>{}</strong></p>",
            esc(&f.title)
        );
        if !f.summary.is_empty() {
            let _ = writeln!(o, "<p>{}</p>", esc(&f.summary));
        }
        if let Some(c) = f.covered_by {
            let _ = writeln!(o, "<p>Covered by the more specific <code>{c}</code>.</p>");
        }
        let _ = writeln!(
            o,
            "<details><summary>Evidence ({})</summary><ul>",
            f.evidence.len()
        );
        for e in &f.evidence {
            let (cls, tag) = match e.nature {
                Nature::Observed => ("tag", "observed"),
                Nature::Inference => ("tag inference", "inference"),
            };
            let _ = writeln!(
                o,
                "<li><span class=\"{cls}\">{tag}</span> {} <div class=\"src\">{}</div></li>",
                esc(&e.text),
                esc(&source_text(&e.source))
            );
        }
        let _ = writeln!(o, "</ul></details>");
        if f.explains.total > 0 {
            let _ = writeln!(
                o,
                "<details><summary>Explains {} failure event(s)</summary><table><thead><tr><th>Machine</th><th>Event</th><th>Count</th><th>First</th><th>Last</th></tr></thead><tbody>",
                f.explains.total
            );
            for g in &f.explains.groups {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&g.machine),
                    esc(&g.provider),
                    g.event_id,
                    g.count,
                    esc(&g.first),
                    esc(&g.last)
                );
            }
            let _ = writeln!(o, "</tbody></table></details>");
        }
        if !f.remediation.is_empty() {
            let _ = writeln!(o, "<h4>Fix</h4><ol>");
            for s in &f.remediation {
                let _ = write!(o, "<li>On {}: {}", esc(&s.on), esc(&s.text));
                if let Some(c) = &s.command {
                    let _ = write!(o, "<pre><code>{}</code></pre>", esc(c));
                    if let Some(n) = super::step_notes(s) {
                        let _ = write!(o, "<p class=\"note\">{}</p>", esc(&n));
                    }
                }
                let _ = writeln!(o, "</li>");
            }
            let _ = writeln!(o, "</ol>");
        }
        if !f.cannot_see.is_empty() {
            let _ = writeln!(o, "<details><summary>Cannot see</summary><ul>");
            for c in &f.cannot_see {
                let _ = writeln!(o, "<li>{}</li>", esc(c));
            }
            let _ = writeln!(o, "</ul></details>");
        }
        let _ = writeln!(o, "</section>");
    }
    if !r.machines.is_empty() {
        let _ = writeln!(o, "<h2>Timelines</h2>");
        for m in &r.machines {
            machine_timeline(&mut o, m);
        }
    }
    if !r.unexplained_events.is_empty() {
        let _ = writeln!(o, "<h2>Failure events no finding explains</h2><ul>");
        for u in &r.unexplained_events {
            let _ = writeln!(
                o,
                "<li>{}: {} {} ×{} ({} to {}{}): {}</li>",
                esc(&u.machine),
                esc(&u.provider),
                u.event_id,
                u.count,
                esc(&u.first),
                esc(&u.last),
                if u.current { ", current run" } else { "" },
                esc(&u.meaning)
            );
        }
        let _ = writeln!(o, "</ul>");
    }
    if !r.checks_not_run.is_empty() {
        let _ = writeln!(o, "<h2>Checks not run</h2><ul>");
        for c in &r.checks_not_run {
            let _ = writeln!(
                o,
                "<li>{}: {}, needs {}. <span class=\"src\">{}</span></li>",
                esc(&c.machine),
                esc(&c.check),
                esc(&c.missing_input),
                esc(&c.why)
            );
        }
        let _ = writeln!(o, "</ul>");
    }
    if !r.input_problems.is_empty() {
        let _ = writeln!(o, "<h2>Input problems</h2><ul>");
        for p in &r.input_problems {
            let _ = writeln!(o, "<li>{}: {}</li>", esc(&p.input), esc(&p.message));
        }
        let _ = writeln!(o, "</ul>");
    }
    let _ = writeln!(o, "<h2>Notes</h2><ul>");
    for n in &r.notes {
        let _ = writeln!(o, "<li>{}</li>", esc(n));
    }
    let _ = writeln!(o, "</ul>\n</body>\n</html>");
    o
}

const WIDTH: f64 = 960.0;
const LABEL_W: f64 = 230.0;
const RIGHT: f64 = 940.0;
const ROW_H: f64 = 26.0;

fn load_colour(l: LoadOutcome) -> &'static str {
    match l {
        LoadOutcome::Loaded => "#1b7f3b",
        LoadOutcome::Failed => "#b00020",
        LoadOutcome::NoCertificate => "#d07000",
        LoadOutcome::NotLogged => "#888888",
    }
}

fn row_colour(c: RowClass) -> &'static str {
    match c {
        RowClass::Failure => "#c62828",
        RowClass::Approval => "#e08a00",
        RowClass::Connection => "#2e7d32",
    }
}

fn machine_timeline(o: &mut String, m: &MachineOut) {
    let t: &TimelineOut = &m.timeline;
    let _ = writeln!(
        o,
        "<figure class=\"timeline\"><h3>{} <span class=\"st {}\">{}</span></h3>",
        esc(&m.fqdn),
        status_class(m.status),
        m.status.label()
    );
    let (Some(from), Some(to)) = (&t.from, &t.to) else {
        let _ = writeln!(
            o,
            "<p>No timed data (no event log and no collection time).</p></figure>"
        );
        return;
    };
    let span = (to.secs - from.secs).max(1) as f64;
    let x = |secs: i64| -> f64 {
        let f = (secs - from.secs) as f64 / span;
        LABEL_W + f.clamp(0.0, 1.0) * (RIGHT - LABEL_W)
    };
    let rows = 2 + t.rows.len();
    let top = 30.0;
    let height = top + rows as f64 * ROW_H + 30.0;
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"timeline of {}\" font-family=\"sans-serif\" font-size=\"12\">",
        esc(&m.fqdn)
    );
    let _ = writeln!(
        o,
        "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    // Axis: five ticks with their times.
    let axis_y = top - 8.0;
    let _ = writeln!(
        o,
        "<line x1=\"{LABEL_W}\" y1=\"{axis_y}\" x2=\"{RIGHT}\" y2=\"{axis_y}\" stroke=\"#999\"/>"
    );
    for k in 0..5 {
        let secs = from.secs + (to.secs - from.secs) * k / 4;
        let xx = x(secs);
        let label = crate::facts::time::fmt_secs(secs);
        let anchor = match k {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        let _ = writeln!(
            o,
            "<line x1=\"{xx:.1}\" y1=\"{}\" x2=\"{xx:.1}\" y2=\"{}\" stroke=\"#eee\"/><text x=\"{xx:.1}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"#555\">{}</text>",
            axis_y,
            height - 24.0,
            axis_y - 6.0,
            esc(&label.replace('T', " ").replace('Z', ""))
        );
    }
    // Row 0: certificate validity.
    let mut y = top;
    let label = |o: &mut String, y: f64, text: &str| {
        let _ = writeln!(
            o,
            "<text x=\"4\" y=\"{:.1}\" fill=\"#222\">{}</text>",
            y + ROW_H / 2.0 + 4.0,
            esc(text)
        );
    };
    label(o, y, "certificate validity");
    match (&t.valid_from, &t.valid_to) {
        (Some(a), Some(b)) => {
            let (xa, xb) = (x(a.secs), x(b.secs));
            if xb > xa {
                let _ = writeln!(
                    o,
                    "<rect x=\"{xa:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#a5d6a7\"><title>valid {} to {}</title></rect>",
                    y + 6.0,
                    xb - xa,
                    ROW_H - 12.0,
                    esc(&a.time),
                    esc(&b.time)
                );
            }
            for (p, what) in [(a, "valid from"), (b, "valid to")] {
                if p.secs >= from.secs && p.secs <= to.secs {
                    let xp = x(p.secs);
                    let _ = writeln!(
                        o,
                        "<line x1=\"{xp:.1}\" y1=\"{top}\" x2=\"{xp:.1}\" y2=\"{:.1}\" stroke=\"#6a1b9a\" stroke-width=\"2\"><title>{what} {}</title></line>",
                        top + rows as f64 * ROW_H,
                        esc(&p.time)
                    );
                }
            }
            if b.secs < from.secs {
                let _ = writeln!(
                    o,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#b00020\">expired {} (before this span)</text>",
                    LABEL_W + 4.0,
                    y + ROW_H / 2.0 + 4.0,
                    esc(&b.time)
                );
            } else if a.secs > to.secs {
                let _ = writeln!(
                    o,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#b00020\">not valid until {}</text>",
                    LABEL_W + 4.0,
                    y + ROW_H / 2.0 + 4.0,
                    esc(&a.time)
                );
            }
        }
        _ => {
            let _ = writeln!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#666\">no channel certificate identified</text>",
                LABEL_W + 4.0,
                y + ROW_H / 2.0 + 4.0
            );
        }
    }
    // Row 1: Health Service starts, coloured by load outcome.
    y += ROW_H;
    label(o, y, "Health Service starts (load)");
    for s in &t.starts {
        let xs = x(s.at.secs);
        let colour = load_colour(s.load);
        let (fill, dash) = if s.inferred {
            ("#ffffff", " stroke-dasharray=\"2 2\"")
        } else {
            (colour, "")
        };
        let _ = writeln!(
            o,
            "<circle cx=\"{xs:.1}\" cy=\"{:.1}\" r=\"6\" fill=\"{fill}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}><title>start {}{}: certificate {}</title></circle>",
            y + ROW_H / 2.0,
            esc(&s.at.time),
            if s.inferred { " (inferred)" } else { "" },
            load_words(s.load)
        );
    }
    // Rows of counts per bucket.
    let bw = (RIGHT - LABEL_W) / BUCKETS as f64;
    for row in &t.rows {
        y += ROW_H;
        let ids: Vec<String> = row.event_ids.iter().map(|i| i.to_string()).collect();
        label(o, y, &format!("{} ({})", row.label, ids.join(", ")));
        let max = row.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
        for (k, &n) in row.counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let h = 3.0 + (ROW_H - 9.0) * (n as f64 / max);
            let bx = LABEL_W + k as f64 * bw;
            let bucket_start = from.secs + t.bucket_secs * k as i64;
            let _ = writeln!(
                o,
                "<rect x=\"{bx:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{n} event(s) from {}</title></rect>",
                y + ROW_H - 3.0 - h,
                (bw - 1.0).max(1.0),
                row_colour(row.class),
                esc(&crate::facts::time::fmt_secs(bucket_start))
            );
        }
    }
    // Collection time across every row.
    if let Some(c) = &t.collected {
        let xc = x(c.secs);
        let bottom = top + rows as f64 * ROW_H;
        let _ = writeln!(
            o,
            "<line x1=\"{xc:.1}\" y1=\"{top}\" x2=\"{xc:.1}\" y2=\"{bottom:.1}\" stroke=\"#1565c0\" stroke-width=\"2\" stroke-dasharray=\"5 3\"><title>collected {}</title></line><text x=\"{xc:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#1565c0\">collected</text>",
            esc(&c.time),
            bottom + 14.0
        );
    }
    let _ = writeln!(o, "</svg>");
    let _ = writeln!(
        o,
        "<figcaption>Span {} to {}, {} s per bar. Starts: filled green = certificate loaded, red = load failed, orange = no certificate configured, grey = not logged, hollow = start inferred. Bars: red = failure events by kind, orange = not approved, green = channel up or configuration received. Purple line: validity boundary; dashed blue: collection time.</figcaption></figure>",
        esc(&from.time),
        esc(&to.time),
        t.bucket_secs
    );
}
