//! Named sets of events the rules ask for, by what they mean rather than by number. Each set
//! names the catalogue kinds its events belong to; a test checks every id against the catalogue
//! ([`super::catalogue`]), and that a set marked whole holds every event of its kind.

use super::events::EventKind;
use std::ops::Deref;

/// A named set of event ids (of the `OpsMgr Connector` and `HealthService` providers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSet {
    /// The catalogue kinds the events belong to.
    pub kinds: &'static [EventKind],
    /// Whether the set holds every catalogued event of its one kind.
    pub whole_kind: bool,
    /// The event ids.
    pub ids: &'static [u16],
}

impl Deref for EventSet {
    type Target = [u16];
    fn deref(&self) -> &[u16] {
        self.ids
    }
}

/// A child the parent does not know tried to connect (not approved), or was rejected.
pub const UNKNOWN_DEVICE: EventSet = EventSet {
    kinds: &[EventKind::UnknownDevice],
    whole_kind: true,
    ids: &[20000, 20001],
};

/// A child stopped heartbeating or cannot be reached.
pub const HEARTBEAT_LOSS: EventSet = EventSet {
    kinds: &[EventKind::Heartbeat],
    whole_kind: true,
    ids: &[20022, 20023],
};

/// What a parent logs about a child whose certificate does not load: heartbeat loss, failed incoming authentication, the child's certificate rejected.
pub const ABOUT_A_CHILD_THAT_CANNOT_CONNECT: EventSet = EventSet {
    kinds: &[
        EventKind::Heartbeat,
        EventKind::AuthFailure,
        EventKind::PeerCertInvalid,
        EventKind::PeerCertUntrusted,
    ],
    whole_kind: false,
    ids: &[20022, 20023, 21002, 20002, 20067, 20072],
};

/// Own certificate refused: Key Usage lacks Digital Signature / Key Encipherment.
pub const KEY_USAGE_REJECTED: EventSet = EventSet {
    kinds: &[EventKind::CertLoadFailed],
    whole_kind: false,
    ids: &[20049],
};

/// Own certificate refused: EKU lacks Server / Client Authentication.
pub const EKU_REJECTED: EventSet = EventSet {
    kinds: &[EventKind::CertLoadFailed],
    whole_kind: false,
    ids: &[20050],
};

/// Own certificate refused: not currently valid (expired or not yet valid).
pub const NOT_CURRENTLY_VALID: EventSet = EventSet {
    kinds: &[EventKind::CertLoadFailed],
    whole_kind: false,
    ids: &[20051],
};

/// Own certificate refused as not currently valid, or the configured one not found.
pub const NOT_VALID_OR_NOT_FOUND: EventSet = EventSet {
    kinds: &[EventKind::CertLoadFailed],
    whole_kind: false,
    ids: &[20051, 20066],
};

/// Own certificate refused: its name is not the computer's name.
pub const NAME_REJECTED: EventSet = EventSet {
    kinds: &[EventKind::CertLoadFailed],
    whole_kind: false,
    ids: &[20052],
};

/// Own certificate loaded.
pub const CERT_LOADED: EventSet = EventSet {
    kinds: &[EventKind::CertLoaded],
    whole_kind: true,
    ids: &[20053],
};

/// A security context could not be initialised (Kerberos or SChannel).
pub const SECURITY_CONTEXT_FAILED: EventSet = EventSet {
    kinds: &[EventKind::AuthFailure],
    whole_kind: false,
    ids: &[20057],
};

/// The configured certificate was not found.
pub const CERT_NOT_FOUND: EventSet = EventSet {
    kinds: &[EventKind::CertLoadFailed],
    whole_kind: false,
    ids: &[20066],
};

/// Own certificate refused for its private key (none usable, properties not readable, cannot be used).
pub const PRIVATE_KEY_UNUSABLE: EventSet = EventSet {
    kinds: &[EventKind::CertLoadFailed],
    whole_kind: false,
    ids: &[20068, 20077, 21036],
};

/// Own certificate refused: KeySpec is not AT_KEYEXCHANGE.
pub const KEY_SPEC_REJECTED: EventSet = EventSet {
    kinds: &[EventKind::CertLoadFailed],
    whole_kind: false,
    ids: &[20069],
};

/// Own certificate refused for anything about its key (KeySpec or private key).
pub const KEY_REJECTED: EventSet = EventSet {
    kinds: &[EventKind::CertLoadFailed],
    whole_kind: false,
    ids: &[20069, 20068, 20077, 21036],
};

/// Connection closed right after authentication (not approved?).
pub const CLOSED_AFTER_AUTH: EventSet = EventSet {
    kinds: &[EventKind::ClosedAfterAuth],
    whole_kind: true,
    ids: &[20070],
};

/// Every way a connection to the parent fails: closed, refused, unresolved, channel down.
pub const PARENT_UNREACHABLE: EventSet = EventSet {
    kinds: &[
        EventKind::ClosedAfterAuth,
        EventKind::ClosedBeforeAuth,
        EventKind::Connect,
        EventKind::Dns,
        EventKind::ChannelDown,
    ],
    whole_kind: false,
    ids: &[20070, 20071, 21006, 21005, 21016, 21015],
};

/// Connection closed before authentication.
pub const CLOSED_BEFORE_AUTH: EventSet = EventSet {
    kinds: &[EventKind::ClosedBeforeAuth],
    whole_kind: true,
    ids: &[20071],
};

/// Connection closed before authentication, or the channel to the parent failed (21018, no failover host at all, excluded).
pub const CLOSED_OR_CHANNEL_FAILED: EventSet = EventSet {
    kinds: &[EventKind::ClosedBeforeAuth, EventKind::ChannelDown],
    whole_kind: false,
    ids: &[20071, 21016, 21015],
};

/// What a child logs when it cannot authenticate to its parent: closed before authentication, channel failed, no usable certificate (21007).
pub const CANNOT_CONNECT_TO_PARENT: EventSet = EventSet {
    kinds: &[
        EventKind::ClosedBeforeAuth,
        EventKind::ChannelDown,
        EventKind::AuthFailure,
    ],
    whole_kind: false,
    ids: &[20071, 21016, 21015, 21007],
};

/// CANNOT_CONNECT_TO_PARENT, or no certificate could be loaded at all (21021).
pub const CANNOT_CONNECT_OR_NO_CERT: EventSet = EventSet {
    kinds: &[
        EventKind::ClosedBeforeAuth,
        EventKind::ChannelDown,
        EventKind::AuthFailure,
        EventKind::NoCertificateLoaded,
    ],
    whole_kind: false,
    ids: &[20071, 21016, 21015, 21007, 21021],
};

/// The peer's certificate was not trusted or was invalid (20076, a different invalid case, excluded).
pub const PEER_CERT_REJECTED: EventSet = EventSet {
    kinds: &[EventKind::PeerCertUntrusted, EventKind::PeerCertInvalid],
    whole_kind: false,
    ids: &[20072, 20067],
};

/// PEER_CERT_REJECTED, or a security context failed (20057), each with an error code.
pub const PEER_CERT_OR_CONTEXT_FAILED: EventSet = EventSet {
    kinds: &[
        EventKind::PeerCertUntrusted,
        EventKind::PeerCertInvalid,
        EventKind::AuthFailure,
    ],
    whole_kind: false,
    ids: &[20072, 20067, 20057],
};

/// No name could be read from own certificate.
pub const NO_NAME_IN_CERT: EventSet = EventSet {
    kinds: &[EventKind::CertLoadFailed],
    whole_kind: false,
    ids: &[20075],
};

/// Send queue overflow: items dropped.
pub const QUEUE_DROP: EventSet = EventSet {
    kinds: &[EventKind::QueueDrop],
    whole_kind: true,
    ids: &[2023],
};

/// Kerberos mutual authentication failed (outgoing, or no Active Directory on the remote side).
pub const KERBEROS_AUTH_FAILED: EventSet = EventSet {
    kinds: &[EventKind::AuthFailure],
    whole_kind: false,
    ids: &[21001, 21012],
};

/// A connecting device could not be authenticated.
pub const INCOMING_AUTH_FAILED: EventSet = EventSet {
    kinds: &[EventKind::AuthFailure],
    whole_kind: false,
    ids: &[21002, 20002],
};

/// INCOMING_AUTH_FAILED, or no credentials on this side (no certificate, no domain).
pub const INCOMING_AUTH_OR_NO_CREDENTIALS: EventSet = EventSet {
    kinds: &[EventKind::AuthFailure],
    whole_kind: false,
    ids: &[21002, 20002, 21007, 21010],
};

/// The parent's name does not resolve.
pub const DNS_FAILED: EventSet = EventSet {
    kinds: &[EventKind::Dns],
    whole_kind: true,
    ids: &[21005],
};

/// TCP connection to the parent failed.
pub const CONNECT_FAILED: EventSet = EventSet {
    kinds: &[EventKind::Connect],
    whole_kind: true,
    ids: &[21006],
};

/// The connection to the parent was lost (TCP, closed, channel down).
pub const CONNECTION_LOST: EventSet = EventSet {
    kinds: &[
        EventKind::Connect,
        EventKind::ClosedBeforeAuth,
        EventKind::ChannelDown,
        EventKind::ClosedAfterAuth,
    ],
    whole_kind: false,
    ids: &[21006, 20071, 21016, 20070],
};

/// No usable certificate and no trusted domain / Active Directory.
pub const NO_CREDENTIALS: EventSet = EventSet {
    kinds: &[EventKind::AuthFailure],
    whole_kind: false,
    ids: &[21007, 21010],
};

/// The channel to a parent failed (21018, no failover host at all, excluded).
pub const CHANNEL_FAILED: EventSet = EventSet {
    kinds: &[EventKind::ChannelDown],
    whole_kind: false,
    ids: &[21016, 21015],
};

/// The channel to a parent could not be set up.
pub const CHANNEL_DOWN: EventSet = EventSet {
    kinds: &[EventKind::ChannelDown],
    whole_kind: true,
    ids: &[21016, 21015, 21018],
};

/// Own certificate expires soon.
pub const CERT_EXPIRING: EventSet = EventSet {
    kinds: &[EventKind::CertExpiring],
    whole_kind: true,
    ids: &[21020],
};

/// No certificate is configured.
pub const NO_CERTIFICATE_SPECIFIED: EventSet = EventSet {
    kinds: &[EventKind::NoCertificateSpecified],
    whole_kind: true,
    ids: &[21022],
};

/// SPN registration failed.
pub const SPN_FAILED: EventSet = EventSet {
    kinds: &[EventKind::Spn],
    whole_kind: true,
    ids: &[21035],
};

/// Every named set, for the catalogue test.
#[cfg(test)]
const ALL: &[(&str, EventSet)] = &[
    ("UNKNOWN_DEVICE", UNKNOWN_DEVICE),
    ("HEARTBEAT_LOSS", HEARTBEAT_LOSS),
    (
        "ABOUT_A_CHILD_THAT_CANNOT_CONNECT",
        ABOUT_A_CHILD_THAT_CANNOT_CONNECT,
    ),
    ("KEY_USAGE_REJECTED", KEY_USAGE_REJECTED),
    ("EKU_REJECTED", EKU_REJECTED),
    ("NOT_CURRENTLY_VALID", NOT_CURRENTLY_VALID),
    ("NOT_VALID_OR_NOT_FOUND", NOT_VALID_OR_NOT_FOUND),
    ("NAME_REJECTED", NAME_REJECTED),
    ("CERT_LOADED", CERT_LOADED),
    ("SECURITY_CONTEXT_FAILED", SECURITY_CONTEXT_FAILED),
    ("CERT_NOT_FOUND", CERT_NOT_FOUND),
    ("PRIVATE_KEY_UNUSABLE", PRIVATE_KEY_UNUSABLE),
    ("KEY_SPEC_REJECTED", KEY_SPEC_REJECTED),
    ("KEY_REJECTED", KEY_REJECTED),
    ("CLOSED_AFTER_AUTH", CLOSED_AFTER_AUTH),
    ("PARENT_UNREACHABLE", PARENT_UNREACHABLE),
    ("CLOSED_BEFORE_AUTH", CLOSED_BEFORE_AUTH),
    ("CLOSED_OR_CHANNEL_FAILED", CLOSED_OR_CHANNEL_FAILED),
    ("CANNOT_CONNECT_TO_PARENT", CANNOT_CONNECT_TO_PARENT),
    ("CANNOT_CONNECT_OR_NO_CERT", CANNOT_CONNECT_OR_NO_CERT),
    ("PEER_CERT_REJECTED", PEER_CERT_REJECTED),
    ("PEER_CERT_OR_CONTEXT_FAILED", PEER_CERT_OR_CONTEXT_FAILED),
    ("NO_NAME_IN_CERT", NO_NAME_IN_CERT),
    ("QUEUE_DROP", QUEUE_DROP),
    ("KERBEROS_AUTH_FAILED", KERBEROS_AUTH_FAILED),
    ("INCOMING_AUTH_FAILED", INCOMING_AUTH_FAILED),
    (
        "INCOMING_AUTH_OR_NO_CREDENTIALS",
        INCOMING_AUTH_OR_NO_CREDENTIALS,
    ),
    ("DNS_FAILED", DNS_FAILED),
    ("CONNECT_FAILED", CONNECT_FAILED),
    ("CONNECTION_LOST", CONNECTION_LOST),
    ("NO_CREDENTIALS", NO_CREDENTIALS),
    ("CHANNEL_FAILED", CHANNEL_FAILED),
    ("CHANNEL_DOWN", CHANNEL_DOWN),
    ("CERT_EXPIRING", CERT_EXPIRING),
    ("NO_CERTIFICATE_SPECIFIED", NO_CERTIFICATE_SPECIFIED),
    ("SPN_FAILED", SPN_FAILED),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::events::{all, HEALTH_SERVICE, OPSMGR_CONNECTOR};

    #[test]
    fn every_id_is_catalogued_with_a_kind_the_set_names() {
        for (name, set) in ALL {
            for id in set.ids {
                let defs: Vec<_> = all().iter().filter(|d| d.id == *id).collect();
                assert!(!defs.is_empty(), "{name}: {id} is not in the catalogue");
                assert!(
                    defs.iter().any(|d| set.kinds.contains(&d.kind)),
                    "{name}: {id} is of kind {:?}, not one of {:?}",
                    defs[0].kind,
                    set.kinds
                );
            }
        }
    }

    #[test]
    fn a_whole_kind_set_holds_every_event_of_its_kind() {
        for (name, set) in ALL.iter().filter(|(_, s)| s.whole_kind) {
            assert_eq!(set.kinds.len(), 1, "{name}");
            let mut of_kind: Vec<u16> = all()
                .iter()
                .filter(|d| d.kind == set.kinds[0])
                .filter(|d| [OPSMGR_CONNECTOR, HEALTH_SERVICE].contains(&d.provider))
                .map(|d| d.id)
                .collect();
            of_kind.sort_unstable();
            of_kind.dedup();
            let mut ids = set.ids.to_vec();
            ids.sort_unstable();
            assert_eq!(ids, of_kind, "{name}");
        }
    }
}
