//! # scomtriage
//!
//! Tells a support engineer why a SCOM agent, gateway or management server cannot
//! authenticate with certificates, and what to do about it.
//!
//! Data flows one way: [`bundle`] (untrusted uploads to parsed members) → [`facts`] per
//! machine → the case view (chains, topology) → rules (one root cause per file) → ranked
//! findings ([`finding`]) and the accounting of events ([`accounting`]) → [`report`] renderers.
//! Module map and the add-a-rule recipe: `docs/DEVELOPING.md`.

#![deny(missing_docs)]

pub mod accounting;
pub mod analyze;
pub mod bundle;
pub mod certcheck;
pub(crate) mod chain;
pub mod explain;
pub mod facts;
pub mod finding;
pub mod inspect;
pub(crate) mod knowledge;
pub(crate) mod rank;
pub mod report;
pub(crate) mod rules;
pub(crate) mod serial;
pub mod triage;
pub(crate) mod view;
