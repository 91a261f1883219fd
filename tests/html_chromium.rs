//! The HTML report in a real browser: headless Chromium renders the page of a shipped example,
//! takes a screenshot (decoded here: it must not be blank and must show the FAILING red), and
//! dumps the DOM (the findings' titles are there; every timeline SVG has a drawn size, measured
//! in a copy of the page with a measuring script added: the report itself has no script).
//!
//! Skips with a notice when Chromium is missing (`apt-get install chromium`; or set
//! `SCOMTRIAGE_CHROMIUM` to the binary), except under `SCOMTRIAGE_STRICT=1` (CI), where it fails.

use flate2::read::ZlibDecoder;
use scomtriage::analyze::{analyze_bundles, read_options};
use scomtriage::bundle::read_inputs;
use scomtriage::report::{self, RenderOptions, ReportFormat};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SCOMTRIAGE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Run Chromium headless on `page` with `extra` flags and a fresh profile; its stdout.
fn run_chromium(bin: &Path, work: &Path, profile: &str, extra: &[String], page: &Path) -> String {
    let profile = work.join(profile);
    let _ = std::fs::remove_dir_all(&profile);
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(_) => break,
            None if start.elapsed() > Duration::from_secs(120) => {
                let _ = child.kill();
                panic!("chromium did not finish within 120 s");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    reader.join().expect("reader")
}

/// RGB pixels of an 8-bit RGB or RGBA non-interlaced PNG: (width, height, pixels).
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let (mut w, mut h, mut channels) = (0usize, 0usize, 0usize);
    let mut idat = Vec::new();
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4")) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = &bytes[at + 8..at + 8 + len];
        match kind {
            b"IHDR" => {
                w = u32::from_be_bytes(data[0..4].try_into().expect("4")) as usize;
                h = u32::from_be_bytes(data[4..8].try_into().expect("4")) as usize;
                assert_eq!(data[8], 8, "8-bit");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("colour type {t}"),
                };
                assert_eq!(data[12], 0, "not interlaced");
            }
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        at += 12 + len;
    }
    let mut raw = Vec::new();
    ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .expect("inflate");
    let stride = w * channels;
    let mut prev = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &raw[y * (stride + 1)..(y + 1) * (stride + 1)];
        let filter = row[0];
        let mut cur = row[1..].to_vec();
        for i in 0..stride {
            let a = if i >= channels { cur[i - channels] } else { 0 };
            let b = prev[i];
            let c = if i >= channels { prev[i - channels] } else { 0 };
            let add = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("filter {f}"),
            };
            cur[i] = cur[i].wrapping_add(add);
        }
        for px in cur.chunks(channels) {
            pixels.push([px[0], px[1], px[2]]);
        }
        prev = cur;
    }
    (w, h, pixels)
}

/// The text of an HTML text node as a serialiser writes it.
fn text_node(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}

#[test]
fn chromium_renders_the_html_report_with_its_findings_and_timelines() {
    let Some(bin) = chromium() else {
        if std::env::var("SCOMTRIAGE_STRICT").as_deref() == Ok("1") {
            panic!("SCOMTRIAGE_STRICT=1 but Chromium is missing (apt-get install chromium)");
        }
        eprintln!(
            "SKIP: Chromium not found (apt-get install chromium, or set SCOMTRIAGE_CHROMIUM)"
        );
        return;
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/examples/peer_untrusted");
    let paths = vec![dir.join("gw01.zip"), dir.join("ms01.zip")];
    let r = analyze_bundles(read_inputs(&paths, &read_options()));
    let mut html = Vec::new();
    report::write(&r, ReportFormat::Html, &RenderOptions::default(), &mut html).expect("render");
    let html = String::from_utf8(html).expect("UTF-8");
    // Self-contained: no script, no external resource.
    assert!(!html.contains("<script"), "no JavaScript");
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));

    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-chromium");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    let page = work.join("report.html");
    std::fs::write(&page, &html).expect("write page");

    // 1. Screenshot: not blank, and the FAILING red is on it.
    let shot = work.join("shot.png");
    run_chromium(
        &bin,
        &work,
        "profile-shot",
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1400".to_string(),
        ],
        &page,
    );
    let png = std::fs::read(&shot).expect("chromium wrote a screenshot");
    let (w, h, pixels) = decode_png(&png);
    assert_eq!((w, h), (1280, 1400));
    let non_white = pixels.iter().filter(|p| p.iter().any(|c| *c < 235)).count();
    assert!(
        non_white * 100 > pixels.len(),
        "screenshot nearly blank: {non_white} of {} pixels drawn",
        pixels.len()
    );
    let reddish = pixels
        .iter()
        .filter(|p| p[0] > 150 && p[1] < 80 && p[2] < 80)
        .count();
    assert!(
        reddish > 20,
        "the FAILING status and failure bars are red ({reddish} px)"
    );

    // 2. DOM: every finding's title is there.
    let dom = run_chromium(
        &bin,
        &work,
        "profile-dom",
        &["--dump-dom".to_string()],
        &page,
    );
    assert!(
        dom.contains("<svg"),
        "DOM dumped: {}",
        &dom[..dom.len().min(300)]
    );
    for f in &r.findings {
        assert!(
            dom.contains(&text_node(&f.title)),
            "title {:?} in the DOM",
            f.title
        );
    }

    // 3. Drawn size of every timeline, measured by a script added to a copy of the page.
    let measure = html.replace(
        "</body>",
        "<script>document.body.setAttribute('data-svg-sizes', Array.from(document.querySelectorAll('svg')).map(function(s){var b=s.getBoundingClientRect();return Math.round(b.width)+'x'+Math.round(b.height);}).join(','));</script></body>",
    );
    let measure_page = work.join("measure.html");
    std::fs::write(&measure_page, measure).expect("write measuring copy");
    let dom = run_chromium(
        &bin,
        &work,
        "profile-measure",
        &["--dump-dom".to_string()],
        &measure_page,
    );
    let sizes = dom
        .split("data-svg-sizes=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the measuring script ran");
    let sizes: Vec<(u32, u32)> = sizes
        .split(',')
        .filter_map(|s| s.split_once('x'))
        .map(|(a, b)| (a.parse().unwrap_or(0), b.parse().unwrap_or(0)))
        .collect();
    assert_eq!(sizes.len(), r.machines.len(), "one timeline per machine");
    for (sw, sh) in sizes {
        assert!(sw >= 400 && sh >= 60, "timeline drawn at {sw}x{sh}");
    }
}
