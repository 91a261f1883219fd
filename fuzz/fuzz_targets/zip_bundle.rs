//! Fuzz target `zip_bundle`: see [`scomtriage_fuzz::entries::zip_bundle`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scomtriage_fuzz::entries::zip_bundle(data);
});
