//! Evidence that cites the facts of a case: event records, certificate fields, registry values,
//! key facts, and which certificate is the channel certificate.

use super::CaseView;
use crate::facts::certs::norm_name;
use crate::facts::certs::{CertEntry, KeySource};
use crate::facts::time::{fmt_secs, fmt_us};
use crate::facts::{RegFact, Selection};
use crate::finding::{Cause, Finding, Nature, Source};

impl CaseView<'_> {
    /// A new finding of `cause` about machine `i` of the case.
    pub fn finding(&self, cause: Cause, i: usize, title: impl Into<String>) -> Finding {
        Finding::new(cause, i, self.name(i), title)
    }

    /// A new finding about a machine that is not in the case, under the name other machines'
    /// events give it.
    pub fn finding_named(&self, cause: Cause, name: &str, title: impl Into<String>) -> Finding {
        Finding::named(cause, norm_name(name), title)
    }

    /// Evidence for an event.
    pub fn ev_source(&self, i: usize, e: usize) -> Source {
        let ev = self.ev(i, e);
        Source::Event {
            machine: self.name(i),
            file: ev.file.clone(),
            provider: ev.provider.clone(),
            event_id: ev.event_id,
            record_id: ev.record_id,
            time: fmt_us(ev.time_us),
        }
    }

    /// Evidence text for an event: id, time, rendered message (one line).
    pub fn ev_text(&self, i: usize, e: usize) -> String {
        let ev = self.ev(i, e);
        let msg = ev.message().replace('\n', " ");
        let msg = msg.split_whitespace().collect::<Vec<_>>().join(" ");
        let mark = ev.def.map(|d| d.text_mark.label()).unwrap_or("no template");
        format!(
            "{} {} at {}: \"{}\" (message text: {mark})",
            ev.provider,
            ev.event_id,
            fmt_us(ev.time_us),
            msg
        )
    }

    /// Add event evidence (observed) to a finding, with repeats summarised.
    pub fn add_events(&self, f: &mut Finding, i: usize, evs: &[usize], lead: &str) {
        if evs.is_empty() {
            return;
        }
        let first = evs[0];
        let last = evs[evs.len() - 1];
        let mut text = format!("{lead}{}", self.ev_text(i, last));
        if evs.len() > 1 {
            text.push_str(&format!(
                "; {} such events from {} to {}",
                evs.len(),
                fmt_us(self.ev(i, first).time_us),
                fmt_us(self.ev(i, last).time_us)
            ));
        }
        f.add(Nature::Observed, self.ev_source(i, last), text);
    }

    /// Certificate evidence source.
    pub fn cert_source(&self, i: usize, e: &CertEntry, field: &str) -> Source {
        Source::Certificate {
            machine: self.name(i),
            thumbprint: e.cert.thumbprint_sha1.clone(),
            subject: e.cert.subject.clone(),
            field: field.to_string(),
            found_in: e.stores_display(),
        }
    }

    /// Registry evidence source.
    pub fn reg_source<T>(&self, i: usize, r: &RegFact<T>) -> Source {
        Source::Registry {
            machine: self.name(i),
            file: r.file.clone(),
            key: r.key.clone(),
            value: r.name.clone(),
            line: r.line,
        }
    }

    /// Key-facts evidence source.
    pub fn key_source(&self, i: usize, e: &CertEntry) -> Source {
        Source::Key {
            machine: self.name(i),
            from: match e.key.source {
                KeySource::Inventory => "inventory".into(),
                KeySource::StoreBlob => "store_blob".into(),
                KeySource::Unknown => "unknown".into(),
            },
            origin: e.key.origin.clone(),
        }
    }

    /// Add the evidence that says which certificate is the channel certificate.
    pub fn add_selection(&self, f: &mut Finding, i: usize) {
        let Some((e, sel)) = self.channel(i) else {
            return;
        };
        let m = self.m(i);
        let nature = Nature::inferred_if(sel.is_inference());
        let src = match (sel, &m.channel.serial, &m.channel.hash) {
            (Selection::RegistrySerial, Some(s), _) => self.reg_source(i, s),
            (Selection::RegistryHash, _, Some(h)) => self.reg_source(i, h),
            _ => self.cert_source(i, e, "subject, serial"),
        };
        f.add(
            nature,
            src,
            format!(
                "channel certificate: \"{}\" serial {} (registry form {}) thumbprint {} ({}), valid {} to {}, {}",
                e.cert.subject,
                e.cert.serial_hex,
                crate::serial::hex_upper(&crate::serial::big_endian_to_registry(&e.cert.serial)),
                e.cert.thumbprint_sha1,
                e.stores_display(),
                fmt_secs(e.cert.not_before),
                fmt_secs(e.cert.not_after),
                sel.words()
            ),
        );
    }
}
