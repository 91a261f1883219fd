//! The case view: what is derived once from the facts of a case and read by both the rules and
//! the report — each machine's channel certificate and its chains, and the topology (which
//! machine reports to which). Queries over events ([`events`]) and the construction of evidence
//! that cites facts ([`evidence`]) are methods of the same view.

pub mod chains;
pub mod events;
pub mod evidence;
pub mod topology;

use crate::chain::Chain;
use crate::facts::certs::CertEntry;
use crate::facts::certs::{norm_name, scom_name};
use crate::facts::timeline::norm_peer;
use crate::facts::{CaseFacts, MachineFacts, Selection};
pub use topology::Edge;

/// Derived per-machine views the rules share.
#[derive(Debug, Clone)]
pub struct MachineView {
    /// Channel certificate and how it was identified.
    pub channel: Option<(usize, Selection)>,
    /// Chain of the channel certificate with the machine's installed certificates only.
    pub own_chain: Option<Chain>,
    /// Chain with every certificate available in the case (other machines, `.p7b` files).
    pub full_chain: Option<Chain>,
}

/// The facts of a case with what is derived from them once.
pub struct CaseView<'a> {
    /// The case.
    pub case: &'a CaseFacts,
    /// Derived views, one per machine.
    pub views: Vec<MachineView>,
    /// Child → parent relations among machines of the case.
    pub edges: Vec<Edge>,
}

impl<'a> CaseView<'a> {
    /// Derive the views of every machine (channel certificate, chains) and the topology.
    pub fn new(case: &'a CaseFacts) -> CaseView<'a> {
        let mut ctx = CaseView {
            case,
            views: Vec::new(),
            edges: Vec::new(),
        };
        for i in 0..case.machines.len() {
            let m = &case.machines[i];
            let channel = m.channel_cert();
            let (own_chain, full_chain) = match channel {
                Some((ci, _)) => {
                    let own = ctx.chain_for(i, ci, i, false);
                    let full = ctx.chain_for(i, ci, i, true);
                    (Some(own), Some(full))
                }
                None => (None, None),
            };
            ctx.views.push(MachineView {
                channel,
                own_chain,
                full_chain,
            });
        }
        ctx.edges = topology::topology(case);
        ctx
    }

    /// Machine facts.
    pub fn m(&self, i: usize) -> &'a MachineFacts {
        &self.case.machines[i]
    }

    /// Machine display name.
    pub fn name(&self, i: usize) -> String {
        self.case.machines[i].name()
    }

    /// Number of machines.
    pub fn len(&self) -> usize {
        self.case.machines.len()
    }

    /// The channel certificate entry of machine `i`.
    pub fn channel(&self, i: usize) -> Option<(&'a CertEntry, Selection)> {
        self.views[i]
            .channel
            .map(|(ci, s)| (&self.case.machines[i].certs[ci], s))
    }

    /// The names machine `i` may appear under in other machines' events.
    pub fn aliases(&self, i: usize) -> Vec<String> {
        let m = self.m(i);
        let mut v: Vec<String> = Vec::new();
        if let Some(f) = &m.identity.fqdn {
            v.push(f.clone());
        }
        if let Some(n) = &m.identity.netbios {
            v.push(norm_name(n));
        }
        if let Some((e, _)) = self.channel(i) {
            if let Some(n) = scom_name(&e.cert) {
                v.push(norm_name(n));
            }
        }
        v.extend(m.identity.ips.iter().cloned());
        v.sort();
        v.dedup();
        v
    }

    /// Parents of machine `i` in the case.
    pub fn parents_of(&self, i: usize) -> Vec<&Edge> {
        self.edges.iter().filter(|e| e.child == i).collect()
    }

    /// Children of machine `i` in the case.
    pub fn children_of(&self, i: usize) -> Vec<&Edge> {
        self.edges.iter().filter(|e| e.parent == i).collect()
    }

    /// Machines that report through machine `i` (children, their children, …).
    pub fn descendants(&self, i: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut todo = vec![i];
        while let Some(x) = todo.pop() {
            for e in self.children_of(x) {
                if e.child != i && !out.contains(&e.child) {
                    out.push(e.child);
                    todo.push(e.child);
                }
            }
        }
        out
    }

    /// Names of the parents machine `i` connects to (registry and events), whether or not in the case.
    pub fn parent_names(&self, i: usize) -> Vec<String> {
        self.m(i).parent_names()
    }

    /// The best display name for a peer named `p` by machine `i`'s events.
    pub fn peer_display(&self, p: &str) -> String {
        match self.case.find_machine(p) {
            Some(j) => self.name(j),
            None => norm_peer(p),
        }
    }
}
