//! Progress on standard error: an `indicatif` bar (inputs done/total, bytes, ETA) when standard
//! error is a terminal, plain lines otherwise; messages are printed above the bar so it never
//! tears. Everything here only reports; nothing is decided.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// A bar on a terminal; otherwise a plain line at most every [`LINE_INTERVAL`].
    #[default]
    Auto,
    /// A bar on a terminal; otherwise a plain line after every case.
    Always,
    /// No progress (messages about problems and the final tally are still written).
    Never,
}

/// Least time between two plain progress lines in [`ProgressMode::Auto`].
pub const LINE_INTERVAL: Duration = Duration::from_secs(10);

/// Progress of one run.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    lines: Option<Mutex<Instant>>,
    every_case: bool,
    total_inputs: u64,
    total_bytes: u64,
    total_cases: u64,
    inputs: AtomicU64,
    bytes: AtomicU64,
    cases: AtomicU64,
    started: Instant,
}

impl Progress {
    pub(crate) fn new(mode: ProgressMode, cases: u64, inputs: u64, bytes: u64) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let bar = (mode != ProgressMode::Never && terminal).then(|| {
            let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{bar:30} {msg} {decimal_bytes}/{decimal_total_bytes} ({decimal_bytes_per_sec}, ETA {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(format!("inputs 0/{inputs}"));
            bar
        });
        Progress {
            lines: (mode != ProgressMode::Never && !terminal).then(|| Mutex::new(Instant::now())),
            bar,
            every_case: mode == ProgressMode::Always,
            total_inputs: inputs,
            total_bytes: bytes,
            total_cases: cases,
            inputs: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            cases: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// A case is done.
    pub(crate) fn case_done(&self, inputs: u64, bytes: u64) {
        let i = self.inputs.fetch_add(inputs, Ordering::Relaxed) + inputs;
        let b = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let c = self.cases.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            bar.set_position(b);
            bar.set_message(format!("inputs {i}/{}", self.total_inputs));
        }
        if let Some(last) = &self.lines {
            let Ok(mut last) = last.lock() else { return };
            if self.every_case || last.elapsed() >= LINE_INTERVAL || c == self.total_cases {
                *last = Instant::now();
                eprintln!(
                    "triage: {c}/{} cases, {i}/{} inputs, {:.1}/{:.1} MB, {:.0} s",
                    self.total_cases,
                    self.total_inputs,
                    b as f64 / 1e6,
                    self.total_bytes as f64 / 1e6,
                    self.started.elapsed().as_secs_f64()
                );
            }
        }
    }

    /// A message for the user (above the bar when there is one).
    pub(crate) fn message(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// Remove the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
