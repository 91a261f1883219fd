//! Grouping the bundles of a case into machines: bundles naming the same machine are merged; a
//! bundle of loose files that names no machine joins the only named machine, if there is one.

use super::certs;
use super::coverage::base_checks_not_run;
use super::identity::Identity;
use super::machine::build_machine;
use super::machine::Input;
use super::registry::RegSource;
use super::{CaseFacts, InputProblem};
use crate::bundle::{Bundle, MemberKind, Parsed};
use scomtriage_parsers::evtx::EventRecord;

struct Draft<'a> {
    labels: Vec<String>,
    members: Vec<Input<'a>>,
    key: Option<String>,
}

fn quick_identity(members: &[Input<'_>]) -> Option<String> {
    for Input { member: m, .. } in members {
        if let Ok(Parsed::Manifest(man)) = &m.content {
            if let Some(c) = &man.computer {
                if let Some(f) = c.fqdn.as_deref().filter(|s| !s.trim().is_empty()) {
                    return Some(certs::norm_name(f));
                }
            }
        }
    }
    let regs: Vec<RegSource<'_>> = members
        .iter()
        .filter_map(|i| match &i.member.content {
            Ok(Parsed::Registry(r)) => Some(RegSource {
                file: i.bundle,
                reg: &r.file,
            }),
            _ => None,
        })
        .collect();
    let id = Identity::build(None, &regs, None);
    if id.fqdn.is_some() {
        return id.fqdn;
    }
    // Count the names as written first (a log repeats one or two names many thousand times),
    // then normalise each distinct one.
    let mut written: std::collections::HashMap<&str, u64> = Default::default();
    for r in members.iter().flat_map(|i| &i.records) {
        if !r.computer.is_empty() {
            *written.entry(r.computer.as_str()).or_default() += 1;
        }
    }
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for (name, n) in written {
        *counts.entry(certs::norm_name(name)).or_default() += n;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(k, _)| k)
}

/// Build the facts of a case from its bundles. Bundles naming the same machine are merged; a
/// bundle of loose files that names no machine joins the only named machine, if there is one.
///
/// The bundles are consumed: the event logs' records move into the machines' timelines rather
/// than being copied (for a big log they are most of the memory and time a run takes).
pub fn build_case(mut bundles: Vec<Bundle>) -> CaseFacts {
    // Records first, out of the logs, one list per member (in member order).
    let mut records: Vec<Vec<Vec<EventRecord>>> = bundles
        .iter_mut()
        .map(|b| {
            b.members
                .iter_mut()
                .map(|m| match &mut m.content {
                    Ok(Parsed::Evtx(log)) => std::mem::take(&mut log.records),
                    _ => Vec::new(),
                })
                .collect()
        })
        .collect();
    let mut case = CaseFacts::default();
    let mut drafts: Vec<Draft<'_>> = Vec::new();
    for (b, records) in bundles.iter().zip(records.iter_mut()) {
        for p in &b.problems {
            case.input_problems.push(InputProblem {
                input: super::input_label(&b.label, &p.path),
                message: p.message.clone(),
            });
        }
        for m in &b.members {
            if m.kind == MemberKind::Unknown {
                case.input_problems.push(InputProblem {
                    input: super::input_label(&b.label, &m.path),
                    message: "not a recognised input (certificate, .p7b, .reg, .evtx, manifest or inventory); ignored".into(),
                });
            }
            for w in &m.warnings {
                case.input_problems.push(InputProblem {
                    input: super::input_label(&b.label, &m.path),
                    message: w.clone(),
                });
            }
        }
        if b.members.is_empty() {
            continue;
        }
        let members: Vec<Input<'_>> = b
            .members
            .iter()
            .zip(records.iter_mut())
            .map(|(member, records)| Input {
                bundle: b.label.as_str(),
                member,
                records: std::mem::take(records),
            })
            .collect();
        let key = quick_identity(&members);
        if let Some(d) = drafts.iter_mut().find(|d| d.key.is_some() && d.key == key) {
            d.labels.push(b.label.clone());
            d.members.extend(members);
        } else {
            drafts.push(Draft {
                labels: vec![b.label.clone()],
                members,
                key,
            });
        }
    }
    let named = drafts.iter().filter(|d| d.key.is_some()).count();
    if named == 1 && drafts.len() > 1 {
        let (mut keep, moved): (Vec<Draft<'_>>, Vec<Draft<'_>>) =
            drafts.into_iter().partition(|d| d.key.is_some());
        for m in moved {
            keep[0].labels.extend(m.labels);
            keep[0].members.extend(m.members);
        }
        drafts = keep;
    }
    for d in drafts {
        let (m, problems) = build_machine(&d.labels, d.members);
        case.input_problems.extend(problems);
        case.machines.push(m);
    }
    case.checks_not_run = base_checks_not_run(&case);
    case
}
