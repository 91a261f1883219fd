//! The bundle reader: classification, zip-in-zip, untrusted names, limits, directories, loose
//! files, determinism. These tests do not depend on the parsers succeeding (kinds come from paths
//! and content shapes); `bundle_parsing.rs` checks parsed content.

mod bundle_support;

use bundle_support::*;
use scomtriage::bundle::{read_inputs, read_zip_bytes, Bundle, Limits, MemberKind, ReadOptions};
use std::path::PathBuf;

fn opts(limits: Limits) -> ReadOptions {
    ReadOptions {
        limits,
        ..ReadOptions::default()
    }
}

fn kinds(b: &Bundle) -> Vec<(String, MemberKind)> {
    b.members.iter().map(|m| (m.path.clone(), m.kind)).collect()
}

fn kind_of(b: &Bundle, path: &str) -> MemberKind {
    b.members
        .iter()
        .find(|m| m.path == path)
        .unwrap_or_else(|| panic!("no member {path} in {:?}", kinds(b)))
        .kind
}

fn problem_for<'a>(b: &'a Bundle, path: &str) -> &'a str {
    &b.problems
        .iter()
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no problem for {path} in {:?}", b.problems))
        .message
}

#[test]
fn spec_layout_is_classified_by_path() {
    let (_, der) = cert("gw01.contoso.com");
    let z = zip_of(&[
        ("manifest.json", MANIFEST.as_bytes()),
        ("certificates/inventory.json", INVENTORY.as_bytes()),
        ("certificates/LocalMachine/My/6F1C.cer", &der),
        (
            "certificates/LocalMachine/Operations Manager/AB.cer",
            b"junk",
        ),
        ("certificates/chains/certnew.p7b", b"junk"),
        ("registry/opsmgr.reg", &sample_reg()),
        ("eventlogs/Operations Manager.evtx", EVTX_MAGIC_ONLY),
        (
            "eventlogs/LocaleMetaData/Operations Manager_1033.MTA",
            b"mta",
        ),
        ("commands/certutil-store-my.txt", b"certutil output"),
        ("collector.log", b"log"),
        ("extra/notes.md", b"hello"),
    ]);
    let bundles = read_zip_bytes(z, "gw01.zip", &ReadOptions::default());
    assert_eq!(bundles.len(), 1);
    let b = &bundles[0];
    assert_eq!(b.label, "gw01.zip");
    assert!(b.problems.is_empty(), "{:?}", b.problems);
    use MemberKind::*;
    assert_eq!(
        kinds(b),
        vec![
            ("certificates/LocalMachine/My/6F1C.cer".into(), Certificate),
            (
                "certificates/LocalMachine/Operations Manager/AB.cer".into(),
                Certificate
            ),
            ("certificates/chains/certnew.p7b".into(), Pkcs7),
            ("certificates/inventory.json".into(), Inventory),
            ("collector.log".into(), Text),
            ("commands/certutil-store-my.txt".into(), Text),
            (
                "eventlogs/LocaleMetaData/Operations Manager_1033.MTA".into(),
                Mta
            ),
            ("eventlogs/Operations Manager.evtx".into(), Evtx),
            ("extra/notes.md".into(), Unknown),
            ("manifest.json".into(), Manifest),
            ("registry/opsmgr.reg".into(), Registry),
        ]
    );
    // Junk under a spec path keeps the path's kind and carries an error.
    let junk = b
        .members
        .iter()
        .find(|m| m.path.ends_with("AB.cer"))
        .unwrap();
    assert!(junk.content.is_err());
    assert_eq!(
        b.member("Registry/OpsMgr.reg").map(|m| m.path.as_str()),
        Some("registry/opsmgr.reg")
    );
    for m in &b.members {
        assert!(m.size > 0, "{}", m.path);
    }
}

#[test]
fn spec_paths_match_under_a_top_folder_and_in_any_case() {
    let z = zip_of(&[
        ("GW01-bundle/REGISTRY/opsmgr.REG", b"junk".as_slice()),
        ("GW01-bundle/EventLogs/System.evtx", EVTX_MAGIC_ONLY),
        ("GW01-bundle/Manifest.json", MANIFEST.as_bytes()),
    ]);
    let b = &read_zip_bytes(z, "x.zip", &ReadOptions::default())[0];
    assert_eq!(
        kind_of(b, "GW01-bundle/REGISTRY/opsmgr.REG"),
        MemberKind::Registry
    );
    assert_eq!(
        kind_of(b, "GW01-bundle/EventLogs/System.evtx"),
        MemberKind::Evtx
    );
    assert_eq!(
        kind_of(b, "GW01-bundle/Manifest.json"),
        MemberKind::Manifest
    );
    assert_eq!(
        b.member("registry/opsmgr.reg").and_then(|m| m.spec_path()),
        Some("REGISTRY/opsmgr.REG".to_string())
    );
}

#[test]
fn content_contradicting_the_path_keeps_the_path_kind_and_says_why() {
    let z = zip_of(&[
        ("registry/x.reg", EVTX_MAGIC_ONLY),
        ("eventlogs/System.evtx", &sample_reg()),
    ]);
    let b = &read_zip_bytes(z, "x.zip", &ReadOptions::default())[0];
    let reg = b.member("registry/x.reg").unwrap();
    assert_eq!(reg.kind, MemberKind::Registry);
    let e = reg.content.as_ref().unwrap_err();
    assert!(e.contains("EVTX"), "{e}");
    let ev = b.member("eventlogs/System.evtx").unwrap();
    assert_eq!(ev.kind, MemberKind::Evtx);
    let e = ev.content.as_ref().unwrap_err();
    assert!(e.contains("registry export"), "{e}");
}

#[test]
fn content_sniffing_outside_the_spec_layout() {
    let (pem, der) = cert("server.contoso.com");
    let z = zip_of(&[
        ("server.txt", pem.as_bytes()),
        ("cert.bin", &der),
        ("opsmgr-export.dat", &sample_reg()),
        ("some.log.evtx.bak", EVTX_MAGIC_ONLY),
        ("about.json", MANIFEST.as_bytes()),
        ("inv.json", INVENTORY.as_bytes()),
        (
            "chain.txt",
            b"-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n".as_slice(),
        ),
        ("readme.txt", b"just words"),
        ("blob.bin", &[1u8, 2, 3, 0, 255]),
    ]);
    let b = &read_zip_bytes(z, "x.zip", &ReadOptions::default())[0];
    use MemberKind::*;
    assert_eq!(kind_of(b, "server.txt"), Certificate);
    assert_eq!(kind_of(b, "cert.bin"), Certificate);
    assert_eq!(kind_of(b, "opsmgr-export.dat"), Registry);
    assert_eq!(kind_of(b, "some.log.evtx.bak"), Evtx);
    assert_eq!(kind_of(b, "about.json"), Manifest);
    assert_eq!(kind_of(b, "inv.json"), Inventory);
    assert_eq!(kind_of(b, "chain.txt"), Pkcs7);
    assert_eq!(kind_of(b, "readme.txt"), Text);
    assert_eq!(kind_of(b, "blob.bin"), Unknown);
}

#[test]
fn zip_in_zip_is_its_own_bundle_one_level_only() {
    let deeper = zip_of(&[("deep.txt", b"deep".as_slice())]);
    let inner = zip_of(&[
        ("registry/opsmgr.reg", sample_reg().as_slice()),
        ("deeper.zip", &deeper),
    ]);
    let outer = zip_of(&[("manifest.json", MANIFEST.as_bytes()), ("gw01.zip", &inner)]);
    let bundles = read_zip_bytes(outer, "case.zip", &ReadOptions::default());
    let labels: Vec<&str> = bundles.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["case.zip", "case.zip!gw01.zip"]);
    assert_eq!(
        kinds(&bundles[0]),
        [("manifest.json".into(), MemberKind::Manifest)]
    );
    // Member paths are relative to their own bundle.
    assert_eq!(
        kinds(&bundles[1]),
        [("registry/opsmgr.reg".into(), MemberKind::Registry)]
    );
    let msg = problem_for(&bundles[1], "deeper.zip");
    assert!(msg.contains("nested"), "{msg}");

    // An outer zip holding only a zip yields no empty bundle.
    let outer = zip_of(&[("only.zip", inner.as_slice())]);
    let bundles = read_zip_bytes(outer, "wrap.zip", &ReadOptions::default());
    let labels: Vec<&str> = bundles.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["wrap.zip!only.zip"]);
}

#[test]
fn hostile_entry_names_are_only_labels() {
    let t = TempDir::new("evil");
    let inside = t.path().join("in");
    std::fs::create_dir_all(&inside).unwrap();
    let z = zip_of(&[
        ("../evil.txt", b"evil".as_slice()),
        ("../../evil2.txt", b"evil"),
        ("C:\\x\\evil3.txt", b"evil"),
        ("/abs/evil4.txt", b"evil"),
        ("..\\..\\evil5.txt", b"evil"),
    ]);
    let zp = t.write("in/upload.zip", &z);
    let before = t.listing();
    let bundles = read_inputs(&[zp], &ReadOptions::default());
    assert_eq!(t.listing(), before, "nothing may be written");
    assert!(!t.path().join("evil.txt").exists());
    assert!(!std::env::temp_dir().join("evil2.txt").exists());
    assert_eq!(bundles.len(), 1);
    let paths: Vec<&str> = bundles[0].members.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "../../evil2.txt",
            "../../evil5.txt",
            "../evil.txt",
            "/abs/evil4.txt",
            "C:/x/evil3.txt"
        ]
    );
    assert!(bundles[0]
        .members
        .iter()
        .all(|m| m.kind == MemberKind::Text));
}

fn small_limits() -> Limits {
    Limits {
        max_entries: 100,
        max_entry_bytes: 10_000,
        max_total_bytes: 1 << 30,
        max_ratio: 100,
    }
}

#[test]
fn entry_count_limit_keeps_the_first_entries() {
    let entries: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| {
            (
                format!("commands/c{i}.txt"),
                format!("out {i}").into_bytes(),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let z = zip_of(&refs);
    let limits = Limits {
        max_entries: 3,
        ..small_limits()
    };
    let b = &read_zip_bytes(z, "many.zip", &opts(limits))[0];
    assert_eq!(b.members.len(), 3);
    let msg = problem_for(b, "many.zip");
    assert!(
        msg.contains("5 entries") && msg.contains("--max-entries"),
        "{msg}"
    );
}

#[test]
fn entry_size_limit_skips_that_entry_and_keeps_the_rest() {
    let big = vec![b'x'; 20_000];
    let z = zip_of(&[
        ("commands/big.txt", big.as_slice()),
        ("commands/small.txt", b"small"),
    ]);
    let b = &read_zip_bytes(z, "x.zip", &opts(small_limits()))[0];
    assert_eq!(kinds(b), [("commands/small.txt".into(), MemberKind::Text)]);
    let msg = problem_for(b, "commands/big.txt");
    assert!(
        msg.contains("--max-entry-mb") && msg.contains("20000"),
        "{msg}"
    );
}

#[test]
fn compression_ratio_limit_catches_a_bomb() {
    let zeros = vec![0u8; 4 << 20];
    let z = zip_of(&[("bomb.bin", zeros.as_slice()), ("commands/ok.txt", b"fine")]);
    let limits = Limits {
        max_entry_bytes: 1 << 30,
        ..small_limits()
    };
    let b = &read_zip_bytes(z, "x.zip", &opts(limits))[0];
    assert_eq!(kinds(b), [("commands/ok.txt".into(), MemberKind::Text)]);
    let msg = problem_for(b, "bomb.bin");
    assert!(msg.contains("--max-ratio"), "{msg}");
}

#[test]
fn total_limit_skips_what_does_not_fit() {
    let a = vec![b'a'; 6_000];
    let z = zip_of(&[
        ("commands/a.txt", a.as_slice()),
        ("commands/b.txt", a.as_slice()),
        ("commands/c.txt", b"tiny"),
    ]);
    let limits = Limits {
        max_total_bytes: 10_000,
        ..small_limits()
    };
    let b = &read_zip_bytes(z, "x.zip", &opts(limits))[0];
    let paths: Vec<&str> = b.members.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(paths, ["commands/a.txt", "commands/c.txt"]);
    let msg = problem_for(b, "commands/b.txt");
    assert!(msg.contains("--max-total-mb"), "{msg}");
}

#[test]
fn a_declared_size_that_lies_is_caught_while_reading() {
    let big = vec![b'y'; 50_000];
    let mut z = zip_with(
        &[
            ("commands/liar.txt", big.as_slice()),
            ("commands/ok.txt", b"ok"),
        ],
        zip::CompressionMethod::Stored,
    );
    // Declare 10 bytes (local header offset 22, central header offset 24) for every entry.
    patch_u32(&mut z, 22, 24, 10);
    let b = &read_zip_bytes(z, "liar.zip", &opts(small_limits()))[0];
    assert!(
        b.members.iter().all(|m| m.size <= 10),
        "no member may hold more than was allowed: {:?}",
        kinds(b)
    );
    assert!(
        b.problems.iter().any(|p| p.path == "commands/liar.txt"),
        "{:?}",
        b.problems
    );
}

#[test]
fn encrypted_and_unsupported_entries_are_problems() {
    let mut enc = zip_with(
        &[("commands/secret.txt", b"secret".as_slice())],
        zip::CompressionMethod::Stored,
    );
    patch_u16(&mut enc, 6, 8, 1); // general purpose flag bit 0: encrypted
    let b = &read_zip_bytes(enc, "enc.zip", &ReadOptions::default())[0];
    assert!(b.members.is_empty());
    let msg = problem_for(b, "commands/secret.txt");
    assert!(msg.contains("encrypted"), "{msg}");

    let mut bz = zip_with(
        &[("commands/b.txt", b"bzip2?".as_slice())],
        zip::CompressionMethod::Stored,
    );
    patch_u16(&mut bz, 8, 10, 12); // method 12 = bzip2, not built in
    let bundles = read_zip_bytes(bz, "bz.zip", &ReadOptions::default());
    let b = &bundles[0];
    assert!(b.members.is_empty());
    assert_eq!(b.problems.len(), 1, "{:?}", b.problems);
    assert!(
        b.problems[0].message.contains("compression method")
            && b.problems[0].message.contains("not supported"),
        "{:?}",
        b.problems
    );
}

#[test]
fn a_corrupt_zip_is_a_problem_naming_the_file() {
    let t = TempDir::new("corrupt");
    let junk = t.write("broken.zip", b"PK\x03\x04 this is not really a zip archive");
    let good = zip_of(&[("commands/a.txt", b"a".as_slice()), ("collector.log", b"b")]);
    let cut = t.write("cut.zip", &good[..good.len() / 2]);
    let ok = t.write("ok.zip", &good);
    let bundles = read_inputs(
        &[junk.clone(), cut.clone(), ok.clone()],
        &ReadOptions::default(),
    );
    assert_eq!(bundles.len(), 3);
    for (b, p) in bundles.iter().zip([&junk, &cut]) {
        let label = p.to_string_lossy();
        assert_eq!(b.label, label);
        assert!(b.members.is_empty());
        let msg = problem_for(b, &label);
        assert!(msg.contains("zip"), "{msg}");
    }
    assert_eq!(bundles[2].members.len(), 2);
    assert!(bundles[2].all_ok());
}

#[test]
fn directory_input_is_walked_and_symlinks_stay_inside() {
    let t = TempDir::new("dir");
    let root = t.path().join("bundle");
    t.write("bundle/manifest.json", MANIFEST.as_bytes());
    t.write("bundle/registry/opsmgr.reg", &sample_reg());
    t.write("bundle/eventlogs/System.evtx", EVTX_MAGIC_ONLY);
    t.write("bundle/commands/a.txt", b"a");
    let inner = zip_of(&[("collector.log", b"log".as_slice())]);
    t.write("bundle/nested/machine2.zip", &inner);
    let outside = t.write("secret.txt", b"outside");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, root.join("link-out.txt")).unwrap();
        std::os::unix::fs::symlink(root.join("commands/a.txt"), root.join("link-in.txt")).unwrap();
        std::os::unix::fs::symlink(t.path(), root.join("link-dir")).unwrap();
    }
    let _ = outside;
    let bundles = read_inputs(std::slice::from_ref(&root), &ReadOptions::default());
    let labels: Vec<String> = bundles.iter().map(|b| b.label.clone()).collect();
    let root_label = root.to_string_lossy().into_owned();
    let zip_label = root
        .join("nested/machine2.zip")
        .to_string_lossy()
        .into_owned();
    assert_eq!(labels, [root_label.clone(), zip_label]);
    let b = &bundles[0];
    assert_eq!(kind_of(b, "manifest.json"), MemberKind::Manifest);
    assert_eq!(kind_of(b, "registry/opsmgr.reg"), MemberKind::Registry);
    assert_eq!(kind_of(b, "eventlogs/System.evtx"), MemberKind::Evtx);
    assert_eq!(kind_of(b, "commands/a.txt"), MemberKind::Text);
    assert_eq!(
        kinds(&bundles[1]),
        [("collector.log".into(), MemberKind::Text)]
    );
    #[cfg(unix)]
    {
        assert_eq!(kind_of(b, "link-in.txt"), MemberKind::Text);
        assert!(problem_for(b, "link-out.txt").contains("outside"));
        assert!(problem_for(b, "link-dir").contains("not followed"));
        assert!(!b.members.iter().any(|m| m.path.contains("secret")));
    }
}

#[test]
fn loose_files_and_containers_mix_in_input_order() {
    let t = TempDir::new("mix");
    let (pem, _) = cert("gw01.contoso.com");
    let z = t.write("a.zip", &zip_of(&[("collector.log", b"x".as_slice())]));
    let loose1 = t.write("loose/server.txt", pem.as_bytes());
    let dir = t.path().join("d");
    t.write("d/registry/x.reg", &sample_reg());
    let loose2 = t.write("loose/Operations Manager.evtx", EVTX_MAGIC_ONLY);
    let missing = t.path().join("missing.zip");
    let inputs: Vec<PathBuf> = vec![
        z.clone(),
        loose1.clone(),
        dir.clone(),
        loose2.clone(),
        missing.clone(),
    ];
    let bundles = read_inputs(&inputs, &ReadOptions::default());
    let labels: Vec<String> = bundles.iter().map(|b| b.label.clone()).collect();
    assert_eq!(
        labels,
        [
            z.to_string_lossy().into_owned(),
            "loose files".into(),
            dir.to_string_lossy().into_owned(),
            missing.to_string_lossy().into_owned(),
        ]
    );
    let loose = &bundles[1];
    assert_eq!(
        kinds(loose),
        [
            (loose2.to_string_lossy().into_owned(), MemberKind::Evtx),
            (
                loose1.to_string_lossy().into_owned(),
                MemberKind::Certificate
            ),
        ]
    );
    assert!(!bundles[3].problems.is_empty());
}

#[test]
fn output_is_deterministic_across_runs() {
    let (pem, der) = cert("gw01.contoso.com");
    let entries: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| match i % 4 {
            0 => (format!("z/{i}/server.txt"), pem.clone().into_bytes()),
            1 => (format!("certificates/LocalMachine/My/{i}.cer"), der.clone()),
            2 => (format!("registry/r{i}.reg"), sample_reg()),
            _ => (format!("a/{i}.evtx"), EVTX_MAGIC_ONLY.to_vec()),
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let z = zip_of(&refs);
    let snapshot = |bundles: &[Bundle]| -> Vec<String> {
        bundles
            .iter()
            .flat_map(|b| {
                b.members.iter().map(move |m| {
                    format!(
                        "{}|{}|{:?}|{}|{:?}",
                        b.label,
                        m.path,
                        m.kind,
                        m.size,
                        m.content.as_ref().err()
                    )
                })
            })
            .collect()
    };
    let first = snapshot(&read_zip_bytes(z.clone(), "x.zip", &ReadOptions::default()));
    let mut sorted = first.clone();
    sorted.sort();
    assert_eq!(first, sorted, "members sorted by path");
    assert_eq!(first.len(), 40);
    for _ in 0..3 {
        assert_eq!(
            snapshot(&read_zip_bytes(z.clone(), "x.zip", &ReadOptions::default())),
            first
        );
    }
}

#[test]
fn an_empty_directory_is_reported_not_silently_skipped() {
    let dir = std::env::temp_dir().join(format!("scomtriage-empty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bundles = read_inputs(std::slice::from_ref(&dir), &opts(Limits::default()));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(bundles.len(), 1);
    assert!(bundles[0].members.is_empty());
    assert_eq!(bundles[0].problems.len(), 1, "{:?}", bundles[0].problems);
    assert!(bundles[0].problems[0].message.contains("no files"));
}
