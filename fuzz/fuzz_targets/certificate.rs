//! Fuzz target `certificate`: see [`scomtriage_fuzz::entries::certificate`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scomtriage_fuzz::entries::certificate(data);
});
