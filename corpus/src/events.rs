//! Event-sequence builders: turn a machine's timeline into `EventSpec`s for the EVTX
//! writer, with the providers, `Qualifiers`, levels and insertion-string order of
//! `../shared/reference/scom-cert-auth.md` §1 and §7.1.
//!
//! Severity → (`Qualifiers`, `Level`): Error (49152, 2), Warning (32768, 3),
//! Informational (16384, 4), Success (0, 4). Classic events carry keywords
//! 0x0080000000000000; task 0 for `OpsMgr Connector` and other providers, 1 for
//! `HealthService` (S2's raw XML).

use crate::evtx::{EventData, EventSpec};
use crate::rng::Rng;

/// The channel every event goes to.
pub const CHANNEL: &str = "Operations Manager";
/// Classic-event keywords.
pub const KEYWORDS_CLASSIC: u64 = 0x0080_0000_0000_0000;
/// `OpsMgr Connector`.
pub const CONNECTOR: &str = "OpsMgr Connector";
/// `HealthService`.
pub const HEALTH_SERVICE: &str = "HealthService";
/// `Health Service Modules`.
pub const MODULES: &str = "Health Service Modules";

/// Message-ID severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// 0xC000….
    Error,
    /// 0x8000….
    Warning,
    /// 0x4000….
    Informational,
    /// 0x0000….
    Success,
}

impl Severity {
    /// `Qualifiers` attribute value.
    pub fn qualifiers(self) -> u16 {
        match self {
            Severity::Error => 49152,
            Severity::Warning => 32768,
            Severity::Informational => 16384,
            Severity::Success => 0,
        }
    }

    /// `Level` value.
    pub fn level(self) -> u8 {
        match self {
            Severity::Error => 2,
            Severity::Warning => 3,
            Severity::Informational | Severity::Success => 4,
        }
    }
}

/// Severity of a known (provider, id), `None` if the catalogue does not know it.
pub fn severity(provider: &str, id: u16) -> Option<Severity> {
    use Severity::*;
    match provider {
        CONNECTOR => Some(match id {
            20053 | 21017 | 21019 | 21025 | 21026 | 20046 => Success,
            20000 | 21023 | 21024 | 21042 => Informational,
            21015 | 21020 | 21035 | 20022 | 20059 | 20060 | 20061 | 21034 | 21037 | 21038 => {
                Warning
            }
            20001
            | 20002
            | 20049..=20052
            | 20054
            | 20057
            | 20066..=20072
            | 20075..=20077
            | 21001..=21012
            | 21016
            | 21018
            | 21021
            | 21022
            | 21027
            | 21036 => Error,
            _ => return None,
        }),
        HEALTH_SERVICE => Some(match id {
            1210 | 2003 | 1201 | 7019 | 7026 => Informational,
            2018 | 2023 | 7004 | 7013 | 1102 => Warning,
            2010 | 7005 | 7029 | 4000 => Error,
            7006 => Success,
            _ => return None,
        }),
        _ => None,
    }
}

/// The provider of a known id when a scenario does not say (connector ids are 20000–21999).
pub fn default_provider(id: u16) -> &'static str {
    if (20000..22000).contains(&id) {
        CONNECTOR
    } else {
        HEALTH_SERVICE
    }
}

/// Win32 / Winsock texts for the codes the scenarios use (`FormatMessage` wording,
/// `../shared/reference/scom-cert-auth.md` §2).
pub fn code_text(code: &str) -> &'static str {
    match code.to_ascii_uppercase().as_str() {
        "10060L" => "A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond.",
        "10061L" => "No connection could be made because the target machine actively refused it.",
        "10054L" => "An existing connection was forcibly closed by the remote host.",
        "10065L" => "A socket operation was attempted to an unreachable host.",
        "11001L" | "11001" => "No such host is known.",
        "0X80090311" => "No authority could be contacted for authentication.",
        "0X80090322" => "The target principal name is incorrect.",
        "0X80090325" => "The certificate chain was issued by an authority that is not trusted.",
        "0X80090328" => "The received certificate has expired.",
        "0X8009030D" => "The credentials supplied to the package were not recognized",
        "0X8009030E" => "No credentials are available in the security package",
        "0X800B0101" => "A required certificate is not within its validity period when verifying against the current system clock or the timestamp in the signed file.",
        "0X800B0109" => "A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider.",
        "0X800B010A" => "A certificate chain could not be built to a trusted root authority.",
        "0X800B010F" => "The certificate's CN name does not match the passed value.",
        "0X80092004" => "Cannot find object or property.",
        "0X80090016" => "Keyset does not exist",
        "0X80090029" => "The requested operation is not supported.",
        "0X80090010" => "Access denied.",
        "0X80004005" => "Unspecified error",
        _ => "Unknown error.",
    }
}

/// One event before record ids are assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ev {
    /// Microseconds since the Unix epoch.
    pub time_us: i64,
    /// Provider.
    pub provider: String,
    /// Event id.
    pub id: u16,
    /// Severity.
    pub severity: Severity,
    /// Unnamed data.
    pub data: Vec<String>,
}

impl Ev {
    /// A catalogue event (falls back to Informational for unknown ids).
    pub fn new(time_us: i64, provider: &str, id: u16, data: Vec<String>) -> Ev {
        Ev {
            time_us,
            provider: provider.to_string(),
            id,
            severity: severity(provider, id).unwrap_or(Severity::Informational),
            data,
        }
    }

    /// With an explicit severity (noise from providers outside the catalogue).
    pub fn with_severity(
        time_us: i64,
        provider: &str,
        id: u16,
        severity: Severity,
        data: Vec<String>,
    ) -> Ev {
        Ev {
            time_us,
            provider: provider.to_string(),
            id,
            severity,
            data,
        }
    }
}

/// Sort by time (stable) and turn into writer input with consecutive record ids.
pub fn finish(mut evs: Vec<Ev>, computer: &str, first_record_id: u64) -> Vec<EventSpec> {
    evs.sort_by_key(|e| e.time_us);
    evs.into_iter()
        .enumerate()
        .map(|(i, e)| to_spec(e, computer, first_record_id + i as u64))
        .collect()
}

/// One writer event.
pub fn to_spec(e: Ev, computer: &str, record_id: u64) -> EventSpec {
    EventSpec {
        task: if e.provider == HEALTH_SERVICE { 1 } else { 0 },
        qualifiers: Some(e.severity.qualifiers()),
        level: e.severity.level(),
        provider: e.provider,
        event_id: e.id,
        keywords: KEYWORDS_CLASSIC,
        time_us: e.time_us,
        record_id,
        channel: CHANNEL.to_string(),
        computer: computer.to_string(),
        data: EventData::Unnamed(e.data),
    }
}

/// A time as an en-US Windows machine prints it: `11/20/2026 2:03:11 PM` (UTC). The exact
/// format inside 20051/21020 is not documented (I).
pub fn us_datetime(t: jiff::Timestamp) -> String {
    let dt = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let (h12, ampm) = match dt.hour() {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!(
        "{}/{}/{} {}:{:02}:{:02} {}",
        dt.month(),
        dt.day(),
        dt.year(),
        h12,
        dt.minute(),
        dt.second(),
        ampm
    )
}

/// A SCOM configuration state cookie / configuration id: 20 bytes as spaced hex.
pub fn cookie(rng: &mut Rng) -> String {
    let bytes: Vec<u8> = (0..20).map(|_| rng.next_u64() as u8).collect();
    crate::hex::spaced(&bytes)
}

/// A GUID in braces.
pub fn guid(rng: &mut Rng) -> String {
    let b: Vec<u8> = (0..16).map(|_| rng.next_u64() as u8).collect();
    format!(
        "{{{}-{}-{}-{}-{}}}",
        crate::hex::upper(&b[0..4]),
        crate::hex::upper(&b[4..6]),
        crate::hex::upper(&b[6..8]),
        crate::hex::upper(&b[8..10]),
        crate::hex::upper(&b[10..16])
    )
}

/// Which kind of machine produces the noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoiseKind {
    /// Agent.
    Agent,
    /// Gateway.
    Gateway,
    /// Management server.
    ManagementServer,
}

/// Context for noise events.
#[derive(Debug, Clone)]
pub struct NoiseCtx<'a> {
    /// Management group.
    pub mg: &'a str,
    /// The machine's FQDN.
    pub fqdn: &'a str,
    /// Install directory of the agent/server.
    pub install_dir: &'a str,
    /// Role.
    pub kind: NoiseKind,
}

const MANAGEMENT_PACKS: [(&str, &str); 8] = [
    ("Microsoft.Windows.Server.2016.Discovery", "10.1.0.6"),
    ("Microsoft.Windows.Server.2016.Monitoring", "10.1.0.6"),
    ("Microsoft.SystemCenter.Library", "10.22.10118.0"),
    ("Microsoft.SQLServer.Windows.Monitoring", "7.0.42.0"),
    (
        "Microsoft.Windows.InternetInformationServices.2016",
        "10.0.8.0",
    ),
    ("Microsoft.SystemCenter.Apm.Infrastructure", "10.22.10118.0"),
    ("Microsoft.Windows.Cluster.Library", "10.1.0.5"),
    ("Microsoft.Windows.DNSServer.2016", "10.0.9.0"),
];

const WORKFLOWS: [&str; 8] = [
    "Microsoft.Windows.Server.2016.LogicalDisk.FreeSpace.Monitor",
    "Microsoft.Windows.Server.2016.Processor.PercentProcessorTime.Collection",
    "Microsoft.Windows.Server.2016.Memory.AvailableMBytes.Monitor",
    "Microsoft.Windows.Server.2016.NetworkAdapter.BytesTotalPerSec.Collection",
    "Microsoft.SQLServer.Windows.Monitor.Database.DBSpaceFree",
    "Microsoft.Windows.Server.2016.ComputerDiscovery",
    "Microsoft.Windows.Server.2016.OperatingSystem.PercentMemoryUsed.Collection",
    "Microsoft.SystemCenter.HealthService.PrivateBytesMonitor",
];

const COUNTERS: [(&str, &str, &str); 5] = [
    ("LogicalDisk", "% Free Space", "HarddiskVolume3"),
    (
        "Network Adapter",
        "Bytes Total/sec",
        "isatap.{6B1C9F0A-2E1D-4E3F-9A0B-7C2D5E8F1A3B}",
    ),
    ("Processor Information", "% Processor Time", "0,3"),
    ("PhysicalDisk", "Avg. Disk sec/Read", "1 D:"),
    ("MSSQL$INST01:Databases", "Data File(s) Size (KB)", "tempdb"),
];

/// One noise event at `time_us`: other providers' everyday warnings and errors, and
/// benign HealthService information. Texts of these events are illustrative (I); only
/// their insertion strings are stored.
pub fn noise_event(rng: &mut Rng, time_us: i64, ctx: &NoiseCtx<'_>) -> Ev {
    let instance = guid(rng);
    let workflow = WORKFLOWS[rng.below(WORKFLOWS.len() as u64) as usize];
    let roll = rng.below(1000);
    let ms = ctx.kind == NoiseKind::ManagementServer;
    if ms && roll < 180 {
        // Data warehouse / SDK noise on management servers.
        return match rng.below(4) {
            0 => Ev::with_severity(
                time_us,
                MODULES,
                31551,
                Severity::Error,
                vec![
                    ctx.mg.to_string(),
                    "Microsoft.SystemCenter.DataWarehouse.CollectPerformanceData".into(),
                    ctx.fqdn.to_string(),
                    instance,
                    "Failed to store data in the Data Warehouse. The operation will be retried.".into(),
                    "Exception 'SqlException': Timeout expired.  The timeout period elapsed prior to completion of the operation or the server is not responding.".into(),
                ],
            ),
            1 => Ev::with_severity(
                time_us,
                "DataAccessLayer",
                33333,
                Severity::Warning,
                vec![
                    "Data Access Layer rejected retry on SqlError:".into(),
                    "Request: p_DiscoverySourceUpsert".into(),
                    "Class: 16".into(),
                    "Number: 777971002".into(),
                    "Message: Sql execution failed. Error 1205, Level 13, State 51, Procedure p_DiscoverySourceUpsert, Line 0, Message: Transaction (Process ID 88) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.".into(),
                ],
            ),
            2 => Ev::with_severity(
                time_us,
                "OpsMgr Management Configuration",
                29181,
                Severity::Error,
                vec![
                    "SnapshotSynchronization".into(),
                    "Microsoft.EnterpriseManagement.ManagementConfiguration.DataAccessLayer.DataAccessException: Data access operation failed".into(),
                ],
            ),
            _ => Ev::with_severity(
                time_us,
                "OpsMgr SDK Service",
                26328,
                Severity::Informational,
                vec![format!("{}\\svc-scom-sdk", ctx.mg.split('-').next().unwrap_or("CONTOSO"))],
            ),
        };
    }
    match roll {
        0..=299 => {
            let (obj, counter, inst) = COUNTERS[rng.below(COUNTERS.len() as u64) as usize];
            Ev::with_severity(
                time_us,
                MODULES,
                10103,
                Severity::Warning,
                vec![
                    obj.into(),
                    counter.into(),
                    inst.into(),
                    workflow.into(),
                    ctx.fqdn.to_string(),
                    instance,
                    ctx.mg.to_string(),
                ],
            )
        }
        300..=479 => Ev::with_severity(
            time_us,
            MODULES,
            21405,
            Severity::Warning,
            vec![
                "C:\\Windows\\system32\\cscript.exe".into(),
                format!("\"{}Health Service State\\Monitoring Host Temporary Files {}\\{}\\DiscoverWindowsComputerProperties.vbs\" 0 {{{}}}", ctx.install_dir, rng.below(40), rng.below(90000), &instance[1..37]),
                format!("{}Health Service State\\Monitoring Host Temporary Files {}\\{}\\", ctx.install_dir, rng.below(40), rng.below(90000)),
                workflow.into(),
                ctx.fqdn.to_string(),
                instance,
                ctx.mg.to_string(),
            ],
        ),
        480..=579 => Ev::with_severity(
            time_us,
            MODULES,
            21402,
            Severity::Warning,
            vec![
                "C:\\Windows\\system32\\cscript.exe".into(),
                "300".into(),
                format!("\"{}Health Service State\\Monitoring Host Temporary Files {}\\{}\\GetSQLDatabaseSpace.vbs\"", ctx.install_dir, rng.below(40), rng.below(90000)),
                workflow.into(),
                ctx.fqdn.to_string(),
                instance,
                ctx.mg.to_string(),
            ],
        ),
        580..=739 => {
            let (mp, ver) = MANAGEMENT_PACKS[rng.below(MANAGEMENT_PACKS.len() as u64) as usize];
            Ev::new(time_us, HEALTH_SERVICE, 1201, vec![mp.into(), ver.into()])
        }
        740..=839 => Ev::new(
            time_us,
            HEALTH_SERVICE,
            1102,
            vec![ctx.mg.to_string(), instance, ctx.fqdn.to_string(), workflow.into()],
        ),
        840..=939 => Ev::with_severity(
            time_us,
            "Health Service Script",
            1,
            Severity::Informational,
            vec![
                "Management Group: ".to_string() + ctx.mg,
                format!("Script: DiscoverWindowsComputerProperties.vbs : Discovery of {} completed in {} ms", ctx.fqdn, 200 + rng.below(4000)),
            ],
        ),
        940..=989 => Ev::new(
            time_us,
            HEALTH_SERVICE,
            4000,
            vec![format!("{}", 2_164_195_000u64 + rng.below(1000))],
        ),
        _ => Ev::with_severity(
            time_us,
            "Health Service ESE Store",
            623,
            Severity::Warning,
            vec![
                "HealthService".into(),
                format!("{}", rng.below(10000)),
                "Version store out of memory (cleanup already attempted)".into(),
            ],
        ),
    }
}

/// Noise events spread over `[from_us, until_us)` at about `per_hour` events per hour.
pub fn noise(
    rng: &mut Rng,
    from_us: i64,
    until_us: i64,
    per_hour: f64,
    ctx: &NoiseCtx<'_>,
) -> Vec<Ev> {
    let mut out = Vec::new();
    if per_hour <= 0.0 || until_us <= from_us {
        return out;
    }
    let mean_gap = 3_600_000_000f64 / per_hour;
    let mut t = from_us as f64;
    loop {
        // Uniform gap in [0.2, 1.8] × mean: bursty enough, deterministic.
        let f = 0.2 + 1.6 * (rng.below(1_000_000) as f64 / 1_000_000.0);
        t += mean_gap * f;
        if t >= until_us as f64 {
            break;
        }
        out.push(noise_event(rng, t as i64, ctx));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_follow_the_reference() {
        assert_eq!(severity(CONNECTOR, 20053), Some(Severity::Success));
        assert_eq!(severity(CONNECTOR, 21006), Some(Severity::Error));
        assert_eq!(severity(CONNECTOR, 21016), Some(Severity::Error));
        assert_eq!(severity(CONNECTOR, 21015), Some(Severity::Warning));
        assert_eq!(severity(CONNECTOR, 20000), Some(Severity::Informational));
        assert_eq!(
            severity(HEALTH_SERVICE, 1210),
            Some(Severity::Informational)
        );
        assert_eq!(Severity::Error.qualifiers(), 49152);
        assert_eq!(Severity::Success.level(), 4);
        assert_eq!(Severity::Warning.level(), 3);
    }

    #[test]
    fn us_datetime_format() {
        let t: jiff::Timestamp = "2026-11-20T14:03:11Z".parse().unwrap();
        assert_eq!(us_datetime(t), "11/20/2026 2:03:11 PM");
        let t: jiff::Timestamp = "2026-01-02T00:05:09Z".parse().unwrap();
        assert_eq!(us_datetime(t), "1/2/2026 12:05:09 AM");
    }

    #[test]
    fn finish_sorts_and_numbers() {
        let evs = vec![
            Ev::new(20, CONNECTOR, 21016, vec!["b".into()]),
            Ev::new(10, CONNECTOR, 21006, vec!["a".into()]),
        ];
        let specs = finish(evs, "x.contoso.com", 100);
        assert_eq!(specs[0].event_id, 21006);
        assert_eq!(specs[0].record_id, 100);
        assert_eq!(specs[1].record_id, 101);
        assert_eq!(specs[1].qualifiers, Some(49152));
        assert_eq!(specs[0].keywords, KEYWORDS_CLASSIC);
    }

    #[test]
    fn noise_rate_is_about_right_and_avoids_connector_ids() {
        let mut rng = Rng::new(7);
        let ctx = NoiseCtx {
            mg: "CONTOSO-MG",
            fqdn: "ag01.contoso.com",
            install_dir: "C:\\Program Files\\Microsoft Monitoring Agent\\Agent\\",
            kind: NoiseKind::ManagementServer,
        };
        let evs = noise(&mut rng, 0, 100 * 3_600_000_000, 50.0, &ctx);
        assert!((4000..6000).contains(&evs.len()), "{}", evs.len());
        assert!(evs.iter().all(|e| e.provider != CONNECTOR));
        assert!(evs.windows(2).all(|w| w[0].time_us <= w[1].time_us));
    }
}
