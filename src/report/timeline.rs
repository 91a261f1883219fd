//! The timeline of one machine, as data for a picture: the span covered by its events and its
//! collection time, the channel certificate's validity, each Health Service start with the load
//! outcome of that run, and events counted per time bucket in rows (failures by kind, approval
//! requests, channel/configuration successes). Built once with the report; the HTML renderer
//! only draws it.

use crate::facts::time::fmt_secs;
use crate::facts::timeline::LoadOutcome;
use crate::knowledge::events::EventKind;
use crate::view::CaseView;
use serde::Serialize;

/// Number of buckets the span is cut into.
pub const BUCKETS: usize = 48;

/// A moment, as seconds since 1970 and as RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimePoint {
    /// Seconds since 1970 (UTC).
    pub secs: i64,
    /// RFC 3339 UTC.
    pub time: String,
}

impl TimePoint {
    fn at(secs: i64) -> TimePoint {
        TimePoint {
            secs,
            time: fmt_secs(secs),
        }
    }
}

/// One Health Service start and what its certificate load came to.
#[derive(Debug, Clone, Serialize)]
pub struct StartOut {
    /// When.
    pub at: TimePoint,
    /// Inferred from a certificate-load burst, not seen.
    pub inferred: bool,
    /// Load outcome of the run.
    pub load: LoadOutcome,
}

/// What a row of the timeline counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowClass {
    /// Failure events of one kind.
    Failure,
    /// A parent saw a device it does not know (approval pending or rejected).
    Approval,
    /// The channel came up or configuration arrived (the connection worked).
    Connection,
}

/// Events of one class (and kind) counted per bucket.
#[derive(Debug, Clone, Serialize)]
pub struct RowOut {
    /// What the row counts.
    pub class: RowClass,
    /// Catalogue kind (`null` for events outside the catalogue).
    pub kind: Option<EventKind>,
    /// Label for a reader.
    pub label: String,
    /// Event ids seen in the row.
    pub event_ids: Vec<u16>,
    /// Count per bucket ([`BUCKETS`] of them).
    pub counts: Vec<u32>,
    /// Sum of the counts.
    pub total: u32,
}

/// The timeline of one machine.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TimelineOut {
    /// Start of the span shown (`null` when nothing is timed).
    pub from: Option<TimePoint>,
    /// End of the span shown.
    pub to: Option<TimePoint>,
    /// Length of one bucket in seconds.
    pub bucket_secs: i64,
    /// Validity of the channel certificate (may reach beyond the span).
    pub valid_from: Option<TimePoint>,
    /// End of validity of the channel certificate.
    pub valid_to: Option<TimePoint>,
    /// When the bundle was collected.
    pub collected: Option<TimePoint>,
    /// Health Service starts, oldest first.
    pub starts: Vec<StartOut>,
    /// Rows of counts: failure kinds first, then approval, then connection.
    pub rows: Vec<RowOut>,
}

fn kind_label(k: Option<EventKind>) -> String {
    match k {
        Some(k) => serde_json::to_value(k)
            .ok()
            .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
            .unwrap_or_else(|| format!("{k:?}")),
        None => "other failures".to_string(),
    }
}

/// The timeline of machine `i`.
pub fn build(ctx: &CaseView<'_>, i: usize) -> TimelineOut {
    let m = ctx.m(i);
    let tl = &m.timeline;
    let secs = |us: i64| us.div_euclid(1_000_000);
    let mut times: Vec<i64> = tl.events.iter().map(|e| secs(e.time_us)).collect();
    times.extend(tl.epochs.iter().map(|e| secs(e.start_us)));
    if let Some(c) = &m.collected_at {
        times.push(c.secs);
    }
    let (Some(&lo), Some(&hi)) = (times.iter().min(), times.iter().max()) else {
        return TimelineOut::default();
    };
    // A span of at least an hour, padded by a bucket each side.
    let span = (hi - lo).max(3600);
    let bucket_secs = (span + BUCKETS as i64 - 1) / BUCKETS as i64;
    let from = lo - bucket_secs / 2;
    let to = from + bucket_secs * BUCKETS as i64;
    let bucket = |t: i64| (((t - from) / bucket_secs).clamp(0, BUCKETS as i64 - 1)) as usize;

    let mut rows: Vec<RowOut> = Vec::new();
    for e in &tl.events {
        let kind = e.kind();
        let class = match kind {
            Some(EventKind::UnknownDevice) => RowClass::Approval,
            Some(EventKind::ChannelUp | EventKind::ConfigReceived) => RowClass::Connection,
            _ if e.is_failure() => RowClass::Failure,
            _ => continue,
        };
        let label = match class {
            RowClass::Failure => kind_label(kind),
            RowClass::Approval => "not approved (unknown device)".to_string(),
            RowClass::Connection => "channel up / configuration received".to_string(),
        };
        let key_kind = if class == RowClass::Failure {
            kind
        } else {
            None
        };
        let row = match rows
            .iter_mut()
            .position(|r| r.class == class && r.kind == key_kind)
        {
            Some(k) => &mut rows[k],
            None => {
                rows.push(RowOut {
                    class,
                    kind: key_kind,
                    label,
                    event_ids: Vec::new(),
                    counts: vec![0; BUCKETS],
                    total: 0,
                });
                let n = rows.len() - 1;
                &mut rows[n]
            }
        };
        row.counts[bucket(secs(e.time_us))] += 1;
        row.total += 1;
        if !row.event_ids.contains(&e.event_id) {
            row.event_ids.push(e.event_id);
        }
    }
    for r in &mut rows {
        r.event_ids.sort_unstable();
    }
    rows.sort_by_key(|r| (r.class as u8, std::cmp::Reverse(r.total)));
    let channel = ctx.channel(i).map(|(e, _)| &e.cert);
    TimelineOut {
        from: Some(TimePoint::at(from)),
        to: Some(TimePoint::at(to)),
        bucket_secs,
        valid_from: channel.map(|c| TimePoint::at(c.not_before)),
        valid_to: channel.map(|c| TimePoint::at(c.not_after)),
        collected: m.collected_at.as_ref().map(|c| TimePoint::at(c.secs)),
        starts: tl
            .epochs
            .iter()
            .map(|e| StartOut {
                at: TimePoint::at(secs(e.start_us)),
                inferred: e.inferred,
                load: e.load,
            })
            .collect(),
        rows,
    }
}
