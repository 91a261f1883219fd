//! Shared by the evtx_* tests: read a file back with the evtx crate (checksums validated)
//! into the fields an [`EventSpec`] carries, and a tiny deterministic PRNG.

#![allow(dead_code)]

use evtx::{EvtxParser, ParserSettings};
use scomtriage_corpus::evtx::{EventData, EventSpec};
use serde_json::Value;

/// The fields of one record as a reader returned them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    pub provider: String,
    pub event_id: u16,
    pub qualifiers: Option<u16>,
    pub level: u8,
    pub task: u16,
    pub keywords: u64,
    pub time_us: i64,
    pub record_id: u64,
    pub channel: String,
    pub computer: String,
    pub data: EventData,
}

impl Fields {
    /// What a reader must return for `ev`. Named data without names reads back as no data.
    pub fn expected(ev: &EventSpec) -> Fields {
        let data = match &ev.data {
            EventData::Named(pairs) if pairs.is_empty() => EventData::Unnamed(vec![]),
            other => other.clone(),
        };
        Fields {
            provider: ev.provider.clone(),
            event_id: ev.event_id,
            qualifiers: ev.qualifiers,
            level: ev.level,
            task: ev.task,
            keywords: ev.keywords,
            time_us: ev.time_us,
            record_id: ev.record_id,
            channel: ev.channel.clone(),
            computer: ev.computer.clone(),
            data,
        }
    }
}

/// Records read with the evtx crate (checksums validated), and the errors it reported.
pub struct Read {
    pub records: Vec<Fields>,
    pub errors: Vec<String>,
}

/// Parse `bytes` with evtx 0.15.1, `validate_checksums(true)`, single-threaded.
pub fn read_with_evtx(bytes: Vec<u8>) -> Read {
    let mut parser = EvtxParser::from_buffer(bytes)
        .expect("file header parses")
        .with_configuration(ParserSettings::new().validate_checksums(true));
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for record in parser.records_json_value() {
        match record {
            Ok(r) => match fields(&r.data) {
                Ok(mut f) => {
                    assert_eq!(f.record_id, r.event_record_id, "header vs EventRecordID");
                    f.record_id = r.event_record_id;
                    records.push(f);
                }
                Err(e) => errors.push(format!("record {}: {e}: {}", r.event_record_id, r.data)),
            },
            Err(e) => errors.push(e.to_string()),
        }
    }
    Read { records, errors }
}

fn text(v: &Value, what: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        other => Err(format!("{what}: not text: {other}")),
    }
}

fn num<T: TryFrom<u64>>(v: &Value, what: &str) -> Result<T, String> {
    v.as_u64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| format!("{what}: not a number in range: {v}"))
}

/// The fields of one record rendered by `records_json_value`.
pub fn fields(json: &Value) -> Result<Fields, String> {
    let event = &json["Event"];
    let sys = &event["System"];
    let (event_id, qualifiers) = match &sys["EventID"] {
        Value::Object(o) => (
            num(&o["#text"], "EventID")?,
            match o.get("#attributes").and_then(|a| a.get("Qualifiers")) {
                Some(q) => Some(num(q, "Qualifiers")?),
                None => None,
            },
        ),
        other => (num(other, "EventID")?, None),
    };
    let keywords = sys["Keywords"]
        .as_str()
        .and_then(|k| k.strip_prefix("0x"))
        .and_then(|k| u64::from_str_radix(k, 16).ok())
        .ok_or_else(|| format!("Keywords: {}", sys["Keywords"]))?;
    let time = sys["TimeCreated"]["#attributes"]["SystemTime"]
        .as_str()
        .ok_or("no SystemTime")?;
    let time_us = time
        .parse::<jiff::Timestamp>()
        .map_err(|e| format!("SystemTime {time}: {e}"))?
        .as_microsecond();
    let data = match &event["EventData"] {
        Value::Null => EventData::Unnamed(vec![]),
        Value::Object(o) if o.len() == 1 && o.contains_key("Data") => match &o["Data"] {
            Value::Object(d) => match d.get("#text") {
                Some(Value::Array(items)) => EventData::Unnamed(
                    items
                        .iter()
                        .map(|i| text(i, "Data"))
                        .collect::<Result<_, _>>()?,
                ),
                Some(one) => EventData::Unnamed(vec![text(one, "Data")?]),
                None => return Err(format!("Data without #text: {}", o["Data"])),
            },
            Value::Null => EventData::Unnamed(vec![String::new()]),
            other => return Err(format!("Data: {other}")),
        },
        Value::Object(o) => EventData::Named(
            o.iter()
                .map(|(k, v)| Ok((k.clone(), text(v, k)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => return Err(format!("EventData: {other}")),
    };
    Ok(Fields {
        provider: text(&sys["Provider"]["#attributes"]["Name"], "Provider")?,
        event_id,
        qualifiers,
        level: num(&sys["Level"], "Level")?,
        task: num(&sys["Task"], "Task")?,
        keywords,
        time_us,
        record_id: num(&sys["EventRecordID"], "EventRecordID")?,
        channel: text(&sys["Channel"], "Channel")?,
        computer: text(&sys["Computer"], "Computer")?,
        data,
    })
}

/// xorshift64* — deterministic, no dependency.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Characters random strings are made of: ASCII, XML specials, Latin-1, CJK (incl. code
/// units whose low byte is 0), a supplementary-plane character, tab and newline.
const CHARS: &[char] = &[
    'a', 'b', 'z', 'A', 'Q', '0', '7', ' ', '.', '-', '_', '\\', ':', '<', '>', '&', '"', '\'',
    'ü', 'Z', 'é', '東', '京', '一', '最', '😀', '\t', '\n',
];

/// A random string of up to `max_len` characters.
pub fn random_string(rng: &mut XorShift, max_len: u64) -> String {
    let len = rng.below(max_len + 1);
    (0..len).map(|_| *rng.pick(CHARS)).collect()
}

/// `count` random events with increasing record ids from `first_id`.
pub fn random_events(rng: &mut XorShift, count: usize, first_id: u64) -> Vec<EventSpec> {
    const PROVIDERS: &[&str] = &[
        "OpsMgr Connector",
        "HealthService",
        "Health Service Script",
        "Microsoft-Windows-Security-Auditing",
        "Zürich Provider 東京",
    ];
    const CHANNELS: &[&str] = &["Operations Manager", "System", "Application"];
    const COMPUTERS: &[&str] = &["agent01.contoso.com", "GW-東京.example.jp", "ms1"];
    const NAMES: &[&str] = &[
        "SubjectUserName",
        "Status",
        "Ziel",
        "名前",
        "x",
        "LongNameValue",
    ];
    let mut id = first_id;
    let mut time = 1_700_000_000_000_000i64;
    (0..count)
        .map(|_| {
            id += 1 + rng.below(3);
            time += rng.below(5_000_000_000) as i64;
            let data = if rng.below(4) == 0 {
                let n = 1 + rng.below(4) as usize;
                let mut names: Vec<&str> = Vec::new();
                while names.len() < n {
                    let name = *rng.pick(NAMES);
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                EventData::Named(
                    names
                        .into_iter()
                        .map(|k| (k.to_string(), random_string(rng, 40)))
                        .collect(),
                )
            } else {
                let n = rng.below(8);
                let long = rng.below(10) == 0;
                EventData::Unnamed(
                    (0..n)
                        .map(|_| random_string(rng, if long { 600 } else { 30 }))
                        .collect(),
                )
            };
            EventSpec {
                provider: rng.pick(PROVIDERS).to_string(),
                event_id: rng.next() as u16,
                qualifiers: match rng.below(3) {
                    0 => None,
                    1 => Some(0),
                    _ => Some(rng.next() as u16),
                },
                level: rng.below(6) as u8,
                task: rng.next() as u16,
                keywords: rng.next(),
                time_us: time,
                record_id: id,
                channel: rng.pick(CHANNELS).to_string(),
                computer: rng.pick(COMPUTERS).to_string(),
                data,
            }
        })
        .collect()
}
