//! Reads a frame's JSON text into jaq's value with fewer allocations than jaq_json's reader:
//! strings without escapes are slices of one shared copy of the frame, and objects get their
//! map sized once. Numbers follow jaq_json's reader exactly: integers of any size stay
//! integers, other literals stay decimal text.
//!
//! Callers have bounded the nesting depth; the classifier has checked the frame is JSON, but
//! anything unexpected is still an error, never a panic.

use bytes::Bytes;
use jaq_json::{Map, Num, Rc, Val};

/// Reads exactly one JSON value.
pub fn parse(text: &[u8]) -> Result<Val, String> {
    let buf = Bytes::copy_from_slice(text);
    let mut r = Reader {
        buf: &buf,
        i: 0,
        entries: Vec::new(),
    };
    let v = r.value()?;
    r.ws();
    if r.i != buf.len() {
        return Err(r.fail("text after the value"));
    }
    Ok(v)
}

struct Reader<'b> {
    buf: &'b Bytes,
    i: usize,
    /// Entries of the objects being read, innermost last.
    entries: Vec<(Val, Val)>,
}

impl Reader<'_> {
    fn fail(&self, what: &str) -> String {
        format!("byte offset {}: {what}", self.i)
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8], v: Val) -> Result<Val, String> {
        if self.buf[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.fail("unexpected character"))
        }
    }

    fn value(&mut self) -> Result<Val, String> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Val::TStr),
            Some(b'n') => self.literal(b"null", Val::Null),
            Some(b't') => self.literal(b"true", Val::Bool(true)),
            Some(b'f') => self.literal(b"false", Val::Bool(false)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.fail("value expected")),
        }
    }

    /// After `sep`, true when `close` ends the sequence instead.
    fn next_in_seq(&mut self, first: bool, close: u8) -> Result<bool, String> {
        self.ws();
        match self.peek() {
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            Some(b',') if !first => {
                self.i += 1;
                Ok(true)
            }
            _ if first => Ok(true),
            _ => Err(self.fail("comma or end of sequence expected")),
        }
    }

    fn array(&mut self) -> Result<Val, String> {
        self.i += 1;
        let mut items = Vec::new();
        while self.next_in_seq(items.is_empty(), b']')? {
            items.push(self.value()?);
        }
        Ok(Val::Arr(Rc::new(items)))
    }

    fn object(&mut self) -> Result<Val, String> {
        self.i += 1;
        let start = self.entries.len();
        let mut first = true;
        while self.next_in_seq(first, b'}')? {
            first = false;
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.fail("key expected"));
            }
            let key = Val::TStr(self.string()?);
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.fail("colon expected"));
            }
            self.i += 1;
            let value = self.value()?;
            self.entries.push((key, value));
        }
        let mut map = Map::with_capacity_and_hasher(self.entries.len() - start, Default::default());
        map.extend(self.entries.drain(start..));
        Ok(Val::obj(map))
    }

    fn string(&mut self) -> Result<Box<Bytes>, String> {
        let start = self.i + 1;
        let rest = &self.buf[start..];
        match memchr::memchr2(b'"', b'\\', rest) {
            Some(n) if rest[n] == b'"' => {
                self.i = start + n + 1;
                Ok(Box::new(self.buf.slice(start..start + n)))
            }
            Some(_) => self.escaped_string(start),
            None => Err(self.fail("unterminated string")),
        }
    }

    fn escaped_string(&mut self, start: usize) -> Result<Box<Bytes>, String> {
        let mut out = Vec::new();
        self.i = start;
        loop {
            let rest = &self.buf[self.i..];
            let n = memchr::memchr2(b'"', b'\\', rest)
                .ok_or_else(|| self.fail("unterminated string"))?;
            out.extend_from_slice(&rest[..n]);
            self.i += n + 1;
            if rest[n] == b'"' {
                return Ok(Box::new(Bytes::from(out)));
            }
            let c = self
                .peek()
                .ok_or_else(|| self.fail("unterminated string"))?;
            self.i += 1;
            let ch = match c {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.unicode()?,
                _ => return Err(self.fail("bad escape")),
            };
            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }

    /// `\uXXXX`, joining surrogate pairs; a lone surrogate becomes U+FFFD.
    fn unicode(&mut self) -> Result<char, String> {
        let hi = self.hex4()?;
        if (0xd800..0xdc00).contains(&hi) && self.buf[self.i..].starts_with(b"\\u") {
            let save = self.i;
            self.i += 2;
            let lo = self.hex4()?;
            if (0xdc00..0xe000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
            self.i = save;
        }
        Ok(char::from_u32(hi).unwrap_or('\u{fffd}'))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .buf
            .get(self.i..self.i + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.fail("bad \\u escape"))?;
        self.i += 4;
        Ok(digits)
    }

    fn number(&mut self) -> Result<Val, String> {
        let start = self.i;
        let mut int = true;
        while let Some(c) = self.peek() {
            match c {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => int = false,
                _ => break,
            }
            self.i += 1;
        }
        let text =
            std::str::from_utf8(&self.buf[start..self.i]).map_err(|_| self.fail("bad number"))?;
        if !text.ends_with(|c: char| c.is_ascii_digit()) {
            return Err(self.fail("bad number"));
        }
        let num = if int {
            Num::from_str_radix(text, 10).ok_or_else(|| self.fail("bad number"))?
        } else {
            Num::Dec(Rc::new(text.to_string()))
        };
        Ok(Val::Num(num))
    }
}
