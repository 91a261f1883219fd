//! The event catalogue: every event the diagnosis reads, as data.
//!
//! Each entry holds the provider, the event id, the severity of its message id, the message
//! template (verbatim, whitespace-normalised, `%1…%n` insertion strings and `%n` newlines), the role
//! of each insertion string, how sure we are of the text, which side of a connection logs it and
//! what kind of fact it records. Rules ask the catalogue which string is the peer, the code or the
//! name ([`EventDef::string`]); no rule hard-codes a message text or an insertion-string index.
//!
//! Source: `reference/scom-cert-auth.md` §1 (tables A–D, templates from the product's message
//! table as published by Blake Drumm, "All Event IDs – SCOM", source S1 there) and §7.1
//! (insertion-string roles). Schannel rows (§1.4) are paraphrased titles, not templates.

use serde::Serialize;

/// Provider name of the connector events (tables A–C).
pub const OPSMGR_CONNECTOR: &str = "OpsMgr Connector";
/// Provider name of the Health Service events (table D).
pub const HEALTH_SERVICE: &str = "HealthService";
/// Provider name of the SChannel events in the System log (§1.4).
pub const SCHANNEL: &str = "Schannel";
/// Provider name of the Service Control Manager (System log), used for service start times.
pub const SERVICE_CONTROL_MANAGER: &str = "Service Control Manager";

/// Providers whose records the analyzer decodes.
pub const RELEVANT_PROVIDERS: &[&str] = &[
    OPSMGR_CONNECTOR,
    HEALTH_SERVICE,
    SCHANNEL,
    SERVICE_CONTROL_MANAGER,
];

/// Severity bits of the message id (not the XML `Level`, which is unknown for Success).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Success (shown as Information).
    Success,
    /// Informational.
    Information,
    /// Warning.
    Warning,
    /// Error.
    Error,
}

impl Severity {
    /// The `Qualifiers` value of a classic event with this severity (high 16 bits of the message id).
    pub fn qualifiers(self) -> u16 {
        match self {
            Severity::Success => 0,
            Severity::Information => 16384,
            Severity::Warning => 32768,
            Severity::Error => 49152,
        }
    }
}

/// Confidence of a piece of knowledge (the marks of the reference document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Mark {
    /// Verbatim from the product's message table.
    V,
    /// Verbatim and cross-checked against a rendered event from an independent source.
    VX,
    /// Paraphrase.
    P,
    /// Inference, not confirmed by a source.
    I,
    /// Unknown.
    U,
}

impl Mark {
    /// Short label for output.
    pub fn label(self) -> &'static str {
        match self {
            Mark::V => "verbatim",
            Mark::VX => "verbatim, cross-checked",
            Mark::P => "paraphrase",
            Mark::I => "inference",
            Mark::U => "unknown",
        }
    }
}

/// Which machine logs the event, relative to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The machine loading its own certificate.
    Local,
    /// The side opening the connection (child towards its parent, or an MS towards a gateway).
    Initiator,
    /// The listening side.
    Acceptor,
    /// The side validating the peer's certificate.
    Validator,
    /// The parent (management server or gateway) seeing a child.
    Parent,
    /// Either side.
    Any,
}

/// What fact an event records (used by the timeline and the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Own certificate loaded (20053).
    CertLoaded,
    /// Own certificate could not be loaded, with a specific reason.
    CertLoadFailed,
    /// No certificate could be loaded (summary, 21021).
    NoCertificateLoaded,
    /// No certificate configured (21022).
    NoCertificateSpecified,
    /// Own certificate expiring soon (21020).
    CertExpiring,
    /// Authentication failure (Kerberos or SChannel).
    AuthFailure,
    /// Connection closed right after authentication (20070).
    ClosedAfterAuth,
    /// Connection closed before authentication (20071).
    ClosedBeforeAuth,
    /// Peer certificate not trusted (20072).
    PeerCertUntrusted,
    /// Peer certificate invalid (20067, 20076).
    PeerCertInvalid,
    /// Name resolution failed (21005).
    Dns,
    /// TCP connection failed (21006).
    Connect,
    /// Channel to a parent could not be set up (21015, 21016, 21018).
    ChannelDown,
    /// Channel established by failover or return to primary (21017, 21019).
    ChannelUp,
    /// SPN registration (21035).
    Spn,
    /// Unknown device / not approved (20000, 20001).
    UnknownDevice,
    /// Heartbeat loss of a child (20022, 20023).
    Heartbeat,
    /// Configuration processing.
    Config,
    /// Configuration requested (21023, 21024).
    ConfigRequest,
    /// Configuration received or confirmed: proof that the channel worked (21025, 21026, 1210).
    ConfigReceived,
    /// Routing / authorisation of relayed data.
    Routing,
    /// Send queue overflow (2023).
    QueueDrop,
    /// Secure-message key pair (not the channel certificate).
    SecureKey,
    /// A service entered the running state (Service Control Manager 7036).
    ServiceStarted,
    /// An SChannel event (System log).
    Schannel,
}

/// Role of one insertion string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The peer (parent) name this machine connects to.
    Peer,
    /// TCP port.
    Port,
    /// Error code (`0x…`, decimal, or Winsock with an `L` suffix).
    Code,
    /// Error text matching [`Role::Code`].
    CodeText,
    /// Name SCOM read from the local certificate.
    Name,
    /// Computer name SCOM expected.
    ExpectedName,
    /// Name of a remote certificate or remote device.
    RemoteName,
    /// IP address of a remote device.
    RemoteIp,
    /// Remote endpoint (IP:port or name).
    RemoteEndpoint,
    /// Target SPN (`MSOMHSvc/<fqdn>`).
    Spn,
    /// Certificate valid-from time as SCOM printed it.
    ValidFrom,
    /// Certificate valid-to time as SCOM printed it.
    ValidTo,
    /// Expiry time as SCOM printed it.
    Expiry,
    /// Management group name.
    ManagementGroup,
    /// Management group id.
    ManagementGroupId,
    /// A health service name.
    HealthService,
    /// Host name.
    Host,
    /// Entity id.
    EntityId,
    /// Configuration state cookie.
    StateCookie,
    /// Configuration id.
    ConfigId,
    /// Server security options (21003).
    SecurityOptions,
    /// Resulting context attributes (21003).
    ContextAttributes,
    /// SPN service class (21035).
    ServiceClass,
    /// A count.
    Count,
    /// A file path.
    Path,
    /// Some other item named by the message.
    Item,
    /// A service display name.
    ServiceName,
    /// A service state.
    ServiceState,
    /// Present in the record but not used by the template.
    Unused,
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EventDef {
    /// Provider (event source) name.
    pub provider: &'static str,
    /// Event id (low 16 bits of the message id).
    pub id: u16,
    /// Severity bits of the message id.
    pub severity: Severity,
    /// Message template, `None` when no verbatim text is known.
    pub template: Option<&'static str>,
    /// Role of `%1`, `%2`, … in `<Data>` order.
    pub roles: &'static [Role],
    /// How sure we are of the template text.
    pub text_mark: Mark,
    /// Which side logs it.
    pub side: Side,
    /// What fact it records.
    pub kind: EventKind,
    /// One-line meaning, for reports.
    pub meaning: &'static str,
}

impl EventDef {
    /// 1-based insertion-string number of the first string with `role`.
    pub fn index_of(&self, role: Role) -> Option<usize> {
        self.roles.iter().position(|r| *r == role).map(|i| i + 1)
    }

    /// The insertion string with `role` among `strings` (the record's `<Data>` in order).
    pub fn string<'a>(&self, strings: &'a [String], role: Role) -> Option<&'a str> {
        let i = self.index_of(role)?;
        strings.get(i - 1).map(|s| s.as_str())
    }

    /// Whether this is an error (or warning) that signals a failure.
    pub fn is_failure(&self) -> bool {
        self.severity == Severity::Error
            || matches!(
                self.kind,
                EventKind::ChannelDown | EventKind::QueueDrop | EventKind::Heartbeat
            )
    }

    /// Render the message offline from insertion strings (`None` without a template).
    pub fn render(&self, strings: &[String]) -> Option<String> {
        self.template.map(|t| render_template(t, strings))
    }
}

/// Expand a message template: `%n` → newline, `%1…%99` → the insertion string (kept as
/// `%k` when missing), `%%` → `%`. Anything else is copied.
pub fn render_template(template: &str, strings: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            Some('%') => {
                chars.next();
                out.push('%');
            }
            Some(d) if d.is_ascii_digit() => {
                let mut num = String::new();
                while let Some(d) = chars.peek().copied() {
                    if d.is_ascii_digit() && num.len() < 2 {
                        num.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let k: usize = num.parse().unwrap_or(0);
                match k.checked_sub(1).and_then(|i| strings.get(i)) {
                    Some(s) => out.push_str(s),
                    None => {
                        out.push('%');
                        out.push_str(&num);
                    }
                }
            }
            _ => out.push('%'),
        }
    }
    out
}

/// Look an event up by provider (case-insensitive) and id.
pub fn lookup(provider: &str, id: u16) -> Option<&'static EventDef> {
    CATALOGUE
        .iter()
        .find(|d| d.id == id && d.provider.eq_ignore_ascii_case(provider))
}

/// Every catalogue entry.
pub fn all() -> &'static [EventDef] {
    CATALOGUE
}

/// Display names the Health Service had over time (§1.1), matched in Service Control Manager
/// 7036 events to find service starts (inference: the English state text `running`).
pub const HEALTH_SERVICE_DISPLAY_NAMES: &[&str] = &[
    "Microsoft Monitoring Agent",
    "System Center Management",
    "OpsMgr Health Service",
    "Health Service",
];

static CATALOGUE: &[EventDef] = &[
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20053,
        severity: Severity::Success,
        template: Some(r#"The OpsMgr Connector has loaded the specified authentication certificate successfully."#),
        roles: &[],
        text_mark: Mark::VX,
        side: Side::Local,
        kind: EventKind::CertLoaded,
        meaning: "own certificate loaded",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20049,
        severity: Severity::Error,
        template: Some(r#"The specified certificate could not be loaded because the Key Usage specified does not meet OpsMgr requirements.The certificate must have the following usage types:%n %n Digital Signature%n Key Encipherment%n"#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "own certificate KeyUsage lacks Digital Signature/Key Encipherment",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20050,
        severity: Severity::Error,
        template: Some(r#"The specified certificate could not be loaded because the Enhanced Key Usage specified does not meet OpsMgr requirements.The certificate must have the following usage types:%n %n Server Authentication (1.3.6.1.5.5.7.3.1)%n Client Authentication (1.3.6.1.5.5.7.3.2)%n"#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "own certificate EKU lacks Server/Client Authentication",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20051,
        severity: Severity::Error,
        template: Some(r#"The specified certificate could not be loaded because the certificate is not currently valid. Verify that the system time is correct and re-issue the certificate if necessary%n Certificate Valid Start Time : %1%n Certificate Valid End Time: %2"#),
        roles: &[Role::ValidFrom, Role::ValidTo],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "own certificate not currently valid",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20052,
        severity: Severity::Error,
        template: Some(r#"The specified certificate could not be loaded because the Subject name on the certificate does not match the local computer name%n Certificate Subject Name : %1%n Computer Name : %2"#),
        roles: &[Role::Name, Role::ExpectedName],
        text_mark: Mark::VX,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "own certificate name does not match the computer name",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20054,
        severity: Severity::Error,
        template: Some(r#"The specified certificate could not be loaded because an internal error occurred while attempting to load the certificate."#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "internal error loading own certificate",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20066,
        severity: Severity::Error,
        template: Some(r#"A Certificate for use with Mutual Authentication was specified, but that certificate could not be found. The ability for this Health Service to communicate will likely be impacted."#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "configured certificate not found",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20068,
        severity: Severity::Error,
        template: Some(r#"The certificate specified in the registry at HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0\Machine Settings cannot be used for authentication, because the certificate does not contain a usable private key, or the private key is not present. The error is %1(%2)."#),
        roles: &[Role::Code, Role::CodeText],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "configured certificate has no usable private key",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20069,
        severity: Severity::Error,
        template: Some(r#"The specified certificate could not be loaded because the KeySpec must be AT_KEYEXCHANGE"#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "configured certificate KeySpec is not AT_KEYEXCHANGE",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20075,
        severity: Severity::Error,
        template: Some(r#"The specified certificate could not be loaded because connector was unable to obtain subject or issuer name from certificate structure and converts it to a null-terminated character string.%n %nFollowing is an algorithm used to search for name:%n %nIf the certificate has a Subject Alternative Name extension for issuer, Issuer Alternative Name, search for first DNSName choice. %nIf the DNSName choice is not found in the extension, search the Subject Name field for the CN OID, "2.5.4.3". %n %nIf the DNSName or CN OID is found, return the string. Otherwise, return an empty string."#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "no name could be read from own certificate",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20077,
        severity: Severity::Error,
        template: Some(r#"The certificate specified in the registry at HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0\Machine Settings cannot be used for authentication, because the certificate cannot be queried for property information. The specific error is %2(%3).%n %n This typically means that no private key was included with the certificate. Please double-check to ensure the certificate contains a private key."#),
        roles: &[Role::Unused, Role::Code, Role::CodeText],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "configured certificate cannot be queried for properties (private key missing)",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21020,
        severity: Severity::Warning,
        template: Some(r#"The certificate used for mutual authentication is expiring on %1 GMT. If this certificate is not updated by this time, this Health Service will not be able to communicate with other Health Services."#),
        roles: &[Role::Expiry],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertExpiring,
        meaning: "own certificate expiring",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21021,
        severity: Severity::Error,
        template: Some(r#"No certificate could be loaded or created. This Health Service will not be able to communicate with other health services. Look for previous events in the event log for more detail."#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::NoCertificateLoaded,
        meaning: "no certificate could be loaded",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21022,
        severity: Severity::Error,
        template: Some(r#"No certificate was specified. This Health Service will not be able to communicate with other health services unless those health services are in a domain that has a trust relationship with this domain. If this health service needs to communicate with health services in untrusted domains, please configure a certificate."#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::NoCertificateSpecified,
        meaning: "no certificate specified",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21036,
        severity: Severity::Error,
        template: Some(r#"The certificate specified in the registry at HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0\Machine Settings cannot be used for authentication. The error is %1(%2)."#),
        roles: &[Role::Code, Role::CodeText],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::CertLoadFailed,
        meaning: "configured certificate cannot be used",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20057,
        severity: Severity::Error,
        template: Some(r#"Failed to initialize security context for target %1 The error returned is %2(%3). This error can apply to either the Kerberos or the SChannel package."#),
        roles: &[Role::Spn, Role::Code, Role::CodeText],
        text_mark: Mark::VX,
        side: Side::Initiator,
        kind: EventKind::AuthFailure,
        meaning: "security context could not be initialized (Kerberos or SChannel)",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20070,
        severity: Severity::Error,
        template: Some(r#"The OpsMgr Connector connected to %1, but the connection was closed immediately after authentication occurred. The most likely cause of this error is that the agent is not authorized to communicate with the server, or the server has not received configuration. Check the event log on the server for the presence of 20000 events, indicating that agents which are not approved are attempting to connect."#),
        roles: &[Role::Peer],
        text_mark: Mark::VX,
        side: Side::Initiator,
        kind: EventKind::ClosedAfterAuth,
        meaning: "connection closed right after authentication (not approved?)",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20071,
        severity: Severity::Error,
        template: Some(r#"The OpsMgr Connector connected to %1, but the connection was closed immediately without authentication taking place. The most likely cause of this error is a failure to authenticate either this agent or the server . Check the event log on the server and on the agent for events which indicate a failure to authenticate."#),
        roles: &[Role::Peer],
        text_mark: Mark::V,
        side: Side::Initiator,
        kind: EventKind::ClosedBeforeAuth,
        meaning: "connection closed before authentication",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20072,
        severity: Severity::Error,
        template: Some(r#"The remote certificate %1 was not trusted. The error is %2(%3)."#),
        roles: &[Role::RemoteName, Role::Code, Role::CodeText],
        text_mark: Mark::V,
        side: Side::Validator,
        kind: EventKind::PeerCertUntrusted,
        meaning: "remote certificate not trusted",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20067,
        severity: Severity::Error,
        template: Some(r#"A device at IP %1 attempted to connect but the certificate presented by the device was invalid. The connection from the device has been rejected. The failure code on the certificate was %2 (%3)."#),
        roles: &[Role::RemoteIp, Role::Code, Role::CodeText],
        text_mark: Mark::V,
        side: Side::Acceptor,
        kind: EventKind::PeerCertInvalid,
        meaning: "device at IP presented an invalid certificate",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20076,
        severity: Severity::Error,
        template: Some(r#"The connector was unable to obtain subject or issuer name from remote certificate structure and converts it to a null-terminated character string.%n %nFollowing is an algorithm used to search for name:%n %nIf the certificate has a Subject Alternative Name extension for issuer, Issuer Alternative Name, search for first DNSName choice. %nIf the DNSName choice is not found in the extension, search the Subject Name field for the CN OID, "2.5.4.3". %n %nIf the DNSName or CN OID is found, return the string. Otherwise, return an empty string."#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::PeerCertInvalid,
        meaning: "no name could be read from the remote certificate",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21001,
        severity: Severity::Error,
        template: Some(r#"The OpsMgr Connector could not connect to %1 because mutual authentication failed. Verify the SPN is properly registered on the server and that, if the server is in a separate domain, there is a full-trust relationship between the two domains."#),
        roles: &[Role::Peer],
        text_mark: Mark::V,
        side: Side::Initiator,
        kind: EventKind::AuthFailure,
        meaning: "mutual authentication failed (outgoing)",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21002,
        severity: Severity::Error,
        template: Some(r#"The OpsMgr Connector could not accept a connection from %1 because mutual authentication failed."#),
        roles: &[Role::RemoteEndpoint],
        text_mark: Mark::V,
        side: Side::Acceptor,
        kind: EventKind::AuthFailure,
        meaning: "mutual authentication failed (incoming)",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21003,
        severity: Severity::Error,
        template: Some(r#"The OpsMgr Connector could not connect to %1 because negotiation could not agree on the required level of security. The server security options are %2 and the resulting context attributes are %3"#),
        roles: &[Role::Peer, Role::SecurityOptions, Role::ContextAttributes],
        text_mark: Mark::V,
        side: Side::Initiator,
        kind: EventKind::AuthFailure,
        meaning: "security level negotiation failed",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21005,
        severity: Severity::Error,
        template: Some(r#"The OpsMgr Connector could not resolve the IP for %1. The error code is %2(%3). Please verify DNS is working properly in your environment."#),
        roles: &[Role::Peer, Role::Code, Role::CodeText],
        text_mark: Mark::V,
        side: Side::Initiator,
        kind: EventKind::Dns,
        meaning: "cannot resolve the parent's name",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21006,
        severity: Severity::Error,
        template: Some(r#"The OpsMgr Connector could not connect to %1:%2. The error code is %3(%4). Please verify there is network connectivity, the server is running and has registered it's listening port, and there are no firewalls blocking traffic to the destination."#),
        roles: &[Role::Peer, Role::Port, Role::Code, Role::CodeText],
        text_mark: Mark::VX,
        side: Side::Initiator,
        kind: EventKind::Connect,
        meaning: "TCP connection to the parent failed",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21007,
        severity: Severity::Error,
        template: Some(r#"The OpsMgr Connector cannot create a mutually authenticated connection to %1 because it is not in a trusted domain."#),
        roles: &[Role::Peer],
        text_mark: Mark::VX,
        side: Side::Initiator,
        kind: EventKind::AuthFailure,
        meaning: "not in a trusted domain and no usable certificate",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21008,
        severity: Severity::Error,
        template: Some(r#"The target %1 is not supported. This commonly results from attempting to use an IP for authentication purposes, which is not supported."#),
        roles: &[Role::Peer],
        text_mark: Mark::V,
        side: Side::Initiator,
        kind: EventKind::AuthFailure,
        meaning: "target given as an IP address",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21010,
        severity: Severity::Error,
        template: Some(r#"The OpsMgr Connector negotiated the use of mutual authentication with %1, but Active Directory is not available and no certificate is installed. A connection cannot be established."#),
        roles: &[Role::Peer],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::AuthFailure,
        meaning: "no Active Directory and no certificate",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21011,
        severity: Severity::Error,
        template: Some(r#"The mutual authentication settings on this machine and the machine at %1 are different."#),
        roles: &[Role::Peer],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::AuthFailure,
        meaning: "mutual authentication settings differ",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21012,
        severity: Severity::Error,
        template: Some(r#"The OpsMgr Connector negotiated the use of Kerberos based mutual authentication with %1, but Active Directory is not available on the remote machine and a connection cannot be established."#),
        roles: &[Role::Peer],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::AuthFailure,
        meaning: "Kerberos negotiated but remote has no Active Directory",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21015,
        severity: Severity::Warning,
        template: Some(r#"OpsMgr was unable to set up a communications channel to %1. Communication will resume when %1 is available and communication from this computer is allowed."#),
        roles: &[Role::Peer],
        text_mark: Mark::V,
        side: Side::Initiator,
        kind: EventKind::ChannelDown,
        meaning: "channel to parent failed (failover exists)",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21016,
        severity: Severity::Error,
        template: Some(r#"OpsMgr was unable to set up a communications channel to %1 and there are no failover hosts. Communication will resume when %1 is available and communication from this computer is allowed."#),
        roles: &[Role::Peer],
        text_mark: Mark::VX,
        side: Side::Initiator,
        kind: EventKind::ChannelDown,
        meaning: "channel to parent failed, no failover",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21017,
        severity: Severity::Success,
        template: Some(r#"OpsMgr has successfully failed over to %1."#),
        roles: &[Role::Peer],
        text_mark: Mark::V,
        side: Side::Initiator,
        kind: EventKind::ChannelUp,
        meaning: "failed over",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21018,
        severity: Severity::Error,
        template: Some(r#"OpsMgr has attempted to connect to all failover hosts and no hosts can be contacted."#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Initiator,
        kind: EventKind::ChannelDown,
        meaning: "no failover host can be contacted",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21019,
        severity: Severity::Success,
        template: Some(r#"OpsMgr has returned to communicating with it's primary host %1"#),
        roles: &[Role::Peer],
        text_mark: Mark::V,
        side: Side::Initiator,
        kind: EventKind::ChannelUp,
        meaning: "returned to primary host",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21035,
        severity: Severity::Warning,
        template: Some(r#"Registration of a SPN for this computer with the "%1" service class has failed with error "%2". This may cause Kerberos authentication to or from this Health Service to fail."#),
        roles: &[Role::ServiceClass, Role::Code],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::Spn,
        meaning: "SPN registration failed",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20000,
        severity: Severity::Information,
        template: Some(r#"A device which is not part of this management group has attempted to access this Health Service. %nRequesting Device Name : %1"#),
        roles: &[Role::RemoteName],
        text_mark: Mark::VX,
        side: Side::Parent,
        kind: EventKind::UnknownDevice,
        meaning: "unknown (not approved) device attempted to connect",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20001,
        severity: Severity::Error,
        template: Some(r#"A device on %2 which is not part of management group %1 has attempted to access this Health Service and has been rejected. To allow unknown devices to request permission to join the management group, allow manually installed agents to request approval in the OpsMgr Console."#),
        roles: &[Role::ManagementGroup, Role::RemoteName],
        text_mark: Mark::V,
        side: Side::Parent,
        kind: EventKind::UnknownDevice,
        meaning: "unknown device rejected",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20002,
        severity: Severity::Error,
        template: Some(r#"A device at IP %1 attempted to connect but could not be authenticated, and was rejected."#),
        roles: &[Role::RemoteIp],
        text_mark: Mark::V,
        side: Side::Parent,
        kind: EventKind::AuthFailure,
        meaning: "device at IP could not be authenticated",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20022,
        severity: Severity::Warning,
        template: Some(r#"The health service %1 running on host %2 and serving management group %3 with id %4 is not heartbeating."#),
        roles: &[Role::HealthService, Role::Host, Role::ManagementGroup, Role::EntityId],
        text_mark: Mark::V,
        side: Side::Parent,
        kind: EventKind::Heartbeat,
        meaning: "health service not heartbeating",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20046,
        severity: Severity::Success,
        template: Some(r#"The health service on %1 is attempting to communicate with a management group that does not exist on this server. The management group Id the agent is requesting is %2. Please verify that the management group specified on the agent and server is correct."#),
        roles: &[Role::RemoteName, Role::ManagementGroupId],
        text_mark: Mark::V,
        side: Side::Parent,
        kind: EventKind::Config,
        meaning: "health service asks for an unknown management group",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20059,
        severity: Severity::Warning,
        template: Some(r#"The OpsMgr Connectorhas found a duplicate record for %1 in its configuration for management group %2. The duplicate record has been ignored."#),
        roles: &[Role::Item, Role::ManagementGroup],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::Config,
        meaning: "duplicate record in configuration",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20060,
        severity: Severity::Warning,
        template: Some(r#"Warnings occurred while processing configuration for management group %1. A backup of the configuration file with warnings has been placed in %2."#),
        roles: &[Role::ManagementGroup, Role::Path],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::Config,
        meaning: "warnings while processing configuration",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20061,
        severity: Severity::Warning,
        template: Some(r#"Duplicate routes to %2 were found in management group %1. The route through %3 has been ignored. Please verify the communication relationships are correct in the database. Until this problem is corrected the health service may have difficulty communicating."#),
        roles: &[Role::ManagementGroup, Role::Item, Role::Item],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::Config,
        meaning: "duplicate routes",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21023,
        severity: Severity::Information,
        template: Some(r#"OpsMgr has no configuration for management group %1 and is requesting new configuration from the Configuration Service."#),
        roles: &[Role::ManagementGroup],
        text_mark: Mark::VX,
        side: Side::Any,
        kind: EventKind::ConfigRequest,
        meaning: "no configuration, requesting it",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21024,
        severity: Severity::Information,
        template: Some(r#"OpsMgr's configuration may be out-of-date for management group %1, and has requested updated configuration from the Configuration Service. The current(out-of-date) state cookie is "%2""#),
        roles: &[Role::ManagementGroup, Role::StateCookie],
        text_mark: Mark::VX,
        side: Side::Any,
        kind: EventKind::ConfigRequest,
        meaning: "configuration may be out of date, requested",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21025,
        severity: Severity::Success,
        template: Some(r#"OpsMgr has received new configuration for management group %1 from the Configuration Service. The new state cookie is "%2""#),
        roles: &[Role::ManagementGroup, Role::StateCookie],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::ConfigReceived,
        meaning: "new configuration received",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21026,
        severity: Severity::Success,
        template: Some(r#"OpsMgr has received confirmation for management group %1 from the Configuration Service that our existing configuration is up-to-date. The current state cookie is "%2""#),
        roles: &[Role::ManagementGroup, Role::StateCookie],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::ConfigReceived,
        meaning: "configuration confirmed up to date",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21027,
        severity: Severity::Error,
        template: Some(r#"OpsMgr has received configuration for management group %1 from the Configuration Service, but failed to process the configuration. Configuration will be re-requested.The current state cookie is "%2" (State cookie may be empty if there is no active configuration)"#),
        roles: &[Role::ManagementGroup, Role::StateCookie],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::Config,
        meaning: "configuration received but not processed",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21034,
        severity: Severity::Warning,
        template: Some(r#"The Management Group %1 has no configured parents and most monitoring tasks cannot be performed. This can happen if a management group in Active Directory does not have any server SCPs or if the agent does not have access to any server SCPs."#),
        roles: &[Role::ManagementGroup],
        text_mark: Mark::V,
        side: Side::Any,
        kind: EventKind::Config,
        meaning: "management group has no configured parents",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21037,
        severity: Severity::Warning,
        template: Some(r#"Operations Manager has received data for management group '%1' from health service %2. This health service is attempting to send data from or about health service %3 but is not authorized to do so. The data has been discarded. This may indicate an attack on this health service, or it may be a result of configuration not being in sync across management servers.Because this event may occur frequently, it will be suppressed for the next 5 minutes."#),
        roles: &[Role::ManagementGroup, Role::HealthService, Role::HealthService],
        text_mark: Mark::V,
        side: Side::Parent,
        kind: EventKind::Routing,
        meaning: "data discarded: sender not authorized",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21038,
        severity: Severity::Warning,
        template: Some(r#"Operations Manager has received data for management group '%1' from health service %2, which is reported as originally sent by health service %3 This health service is attempting to send data from or about health service %4 but is not authorized to do so. The data has been discarded. This may indicate an attack on this health service, or it may be a result of configuration not being in sync across management servers.Because this event may occur frequently, it will be suppressed for the next 5 minutes."#),
        roles: &[Role::ManagementGroup, Role::HealthService, Role::HealthService, Role::HealthService],
        text_mark: Mark::V,
        side: Side::Parent,
        kind: EventKind::Routing,
        meaning: "relayed data discarded: not authorized",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 21042,
        severity: Severity::Information,
        template: Some(r#"Operations Manager has discarded %1 items in management group %2, which came from %3. These items have been discarded because no valid route exists at this time. This can happen when new devices are added to the topology but the complete topology has not been distributed yet. The discarded items will be regenerated."#),
        roles: &[Role::Count, Role::ManagementGroup, Role::HealthService],
        text_mark: Mark::VX,
        side: Side::Parent,
        kind: EventKind::Routing,
        meaning: "items discarded: no valid route yet",
    },
    EventDef {
        provider: HEALTH_SERVICE,
        id: 1210,
        severity: Severity::Information,
        template: Some(r#"New configuration became active. Management group "%1", configuration id:"%2"."#),
        roles: &[Role::ManagementGroup, Role::ConfigId],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::ConfigReceived,
        meaning: "new configuration became active",
    },
    EventDef {
        provider: HEALTH_SERVICE,
        id: 2003,
        severity: Severity::Information,
        template: Some(r#"No management groups were started. This may either be because no management groups are currently configured or a configured management group failed to start. The Health Service will wait for policy from Active Directory configuring a management group to run."#),
        roles: &[],
        text_mark: Mark::VX,
        side: Side::Local,
        kind: EventKind::Config,
        meaning: "no management groups were started",
    },
    EventDef {
        provider: HEALTH_SERVICE,
        id: 2010,
        severity: Severity::Error,
        template: Some(r#"The Health Service cannot connect to Active Directory to retrieve management group policy. The error is %1 (%2)"#),
        roles: &[Role::CodeText, Role::Code],
        text_mark: Mark::VX,
        side: Side::Local,
        kind: EventKind::Config,
        meaning: "cannot connect to Active Directory",
    },
    EventDef {
        provider: HEALTH_SERVICE,
        id: 2018,
        severity: Severity::Warning,
        template: Some(r#"The Management Group %1 found in Active Directory has not been approved on this Health Service and will not be started.%nTo approve this Management Group, create the following key in the registry of this Health service : SYSTEM\CurrentControlSet\Services\HealthService\Parameters\ConnectorManager\Approved AD Management Groups\%1.%n %n You can also remove all entries to implicitly approve all management groups."#),
        roles: &[Role::ManagementGroup],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::Config,
        meaning: "AD management group not approved locally",
    },
    EventDef {
        provider: HEALTH_SERVICE,
        id: 2023,
        severity: Severity::Warning,
        template: Some(r#"The health service has removed some items from the send queue for management group "%1" since it exceeded the maximum allowed size of %2 megabytes."#),
        roles: &[Role::ManagementGroup, Role::Count],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::QueueDrop,
        meaning: "send queue overflow: items removed",
    },
    EventDef {
        provider: HEALTH_SERVICE,
        id: 7013,
        severity: Severity::Warning,
        template: Some(r#"The keypair that the health service uses to receive secure messages is expiring on %1. The health service will be recycled and the key regenerated."#),
        roles: &[Role::Expiry],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::SecureKey,
        meaning: "secure-message key pair expiring",
    },
    EventDef {
        provider: HEALTH_SERVICE,
        id: 7029,
        severity: Severity::Error,
        template: Some(r#"The Health Service was detected that the private key for secure data processing has been removed or is invalid. The certificate and key will be regenerated."#),
        roles: &[],
        text_mark: Mark::V,
        side: Side::Local,
        kind: EventKind::SecureKey,
        meaning: "secure-data private key removed or invalid",
    },

    EventDef {
        provider: HEALTH_SERVICE,
        id: 7004,
        severity: Severity::Warning,
        template: None,
        roles: &[],
        text_mark: Mark::U,
        side: Side::Local,
        kind: EventKind::SecureKey,
        meaning: "secure message encrypted with the wrong public key (Run-As key pair, not the channel certificate)",
    },
    EventDef {
        provider: HEALTH_SERVICE,
        id: 7005,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::U,
        side: Side::Local,
        kind: EventKind::SecureKey,
        meaning: "unable to publish the secure-message public key",
    },
    EventDef {
        provider: HEALTH_SERVICE,
        id: 7006,
        severity: Severity::Success,
        template: None,
        roles: &[],
        text_mark: Mark::U,
        side: Side::Local,
        kind: EventKind::SecureKey,
        meaning: "secure-message public key published",
    },
    EventDef {
        provider: OPSMGR_CONNECTOR,
        id: 20023,
        severity: Severity::Warning,
        template: None,
        roles: &[],
        text_mark: Mark::U,
        side: Side::Parent,
        kind: EventKind::Heartbeat,
        meaning: "health service not reachable (text not available)",
    },
    EventDef {
        provider: SERVICE_CONTROL_MANAGER,
        id: 7036,
        severity: Severity::Information,
        template: Some("The %1 service entered the %2 state."),
        roles: &[Role::ServiceName, Role::ServiceState],
        text_mark: Mark::I,
        side: Side::Local,
        kind: EventKind::ServiceStarted,
        meaning: "a service changed state",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36869,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Local,
        kind: EventKind::Schannel,
        meaning: "SChannel: the credential's certificate has no private-key property",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36870,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Local,
        kind: EventKind::Schannel,
        meaning: "SChannel: fatal error accessing the credential's private key",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36874,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Any,
        kind: EventKind::Schannel,
        meaning: "SChannel: no protocol/cipher in common",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36876,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Validator,
        kind: EventKind::Schannel,
        meaning: "SChannel: the remote server certificate did not validate",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36877,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Validator,
        kind: EventKind::Schannel,
        meaning: "SChannel: the remote client certificate did not validate",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36881,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Validator,
        kind: EventKind::Schannel,
        meaning: "SChannel: the remote certificate is expired or not yet valid",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36882,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Validator,
        kind: EventKind::Schannel,
        meaning: "SChannel: the remote certificate was issued by an untrusted CA",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36884,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Validator,
        kind: EventKind::Schannel,
        meaning: "SChannel: the remote certificate does not contain the expected name",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36885,
        severity: Severity::Warning,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Acceptor,
        kind: EventKind::Schannel,
        meaning: "SChannel: the list of trusted issuers sent to clients is too long",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36887,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Any,
        kind: EventKind::Schannel,
        meaning: "SChannel: fatal alert received from the peer",
    },
    EventDef {
        provider: SCHANNEL,
        id: 36888,
        severity: Severity::Error,
        template: None,
        roles: &[],
        text_mark: Mark::P,
        side: Side::Any,
        kind: EventKind::Schannel,
        meaning: "SChannel: fatal alert generated",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn max_insertion(template: &str) -> usize {
        let b = template.as_bytes();
        let mut max = 0;
        let mut i = 0;
        while i + 1 < b.len() {
            if b[i] == b'%' && b[i + 1].is_ascii_digit() {
                let mut j = i + 1;
                let mut n = 0usize;
                while j < b.len() && b[j].is_ascii_digit() {
                    n = n * 10 + usize::from(b[j] - b'0');
                    j += 1;
                }
                max = max.max(n);
                i = j;
            } else {
                i += 1;
            }
        }
        max
    }

    #[test]
    fn entries_are_unique_and_roles_cover_every_insertion() {
        for (i, a) in CATALOGUE.iter().enumerate() {
            for b in &CATALOGUE[i + 1..] {
                assert!(
                    !(a.id == b.id && a.provider == b.provider),
                    "duplicate {} {}",
                    a.provider,
                    a.id
                );
            }
            if let Some(t) = a.template {
                assert_eq!(max_insertion(t), a.roles.len(), "roles of {}", a.id);
            }
        }
    }

    #[test]
    fn renders_20052_and_21006_offline() {
        let d = lookup("opsmgr connector", 20052).expect("20052 in catalogue");
        let s = vec!["gw01".to_string(), "gw01.dmz.contoso.com".to_string()];
        let text = d.render(&s).expect("template");
        assert!(text.contains("Certificate Subject Name : gw01\n"));
        assert!(text.ends_with("Computer Name : gw01.dmz.contoso.com"));
        assert_eq!(
            d.string(&s, Role::ExpectedName),
            Some("gw01.dmz.contoso.com")
        );

        let d = lookup("OpsMgr Connector", 21006).expect("21006");
        let s: Vec<String> = ["ms01.contoso.com", "5723", "10060L", "timed out"]
            .iter()
            .map(|x| x.to_string())
            .collect();
        assert_eq!(d.string(&s, Role::Code), Some("10060L"));
        assert_eq!(d.string(&s, Role::Peer), Some("ms01.contoso.com"));
        assert!(d.render(&s).expect("t").starts_with(
            "The OpsMgr Connector could not connect to ms01.contoso.com:5723. The error code is 10060L(timed out)."
        ));
    }

    #[test]
    fn event_20077_uses_the_second_and_third_strings() {
        let d = lookup(OPSMGR_CONNECTOR, 20077).expect("20077");
        assert_eq!(d.index_of(Role::Code), Some(2));
        assert_eq!(d.index_of(Role::CodeText), Some(3));
        let s = vec![
            String::new(),
            "0x80092004".into(),
            "Cannot find object".into(),
        ];
        assert!(d
            .render(&s)
            .expect("t")
            .contains("The specific error is 0x80092004(Cannot find object)."));
    }

    #[test]
    fn missing_strings_stay_visible_and_percent_escapes_work() {
        assert_eq!(render_template("a %1 b %2 %%", &["x".into()]), "a x b %2 %");
        assert_eq!(render_template("100%", &[]), "100%");
        assert_eq!(
            lookup(HEALTH_SERVICE, 2010).and_then(|d| d.index_of(Role::Code)),
            Some(2)
        );
        assert_eq!(Severity::Error.qualifiers(), 49152);
    }
}
