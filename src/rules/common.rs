//! Mechanism the rules share: running a rule over every machine or every (machine, peer) pair,
//! and building the parts of a finding that many causes have in common.

use super::{Ctx, Finding};

/// Run a per-machine rule on every machine of the case.
pub fn each_machine(
    ctx: &Ctx<'_>,
    rule: impl Fn(&Ctx<'_>, usize) -> Option<Finding>,
) -> Vec<Finding> {
    (0..ctx.len()).filter_map(|i| rule(ctx, i)).collect()
}

/// Run a per-peer rule for every machine of the case and every peer its events name.
pub fn each_peer(
    ctx: &Ctx<'_>,
    rule: impl Fn(&Ctx<'_>, usize, &str) -> Option<Finding>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for i in 0..ctx.len() {
        for p in ctx.m(i).timeline.peers.keys() {
            out.extend(rule(ctx, i, p));
        }
    }
    out
}
