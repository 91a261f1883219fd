//! Entry points shared by the fuzz targets and by the stable regression test
//! (`tests/fuzz_regressions.rs` includes [`entries`] by path, so a crash input replays through
//! exactly the code the fuzzer ran).

pub mod entries;
