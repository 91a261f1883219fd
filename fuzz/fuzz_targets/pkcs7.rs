//! Fuzz target `pkcs7`: see [`scomtriage_fuzz::entries::pkcs7`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scomtriage_fuzz::entries::pkcs7(data);
});
