//! The scenario model: one JSON file per case in `corpus/scenarios/`, plus the shared
//! `_templates.json`.
//!
//! # File format
//!
//! ```json
//! {
//!   "id": "gateway_name_mismatch",            // = file stem, [a-z0-9_]+
//!   "description": "…",
//!   "collected_at": "2026-11-20T14:03:11Z",   // default; all relative times hang off it
//!   "management_group": "CONTOSO-MG",         // default
//!   "certs": {                                 // CAs and leaves; template ids usable as is
//!     "gw01-short": {"cn": "gw01", "issuer": "contoso-issuing", "key": "rsa2048-c",
//!                    "serial": "61000000e4…0e4b", "not_before": "-3d"}
//!   },
//!   "machines": {
//!     "gw01": {"use": "gw01",                  // start from a template machine (shallow merge)
//!              "my": [{"cert": "gw01-short", "friendly_name": "SCOM Gateway"}],
//!              "timeline": [
//!                {"do": "start", "at": "-2d", "load": "20052"},
//!                {"do": "fail", "pattern": "not_trusted_domain", "from": "-2d+1m", "every": "15m"},
//!                {"do": "noise", "per_hour": 8, "from": "-2d"}]}
//!   },
//!   "expect": {"gw01": {"top": "name_mismatch", "not": ["private_key_missing"]}}
//! }
//! ```
//!
//! **Times** (see [`crate::timeexpr`]): `end`, RFC 3339, or offsets such as `-2d`,
//! `-2h30m`, `-20d+5m`, `+165d` (units y d h m s).
//!
//! **Certificates** ([`CertSpec`]): `cn` or `subject` (`[["CN",…],["O",…],["DC",…]]`, each
//! type once), `san` (DNS names; presence of any SAN makes SCOM use the first one),
//! `issuer` (absent = self-signed), `ca`, `key` (a committed test key: `rsa2048-a`…`f`,
//! `rsa1024-weak`), `serial` (big-endian hex as Windows shows it, without the DER pad; its
//! length is the serial length, 1–20 bytes; absent = 19 bytes AD CS style), `not_before`,
//! `not_after`, `eku` (`server_auth`, `client_auth`, …; default both for leaves), `key_usage`
//! (default digital_signature + key_encipherment), `hash` (sha256/384/512), `crl_url`.
//! Each issuer signs with RSA PKCS#1 v1.5, so bytes are reproducible.
//!
//! **Machines** ([`MachineSpec`]): `fqdn` (Unicode allowed), `netbios`, `role`
//! (`agent`, `gateway`, `management_server`), `domain_joined` (default: all but gateways),
//! `time_zone`, `scom_version`, `ip`, `parents`, `port`. Stores: `my`, `root` (absent = roots
//! of the My chains), `ca` (absent = their intermediates), `operations_manager`, `gpo_root`
//! (policy-systemcertificates.reg only), `enterprise_root`; `default_roots` adds the
//! template's public roots; `remote_desktop_cert` adds Windows' self-signed RDP
//! certificate to the `Remote Desktop` store. A store entry is an id or
//! `{"cert", "key", "friendly_name", "archived"}`; `key` is a profile (`schannel` default in
//! My, `enhanced`, `signature` = KeySpec 2, `cng` = KSP, `user` = not machine key set,
//! `missing_container`, `none`) or explicit `{"provider", "provider_type", "key_spec",
//! "machine", "exportable", "accessible", "access_error"}`. Archived certificates appear
//! only in the registry Blob. Registry: `channel_cert` (absent = first My entry, `null` =
//! none), `channel_serial_hex` (explicit bytes in registry order), `channel_serial_pad`
//! (keep the DER 0x00), `channel_hash` (absent = thumbprint, `null` = not written).
//! `chains`: `.p7b` files (`der`, `ber`, `pem`). `omit`: members to leave out (`manifest`,
//! `inventory`, `cer`, `chains`, `certificates`, `opsmgr_reg`, `healthservice_reg`,
//! `systemcertificates_reg`, `policy_reg`, `tcpip_reg`, `registry`, `eventlog`,
//! `collector_log`); each omission is logged as a collector error. `evtx`: writer
//! `minor_version`, `damage`, `first_record_id`.
//!
//! **Timeline** ([`Step`], `"do"` picks the kind): `start` (Health Service start; `load`:
//! `ok` 20053, `none` 21022, `silent`, or `20049` `20050` `20051` `20052` `20066` `20068`
//! `20069` `20077` `21036` followed by 21021, data filled from the registered
//! certificate), `connected` (21024/21025/1210, then 21025/1210 every `every`, default 6h),
//! `fail` (child side, repeated every `every`, default 10m, each followed by 21016 or with
//! `failover` 21015: `not_approved` 20070, `closed_no_auth` 20071, `untrusted_peer` 20072,
//! `tcp` 21006 with `10060L`/`10061L`, `dns` 21005, `kerberos` 20057 + 21001,
//! `not_trusted_domain` 21007), `parent` (parent side about a `child`: `unapproved` 20000,
//! `untrusted_child` 20072, `invalid_child_cert` 20067, `auth_failed` 20002,
//! `accept_failed` 21002, `heartbeat_lost` 20022), `event` (any id, data with
//! placeholders `{fqdn}` `{netbios}` `{parent}` `{mg}` `{ip}` `{cert_name}`
//! `{cert_not_before}` `{cert_not_after}`, optional `every`/`until`), `noise` (other
//! providers' everyday events at `per_hour`).
//!
//! **Expectations** ([`Expectation`]) per machine id: `top` (cause ranked first), `healthy`
//! (no finding of medium or high confidence), `not` (causes that must not be reported),
//! `order` (`[a, b]`: both reported, `a` above `b`), `note`. Cause ids: [`CAUSE_IDS`].
//! A cross-machine finding (`peer_untrusted`) belongs to the machine whose certificate the
//! peer rejects; `ms_lacks_certificate` belongs to the management server.

use crate::timeexpr;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use thiserror::Error;

/// The cause ids of the diagnosis (issue 4). Expectations may only use these.
pub const CAUSE_IDS: [&str; 21] = [
    "name_mismatch",
    "private_key_missing",
    "key_spec",
    "cng_key",
    "untrusted_root",
    "peer_untrusted",
    "missing_intermediate",
    "serial_mismatch",
    "no_certificate_configured",
    "renewed_not_reimported",
    "expired",
    "not_yet_valid",
    "eku",
    "key_usage",
    "not_approved",
    "gateway_reconnect_stall",
    "network",
    "dns",
    "kerberos",
    "ms_lacks_certificate",
    "weak_crypto",
];

/// Errors loading or checking scenario files.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: String,
        /// I/O error.
        source: std::io::Error,
    },
    /// A file is not valid scenario JSON.
    #[error("{path}: {source}")]
    Json {
        /// File.
        path: String,
        /// serde_json's error (line and column).
        source: serde_json::Error,
    },
    /// A scenario refers to something it does not define, or breaks a rule.
    #[error("scenario `{scenario}`: {problem}")]
    Invalid {
        /// Scenario id.
        scenario: String,
        /// What is wrong.
        problem: String,
    },
}

/// The shared templates file (`_templates.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    /// Certificates (usually CAs) any scenario may refer to by id.
    #[serde(default)]
    pub certs: BTreeMap<String, CertSpec>,
    /// Roots added to every machine's Root store unless it sets `default_roots: false`
    /// (stand-ins for the public roots a real machine trusts).
    #[serde(default)]
    pub default_roots: Vec<String>,
    /// Machine templates: a scenario machine with `"use": "<name>"` starts from this JSON
    /// object; its own fields replace the template's (shallow merge).
    #[serde(default)]
    pub machines: BTreeMap<String, serde_json::Value>,
}

/// One scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Case id (`[a-z0-9_]+`); also the output folder name. Must equal the file stem.
    pub id: String,
    /// What the case is about, in one or two sentences.
    pub description: String,
    /// Collection time (RFC 3339 UTC); every relative time is relative to it.
    #[serde(default = "default_collected_at")]
    pub collected_at: String,
    /// Management group name.
    #[serde(default = "default_mg")]
    pub management_group: String,
    /// Certificates defined by this scenario (override template ids of the same name).
    #[serde(default)]
    pub certs: BTreeMap<String, CertSpec>,
    /// Machines by id (`[a-z0-9-]+`, used for the bundle file name).
    pub machines: BTreeMap<String, MachineSpec>,
    /// Expected findings per machine id.
    #[serde(default)]
    pub expect: BTreeMap<String, Expectation>,
}

fn default_collected_at() -> String {
    "2026-11-20T14:03:11Z".to_string()
}

fn default_mg() -> String {
    "CONTOSO-MG".to_string()
}

/// Signature hash of a certificate (the issuer signs with RSA PKCS#1 v1.5 and this hash).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hash {
    /// sha256WithRSAEncryption.
    #[default]
    Sha256,
    /// sha384WithRSAEncryption.
    Sha384,
    /// sha512WithRSAEncryption.
    Sha512,
}

/// Extended key usages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eku {
    /// 1.3.6.1.5.5.7.3.1
    ServerAuth,
    /// 1.3.6.1.5.5.7.3.2
    ClientAuth,
    /// 1.3.6.1.5.5.7.3.3
    CodeSigning,
    /// 1.3.6.1.5.5.7.3.4
    EmailProtection,
}

/// Key usages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyUsage {
    /// digitalSignature (0x80)
    DigitalSignature,
    /// nonRepudiation / contentCommitment (0x40)
    NonRepudiation,
    /// keyEncipherment (0x20)
    KeyEncipherment,
    /// dataEncipherment (0x10)
    DataEncipherment,
    /// keyCertSign
    KeyCertSign,
    /// cRLSign
    CrlSign,
}

/// One certificate (CA or leaf).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertSpec {
    /// Common name (shorthand for `subject: [["CN", …]]`); any Unicode.
    #[serde(default)]
    pub cn: Option<String>,
    /// Subject as `[type, value]` pairs in encoding order. Types: CN, O, OU, C, L, ST, DC
    /// (each at most once: rcgen keeps one value per type).
    #[serde(default)]
    pub subject: Option<Vec<(String, String)>>,
    /// DNS names of the SAN extension (ASCII); empty = no SAN extension.
    #[serde(default)]
    pub san: Vec<String>,
    /// Issuer certificate id; absent = self-signed.
    #[serde(default)]
    pub issuer: Option<String>,
    /// A CA certificate (basicConstraints cA, keyCertSign/cRLSign, SKI).
    #[serde(default)]
    pub ca: bool,
    /// Committed test key of the subject (`rsa2048-a` …, `rsa1024-weak`).
    pub key: String,
    /// Serial number as Windows displays it, big-endian hex without a DER pad byte;
    /// its length is the serial's length (19 bytes for AD CS, 20 for others).
    /// Absent = 19 bytes derived from the certificate id.
    #[serde(default)]
    pub serial: Option<String>,
    /// Validity start (time expression); default `-200d` (leaf) / `-3y` (CA).
    #[serde(default)]
    pub not_before: Option<String>,
    /// Validity end; default `+165d` (leaf) / `+7y` (CA).
    #[serde(default)]
    pub not_after: Option<String>,
    /// EKUs; default server_auth + client_auth for leaves, none for CAs. `[]` = no EKU extension.
    #[serde(default)]
    pub eku: Option<Vec<Eku>>,
    /// Key usages; default digital_signature + key_encipherment for leaves,
    /// key_cert_sign + crl_sign + digital_signature for CAs. `[]` = no extension.
    #[serde(default)]
    pub key_usage: Option<Vec<KeyUsage>>,
    /// Signature hash.
    #[serde(default)]
    pub hash: Hash,
    /// CRL distribution point URL.
    #[serde(default)]
    pub crl_url: Option<String>,
}

/// SCOM role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Agent (Microsoft Monitoring Agent).
    Agent,
    /// Gateway server.
    Gateway,
    /// Management server.
    ManagementServer,
}

impl Role {
    /// The manifest's `scom.role` text.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Gateway => "gateway",
            Role::ManagementServer => "management_server",
        }
    }
}

/// Private-key facts of one certificate in a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyFacts {
    /// A named profile: `schannel` (default in My), `enhanced`, `signature` (KeySpec 2),
    /// `cng` (KSP, provider type 0), `user` (not in the machine key set),
    /// `missing_container` (association present, key file gone), `none`.
    Profile(String),
    /// Explicit facts.
    Explicit(ExplicitKey),
}

/// Explicit private-key facts (written to `CRYPT_KEY_PROV_INFO` and `inventory.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplicitKey {
    /// Provider name.
    pub provider: String,
    /// dwProvType (0 = CNG KSP).
    pub provider_type: u32,
    /// dwKeySpec.
    pub key_spec: u32,
    /// CRYPT_MACHINE_KEYSET.
    #[serde(default = "yes")]
    pub machine: bool,
    /// Exportable.
    #[serde(default)]
    pub exportable: bool,
    /// Opening the key works on the machine.
    #[serde(default = "yes")]
    pub accessible: bool,
    /// Error text when it does not.
    #[serde(default)]
    pub access_error: Option<String>,
}

fn yes() -> bool {
    true
}

/// A certificate placed in a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StoreEntry {
    /// Just the certificate id (default key facts for the store).
    Id(String),
    /// With details.
    Detailed(DetailedEntry),
}

/// A store entry with details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailedEntry {
    /// Certificate id.
    pub cert: String,
    /// Private-key facts; default `schannel` in My, `none` elsewhere.
    #[serde(default)]
    pub key: Option<KeyFacts>,
    /// Friendly name (property 11).
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// Archived flag.
    #[serde(default)]
    pub archived: bool,
}

impl StoreEntry {
    /// The certificate id.
    pub fn cert(&self) -> &str {
        match self {
            StoreEntry::Id(id) => id,
            StoreEntry::Detailed(d) => &d.cert,
        }
    }
}

/// How a `.p7b` file in `certificates/chains/` is encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum P7bEncoding {
    /// DER (SET OF certificates sorted as DER requires).
    #[default]
    Der,
    /// BER with indefinite-length outer layers (as Windows/AD CS tools may write).
    Ber,
    /// PEM `-----BEGIN PKCS7-----`.
    Pem,
}

/// One `certificates/chains/<name>` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainFile {
    /// File name (ends with `.p7b`).
    pub name: String,
    /// Certificate ids, in the order written.
    pub certs: Vec<String>,
    /// Encoding.
    #[serde(default)]
    pub encoding: P7bEncoding,
}

/// Bundle members that can be left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Member {
    /// `manifest.json`.
    Manifest,
    /// `certificates/inventory.json`.
    Inventory,
    /// Every `.cer` export.
    Cer,
    /// `certificates/chains/*`.
    Chains,
    /// `inventory.json`, `.cer`, chains.
    Certificates,
    /// `registry/opsmgr.reg`.
    OpsmgrReg,
    /// `registry/healthservice.reg`.
    HealthserviceReg,
    /// `registry/systemcertificates.reg`.
    SystemcertificatesReg,
    /// `registry/policy-systemcertificates.reg` and `registry/enterprise-certificates.reg`.
    PolicyReg,
    /// `registry/tcpip.reg`.
    TcpipReg,
    /// Every `registry/*.reg`.
    Registry,
    /// `eventlogs/Operations Manager.evtx`.
    Eventlog,
    /// `collector.log`.
    CollectorLog,
}

/// Deliberate EVTX damage (passed to the writer's `Damage`, plus `truncate_tail`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvtxDamage {
    /// Writer option: cut the file to this many bytes.
    #[serde(default)]
    pub truncate_to: Option<u64>,
    /// Cut this many bytes off the end after writing (done by the generator).
    #[serde(default)]
    pub truncate_tail: Option<u64>,
    /// Chunks with a bad data CRC.
    #[serde(default)]
    pub bad_chunk_crc: Vec<usize>,
    /// Chunks with a bad magic.
    #[serde(default)]
    pub bad_chunk_magic: Vec<usize>,
    /// Header dirty flag.
    #[serde(default)]
    pub dirty: bool,
    /// Rotate chunks by this many (wrapped log).
    #[serde(default)]
    pub wrap_by: usize,
    /// Zero-filled chunks.
    #[serde(default)]
    pub zero_chunks: Vec<usize>,
}

/// EVTX writer options for one machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvtxSpec {
    /// Header minor version (1, or 2 as Server 2022 writes).
    #[serde(default = "default_minor")]
    pub minor_version: u16,
    /// Damage.
    #[serde(default)]
    pub damage: EvtxDamage,
    /// First EventRecordID (exported logs keep the original ids).
    #[serde(default = "default_first_record")]
    pub first_record_id: u64,
}

fn default_minor() -> u16 {
    2
}

fn default_first_record() -> u64 {
    1
}

impl Default for EvtxSpec {
    fn default() -> Self {
        EvtxSpec {
            minor_version: default_minor(),
            damage: EvtxDamage::default(),
            first_record_id: default_first_record(),
        }
    }
}

/// One machine of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineSpec {
    /// FQDN (may be non-ASCII).
    pub fqdn: String,
    /// NetBIOS name; default: first label, upper-case, at most 15 characters.
    #[serde(default)]
    pub netbios: Option<String>,
    /// Role.
    pub role: Role,
    /// Domain member; default true for agents and management servers, false for gateways.
    #[serde(default)]
    pub domain_joined: Option<bool>,
    /// Windows time zone id; default `UTC`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Offset for the manifest; default from a small table of ids.
    #[serde(default)]
    pub utc_offset_minutes: Option<i32>,
    /// OS caption; default Windows Server 2022 Standard.
    #[serde(default)]
    pub os: Option<String>,
    /// SCOM version; default `10.22.10118.0`.
    #[serde(default)]
    pub scom_version: Option<String>,
    /// IPv4 address (tcpip.reg, parent-side events); default derived from the id.
    #[serde(default)]
    pub ip: Option<String>,
    /// Parent FQDNs (primary first).
    #[serde(default)]
    pub parents: Vec<String>,
    /// Connector port.
    #[serde(default = "default_port")]
    pub port: u16,
    /// LocalMachine\My.
    #[serde(default)]
    pub my: Vec<StoreEntry>,
    /// LocalMachine\Root; absent = the roots of the chains of every My certificate.
    #[serde(default)]
    pub root: Option<Vec<StoreEntry>>,
    /// LocalMachine\CA; absent = the intermediates of those chains.
    #[serde(default)]
    pub ca: Option<Vec<StoreEntry>>,
    /// LocalMachine\Operations Manager.
    #[serde(default)]
    pub operations_manager: Vec<StoreEntry>,
    /// Roots distributed by Group Policy (policy-systemcertificates.reg only).
    #[serde(default)]
    pub gpo_root: Vec<String>,
    /// Roots published in AD (enterprise-certificates.reg only).
    #[serde(default)]
    pub enterprise_root: Vec<String>,
    /// Add the template's default public roots to Root.
    #[serde(default = "yes")]
    pub default_roots: bool,
    /// Add a self-signed Remote Desktop certificate (CN = FQDN) to the `Remote Desktop`
    /// store in systemcertificates.reg, as Windows does.
    #[serde(default = "yes")]
    pub remote_desktop_cert: bool,
    /// The certificate registered for SCOM (serial reversed + hash). Absent = the first
    /// My entry; `null` = nothing registered.
    #[serde(default = "absent", deserialize_with = "double_option")]
    pub channel_cert: Option<Option<String>>,
    /// Explicit `ChannelCertificateSerialNumber` bytes, hex, in registry order.
    #[serde(default)]
    pub channel_serial_hex: Option<String>,
    /// Keep the DER 0x00 pad byte in the reversed serial (default true).
    #[serde(default = "yes")]
    pub channel_serial_pad: bool,
    /// `ChannelCertificateHash`: absent = channel cert thumbprint (lower case), `null` =
    /// value not written, a string = that text.
    #[serde(default = "absent", deserialize_with = "double_option")]
    pub channel_hash: Option<Option<String>>,
    /// `.p7b` files.
    #[serde(default)]
    pub chains: Vec<ChainFile>,
    /// Event timeline.
    #[serde(default)]
    pub timeline: Vec<Step>,
    /// Members left out of the bundle.
    #[serde(default)]
    pub omit: Vec<Member>,
    /// `errors` in the manifest (also logged in collector.log).
    #[serde(default)]
    pub manifest_errors: Vec<(String, String)>,
    /// EVTX writer options.
    #[serde(default)]
    pub evtx: EvtxSpec,
    /// Health Service status in the manifest.
    #[serde(default = "default_status")]
    pub health_service_status: String,
}

fn default_port() -> u16 {
    5723
}

fn default_status() -> String {
    "Running".to_string()
}

fn absent() -> Option<Option<String>> {
    None
}

/// Tell "field absent" (outer `None`) from "field is null" (`Some(None)`).
fn double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The certificate-load outcome at a Health Service start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Load {
    /// 20053.
    #[default]
    #[serde(rename = "ok")]
    Ok,
    /// 21022 (no certificate specified).
    #[serde(rename = "none")]
    NoneSpecified,
    /// Nothing certificate-related logged (a Kerberos-only machine that logs 21022 is
    /// `none`; this is for logs that simply lack the event).
    #[serde(rename = "silent")]
    Silent,
    /// 20049 key usage, then 21021.
    #[serde(rename = "20049")]
    KeyUsage,
    /// 20050 EKU, then 21021.
    #[serde(rename = "20050")]
    Eku,
    /// 20051 validity (data = NotBefore, NotAfter), then 21021.
    #[serde(rename = "20051")]
    Validity,
    /// 20052 name (data = certificate name, computer name), then 21021.
    #[serde(rename = "20052")]
    Name,
    /// 20066 configured certificate not found, then 21021.
    #[serde(rename = "20066")]
    NotFound,
    /// 20068 no usable private key (data = code, text), then 21021.
    #[serde(rename = "20068")]
    NoKey,
    /// 20069 KeySpec, then 21021.
    #[serde(rename = "20069")]
    KeySpec,
    /// 20077 properties not queryable (data = "", code, text), then 21021.
    #[serde(rename = "20077")]
    NoProperties,
    /// 21036 cannot be used (data = code, text), then 21021.
    #[serde(rename = "21036")]
    Unusable,
}

/// Child-side failure patterns (each attempt logs the listed events, then 21016 or 21015).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailPattern {
    /// 20070 (closed after authentication: not approved).
    NotApproved,
    /// 20071 (closed without authentication).
    ClosedNoAuth,
    /// 20072 for the parent's certificate (code default 0x800B0109).
    UntrustedPeer,
    /// 21006 host, port, code (default 10060L), text.
    Tcp,
    /// 21005 host, code (default 11001L), text.
    Dns,
    /// 20057 `MSOMHSvc/<parent>`, 0x80090311, text; 21001 parent.
    Kerberos,
    /// 21007 parent (not in a trusted domain).
    NotTrustedDomain,
}

/// Parent-side patterns (repeated per attempt of a child).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentPattern {
    /// 20000 Requesting Device Name: child.
    Unapproved,
    /// 20072 child's certificate not trusted (code default 0x800B0109).
    UntrustedChild,
    /// 20067 child at IP presented an invalid certificate (code default 0x800B0109).
    InvalidChildCert,
    /// 20002 device at IP could not be authenticated.
    AuthFailed,
    /// 21002 could not accept a connection from IP:port.
    AcceptFailed,
    /// 20022 child not heartbeating.
    HeartbeatLost,
}

/// Noise profiles (other providers' everyday events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseProfile {
    /// Agent workloads.
    Agent,
    /// Gateway.
    Gateway,
    /// Management server (SDK, config service, data warehouse).
    ManagementServer,
}

/// One timeline step. Times are time expressions (see [`crate::timeexpr`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// A Health Service start and the certificate-load outcome.
    Start {
        /// When.
        at: String,
        /// Outcome.
        #[serde(default)]
        load: Load,
        /// Error code for 20068/20077/21036 (default per event).
        #[serde(default)]
        code: Option<String>,
    },
    /// A working channel to the parent: 21024/21025 + 1210 after the start, then
    /// configuration refreshes every `every` (default 6h).
    Connected {
        /// Parent (default: first parent).
        #[serde(default)]
        peer: Option<String>,
        /// From.
        from: String,
        /// Until (default end).
        #[serde(default)]
        until: Option<String>,
        /// Refresh period.
        #[serde(default)]
        every: Option<String>,
    },
    /// Repeated child-side failures.
    Fail {
        /// Pattern.
        pattern: FailPattern,
        /// Parent (default: first parent).
        #[serde(default)]
        peer: Option<String>,
        /// Error code override.
        #[serde(default)]
        code: Option<String>,
        /// First attempt.
        from: String,
        /// Until (default end).
        #[serde(default)]
        until: Option<String>,
        /// Period (default 10m).
        #[serde(default)]
        every: Option<String>,
        /// Failover hosts exist: 21015 (warning) instead of 21016.
        #[serde(default)]
        failover: bool,
    },
    /// Repeated parent-side events about a child.
    Parent {
        /// Pattern.
        pattern: ParentPattern,
        /// The child's machine id in this scenario, or a FQDN.
        child: String,
        /// Error code override.
        #[serde(default)]
        code: Option<String>,
        /// First occurrence.
        from: String,
        /// Until (default end).
        #[serde(default)]
        until: Option<String>,
        /// Period (default 10m).
        #[serde(default)]
        every: Option<String>,
    },
    /// Any event. Provider, level and qualifiers come from the catalogue for known ids.
    /// `data` strings may use `{fqdn}`, `{netbios}`, `{parent}`, `{mg}`, `{ip}`,
    /// `{cert_name}`, `{cert_not_before}`, `{cert_not_after}`.
    Event {
        /// When (first occurrence).
        at: String,
        /// Event id.
        id: u16,
        /// Provider override.
        #[serde(default)]
        provider: Option<String>,
        /// Unnamed data.
        #[serde(default)]
        data: Vec<String>,
        /// Repeat period.
        #[serde(default)]
        every: Option<String>,
        /// Repeat until (default end when `every` is set).
        #[serde(default)]
        until: Option<String>,
    },
    /// Background events from other providers.
    Noise {
        /// Profile (default by role).
        #[serde(default)]
        profile: Option<NoiseProfile>,
        /// Average events per hour.
        per_hour: f64,
        /// From.
        from: String,
        /// Until (default end).
        #[serde(default)]
        until: Option<String>,
    },
}

/// What the analyzer must report for one machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The cause ranked first for this machine; absent = no requirement.
    #[serde(default)]
    pub top: Option<String>,
    /// No finding of medium or high confidence for this machine.
    #[serde(default)]
    pub healthy: bool,
    /// Causes that must not be reported for this machine (any confidence).
    #[serde(default)]
    pub not: Vec<String>,
    /// Pairs `[a, b]`: both reported and `a` ranked above `b`.
    #[serde(default)]
    pub order: Vec<(String, String)>,
    /// Why, for the reader of a failing test.
    #[serde(default)]
    pub note: Option<String>,
}

impl MachineSpec {
    /// NetBIOS name (explicit, or the first label upper-cased, 15 characters at most).
    pub fn netbios_name(&self) -> String {
        self.netbios
            .clone()
            .unwrap_or_else(|| self.host_label().to_uppercase().chars().take(15).collect())
    }

    /// The first DNS label.
    pub fn host_label(&self) -> &str {
        self.fqdn.split('.').next().unwrap_or(&self.fqdn)
    }

    /// The DNS domain (everything after the first label), possibly empty.
    pub fn dns_domain(&self) -> &str {
        self.fqdn.split_once('.').map(|(_, d)| d).unwrap_or("")
    }

    /// Domain member?
    pub fn is_domain_joined(&self) -> bool {
        self.domain_joined
            .unwrap_or(!matches!(self.role, Role::Gateway))
    }

    /// The certificate id registered for SCOM, if any.
    pub fn channel_cert_id(&self) -> Option<&str> {
        match &self.channel_cert {
            Some(explicit) => explicit.as_deref(),
            None => self.my.first().map(StoreEntry::cert),
        }
    }

    /// Whether a member is left out (group members included).
    pub fn omits(&self, m: Member) -> bool {
        self.omit.iter().any(|o| {
            *o == m
                || (*o == Member::Registry
                    && matches!(
                        m,
                        Member::OpsmgrReg
                            | Member::HealthserviceReg
                            | Member::SystemcertificatesReg
                            | Member::PolicyReg
                            | Member::TcpipReg
                    ))
                || (*o == Member::Certificates
                    && matches!(m, Member::Inventory | Member::Cer | Member::Chains))
        })
    }
}

/// Read `_templates.json`.
pub fn load_templates(path: &Path) -> Result<Templates, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ScenarioError::Json {
        path: path.display().to_string(),
        source,
    })
}

/// Read one scenario file, expanding `"use"` references to template machines and
/// certificates (shallow merge: the scenario's fields win).
pub fn load_scenario(path: &Path, t: &Templates) -> Result<Scenario, ScenarioError> {
    let p = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        path: p.clone(),
        source,
    })?;
    parse_scenario(&text, t).map_err(|e| match e {
        ScenarioError::Json { source, .. } => ScenarioError::Json { path: p, source },
        other => other,
    })
}

/// Parse scenario JSON text (see [`load_scenario`]).
pub fn parse_scenario(text: &str, t: &Templates) -> Result<Scenario, ScenarioError> {
    let json_err = |source| ScenarioError::Json {
        path: "<text>".into(),
        source,
    };
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(json_err)?;
    let id = v
        .get("id")
        .and_then(|i| i.as_str())
        .unwrap_or("?")
        .to_string();
    let template_certs = serde_json::to_value(&t.certs).map_err(json_err)?;
    for (section, source) in [("machines", None), ("certs", Some(&template_certs))] {
        let Some(map) = v.get_mut(section).and_then(|m| m.as_object_mut()) else {
            continue;
        };
        for (name, entry) in map.iter_mut() {
            let Some(obj) = entry.as_object_mut() else {
                continue;
            };
            let Some(used) = obj.remove("use") else {
                continue;
            };
            let used = used.as_str().unwrap_or_default().to_string();
            let base = match source {
                None => t.machines.get(&used).cloned(),
                Some(certs) => certs.get(&used).cloned(),
            };
            let Some(serde_json::Value::Object(mut merged)) = base else {
                return Err(ScenarioError::Invalid {
                    scenario: id.clone(),
                    problem: format!("{section} `{name}` uses unknown template `{used}`"),
                });
            };
            for (k, val) in std::mem::take(obj) {
                merged.insert(k, val);
            }
            *obj = merged;
        }
    }
    serde_json::from_value(v).map_err(json_err)
}

/// Read every `*.json` scenario of a directory (files starting with `_` are not scenarios),
/// sorted by id, and check each against the templates.
pub fn load_dir(dir: &Path) -> Result<(Templates, Vec<Scenario>), ScenarioError> {
    let templates = load_templates(&dir.join("_templates.json"))?;
    let entries = std::fs::read_dir(dir).map_err(|source| ScenarioError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ScenarioError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".json") && !name.starts_with('_') {
            paths.push(path);
        }
    }
    paths.sort();
    let mut scenarios = Vec::new();
    for path in paths {
        let s = load_scenario(&path, &templates)?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        if stem != s.id {
            return Err(ScenarioError::Invalid {
                scenario: s.id.clone(),
                problem: format!("file name `{stem}.json` differs from the id"),
            });
        }
        validate(&s, &templates)?;
        scenarios.push(s);
    }
    Ok((templates, scenarios))
}

/// All certificates visible to a scenario (template ones overridden by its own).
pub fn all_certs(s: &Scenario, t: &Templates) -> BTreeMap<String, CertSpec> {
    let mut map = t.certs.clone();
    for (k, v) in &s.certs {
        map.insert(k.clone(), v.clone());
    }
    map
}

/// Check that a scenario only references what it defines, and uses known names.
pub fn validate(s: &Scenario, t: &Templates) -> Result<(), ScenarioError> {
    let bad = |problem: String| ScenarioError::Invalid {
        scenario: s.id.clone(),
        problem,
    };
    if s.id.is_empty()
        || !s
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(bad("id must match [a-z0-9_]+".into()));
    }
    let base: jiff::Timestamp = s
        .collected_at
        .parse()
        .map_err(|e| bad(format!("collected_at: {e}")))?;
    if s.machines.is_empty() {
        return Err(bad("no machines".into()));
    }
    let certs = all_certs(s, t);
    let time = |what: &str, text: &str| -> Result<(), ScenarioError> {
        timeexpr::resolve(text, base)
            .map(|_| ())
            .map_err(|e| bad(format!("{what}: {e}")))
    };
    let dur = |what: &str, text: &Option<String>| -> Result<(), ScenarioError> {
        match text {
            Some(t) => timeexpr::parse_duration(t)
                .map(|_| ())
                .map_err(|e| bad(format!("{what}: {e}"))),
            None => Ok(()),
        }
    };
    for r in &t.default_roots {
        if !t.certs.contains_key(r) {
            return Err(bad(format!("template default root `{r}` is not defined")));
        }
    }
    for (id, c) in &certs {
        if crate::keys::key_pem(&c.key).is_none() {
            return Err(bad(format!(
                "certificate `{id}` uses unknown key `{}`",
                c.key
            )));
        }
        if let Some(i) = &c.issuer {
            match certs.get(i) {
                None => {
                    return Err(bad(format!(
                        "certificate `{id}` has undefined issuer `{i}`"
                    )))
                }
                Some(ic) if !ic.ca => {
                    return Err(bad(format!("issuer `{i}` of `{id}` is not a CA")))
                }
                _ => {}
            }
        }
        if c.cn.is_none() && c.subject.is_none() {
            return Err(bad(format!(
                "certificate `{id}` has neither cn nor subject"
            )));
        }
        if let Some(subject) = &c.subject {
            let mut seen = BTreeSet::new();
            for (ty, _) in subject {
                if !["CN", "O", "OU", "C", "L", "ST", "DC"].contains(&ty.as_str()) {
                    return Err(bad(format!(
                        "certificate `{id}`: unknown subject type `{ty}`"
                    )));
                }
                if !seen.insert(ty.clone()) {
                    return Err(bad(format!(
                        "certificate `{id}`: subject type `{ty}` appears twice"
                    )));
                }
            }
        }
        for name in &c.san {
            if !name.is_ascii() {
                return Err(bad(format!(
                    "certificate `{id}`: SAN `{name}` is not ASCII"
                )));
            }
        }
        if let Some(serial) = &c.serial {
            let bytes = crate::hex::decode(serial)
                .map_err(|e| bad(format!("certificate `{id}` serial: {e}")))?;
            if bytes.is_empty() || bytes[0] == 0 || bytes.len() > 20 {
                return Err(bad(format!(
                    "certificate `{id}` serial must be 1..=20 bytes without leading zero"
                )));
            }
        }
        for (what, v) in [("not_before", &c.not_before), ("not_after", &c.not_after)] {
            if let Some(v) = v {
                time(&format!("certificate `{id}` {what}"), v)?;
            }
        }
    }
    // Issuer cycles.
    for id in certs.keys() {
        let mut cur = id.clone();
        let mut steps = 0;
        while let Some(i) = certs.get(&cur).and_then(|c| c.issuer.clone()) {
            steps += 1;
            if steps > 16 || i == *id {
                return Err(bad(format!("issuer chain of `{id}` loops")));
            }
            cur = i;
        }
    }
    for (mid, m) in &s.machines {
        if mid.is_empty()
            || !mid
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad(format!("machine id `{mid}` must match [a-z0-9-]+")));
        }
        let entries =
            m.my.iter()
                .chain(m.root.iter().flatten())
                .chain(m.ca.iter().flatten())
                .chain(m.operations_manager.iter());
        for e in entries {
            if !certs.contains_key(e.cert()) {
                return Err(bad(format!(
                    "machine `{mid}` stores undefined certificate `{}`",
                    e.cert()
                )));
            }
            if let StoreEntry::Detailed(DetailedEntry {
                key: Some(KeyFacts::Profile(p)),
                ..
            }) = e
            {
                if crate::storeblob::profile(p).is_none() && p != "none" {
                    return Err(bad(format!("machine `{mid}`: unknown key profile `{p}`")));
                }
            }
        }
        for r in m.gpo_root.iter().chain(m.enterprise_root.iter()) {
            if !certs.contains_key(r) {
                return Err(bad(format!("machine `{mid}` trusts undefined `{r}`")));
            }
        }
        if let Some(Some(c)) = &m.channel_cert {
            if !certs.contains_key(c) {
                return Err(bad(format!(
                    "machine `{mid}` registers undefined certificate `{c}`"
                )));
            }
        }
        if let Some(h) = &m.channel_serial_hex {
            crate::hex::decode(h).map_err(|e| bad(format!("machine `{mid}` serial: {e}")))?;
        }
        for ch in &m.chains {
            for c in &ch.certs {
                if !certs.contains_key(c) {
                    return Err(bad(format!(
                        "machine `{mid}` chain `{}` has undefined `{c}`",
                        ch.name
                    )));
                }
            }
            if ch.name.contains('/') || ch.name.contains('\\') {
                return Err(bad(format!(
                    "chain file name `{}` has a separator",
                    ch.name
                )));
            }
        }
        // A step's time window: start, optional end, optional repeat interval.
        let window = |what: &str,
                      from: &str,
                      until: &Option<String>,
                      every: &Option<String>|
         -> Result<(), ScenarioError> {
            let label = format!("{mid} {what}");
            time(&label, from)?;
            if let Some(u) = until {
                time(&label, u)?;
            }
            dur(&label, every)
        };
        for step in &m.timeline {
            match step {
                Step::Start { at, .. } => time(&format!("{mid} start"), at)?,
                Step::Connected {
                    from, until, every, ..
                } => window("connected", from, until, every)?,
                Step::Fail {
                    from, until, every, ..
                } => window("fail", from, until, every)?,
                Step::Parent {
                    child,
                    from,
                    until,
                    every,
                    ..
                } => {
                    if !s.machines.contains_key(child) && !child.contains('.') {
                        return Err(bad(format!(
                            "machine `{mid}`: parent step names unknown child `{child}`"
                        )));
                    }
                    window("parent", from, until, every)?;
                }
                Step::Event {
                    at, every, until, ..
                } => window("event", at, until, every)?,
                Step::Noise {
                    from,
                    until,
                    per_hour,
                    ..
                } => {
                    window("noise", from, until, &None)?;
                    if !(0.0..=100_000.0).contains(per_hour) {
                        return Err(bad(format!("machine `{mid}`: per_hour out of range")));
                    }
                }
            }
        }
    }
    for (mid, e) in &s.expect {
        if !s.machines.contains_key(mid) {
            return Err(bad(format!("expectation for undefined machine `{mid}`")));
        }
        let causes = e
            .top
            .iter()
            .chain(e.not.iter())
            .chain(e.order.iter().flat_map(|(a, b)| [a, b]));
        for c in causes {
            if !CAUSE_IDS.contains(&c.as_str()) {
                return Err(bad(format!("unknown cause id `{c}` for `{mid}`")));
            }
        }
        if let Some(top) = &e.top {
            if e.not.contains(top) {
                return Err(bad(format!("`{mid}`: `{top}` is both top and not")));
            }
            if e.healthy {
                return Err(bad(format!("`{mid}`: healthy with a top cause")));
            }
        }
    }
    Ok(())
}
