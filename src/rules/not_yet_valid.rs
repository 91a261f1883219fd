//! `not_yet_valid`: the channel certificate's notBefore is after the bundle's collection time
//! (§4.9): issued for the future, or the machine's clock is wrong. 20051 confirms.

use crate::knowledge::sets;
use crate::knowledge::events::EventKind;
use super::common::{each_machine, static_signal};
use super::expired::event_says_not_yet_valid;
use super::{CaseView, Cause, Rule};
use crate::finding::{Finding, Nature};
use super::remedy::register_and_restart;
use crate::facts::time::fmt_secs;

/// The rule (see [`crate::rules::Rule`]).
pub const RULE: Rule = Rule::failure("not_yet_valid", check).local().reading(&[EventKind::CertLoadFailed]);

/// Run the rule on every machine.
pub fn check(ctx: &CaseView<'_>) -> Vec<Finding> {
    each_machine(ctx, check_machine)
}

fn check_machine(ctx: &CaseView<'_>, i: usize) -> Option<Finding> {
    let m = ctx.m(i);
    let at = m.at()?;
    let chan = ctx.channel(i);
    let nyv = chan.is_some_and(|(e, _)| e.cert.not_before > at);
    let cur: Vec<usize> = ctx
        .current(i, &sets::NOT_CURRENTLY_VALID)
        .into_iter()
        .filter(|e| match chan {
            Some(_) => nyv,
            None => event_says_not_yet_valid(ctx, i, *e, at),
        })
        .collect();
    if !nyv && cur.is_empty() {
        return None;
    }
    let name = ctx.name(i);
    let title = match chan {
        Some((e, _)) if nyv => format!(
            "{name}: the SCOM certificate is not valid before {}",
            fmt_secs(e.cert.not_before)
        ),
        _ => format!("{name}: the SCOM certificate is not yet valid"),
    };
    let mut f = ctx.finding(Cause::NotYetValid, i, title);
    f.summary = "The certificate's validity starts after the time the bundle was collected: either it was issued \
                 with a future start date or the machine's clock (or the CA's) is wrong."
        .into();
    ctx.add_selection(&mut f, i);
    if let Some((e, sel)) = chan {
        if nyv {
            f.add(
                Nature::Observed,
                ctx.cert_source(i, e, "notBefore"),
                format!(
                    "notBefore {} is after {}",
                    fmt_secs(e.cert.not_before),
                    ctx.m(i).at_words()
                ),
            );
            f.signal(static_signal(sel.is_inference()));
        }
    }
    ctx.signature_events(&mut f, i, &cur, nyv);
    if ctx.load_failed_now(i) {
        f.explain(i, ctx.local_symptoms(i));
    }
    f.step(
        &name,
        "Check the machine's clock and time source",
        Some("w32tm /query /status".into()),
    );
    f.step(
        &name,
        "Resynchronise the clock if it is wrong",
        Some("w32tm /resync".into()),
    );
    f.step(&name, "If the clock is right, wait until notBefore or re-issue the certificate with a current start date", None);
    register_and_restart(&mut f, ctx, i);
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::chain::tests::cert;
    use crate::facts::certs::StoreName;
    use crate::rules::testutil::*;
    use crate::finding::Confidence;
    use crate::rules::Cause;

    #[test]
    fn future_certificate_with_20051() {
        let mut c = cert("gw01.dmz.contoso.com", "CA", "L1");
        c.not_before = T0 + 86_400;
        let gw = Mb::new("gw01.dmz.contoso.com", "gateway")
            .cert(c, StoreName::My)
            .channel(0)
            .event(20051, 100, &["1/16/2027", "1/16/2028"])
            .build();
        let f = run(vec![gw]);
        assert_eq!(
            find(&f, Cause::NotYetValid, "gw01.dmz.contoso.com").map(|x| x.confidence),
            Some(Confidence::High)
        );
        assert!(find(&f, Cause::Expired, "gw01.dmz.contoso.com").is_none());
    }
}
