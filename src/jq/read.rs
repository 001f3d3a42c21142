//! The one validating reader in front of the jq stage: reads a frame's JSON text into jaq's
//! value, and refuses whatever JSON refuses (raw control characters in strings, `01`, `1e+-5`,
//! `\u+04F`, bad UTF-8, anything after the value), so a frame whose kind only the skim has
//! read is validated here, in the same pass that builds the value.
//!
//! It allocates less than jaq_json's reader: strings without escapes are slices of one shared
//! copy of the frame, and objects get their map sized once. Numbers follow jaq_json's reader:
//! integers of any size stay integers, other literals stay decimal text. Every step over the
//! bytes goes through the bounds-checked cursor.

use bytes::Bytes;
use jaq_json::{Map, Num, Rc, Val};

use crate::json::cursor::Cursor;

/// Frames nested deeper than this are refused: the reader recurses once per level.
pub const MAX_DEPTH: usize = 256;

/// Why a frame could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum Unread {
    /// Not JSON: the frame is `invalid`.
    NotJson(String),
    /// JSON, but nested deeper than `MAX_DEPTH`.
    TooDeep,
}

/// Reads exactly one JSON value.
pub fn parse(text: &[u8]) -> Result<Val, Unread> {
    let buf = Bytes::copy_from_slice(text);
    let mut r = Reader {
        buf: &buf,
        c: Cursor::new(&buf),
        depth: 0,
        entries: Vec::new(),
    };
    r.c.ws();
    let v = r.value()?;
    r.c.ws();
    if !r.c.at_end() {
        return Err(r.fail("text after the value"));
    }
    Ok(v)
}

struct Reader<'b> {
    buf: &'b Bytes,
    c: Cursor<'b>,
    depth: usize,
    /// Entries of the objects being read, innermost last.
    entries: Vec<(Val, Val)>,
}

impl Reader<'_> {
    fn fail(&self, what: &str) -> Unread {
        Unread::NotJson(format!("{what} at byte offset {}", self.c.pos()))
    }

    fn literal(&mut self, word: &[u8], v: Val) -> Result<Val, Unread> {
        if self.c.eat_word(word) {
            Ok(v)
        } else {
            Err(self.fail("unexpected character"))
        }
    }

    fn value(&mut self) -> Result<Val, Unread> {
        match self.c.peek() {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => self.string().map(Val::TStr),
            Some(b'n') => self.literal(b"null", Val::Null),
            Some(b't') => self.literal(b"true", Val::Bool(true)),
            Some(b'f') => self.literal(b"false", Val::Bool(false)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.fail("value expected")),
            None => Err(self.fail("value expected, found the end")),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Val, Unread>) -> Result<Val, Unread> {
        if self.depth >= MAX_DEPTH {
            return Err(Unread::TooDeep);
        }
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    /// Before each element: false when `close` ends the sequence instead. After a comma a
    /// value must follow, so `[1,]` fails where the value is read.
    fn next_in_seq(&mut self, first: bool, close: u8) -> Result<bool, Unread> {
        self.c.ws();
        if self.c.eat(close) {
            return Ok(false);
        }
        if first {
            return Ok(true);
        }
        if self.c.eat(b',') {
            self.c.ws();
            Ok(true)
        } else {
            Err(self.fail("',' or end of sequence expected"))
        }
    }

    fn array(&mut self) -> Result<Val, Unread> {
        self.c.bump();
        let mut items = Vec::new();
        while self.next_in_seq(items.is_empty(), b']')? {
            items.push(self.value()?);
        }
        Ok(Val::Arr(Rc::new(items)))
    }

    fn object(&mut self) -> Result<Val, Unread> {
        self.c.bump();
        let start = self.entries.len();
        let mut first = true;
        while self.next_in_seq(first, b'}')? {
            first = false;
            if self.c.peek() != Some(b'"') {
                return Err(self.fail("key expected"));
            }
            let key = Val::TStr(self.string()?);
            self.c.ws();
            if !self.c.eat(b':') {
                return Err(self.fail("':' expected"));
            }
            self.c.ws();
            let value = self.value()?;
            self.entries.push((key, value));
        }
        let mut map = Map::with_capacity_and_hasher(self.entries.len() - start, Default::default());
        map.extend(self.entries.drain(start..));
        Ok(Val::obj(map))
    }

    /// A string whose opening quote is next.
    fn string(&mut self) -> Result<Box<Bytes>, Unread> {
        let (a, b) = self
            .c
            .string_span()
            .ok_or_else(|| self.fail("unterminated string"))?;
        let raw = self.c.span((a, b));
        // One folded pass settles the usual string: printable ASCII, nothing to check.
        let printable_ascii = raw
            .iter()
            .fold(true, |ok, &b| ok & (b.wrapping_sub(0x20) < 0x60));
        if !printable_ascii {
            if raw.iter().any(|&b| b < 0x20) {
                return Err(self.fail("control character in a string"));
            }
            if simdutf8::basic::from_utf8(raw).is_err() {
                return Err(self.fail("string is not valid UTF-8"));
            }
        }
        if memchr::memchr(b'\\', raw).is_none() {
            return Ok(Box::new(self.buf.slice(a..b)));
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut esc = Cursor::new(raw);
        loop {
            let plain = esc.skip_while(|b| b != b'\\');
            out.extend_from_slice(esc.since(esc.pos() - plain));
            if esc.bump().is_none() {
                return Ok(Box::new(Bytes::from(out)));
            }
            let ch = match esc.bump() {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'u') => unicode(&mut esc).ok_or_else(|| self.fail("bad \\u escape"))?,
                _ => return Err(self.fail("bad escape")),
            };
            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }

    /// A number in JSON's grammar; integers stay integers, others decimal text.
    fn number(&mut self) -> Result<Val, Unread> {
        let start = self.c.pos();
        let int = number_grammar(&mut self.c).map_err(|what| self.fail(what))?;
        // Only ASCII digits, signs, `.` and `e` were stepped over.
        let text = std::str::from_utf8(self.c.since(start)).unwrap_or_default();
        let num = if int {
            Num::from_str_radix(text, 10).ok_or_else(|| self.fail("bad number"))?
        } else {
            Num::Dec(Rc::new(text.to_string()))
        };
        Ok(Val::Num(num))
    }
}

/// Steps over a number in JSON's grammar, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`;
/// true for an integer.
fn number_grammar(c: &mut Cursor) -> Result<bool, &'static str> {
    c.eat(b'-');
    let digit = |b: u8| b.is_ascii_digit();
    match c.peek() {
        Some(b'0') => {
            c.bump();
        }
        Some(b'1'..=b'9') => {
            c.skip_while(digit);
        }
        _ => return Err("bad number"),
    }
    let mut int = true;
    if c.eat(b'.') {
        int = false;
        if c.skip_while(digit) == 0 {
            return Err("bad number: digits expected after '.'");
        }
    }
    if c.eat(b'e') || c.eat(b'E') {
        int = false;
        let _ = c.eat(b'+') || c.eat(b'-');
        if c.skip_while(digit) == 0 {
            return Err("bad number: exponent digits expected");
        }
    }
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        return Err("bad number: leading zero");
    }
    Ok(int)
}

/// Whether `text` is exactly one JSON number.
pub fn is_json_number(text: &str) -> bool {
    let mut c = Cursor::new(text.as_bytes());
    number_grammar(&mut c).is_ok() && c.at_end()
}

/// After `\u`: four hex digits, joining a surrogate pair; a lone surrogate becomes U+FFFD,
/// as serde_json's validating pass lets it through.
fn unicode(esc: &mut Cursor) -> Option<char> {
    let hi = hex4(esc)?;
    if (0xd800..0xdc00).contains(&hi) && esc.rest().starts_with(b"\\u") {
        let mut look = *esc;
        look.advance(2)?;
        if let Some(lo @ 0xdc00..=0xdfff) = hex4(&mut look) {
            *esc = look;
            return char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
        }
    }
    Some(char::from_u32(hi).unwrap_or('\u{fffd}'))
}

/// Exactly four hex digits (no sign, as `from_str_radix` would allow).
fn hex4(esc: &mut Cursor) -> Option<u32> {
    let digits = esc.rest().get(..4)?;
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    esc.advance(4)?;
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}
