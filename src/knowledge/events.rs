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
    #[cfg(test)]
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
    super::catalogue::CATALOGUE
        .iter()
        .find(|d| d.id == id && d.provider.eq_ignore_ascii_case(provider))
}

/// Every catalogue entry.
pub fn all() -> &'static [EventDef] {
    super::catalogue::CATALOGUE
}

/// Display names the Health Service had over time (§1.1), matched in Service Control Manager
/// 7036 events to find service starts (inference: the English state text `running`).
pub const HEALTH_SERVICE_DISPLAY_NAMES: &[&str] = &[
    "Microsoft Monitoring Agent",
    "System Center Management",
    "OpsMgr Health Service",
    "Health Service",
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
        for (i, a) in crate::knowledge::catalogue::CATALOGUE.iter().enumerate() {
            for b in &crate::knowledge::catalogue::CATALOGUE[i + 1..] {
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
