//! Remediation steps several rules share, written so that a support engineer can run them in
//! production: runnable commands use real names, templates say what to fill in, a restart of a
//! management server warns that its agents are interrupted.

use super::CaseView;
use crate::facts::identity::MachineRole;
use crate::finding::Finding;

/// Words added to a restart of the Health Service on machine `i`: a management server's restart
/// interrupts every agent and gateway reporting to it.
fn restart_note(ctx: &CaseView<'_>, i: usize) -> &'static str {
    if ctx.m(i).role() == MachineRole::ManagementServer {
        " (on a management server this interrupts the agents and gateways that report to it for a minute or two: choose a quiet time or a maintenance window)"
    } else {
        ""
    }
}

/// Standard remediation tail on machine `i`: register the certificate named for the machine's
/// FQDN and restart. Without a known FQDN the registration is a template.
pub fn register_and_restart(f: &mut Finding, ctx: &CaseView<'_>, i: usize) {
    let subject = ctx.m(i).identity.fqdn.clone();
    register_and_restart_as(f, ctx, i, subject.as_deref());
}

/// [`register_and_restart`] for a certificate whose subject is `subject` (a template
/// placeholder when unknown).
pub fn register_and_restart_as(
    f: &mut Finding,
    ctx: &CaseView<'_>,
    i: usize,
    subject: Option<&str>,
) {
    let on = ctx.name(i);
    let subject = subject.unwrap_or("<certificate subject name>");
    f.step(
        &on,
        "Select the certificate for SCOM (writes ChannelCertificateSerialNumber; run MOMCertImport.exe from the SupportTools folder of the installation media)",
        Some(format!("MOMCertImport.exe /SubjectName {subject}")),
    );
    f.step(
        &on,
        format!(
            "Restart the Health Service so it loads the certificate, then look for event 20053 in the Operations Manager log{}",
            restart_note(ctx, i)
        ),
        Some("Restart-Service HealthService".into()),
    );
}

/// Remediation step: restart the Health Service of machine `i` (after a trust-store change).
pub fn restart_health_service(f: &mut Finding, ctx: &CaseView<'_>, i: usize) {
    f.step(
        &ctx.name(i),
        format!("Restart the Health Service{}", restart_note(ctx, i)),
        Some("Restart-Service HealthService".into()),
    );
}

/// Restart the Health Service on every machine named in `names` (machines of the case get the
/// management-server warning where it applies; others are named as their peers' events name
/// them).
pub fn restart_each(f: &mut Finding, ctx: &CaseView<'_>, names: &[String]) {
    for t in names {
        match ctx.case.find_machine(t) {
            Some(j) => restart_health_service(f, ctx, j),
            None => {
                f.step(
                    t,
                    "Restart the Health Service",
                    Some("Restart-Service HealthService".into()),
                );
            }
        }
    }
}

/// A certificate of the case, where it can be taken from.
#[derive(Debug, Clone)]
pub struct Located {
    /// The machine that holds it.
    pub machine: usize,
    /// The LocalMachine store it is installed in (for `certutil -store`), if any.
    pub store: Option<String>,
    /// The bundle files that hold it (`bundle: member path`).
    pub files: Vec<String>,
    /// Whether it is self-issued (a root: the only kind of certificate a fix may add to Root).
    pub self_issued: bool,
    /// Subject DN.
    pub subject: String,
    /// SHA-1 thumbprint.
    pub thumbprint: String,
}

/// Find the certificate with `thumbprint` among every machine's certificates, preferring one
/// installed in a LocalMachine store (it can be exported there with `certutil -store`).
pub fn locate(ctx: &CaseView<'_>, thumbprint: &str) -> Option<Located> {
    use crate::facts::certs::StoreLocation;
    let mut best: Option<Located> = None;
    for i in 0..ctx.len() {
        for e in &ctx.m(i).certs {
            if !e.cert.thumbprint_sha1.eq_ignore_ascii_case(thumbprint) {
                continue;
            }
            let store = e
                .stores
                .iter()
                .find(|s| s.location == StoreLocation::LocalMachine)
                .map(|s| s.store.display());
            let mut files: Vec<String> = e
                .stores
                .iter()
                .map(|s| {
                    // A registry blob's source is `file [key] "Blob" (line n)`: the file is the
                    // part before the key.
                    s.source.split(" [").next().unwrap_or(&s.source).to_string()
                })
                .collect();
            files.sort();
            files.dedup();
            let here = Located {
                machine: i,
                store,
                files,
                self_issued: e.cert.self_issued,
                subject: e.cert.subject.clone(),
                thumbprint: e.cert.thumbprint_sha1.clone(),
            };
            if best
                .as_ref()
                .is_none_or(|b| b.store.is_none() && here.store.is_some())
            {
                best = Some(here);
            }
        }
    }
    best
}

/// Steps that put a located certificate into a file named `<thumbprint>.cer` (exported from the
/// store that holds it, or saved from the bundle file that holds it); returns that file name.
pub fn fetch_certificate(f: &mut Finding, ctx: &CaseView<'_>, loc: &Located) -> String {
    let file = format!("{}.cer", loc.thumbprint);
    let on = ctx.name(loc.machine);
    match &loc.store {
        Some(store) => f.step_with_files(
            &on,
            format!(
                "Export the public certificate \"{}\" (thumbprint {}) from {on}'s LocalMachine\\{store} store (no private key is exported)",
                loc.subject, loc.thumbprint
            ),
            Some(format!(
                "certutil -store {} {} {file}",
                quote_store(store),
                loc.thumbprint
            )),
            loc.files.clone(),
        ),
        None => f.step_with_files(
            &on,
            format!(
                "Save the certificate \"{}\" (thumbprint {}) from {} as {file}",
                loc.subject,
                loc.thumbprint,
                loc.files.join(", ")
            ),
            None,
            loc.files.clone(),
        ),
    };
    file
}

fn quote_store(store: &str) -> String {
    if store.contains(' ') {
        format!("\"{store}\"")
    } else {
        store.to_string()
    }
}

/// The names of every machine that validates machine `i`'s certificate: its parents (the
/// registry's failover list and the peers its events name) and its children in the case.
pub fn validators_of(ctx: &CaseView<'_>, i: usize) -> Vec<String> {
    let mut v: Vec<String> = ctx
        .parent_names(i)
        .iter()
        .map(|p| ctx.peer_display(p))
        .collect();
    v.extend(ctx.children_of(i).iter().map(|e| ctx.name(e.child)));
    let mut out: Vec<String> = Vec::new();
    for n in v {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// Whether every named machine that is part of the case is domain-joined (and at least one is).
fn all_domain_joined(ctx: &CaseView<'_>, names: &[String]) -> bool {
    let known: Vec<Option<bool>> = names
        .iter()
        .filter_map(|n| ctx.case.find_machine(n))
        .map(|j| ctx.m(j).identity.domain_joined)
        .collect();
    !known.is_empty() && known.iter().all(|d| *d == Some(true))
}

/// Which trust store a certificate goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustStore {
    /// Trusted Root Certification Authorities (`Root`): self-signed roots only.
    Root,
    /// Intermediate Certification Authorities (`CA`).
    Intermediate,
}

/// Steps adding the certificate in `file` (a located certificate, or a template placeholder) to
/// `store` on every machine of `targets`, with a Group Policy suggestion when they are
/// domain-joined. A certificate that is not self-issued is never added to Root: the caller says
/// which store, and a located certificate that is not a root goes to the CA store instead.
pub fn add_to_store(
    f: &mut Finding,
    ctx: &CaseView<'_>,
    targets: &[String],
    store: TrustStore,
    what: &str,
    file: &str,
    located: Option<&Located>,
) {
    let store = match (store, located) {
        (TrustStore::Root, Some(l)) if !l.self_issued => TrustStore::Intermediate,
        (s, _) => s,
    };
    let (arg, words) = match store {
        TrustStore::Root => ("Root", "Trusted Root Certification Authorities"),
        TrustStore::Intermediate => ("CA", "Intermediate Certification Authorities"),
    };
    for t in targets {
        f.step(
            t,
            format!("Add {what} to {t}'s {words} store (LocalMachine\\{arg})"),
            Some(format!("certutil -addstore {arg} {file}")),
        );
    }
    if all_domain_joined(ctx, targets) {
        f.step(
            &targets.join(", "),
            format!(
                "{} {} domain members: a Group Policy (Computer Configuration > Windows Settings > Security Settings > Public Key Policies) distributes it to all of them at once",
                targets.join(", "),
                if targets.len() > 1 { "are" } else { "is a" }
            ),
            None,
        );
    }
}
