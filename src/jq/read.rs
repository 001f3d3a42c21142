//! The one validating reader in front of the jq stage: reads a frame's JSON text into jaq's
//! value, and refuses whatever JSON refuses (raw control characters in strings, `01`, `1e+-5`,
//! `\u+04F`, bad UTF-8, anything after the value), so a frame whose kind only the skim has
//! read is validated here, in the same pass that builds the value.
//!
//! It allocates less than jaq_json's reader: strings without escapes are slices of one shared
//! copy of the frame, and objects get their map sized once. Given a `Shape` (the fields a
//! program can see), it builds only those and steps over the rest, validating it through the
//! same steps, so the verdict and its words do not depend on the shape. Numbers follow jaq_json's reader:
//! integers of any size stay integers, other literals stay decimal text. Every step over the
//! bytes goes through the bounds-checked cursor.

use bytes::Bytes;
use jaq_json::{Map, Num, Rc, Val};

use super::shape::Shape;
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
    parse_shaped(text, &Shape::Full)
}

/// Reads exactly one JSON value, validating all of it but building only `shape` of it.
pub fn parse_shaped(text: &[u8], shape: &Shape) -> Result<Val, Unread> {
    let buf = Bytes::copy_from_slice(text);
    let mut r = Reader {
        buf: &buf,
        c: Cursor::new(&buf),
        depth: 0,
        entries: Vec::new(),
        scratch: Vec::new(),
    };
    r.c.ws();
    let v = r.value(Want::of(shape))?;
    r.c.ws();
    if !r.c.at_end() {
        return Err(r.fail("text after the value"));
    }
    Ok(v)
}

/// What to build of the value being read. Every mode reads the same grammar through the
/// same steps, so the verdict on a frame does not depend on the shape.
#[derive(Clone, Copy)]
enum Want<'s> {
    /// Nothing: validate only (the value read is `null`).
    Skip,
    Full,
    /// An object with only these keys; any other value in full.
    Fields(&'s [(Vec<u8>, Shape)]),
}

impl<'s> Want<'s> {
    fn of(shape: &'s Shape) -> Self {
        match shape {
            Shape::Full => Want::Full,
            Shape::Fields(fields) => Want::Fields(fields),
        }
    }
}

struct Reader<'b> {
    buf: &'b Bytes,
    c: Cursor<'b>,
    depth: usize,
    /// Entries of the objects being read, innermost last.
    entries: Vec<(Val, Val)>,
    /// Unescaped text of a string that is not kept.
    scratch: Vec<u8>,
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

    fn value(&mut self, want: Want) -> Result<Val, Unread> {
        match self.c.peek() {
            Some(b'{') => self.nested(|r| r.object(want)),
            Some(b'[') => self.nested(|r| r.array(want)),
            Some(b'"') => match want {
                Want::Skip => self.skip_string().map(|()| Val::Null),
                _ => self.string().map(Val::TStr),
            },
            Some(b'n') => self.literal(b"null", Val::Null),
            Some(b't') => self.literal(b"true", Val::Bool(true)),
            Some(b'f') => self.literal(b"false", Val::Bool(false)),
            Some(b'-' | b'0'..=b'9') => self.number(want),
            Some(_) => Err(self.fail("value expected")),
            None => Err(self.fail("value expected, found the end")),
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<Val, Unread>) -> Result<Val, Unread> {
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

    fn array(&mut self, want: Want) -> Result<Val, Unread> {
        self.c.bump();
        let mut first = true;
        if let Want::Skip = want {
            while self.next_in_seq(first, b']')? {
                first = false;
                self.value(Want::Skip)?;
            }
            return Ok(Val::Null);
        }
        let mut items = Vec::new();
        while self.next_in_seq(first, b']')? {
            first = false;
            items.push(self.value(Want::Full)?);
        }
        Ok(Val::Arr(Rc::new(items)))
    }

    fn object(&mut self, want: Want) -> Result<Val, Unread> {
        self.c.bump();
        let start = self.entries.len();
        let mut first = true;
        while self.next_in_seq(first, b'}')? {
            first = false;
            if self.c.peek() != Some(b'"') {
                return Err(self.fail("key expected"));
            }
            let (key, inner) = match want {
                Want::Full => (Some(Val::TStr(self.string()?)), Want::Full),
                Want::Skip => {
                    self.skip_string()?;
                    (None, Want::Skip)
                }
                Want::Fields(fields) => self.field(fields)?,
            };
            self.c.ws();
            if !self.c.eat(b':') {
                return Err(self.fail("':' expected"));
            }
            self.c.ws();
            let value = self.value(inner)?;
            if let Some(key) = key {
                self.entries.push((key, value));
            }
        }
        if let Want::Skip = want {
            return Ok(Val::Null);
        }
        let mut map = Map::with_capacity_and_hasher(self.entries.len() - start, Default::default());
        map.extend(self.entries.drain(start..));
        Ok(Val::obj(map))
    }

    /// A key of an object whose wanted keys are `fields`: the key, if wanted, and what to
    /// build of its value.
    fn field<'s>(
        &mut self,
        fields: &'s [(Vec<u8>, Shape)],
    ) -> Result<(Option<Val>, Want<'s>), Unread> {
        let (span, plain) = self.string_text()?;
        let raw = self.c.span(span);
        let found = if plain {
            fields.iter().find(|(k, _)| k.as_slice() == raw)
        } else {
            self.unescape_to_scratch(raw)?;
            fields.iter().find(|(k, _)| *k == self.scratch)
        };
        Ok(match found {
            None => (None, Want::Skip),
            Some((key, shape)) => {
                let key = if plain {
                    self.buf.slice(span.0..span.1)
                } else {
                    Bytes::from(key.clone())
                };
                (Some(Val::TStr(Box::new(key))), Want::of(shape))
            }
        })
    }

    /// A string whose opening quote is next.
    fn string(&mut self) -> Result<Box<Bytes>, Unread> {
        let ((a, b), plain) = self.string_text()?;
        if plain {
            return Ok(Box::new(self.buf.slice(a..b)));
        }
        let raw = self.c.span((a, b));
        let mut out = Vec::with_capacity(raw.len());
        self.unescape(raw, &mut out)?;
        Ok(Box::new(Bytes::from(out)))
    }

    /// Steps over a string whose opening quote is next, validating it.
    fn skip_string(&mut self) -> Result<(), Unread> {
        let (span, plain) = self.string_text()?;
        if !plain {
            self.unescape_to_scratch(self.c.span(span))?;
        }
        Ok(())
    }

    fn unescape_to_scratch(&mut self, raw: &[u8]) -> Result<(), Unread> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let done = self.unescape(raw, &mut scratch);
        self.scratch = scratch;
        done
    }

    /// Steps over a string whose opening quote is next: the span of its text, checked for
    /// control characters and UTF-8, and whether it is plain (no escape to decode).
    fn string_text(&mut self) -> Result<((usize, usize), bool), Unread> {
        let bytes = self.c.bytes();
        let a = self.c.pos() + 1;
        let (mut i, mut escaped, mut control, mut high) = (a, false, false, false);
        // One pass finds the end and notes what needs a closer look; most strings are
        // printable ASCII without escapes, stepped over 8 bytes at a time.
        let b = loop {
            i = plain_ascii_end(bytes, i);
            match bytes.get(i) {
                Some(b'"') => break i,
                Some(b'\\') => {
                    escaped = true;
                    // The escaped byte belongs to the string, a quote too; any other is
                    // looked at as usual next.
                    match bytes.get(i + 1) {
                        Some(b'"' | b'\\') => i += 2,
                        Some(_) => i += 1,
                        None => return Err(self.fail("unterminated string")),
                    }
                }
                Some(&c) => {
                    control |= c < 0x20;
                    high |= c >= 0x80;
                    i += 1;
                }
                None => return Err(self.fail("unterminated string")),
            }
        };
        self.c.advance(b + 1 - self.c.pos());
        let raw = self.c.span((a, b));
        if control {
            return Err(self.fail("control character in a string"));
        }
        if high && simdutf8::basic::from_utf8(raw).is_err() {
            return Err(self.fail("string is not valid UTF-8"));
        }
        Ok(((a, b), !escaped))
    }

    /// Decodes the escapes of a string's text `raw` onto `out`.
    fn unescape(&self, raw: &[u8], out: &mut Vec<u8>) -> Result<(), Unread> {
        let mut esc = Cursor::new(raw);
        loop {
            let plain = esc.skip_while(|b| b != b'\\');
            out.extend_from_slice(esc.since(esc.pos() - plain));
            if esc.bump().is_none() {
                return Ok(());
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
    fn number(&mut self, want: Want) -> Result<Val, Unread> {
        let start = self.c.pos();
        let int = number_grammar(&mut self.c).map_err(|what| self.fail(what))?;
        if let Want::Skip = want {
            // `from_str_radix` reads any integer the grammar lets through (big ones too).
            return Ok(Val::Null);
        }
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

/// The first index from `i` on whose byte is not printable ASCII or is a quote or a
/// backslash (the length of `bytes` if there is none).
fn plain_ascii_end(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(i..i + 8) {
        // A failed conversion (there is none) reads as control bytes: looked at one by one.
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let zero = |y: u64| y.wrapping_sub(ONES) & !y & HIGH;
        // Borrows only flag bytes above a flagged one, so the lowest flag is a real one.
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let flags = below_space
            | (x & HIGH)
            | zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')));
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while bytes
        .get(i)
        .is_some_and(|&b| b.wrapping_sub(0x20) < 0x60 && b != b'"' && b != b'\\')
    {
        i += 1;
    }
    i
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

#[cfg(test)]
mod tests {
    /// The 8-bytes-at-a-time scan stops where a byte-by-byte one does, whatever the bytes
    /// and wherever the scan starts.
    #[test]
    fn the_word_scan_stops_where_the_byte_scan_stops() {
        let mut rng = fastrand::Rng::with_seed(14);
        let pick = b"aZ ~\x7f\"\\\x1f\x00\x80\xff\xc3/";
        for _ in 0..20_000 {
            let len = rng.usize(0..40);
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.u8(..4) == 0 {
                        pick[rng.usize(..pick.len())]
                    } else {
                        rng.u8(0x20..0x7f)
                    }
                })
                .collect();
            let from = rng.usize(0..=len);
            let want = (from..len)
                .find(|&i| {
                    let b = bytes[i];
                    !(0x20..0x80).contains(&b) || b == b'"' || b == b'\\'
                })
                .unwrap_or(len);
            assert_eq!(
                super::plain_ascii_end(&bytes, from),
                want,
                "{bytes:?} from {from}"
            );
        }
    }
}
