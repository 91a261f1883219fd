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
pub mod p7b;
pub mod regfile;
pub mod rng;
pub mod scenario;
pub mod storeblob;
pub mod timeexpr;
