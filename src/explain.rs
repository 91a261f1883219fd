//! `scomtriage explain ID…`: what an event id, an error code or a cause id means, from the
//! knowledge the analyzer itself uses (no second copy): the event catalogue
//! (`knowledge/catalogue.rs`), the error codes (`knowledge/error_codes.rs`), the rule table
//! (`rules/mod.rs`: each rule's kind, what it refines and the event kinds it reads) and the
//! cause sections of `docs/rules.md` (checks, evidence, fix), which a test keeps in step with the
//! rule table.

use crate::knowledge::error_codes::{self, ErrorCode};
use crate::knowledge::events::{self, EventDef, EventKind, Role};
use crate::rules::Cause;
use std::fmt::Write;
use thiserror::Error;

/// The cause documentation, compiled in.
const RULES_DOC: &str = include_str!("../docs/rules.md");

/// An id `explain` does not know.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("unknown id \"{0}\": not a catalogued event id, a known error code or a cause id (try an event id like 20071, a code like 0x80092004, or a cause like untrusted_root)")]
pub struct UnknownId(pub String);

/// The explanation of `id` as text, or [`UnknownId`].
pub fn explain(id: &str) -> Result<String, UnknownId> {
    let id_trim = id.trim();
    let mut o = String::new();
    if let Some(c) = Cause::ALL.iter().find(|c| c.id() == id_trim) {
        explain_cause(&mut o, *c);
        return Ok(o);
    }
    let mut found = false;
    if let Ok(n) = id_trim.parse::<u16>() {
        for d in events::all().iter().filter(|d| d.id == n) {
            explain_event(&mut o, d);
            found = true;
        }
    }
    if let Some(c) = lookup_code(id_trim) {
        if found {
            let _ = writeln!(o);
        }
        explain_code(&mut o, c);
        found = true;
    }
    if found {
        Ok(o)
    } else {
        Err(UnknownId(id_trim.to_string()))
    }
}

/// An error code in any printed form. Eight decimal digits are also tried as hex when they are
/// no known decimal code (`80092004` is how HRESULTs are often quoted without `0x`).
fn lookup_code(text: &str) -> Option<&'static ErrorCode> {
    error_codes::lookup_text(text).or_else(|| {
        (text.len() == 8 && text.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(text, 16).ok())
            .flatten()
            .and_then(error_codes::lookup)
    })
}

fn role_words(r: Role) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_else(|| format!("{r:?}"))
}

fn kind_words(k: EventKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_else(|| format!("{k:?}"))
}

/// The rules that read events of `kind`.
fn rules_reading(kind: EventKind) -> Vec<Cause> {
    Cause::ALL
        .iter()
        .copied()
        .filter(|c| c.rule().reads.contains(&kind))
        .collect()
}

/// The `### id` section of `docs/rules.md` (headings may name two ids: `eku / key_usage`).
fn doc_section(id: &str) -> Option<&'static str> {
    let mut rest = RULES_DOC;
    while let Some(at) = rest.find("\n### ") {
        let body = &rest[at + 5..];
        let line_end = body.find('\n').unwrap_or(body.len());
        let heading = &body[..line_end];
        let names = heading.split(" (").next().unwrap_or(heading);
        let end = body[line_end..]
            .find("\n#")
            .map(|e| line_end + e)
            .unwrap_or(body.len());
        if names.split(" / ").any(|n| n.trim() == id) {
            return Some(body[line_end..end].trim());
        }
        rest = &body[line_end..];
    }
    None
}

/// The `* **Fix**:` bullet of a cause's section, joined onto one line.
fn doc_fix(id: &str) -> Option<String> {
    let s = doc_section(id)?;
    let at = s.find("* **Fix**:")?;
    let body = &s[at + "* **Fix**:".len()..];
    let end = body.find("\n*").unwrap_or(body.len());
    Some(body[..end].split_whitespace().collect::<Vec<_>>().join(" "))
}

fn explain_event(o: &mut String, d: &EventDef) {
    let _ = writeln!(o, "Event {} ({})", d.id, d.provider);
    let _ = writeln!(o, "  meaning:   {}", d.meaning);
    let _ = writeln!(o, "  severity:  {:?}", d.severity);
    let _ = writeln!(
        o,
        "  logged by: {}",
        match d.side {
            events::Side::Local => "the machine loading its own certificate",
            events::Side::Initiator =>
                "the side opening the connection (child toward parent, or an MS toward a gateway)",
            events::Side::Acceptor => "the listening side",
            events::Side::Validator => "the side validating the peer's certificate",
            events::Side::Parent => "the parent (management server or gateway) seeing a child",
            events::Side::Any => "either side",
        }
    );
    let _ = writeln!(o, "  kind:      {}", kind_words(d.kind));
    match d.template {
        Some(t) => {
            let _ = writeln!(o, "  message ({}):", d.text_mark.label());
            for line in t.split("%n") {
                let line = line.trim();
                if !line.is_empty() {
                    let _ = writeln!(o, "    {line}");
                }
            }
        }
        None => {
            let _ = writeln!(o, "  message:   no verbatim text known");
        }
    }
    if !d.roles.is_empty() {
        let _ = writeln!(o, "  insertion strings:");
        for (k, r) in d.roles.iter().enumerate() {
            let _ = writeln!(o, "    %{} = {}", k + 1, role_words(*r));
        }
    }
    let rules = rules_reading(d.kind);
    if rules.is_empty() {
        let _ = writeln!(
            o,
            "  used by:   no rule (shown in the timeline and event accounting)"
        );
    } else {
        let ids: Vec<&str> = rules.iter().map(|c| c.id()).collect();
        let _ = writeln!(o, "  used by:   {}", ids.join(", "));
        let _ = writeln!(o, "  fix, by the cause it points to:");
        for c in rules {
            if let Some(f) = doc_fix(c.id()) {
                let _ = writeln!(o, "    {}: {f}", c.id());
            }
        }
    }
}

fn explain_code(o: &mut String, c: &ErrorCode) {
    let as_i32 = c.code as i32;
    let _ = writeln!(
        o,
        "Error code {} {} ({}{})",
        error_codes::format_code(c.code),
        c.symbol,
        c.code,
        if as_i32 < 0 {
            format!(", {as_i32}")
        } else {
            String::new()
        }
    );
    let _ = writeln!(o, "  meaning:      {}", c.meaning);
    let _ = writeln!(o, "  likely cause: {} ({})", c.likely_cause, c.mark.label());
    let carriers: Vec<String> = events::all()
        .iter()
        .filter(|d| d.roles.contains(&Role::Code))
        .map(|d| d.id.to_string())
        .collect();
    let _ = writeln!(
        o,
        "  appears in:   the error-code insertion string of events {}",
        carriers.join(", ")
    );
}

fn explain_cause(o: &mut String, c: Cause) {
    let r = c.rule();
    let _ = writeln!(o, "Cause {} ({:?})", c.id(), r.kind);
    if !r.refines.is_empty() {
        let ids: Vec<&str> = r.refines.iter().map(|x| x.id()).collect();
        let _ = writeln!(o, "  refines:     {}", ids.join(", "));
    }
    let mut evs: Vec<String> = Vec::new();
    for k in r.reads {
        for d in events::all().iter().filter(|d| d.kind == *k) {
            let s = d.id.to_string();
            if !evs.contains(&s) {
                evs.push(s);
            }
        }
    }
    if !evs.is_empty() {
        let _ = writeln!(o, "  reads events: {}", evs.join(", "));
    }
    if let Some(s) = doc_section(c.id()) {
        let _ = writeln!(o);
        for line in s.lines() {
            let _ = writeln!(o, "  {}", line.trim_end());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_a_doc_section_with_a_fix() {
        for c in Cause::ALL {
            assert!(doc_section(c.id()).is_some(), "{}", c.id());
            let text = explain(c.id()).expect("known");
            assert!(text.starts_with(&format!("Cause {}", c.id())), "{text}");
        }
        assert!(doc_fix("untrusted_root").is_some());
        assert!(
            doc_fix("key_usage").is_some(),
            "the shared eku / key_usage section"
        );
    }

    #[test]
    fn an_error_code_is_found_in_every_printed_form() {
        for form in ["0x80092004", "-2146885628", "80092004", "2148081668"] {
            let t = explain(form).expect(form);
            assert!(t.contains("CRYPT_E_NOT_FOUND"), "{form}: {t}");
        }
    }

    #[test]
    fn an_event_names_its_side_strings_and_rules() {
        let t = explain("20052").expect("20052");
        assert!(t.contains("%2 = expected name"), "{t}");
        assert!(t.contains("name_mismatch"), "{t}");
        assert!(t.contains("MOMCertImport"), "{t}");
    }

    #[test]
    fn an_unknown_id_is_an_error() {
        assert_eq!(explain("nonsense"), Err(UnknownId("nonsense".into())));
        assert!(explain("65000").is_err());
    }
}
