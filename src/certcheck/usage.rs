//! `eku` and `key_usage`: the usages SCOM requires of its certificate (§4.4, §4.5 of the
//! reference: events 20050 and 20049).

use super::{Check, Verdict};
use crate::facts::certs::{missing_ekus, missing_key_usage, EKU_CLIENT_AUTH, EKU_SERVER_AUTH};
use scomtriage_parsers::x509::Certificate;

/// Names of the KeyUsage bits, in RFC 5280 order.
const KU_NAMES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

fn eku_name(oid: &str) -> String {
    match oid {
        EKU_SERVER_AUTH => "Server Authentication".into(),
        EKU_CLIENT_AUTH => "Client Authentication".into(),
        "1.3.6.1.5.5.7.3.3" => "Code Signing".into(),
        "1.3.6.1.5.5.7.3.4" => "Secure Email".into(),
        "2.5.29.37.0" => "anyExtendedKeyUsage".into(),
        o => o.to_string(),
    }
}

/// Server and Client Authentication in the EKU.
pub fn check_eku(c: &Certificate) -> Check {
    let Some(list) = &c.eku else {
        return Check::new(
            "eku",
            Verdict::Fail,
            "no Enhanced Key Usage extension: the checker scripts require Server Authentication and Client Authentication (SCOM's own behaviour without the extension is not documented)",
        );
    };
    let shown = list
        .iter()
        .map(|o| eku_name(o))
        .collect::<Vec<_>>()
        .join(", ");
    let missing: Vec<String> = missing_ekus(list)
        .into_iter()
        .map(|(oid, n)| format!("{n} ({oid})"))
        .collect();
    if missing.is_empty() {
        Check::new("eku", Verdict::Pass, format!("EKU [{shown}]"))
    } else {
        Check::new(
            "eku",
            Verdict::Fail,
            format!(
                "EKU [{shown}] lacks {}; SCOM logs 20050",
                missing.join(" and ")
            ),
        )
    }
}

/// Digital Signature and Key Encipherment in the KeyUsage.
pub fn check_key_usage(c: &Certificate) -> Check {
    let Some(ku) = &c.key_usage else {
        return Check::new(
            "key_usage",
            Verdict::Fail,
            "no KeyUsage extension: the checker scripts require Digital Signature and Key Encipherment (SCOM's own behaviour without the extension is not documented)",
        );
    };
    let names: Vec<&str> = KU_NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| ku.bits & (1u16 << i) != 0)
        .map(|(_, n)| *n)
        .collect();
    let shown = format!(
        "KeyUsage [{}]{}",
        names.join(", "),
        if ku.critical { " (critical)" } else { "" }
    );
    let missing = missing_key_usage(ku.bits);
    if missing.is_empty() {
        Check::new("key_usage", Verdict::Pass, shown)
    } else {
        Check::new(
            "key_usage",
            Verdict::Fail,
            format!("{shown} lacks {}; SCOM logs 20049", missing.join(" and ")),
        )
    }
}
