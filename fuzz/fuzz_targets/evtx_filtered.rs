//! Fuzz target `evtx_filtered`: see [`scomtriage_fuzz::entries::evtx_filtered`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scomtriage_fuzz::entries::evtx_filtered(data);
});
