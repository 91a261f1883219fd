//! `corpus-gen --large SIZE_MB`: one big bundle for benchmarks.
//!
//! A gateway with a month of realistic noise and a handful of relevant events (a name
//! mismatch after the last restart, 21007/21016 every 10 minutes). The number of noise
//! events is chosen from the writer's measured bytes per event on a sample, so that
//! `Operations Manager.evtx` comes out at about SIZE_MB.
//!
//! The writer contract is `write_evtx(&[EventSpec])`, so all events are held in memory
//! at once (about 0.5 KB of heap per event while generating).

use crate::evtx::{self, WriterOptions};
use crate::scenario::{self, Scenario, ScenarioError, Templates};

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
        let per_hour = per_hour_for(100.0, 700.0);
        assert!((per_hour * 720.0 * 700.0 - 100.0 * 1024.0 * 1024.0).abs() < 1024.0);
    }
}
