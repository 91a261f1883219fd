//! Text and JSON renderings of a [`CertReport`]; nothing is computed here.

use super::{CertReport, LeafResult, Verdict};

/// The report as one pretty-printed JSON object and a newline.
pub fn json(report: &CertReport) -> String {
    match serde_json::to_string_pretty(report) {
        Ok(s) => s + "\n",
        // Serialising plain strings, numbers and enums cannot fail; keep a valid object anyway.
        Err(e) => format!("{{\"error\": {:?}}}\n", e.to_string()),
    }
}

fn label(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Warn => "WARN",
        Verdict::Unknown => "UNKNOWN",
    }
}

fn leaf_text(r: &LeafResult, out: &mut String) {
    let l = &r.leaf;
    out.push_str(&format!("certificate \"{}\"\n", l.subject));
    out.push_str(&format!("  from:       {}\n", l.source));
    out.push_str(&format!("  selected:   {}\n", l.selected_because));
    out.push_str(&format!(
        "  issuer:     \"{}\"\n  thumbprint: {}\n  serial:     {}\n",
        l.issuer, l.thumbprint, l.serial
    ));
    out.push('\n');
    for c in &r.checks {
        out.push_str(&format!(
            "  {:<8} {:<10} {}\n",
            label(c.verdict),
            c.id,
            c.detail
        ));
    }
    out.push_str("\n  chain (leaf first):\n");
    for (i, e) in r.chain.iter().enumerate() {
        out.push_str(&format!(
            "    {}. \"{}\"  {}  [{}]\n",
            i + 1,
            e.subject,
            e.thumbprint,
            e.source
        ));
    }
    match &r.first_broken_link {
        Some(b) => out.push_str(&format!("  first broken link: {}\n", b.message)),
        None => out.push_str("  first broken link: none (reaches a trust anchor)\n"),
    }
    let failed: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| c.id)
        .collect();
    let open: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Warn | Verdict::Unknown))
        .map(|c| c.id)
        .collect();
    let verdict = if failed.is_empty() {
        format!(
            "SCOM would accept this certificate as far as a file can tell{}",
            if open.is_empty() {
                String::new()
            } else {
                format!(" (look at: {})", open.join(", "))
            }
        )
    } else {
        format!("SCOM would NOT accept it (failed: {})", failed.join(", "))
    };
    out.push_str(&format!("  verdict: {verdict}\n"));
}

/// The report for a terminal.
pub fn text(report: &CertReport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "judged at {} ({})\n",
        report.at,
        if report.clock == "given" {
            "--at"
        } else {
            "the analyzer's clock: no --at given"
        }
    ));
    out.push_str(&format!(
        "trust anchors: {}\n\n",
        match report.trust_anchors {
            "given" => "the roots given with --trust",
            "none" => "none (no --trust given and no root inside the files)",
            _ => "none given (--trust): the roots inside the files are used",
        }
    ));
    for (i, r) in report.results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        leaf_text(r, &mut out);
    }
    if report.results.len() > 1 {
        let ok = report.results.iter().filter(|r| r.ok).count();
        out.push_str(&format!(
            "\n{} end-entity certificates: {ok} acceptable, {} not\n",
            report.results.len(),
            report.results.len() - ok
        ));
    }
    out
}
