//! # scomtriage-corpus
//!
//! Test and benchmark support, never linked into the analyzer: a Windows-faithful EVTX
//! writer ([`evtx`]) and the scenario generator that writes bundles with known answers
//! ([`scenario`] model, [`generate`] bundles, `corpus-gen` binary).

pub mod bundlezip;
pub mod certs;
pub mod der;
pub mod events;
pub mod evtx;
pub mod generate;
pub mod hex;
pub mod keys;
pub mod large;
pub mod p7b;
pub mod regfile;
pub mod rng;
pub mod scenario;
pub mod storeblob;
pub mod timeexpr;

/// The committed scenario directory (`corpus/scenarios`).
pub fn scenario_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// The committed example bundles (`corpus/examples`).
pub fn examples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The scenarios written as the committed examples (`corpus-gen --examples DIR`).
pub const EXAMPLES: [&str; 3] = ["gateway_name_mismatch", "peer_untrusted", "healthy_agent"];
