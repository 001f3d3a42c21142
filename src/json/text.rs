//! Re-prints a frame's own JSON text, compact or indented, without parsing it into values.
//!
//! Numbers, escapes and key order pass through byte for byte. The one change made inside
//! strings is turning what `sanitize` escapes (controls, bidi and invisible characters, the
//! marks past the first few of a run) into `\uXXXX` escapes: the same JSON value, but nothing
//! a terminal would obey or draw over other lines. Input must be valid JSON (the
//! classifier has checked it).

use super::cursor::string_close;
use crate::sanitize::{class, is_printable_ascii, Class, MarkRun};
use crate::style::{Json, Palette};

/// Writes `text` with all insignificant whitespace removed.
pub fn write_compact(out: &mut Vec<u8>, text: &[u8]) {
    // Newline, tab and CR are not printable: one check covers them and every control.
    if memchr::memchr(b' ', text).is_none() && is_printable_ascii(text) {
        out.extend_from_slice(text);
        return;
    }
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        match b {
            b'"' => {
                let end = string_end(text, i);
                write_string_token(out, text.get(i..end).unwrap_or_default());
                i = end;
            }
            b' ' | b'\n' | b'\r' | b'\t' => i += 1,
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// Levels deeper than this are written compact: indenting a hostile frame nested 100k levels
/// deep would take gigabytes.
const MAX_INDENT_DEPTH: usize = 128;

/// Writes `text` indented by two spaces per level, as `jq .` does, colored by `p`.
pub fn write_indented(out: &mut Vec<u8>, text: &[u8], p: &Palette) {
    // The containers the text is in (`Json::Object` or `Json::Array`).
    let mut stack: Vec<Json> = Vec::new();
    let mut expect_key = false;
    let mut i = 0;
    // `inside` is the depth of the container the break is in: only those up to the limit
    // are laid out over several lines.
    let newline = |out: &mut Vec<u8>, inside: usize, depth: usize| {
        if inside <= MAX_INDENT_DEPTH {
            out.push(b'\n');
            out.resize(out.len() + depth * 2, b' ');
        }
    };
    while i < text.len() {
        let b = text[i];
        match b {
            b' ' | b'\n' | b'\r' | b'\t' => {
                i += 1;
                continue;
            }
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                let next = next_significant(text, i + 1);
                let color = p.json(container(b));
                paint(out, color, &[b], p);
                if text.get(next) == Some(&close) {
                    paint(out, color, &[close], p);
                    i = next + 1;
                    expect_key = false;
                    continue;
                }
                stack.push(container(b));
                expect_key = b == b'{';
                newline(out, stack.len(), stack.len());
            }
            b'}' | b']' => {
                let inside = stack.len();
                stack.pop();
                newline(out, inside, stack.len());
                paint(out, p.json(container(b)), &[b], p);
            }
            b',' => {
                let inside = stack.last().copied().unwrap_or(Json::Object);
                paint(out, p.json(inside), b",", p);
                newline(out, stack.len(), stack.len());
                expect_key = stack.last() == Some(&Json::Object);
            }
            b':' => {
                paint(out, p.json(Json::Object), b":", p);
                out.push(b' ');
            }
            b'"' => {
                let end = string_end(text, i);
                out.extend_from_slice(
                    p.json(if expect_key { Json::Key } else { Json::String })
                        .as_bytes(),
                );
                write_string_token(out, text.get(i..end).unwrap_or_default());
                out.extend_from_slice(p.reset.as_bytes());
                expect_key = false;
                i = end;
                continue;
            }
            _ => {
                let end = text[i..]
                    .iter()
                    .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                    .map_or(text.len(), |n| i + n);
                let token = text.get(i..end).unwrap_or_default();
                paint(out, p.json(scalar(token)), token, p);
                i = end;
                continue;
            }
        }
        i += 1;
    }
}

/// The color of a bracket, and of the commas and colons inside it: its container's, as jq.
fn container(bracket: u8) -> Json {
    if matches!(bracket, b'{' | b'}') {
        Json::Object
    } else {
        Json::Array
    }
}

/// The color of a token that is not a string: null, true, false or a number.
fn scalar(token: &[u8]) -> Json {
    match token.first() {
        Some(b'n') => Json::Null,
        Some(b't') => Json::True,
        Some(b'f') => Json::False,
        _ => Json::Number,
    }
}

fn paint(out: &mut Vec<u8>, color: &str, bytes: &[u8], p: &Palette) {
    out.extend_from_slice(color.as_bytes());
    out.extend_from_slice(bytes);
    out.extend_from_slice(p.reset.as_bytes());
}

fn next_significant(text: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = text.get(i) {
        i += 1;
    }
    i
}

/// Index just past the closing quote of the string token starting at `start`, or the end
/// of `text` for a string cut short.
fn string_end(text: &[u8], start: usize) -> usize {
    string_close(text, start + 1).map_or(text.len(), |close| close + 1)
}

/// Copies a string token (quotes included), escaping characters a terminal would obey.
fn write_string_token(out: &mut Vec<u8>, token: &[u8]) {
    if is_printable_ascii(token) {
        out.extend_from_slice(token);
        return;
    }
    let text = String::from_utf8_lossy(token);
    let mut buf = [0u8; 4];
    let mut marks = MarkRun::default();
    for c in text.chars() {
        let class = class(c);
        if marks.too_long(class) || class == Class::Unsafe {
            push_u_escape(out, c);
        } else {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

fn push_u_escape(out: &mut Vec<u8>, c: char) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
    }
}

/// Writes `s` as a JSON string literal, escaping controls and unsafe characters.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let mut buf = [0u8; 4];
    let mut marks = MarkRun::default();
    for c in s.chars() {
        let class = class(c);
        if marks.too_long(class) {
            push_u_escape(out, c);
            continue;
        }
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if class == Class::Unsafe => push_u_escape(out, c),
            c => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(s: &str) -> String {
        let mut out = Vec::new();
        write_compact(&mut out, s.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn compact_keeps_digits_escapes_and_order() {
        let pretty = "{\n    \"z\": 18446744073709551616,\n    \"a\": [ 0.1000000000000000055511151231257827, \"x y\\u003c\" ]\n}";
        assert_eq!(
            compact(pretty),
            r#"{"z":18446744073709551616,"a":[0.1000000000000000055511151231257827,"x y\u003c"]}"#
        );
        assert_eq!(compact(r#"{"a":"\"} {"}"#), r#"{"a":"\"} {"}"#);
    }

    #[test]
    fn compact_escapes_what_a_terminal_would_obey() {
        let out = compact("{\"a\": \"x\u{9b}y\u{202e}z\u{7f}é\"}");
        assert_eq!(out, r#"{"a":"x\u009by\u202ez\u007fé"}"#);
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["a"], "x\u{9b}y\u{202e}z\u{7f}é");
    }

    /// Input is meant to be valid, but a cut or hostile text must neither panic nor let a
    /// raw control through.
    #[test]
    fn cut_and_hostile_text_is_written_safely() {
        let frame = "{\"a\": \"x\\\"y\\\\\", \"b\": [1, \"\\u0041\"]}";
        for cut in 0..=frame.len() {
            let text = &frame.as_bytes()[..cut];
            let mut out = Vec::new();
            write_compact(&mut out, text);
            write_indented(&mut out, text, &Palette::ansi());
        }
        for text in [&b"\"\\"[..], b"{\"a\":\"\\", b"[\"\\\\\\"] {
            let mut out = Vec::new();
            write_compact(&mut out, text);
            write_indented(&mut out, text, &Palette::plain());
        }
        let hostile = b"{\"a\":\"\x1b]52;c;eA==\x07\x1b[2J\"}";
        let mut out = Vec::new();
        write_compact(&mut out, hostile);
        assert_eq!(out, br#"{"a":"\u001b]52;c;eA==\u0007\u001b[2J"}"#);
        out.clear();
        write_indented(&mut out, hostile, &Palette::plain());
        assert!(!out.iter().any(|&b| b < 0x20 && b != b'\n'), "{out:?}");
    }

    #[test]
    fn indented_matches_jq_layout() {
        let mut out = Vec::new();
        write_indented(
            &mut out,
            br#"{"a":[1,{"b":null}],"c":{},"d":[]}"#,
            &Palette::plain(),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {},\n  \"d\": []\n}"
        );
    }

    #[test]
    fn indented_output_of_a_deep_frame_stays_linear() {
        // A hostile frame 100k levels deep would need gigabytes of indentation.
        let depth = 5_000;
        let text = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let mut out = Vec::new();
        write_indented(&mut out, text.as_bytes(), &Palette::plain());
        assert!(out.len() < 100_000, "{} bytes", out.len());
        assert!(out.starts_with(b"[\n  [\n    ["));
        let compact: Vec<u8> = out
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        assert_eq!(compact, text.as_bytes());
    }

    #[test]
    fn indented_colors_keys_and_strings_differently() {
        let mut out = Vec::new();
        write_indented(&mut out, br#"{"k":"v"}"#, &Palette::ansi());
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("\x1b[34;1m\"k\""));
        assert!(s.contains("\x1b[0;32m\"v\""));
    }

    #[test]
    fn write_str_makes_valid_safe_json() {
        let mut out = Vec::new();
        write_str(&mut out, "a\"b\\c\n\u{1b}[0m\u{2028}");
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s, r#""a\"b\\c\n\u001b[0m\u2028""#);
    }
}
