//! The committed examples (`corpus/examples/`) equal a fresh generation byte for byte.
//! Regenerate with `cargo run -p scomtriage-corpus --bin corpus-gen -- --examples corpus/examples`.

mod common;

use scomtriage_corpus::{examples_dir, generate, EXAMPLES};

#[test]
fn committed_examples_equal_a_fresh_generation() {
    let dir = examples_dir();
    if !dir.join("expected.json").exists() {
        panic!(
            "corpus/examples is missing; run: cargo run -p scomtriage-corpus --bin corpus-gen -- --examples corpus/examples"
        );
    }
    let (t, all) = common::load();
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|s| EXAMPLES.contains(&s.id.as_str()))
        .collect();
    assert_eq!(chosen.len(), EXAMPLES.len());
    let fresh = std::env::temp_dir().join(format!("corpus-examples-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    generate::write_all(&fresh, &t, &chosen).unwrap();
    let mut total = 0u64;
    for s in &chosen {
        for mid in s.machines.keys() {
            let rel = format!("{}/{mid}.zip", s.id);
            let committed = std::fs::read(dir.join(&rel)).unwrap_or_default();
            let new = std::fs::read(fresh.join(&rel)).unwrap();
            total += committed.len() as u64;
            assert!(
                committed == new,
                "{rel} differs from a fresh generation; regenerate the examples"
            );
        }
    }
    let committed = std::fs::read(dir.join("expected.json")).unwrap();
    let new = std::fs::read(fresh.join("expected.json")).unwrap();
    assert!(
        committed == new,
        "expected.json differs; regenerate the examples"
    );
    assert!(
        total < 1_000_000,
        "examples should stay small: {total} bytes"
    );
    let _ = std::fs::remove_dir_all(&fresh);
}
