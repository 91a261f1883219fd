//! Rules: one file per cause. Each rule file declares a [`Rule`] (`RULE`): its cause id, what
//! kind of finding it yields, which more general causes it refines, the event kinds it reads and
//! its check. The table below lists the rule files once; the [`Cause`] enum, the list of causes
//! and their order (the tie-break order of ranking) are generated from it.
//!
//! A rule reads the [`CaseView`] (facts and what is derived from them, never bytes) and returns
//! [`Finding`]s that carry their evidence (with its source and whether it is observed or
//! inferred), the signals that score them, the failure events they explain and the remediation.
//! Rules never rank: [`crate::rank`] does, from the findings alone.
//!
//! Adding a rule: `docs/DEVELOPING.md`.

pub mod common;
pub mod linking;
pub mod remedy;

use crate::finding::{EventRef, Finding, FindingKind};
use crate::knowledge::events::EventKind;
pub use crate::view::CaseView;

/// A rule's check: its findings over the whole case.
pub type Check = fn(&CaseView<'_>) -> Vec<Finding>;

/// Error events a rule expects (not failures) in a configuration it knows, with the reason.
pub type ExpectedEvents = fn(&CaseView<'_>) -> Vec<(EventRef, String)>;

/// What a rule file declares about its rule (its `pub const RULE: Rule`).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The cause id, as JSON, the corpus and `docs/rules.md` name it (equal to the file name).
    pub id: &'static str,
    /// What kind of finding it yields.
    pub kind: FindingKind,
    /// More general causes this one explains when both are found on the same machine: they are
    /// still reported, ranked just below it.
    pub refines: &'static [Cause],
    /// Whether the cause is a defect of the machine's own certificate that stops the Health
    /// Service loading it at start (so every connection of the machine fails with it).
    pub local_certificate: bool,
    /// The kinds of events (catalogue kinds) the rule reads (`scomtriage explain` lists the
    /// rules that use an event by it).
    pub reads: &'static [EventKind],
    /// The check: findings of this cause over the whole case.
    pub check: Check,
    /// Error events that are expected (not failures) in a configuration this rule knows, with
    /// the reason.
    pub expected: Option<ExpectedEvents>,
}

impl Rule {
    /// A failure cause with id `id` found by `check`; the other declarations default to none
    /// (refines nothing, not a local certificate defect, reads no event, expects no event).
    pub const fn failure(id: &'static str, check: Check) -> Rule {
        Rule {
            id,
            kind: FindingKind::Failure,
            refines: &[],
            local_certificate: false,
            reads: &[],
            check,
            expected: None,
        }
    }

    /// Of another kind than a failure (a heuristic, an advisory).
    pub const fn of_kind(mut self, kind: FindingKind) -> Rule {
        self.kind = kind;
        self
    }

    /// A defect of the machine's own certificate that stops it loading.
    pub const fn local(mut self) -> Rule {
        self.local_certificate = true;
        self
    }

    /// Refines these more general causes.
    pub const fn refining(mut self, causes: &'static [Cause]) -> Rule {
        self.refines = causes;
        self
    }

    /// Reads events of these kinds.
    pub const fn reading(mut self, kinds: &'static [EventKind]) -> Rule {
        self.reads = kinds;
        self
    }

    /// Expects these events in a configuration it knows.
    pub const fn expecting(mut self, expected: ExpectedEvents) -> Rule {
        self.expected = Some(expected);
        self
    }
}

/// The rule table: one line per rule file (`Variant => module`), in tie-break order. Generates
/// the `pub mod` of each file, the [`Cause`] enum and [`Cause::ALL`].
macro_rules! rule_table {
    ($($(#[doc = $doc:literal])+ $variant:ident => $module:ident,)+) => {
        $(pub mod $module;)+

        /// Root causes, one per rule file. Ids: [`Cause::id`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Cause {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl Cause {
            /// Every cause, in table (tie-break) order.
            pub const ALL: &'static [Cause] = &[$(Cause::$variant,)+];

            /// The rule that finds this cause.
            pub fn rule(self) -> &'static Rule {
                match self {
                    $(Cause::$variant => &$module::RULE,)+
                }
            }
        }

        /// The file name of each rule, in table order (a test checks it against the rule's id).
        #[cfg(test)]
        pub(crate) const RULE_FILES: &[&str] = &[$(stringify!($module),)+];
    };
}

rule_table! {
    /// The certificate's name (first DNS SAN, else CN) is not the machine's FQDN.
    NameMismatch => name_mismatch,
    /// The channel certificate has no usable private key.
    PrivateKeyMissing => private_key_missing,
    /// KeySpec is not AT_KEYEXCHANGE.
    KeySpec => key_spec,
    /// The private key lives in a CNG key storage provider.
    CngKey => cng_key,
    /// The machine does not trust the root of its own chain (nor peers from the same CA).
    UntrustedRoot => untrusted_root,
    /// A machine does not trust the CA of its peer's certificate.
    PeerUntrusted => peer_untrusted,
    /// An intermediate CA certificate is missing.
    MissingIntermediate => missing_intermediate,
    /// The registry serial does not select a certificate in LocalMachine\My.
    SerialMismatch => serial_mismatch,
    /// No certificate configured on a machine that needs one.
    NoCertificateConfigured => no_certificate_configured,
    /// A renewed certificate exists but the registry still selects the old one.
    RenewedNotReimported => renewed_not_reimported,
    /// The certificate (or a CA in its chain) has expired.
    Expired => expired,
    /// The certificate is not yet valid.
    NotYetValid => not_yet_valid,
    /// Enhanced Key Usage lacks Server or Client Authentication.
    Eku => eku,
    /// KeyUsage lacks Digital Signature or Key Encipherment.
    KeyUsage => key_usage,
    /// The child is not approved by its parent (pending management / gateway approval).
    NotApproved => not_approved,
    /// Heuristic: gateway approved as MS-initiated, and the MS stopped reconnecting.
    GatewayReconnectStall => gateway_reconnect_stall,
    /// TCP connectivity to the parent fails.
    Network => network,
    /// The parent's name does not resolve.
    Dns => dns,
    /// Kerberos / SPN failure (not certificates).
    Kerberos => kerberos,
    /// The management server has no certificate while its children use certificates.
    MsLacksCertificate => ms_lacks_certificate,
    /// Weak key or hash (best practice only).
    WeakCrypto => weak_crypto,
}

impl Cause {
    /// The id used in JSON, by the corpus and in `docs/rules.md`.
    pub fn id(self) -> &'static str {
        self.rule().id
    }

    /// What kind of finding the cause yields.
    pub fn kind(self) -> FindingKind {
        self.rule().kind
    }

    /// The more general causes this one refines (see [`Rule::refines`]).
    pub fn refines(self) -> &'static [Cause] {
        self.rule().refines
    }

    /// Causes found on the machine's own certificate that stop it loading at Health Service start.
    pub fn is_local_certificate_cause(self) -> bool {
        self.rule().local_certificate
    }
}

impl serde::Serialize for Cause {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// What the rules found in a case: their findings (unranked) and the events they expect.
#[derive(Debug, Clone, Default)]
pub struct RuleOutput {
    /// Every finding of every rule, in table order, with peers' events linked.
    pub findings: Vec<Finding>,
    /// Error events that are expected in the machines' configuration, with the reason.
    pub expected: Vec<(EventRef, String)>,
}

/// Run every rule of the table over the case.
pub fn run_all(ctx: &CaseView<'_>) -> RuleOutput {
    let mut findings: Vec<Finding> = Cause::ALL
        .iter()
        .flat_map(|c| (c.rule().check)(ctx))
        .collect();
    linking::link_peers(ctx, &mut findings);
    linking::link_earlier_runs(ctx, &mut findings);
    linking::link_queue_drops(ctx, &mut findings);
    let expected = Cause::ALL
        .iter()
        .filter_map(|c| c.rule().expected)
        .flat_map(|f| f(ctx))
        .collect();
    RuleOutput { findings, expected }
}

#[cfg(test)]
pub(crate) mod testutil;

#[cfg(test)]
mod table_tests {
    use super::*;

    /// The ids a rule table declares, in order.
    fn ids() -> Vec<&'static str> {
        Cause::ALL.iter().map(|c| c.id()).collect()
    }

    #[test]
    fn every_rule_id_is_its_file_name_and_unique() {
        assert_eq!(ids(), RULE_FILES.to_vec());
        let mut sorted = ids();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), Cause::ALL.len());
    }

    #[test]
    fn rule_ids_equal_the_corpus_cause_list() {
        assert_eq!(ids(), scomtriage_corpus::scenario::CAUSE_IDS.to_vec());
    }

    #[test]
    fn rule_ids_equal_the_cause_headings_of_docs_rules_md() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
        let doc = std::fs::read_to_string(path).expect("docs/rules.md");
        let causes = doc
            .split("\n## Causes")
            .nth(1)
            .expect("docs/rules.md has a '## Causes' section");
        let causes = causes.split("\n## ").next().unwrap_or(causes);
        let headings: Vec<&str> = causes
            .lines()
            .filter_map(|l| l.strip_prefix("### "))
            .flat_map(|h| h.split(" / "))
            .map(|h| h.split(" (").next().unwrap_or(h).trim())
            .collect();
        assert_eq!(headings, ids());
    }

    #[test]
    fn refinements_stay_on_failure_causes_and_never_refine_themselves() {
        for c in Cause::ALL {
            for g in c.refines() {
                assert_ne!(g, c, "{} refines itself", c.id());
                assert!(
                    g.refines().is_empty(),
                    "{} refines {}, which refines others: ranking assumes one level",
                    c.id(),
                    g.id()
                );
            }
        }
    }
}
