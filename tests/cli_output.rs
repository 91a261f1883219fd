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

fn run(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scomtriage"));
    c.args(args).env_remove("NO_COLOR");
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("run scomtriage")
}

#[test]
fn a_folder_without_scom_data_is_nothing_to_diagnose() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-no-scom-data");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("notes.txt"), "not a bundle").expect("write");
    let d = dir.display().to_string();
    let out = run(&["analyze", &d], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.starts_with("scomtriage: nothing to diagnose: "),
        "{stderr}"
    );
    assert_eq!(stderr.matches(d.as_str()).count(), 1, "{stderr}");
}

#[test]
fn fail_on_exits_3_at_or_above_the_level_and_output_goes_to_the_file() {
    let zips = example("peer_untrusted");
    let zips: Vec<String> = zips.iter().map(|p| p.display().to_string()).collect();
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-report.md");
    let _ = std::fs::remove_file(&file);
    let f = file.display().to_string();
    let mut args = vec![
        "analyze",
        "--format",
        "markdown",
        "-o",
        &f,
        "--fail-on",
        "high",
    ];
    args.extend(zips.iter().map(|s| s.as_str()));
    let out = run(&args, &[]);
    assert_eq!(out.status.code(), Some(3), "a high finding");
    assert!(out.stdout.is_empty(), "the report went to the file");
    let md = std::fs::read_to_string(&file).expect("report file");
    assert!(md.starts_with("# scomtriage report"));
    // The healthy example has no finding: --fail-on low still exits 0.
    let healthy = example("healthy_agent");
    let h = healthy[0].display().to_string();
    let out = run(&["analyze", "--fail-on", "low", &h], &[]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn colour_only_when_forced_off_a_terminal_and_never_with_no_color_in_auto() {
    let zips = example("gateway_name_mismatch");
    let z = zips[0].display().to_string();
    let plain = run(&["analyze", &z], &[]);
    assert!(
        !String::from_utf8_lossy(&plain.stdout).contains("\x1b["),
        "a pipe is not a terminal"
    );
    let forced = run(&["analyze", "--color", "always", &z], &[("NO_COLOR", "1")]);
    assert!(String::from_utf8_lossy(&forced.stdout).contains("\x1b[1;31mFAILING"));
}

#[test]
fn explain_knows_events_codes_and_causes_and_rejects_unknown_ids() {
    let out = run(&["explain", "20071", "-2146885628", "untrusted_root"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Event 20071 (OpsMgr Connector)"), "{text}");
    assert!(text.contains("CRYPT_E_NOT_FOUND"), "{text}");
    assert!(text.contains("Cause untrusted_root"), "{text}");
    let out = run(&["explain", "20071", "no_such_thing"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unknown id \"no_such_thing\""), "{stderr}");
}

#[test]
fn completions_man_page_and_help_come_from_the_clap_definitions() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef scomtriage"),
        ("fish", "complete -c scomtriage"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run(&["completions", shell], &[]);
        assert_eq!(out.status.code(), Some(0));
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(s.contains(marker), "{shell}");
        assert!(
            s.contains("explain") && s.contains("--redact"),
            "{shell}: every subcommand and flag"
        );
    }
    let man = run(&["man"], &[]);
    let man = String::from_utf8_lossy(&man.stdout);
    assert!(man.contains(".TH scomtriage 1"), "{man}");
    assert!(man.contains("analyze") && man.contains("completions"));
    let help = run(&["--help"], &[]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("Exit codes:") && help.contains("3  analyze --fail-on"),
        "{help}"
    );
}

#[test]
fn the_readme_command_table_lists_every_subcommand() {
    let help = run(&["--help"], &[]);
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README");
    let commands: Vec<&str> = help
        .split("Commands:")
        .nth(1)
        .expect("a command list")
        .split("\n\n")
        .next()
        .unwrap_or("")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 5, "{commands:?}");
    for c in commands {
        assert!(
            readme.contains(&format!("| `scomtriage {c}")),
            "README command table lacks `scomtriage {c}`"
        );
    }
}
