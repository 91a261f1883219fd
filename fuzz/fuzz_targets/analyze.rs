//! Fuzz target `analyze`: see [`scomtriage_fuzz::entries::analyze`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scomtriage_fuzz::entries::analyze(data);
});
