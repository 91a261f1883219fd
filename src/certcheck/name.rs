//! `name`: the name SCOM reads from the certificate (first DNS SAN, else first CN; §4.2 of the
//! reference) against the FQDN the machine is known by.

use super::{Check, Verdict};
use crate::facts::certs::{norm_name, scom_name};
use scomtriage_parsers::x509::Certificate;

/// Where SCOM's name comes from in `c`.
fn name_source(c: &Certificate) -> &'static str {
    if c.has_san && !c.san_dns.is_empty() {
        "first DNS name of the SubjectAltName"
    } else if c.has_san {
        "first CN: the SubjectAltName has no DNS name"
    } else {
        "first CN: no SubjectAltName extension"
    }
}

/// Judge the name of `c` against `fqdn` (unknown without it).
pub fn check(c: &Certificate, fqdn: Option<&str>) -> Check {
    let Some(name) = scom_name(c) else {
        return Check::new(
            "name",
            Verdict::Fail,
            "the certificate has neither a DNS SubjectAltName nor a CN: SCOM finds no name in it (event 20075)",
        );
    };
    let from = name_source(c);
    match fqdn {
        None => Check::new(
            "name",
            Verdict::Unknown,
            format!("SCOM reads \"{name}\" ({from}); give --fqdn NAME to compare it with the machine's FQDN"),
        ),
        Some(f) if norm_name(f) == norm_name(name) => Check::new(
            "name",
            Verdict::Pass,
            format!("SCOM reads \"{name}\" ({from}), which matches --fqdn {f}"),
        ),
        Some(f) => {
            let elsewhere = c
                .san_dns
                .iter()
                .chain(c.subject_cns.iter())
                .any(|n| norm_name(n) == norm_name(f));
            let hint = if elsewhere {
                format!(" ({f} is in the certificate, but not where SCOM looks: only the first name counts)")
            } else {
                String::new()
            };
            Check::new(
                "name",
                Verdict::Fail,
                format!("SCOM reads \"{name}\" ({from}), not --fqdn {f}{hint}; SCOM logs 20052"),
            )
        }
    }
}
