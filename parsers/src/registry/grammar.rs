//! The value-line grammar, written with nom 8 combinators.
//!
//! A value line (after `\` continuations have been joined, and with any raw
//! line breaks of a multi-line quoted string kept) is:
//!
//! ```text
//! value  = name ws* "=" ws* data
//! name   = "@" | quoted
//! data   = "-" | quoted | "dword:" hex{1,8} | "hex" ["(" hex{1,8} ")"] ":" bytes
//! bytes  = [byte ("," byte)*] [","]       byte = hex{1,2}, spaces allowed around ","
//! quoted = '"' (text | "\\" | "\"" | "\" other)* '"'
//! ```
//!
//! followed by optional spaces and an optional `;` comment. Keywords are
//! case-insensitive. Inside quotes `\\` is a backslash and `\"` a quote; any
//! other backslash is kept as written (hand-edited files often hold
//! `C:\Windows` with single backslashes).

use nom::branch::alt;
use nom::bytes::complete::{is_not, tag_no_case, take_while_m_n};
use nom::character::complete::{char, hex_digit1, multispace0, space0};
use nom::combinator::{cut, eof, map, map_res, opt, rest, success, value, verify};
use nom::error::{context, ContextError, ErrorKind, FromExternalError, ParseError};
use nom::multi::{fold_many0, separated_list0};
use nom::sequence::{preceded, terminated};
use nom::{IResult, Parser};

/// A value as written, before the `hex(N)` type number is interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RawData {
    /// `-`
    Delete,
    /// `"text"`
    Str(String),
    /// `dword:`
    Dword(u32),
    /// `hex:` (`kind` = `None`) or `hex(N):`.
    Hex { kind: Option<u32>, bytes: Vec<u8> },
}

/// A parsed value line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawValue {
    /// `None` for `@`.
    pub name: Option<String>,
    pub data: RawData,
}

/// Why a value line does not parse: where, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mistake {
    /// Byte offset in the logical line.
    pub offset: usize,
    /// One-line description.
    pub message: String,
}

/// nom error type: the remaining input where parsing stopped and the
/// innermost description of what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GrammarError<'a> {
    at: &'a str,
    expected: Option<&'static str>,
}

impl<'a> ParseError<&'a str> for GrammarError<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        GrammarError {
            at: input,
            expected: None,
        }
    }
    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

impl<'a> ContextError<&'a str> for GrammarError<'a> {
    fn add_context(_input: &'a str, ctx: &'static str, mut other: Self) -> Self {
        // The innermost context is the most specific one: keep it.
        other.expected.get_or_insert(ctx);
        other
    }
}

impl<'a, E> FromExternalError<&'a str, E> for GrammarError<'a> {
    fn from_external_error(input: &'a str, kind: ErrorKind, _e: E) -> Self {
        Self::from_error_kind(input, kind)
    }
}

type PResult<'a, O> = IResult<&'a str, O, GrammarError<'a>>;

/// Parse one logical value line.
pub(super) fn value_line(input: &str) -> Result<RawValue, Mistake> {
    match (value_head, data).parse(input) {
        Ok((_, (name, data))) => Ok(RawValue { name, data }),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(Mistake {
            offset: input.len().saturating_sub(e.at.len()),
            message: describe(&e),
        }),
        // Only streaming parsers return Incomplete; all parsers here are complete.
        Err(nom::Err::Incomplete(_)) => Err(Mistake {
            offset: input.len(),
            message: "value line ends too early".to_owned(),
        }),
    }
}

/// Parse `name =` at the start of a value line. Returns the rest (the data)
/// and the name; used to find where the data starts before the whole logical
/// line is assembled.
pub(super) fn value_head(input: &str) -> PResult<'_, Option<String>> {
    terminated(
        context("a value name in quotes (\"name\") or @", name),
        (
            space0,
            context("'=' after the value name", char('=')),
            space0,
        ),
    )
    .parse(input)
}

fn describe(e: &GrammarError<'_>) -> String {
    let expected = e.expected.unwrap_or("valid value syntax");
    let first_line = e.at.lines().next().unwrap_or("");
    if first_line.trim().is_empty() {
        return format!("expected {expected}, found the end of the line");
    }
    const MAX: usize = 40;
    let shown: String = first_line.chars().take(MAX).collect();
    let ellipsis = if first_line.chars().nth(MAX).is_some() {
        "…"
    } else {
        ""
    };
    format!(
        "expected {expected}, found \"{}{ellipsis}\"",
        shown.escape_debug()
    )
}

fn name(input: &str) -> PResult<'_, Option<String>> {
    alt((value(None, char('@')), map(quoted, Some))).parse(input)
}

/// `"…"` with escapes resolved. Once the opening quote is seen, a missing
/// closing quote is a hard failure.
fn quoted(input: &str) -> PResult<'_, String> {
    preceded(
        char('"'),
        cut(terminated(
            string_body,
            context("a closing quote '\"'", char('"')),
        )),
    )
    .parse(input)
}

fn string_body(input: &str) -> PResult<'_, String> {
    fold_many0(
        alt((is_not("\\\""), escape)),
        String::new,
        |mut acc: String, piece: &str| {
            acc.push_str(piece);
            acc
        },
    )
    .parse(input)
}

fn escape(input: &str) -> PResult<'_, &str> {
    preceded(
        char('\\'),
        alt((
            value("\\", char('\\')),
            value("\"", char('"')),
            // Any other backslash stands for itself.
            success("\\"),
        )),
    )
    .parse(input)
}

/// Spaces, an optional `;` comment, end of input.
fn end_of_data(input: &str) -> PResult<'_, ()> {
    value((), (multispace0, opt(preceded(char(';'), rest)), eof)).parse(input)
}

fn data(input: &str) -> PResult<'_, RawData> {
    context(
        "value data: \"text\", dword:, hex:, hex(N): or -",
        alt((delete, string_data, dword, hex)),
    )
    .parse(input)
}

fn delete(input: &str) -> PResult<'_, RawData> {
    preceded(
        char('-'),
        cut(value(
            RawData::Delete,
            context("the end of the line after '-'", end_of_data),
        )),
    )
    .parse(input)
}

fn string_data(input: &str) -> PResult<'_, RawData> {
    terminated(
        map(quoted, RawData::Str),
        cut(context(
            "the end of the line after the closing quote",
            end_of_data,
        )),
    )
    .parse(input)
}

fn dword(input: &str) -> PResult<'_, RawData> {
    preceded(
        (tag_no_case("dword:"), space0),
        cut(terminated(
            context(
                "1 to 8 hex digits after dword: (a DWORD is 32 bits)",
                map_res(verify(hex_digit1, |d: &str| d.len() <= 8), |d: &str| {
                    u32::from_str_radix(d, 16).map(RawData::Dword)
                }),
            ),
            context("the end of the line after the dword digits", end_of_data),
        )),
    )
    .parse(input)
}

fn hex(input: &str) -> PResult<'_, RawData> {
    let type_number = map_res(take_while_m_n(1, 8, |c: char| c.is_ascii_hexdigit()), |d| {
        u32::from_str_radix(d, 16)
    });
    let kind = opt(preceded(
        char('('),
        cut(terminated(
            context("a type number of 1 to 8 hex digits in hex(N)", type_number),
            context("')' after the type number", char(')')),
        )),
    ));
    preceded(
        tag_no_case("hex"),
        cut(map(
            (
                kind,
                context("':' after hex or hex(N)", char(':')),
                space0,
                terminated(
                    byte_list,
                    context(
                        "hex bytes (two hex digits each, separated by commas)",
                        end_of_data,
                    ),
                ),
            ),
            |(kind, _, _, bytes)| RawData::Hex { kind, bytes },
        )),
    )
    .parse(input)
}

fn byte_list(input: &str) -> PResult<'_, Vec<u8>> {
    let separator = || (space0, char(','), space0);
    let byte = map_res(
        take_while_m_n(1, 2, |c: char| c.is_ascii_hexdigit()),
        |d: &str| u8::from_str_radix(d, 16),
    );
    terminated(separated_list0(separator(), byte), opt(separator())).parse(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> RawValue {
        match value_line(s) {
            Ok(v) => v,
            Err(m) => panic!("{s:?}: {m:?}"),
        }
    }

    #[test]
    fn forms() {
        assert_eq!(
            ok(r#""a"="x\\y\"z\q""#).data,
            RawData::Str(r#"x\y"z\q"#.into())
        );
        assert_eq!(ok(r#"@="d""#).name, None);
        assert_eq!(ok(r#""a"=dword:0000157b"#).data, RawData::Dword(5499));
        assert_eq!(ok(r#""a"=DWORD:ffffffff"#).data, RawData::Dword(u32::MAX));
        assert_eq!(
            ok(r#""a"=hex:08,00 , 4A,"#).data,
            RawData::Hex {
                kind: None,
                bytes: vec![8, 0, 0x4a]
            }
        );
        assert_eq!(
            ok(r#""a"=hex(0):"#).data,
            RawData::Hex {
                kind: Some(0),
                bytes: vec![]
            }
        );
        assert_eq!(
            ok(r#""a"=hex(b):01,00,00,00,00,00,00,00 ; comment"#).data,
            RawData::Hex {
                kind: Some(11),
                bytes: vec![1, 0, 0, 0, 0, 0, 0, 0]
            }
        );
        assert_eq!(ok(r#""a" = -"#).data, RawData::Delete);
        assert_eq!(
            ok("\"a\"=\"line1\r\nline2\"").data,
            RawData::Str("line1\r\nline2".into())
        );
    }

    #[test]
    fn mistakes_say_what_was_expected() {
        let m = value_line(r#""dword"=dword:12345678901234"#).unwrap_err();
        assert!(m.message.contains("1 to 8 hex digits"), "{m:?}");
        assert_eq!(m.offset, 14);
        let m = value_line(r#""a"=hex:01,zz,02"#).unwrap_err();
        assert!(m.message.contains("hex bytes"), "{m:?}");
        assert!(m.message.contains("\"zz,02\""), "{m:?}");
        let m = value_line(r#""a"=hex(2:00"#).unwrap_err();
        assert!(m.message.contains("')'"), "{m:?}");
        let m = value_line(r#""a"=qword:1"#).unwrap_err();
        assert!(m.message.contains("value data"), "{m:?}");
        let m = value_line(r#""a"="open"#).unwrap_err();
        assert!(m.message.contains("closing quote"), "{m:?}");
        let m = value_line(r#""a" "b""#).unwrap_err();
        assert!(m.message.contains("'='"), "{m:?}");
        let m = value_line(r#""a"="b" junk"#).unwrap_err();
        assert!(m.message.contains("after the closing quote"), "{m:?}");
    }
}
