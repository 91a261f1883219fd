//! Same input, same bytes: two full runs of the generator into two directories.

mod common;

use scomtriage_corpus::generate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corpus-gen-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn two_runs_write_identical_files() {
    let (t, all) = common::load();
    let a = temp_dir("a");
    let b = temp_dir("b");
    let sa = generate::write_all(&a, &t, &all).unwrap();
    let sb = generate::write_all(&b, &t, &all).unwrap();
    assert_eq!(sa.bundles, sb.bundles);
    let ta = read_tree(&a);
    let tb = read_tree(&b);
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(v == &tb[k], "{k} differs between runs");
    }
    assert_eq!(ta.len(), sa.bundles + 1, "bundles plus expected.json");
    // expected.json lists every bundle path that was written.
    let expected: serde_json::Value = serde_json::from_slice(&ta["expected.json"]).unwrap();
    let scenarios = expected["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), all.len());
    for s in scenarios {
        for bundle in s["bundles"].as_array().unwrap() {
            let p = bundle["path"].as_str().unwrap();
            assert!(ta.contains_key(p), "{p}");
        }
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}
