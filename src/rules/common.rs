//! Mechanism the rules share: running a rule over every machine or every (machine, peer) pair,
//! and building the parts of a finding that many causes have in common.

use super::remedy::register_and_restart;
use super::{CaseView, Cause};
use crate::facts::certs::{KeyFacts, KeySource};
use crate::facts::timeline::names_match;
use crate::finding::Signal;
use crate::finding::{Finding, Nature, Source};
use crate::knowledge::error_codes::CodeClass;
use crate::knowledge::sets;
use scomtriage_parsers::x509::Certificate;

/// Run a per-machine rule on every machine of the case.
pub fn each_machine(
    ctx: &CaseView<'_>,
    rule: impl Fn(&CaseView<'_>, usize) -> Option<Finding>,
) -> Vec<Finding> {
    (0..ctx.len()).filter_map(|i| rule(ctx, i)).collect()
}

/// Run a per-peer rule for every machine of the case and every peer its events name.
pub fn each_peer(
    ctx: &CaseView<'_>,
    rule: impl Fn(&CaseView<'_>, usize, &str) -> Option<Finding>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for i in 0..ctx.len() {
        for p in ctx.m(i).timeline.peers.keys() {
            out.extend(rule(ctx, i, p));
        }
    }
    out
}

/// The signal of a static fact: [`Signal::StaticInference`] when it rests on an inference,
/// else [`Signal::StaticFact`].
pub fn static_signal(inferred: bool) -> Signal {
    if inferred {
        Signal::StaticInference
    } else {
        Signal::StaticFact
    }
}

/// Where a certificate's key facts come from, as evidence text says it.
pub fn key_facts_origin(k: &KeyFacts) -> &'static str {
    if k.source == KeySource::StoreBlob {
        "store blob CRYPT_KEY_PROV_INFO"
    } else {
        "inventory"
    }
}

/// The static fact about an extension that machine `i`'s channel certificate must have with
/// some required values. `lacks` turns the extension, when present, into the evidence text of
/// what it lacks (`None` when it lacks nothing): observed, unless the channel certificate is
/// itself an inference. An absent extension gives `absent` as an inference: the checker scripts
/// reject it, but SCOM's own behaviour is not documented.
pub fn required_extension_fact<T>(
    ctx: &CaseView<'_>,
    i: usize,
    field: &str,
    extension: impl Fn(&Certificate) -> Option<&T>,
    lacks: impl Fn(&T) -> Option<String>,
    absent: &str,
) -> Option<(bool, Source, String)> {
    let (e, sel) = ctx.channel(i)?;
    let (inferred, text) = match extension(&e.cert) {
        Some(x) => (sel.is_inference(), lacks(x)?),
        None => (true, absent.to_string()),
    };
    Some((inferred, ctx.cert_source(i, e, field), text))
}

impl CaseView<'_> {
    /// A cause's own events in machine `i`'s current run (`evs`, possibly none): observed
    /// evidence, [`Signal::SignatureEvent`], [`Signal::Agreement`] when `agrees` (the static
    /// facts say the same), and explained. Returns whether there were any.
    pub fn signature_events(&self, f: &mut Finding, i: usize, evs: &[usize], agrees: bool) -> bool {
        if evs.is_empty() {
            return false;
        }
        self.add_events(f, i, evs, "");
        f.signal(Signal::SignatureEvent);
        if agrees {
            f.signal(Signal::Agreement);
        }
        f.explain(i, evs.iter().copied());
        true
    }

    /// Other machines rejecting machine `i`'s certificate in their current run (20072/20067
    /// about `i` with an error code of one of `classes`): evidence per peer,
    /// [`Signal::PeerConfirmation`], explained.
    pub fn peer_rejections(&self, f: &mut Finding, i: usize, classes: &[CodeClass]) {
        for j in (0..self.len()).filter(|j| *j != i) {
            let evs: Vec<usize> = self
                .events_about(j, i, &sets::PEER_CERT_REJECTED)
                .into_iter()
                .filter(|e| {
                    self.m(j).timeline.in_current_epoch(*e)
                        && self.code_class(j, *e).is_some_and(|c| classes.contains(&c))
                })
                .collect();
            if !evs.is_empty() {
                self.add_events(f, j, &evs, &format!("on {}: ", self.name(j)));
                f.signal(Signal::PeerConfirmation);
                f.explain(j, evs);
            }
        }
    }
}

/// Builder of a finding about a defect of machine `i`'s own certificate or key that makes the
/// Health Service refuse it at start (wrong EKU, Key Usage or KeySpec, a CNG or missing key, a
/// registry serial selecting nothing): the static facts, the connector's own load-failure events
/// and whether they agree, earlier runs' events, a contradiction when the current run loaded
/// the certificate (20053) without such an event, the local connection failures a refused
/// certificate leads to, and the register-and-restart tail. The rule keeps its specific
/// knowledge (what is wrong, its event ids, the fix) and adds anything else to [`Self::f`].
pub struct CertDefect<'c, 'a> {
    ctx: &'c CaseView<'a>,
    i: usize,
    /// The finding under construction.
    pub f: Finding,
    confirmed: bool,
    contradiction_note: Option<&'static str>,
}

impl<'c, 'a> CertDefect<'c, 'a> {
    /// Start a finding on machine `i`.
    pub fn new(
        ctx: &'c CaseView<'a>,
        i: usize,
        cause: Cause,
        title: impl Into<String>,
        summary: impl Into<String>,
    ) -> Self {
        let mut f = ctx.finding(cause, i, title);
        f.summary = summary.into();
        CertDefect {
            ctx,
            i,
            f,
            confirmed: false,
            contradiction_note: None,
        }
    }

    /// Add the evidence of which certificate is the channel certificate (every cause but the
    /// one about the selection itself wants it first).
    pub fn with_selection(mut self) -> Self {
        self.ctx.add_selection(&mut self.f, self.i);
        self
    }

    /// Static facts `(inferred, source, text)`: evidence (an inference or observed) and one
    /// signal for all, [`Signal::StaticInference`] when every fact is inferred, else
    /// [`Signal::StaticFact`]. No facts, no signal.
    pub fn facts(&mut self, facts: impl IntoIterator<Item = (bool, Source, String)>) -> &mut Self {
        let mut any = false;
        let mut all_inferred = true;
        for (inferred, source, text) in facts {
            self.f.add(Nature::inferred_if(inferred), source, text);
            any = true;
            all_inferred &= inferred;
        }
        if any {
            self.f.signal(static_signal(all_inferred));
        }
        self
    }

    /// One static fact (see [`Self::facts`]).
    pub fn fact(&mut self, inferred: bool, source: Source, text: impl Into<String>) -> &mut Self {
        self.facts([(inferred, source, text.into())])
    }

    /// The cause's own events in the current run (see [`Ctx::signature_events`]); any of them
    /// rules out the contradiction of a certificate that loaded.
    pub fn events(&mut self, current: &[usize], agrees: bool) -> &mut Self {
        self.confirmed |= self
            .ctx
            .signature_events(&mut self.f, self.i, current, agrees);
        self
    }

    /// Whether current events were given to [`Self::events`].
    pub fn confirmed(&self) -> bool {
        self.confirmed
    }

    /// Without current events: the cause's events of earlier runs count as
    /// [`Signal::PastSignatureEvent`] (the defect may have been fixed since).
    pub fn past(&mut self, past: &[usize]) -> &mut Self {
        if !self.confirmed && !past.is_empty() {
            self.f.signal(Signal::PastSignatureEvent);
        }
        self
    }

    /// Like [`Self::past`], and show those events as evidence.
    pub fn past_shown(&mut self, past: &[usize]) -> &mut Self {
        if !self.confirmed {
            self.ctx
                .add_events(&mut self.f, self.i, past, "earlier run: ");
        }
        self.past(past)
    }

    /// Evidence text to add with the contradiction, if there is one.
    pub fn contradiction_note(&mut self, text: &'static str) -> &mut Self {
        self.contradiction_note = Some(text);
        self
    }

    /// Finish: [`Signal::Contradiction`] (with its note) when the current run loaded the
    /// certificate and no current event confirms; when the current run failed to load, the
    /// local connection failures are explained; then the standard register-and-restart steps
    /// after the fix steps the rule added.
    pub fn finish(self) -> Finding {
        let CertDefect {
            ctx,
            i,
            mut f,
            confirmed,
            contradiction_note,
        } = self;
        if ctx.loaded_now(i) && !confirmed {
            f.contradiction(contradiction_note);
        }
        if ctx.load_failed_now(i) {
            f.explain(i, ctx.local_symptoms(i));
        }
        register_and_restart(&mut f, ctx, i);
        f
    }
}

/// Whether `a` and `b` name the same host (normalised, or host label vs FQDN).
pub fn same_host(a: &str, b: &str) -> bool {
    names_match(a, b)
}
