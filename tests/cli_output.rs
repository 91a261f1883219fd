//! The command line as a shell sees it: a reader that closes the pipe early (`| head`) is a
//! normal end (exit 0, nothing on stderr), not a panic.

use std::io::Read;
use std::process::{Command, Stdio};

fn example(name: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/examples")
        .join(name);
    let mut zips: Vec<_> = std::fs::read_dir(&dir)
        .expect("shipped example")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "zip"))
        .collect();
    zips.sort();
    zips
}

/// Run `scomtriage ARGS`, read one byte of its output, close the pipe, and return the exit
/// status and stderr.
fn run_and_close_early(args: &[&str], inputs: &[std::path::PathBuf]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scomtriage"))
        .args(args)
        .args(inputs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start scomtriage");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut one = [0u8; 1];
    stdout.read_exact(&mut one).expect("first byte");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_every_format_normally() {
    let inputs = example("peer_untrusted");
    for args in [
        &["analyze"][..],
        &["analyze", "--format", "json"],
        &["inspect"],
        &["inspect", "--format", "json"],
    ] {
        let (code, stderr) = run_and_close_early(args, &inputs);
        assert_eq!(code, Some(0), "{args:?}: stderr {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_missing_input_is_named_once() {
    let out = Command::new(env!("CARGO_BIN_EXE_scomtriage"))
        .args(["analyze", "--format", "json", "/nonexistent/x.zip"])
        .output()
        .expect("run scomtriage");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "nothing to diagnose: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "no report when nothing could be read"
    );
    assert!(
        stderr.starts_with("scomtriage: nothing to diagnose: /nonexistent/x.zip: "),
        "{stderr}"
    );
    assert_eq!(stderr.matches("/nonexistent/x.zip").count(), 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
