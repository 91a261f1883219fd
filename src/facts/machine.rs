//! The facts of one machine, from the members of its bundles.

use super::certs::{add_cert, StoreLocation, StoreName, StoreRef};
use super::channel::read_channel;
use super::identity::{Identity, RoleFacts};
use super::inventory::apply_inventory;
use super::parents::read_parents;
use super::registry::{self, RegSource};
use super::stores::read_store_blobs;
use super::timeline::{Ev, StartMarker, Timeline};
use super::{time, InputProblem, MachineFacts, TimeFact};
use crate::bundle::{Member, Parsed};
use crate::knowledge::events;
use scomtriage_parsers::evtx::EventRecord;
use scomtriage_parsers::inventory::Inventory;
use scomtriage_parsers::manifest::Manifest;

/// What a member is for the diagnosis, from its path (case-insensitive, any prefix folder).
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathRole {
    Store(StoreName),
    Chain,
    Other,
}

fn path_role(path: &str) -> PathRole {
    let p = path.replace('\\', "/");
    let inner = p.rsplit('!').next().unwrap_or(&p).to_ascii_lowercase();
    let orig_inner = p.rsplit('!').next().unwrap_or(&p).to_string();
    if let Some(pos) = inner.find("certificates/localmachine/") {
        let rest = &orig_inner[pos + "certificates/localmachine/".len()..];
        if let Some((store, _file)) = rest.split_once('/') {
            return PathRole::Store(StoreName::parse(store));
        }
    }
    if inner.contains("certificates/chains/") || inner.ends_with(".p7b") || inner.ends_with(".p7c")
    {
        return PathRole::Chain;
    }
    PathRole::Other
}

fn member_label(bundle: &str, m: &Member) -> String {
    super::input_label(bundle, &m.path)
}

/// One member of a machine's bundles, as the facts read it.
pub(crate) struct Input<'a> {
    /// Label of the bundle it came from.
    pub(crate) bundle: &'a str,
    /// The member.
    pub(crate) member: &'a Member,
    /// An event log's records, moved out of the log (empty for other members).
    pub(crate) records: Vec<EventRecord>,
}

/// Build the facts of one machine from its members (with their bundle labels); problems with
/// the members are returned beside them. Event records are moved into the timeline.
pub(crate) fn build_machine(
    labels: &[String],
    members: Vec<Input<'_>>,
) -> (MachineFacts, Vec<InputProblem>) {
    let mut mf = MachineFacts::empty(labels.first().map(|s| s.as_str()).unwrap_or("input"));
    mf.labels = labels.to_vec();
    let mut problems = Vec::new();
    let mut manifest: Option<(String, &Manifest)> = None;
    let mut inventory: Option<(String, &Inventory)> = None;
    let mut reg_files: Vec<(String, &scomtriage_parsers::registry::RegFile)> = Vec::new();
    let mut evs: Vec<Ev> = Vec::new();
    for Input {
        bundle,
        member: m,
        records,
    } in members
    {
        let label = member_label(bundle, m);
        let parsed = match &m.content {
            Ok(p) => p,
            Err(e) => {
                problems.push(InputProblem {
                    input: label,
                    message: e.clone(),
                });
                continue;
            }
        };
        match parsed {
            Parsed::Manifest(man) => {
                if manifest.is_none() {
                    manifest = Some((label, man));
                }
                mf.inputs.manifest = true;
            }
            Parsed::Inventory(inv) => {
                if inventory.is_none() {
                    inventory = Some((label, inv));
                }
                mf.inputs.inventory = true;
            }
            Parsed::Certificates(list) => {
                let role = path_role(&m.path);
                let (location, store) = match role {
                    PathRole::Store(s) => (StoreLocation::LocalMachine, s),
                    PathRole::Chain => (StoreLocation::File, StoreName::Chain),
                    PathRole::Other => (StoreLocation::File, StoreName::Loose),
                };
                match &store {
                    StoreName::My if location == StoreLocation::LocalMachine => {
                        mf.inputs.my_exports = true
                    }
                    StoreName::Root if location == StoreLocation::LocalMachine => {
                        mf.inputs.root_exports = true
                    }
                    StoreName::Ca if location == StoreLocation::LocalMachine => {
                        mf.inputs.ca_exports = true
                    }
                    StoreName::Chain => mf.inputs.chain_files = true,
                    StoreName::Loose => mf.inputs.loose_certs = true,
                    _ => {}
                }
                for c in list {
                    add_cert(
                        &mut mf.certs,
                        c.clone(),
                        StoreRef {
                            location,
                            store: store.clone(),
                            source: label.clone(),
                        },
                    );
                }
            }
            Parsed::Pkcs7(list) => {
                mf.inputs.chain_files = true;
                for c in list {
                    add_cert(
                        &mut mf.certs,
                        c.clone(),
                        StoreRef {
                            location: StoreLocation::File,
                            store: StoreName::Chain,
                            source: label.clone(),
                        },
                    );
                }
            }
            Parsed::Registry(rp) => {
                if !rp.problems.is_empty() {
                    problems.push(InputProblem {
                        input: label.clone(),
                        message: format!(
                            "{} line(s) skipped, first at line {}: {}",
                            rp.problems.len(),
                            rp.problems[0].line,
                            rp.problems[0].message
                        ),
                    });
                }
                reg_files.push((label, &rp.file));
            }
            Parsed::Evtx(log) => {
                let i = &log.integrity;
                if i.truncated || !i.bad_checksum_chunks.is_empty() || i.record_errors > 0 {
                    problems.push(InputProblem {
                        input: label.clone(),
                        message: format!(
                            "event log damaged: truncated={}, bad chunks={:?}, record errors={}{}",
                            i.truncated,
                            i.bad_checksum_chunks,
                            i.record_errors,
                            i.first_error
                                .as_deref()
                                .map(|e| format!(" (first: {e})"))
                                .unwrap_or_default()
                        ),
                    });
                }
                let scom_providers = log.providers.keys().any(|p| {
                    p.eq_ignore_ascii_case(events::OPSMGR_CONNECTOR)
                        || p.eq_ignore_ascii_case(events::HEALTH_SERVICE)
                });
                mf.inputs.scom_events |= scom_providers;
                let mut saw_opsmgr = scom_providers;
                let lower = m.path.to_ascii_lowercase();
                if lower.ends_with("operations manager.evtx") {
                    saw_opsmgr = true;
                }
                // Room for the log's records at once: a big log's events would otherwise be
                // copied each time the list doubles.
                evs.reserve(records.len());
                for r in records {
                    if r.channel.eq_ignore_ascii_case("Operations Manager") {
                        saw_opsmgr = true;
                    }
                    if r.provider.eq_ignore_ascii_case(events::OPSMGR_CONNECTOR)
                        || r.provider.eq_ignore_ascii_case(events::HEALTH_SERVICE)
                    {
                        mf.inputs.scom_events = true;
                    }
                    if r.channel.eq_ignore_ascii_case("System") {
                        mf.inputs.system_log = true;
                    }
                    evs.push(Ev {
                        record_id: r.record_id,
                        time_us: r.time_us,
                        def: events::lookup(&r.provider, r.event_id),
                        provider: r.provider,
                        event_id: r.event_id,
                        level: r.level,
                        computer: r.computer,
                        channel: r.channel,
                        strings: r.data.into_iter().map(|(_, v)| v).collect(),
                        file: label.clone(),
                        mta_message: r.message,
                    });
                }
                if lower.ends_with("system.evtx") {
                    mf.inputs.system_log = true;
                }
                mf.inputs.opsmgr_log |= saw_opsmgr;
            }
            Parsed::Nothing => {}
        }
    }
    let regs: Vec<RegSource<'_>> = reg_files
        .iter()
        .map(|(l, r)| RegSource {
            file: l.as_str(),
            reg: r,
        })
        .collect();
    mf.inputs.opsmgr_registry = registry::has_opsmgr(&regs);
    mf.inputs.tcpip_registry = !registry::keys_ending_with(&regs, registry::TCPIP).is_empty();

    // Certificates from store blobs.
    read_store_blobs(&mut mf, &regs, &mut problems);

    // Timeline.
    let mut markers = Vec::new();
    if let Some((file, man)) = &manifest {
        if let Some(hs) = &man.health_service {
            mf.hs_status = hs.status.clone();
            if let Some(s) = hs.started_at.as_deref().and_then(time::parse_rfc3339) {
                mf.hs_started_at = Some(TimeFact {
                    secs: s,
                    source: format!("{file} health_service.started_at"),
                    from_clock: false,
                });
                markers.push(StartMarker {
                    time_us: s * 1_000_000,
                    source: format!("{file} health_service.started_at"),
                });
            }
        }
    }
    mf.timeline = Timeline::build(evs, &markers);

    // Identity and role.
    let man_ref = manifest.as_ref().map(|(f, m)| (f.as_str(), *m));
    let main_computer = mf.timeline.main_computer().map(|s| s.to_string());
    mf.identity = Identity::build(man_ref, &regs, main_computer.as_deref());
    mf.role = RoleFacts::build(man_ref, &regs);

    // Collection time.
    if let Some((file, man)) = &manifest {
        if let Some(s) = man.collected_at.as_deref().and_then(time::parse_rfc3339) {
            mf.collected_at = Some(TimeFact {
                secs: s,
                source: format!("{file} collected_at"),
                from_clock: false,
            });
        }
    }
    if mf.collected_at.is_none() {
        if let Some(t) = mf.timeline.newest_us() {
            mf.collected_at = Some(TimeFact {
                secs: t.div_euclid(1_000_000),
                source: "newest event in the bundle (no manifest collected_at)".into(),
                from_clock: false,
            });
        }
    }
    if mf.collected_at.is_none() && !mf.certs.is_empty() {
        // No input carries a time (certificate files only): validity can only be judged against
        // the analyzer's clock, and everything that uses it says so.
        mf.collected_at = Some(TimeFact {
            secs: jiff::Timestamp::now().as_second(),
            source: "the analyzer's clock: no input carries a collection time".into(),
            from_clock: true,
        });
    }

    // Parents and management groups.
    read_parents(&mut mf, &regs);

    // Inventory (overrides blob key facts).
    if let Some((file, inv)) = &inventory {
        apply_inventory(&mut mf, file, inv);
    }

    // Channel certificate configuration.
    mf.channel = read_channel(&mf, &regs);
    (mf, problems)
}
