//! # scomtriage
//!
//! Tells a support engineer why a SCOM agent, gateway or management server cannot
//! authenticate with certificates, and what to do about it.
//!
//! Data flows one way: [`bundle`] (untrusted uploads to parsed members) → facts per
//! machine → rules (one root cause each) → ranked findings → renderers.

pub mod analyze;
pub mod bundle;
pub mod certcheck;
pub mod chain;
pub mod facts;
pub mod inspect;
pub mod knowledge;
pub mod rank;
pub mod report;
pub mod rules;
pub mod serial;
