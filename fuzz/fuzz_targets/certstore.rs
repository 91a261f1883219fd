//! Fuzz target `certstore`: see [`scomtriage_fuzz::entries::certstore`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scomtriage_fuzz::entries::certstore(data);
});
