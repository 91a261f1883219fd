//! Redaction: a copy of a [`Report`] in which host names, domain names, management group names,
//! user names, certificate subject/issuer names (CN and O), IP addresses, serial numbers and
//! thumbprints are replaced by pseudonyms. Cause ids, event ids, error codes, times, store names
//! and the commands themselves stay.
//!
//! What is replaced is learned from the report itself (machine names, name claims, parents,
//! finding machines, certificate fields, distinguished names found in any text) plus patterns
//! (IPv4 addresses, hex runs of 16 digits or more, `DOMAIN\user` and `user@domain`). Every
//! occurrence of a value, in any text, case-insensitively and on word boundaries, gets the same
//! pseudonym; a machine's short name gets the pseudonym of its FQDN. Pseudonyms are numbered in
//! order of appearance (`host-1`, `domain-2`, `ip-1` …) unless a key is given: then they are
//! `host-` plus 8 hex digits of HMAC-SHA256(key, value), the same in every report made with
//! that key. Finding ids are recomputed from the pseudonyms, so they cannot be matched against
//! a hash of a guessed name.

use super::{finding_id, FindingOut, MachineOut, Report};
use crate::finding::Source;
use regex::{Captures, Regex};
use std::collections::HashMap;
use std::sync::OnceLock;

/// How pseudonyms are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedactKey {
    /// Numbered in order of appearance within one report.
    Numbered,
    /// Keyed: the same value gets the same pseudonym in every report made with this secret.
    Keyed(Vec<u8>),
}

/// What kind of value a pseudonym stands for (its prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Host,
    Domain,
    Group,
    Name,
    User,
    Ip,
    Hex,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Host => "host",
            Kind::Domain => "domain",
            Kind::Group => "mg",
            Kind::Name => "name",
            Kind::User => "user",
            Kind::Ip => "ip",
            Kind::Hex => "hex",
        }
    }
}

/// Every string of a report, mutably (the one walk both learning and replacing use).
fn each_string(r: &mut Report, f: &mut dyn FnMut(&mut String)) {
    f(&mut r.verdict);
    for v in &mut r.machine_verdicts {
        f(&mut v.machine);
        f(&mut v.reason);
        for s in [&mut v.title, &mut v.first_fix, &mut v.first_fix_on]
            .into_iter()
            .flatten()
        {
            f(s);
        }
    }
    for m in &mut r.machines {
        machine_strings(m, f);
    }
    for x in &mut r.findings {
        finding_strings(x, f);
    }
    for c in &mut r.checks_not_run {
        for s in [
            &mut c.check,
            &mut c.machine,
            &mut c.missing_input,
            &mut c.why,
        ] {
            f(s);
        }
    }
    for u in r
        .unexplained_events
        .iter_mut()
        .chain(r.expected_events.iter_mut())
    {
        for s in [
            &mut u.machine,
            &mut u.provider,
            &mut u.meaning,
            &mut u.sample,
        ] {
            f(s);
        }
    }
    for p in &mut r.input_problems {
        f(&mut p.input);
        f(&mut p.message);
    }
    for n in &mut r.notes {
        f(n);
    }
}

fn machine_strings(m: &mut MachineOut, f: &mut dyn FnMut(&mut String)) {
    f(&mut m.fqdn);
    f(&mut m.status_reason);
    m.inputs_from.iter_mut().for_each(&mut *f);
    m.identity_disagreements.iter_mut().for_each(&mut *f);
    m.trusted_roots.iter_mut().for_each(&mut *f);
    m.working.iter_mut().for_each(&mut *f);
    for c in &mut m.identity_sources {
        f(&mut c.name);
        f(&mut c.source);
    }
    for s in [
        &mut m.role_source,
        &mut m.version,
        &mut m.collected_at_source,
        &mut m.health_service_status,
        &mut m.registry_serial,
        &mut m.registry_serial_certutil,
        &mut m.registry_hash,
    ]
    .into_iter()
    .flatten()
    {
        f(s);
    }
    if let Some(c) = &mut m.channel_certificate {
        c.san_dns.iter_mut().for_each(&mut *f);
        for s in [
            &mut c.subject,
            &mut c.serial,
            &mut c.serial_registry_form,
            &mut c.thumbprint,
            &mut c.found_in,
            &mut c.selection,
            &mut c.private_key.origin,
        ] {
            f(s);
        }
        for s in [
            &mut c.scom_name,
            &mut c.chain,
            &mut c.chain_verdict,
            &mut c.private_key.provider_name,
            &mut c.private_key.access_error,
        ]
        .into_iter()
        .flatten()
        {
            f(s);
        }
    }
    for p in &mut m.parents {
        f(&mut p.network_name);
        f(&mut p.management_group);
    }
    for e in &mut m.epochs {
        e.start_sources.iter_mut().for_each(&mut *f);
    }
}

fn source_strings(s: &mut Source, f: &mut dyn FnMut(&mut String)) {
    match s {
        Source::Certificate {
            machine,
            thumbprint,
            subject,
            field,
            found_in,
        } => [machine, thumbprint, subject, field, found_in]
            .into_iter()
            .for_each(f),
        Source::Registry {
            machine,
            file,
            key,
            value,
            ..
        } => [machine, file, key, value].into_iter().for_each(f),
        Source::Event {
            machine,
            file,
            provider,
            ..
        } => [machine, file, provider].into_iter().for_each(f),
        Source::Key {
            machine,
            from,
            origin,
        } => [machine, from, origin].into_iter().for_each(f),
        Source::Manifest { machine, field } => [machine, field].into_iter().for_each(f),
        Source::Chain { validator, chain } => [validator, chain].into_iter().for_each(f),
        Source::Absence { machine, what } => [machine, what].into_iter().for_each(f),
        Source::Comparison { machine } => f(machine),
    }
}

fn finding_strings(x: &mut FindingOut, f: &mut dyn FnMut(&mut String)) {
    for s in [&mut x.machine, &mut x.title, &mut x.summary] {
        f(s);
    }
    if let Some(t) = &mut x.thumbprint {
        f(t);
    }
    for e in &mut x.evidence {
        f(&mut e.text);
        source_strings(&mut e.source, f);
    }
    for s in &mut x.remediation {
        f(&mut s.on);
        f(&mut s.text);
        s.files.iter_mut().for_each(&mut *f);
        s.placeholders.iter_mut().for_each(&mut *f);
        if let Some(c) = &mut s.command {
            f(c);
        }
    }
    for g in &mut x.explains.groups {
        f(&mut g.machine);
        f(&mut g.provider);
    }
    for e in &mut x.explains.samples {
        f(&mut e.machine);
        f(&mut e.provider);
        f(&mut e.file);
    }
    x.cannot_see.iter_mut().for_each(f);
}

/// The CN and O values of a distinguished name (`None` only if the pattern failed to compile,
/// which its unit tests rule out).
fn dn_value() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"\b(?:CN|O)=\s*([^,+/=\[\]()\r\n]+)").ok())
        .as_ref()
}

/// The values to replace, learned from the report, with their kind and the value whose
/// pseudonym they share (a short name shares its FQDN's).
#[derive(Default)]
struct Dictionary {
    /// lower-cased value → (kind, canonical lower-cased value)
    terms: HashMap<String, (Kind, String)>,
}

impl Dictionary {
    fn add(&mut self, value: &str, kind: Kind, canonical: &str) {
        let v = value.trim().trim_end_matches('.').to_lowercase();
        // Too short to replace without damaging ordinary words.
        if v.chars().count() < 3 || v.chars().all(|c| c.is_ascii_digit()) {
            return;
        }
        self.terms
            .entry(v)
            .or_insert((kind, canonical.trim().trim_end_matches('.').to_lowercase()));
    }

    /// A host name: the full name, its short name, its domain suffixes and the organisation
    /// label (`contoso` of `gw01.dmz.contoso.com`, also the NetBIOS domain name in most cases).
    fn add_host(&mut self, name: &str) {
        let n = name.trim().trim_end_matches('.').to_lowercase();
        if n.is_empty() || n.contains(char::is_whitespace) || n.contains(['/', '\\', ':']) {
            return;
        }
        self.add(&n, Kind::Host, &n);
        let labels: Vec<&str> = n.split('.').collect();
        if labels.len() > 1 {
            self.add(labels[0], Kind::Host, &n);
            for k in 1..labels.len() - 1 {
                let d = labels[k..].join(".");
                self.add(&d, Kind::Domain, &d);
            }
            if labels.len() > 2 {
                let org = labels[labels.len() - 2];
                self.add(org, Kind::Domain, org);
            }
        }
    }

    fn learn(&mut self, r: &mut Report) {
        let mut hosts: Vec<String> = Vec::new();
        let mut groups: Vec<String> = Vec::new();
        let mut hexes: Vec<String> = Vec::new();
        for m in &r.machines {
            hosts.push(m.fqdn.clone());
            hosts.extend(m.identity_sources.iter().map(|c| c.name.clone()));
            for p in &m.parents {
                hosts.push(p.network_name.clone());
                groups.push(p.management_group.clone());
            }
            if let Some(c) = &m.channel_certificate {
                hosts.extend(c.scom_name.clone());
                hosts.extend(c.san_dns.iter().cloned());
                hexes.push(c.serial.clone());
                hexes.push(c.serial_registry_form.clone());
                hexes.push(c.thumbprint.clone());
            }
            hexes.extend(m.registry_serial.clone());
            hexes.extend(m.registry_serial_certutil.clone());
            hexes.extend(m.registry_hash.clone());
        }
        for f in &r.findings {
            hosts.push(f.machine.clone());
            hexes.extend(f.thumbprint.clone());
            for e in &f.evidence {
                if let Source::Certificate { thumbprint, .. } = &e.source {
                    hexes.push(thumbprint.clone());
                }
            }
        }
        for h in &hosts {
            self.add_host(h);
        }
        // The file name of each bundle often carries the machine or case name.
        for m in &r.machines {
            for label in &m.inputs_from {
                let file = label.rsplit(['/', '\\']).next().unwrap_or(label);
                let stem = file.split('.').next().unwrap_or(file);
                // Only name-like stems (`buero-web01`, `Bundle_gw01_123`), never a plain word
                // (`bundle`) that would also replace ordinary text.
                if !stem.contains(char::is_whitespace)
                    && stem.contains(|c: char| c.is_ascii_digit() || c == '-' || c == '_')
                {
                    self.add(stem, Kind::Name, stem);
                }
            }
        }
        for g in &groups {
            self.add(g, Kind::Group, g);
        }
        for h in &hexes {
            self.add(h, Kind::Hex, h);
        }
        // Distinguished names anywhere: a CN that is a host name is a host; any other CN or O
        // value is a name.
        let mut names = Vec::new();
        each_string(r, &mut |s: &mut String| {
            for c in dn_value().into_iter().flat_map(|re| re.captures_iter(s)) {
                names.push(c[1].trim().to_string());
            }
        });
        for n in names {
            if n.contains('.') && !n.contains(' ') {
                self.add_host(&n);
            } else {
                self.add(&n, Kind::Name, &n);
            }
        }
        // Accounts: ORG\user and user@known.domain.
        let orgs: Vec<String> = self
            .terms
            .iter()
            .filter(|(v, (k, _))| *k == Kind::Domain && !v.contains('.'))
            .map(|(v, _)| regex::escape(v))
            .collect();
        let domains: Vec<String> = self
            .terms
            .iter()
            .filter(|(_, (k, _))| *k == Kind::Domain)
            .map(|(v, _)| regex::escape(v))
            .collect();
        if !orgs.is_empty() {
            let pat = format!(
                r"(?i)\b(?:{})\\([A-Za-z0-9._$-]+)|([A-Za-z0-9._-]+)@(?:{})\b",
                orgs.join("|"),
                domains.join("|")
            );
            if let Ok(re) = Regex::new(&pat) {
                let mut users = Vec::new();
                each_string(r, &mut |s: &mut String| {
                    for c in re.captures_iter(s) {
                        if let Some(u) = c.get(1).or_else(|| c.get(2)) {
                            users.push(u.as_str().to_string());
                        }
                    }
                });
                for u in users {
                    self.add(&u, Kind::User, &u);
                }
            }
        }
    }

    /// One regex matching every term (longest first) and the patterns.
    fn matcher(&self) -> Option<Regex> {
        let mut terms: Vec<&String> = self.terms.keys().collect();
        terms.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let mut alts: Vec<String> = terms.iter().map(|t| regex::escape(t)).collect();
        alts.push(
            r"(?P<ip>(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})".into(),
        );
        alts.push(r"(?P<hex>[0-9A-Fa-f]{16,})".into());
        Regex::new(&format!(r"(?i)\b(?:{})\b", alts.join("|"))).ok()
    }
}

/// Makes and remembers pseudonyms.
struct Pseudonyms<'k> {
    key: &'k RedactKey,
    given: HashMap<(Kind, String), String>,
    next: HashMap<Kind, usize>,
}

impl Pseudonyms<'_> {
    fn token(&mut self, kind: Kind, canonical: &str) -> String {
        if let Some(t) = self.given.get(&(kind, canonical.to_string())) {
            return t.clone();
        }
        let t = match self.key {
            RedactKey::Numbered => {
                let n = self.next.entry(kind).or_insert(0);
                *n += 1;
                format!("{}-{n}", kind.prefix())
            }
            RedactKey::Keyed(k) => {
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, k);
                let tag = ring::hmac::sign(&key, canonical.as_bytes());
                let hex: String = tag.as_ref()[..4]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                format!("{}-{hex}", kind.prefix())
            }
        };
        self.given.insert((kind, canonical.to_string()), t.clone());
        t
    }
}

/// A copy of `report` with every customer-identifying value replaced (module doc).
pub fn redact(report: &Report, key: &RedactKey) -> Report {
    let mut r = report.clone();
    let mut dict = Dictionary::default();
    dict.learn(&mut r);
    let Some(re) = dict.matcher() else {
        return r;
    };
    let mut names = Pseudonyms {
        key,
        given: HashMap::new(),
        next: HashMap::new(),
    };
    each_string(&mut r, &mut |s: &mut String| {
        let replaced = re.replace_all(s, |c: &Captures<'_>| {
            let m = &c[0];
            if c.name("ip").is_some() {
                return names.token(Kind::Ip, m);
            }
            let lower = m.to_lowercase();
            match dict.terms.get(&lower) {
                Some((kind, canonical)) => names.token(*kind, canonical),
                None if c.name("hex").is_some() => names.token(Kind::Hex, &lower),
                None => m.to_string(),
            }
        });
        if let std::borrow::Cow::Owned(n) = replaced {
            *s = n;
        }
    });
    for f in &mut r.findings {
        f.id = finding_id(f.cause, &f.machine, f.thumbprint.as_deref());
    }
    for v in &mut r.machine_verdicts {
        v.top_finding = r
            .findings
            .iter()
            .find(|f| f.machine == v.machine)
            .map(|f| f.id.clone());
    }
    r.redacted = true;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distinguished_name_pattern_compiles_and_finds_cn_and_o() {
        let re = dn_value().expect("the pattern compiles");
        let found: Vec<String> = re
            .captures_iter("CN=gw01.contoso.com, O=Contoso Ltd, C=US")
            .map(|c| c[1].trim().to_string())
            .collect();
        assert_eq!(found, vec!["gw01.contoso.com", "Contoso Ltd"]);
    }
}
