//! Fuzz target `reg`: see [`scomtriage_fuzz::entries::reg`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scomtriage_fuzz::entries::reg(data);
});
