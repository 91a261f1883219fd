//! Event payloads (`EventData`, `UserData`, …) normalised to an ordered list of
//! `(optional name, text)`.
//!
//! Shapes the `evtx` crate (0.15) renders, all handled:
//! - classic unnamed data: `"EventData":{"Data":{"#text":["a","b"]}}`, or `{"#text":"a"}` for
//!   one string, or a bare string;
//! - named data: `"EventData":{"SubjectUserSid":"S-1-5-18","LogonType":2}` (values may be
//!   numbers, booleans or null); a repeated name gets a `_1`, `_2`… suffix from the crate,
//!   which is removed again when the unsuffixed name is present;
//! - named data kept as elements: `"Data":[{"#attributes":{"Name":"n"},"#text":"v"}]`;
//! - `Binary` beside the data: reported as the item named `Binary` (hex text);
//! - `UserData` and other payload elements: leaf values in document order, named by their
//!   element; attributes as `Element/@attribute` (`xmlns` declarations dropped).

use serde_json::{Map, Value};

/// One normalised data item.
pub(super) type Item = (Option<String>, String);

/// Append the items of an `EventData` element's JSON value.
pub(super) fn event_data(v: &Value, out: &mut Vec<Item>) {
    match v {
        Value::Null => {}
        Value::Object(map) => {
            for (key, val) in map {
                if is_attributes(key, val) {
                    // EventData/@Name (a template name), not data.
                    continue;
                }
                match key.as_str() {
                    "Data" => match map.get("Data_attributes").and_then(|a| a.get("Name")) {
                        // separate_json_attributes: `"Data_attributes":{"Name":"A"},"Data":"1"`
                        Some(name) if !val.is_object() && !val.is_array() => {
                            out.push((Some(text(name)), text(val)))
                        }
                        _ => data_element(val, out),
                    },
                    "#text" => unnamed(val, out),
                    _ => named(base_name(map, key), val, out),
                }
            }
        }
        _ => unnamed(v, out),
    }
}

/// Append the leaves of a `UserData` (or any other payload) element's JSON value.
pub(super) fn user_data(v: &Value, out: &mut Vec<Item>) {
    if !v.is_null() {
        flatten(None, v, out);
    }
}

/// `#attributes`, or `X_attributes` beside `X` (the crate's `separate_json_attributes`).
fn is_attributes(key: &str, val: &Value) -> bool {
    key == "#attributes" || (key.ends_with("_attributes") && val.is_object())
}

/// The element name behind a key the crate suffixed with `_N` to keep repeated names apart.
fn base_name<'k>(map: &Map<String, Value>, key: &'k str) -> &'k str {
    if let Some((base, n)) = key.rsplit_once('_') {
        if !base.is_empty()
            && !n.is_empty()
            && n.bytes().all(|c| c.is_ascii_digit())
            && map.contains_key(base)
        {
            return base;
        }
    }
    key
}

/// The value of a `Data` member: unnamed text(s), or element(s) carrying `@Name`.
fn data_element(v: &Value, out: &mut Vec<Item>) {
    match v {
        Value::Array(items) => {
            for item in items {
                data_element(item, out);
            }
        }
        Value::Object(map) => {
            let name = map
                .get("#attributes")
                .and_then(|a| a.get("Name"))
                .or_else(|| map.get("Data_attributes").and_then(|a| a.get("Name")))
                .map(text);
            match map.get("#text") {
                Some(Value::Array(texts)) => {
                    for t in texts {
                        out.push((name.clone(), text(t)));
                    }
                }
                Some(t) => out.push((name, text(t))),
                // An empty <Data Name="x"/>.
                None => out.push((name, String::new())),
            }
        }
        _ => out.push((None, text(v))),
    }
}

fn unnamed(v: &Value, out: &mut Vec<Item>) {
    match v {
        Value::Array(items) => out.extend(items.iter().map(|t| (None, text(t)))),
        _ => out.push((None, text(v))),
    }
}

fn named(name: &str, v: &Value, out: &mut Vec<Item>) {
    match v {
        Value::Array(items) => {
            for item in items {
                named(name, item, out);
            }
        }
        Value::Object(map) if !map.contains_key("#text") => flatten(Some(name), v, out),
        _ => out.push((Some(name.to_owned()), text(v))),
    }
}

/// Leaves in document order, each named by its element (attributes as `element/@name`).
fn flatten(name: Option<&str>, v: &Value, out: &mut Vec<Item>) {
    match v {
        Value::Object(map) => {
            for (key, val) in map {
                if is_attributes(key, val) {
                    let element = if key == "#attributes" {
                        name.unwrap_or("")
                    } else {
                        key.trim_end_matches("_attributes")
                    };
                    if let Value::Object(attrs) = val {
                        for (attr, av) in attrs {
                            if attr == "xmlns" || attr.starts_with("xmlns:") {
                                continue;
                            }
                            out.push((Some(format!("{element}/@{attr}")), text(av)));
                        }
                    }
                } else if key == "#text" {
                    unnamed_or_named(name, val, out);
                } else {
                    flatten(Some(base_name(map, key)), val, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                flatten(name, item, out);
            }
        }
        _ => out.push((name.map(str::to_owned), text(v))),
    }
}

fn unnamed_or_named(name: Option<&str>, v: &Value, out: &mut Vec<Item>) {
    match v {
        Value::Array(items) => out.extend(items.iter().map(|t| (name.map(str::to_owned), text(t)))),
        _ => out.push((name.map(str::to_owned), text(v))),
    }
}

/// A value as the text Event Viewer would show: strings as they are, numbers and booleans as
/// written, null empty, an element with attributes by its `#text`, anything else as JSON.
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(map) => match map.get("#text") {
            Some(t) => text(t),
            None => v.to_string(),
        },
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ed(v: Value) -> Vec<Item> {
        let mut out = Vec::new();
        event_data(&v, &mut out);
        out
    }

    fn ud(v: Value) -> Vec<Item> {
        let mut out = Vec::new();
        user_data(&v, &mut out);
        out
    }

    fn n(name: &str, v: &str) -> Item {
        (Some(name.into()), v.into())
    }

    fn u(v: &str) -> Item {
        (None, v.into())
    }

    #[test]
    fn classic_unnamed_data_in_every_shape() {
        assert_eq!(
            ed(json!({"Data":{"#text":["gw01","5723",""]}})),
            vec![u("gw01"), u("5723"), u("")]
        );
        assert_eq!(ed(json!({"Data":{"#text":"one"}})), vec![u("one")]);
        assert_eq!(ed(json!({"Data":"bare"})), vec![u("bare")]);
        assert_eq!(ed(json!({"Data":["a","b"]})), vec![u("a"), u("b")]);
        assert_eq!(
            ed(json!({"Data":{"#text":["x"]},"Binary":"E107"})),
            vec![u("x"), n("Binary", "E107")]
        );
        assert_eq!(ed(json!(null)), vec![]);
        assert_eq!(ed(json!("loose")), vec![u("loose")]);
    }

    #[test]
    fn named_data_in_every_shape() {
        assert_eq!(
            ed(
                json!({"#attributes":{"Name":"TMP"},"SubjectUserSid":"S-1-5-18","LogonType":2,"Ok":true,"Gone":null})
            ),
            vec![
                n("SubjectUserSid", "S-1-5-18"),
                n("LogonType", "2"),
                n("Ok", "true"),
                n("Gone", "")
            ]
        );
        assert_eq!(
            ed(
                json!({"Data":[{"#attributes":{"Name":"A"},"#text":"1"},{"#attributes":{"Name":"B"}},{"#text":"c"}]})
            ),
            vec![n("A", "1"), n("B", ""), u("c")]
        );
        assert_eq!(
            ed(json!({"Data":{"#attributes":{"Name":"Only"},"#text":5}})),
            vec![n("Only", "5")]
        );
        // separate_json_attributes shape
        assert_eq!(
            ed(json!({"Data_attributes":{"Name":"A"},"Data":"1"})),
            vec![n("A", "1")]
        );
    }

    #[test]
    fn repeated_names_lose_the_crates_suffix() {
        assert_eq!(
            ed(json!({"LogonGuid":"{0}","User":"x","LogonGuid_1":"{1}","Name_2":"y"})),
            vec![
                n("LogonGuid", "{0}"),
                n("User", "x"),
                n("LogonGuid", "{1}"),
                n("Name_2", "y")
            ]
        );
        assert_eq!(ed(json!({"P":["a","b"]})), vec![n("P", "a"), n("P", "b")]);
    }

    #[test]
    fn user_data_leaves_in_order_with_element_names() {
        assert_eq!(
            ud(
                json!({"UMDFReflectorDependencyMissing":{"#attributes":{"xmlns":"http://x"},"Dependency":"WUDFPf"}})
            ),
            vec![n("Dependency", "WUDFPf")]
        );
        assert_eq!(
            ud(
                json!({"CertVerify":{"Certificate":{"#attributes":{"fileRef":"A.cer","subjectName":"CA"}},"Result":{"#attributes":{"value":"0"},"#text":"ok"},"Empty":null,"List":{"Item":["1","2"]}}})
            ),
            vec![
                n("Certificate/@fileRef", "A.cer"),
                n("Certificate/@subjectName", "CA"),
                n("Result/@value", "0"),
                n("Result", "ok"),
                n("Empty", ""),
                n("Item", "1"),
                n("Item", "2"),
            ]
        );
        assert_eq!(ud(json!("text")), vec![u("text")]);
        assert_eq!(ud(json!(null)), vec![]);
    }

    #[test]
    fn odd_values_become_text() {
        assert_eq!(text(&json!(1.5)), "1.5");
        assert_eq!(text(&json!([1, "a"])), "1, a");
        assert_eq!(text(&json!({"k":1})), "{\"k\":1}");
    }
}
