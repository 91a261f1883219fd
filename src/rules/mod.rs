//! Rules: one file per cause id. Each rule reads facts (never bytes) and returns findings that
//! carry their evidence (with its source and whether it is observed or inferred), the signals
//! that score them (see [`crate::rank`]), the failure events they explain and the remediation.

pub mod cng_key;
pub mod dns;
pub mod eku;
pub mod expired;
pub mod gateway_reconnect_stall;
pub mod kerberos;
pub mod key_spec;
pub mod key_usage;
pub mod missing_intermediate;
pub mod ms_lacks_certificate;
pub mod name_mismatch;
pub mod network;
pub mod no_certificate_configured;
pub mod not_approved;
pub mod not_yet_valid;
pub mod peer_untrusted;
pub mod private_key_missing;
pub mod renewed_not_reimported;
pub mod serial_mismatch;
pub mod untrusted_root;
pub mod weak_crypto;

pub mod common;

use crate::chain::{self, Candidate, Chain};
use crate::facts::certs::{norm_name, scom_name, CertEntry, KeySource};
use crate::facts::identity::MachineRole;
use crate::facts::time::{fmt_secs, fmt_us};
use crate::facts::timeline::{names_match, norm_peer, Ev, Timeline};
use crate::facts::{CaseFacts, CheckNotRun, MachineFacts, RegFact, Selection};
use crate::knowledge::error_codes::{self, CodeClass, ErrorCode};
use crate::knowledge::events::{EventKind, Role};
use crate::rank::Signal;
use serde::Serialize;

/// Root causes. The ids (snake_case) are used in JSON and by the scenario corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The certificate's name (first DNS SAN, else CN) is not the machine's FQDN.
    NameMismatch,
    /// The channel certificate has no usable private key.
    PrivateKeyMissing,
    /// KeySpec is not AT_KEYEXCHANGE.
    KeySpec,
    /// The private key lives in a CNG key storage provider.
    CngKey,
    /// The machine does not trust the root of its own chain (nor peers from the same CA).
    UntrustedRoot,
    /// A machine does not trust the CA of its peer's certificate.
    PeerUntrusted,
    /// An intermediate CA certificate is missing.
    MissingIntermediate,
    /// The registry serial does not select a certificate in LocalMachine\My.
    SerialMismatch,
    /// No certificate configured on a machine that needs one.
    NoCertificateConfigured,
    /// A renewed certificate exists but the registry still selects the old one.
    RenewedNotReimported,
    /// The certificate (or a CA in its chain) has expired.
    Expired,
    /// The certificate is not yet valid.
    NotYetValid,
    /// Enhanced Key Usage lacks Server or Client Authentication.
    Eku,
    /// KeyUsage lacks Digital Signature or Key Encipherment.
    KeyUsage,
    /// The child is not approved by its parent (pending management / gateway approval).
    NotApproved,
    /// Heuristic: gateway approved as MS-initiated, and the MS stopped reconnecting.
    GatewayReconnectStall,
    /// TCP connectivity to the parent fails.
    Network,
    /// The parent's name does not resolve.
    Dns,
    /// Kerberos / SPN failure (not certificates).
    Kerberos,
    /// The management server has no certificate while its children use certificates.
    MsLacksCertificate,
    /// Weak key or hash (best practice only).
    WeakCrypto,
}

impl Cause {
    /// Every cause, in tie-break order.
    pub const ALL: [Cause; 21] = [
        Cause::NameMismatch,
        Cause::PrivateKeyMissing,
        Cause::KeySpec,
        Cause::CngKey,
        Cause::UntrustedRoot,
        Cause::PeerUntrusted,
        Cause::MissingIntermediate,
        Cause::SerialMismatch,
        Cause::NoCertificateConfigured,
        Cause::RenewedNotReimported,
        Cause::Expired,
        Cause::NotYetValid,
        Cause::Eku,
        Cause::KeyUsage,
        Cause::NotApproved,
        Cause::GatewayReconnectStall,
        Cause::Network,
        Cause::Dns,
        Cause::Kerberos,
        Cause::MsLacksCertificate,
        Cause::WeakCrypto,
    ];

    /// The id used in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Cause::NameMismatch => "name_mismatch",
            Cause::PrivateKeyMissing => "private_key_missing",
            Cause::KeySpec => "key_spec",
            Cause::CngKey => "cng_key",
            Cause::UntrustedRoot => "untrusted_root",
            Cause::PeerUntrusted => "peer_untrusted",
            Cause::MissingIntermediate => "missing_intermediate",
            Cause::SerialMismatch => "serial_mismatch",
            Cause::NoCertificateConfigured => "no_certificate_configured",
            Cause::RenewedNotReimported => "renewed_not_reimported",
            Cause::Expired => "expired",
            Cause::NotYetValid => "not_yet_valid",
            Cause::Eku => "eku",
            Cause::KeyUsage => "key_usage",
            Cause::NotApproved => "not_approved",
            Cause::GatewayReconnectStall => "gateway_reconnect_stall",
            Cause::Network => "network",
            Cause::Dns => "dns",
            Cause::Kerberos => "kerberos",
            Cause::MsLacksCertificate => "ms_lacks_certificate",
            Cause::WeakCrypto => "weak_crypto",
        }
    }

    /// Parse an id.
    pub fn from_id(id: &str) -> Option<Cause> {
        Cause::ALL.iter().copied().find(|c| c.id() == id)
    }

    /// What kind of finding the cause yields.
    pub fn kind(self) -> FindingKind {
        match self {
            Cause::WeakCrypto => FindingKind::Advisory,
            Cause::GatewayReconnectStall => FindingKind::Heuristic,
            _ => FindingKind::Failure,
        }
    }

    /// Causes found on the machine's own certificate that stop it loading at Health Service start.
    pub fn is_local_certificate_cause(self) -> bool {
        matches!(
            self,
            Cause::NameMismatch
                | Cause::PrivateKeyMissing
                | Cause::KeySpec
                | Cause::CngKey
                | Cause::SerialMismatch
                | Cause::NoCertificateConfigured
                | Cause::RenewedNotReimported
                | Cause::Expired
                | Cause::NotYetValid
                | Cause::Eku
                | Cause::KeyUsage
        )
    }
}

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A cause of failure.
    Failure,
    /// A heuristic (pattern match on undocumented behaviour).
    Heuristic,
    /// A best-practice warning.
    Advisory,
}

/// Confidence of a finding (derived from its score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Below medium.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

impl Confidence {
    /// `high`, `medium`, `low`.
    pub fn id(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// Observed fact or inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    /// Read from the input.
    Observed,
    /// Concluded from facts; not directly seen.
    Inference,
}

impl Nature {
    /// [`Nature::Inference`] when `inferred`, else [`Nature::Observed`].
    pub fn inferred_if(inferred: bool) -> Nature {
        if inferred {
            Nature::Inference
        } else {
            Nature::Observed
        }
    }
}

/// Where a piece of evidence comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Source {
    /// A certificate field.
    Certificate {
        /// Machine.
        machine: String,
        /// Thumbprint.
        thumbprint: String,
        /// Subject.
        subject: String,
        /// Field(s).
        field: String,
        /// Where the certificate was found.
        found_in: String,
    },
    /// A registry value.
    Registry {
        /// Machine.
        machine: String,
        /// File label.
        file: String,
        /// Key.
        key: String,
        /// Value name.
        value: String,
        /// Line.
        line: usize,
    },
    /// An event record.
    Event {
        /// Machine.
        machine: String,
        /// File label.
        file: String,
        /// Provider.
        provider: String,
        /// Event id.
        event_id: u16,
        /// EventRecordID.
        record_id: u64,
        /// Time (RFC 3339 UTC).
        time: String,
    },
    /// Private-key facts.
    Key {
        /// Machine.
        machine: String,
        /// `inventory` or `store_blob`.
        from: String,
        /// File and entry.
        origin: String,
    },
    /// Manifest field.
    Manifest {
        /// Machine.
        machine: String,
        /// Field.
        field: String,
    },
    /// A chain built by the analyzer.
    Chain {
        /// Machine whose trust was evaluated.
        validator: String,
        /// The chain, leaf first.
        chain: String,
    },
    /// Something looked for and not found.
    Absence {
        /// Machine.
        machine: String,
        /// What was looked for.
        what: String,
    },
    /// A comparison of several facts.
    Comparison {
        /// Machine.
        machine: String,
    },
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Observed or inferred.
    pub nature: Nature,
    /// What it says.
    pub text: String,
    /// Where it comes from.
    pub source: Source,
}

/// One remediation step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Machine to run it on.
    pub on: String,
    /// What to do.
    pub text: String,
    /// The command, if there is one.
    pub command: Option<String>,
}

/// A failure event linked to a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct EventRef {
    /// Machine index.
    pub machine: usize,
    /// Event index in that machine's timeline.
    pub event: usize,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Cause.
    pub cause: Cause,
    /// Machine index in the case, when the machine's bundle is part of it.
    pub machine: Option<usize>,
    /// Machine FQDN (or the name other machines' events use, when its bundle is absent).
    pub machine_name: String,
    /// One line.
    pub title: String,
    /// A few sentences.
    pub summary: String,
    /// Evidence.
    pub evidence: Vec<Evidence>,
    /// Scoring signals.
    pub signals: Vec<Signal>,
    /// Remediation steps.
    pub remediation: Vec<Step>,
    /// Failure events this cause explains.
    pub explains: Vec<EventRef>,
    /// What the rule could not see.
    pub cannot_see: Vec<String>,
    /// More general causes on the same machine that this finding covers (they are reported too,
    /// ranked just below it).
    pub merged: Vec<Cause>,
    /// The more specific cause that covers this one, if any.
    pub covered_by: Option<Cause>,
    /// Score (set by ranking).
    pub score: u32,
    /// Confidence (set by ranking).
    pub confidence: Confidence,
}

impl Finding {
    /// A new finding for a machine of the case.
    pub fn new(cause: Cause, ctx: &Ctx<'_>, machine: usize, title: impl Into<String>) -> Finding {
        Finding::blank(cause, Some(machine), ctx.name(machine), title.into())
    }

    /// A finding about a machine that is not in the case (named by another machine's events).
    pub fn named(cause: Cause, name: &str, title: impl Into<String>) -> Finding {
        Finding::blank(cause, None, norm_name(name), title.into())
    }

    /// A finding with nothing but its cause, machine and title.
    fn blank(cause: Cause, machine: Option<usize>, machine_name: String, title: String) -> Finding {
        Finding {
            cause,
            machine,
            machine_name,
            title,
            summary: String::new(),
            evidence: Vec::new(),
            signals: Vec::new(),
            remediation: Vec::new(),
            explains: Vec::new(),
            cannot_see: Vec::new(),
            merged: Vec::new(),
            covered_by: None,
            score: 0,
            confidence: Confidence::Low,
        }
    }

    /// Add evidence.
    pub fn add(&mut self, nature: Nature, source: Source, text: impl Into<String>) -> &mut Self {
        let text = text.into();
        if !self
            .evidence
            .iter()
            .any(|e| e.text == text && e.source == source)
        {
            self.evidence.push(Evidence {
                nature,
                text,
                source,
            });
        }
        self
    }

    /// Add a signal.
    pub fn signal(&mut self, s: Signal) -> &mut Self {
        self.signals.push(s);
        self
    }

    /// Add a remediation step.
    pub fn step(
        &mut self,
        on: &str,
        text: impl Into<String>,
        command: Option<String>,
    ) -> &mut Self {
        self.remediation.push(Step {
            on: on.to_string(),
            text: text.into(),
            command,
        });
        self
    }

    /// Link failure events (deduplicated).
    pub fn explain(
        &mut self,
        machine: usize,
        events: impl IntoIterator<Item = usize>,
    ) -> &mut Self {
        for e in events {
            let r = EventRef { machine, event: e };
            if !self.explains.contains(&r) {
                self.explains.push(r);
            }
        }
        self
    }

    /// Whether a signal is present.
    pub fn has(&self, s: Signal) -> bool {
        self.signals.contains(&s)
    }
}

/// A child → parent relation between machines of the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// Child machine index.
    pub child: usize,
    /// Parent machine index.
    pub parent: usize,
    /// How we know.
    pub source: String,
    /// Whether the relation is inferred from roles only.
    pub inferred: bool,
}

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

/// What rules see.
pub struct Ctx<'a> {
    /// The case.
    pub case: &'a CaseFacts,
    /// Derived views, one per machine.
    pub views: Vec<MachineView>,
    /// Child → parent relations among machines of the case.
    pub edges: Vec<Edge>,
}

/// Every certificate of the case as chain candidates, with origins.
fn origin_of(m: &MachineFacts, e: &CertEntry) -> String {
    format!("{}: {}", m.name(), e.stores_display())
}

impl<'a> Ctx<'a> {
    /// Derive views and topology.
    pub fn new(case: &'a CaseFacts) -> Ctx<'a> {
        let mut ctx = Ctx {
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
        ctx.edges = topology(case);
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

    /// Whether the case has no machine.
    pub fn is_empty(&self) -> bool {
        self.case.machines.is_empty()
    }

    /// The channel certificate entry of machine `i`.
    pub fn channel(&self, i: usize) -> Option<(&'a CertEntry, Selection)> {
        self.views[i]
            .channel
            .map(|(ci, s)| (&self.case.machines[i].certs[ci], s))
    }

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

    /// Evidence for an event.
    pub fn ev_source(&self, i: usize, e: usize) -> Source {
        let ev = self.ev(i, e);
        Source::Event {
            machine: self.name(i),
            file: ev.file.clone(),
            provider: ev.provider.clone(),
            event_id: ev.event_id,
            record_id: ev.record_id,
            time: fmt_us(ev.time_us),
        }
    }

    /// Evidence text for an event: id, time, rendered message (one line).
    pub fn ev_text(&self, i: usize, e: usize) -> String {
        let ev = self.ev(i, e);
        let msg = ev.message().replace('\n', " ");
        let msg = msg.split_whitespace().collect::<Vec<_>>().join(" ");
        let mark = ev.def.map(|d| d.text_mark.label()).unwrap_or("no template");
        format!(
            "{} {} at {}: \"{}\" (message text: {mark})",
            ev.provider,
            ev.event_id,
            fmt_us(ev.time_us),
            msg
        )
    }

    /// Add event evidence (observed) to a finding, with repeats summarised.
    pub fn add_events(&self, f: &mut Finding, i: usize, evs: &[usize], lead: &str) {
        if evs.is_empty() {
            return;
        }
        let first = evs[0];
        let last = evs[evs.len() - 1];
        let mut text = format!("{lead}{}", self.ev_text(i, last));
        if evs.len() > 1 {
            text.push_str(&format!(
                "; {} such events from {} to {}",
                evs.len(),
                fmt_us(self.ev(i, first).time_us),
                fmt_us(self.ev(i, last).time_us)
            ));
        }
        f.add(Nature::Observed, self.ev_source(i, last), text);
    }

    /// Certificate evidence source.
    pub fn cert_source(&self, i: usize, e: &CertEntry, field: &str) -> Source {
        Source::Certificate {
            machine: self.name(i),
            thumbprint: e.cert.thumbprint_sha1.clone(),
            subject: e.cert.subject.clone(),
            field: field.to_string(),
            found_in: e.stores_display(),
        }
    }

    /// Registry evidence source.
    pub fn reg_source<T>(&self, i: usize, r: &RegFact<T>) -> Source {
        Source::Registry {
            machine: self.name(i),
            file: r.file.clone(),
            key: r.key.clone(),
            value: r.name.clone(),
            line: r.line,
        }
    }

    /// Key-facts evidence source.
    pub fn key_source(&self, i: usize, e: &CertEntry) -> Source {
        Source::Key {
            machine: self.name(i),
            from: match e.key.source {
                KeySource::Inventory => "inventory".into(),
                KeySource::StoreBlob => "store_blob".into(),
                KeySource::Unknown => "unknown".into(),
            },
            origin: e.key.origin.clone(),
        }
    }

    /// Add the evidence that says which certificate is the channel certificate.
    pub fn add_selection(&self, f: &mut Finding, i: usize) {
        let Some((e, sel)) = self.channel(i) else {
            return;
        };
        let m = self.m(i);
        let nature = Nature::inferred_if(sel.is_inference());
        let src = match (sel, &m.channel.serial, &m.channel.hash) {
            (Selection::RegistrySerial, Some(s), _) => self.reg_source(i, s),
            (Selection::RegistryHash, _, Some(h)) => self.reg_source(i, h),
            _ => self.cert_source(i, e, "subject, serial"),
        };
        f.add(
            nature,
            src,
            format!(
                "channel certificate: \"{}\" serial {} thumbprint {} ({}), valid {} to {}, {}",
                e.cert.subject,
                e.cert.serial_hex,
                e.cert.thumbprint_sha1,
                e.stores_display(),
                fmt_secs(e.cert.not_before),
                fmt_secs(e.cert.not_after),
                sel.words()
            ),
        );
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
        self.current(i, &[20072, 20067, 20057])
            .into_iter()
            .filter(|e| self.code_class(i, *e).is_some_and(|c| classes.contains(&c)))
            .collect()
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
        let m = self.m(i);
        let mut v: Vec<String> = m.parents.iter().map(|p| p.network_name.clone()).collect();
        v.extend(m.timeline.peers.keys().cloned());
        v.sort();
        v.dedup();
        v
    }

    /// The best display name for a peer named `p` by machine `i`'s events.
    pub fn peer_display(&self, p: &str) -> String {
        match self.case.find_machine(p) {
            Some(j) => self.name(j),
            None => norm_peer(p),
        }
    }
}

/// Child → parent relations: registry parents and initiator events naming a machine of the case,
/// parents' events naming children; without either, roles (agent → gateway → management server).
pub fn topology(case: &CaseFacts) -> Vec<Edge> {
    let mut edges: Vec<Edge> = Vec::new();
    let push =
        |edges: &mut Vec<Edge>, child: usize, parent: usize, source: String, inferred: bool| {
            if child != parent && !edges.iter().any(|e| e.child == child && e.parent == parent) {
                edges.push(Edge {
                    child,
                    parent,
                    source,
                    inferred,
                });
            }
        };
    for (i, m) in case.machines.iter().enumerate() {
        for p in &m.parents {
            if let Some(j) = case.find_machine(&p.network_name) {
                push(
                    &mut edges,
                    i,
                    j,
                    format!("registry parent {}", p.source),
                    false,
                );
            }
        }
        for (peer, evs) in &m.timeline.peers {
            if let Some(j) = case.find_machine(peer) {
                let e = &m.timeline.events[evs[0]];
                push(
                    &mut edges,
                    i,
                    j,
                    format!(
                        "{} {} record {} names {peer}",
                        e.provider, e.event_id, e.record_id
                    ),
                    false,
                );
            }
        }
        for (remote, evs) in &m.timeline.remotes {
            let e = &m.timeline.events[evs[0]];
            if matches!(e.event_id, 20000 | 20001 | 20022) {
                if let Some(j) = case.find_machine(remote) {
                    push(
                        &mut edges,
                        j,
                        i,
                        format!(
                            "{} {} record {} names {remote}",
                            e.provider, e.event_id, e.record_id
                        ),
                        false,
                    );
                }
            }
        }
    }
    let rank = |r: MachineRole| match r {
        MachineRole::Agent => 0,
        MachineRole::Gateway => 1,
        MachineRole::ManagementServer => 2,
        MachineRole::Unknown => -1,
    };
    for i in 0..case.machines.len() {
        if edges.iter().any(|e| e.child == i || e.parent == i) {
            continue;
        }
        let ri = rank(case.machines[i].role());
        if ri < 0 || ri == 2 {
            continue;
        }
        // Nearest higher role.
        let mut best: Option<(usize, i32)> = None;
        for (j, mj) in case.machines.iter().enumerate() {
            let rj = rank(mj.role());
            if rj > ri && best.is_none_or(|(_, b)| rj < b) {
                best = Some((j, rj));
            }
        }
        if let Some((j, _)) = best {
            push(
                &mut edges,
                i,
                j,
                format!(
                    "inferred from roles ({} → {})",
                    case.machines[i].role().words(),
                    case.machines[j].role().words()
                ),
                true,
            );
        }
    }
    edges
}

/// Run every rule.
pub fn run_all(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(name_mismatch::check(ctx));
    out.extend(private_key_missing::check(ctx));
    out.extend(key_spec::check(ctx));
    out.extend(cng_key::check(ctx));
    out.extend(untrusted_root::check(ctx));
    out.extend(peer_untrusted::check(ctx));
    out.extend(missing_intermediate::check(ctx));
    out.extend(serial_mismatch::check(ctx));
    out.extend(no_certificate_configured::check(ctx));
    out.extend(renewed_not_reimported::check(ctx));
    out.extend(expired::check(ctx));
    out.extend(not_yet_valid::check(ctx));
    out.extend(eku::check(ctx));
    out.extend(key_usage::check(ctx));
    out.extend(not_approved::check(ctx));
    out.extend(gateway_reconnect_stall::check(ctx));
    out.extend(network::check(ctx));
    out.extend(dns::check(ctx));
    out.extend(kerberos::check(ctx));
    out.extend(ms_lacks_certificate::check(ctx));
    out.extend(weak_crypto::check(ctx));
    link_peers(ctx, &mut out);
    out
}

/// A machine whose own certificate does not load fails every connection: link its children's
/// current 20071/21016/21015/21007 toward it and its parents' current events about it
/// (heartbeat loss, rejected connections) to the local cause that explains them.
pub fn link_peers(ctx: &Ctx<'_>, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        let Some(i) = f.machine else {
            continue;
        };
        if !f.cause.is_local_certificate_cause() || !ctx.load_failed_now(i) {
            continue;
        }
        for j in 0..ctx.len() {
            if j == i {
                continue;
            }
            let tl = &ctx.m(j).timeline;
            let mut evs = ctx.failures_toward(j, i, &[20071, 21016, 21015, 21007]);
            let since = ctx.m(i).timeline.current_start_us().unwrap_or(i64::MIN);
            evs.extend(
                ctx.events_about(j, i, &[20022, 20023, 21002, 20002, 20067, 20072])
                    .into_iter()
                    .filter(|e| tl.in_current_epoch(*e) && tl.events[*e].time_us >= since),
            );
            // Heartbeat loss of machines that report through i.
            for d in ctx.descendants(i) {
                if d != j {
                    evs.extend(
                        ctx.events_about(j, d, &[20022, 20023])
                            .into_iter()
                            .filter(|e| tl.in_current_epoch(*e) && tl.events[*e].time_us >= since),
                    );
                }
            }
            evs.sort_unstable();
            evs.dedup();
            if evs.is_empty() {
                continue;
            }
            let first = &tl.events[evs[0]];
            f.add(
                Nature::Observed,
                ctx.ev_source(j, evs[evs.len() - 1]),
                format!(
                    "on {}: {} failure event(s) about {} since {} (first: {} {}), consistent with {} having no usable certificate",
                    ctx.name(j),
                    evs.len(),
                    ctx.name(i),
                    fmt_us(first.time_us),
                    first.provider,
                    first.event_id,
                    ctx.name(i)
                ),
            );
            f.explain(j, evs);
        }
    }
}

/// Checks the rules could not run because a peer's bundle is missing.
pub fn topology_not_run(ctx: &Ctx<'_>) -> Vec<CheckNotRun> {
    let mut out = Vec::new();
    for i in 0..ctx.len() {
        for p in ctx.parent_names(i) {
            if ctx.case.find_machine(&p).is_none() && ctx.len() > 1 {
                out.push(CheckNotRun {
                    check: format!("trust and approval between {} and {p}", ctx.name(i)),
                    machine: ctx.name(i),
                    missing_input: format!("the bundle of {p}"),
                    why: "cross-machine checks (does each side trust the other's CA, did the parent log 20000 for this machine) need both bundles".into(),
                });
            }
        }
    }
    out
}

/// Standard remediation tail: register the certificate and restart.
pub fn register_and_restart(f: &mut Finding, on: &str) {
    f.step(
        on,
        "Select the certificate for SCOM (writes ChannelCertificateSerialNumber; run from the SupportTools folder of the installation media)",
        Some(format!("MOMCertImport.exe /SubjectName {on}")),
    );
    f.step(
        on,
        "Restart the Health Service so it loads the certificate, then look for event 20053 in the Operations Manager log",
        Some("Restart-Service HealthService".into()),
    );
}

/// Remediation step: restart the Health Service (after a trust-store change).
pub fn restart_health_service(f: &mut Finding, on: &str) {
    f.step(
        on,
        "Restart the Health Service",
        Some("Restart-Service HealthService".into()),
    );
}

/// Both 1.3.6.1.5.5.7.3.1 (server) and .2 (client) authentication.
pub const EKU_SERVER: &str = "1.3.6.1.5.5.7.3.1";
/// Client authentication EKU.
pub const EKU_CLIENT: &str = "1.3.6.1.5.5.7.3.2";

/// Whether `a` and `b` name the same host (normalised, or host label vs FQDN).
pub fn same_host(a: &str, b: &str) -> bool {
    names_match(a, b)
}

#[cfg(test)]
pub(crate) mod testutil;
