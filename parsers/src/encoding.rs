//! Text encodings shared by the parsers: Base64, PEM armour, UTF-16.
//!
//! Owner: parsers-cert helper (PEM/Base64) and parsers-reg helper (UTF-16).
