//! Chains as a machine's chain engine would build them, from the certificates of the case.

use super::CaseView;
use crate::chain::{self, Candidate, Chain};
use crate::facts::certs::CertEntry;
use crate::facts::MachineFacts;

/// Where a certificate of the case was found, as chain evidence names it.
pub(crate) fn origin_of(m: &MachineFacts, e: &CertEntry) -> String {
    format!("{}: {}", m.name(), e.stores_display())
}

impl CaseView<'_> {
    /// Build the chain of certificate `cert` of machine `owner` as machine `validator` would:
    /// with the owner's and validator's installed certificates (and, when `everything`, every
    /// certificate of the case including chain files), trusting the validator's roots.
    pub fn chain_for(
        &self,
        owner: usize,
        cert: usize,
        validator: usize,
        everything: bool,
    ) -> Chain {
        let om = &self.case.machines[owner];
        let vm = &self.case.machines[validator];
        let origins: Vec<(usize, usize, String)> = self
            .case
            .machines
            .iter()
            .enumerate()
            .flat_map(|(mi, m)| {
                m.certs
                    .iter()
                    .enumerate()
                    .map(move |(ci, e)| (mi, ci, origin_of(m, e)))
            })
            .collect();
        let mut inter: Vec<Candidate<'_>> = Vec::new();
        let mut trusted: Vec<Candidate<'_>> = Vec::new();
        for (mi, ci, origin) in &origins {
            let e = &self.case.machines[*mi].certs[*ci];
            if *mi == validator && e.is_trusted_root() {
                trusted.push(Candidate {
                    cert: &e.cert,
                    origin: origin.as_str(),
                });
            }
            let installed_here = (*mi == owner || *mi == validator) && e.is_installed();
            if installed_here || everything {
                inter.push(Candidate {
                    cert: &e.cert,
                    origin: origin.as_str(),
                });
            }
        }
        let leaf = &om.certs[cert];
        chain::build(&leaf.cert, &origin_of(om, leaf), &inter, &trusted, vm.at())
    }
}
