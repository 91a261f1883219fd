//! Certificates of one machine: where each was found (stores, files), deduplicated by
//! thumbprint, with the private-key facts that `.cer` files cannot carry.

use scomtriage_parsers::x509::Certificate;
use serde::Serialize;

/// Which store tree a certificate was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreLocation {
    /// `HKLM\SOFTWARE\Microsoft\SystemCertificates` or `certificates/LocalMachine/<store>/`.
    LocalMachine,
    /// `HKLM\SOFTWARE\Policies\Microsoft\SystemCertificates` (Group Policy).
    GroupPolicy,
    /// `HKLM\SOFTWARE\Microsoft\EnterpriseCertificates` (published in Active Directory).
    Enterprise,
    /// A user's store (not used by the Health Service).
    CurrentUser,
    /// A file that is not a store export (`.p7b`, a loose certificate).
    File,
}

/// Store name, normalised.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreName {
    /// Personal (`MY`).
    My,
    /// Trusted Root Certification Authorities.
    Root,
    /// Third-party root CAs (`AuthRoot`), also trusted.
    AuthRoot,
    /// Intermediate Certification Authorities.
    Ca,
    /// The "Operations Manager" store (not where the channel certificate belongs, §4.15).
    OperationsManager,
    /// Untrusted certificates.
    Disallowed,
    /// A `.p7b` chain file.
    Chain,
    /// A loose certificate file given without a store.
    Loose,
    /// Any other store, as written.
    Other(String),
}

impl StoreName {
    /// Parse a store name as written in a path or registry key.
    pub fn parse(s: &str) -> StoreName {
        match s.trim().to_ascii_lowercase().as_str() {
            "my" | "personal" => StoreName::My,
            "root" => StoreName::Root,
            "authroot" => StoreName::AuthRoot,
            "ca" => StoreName::Ca,
            "operations manager" => StoreName::OperationsManager,
            "disallowed" => StoreName::Disallowed,
            _ => StoreName::Other(s.trim().to_string()),
        }
    }

    /// Name as Windows shows it.
    pub fn display(&self) -> String {
        match self {
            StoreName::My => "My".into(),
            StoreName::Root => "Root".into(),
            StoreName::AuthRoot => "AuthRoot".into(),
            StoreName::Ca => "CA".into(),
            StoreName::OperationsManager => "Operations Manager".into(),
            StoreName::Disallowed => "Disallowed".into(),
            StoreName::Chain => "chain file".into(),
            StoreName::Loose => "loose file".into(),
            StoreName::Other(s) => s.clone(),
        }
    }
}

/// One place a certificate was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreRef {
    /// Store tree.
    pub location: StoreLocation,
    /// Store.
    pub store: StoreName,
    /// File label (and registry key) it came from.
    pub source: String,
}

impl StoreRef {
    /// `LocalMachine\My`, `GroupPolicy\Root`, `certnew.p7b`…
    pub fn display(&self) -> String {
        match self.location {
            StoreLocation::File => self.source.clone(),
            l => format!("{}\\{}", location_name(l), self.store.display()),
        }
    }

    /// Whether this is a trusted-root store the machine's chain engine uses.
    pub fn is_trusted_root(&self) -> bool {
        matches!(self.store, StoreName::Root | StoreName::AuthRoot)
            && matches!(
                self.location,
                StoreLocation::LocalMachine
                    | StoreLocation::GroupPolicy
                    | StoreLocation::Enterprise
            )
    }

    /// Whether the machine's chain engine can use it as an intermediate (installed, not disallowed).
    pub fn is_installed(&self) -> bool {
        matches!(
            self.location,
            StoreLocation::LocalMachine | StoreLocation::GroupPolicy | StoreLocation::Enterprise
        ) && self.store != StoreName::Disallowed
    }

    /// LocalMachine\My.
    pub fn is_machine_my(&self) -> bool {
        self.location == StoreLocation::LocalMachine && self.store == StoreName::My
    }
}

/// Display name of a store tree.
pub fn location_name(l: StoreLocation) -> &'static str {
    match l {
        StoreLocation::LocalMachine => "LocalMachine",
        StoreLocation::GroupPolicy => "GroupPolicy",
        StoreLocation::Enterprise => "Enterprise",
        StoreLocation::CurrentUser => "CurrentUser",
        StoreLocation::File => "file",
    }
}

/// Where private-key facts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// `certificates/inventory.json` (the collector opened the key on the machine).
    Inventory,
    /// `CRYPT_KEY_PROV_INFO` (property 2) of the store `Blob` in `systemcertificates.reg`.
    StoreBlob,
    /// Nothing tells.
    Unknown,
}

/// Private-key facts of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyFacts {
    /// Source of the facts.
    pub source: KeySource,
    /// Where exactly (file and key/entry).
    pub origin: String,
    /// A private key is associated (`None` = unknown).
    pub present: Option<bool>,
    /// Provider name.
    pub provider_name: Option<String>,
    /// Provider type (0 = CNG key storage provider).
    pub provider_type: Option<u32>,
    /// KeySpec (1 AT_KEYEXCHANGE, 2 AT_SIGNATURE, 0xFFFFFFFF CNG).
    pub key_spec: Option<u32>,
    /// In the machine key set.
    pub machine_keyset: Option<bool>,
    /// CNG / KSP key.
    pub is_cng: Option<bool>,
    /// Opening the key worked on the machine.
    pub accessible: Option<bool>,
    /// Error text when opening failed.
    pub access_error: Option<String>,
}

impl KeyFacts {
    /// Nothing known.
    pub fn unknown() -> KeyFacts {
        KeyFacts {
            source: KeySource::Unknown,
            origin: String::new(),
            present: None,
            provider_name: None,
            provider_type: None,
            key_spec: None,
            machine_keyset: None,
            is_cng: None,
            accessible: None,
            access_error: None,
        }
    }

    /// Whether the key is CNG/KSP by any of the signs (`is_cng`, provider type 0, KeySpec
    /// `CERT_NCRYPT_KEY_SPEC`, a "Key Storage Provider" name).
    pub fn looks_cng(&self) -> Option<bool> {
        if self.present == Some(false) {
            return None;
        }
        let by_name = self
            .provider_name
            .as_deref()
            .map(|n| n.to_ascii_lowercase().contains("key storage provider"));
        let signs = [
            self.is_cng,
            self.provider_type.map(|t| t == 0),
            self.key_spec.map(|k| k == 0xFFFF_FFFF),
            by_name,
        ];
        if signs.contains(&Some(true)) {
            Some(true)
        } else if signs.iter().any(|s| s.is_some()) {
            Some(false)
        } else {
            None
        }
    }
}

/// One certificate of a machine.
#[derive(Debug, Clone, Serialize)]
pub struct CertEntry {
    /// The certificate.
    pub cert: Certificate,
    /// Every place it was found (deduplicated).
    pub stores: Vec<StoreRef>,
    /// Private-key facts.
    pub key: KeyFacts,
    /// Archived flag (inventory).
    pub archived: Option<bool>,
    /// Friendly name (inventory or store blob).
    pub friendly_name: Option<String>,
}

impl CertEntry {
    /// In LocalMachine\My.
    pub fn in_machine_my(&self) -> bool {
        self.stores.iter().any(StoreRef::is_machine_my)
    }

    /// In any trusted-root store of the machine.
    pub fn is_trusted_root(&self) -> bool {
        self.stores.iter().any(StoreRef::is_trusted_root)
    }

    /// Installed in a machine store (usable by the chain engine).
    pub fn is_installed(&self) -> bool {
        self.stores.iter().any(StoreRef::is_installed)
    }

    /// Only known from files (loose certificates or chain files): its store is unknown.
    pub fn only_in_files(&self) -> bool {
        self.stores
            .iter()
            .all(|s| s.location == StoreLocation::File)
    }

    /// Only known from loose files (store unknown).
    pub fn only_loose(&self) -> bool {
        self.stores.iter().all(|s| s.store == StoreName::Loose)
    }

    /// A CA certificate (BasicConstraints cA, or self-issued without EKU).
    pub fn is_ca(&self) -> bool {
        is_ca(&self.cert)
    }

    /// Comma-separated list of where it was found.
    pub fn stores_display(&self) -> String {
        let mut v: Vec<String> = self.stores.iter().map(StoreRef::display).collect();
        v.dedup();
        v.join(", ")
    }
}

/// Server Authentication (1.3.6.1.5.5.7.3.1).
pub const EKU_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
/// Client Authentication (1.3.6.1.5.5.7.3.2).
pub const EKU_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

/// The Enhanced Key Usages SCOM requires (OID, name).
pub const REQUIRED_EKUS: [(&str, &str); 2] = [
    (EKU_SERVER_AUTH, "Server Authentication"),
    (EKU_CLIENT_AUTH, "Client Authentication"),
];

/// The KeyUsage bits SCOM requires (bit, name).
pub const REQUIRED_KEY_USAGE: [(u16, &str); 2] = [
    (
        scomtriage_parsers::x509::KU_DIGITAL_SIGNATURE,
        "Digital Signature",
    ),
    (
        scomtriage_parsers::x509::KU_KEY_ENCIPHERMENT,
        "Key Encipherment",
    ),
];

/// The required EKUs (OID, name) an EKU list lacks.
pub fn missing_ekus(list: &[String]) -> Vec<(&'static str, &'static str)> {
    REQUIRED_EKUS
        .into_iter()
        .filter(|(oid, _)| !list.iter().any(|o| o == oid))
        .collect()
}

/// The names of the required KeyUsage bits `bits` lacks.
pub fn missing_key_usage(bits: u16) -> Vec<&'static str> {
    REQUIRED_KEY_USAGE
        .into_iter()
        .filter(|(bit, _)| bits & bit == 0)
        .map(|(_, n)| n)
        .collect()
}

/// Whether the certificate's EKU lists both Server and Client Authentication.
pub fn has_server_and_client_auth(c: &Certificate) -> bool {
    c.eku.as_ref().is_some_and(|e| missing_ekus(e).is_empty())
}

/// A CA certificate: BasicConstraints cA=true, or self-issued.
pub fn is_ca(c: &Certificate) -> bool {
    c.basic_constraints.as_ref().map(|b| b.ca).unwrap_or(false) || c.self_issued
}

/// The name SCOM reads from a certificate (`CertGetNameString(CERT_NAME_DNS_TYPE)`, §4.2): the
/// first DNS SAN if a SAN extension exists, else the first CN. `None` when neither yields a name
/// (event 20075).
pub fn scom_name(c: &Certificate) -> Option<&str> {
    if c.has_san {
        if let Some(n) = c.san_dns.first() {
            return Some(n.as_str());
        }
        // A SAN without a dNSName: CertGetNameString falls back to the CN.
    }
    c.subject_cns.first().map(|s| s.as_str())
}

/// Normalise a host name for comparison: trimmed, lower-case, trailing dot removed.
pub fn norm_name(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Add `cert` found at `at` to `entries`, merging by thumbprint.
pub fn add_cert(entries: &mut Vec<CertEntry>, cert: Certificate, at: StoreRef) -> usize {
    if let Some(i) = entries.iter().position(|e| {
        e.cert
            .thumbprint_sha1
            .eq_ignore_ascii_case(&cert.thumbprint_sha1)
    }) {
        let e = &mut entries[i];
        if !e
            .stores
            .iter()
            .any(|s| s.location == at.location && s.store == at.store)
        {
            e.stores.push(at);
        }
        return i;
    }
    entries.push(CertEntry {
        cert,
        stores: vec![at],
        key: KeyFacts::unknown(),
        archived: None,
        friendly_name: None,
    });
    entries.len() - 1
}
