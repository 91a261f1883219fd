//! Queries over the events of the machines of a case: current runs, events naming a peer,
//! failures still current, error codes.

use super::CaseView;
use crate::facts::timeline::{Ev, Timeline};
use crate::knowledge::error_codes::{self, CodeClass, ErrorCode};
use crate::knowledge::events::{EventKind, Role};
use crate::knowledge::sets;

impl<'a> CaseView<'a> {
    /// Current (latest-epoch) events of machine `i` with any of `ids`.
    pub fn current(&self, i: usize, ids: &[u16]) -> Vec<usize> {
        self.m(i).timeline.find_current(ids)
    }

    /// Events of machine `i` with any of `ids`, any time.
    pub fn any(&self, i: usize, ids: &[u16]) -> Vec<usize> {
        self.m(i).timeline.find(ids)
    }

    /// The event itself.
    pub fn ev(&self, i: usize, e: usize) -> &'a Ev {
        &self.case.machines[i].timeline.events[e]
    }

    /// Whether the latest epoch of machine `i` loaded the certificate (20053).
    pub fn loaded_now(&self, i: usize) -> bool {
        matches!(
            self.m(i).timeline.latest_epoch().map(|e| e.load),
            Some(crate::facts::timeline::LoadOutcome::Loaded)
        )
    }

    /// Whether the latest epoch failed to load a certificate (or had none).
    pub fn load_failed_now(&self, i: usize) -> bool {
        matches!(
            self.m(i).timeline.latest_epoch().map(|e| e.load),
            Some(
                crate::facts::timeline::LoadOutcome::Failed
                    | crate::facts::timeline::LoadOutcome::NoCertificate
            )
        )
    }

    /// Current connection-failure symptoms on machine `i` (20071, 21016, 21015, 21018, 21021,
    /// 21007, 21010, 20057 with a non-Kerberos code): what a local certificate failure leads to.
    pub fn local_symptoms(&self, i: usize) -> Vec<usize> {
        let tl = &self.m(i).timeline;
        (0..tl.events.len())
            .filter(|e| {
                let ev = &tl.events[*e];
                let kind_ok = matches!(
                    ev.kind(),
                    Some(
                        EventKind::ClosedBeforeAuth
                            | EventKind::ChannelDown
                            | EventKind::NoCertificateLoaded
                    )
                ) || ev.is(21007)
                    || ev.is(21010);
                kind_ok && tl.is_current_failure(*e)
            })
            .collect()
    }

    /// The error code of an event (by the catalogue's role), with its table entry.
    pub fn code(&self, i: usize, e: usize) -> Option<(u32, Option<&'static ErrorCode>)> {
        let t = self.ev(i, e).role(Role::Code)?;
        let c = error_codes::parse_code(t)?;
        Some((c, error_codes::lookup(c)))
    }

    /// Class of an event's error code.
    pub fn code_class(&self, i: usize, e: usize) -> Option<CodeClass> {
        self.code(i, e).and_then(|(_, d)| d.map(|d| d.class))
    }

    /// Events on machine `i` reporting a peer certificate / security failure (20072, 20067,
    /// 20057, Schannel 36882/36884/36881) with a code in `classes`, current only.
    pub fn trust_events(&self, i: usize, classes: &[CodeClass]) -> Vec<usize> {
        self.current(i, &sets::PEER_CERT_OR_CONTEXT_FAILED)
            .into_iter()
            .filter(|e| self.code_class(i, *e).is_some_and(|c| classes.contains(&c)))
            .collect()
    }

    /// Events on machine `j` naming machine `i` (as remote), with any of `ids`.
    pub fn events_about(&self, j: usize, i: usize, ids: &[u16]) -> Vec<usize> {
        self.events_naming(j, i, |tl, a| tl.about(a, ids))
    }

    /// Events on machine `i` (initiator side) toward machine `j`.
    pub fn events_toward(&self, i: usize, j: usize, ids: &[u16]) -> Vec<usize> {
        self.events_naming(i, j, |tl, a| tl.toward(a, ids))
    }

    /// Events of machine `j` that `lookup` finds under any alias of machine `i`, in order,
    /// without repeats.
    fn events_naming(
        &self,
        j: usize,
        i: usize,
        lookup: impl Fn(&Timeline, &str) -> Vec<usize>,
    ) -> Vec<usize> {
        let tl = &self.m(j).timeline;
        let mut out: Vec<usize> = Vec::new();
        for a in self.aliases(i) {
            out.extend(lookup(tl, &a));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Failures on machine `i` with any of `ids` that are still current (latest run, after the
    /// last proof the channel worked).
    pub fn current_failures(&self, i: usize, ids: &[u16]) -> Vec<usize> {
        let tl = &self.m(i).timeline;
        self.current(i, ids)
            .into_iter()
            .filter(|e| tl.is_current_failure(*e))
            .collect()
    }

    /// Still-current failures on machine `i` (initiator side) toward the peer its events name
    /// `peer`, with any of `ids`.
    pub fn failures_toward_peer(&self, i: usize, peer: &str, ids: &[u16]) -> Vec<usize> {
        let tl = &self.m(i).timeline;
        tl.toward(peer, ids)
            .into_iter()
            .filter(|e| tl.is_current_failure(*e))
            .collect()
    }

    /// Still-current failures on machine `i` (initiator side) toward machine `j`, with any of
    /// `ids`.
    pub fn failures_toward(&self, i: usize, j: usize, ids: &[u16]) -> Vec<usize> {
        let tl = &self.m(i).timeline;
        self.events_toward(i, j, ids)
            .into_iter()
            .filter(|e| tl.is_current_failure(*e))
            .collect()
    }
}
