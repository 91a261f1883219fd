//! # scomtriage-parsers
//!
//! Bytes to typed records, and nothing more: this crate knows file formats
//! (X.509, PKCS#7, `reg export` text, certificate-store `Blob` values, EVTX,
//! the bundle's JSON members) and knows nothing of SCOM. Deciding what a
//! record *means* for certificate authentication is the analyzer's job.
//!
//! Every parser takes untrusted bytes, never panics, and reports problems as
//! a typed error (one enum per module) that says what is wrong.

#![deny(missing_docs)]

pub mod certstore;
pub mod encoding;
pub mod evtx;
pub mod inventory;
pub mod manifest;
pub mod names;
pub mod pkcs7;
pub mod registry;
pub mod x509;

pub use certstore::{KeyProvInfo, StoreBlob};
pub use evtx::{EventFilter, EventRecord, EvtxIntegrity, EvtxLog};
pub use inventory::Inventory;
pub use manifest::Manifest;
pub use registry::{RegData, RegFile, RegKey, RegValue};
pub use x509::Certificate;
