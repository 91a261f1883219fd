//! The one lookup of `../shared` makes the real-file tests mandatory under `SCOMTRIAGE_STRICT=1`
//! (CI): a missing folder fails instead of skipping. Its own test binary, because it sets
//! environment variables.

#[path = "../testsupport/shared_data.rs"]
mod shared_data;

#[test]
fn a_missing_shared_folder_skips_normally_and_fails_under_strict() {
    std::env::set_var("SCOMTRIAGE_SHARED", "/nonexistent/scomtriage-shared");
    std::env::remove_var("SCOMTRIAGE_STRICT");
    assert_eq!(shared_data::shared_path("probe", "data/evtx"), None);

    std::env::set_var("SCOMTRIAGE_STRICT", "1");
    let strict = std::panic::catch_unwind(|| shared_data::shared_path("probe", "data/evtx"));
    assert!(
        strict.is_err(),
        "a missing ../shared must fail under SCOMTRIAGE_STRICT=1"
    );

    // A folder that exists is found either way.
    let here = env!("CARGO_MANIFEST_DIR");
    std::env::set_var("SCOMTRIAGE_SHARED", here);
    assert_eq!(
        shared_data::shared_path("probe", "docs"),
        Some(std::path::Path::new(here).join("docs"))
    );
}
