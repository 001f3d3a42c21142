//! A borrowed JSON tree whose numbers stay the text they were written as.
//!
//! Only frames that already passed classification are parsed here, so errors are rare; the
//! depth limit still guards the stack against hostile input.

use std::borrow::Cow;

use super::cursor::string_close;

/// Deeper than this is refused, as serde_json does.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(&'a str),
    String(Str<'a>),
    Array(Vec<Value<'a>>),
    /// Members in the order they were written.
    Object(Vec<(Str<'a>, Value<'a>)>),
}

/// A JSON string's raw contents, between the quotes, escapes not yet decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Str<'a>(pub &'a str);

impl<'a> Str<'a> {
    pub fn decode(&self) -> Cow<'a, str> {
        if !self.0.contains('\\') {
            return Cow::Borrowed(self.0);
        }
        Cow::Owned(unescape(self.0))
    }

    fn is(&self, key: &str) -> bool {
        if self.0.contains('\\') {
            unescape(self.0) == key
        } else {
            self.0 == key
        }
    }
}

impl<'a> Value<'a> {
    /// The member `key` of an object (the last one, if repeated).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k.is(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a path of object keys.
    pub fn at(&self, path: &[&str]) -> Option<&Value<'a>> {
        path.iter().try_fold(self, |v, key| v.get(key))
    }

    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        match self {
            Value::String(s) => Some(s.decode()),
            _ => None,
        }
    }

    /// A string member, `None` when absent, not a string, or empty.
    pub fn str_at(&self, key: &str) -> Option<Cow<'a, str>> {
        self.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn as_number(&self) -> Option<&'a str> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
}

/// Parses one JSON value that fills `text` (whitespace around it allowed).
pub fn parse(text: &str) -> Result<Value<'_>, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.pos)
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Result<(), String> {
        if self.s.get(self.pos) == Some(&b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", b as char)))
        }
    }

    fn value(&mut self) -> Result<Value<'a>, String> {
        match self.s.get(self.pos) {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end")),
        }
    }

    fn nested(
        &mut self,
        f: fn(&mut Self) -> Result<Value<'a>, String>,
    ) -> Result<Value<'a>, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("nested more than {MAX_DEPTH} levels deep"));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn object(&mut self) -> Result<Value<'a>, String> {
        self.pos += 1;
        let mut members = Vec::new();
        self.ws();
        if self.s.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            members.push((key, self.value()?));
            self.ws();
            match self.s.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self) -> Result<Value<'a>, String> {
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.s.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn string(&mut self) -> Result<Str<'a>, String> {
        self.eat(b'"')?;
        let start = self.pos;
        let close = string_close(self.s, start).ok_or_else(|| self.error("unterminated string"))?;
        let raw = self
            .text
            .get(start..close)
            .ok_or_else(|| self.error("string cut inside a character"))?;
        self.pos = close + 1;
        if raw.bytes().any(|b| b < 0x20) {
            return Err(self.error("control character in string"));
        }
        Ok(Str(raw))
    }

    fn number(&mut self) -> Result<Value<'a>, String> {
        let start = self.pos;
        if self.s.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.s.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos > from
        };
        if !digits(self) {
            return Err(self.error("expected digits"));
        }
        if self.s.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error("expected digits after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.s.get(self.pos) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error("expected exponent digits"));
            }
        }
        self.text
            .get(start..self.pos)
            .map(Value::Number)
            .ok_or_else(|| self.error("bad number"))
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> Result<Value<'a>, String> {
        if self
            .s
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()))
        {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.error("expected a value"))
        }
    }
}

/// Decodes JSON string escapes; a lone surrogate becomes U+FFFD rather than an error.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hi = hex4(&mut chars);
                let code = match hi {
                    Some(h @ 0xD800..=0xDBFF) => {
                        let rest = chars.as_str();
                        if let Some(after) = rest.strip_prefix("\\u") {
                            let mut look = after.chars();
                            match hex4(&mut look) {
                                Some(lo @ 0xDC00..=0xDFFF) => {
                                    chars = look;
                                    Some(0x10000 + ((h - 0xD800) << 10) + (lo - 0xDC00))
                                }
                                _ => None,
                            }
                        } else {
                            None
                        }
                    }
                    other => other,
                };
                out.push(code.and_then(char::from_u32).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn hex4(chars: &mut std::str::Chars) -> Option<u32> {
    let mut v = 0;
    for _ in 0..4 {
        v = v * 16 + chars.next()?.to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_digits() {
        let v = parse(r#"{"a": 18446744073709551616, "b": 0.1000000000000000055511151231257827}"#)
            .unwrap();
        assert_eq!(
            v.get("a").unwrap().as_number(),
            Some("18446744073709551616")
        );
        assert_eq!(
            v.get("b").unwrap().as_number(),
            Some("0.1000000000000000055511151231257827")
        );
    }

    #[test]
    fn strings_decode_escapes_and_surrogates() {
        let v =
            parse(r#"["a\u0026b", "\ud83d\ude80", "\ud800x", "tab\there", "\u001b[31m"]"#).unwrap();
        let Value::Array(items) = v else { panic!() };
        let s: Vec<_> = items
            .iter()
            .map(|v| v.as_str().unwrap().into_owned())
            .collect();
        assert_eq!(s, ["a&b", "🚀", "\u{FFFD}x", "tab\there", "\u{1b}[31m"]);
    }

    #[test]
    fn keys_keep_their_order_and_escaped_keys_match() {
        let v = parse(r#"{"z":1,"a":2,"\u0069d":"x"}"#).unwrap();
        let Value::Object(m) = &v else { panic!() };
        assert_eq!(m[0].0 .0, "z");
        assert_eq!(v.str_at("id").as_deref(), Some("x"));
        assert_eq!(v.at(&["z"]).unwrap().as_number(), Some("1"));
    }

    #[test]
    fn rejects_broken_and_too_deep_input() {
        for bad in ["{", "[1,]", "{\"a\" 1}", "01x", "\"a\nb\"", "tru", "{} {}"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        for cut in [
            r#""\"#,
            r#"{"a":"\"#,
            r#"["\\\"#,
            "\"\\u00",
            "{\"obo\n \u{0}\\",
        ] {
            assert!(parse(cut).is_err(), "{cut}");
        }
        let frame = r#"{"a":"x\"\\","b":[-1.5e3,true,null,"\u00e9"]}"#;
        assert!(parse(frame).is_ok());
        for cut in 0..frame.len() {
            assert!(parse(&frame[..cut]).is_err(), "cut at {cut}");
        }
        let deep = "[".repeat(129) + &"]".repeat(129);
        assert!(parse(&deep).unwrap_err().contains("nested"));
        let ok = "[".repeat(128) + &"]".repeat(128);
        assert!(parse(&ok).is_ok());
    }
}
