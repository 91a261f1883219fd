//! # scomtriage-corpus
//!
//! Test and benchmark support, never linked into the analyzer: a Windows-faithful EVTX
//! writer ([`evtx`]) and the scenario generator that writes bundles with known answers.

pub mod evtx;
