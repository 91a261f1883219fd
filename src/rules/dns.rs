//! `dns`: the connector cannot resolve its parent's name (21005, §5.7), currently.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::each_peer;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature, Source};
use crate::facts::timeline::norm_peer;
use crate::knowledge::error_codes::format_code;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("dns", check).reading(&[EventKind::Dns, EventKind::ChannelDown]);

/// Run the rule.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_peer(ctx, check_peer)
}

fn check_peer(ctx: &CaseView<'_>, i: usize, p: &str) -> Option<Finding> {
    let evs = ctx.failures_toward_peer(i, p, &sets::DNS_FAILED);
    if evs.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let host = norm_peer(p);
    let mut f = ctx.finding(Cause::Dns, i,
        format!("{name} cannot resolve the name of its parent {host}"),
    );
    f.summary =
        format!("Name resolution of {host} fails on {name}, so the connector cannot connect.");
    ctx.signature_events(&mut f, i, &evs, false);
    if let Some((c, d)) = ctx.code(i, evs[evs.len() - 1]) {
        f.add(
            Nature::Observed,
            ctx.ev_source(i, evs[evs.len() - 1]),
            format!("{} {}", format_code(c), d.map(|d| d.symbol).unwrap_or("")),
        );
    }
    if let Some(pr) = ctx
        .m(i)
        .parents
        .iter()
        .find(|x| super::common::same_host(&x.network_name, &host))
    {
        f.add(
            Nature::Observed,
            Source::Registry {
                machine: name.clone(),
                file: pr.source.clone(),
                key: "Parent Health Services".into(),
                value: "NetworkName".into(),
                line: 0,
            },
            format!(
                "the registry names the parent \"{}\" (check the spelling)",
                pr.network_name
            ),
        );
    }
    f.explain(i, ctx.failures_toward_peer(i, p, &sets::CHANNEL_DOWN));
    f.step(
        &name,
        format!("Resolve {host} from this machine"),
        Some(format!("Resolve-DnsName {host}")),
    );
    f.step(
        &name,
        "Fix the DNS record, the DNS suffix search list, or add a hosts-file entry (common for DMZ machines)",
        None,
    );
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn unresolvable_parent() {
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .event(20053, 10, &[])
            .event(
                21005,
                100,
                &["ms01.contoso.com", "11001", "No such host is known"],
            )
            .event(21016, 101, &["ms01.contoso.com"])
            .build();
        let f = run(vec![gw]);
        assert_eq!(
            find(&f, Cause::Dns, "gw01.dmz.contoso.com").map(|x| x.confidence),
            Some(Confidence::Medium)
        );
        assert_eq!(f[0].cause, Cause::Dns);
    }
}
