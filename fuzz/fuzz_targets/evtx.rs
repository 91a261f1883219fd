//! Fuzz target `evtx`: see [`scomtriage_fuzz::entries::evtx`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scomtriage_fuzz::entries::evtx(data);
});
