//! The report formats as contracts:
//! - golden files of every format for the three shipped examples (`tests/golden/`; rewrite them
//!   with `SCOMTRIAGE_UPDATE_GOLDEN=1 cargo test --test report_formats`, then review the diff);
//! - the JSON of every corpus scenario validates against `docs/report.schema.json`;
//! - the Markdown parses as CommonMark with the findings table and one code block per command;
//! - `--redact` leaves no FQDN, short name, domain, IP address, serial or thumbprint of a
//!   scenario's inputs in any format.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use scomtriage::analyze::{analyze_bundles, read_options};
use scomtriage::bundle::read_inputs;
use scomtriage::report::redact::RedactKey;
use scomtriage::report::{self, RenderOptions, Report, ReportFormat};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FORMATS: [(ReportFormat, &str); 4] = [
    (ReportFormat::Text, "txt"),
    (ReportFormat::Markdown, "md"),
    (ReportFormat::Json, "json"),
    (ReportFormat::Html, "html"),
];

const EXAMPLES: [&str; 3] = ["gateway_name_mismatch", "healthy_agent", "peer_untrusted"];

/// The zips of a shipped example, as paths relative to the package root (so the reports do
/// not depend on where the checkout lives).
fn example(name: &str) -> Vec<PathBuf> {
    let rel = Path::new("corpus/examples").join(name);
    let abs = Path::new(env!("CARGO_MANIFEST_DIR")).join(&rel);
    let mut zips: Vec<PathBuf> = std::fs::read_dir(&abs)
        .expect("shipped example")
        .filter_map(|e| e.ok())
        .map(|e| rel.join(e.file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "zip"))
        .collect();
    zips.sort();
    zips
}

fn analyze(paths: &[PathBuf]) -> Report {
    analyze_bundles(read_inputs(paths, &read_options()))
}

fn render(r: &Report, format: ReportFormat, options: &RenderOptions) -> String {
    let mut buf = Vec::new();
    report::write(r, format, options, &mut buf).expect("render into memory");
    String::from_utf8(buf).expect("UTF-8 output")
}

#[test]
fn every_format_of_the_shipped_examples_matches_its_golden_file() {
    let update = std::env::var_os("SCOMTRIAGE_UPDATE_GOLDEN").is_some();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut stale = Vec::new();
    for name in EXAMPLES {
        let r = analyze(&example(name));
        for (format, ext) in FORMATS {
            let got = render(&r, format, &RenderOptions::default());
            let path = dir.join(format!("{name}.{ext}"));
            if update {
                std::fs::create_dir_all(&dir).expect("golden dir");
                std::fs::write(&path, &got).expect("write golden");
                continue;
            }
            let want = std::fs::read_to_string(&path).unwrap_or_default();
            if got != want {
                let line = got
                    .lines()
                    .zip(want.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.lines().count().min(want.lines().count()));
                stale.push(format!(
                    "{}: first difference at line {}",
                    path.display(),
                    line + 1
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "golden files differ (review, then SCOMTRIAGE_UPDATE_GOLDEN=1 cargo test --test report_formats):\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_verdict_comes_first_in_text_and_the_first_fix_is_on_the_first_screen() {
    let r = analyze(&example("gateway_name_mismatch"));
    let text = render(&r, ReportFormat::Text, &RenderOptions::default());
    let first_screen: Vec<&str> = text.lines().take(24).collect();
    assert!(first_screen[0].contains("FAILING"), "{}", first_screen[0]);
    let first_command = r.findings[0]
        .remediation
        .iter()
        .find_map(|s| s.command.clone())
        .expect("a command");
    assert!(
        first_screen
            .iter()
            .any(|l| l.contains(&format!("first fix: {first_command}"))),
        "{first_screen:#?}"
    );
    assert!(!text.contains("\x1b["), "no colour unless asked");
    let verbose = render(
        &r,
        ReportFormat::Text,
        &RenderOptions {
            verbose: true,
            color: true,
            redact: None,
        },
    );
    assert!(verbose.contains("\x1b[1;31mFAILING"), "colour when asked");
    assert!(verbose.contains("source: "), "sources with --verbose");
    assert!(verbose.contains("Note: "), "notes with --verbose");
    assert!(!text.contains("Note: "), "notes only with --verbose");
}

/// Text of the cells of every table, row by row, and the text of every fenced code block.
fn markdown_parts(md: &str) -> (Vec<Vec<Vec<String>>>, Vec<String>) {
    let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
    let mut blocks = Vec::new();
    let mut cell: Option<String> = None;
    let mut block: Option<String> = None;
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match ev {
            Event::Start(Tag::Table(_)) => tables.push(Vec::new()),
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => {
                if let Some(t) = tables.last_mut() {
                    t.push(Vec::new());
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(c), Some(row)) =
                    (cell.take(), tables.last_mut().and_then(|t| t.last_mut()))
                {
                    row.push(c);
                }
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => block = Some(String::new()),
            Event::End(TagEnd::CodeBlock) => blocks.extend(block.take()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                } else if let Some(b) = block.as_mut() {
                    b.push_str(&t);
                }
            }
            _ => {}
        }
    }
    (tables, blocks)
}

#[test]
fn markdown_parses_with_the_findings_table_and_every_command_in_a_code_block() {
    for name in EXAMPLES {
        let r = analyze(&example(name));
        let md = render(&r, ReportFormat::Markdown, &RenderOptions::default());
        let (tables, blocks) = markdown_parts(&md);
        let machines = &tables[0];
        assert_eq!(
            machines[0],
            ["Machine", "Status", "Top cause", "Confidence", "Why"],
            "{name}"
        );
        assert_eq!(machines.len(), 1 + r.machine_verdicts.len(), "{name}");
        for (row, v) in machines[1..].iter().zip(&r.machine_verdicts) {
            assert_eq!(row[0], v.machine, "{name}: machine cell unescaped");
            assert_eq!(row[1], v.status.label());
        }
        let commands: Vec<String> = r
            .findings
            .iter()
            .flat_map(|f| f.remediation.iter().filter_map(|s| s.command.clone()))
            .collect();
        let blocks: Vec<String> = blocks.iter().map(|b| b.trim_end().to_string()).collect();
        assert_eq!(
            blocks, commands,
            "{name}: one code block per command, verbatim"
        );
        if r.findings.is_empty() {
            assert_eq!(
                tables.len(),
                1,
                "{name}: no findings table without findings"
            );
            continue;
        }
        let findings = &tables[1];
        assert_eq!(
            findings[0],
            [
                "#",
                "Cause",
                "Machine",
                "Confidence",
                "Score",
                "Title",
                "Id"
            ]
        );
        assert_eq!(findings.len(), 1 + r.findings.len(), "{name}");
        for (row, f) in findings[1..].iter().zip(&r.findings) {
            assert_eq!(row[0], f.rank.to_string());
            assert_eq!(row[1], f.cause);
            assert_eq!(row[5], f.title, "{name}: title survives escaping");
            assert_eq!(row[6], f.id);
        }
    }
}

// ---- corpus-wide checks ----

/// The generated corpus (own copy, so this file runs independently of tests/corpus.rs) and
/// its expected.json scenarios.
fn corpus() -> &'static (PathBuf, Vec<Value>) {
    static C: OnceLock<(PathBuf, Vec<Value>)> = OnceLock::new();
    C.get_or_init(|| {
        let (templates, scenarios) =
            scomtriage_corpus::scenario::load_dir(&scomtriage_corpus::scenario_dir())
                .expect("scenarios load");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-report-formats");
        let _ = std::fs::remove_dir_all(&dir);
        scomtriage_corpus::generate::write_all(&dir, &templates, &scenarios)
            .expect("corpus generates");
        let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
        let v: Value = serde_json::from_str(&text).expect("JSON");
        let list = v["scenarios"].as_array().cloned().unwrap_or_default();
        (dir, list)
    })
}

fn scenario_paths(dir: &Path, s: &Value) -> Vec<PathBuf> {
    s["bundles"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|b| b["path"].as_str())
                .map(|p| dir.join(p))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_json_of_every_corpus_scenario_validates_against_the_schema() {
    let schema_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json"),
    )
    .expect("schema");
    let schema: Value = serde_json::from_str(&schema_text).expect("schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let validator = jsonschema::draft202012::new(&schema).expect("a valid draft 2020-12 schema");
    let (dir, scenarios) = corpus();
    assert!(scenarios.len() >= 40, "the corpus has its scenarios");
    let mut checked = 0;
    for s in scenarios {
        let id = s["id"].as_str().unwrap_or("?");
        let r = analyze(&scenario_paths(dir, s));
        for redact in [None, Some(RedactKey::Numbered)] {
            let json = render(
                &r,
                ReportFormat::Json,
                &RenderOptions {
                    redact: redact.clone(),
                    ..RenderOptions::default()
                },
            );
            let v: Value = serde_json::from_str(&json).expect("valid JSON");
            let errors: Vec<String> = validator
                .iter_errors(&v)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .take(5)
                .collect();
            assert!(errors.is_empty(), "{id} (redact {redact:?}): {errors:#?}");
            checked += 1;
        }
        // The status agrees with the scenario's answer: a healthy machine is never FAILING,
        // and a machine with an expected top cause has it as its verdict's cause.
        for e in s["expect"].as_array().into_iter().flatten() {
            let fqdn = e["fqdn"].as_str().unwrap_or("").trim_end_matches('.');
            let Some(v) = r
                .machine_verdicts
                .iter()
                .find(|v| v.machine.eq_ignore_ascii_case(fqdn))
            else {
                continue;
            };
            if e["healthy"] == true {
                assert_ne!(v.status.label(), "FAILING", "{id}: {fqdn} is healthy");
            }
            if let Some(top) = e["top"].as_str() {
                assert_eq!(v.cause, Some(top), "{id}: {fqdn}");
                assert!(
                    matches!(v.status.label(), "FAILING" | "AT RISK"),
                    "{id}: {fqdn} has {top}"
                );
            }
        }
    }
    assert_eq!(checked, 2 * scenarios.len());
    // The schema is not vacuous: a report missing its version or with a bad status fails.
    let r = analyze(&example("peer_untrusted"));
    let mut v: Value =
        serde_json::from_str(&render(&r, ReportFormat::Json, &RenderOptions::default()))
            .expect("JSON");
    assert!(validator.is_valid(&v));
    v["machines"][0]["status"] = Value::from("BROKEN");
    assert!(!validator.is_valid(&v));
    v.as_object_mut().map(|o| o.remove("schema_version"));
    assert!(!validator.is_valid(&v));
}

#[test]
fn finding_ids_are_stable_across_runs_and_differ_by_machine() {
    let a = analyze(&example("peer_untrusted"));
    let b = analyze(&example("peer_untrusted"));
    let ids = |r: &Report| r.findings.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    let f = &a.findings[0];
    assert_eq!(
        f.id,
        report::finding_id(f.cause, &f.machine, f.thumbprint.as_deref())
    );
    assert_ne!(
        f.id,
        report::finding_id(f.cause, "other.contoso.com", f.thumbprint.as_deref())
    );
    assert!(f.explains.samples.len() <= 2 * f.explains.groups.len());
    assert_eq!(
        f.explains.total,
        f.explains.groups.iter().map(|g| g.count).sum::<usize>()
    );
}

/// Every value of a scenario's inputs that redaction must hide: FQDNs, short names, domains
/// (from expected.json), thumbprints (the member file names), serials, registry serials and
/// hashes and IPv4 addresses (from the unredacted report).
fn secrets(s: &Value, plain_json: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for b in s["bundles"].as_array().into_iter().flatten() {
        if let Some(fqdn) = b["fqdn"].as_str() {
            let fqdn = fqdn.trim_end_matches('.').to_lowercase();
            if let Some((_, domain)) = fqdn.split_once('.') {
                out.push(domain.to_string());
            }
            out.push(fqdn);
        }
        if let Some(m) = b["machine"].as_str() {
            out.push(m.to_lowercase());
        }
        for m in b["members"].as_array().into_iter().flatten() {
            let name = m.as_str().unwrap_or("");
            let stem = name.rsplit('/').next().unwrap_or("");
            let stem = stem.split('.').next().unwrap_or("");
            if stem.len() == 40 && stem.chars().all(|c| c.is_ascii_hexdigit()) {
                out.push(stem.to_lowercase());
            }
        }
    }
    let v: Value = serde_json::from_str(plain_json).expect("JSON");
    for m in v["machines"].as_array().into_iter().flatten() {
        for k in ["registry_serial", "registry_hash"] {
            out.extend(m[k].as_str().map(|x| x.to_lowercase()));
        }
        let c = &m["channel_certificate"];
        for k in ["serial", "thumbprint"] {
            out.extend(c[k].as_str().map(|x| x.to_lowercase()));
        }
        for c in m["identity_sources"].as_array().into_iter().flatten() {
            out.extend(c["name"].as_str().map(|x| x.to_lowercase()));
        }
    }
    let ip = regex::Regex::new(r"\b(?:\d{1,3}\.){3}\d{1,3}\b").expect("regex");
    // An address, not four parts of a longer dotted number (an OID such as 1.3.6.1.5.5.7.3.1).
    let bytes = plain_json.as_bytes();
    out.extend(
        ip.find_iter(plain_json)
            .filter(|m| {
                let before = m.start().checked_sub(1).map(|i| bytes[i]);
                let after = bytes.get(m.end()).copied();
                before != Some(b'.') && after != Some(b'.')
            })
            .map(|m| m.as_str().to_string()),
    );
    // Values too short to mean anything alone (a 2-digit serial) are not checked.
    out.retain(|x| x.len() >= 4);
    out.sort();
    out.dedup();
    out
}

#[test]
fn redaction_hides_every_name_address_serial_and_thumbprint_in_every_format() {
    let (dir, scenarios) = corpus();
    let word = |hay: &str, needle: &str| {
        let re = regex::Regex::new(&format!(r"(?i)\b{}\b", regex::escape(needle))).expect("re");
        re.find(hay).map(|m| {
            let a = m.start().saturating_sub(60);
            let b = (m.end() + 60).min(hay.len());
            hay.get(a..b).unwrap_or("").to_string()
        })
    };
    let mut checked = 0;
    for s in scenarios {
        let id = s["id"].as_str().unwrap_or("?");
        let r = analyze(&scenario_paths(dir, s));
        let plain = render(&r, ReportFormat::Json, &RenderOptions::default());
        let hidden = secrets(s, &plain);
        assert!(!hidden.is_empty(), "{id}: something to hide");
        for key in [RedactKey::Numbered, RedactKey::Keyed(b"case-123".to_vec())] {
            let options = RenderOptions {
                redact: Some(key.clone()),
                ..RenderOptions::default()
            };
            let verbose = RenderOptions {
                verbose: true,
                ..options.clone()
            };
            let renders = FORMATS
                .iter()
                .map(|(format, ext)| (*ext, render(&r, *format, &options)))
                .chain([("verbose txt", render(&r, ReportFormat::Text, &verbose))]);
            for (ext, out) in renders {
                for h in &hidden {
                    if let Some(ctx) = word(&out, h) {
                        panic!("{id} {ext} ({key:?}): {h:?} left in …{ctx}…");
                    }
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, scenarios.len() * 10);
}

#[test]
fn redaction_is_consistent_and_keyed_pseudonyms_repeat_across_reports() {
    let r = analyze(&example("peer_untrusted"));
    let opts = |key: RedactKey| RenderOptions {
        redact: Some(key),
        ..RenderOptions::default()
    };
    let json = |key: RedactKey| -> Value {
        serde_json::from_str(&render(&r, ReportFormat::Json, &opts(key))).expect("JSON")
    };
    let a = json(RedactKey::Numbered);
    assert_eq!(a["redacted"], true);
    let gw = a["machines"][0]["fqdn"].as_str().expect("fqdn").to_string();
    assert!(gw.starts_with("host-"), "{gw}");
    // The same machine has the same pseudonym in the findings and the verdicts.
    assert!(a["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["machine"] == gw.as_str()));
    // Commands keep their shape, with the names replaced.
    let text = render(&r, ReportFormat::Text, &opts(RedactKey::Numbered));
    assert!(text.contains("certutil -addstore Root hex-"), "{text}");
    assert!(text.contains("Restart-Service HealthService"));
    // Keyed: the same in two reports, different under another key.
    let k1 = json(RedactKey::Keyed(b"k1".to_vec()));
    let k1b = json(RedactKey::Keyed(b"k1".to_vec()));
    let k2 = json(RedactKey::Keyed(b"k2".to_vec()));
    assert_eq!(k1["machines"][0]["fqdn"], k1b["machines"][0]["fqdn"]);
    assert_ne!(k1["machines"][0]["fqdn"], k2["machines"][0]["fqdn"]);
    // Cause ids, event ids and error codes stay.
    assert_eq!(k1["findings"][0]["cause"], "peer_untrusted");
    assert!(text.contains("20072"));
    assert!(text.contains("0x800B010A"));
}
