//! A minimal, allocation-free walker over the compact JSON that the `evtx` crate renders.
//!
//! It finds members of objects and the byte span of their values without building a
//! `serde_json::Value`, so the hot path (provider and event id of every record) never allocates
//! for records the caller filters out. It trusts nothing: every index is checked, malformed
//! input gives `None`.

use std::borrow::Cow;

/// Index of the first non-whitespace byte at or after `i`.
pub(super) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        i += 1;
    }
    i
}

/// Bit 7 of each byte of the result is set where a byte of `word` equals `byte`
/// ("has zero byte" trick, exact for the lowest match; enough to stop at the right word).
fn bytes_equal(word: u64, byte: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Index of the first `"` or `\\` in `s`, 8 bytes at a time (strings are most of a record).
fn find_quote_or_backslash(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(word) = s.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let word = u64::from_le_bytes(word);
        if bytes_equal(word, b'"') | bytes_equal(word, b'\\') != 0 {
            break;
        }
        i += 8;
    }
    s.get(i..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|p| p + i)
}

/// `i` is at an opening quote; returns the index just past the closing quote.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i.checked_add(1)?;
    loop {
        j += find_quote_or_backslash(b.get(j..)?)?;
        match b.get(j)? {
            b'"' => return Some(j + 1),
            _ => j += 2, // a backslash and the byte it escapes
        }
    }
}

/// `i` is at the first byte of a value; returns the index just past it.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&c) = b.get(j) {
                match c {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while let Some(c) = b.get(j) {
                if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                    break;
                }
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// The members of one JSON object, in order: `(raw key, raw value)`. The key is the bytes
/// between its quotes (escapes left as they are); the value is its whole JSON text.
pub(super) struct Members<'a> {
    b: &'a [u8],
    i: usize,
    first: bool,
    done: bool,
    /// Set when the walk stopped on malformed JSON rather than at the closing brace.
    pub(super) malformed: bool,
}

impl<'a> Members<'a> {
    /// Members of the object whose `{` is at `start` of `b` (a value span or a whole document).
    pub(super) fn new(b: &'a [u8], start: usize) -> Self {
        let start = skip_ws(b, start);
        let ok = b.get(start) == Some(&b'{');
        Members {
            b,
            i: start + 1,
            first: true,
            done: !ok,
            malformed: !ok,
        }
    }

    /// Members of the object that `raw` holds.
    pub(super) fn of(raw: &'a [u8]) -> Self {
        Self::new(raw, 0)
    }

    /// Carry on with the members after the one whose value ends at `after` (an index from
    /// [`Members::position`]).
    pub(super) fn resume(b: &'a [u8], after: usize) -> Self {
        Members {
            b,
            i: after,
            first: false,
            done: false,
            malformed: false,
        }
    }

    /// Index just past the value of the member yielded last, or past the closing brace once
    /// the members are exhausted.
    pub(super) fn position(&self) -> usize {
        self.i
    }

    fn fail(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        self.done = true;
        self.malformed = true;
        None
    }

    /// The next member's key and the index where its value starts, without finding the
    /// value's end.
    fn next_key(&mut self) -> Option<(&'a [u8], usize)> {
        if self.done {
            return None;
        }
        let b = self.b;
        let mut i = skip_ws(b, self.i);
        match b.get(i) {
            Some(b'}') => {
                self.done = true;
                self.i = i + 1;
                return None;
            }
            Some(b',') if !self.first => i = skip_ws(b, i + 1),
            Some(b'"') if self.first => {}
            _ => {
                self.fail();
                return None;
            }
        }
        self.first = false;
        if b.get(i) != Some(&b'"') {
            self.fail();
            return None;
        }
        let Some(key_end) = string_end(b, i) else {
            self.fail();
            return None;
        };
        let key = &b[i + 1..key_end - 1];
        let colon = skip_ws(b, key_end);
        if b.get(colon) != Some(&b':') {
            self.fail();
            return None;
        }
        Some((key, skip_ws(b, colon + 1)))
    }

    /// Where the value of member `key` starts, skipping (not decoding) the members before it.
    /// Use on the outer objects of a record, whose values can be large.
    pub(super) fn find_start(mut self, key: &[u8]) -> Option<usize> {
        while let Some((k, start)) = self.next_key() {
            if k == key {
                return Some(start);
            }
            let end = value_end(self.b, start)?;
            self.i = end;
        }
        None
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (key, start) = self.next_key()?;
        let Some(end) = value_end(self.b, start) else {
            return self.fail();
        };
        self.i = end;
        Some((key, &self.b[start..end]))
    }
}

/// The elements of one JSON array, in order, as raw values.
pub(super) struct Elements<'a> {
    b: &'a [u8],
    i: usize,
    first: bool,
    done: bool,
    /// Set when the walk stopped on malformed JSON rather than at the closing bracket.
    pub(super) malformed: bool,
}

impl<'a> Elements<'a> {
    /// Elements of the array that `raw` holds.
    pub(super) fn of(raw: &'a [u8]) -> Self {
        let start = skip_ws(raw, 0);
        let ok = raw.get(start) == Some(&b'[');
        Elements {
            b: raw,
            i: start + 1,
            first: true,
            done: !ok,
            malformed: !ok,
        }
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.done {
            return None;
        }
        let b = self.b;
        let mut i = skip_ws(b, self.i);
        match b.get(i) {
            Some(b']') => {
                self.done = true;
                return None;
            }
            Some(b',') if !self.first => i = skip_ws(b, i + 1),
            Some(_) if self.first => {}
            _ => {
                self.done = true;
                self.malformed = true;
                return None;
            }
        }
        self.first = false;
        let Some(end) = value_end(b, i) else {
            self.done = true;
            self.malformed = true;
            return None;
        };
        self.i = end;
        Some(&b[i..end])
    }
}

/// The raw value of member `key` of the object `raw`.
pub(super) fn member<'a>(raw: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    Members::of(raw).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// The raw value at `path` (member keys) from the object `raw`.
pub(super) fn path<'a>(raw: &'a [u8], keys: &[&[u8]]) -> Option<&'a [u8]> {
    keys.iter().try_fold(raw, |raw, key| member(raw, key))
}

/// A JSON string value as text (`None` for anything but a string). Borrowed when it has no
/// escapes, which is nearly always.
pub(super) fn string(raw: &[u8]) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if !inner.contains(&b'\\') {
        return std::str::from_utf8(inner).ok().map(Cow::Borrowed);
    }
    serde_json::from_slice::<String>(raw).ok().map(Cow::Owned)
}

/// The text of a member key as [`Members`] yields it (between the quotes, escapes as written).
pub(super) fn key_text(key: &[u8]) -> Cow<'_, str> {
    if !key.contains(&b'\\') {
        if let Ok(text) = std::str::from_utf8(key) {
            return Cow::Borrowed(text);
        }
    }
    let mut quoted = Vec::with_capacity(key.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(key);
    quoted.push(b'"');
    match serde_json::from_slice::<String>(&quoted) {
        Ok(text) => Cow::Owned(text),
        Err(_) => Cow::Owned(String::from_utf8_lossy(key).into_owned()),
    }
}

/// A JSON value as text: strings decoded, numbers and literals as written, `null` empty.
/// Objects and arrays give `None`.
pub(super) fn scalar_text(raw: &[u8]) -> Option<Cow<'_, str>> {
    match raw.first()? {
        b'"' => string(raw),
        b'{' | b'[' => None,
        _ if raw == b"null" => Some(Cow::Borrowed("")),
        _ => std::str::from_utf8(raw).ok().map(Cow::Borrowed),
    }
}

/// An unsigned integer written as a JSON number, a decimal string or a `0x` hex string.
pub(super) fn unsigned(raw: &[u8]) -> Option<u64> {
    let text = scalar_text(raw)?;
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_members_in_order_and_skips_nested_values() {
        let doc = br##"{"a":{"x":[1,{"y":"}"}]},"b" : "q\"uote", "c":12,"d":null}"##;
        let members: Vec<_> = Members::of(doc).collect();
        let keys: Vec<&[u8]> = members.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, vec![&b"a"[..], b"b", b"c", b"d"]);
        assert_eq!(members[0].1, br##"{"x":[1,{"y":"}"}]}"##);
        assert_eq!(string(members[1].1).as_deref(), Some("q\"uote"));
        assert_eq!(unsigned(members[2].1), Some(12));
        assert_eq!(scalar_text(members[3].1).as_deref(), Some(""));
    }

    #[test]
    fn finds_a_member_without_reading_it() {
        // The outer object is never closed: finding a member does not need its end.
        let doc = br##"{"skip":{"deep":[1,"]"]},"want":{"k":1}"##;
        let start = Members::of(doc).find_start(b"want");
        let want = doc.len() - br##"{"k":1}"##.len();
        assert_eq!(start, Some(want));
        assert_eq!(path(&doc[want..], &[b"k"]), Some(&b"1"[..]));
        assert_eq!(Members::of(doc).find_start(b"absent"), None);
    }

    #[test]
    fn malformed_input_stops_cleanly() {
        for doc in [
            &b""[..],
            b"[1]",
            b"{",
            b"{\"a\"",
            b"{\"a\":",
            b"{\"a\":1,}",
            b"{\"a\" 1}",
            b"{\"a\":\"x",
            b"{\"a\":]}",
        ] {
            let mut m = Members::of(doc);
            while m.next().is_some() {}
            assert!(m.malformed, "{:?}", String::from_utf8_lossy(doc));
        }
    }

    #[test]
    fn strings_with_escapes_at_every_alignment() {
        for pad in 0..20 {
            let text = format!("{}a\\\"b\\\\{}", "x".repeat(pad), "y".repeat(pad));
            let doc = format!("{{\"k\":\"{text}\",\"n\":1}}");
            let m: Vec<_> = Members::of(doc.as_bytes()).collect();
            assert_eq!(m.len(), 2, "{doc}");
            let want = format!("{}a\"b\\{}", "x".repeat(pad), "y".repeat(pad));
            assert_eq!(string(m[0].1).as_deref(), Some(want.as_str()));
        }
        assert_eq!(key_text(br"a\u00e9"), "a\u{e9}");
        assert_eq!(key_text(b"plain"), "plain");
    }

    #[test]
    fn walks_arrays() {
        let a: Vec<_> = Elements::of(br#"[ "a,]" , {"k":[1]} ,null,[2,3]]"#).collect();
        assert_eq!(
            a,
            vec![&br#""a,]""#[..], br#"{"k":[1]}"#, b"null", b"[2,3]"]
        );
        assert_eq!(Elements::of(b"[]").count(), 0);
        for bad in [&b"["[..], b"[1,", b"[,1]", b"{}", b"[1 2]"] {
            let mut e = Elements::of(bad);
            while e.next().is_some() {}
            assert!(e.malformed, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn numbers_in_every_shape() {
        assert_eq!(unsigned(b"7036"), Some(7036));
        assert_eq!(unsigned(b"\"16384\""), Some(16384));
        assert_eq!(
            unsigned(b"\"0x8020000000000000\""),
            Some(0x8020_0000_0000_0000)
        );
        assert_eq!(unsigned(b"-1"), None);
        assert_eq!(unsigned(b"1.5"), None);
        assert_eq!(unsigned(b"{}"), None);
        assert_eq!(unsigned(b"\"\""), None);
    }
}
