//! `corpus-gen --large SIZE_MB`: one big bundle for benchmarks.
//!
//! A gateway with a month of realistic noise and a handful of relevant events (a name
//! mismatch after the last restart, 21007/21016 every 10 minutes). The number of noise
//! events is chosen from the writer's measured bytes per event on a sample, so that
//! `Operations Manager.evtx` comes out at about SIZE_MB.
//!
//! The scenario's events are held in memory at once (about 0.5 KB of heap per event while
//! generating). [`write_bundle`] can also dilute the log so that only a given share of its
//! records come from the providers the analyzer reads (a management server's log is mostly
//! other providers), for the benchmark of filtering before rendering.

use crate::evtx::{self, EventSpec, EvtxWriter, WriterOptions};
use crate::generate::{self, GenError};
use crate::scenario::{self, Scenario, ScenarioError, Templates};
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Bytes per event assumed when the writer returns nothing (before the writer is merged);
/// measured with the writer branch on this noise mix: about 690.
pub const FALLBACK_BYTES_PER_EVENT: f64 = 690.0;

/// Measure the writer's bytes per event on a noise sample.
pub fn bytes_per_event(t: &Templates) -> f64 {
    let Ok(sample) = large_scenario(40.0, 24.0 * 2.0, t) else {
        return FALLBACK_BYTES_PER_EVENT;
    };
    let Ok(events) = crate::generate::machine_events_for(&sample, t, "gw01") else {
        return FALLBACK_BYTES_PER_EVENT;
    };
    if events.is_empty() {
        return FALLBACK_BYTES_PER_EVENT;
    }
    let bytes = evtx::write_evtx(&events, &WriterOptions::default());
    if bytes.is_empty() {
        FALLBACK_BYTES_PER_EVENT
    } else {
        bytes.len() as f64 / events.len() as f64
    }
}

/// The large scenario: `per_hour` noise events per hour over `hours` hours before the
/// collection time.
pub fn large_scenario(
    per_hour: f64,
    hours: f64,
    templates: &Templates,
) -> Result<Scenario, ScenarioError> {
    let hours = hours.max(1.0).ceil() as i64;
    let text = format!(
        r#"{{
  "id": "large",
  "description": "Benchmark bundle: a gateway with {hours} hours of noise at {per_hour:.1} events/hour; name mismatch after the last start.",
  "certs": {{
    "gw01-short": {{"cn": "gw01", "issuer": "contoso-issuing", "key": "rsa2048-c", "not_before": "-{hours}h-1d"}}
  }},
  "machines": {{
    "gw01": {{
      "use": "gw01",
      "my": ["gw01-short"],
      "timeline": [
        {{"do": "start", "at": "-{hours}h"}},
        {{"do": "connected", "from": "-{hours}h+2m", "until": "-6h"}},
        {{"do": "start", "at": "-6h", "load": "20052"}},
        {{"do": "fail", "pattern": "not_trusted_domain", "from": "-6h+1m", "every": "10m"}},
        {{"do": "noise", "per_hour": {per_hour}, "from": "-{hours}h"}}
      ]
    }}
  }},
  "expect": {{ "gw01": {{"top": "name_mismatch"}} }}
}}"#
    );
    scenario::parse_scenario(&text, templates)
}

/// Noise rate for about `size_mb` MiB of EVTX over 30 days.
pub fn per_hour_for(size_mb: f64, bytes_per_event: f64) -> f64 {
    let events = size_mb * 1024.0 * 1024.0 / bytes_per_event.max(1.0);
    events / (30.0 * 24.0)
}

/// The noise events that [`dilute`] may move to another provider: `HealthService` events
/// that only the noise writes (management pack loaded, workflow instance, store size).
const MOVABLE: (&str, [u16; 3]) = (crate::events::HEALTH_SERVICE, [1201, 1102, 4000]);
/// Where moved events go: a provider of the same log that the analyzer does not read.
const MOVED_TO: &str = crate::events::MODULES;

/// Move noise events from `relevant` providers to [`MOVED_TO`], evenly over the log, until at
/// most `percent` % of the events come from `relevant` providers (case-insensitive names), as
/// far as the movable noise allows. Returns the share (in %) reached.
pub fn dilute(events: &mut [EventSpec], relevant: &[&str], percent: f64) -> f64 {
    let is_relevant = |e: &EventSpec| relevant.iter().any(|p| p.eq_ignore_ascii_case(&e.provider));
    let movable = |e: &EventSpec| e.provider == MOVABLE.0 && MOVABLE.1.contains(&e.event_id);
    let total = events.len() as f64;
    let relevant_now = events.iter().filter(|e| is_relevant(e)).count() as f64;
    let candidates = events
        .iter()
        .filter(|e| movable(e) && is_relevant(e))
        .count() as f64;
    let to_move = (relevant_now - total * percent / 100.0).clamp(0.0, candidates);
    let fraction = if candidates > 0.0 {
        to_move / candidates
    } else {
        0.0
    };
    let mut owed = 0.0;
    let mut moved = 0.0;
    for e in events.iter_mut().filter(|e| movable(e) && is_relevant(e)) {
        owed += fraction;
        if owed >= 1.0 {
            owed -= 1.0;
            e.provider = MOVED_TO.to_string();
            moved += 1.0;
        }
    }
    if total == 0.0 {
        0.0
    } else {
        100.0 * (relevant_now - moved) / total
    }
}

/// Write the `--large` bundle for an `Operations Manager.evtx` of about `size_mb` MiB to
/// `outdir/large/gw01.zip` (with `outdir/expected.json`) and return the zip's path. With
/// `dilute_to = Some((relevant, percent))`, the log is diluted first (see [`dilute`]).
pub fn write_bundle(
    outdir: &Path,
    size_mb: f64,
    dilute_to: Option<(&[&str], f64)>,
    t: &Templates,
) -> Result<PathBuf, GenError> {
    let per_hour = per_hour_for(size_mb, bytes_per_event(t));
    let s = large_scenario(per_hour, 30.0 * 24.0, t)?;
    let zip = outdir.join("large").join("gw01.zip");
    let Some((relevant, percent)) = dilute_to else {
        generate::write_all(outdir, t, &[s])?;
        return Ok(zip);
    };
    let io = |path: &Path| {
        let p = path.display().to_string();
        move |source| GenError::Io { path: p, source }
    };
    let mut bundles = generate::generate_scenario(&s, t)?;
    let mut bundle = bundles.pop().ok_or_else(|| GenError::Invalid {
        scenario: s.id.clone(),
        problem: "no bundle".into(),
    })?;
    let mut events = generate::machine_events_for(&s, t, "gw01")?;
    dilute(&mut events, relevant, percent);
    let invalid = |e: evtx::EvtxWriteError| GenError::Invalid {
        scenario: s.id.clone(),
        problem: e.to_string(),
    };
    let mut writer =
        EvtxWriter::new(Cursor::new(Vec::new()), &WriterOptions::default()).map_err(invalid)?;
    for e in &events {
        writer.push(e).map_err(invalid)?;
    }
    drop(events);
    let log = writer.finish().map_err(invalid)?.into_inner();
    bundle
        .members
        .insert("eventlogs/Operations Manager.evtx".into(), log);
    let bytes = crate::bundlezip::write_zip(&bundle.members, (2026, 11, 20, 14, 0, 0))?;
    let dir = outdir.join("large");
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    std::fs::write(&zip, bytes).map_err(io(&zip))?;
    Ok(zip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_scenario_parses_and_scales() {
        let t = scenario::load_templates(&crate::scenario_dir().join("_templates.json")).unwrap();
        let s = large_scenario(100.0, 48.0, &t).unwrap();
        scenario::validate(&s, &t).unwrap();
        let events = crate::generate::machine_events_for(&s, &t, "gw01").unwrap();
        // 4800 noise events plus connector events.
        assert!((4_300..6_500).contains(&events.len()), "{}", events.len());
        let mut diluted = events.clone();
        let relevant = ["HealthService", "OpsMgr Connector"];
        let share = dilute(&mut diluted, &relevant, 10.0);
        let counted = diluted
            .iter()
            .filter(|e| relevant.contains(&e.provider.as_str()))
            .count() as f64
            * 100.0
            / diluted.len() as f64;
        assert!((share - counted).abs() < 1e-9, "{share} vs {counted}");
        let left = diluted
            .iter()
            .filter(|e| e.provider == MOVABLE.0 && MOVABLE.1.contains(&e.event_id))
            .count();
        // Either the target is met or nothing movable is left.
        assert!(
            share <= 10.5 || left == 0,
            "{share}% with {left} movable left"
        );
        assert!(diluted.iter().any(|e| e.provider == MOVED_TO));
        assert_eq!(diluted.len(), events.len());
        let per_hour = per_hour_for(100.0, 700.0);
        assert!((per_hour * 720.0 * 700.0 - 100.0 * 1024.0 * 1024.0).abs() < 1024.0);
    }
}
