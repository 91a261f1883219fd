//! Event payloads (`EventData`, `UserData`, …) normalised to an ordered list of
//! `(optional name, text)`, read straight from the crate's JSON with [`super::scan`] (no
//! `serde_json::Value` tree).
//!
//! Shapes the `evtx` crate (0.15) renders, all handled:
//! - classic unnamed data: `"EventData":{"Data":{"#text":["a","b"]}}`, or `{"#text":"a"}` for
//!   one string, or a bare string;
//! - named data: `"EventData":{"SubjectUserSid":"S-1-5-18","LogonType":2}` (values may be
//!   numbers, booleans or null); a repeated name gets a `_1`, `_2`… suffix from the crate,
//!   which is removed again when the unsuffixed name is present;
//! - named data kept as elements: `"Data":[{"#attributes":{"Name":"n"},"#text":"v"}]`, and the
//!   `separate_json_attributes` form `"Data_attributes":{"Name":"n"},"Data":"v"`;
//! - `Binary` beside the data: reported as the item named `Binary` (hex text);
//! - `UserData` and other payload elements: leaf values in document order, named by their
//!   element; attributes as `Element/@attribute` (`xmlns` declarations dropped).

use super::scan::{self, Elements, Members};
use std::borrow::Cow;

/// One normalised data item.
pub(super) type Item = (Option<String>, String);

/// Where items go, and whether any of the JSON read was malformed.
pub(super) struct Sink<'o> {
    out: &'o mut Vec<Item>,
    /// Some JSON could not be walked; the items before that point are kept.
    pub(super) malformed: bool,
}

impl<'o> Sink<'o> {
    pub(super) fn new(out: &'o mut Vec<Item>) -> Self {
        Sink {
            out,
            malformed: false,
        }
    }

    fn push(&mut self, name: Option<&str>, text: String) {
        self.out.push((name.map(str::to_owned), text));
    }

    fn members<'a>(&mut self, raw: &'a [u8]) -> Vec<(&'a [u8], &'a [u8])> {
        let mut m = Members::of(raw);
        let members = m.by_ref().collect();
        self.malformed |= m.malformed;
        members
    }

    fn elements<'a>(&mut self, raw: &'a [u8]) -> Vec<&'a [u8]> {
        let mut e = Elements::of(raw);
        let elements = e.by_ref().collect();
        self.malformed |= e.malformed;
        elements
    }
}

fn is_object(raw: &[u8]) -> bool {
    raw.first() == Some(&b'{')
}

fn is_array(raw: &[u8]) -> bool {
    raw.first() == Some(&b'[')
}

/// Append the items of an `EventData` element's JSON value.
pub(super) fn event_data(raw: &[u8], sink: &mut Sink<'_>) {
    if raw == b"null" {
        return;
    }
    if !is_object(raw) {
        unnamed(raw, sink);
        return;
    }
    for (key, val) in sink.members(raw) {
        if is_attributes(key, val) {
            // EventData/@Name (a template name), not data.
            continue;
        }
        match key {
            b"Data" => {
                let separate_name = scan::path(raw, &[b"Data_attributes", b"Name"]);
                match separate_name {
                    Some(name) if !is_object(val) && !is_array(val) => {
                        sink.out.push((Some(text(name)), text(val)));
                    }
                    _ => data_element(val, sink),
                }
            }
            b"#text" => unnamed(val, sink),
            _ => {
                let key = scan::key_text(key);
                named(&base_name(raw, &key), val, sink);
            }
        }
    }
}

/// Append the leaves of a `UserData` (or any other payload) element's JSON value.
pub(super) fn user_data(raw: &[u8], sink: &mut Sink<'_>) {
    if raw != b"null" {
        flatten(None, raw, sink);
    }
}

/// `#attributes`, or `X_attributes` beside `X` (the crate's `separate_json_attributes`).
fn is_attributes(key: &[u8], val: &[u8]) -> bool {
    key == b"#attributes" || (key.ends_with(b"_attributes") && is_object(val))
}

/// The element name behind a key the crate suffixed with `_N` to keep repeated names apart:
/// `LogonGuid_1` is `LogonGuid` when the object also has `LogonGuid`.
fn base_name<'k>(object: &[u8], key: &'k str) -> Cow<'k, str> {
    if let Some((base, n)) = key.rsplit_once('_') {
        if !base.is_empty()
            && !n.is_empty()
            && n.bytes().all(|c| c.is_ascii_digit())
            && Members::of(object).any(|(k, _)| scan::key_text(k) == base)
        {
            return Cow::Borrowed(base);
        }
    }
    Cow::Borrowed(key)
}

/// The value of a `Data` member: unnamed text(s), or element(s) carrying `@Name`.
fn data_element(raw: &[u8], sink: &mut Sink<'_>) {
    if is_array(raw) {
        for item in sink.elements(raw) {
            data_element(item, sink);
        }
    } else if is_object(raw) {
        let name = scan::path(raw, &[b"#attributes", b"Name"]).map(text);
        match scan::member(raw, b"#text") {
            Some(texts) if is_array(texts) => {
                for t in sink.elements(texts) {
                    sink.out.push((name.clone(), text(t)));
                }
            }
            Some(t) => sink.out.push((name, text(t))),
            // An empty <Data Name="x"/>.
            None => sink.out.push((name, String::new())),
        }
    } else {
        sink.push(None, text(raw));
    }
}

fn unnamed(raw: &[u8], sink: &mut Sink<'_>) {
    named_or_not(None, raw, sink);
}

fn named_or_not(name: Option<&str>, raw: &[u8], sink: &mut Sink<'_>) {
    if is_array(raw) {
        for t in sink.elements(raw) {
            sink.push(name, text(t));
        }
    } else {
        sink.push(name, text(raw));
    }
}

fn named(name: &str, raw: &[u8], sink: &mut Sink<'_>) {
    if is_array(raw) {
        for item in sink.elements(raw) {
            named(name, item, sink);
        }
    } else if is_object(raw) && scan::member(raw, b"#text").is_none() {
        flatten(Some(name), raw, sink);
    } else {
        sink.push(Some(name), text(raw));
    }
}

/// Leaves in document order, each named by its element (attributes as `element/@name`).
fn flatten(name: Option<&str>, raw: &[u8], sink: &mut Sink<'_>) {
    if is_object(raw) {
        for (key, val) in sink.members(raw) {
            if is_attributes(key, val) {
                let key = scan::key_text(key);
                let element = if key == "#attributes" {
                    name.unwrap_or("")
                } else {
                    key.trim_end_matches("_attributes")
                };
                for (attr, av) in sink.members(val) {
                    let attr = scan::key_text(attr);
                    if attr == "xmlns" || attr.starts_with("xmlns:") {
                        continue;
                    }
                    sink.out
                        .push((Some(format!("{element}/@{attr}")), text(av)));
                }
            } else if key == b"#text" {
                named_or_not(name, val, sink);
            } else {
                let key = scan::key_text(key);
                flatten(Some(&base_name(raw, &key)), val, sink);
            }
        }
    } else if is_array(raw) {
        for item in sink.elements(raw) {
            flatten(name, item, sink);
        }
    } else {
        sink.push(name, text(raw));
    }
}

/// A value as the text Event Viewer would show: strings as they are, numbers and booleans as
/// written, null empty, an element with attributes by its `#text`, arrays joined with `, `,
/// anything else as its JSON.
pub(super) fn text(raw: &[u8]) -> String {
    match raw.first() {
        Some(b'"') => scan::string(raw)
            .map(Cow::into_owned)
            .unwrap_or_else(|| String::from_utf8_lossy(raw).into_owned()),
        Some(b'{') => match scan::member(raw, b"#text") {
            Some(t) => text(t),
            None => String::from_utf8_lossy(raw).into_owned(),
        },
        Some(b'[') => Elements::of(raw).map(text).collect::<Vec<_>>().join(", "),
        _ if raw == b"null" => String::new(),
        _ => String::from_utf8_lossy(raw).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn run(v: &Value, f: fn(&[u8], &mut Sink<'_>)) -> Vec<Item> {
        let raw = v.to_string();
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out);
        f(raw.as_bytes(), &mut sink);
        assert!(!sink.malformed, "{raw}");
        out
    }

    fn ed(v: Value) -> Vec<Item> {
        run(&v, event_data)
    }

    fn ud(v: Value) -> Vec<Item> {
        run(&v, user_data)
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
        assert_eq!(ed(json!(["p", 2])), vec![u("p"), u("2")]);
    }

    #[test]
    fn named_data_in_every_shape() {
        assert_eq!(
            ed(
                json!({"#attributes":{"Name":"TMP"},"SubjectUserSid":"S-1-5-18","LogonType":2,"Ok":true,"Gone":null,"Esc\"aped":"a\\b\n"})
            ),
            vec![
                n("SubjectUserSid", "S-1-5-18"),
                n("LogonType", "2"),
                n("Ok", "true"),
                n("Gone", ""),
                n("Esc\"aped", "a\\b\n"),
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
        assert_eq!(
            ed(json!({"Data":{"#attributes":{"Name":"Many"},"#text":["x","y"]}})),
            vec![n("Many", "x"), n("Many", "y")]
        );
        // separate_json_attributes shape
        assert_eq!(
            ed(json!({"Data_attributes":{"Name":"A"},"Data":"1"})),
            vec![n("A", "1")]
        );
        // A named value that is an element with children.
        assert_eq!(
            ed(json!({"Outer":{"Inner":"v","#attributes":{"k":"1"}}})),
            vec![n("Inner", "v"), n("Outer/@k", "1")]
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
                json!({"UMDFReflectorDependencyMissing":{"#attributes":{"xmlns":"http://x","xmlns:a":"y"},"Dependency":"WUDFPf"}})
            ),
            vec![n("Dependency", "WUDFPf")]
        );
        assert_eq!(
            ud(
                json!({"CertVerify":{"Certificate":{"#attributes":{"fileRef":"A.cer","subjectName":"CA"}},"Result":{"#attributes":{"value":"0"},"#text":"ok"},"Empty":null,"List":{"Item":["1","2"]},"Item_attributes":{"n":"3"}}})
            ),
            vec![
                n("Certificate/@fileRef", "A.cer"),
                n("Certificate/@subjectName", "CA"),
                n("Result/@value", "0"),
                n("Result", "ok"),
                n("Empty", ""),
                n("Item", "1"),
                n("Item", "2"),
                n("Item/@n", "3"),
            ]
        );
        assert_eq!(ud(json!("text")), vec![u("text")]);
        assert_eq!(ud(json!(null)), vec![]);
        assert_eq!(
            ud(json!({"W":{"#text":["a","b"]}})),
            vec![n("W", "a"), n("W", "b")]
        );
    }

    #[test]
    fn odd_values_become_text() {
        assert_eq!(text(b"1.5"), "1.5");
        assert_eq!(text(br#"[1,"a",null]"#), "1, a, ");
        assert_eq!(text(br#"{"k":1}"#), r#"{"k":1}"#);
        assert_eq!(text(br##"{"#text":"t"}"##), "t");
        assert_eq!(text(b"false"), "false");
    }

    #[test]
    fn malformed_json_keeps_what_was_read() {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out);
        event_data(br#"{"A":"1","B":"#, &mut sink);
        assert!(sink.malformed);
        assert_eq!(out, vec![n("A", "1")]);
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out);
        user_data(br#"{"W":{"x":[1,"#, &mut sink);
        assert!(sink.malformed);
    }
}
