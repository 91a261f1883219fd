//! Fuzz target `json_members`: see [`scomtriage_fuzz::entries::json_members`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scomtriage_fuzz::entries::json_members(data);
});
