//! The validating compactor: one pass over a frame that decides whether it is JSON and, when
//! it is, writes it compact and safe for a terminal, in place of the classifier's serde pass
//! followed by `text::write_compact`.
//!
//! It accepts exactly what `classify` accepts: valid UTF-8, the JSON grammar, any depth (the
//! classifier reads nested values with serde's non-recursive skipper), numbers beyond a double,
//! unpaired surrogate escapes. Its output is byte for byte `write_compact`'s: whitespace
//! outside strings dropped, numbers and escapes kept as sent, and inside strings every
//! character `sanitize` escapes (unsafe ones, and combining marks past the first few of a run)
//! written as `\uXXXX`. Strings are scanned sixteen
//! bytes at a time and UTF-8 is decoded only where a byte ≥ 0x80 appears; unchanged runs of
//! the input are copied whole, so a compact ASCII frame is one copy.

use crate::sanitize::{class, Class, MarkRun};

/// Appends the compact, escaped text of `bytes` to `out` and returns true when `bytes` is one
/// JSON value (whitespace around it allowed); returns false, `out` unchanged, when it is not.
pub fn compact_if_valid(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    compact_watching(out, bytes, &mut ())
}

/// What a pass over a frame can note on the way (the few values a kind needs): the compactor
/// tells it where keys and values are. Depths count the open containers around a value, so
/// the top-level value is at 0, a top-level member's key and value at 1. A watcher sees an
/// invalid frame up to where it fails; only a `true` verdict makes what it noted count.
pub trait Watch {
    /// A key, `start..end` with its quotes, its string already checked; `escaped` when it
    /// holds an escape sequence (so that its bytes are not its text).
    fn key(&mut self, depth: usize, start: usize, end: usize, escaped: bool);
    /// A value starting at `at` with the byte `first`.
    fn value_start(&mut self, depth: usize, at: usize, first: u8);
    /// The value that started last at `depth` ends before `at`, checked whole.
    fn value_end(&mut self, depth: usize, at: usize);
}

/// Notes nothing: the plain compactor.
impl Watch for () {
    #[inline(always)]
    fn key(&mut self, _: usize, _: usize, _: usize, _: bool) {}
    #[inline(always)]
    fn value_start(&mut self, _: usize, _: usize, _: u8) {}
    #[inline(always)]
    fn value_end(&mut self, _: usize, _: usize) {}
}

/// `compact_if_valid`, telling `watch` where the keys and values are on the way.
pub fn compact_watching<W: Watch>(out: &mut Vec<u8>, bytes: &[u8], watch: &mut W) -> bool {
    let start = out.len();
    out.reserve(bytes.len());
    let mut c = Compactor {
        bytes,
        pos: 0,
        copied: 0,
        out,
        nesting: Nesting::default(),
        watch,
        marks: MarkRun::default(),
    };
    if c.value_and_end().is_some() {
        c.flush();
        true
    } else {
        c.out.truncate(start);
        false
    }
}

struct Compactor<'a, 'o, 'w, W> {
    bytes: &'a [u8],
    pos: usize,
    /// Where the input not yet copied to `out` starts: bytes are copied in runs, at a
    /// whitespace gap, an escaped character, or the end.
    copied: usize,
    out: &'o mut Vec<u8>,
    nesting: Nesting,
    watch: &'w mut W,
    /// The combining marks in a row so far, in the string being read.
    marks: MarkRun,
}

impl<W: Watch> Compactor<'_, '_, '_, W> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, want: u8) -> bool {
        let hit = self.peek() == Some(want);
        self.pos += usize::from(hit);
        hit
    }

    /// Copies the pending run, up to the cursor.
    fn flush(&mut self) {
        let run = self.bytes.get(self.copied..self.pos).unwrap_or_default();
        self.out.extend_from_slice(run);
        self.copied = self.pos;
    }

    /// Skips JSON whitespace, leaving it out of the output.
    fn ws(&mut self) {
        if !matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            return;
        }
        self.flush();
        self.pos += 1;
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
        self.copied = self.pos;
    }

    /// The whole input: one value, whitespace around it, nothing else. Iterative, with the
    /// open containers on a bit stack, so depth costs no recursion.
    fn value_and_end(&mut self) -> Option<()> {
        self.ws();
        loop {
            // A value starts here (whitespace before it skipped).
            let first = self.peek()?;
            self.watch.value_start(self.nesting.depth, self.pos, first);
            match first {
                b'{' => {
                    self.pos += 1;
                    self.ws();
                    if !self.eat(b'}') {
                        self.nesting.push(true);
                        self.key()?;
                        continue;
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.ws();
                    if !self.eat(b']') {
                        self.nesting.push(false);
                        continue;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                b'-' | b'0'..=b'9' => self.number()?,
                b't' => self.word(b"true")?,
                b'f' => self.word(b"false")?,
                b'n' => self.word(b"null")?,
                _ => return None,
            }
            // After a value: the containers it closes, then a comma or the end.
            self.watch.value_end(self.nesting.depth, self.pos);
            loop {
                self.ws();
                let Some(in_object) = self.nesting.top() else {
                    return (self.pos == self.bytes.len()).then_some(());
                };
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        self.ws();
                        if in_object {
                            self.key()?;
                        }
                        break;
                    }
                    b'}' if in_object => self.nesting.pop(),
                    b']' if !in_object => self.nesting.pop(),
                    _ => return None,
                }
                self.pos += 1;
                self.watch.value_end(self.nesting.depth, self.pos);
            }
        }
    }

    /// A member's key and its colon, and the whitespace after it.
    fn key(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos;
        let escaped = self.string()?;
        self.watch.key(self.nesting.depth, start, self.pos, escaped);
        self.ws();
        if !self.eat(b':') {
            return None;
        }
        self.ws();
        Some(())
    }

    fn word(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(word.len())?;
        (self.bytes.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, of any magnitude.
    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - from
    }

    /// A string whose opening quote is at the cursor, up to and past its closing quote;
    /// says whether it held an escape sequence.
    fn string(&mut self) -> Option<bool> {
        self.pos += 1;
        let mut escaped = false;
        self.marks.end();
        loop {
            let from = self.pos;
            self.skip_plain();
            if self.pos > from {
                self.marks.end();
            }
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(escaped);
                }
                b'\\' => {
                    self.escape()?;
                    self.marks.end();
                    escaped = true;
                }
                0x7f => {
                    self.marks.end();
                    self.escaped(0x7f, 1);
                }
                0x80.. => self.non_ascii()?,
                // A raw control character: not JSON.
                _ => return None,
            }
        }
    }

    /// Steps over bytes that are copied as they are: printable ASCII but `"` and `\`.
    fn skip_plain(&mut self) {
        // Eight bytes at a time in a word: the lowest flagged byte is the first special one
        // (the borrows and carries of the tests below only run upwards from a flagged byte).
        while let Some(word) = self
            .bytes
            .get(self.pos..)
            .and_then(|rest| rest.first_chunk::<8>())
        {
            let special = special_bytes(u64::from_le_bytes(*word));
            if special != 0 {
                self.pos += (special.trailing_zeros() / 8) as usize;
                return;
            }
            self.pos += 8;
        }
        while self.peek().is_some_and(is_plain) {
            self.pos += 1;
        }
    }

    /// An escape sequence, kept as sent.
    fn escape(&mut self) -> Option<()> {
        match *self.bytes.get(self.pos + 1)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 2,
            b'u' => {
                let hex = self.bytes.get(self.pos + 2..self.pos + 6)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                self.pos += 6;
            }
            _ => return None,
        }
        Some(())
    }

    /// One UTF-8 character starting at the cursor (a byte ≥ 0x80), escaped if unsafe.
    fn non_ascii(&mut self) -> Option<()> {
        let (c, len) = decode_utf8(self.bytes.get(self.pos..)?)?;
        let class = class(c);
        if self.marks.too_long(class) || class == Class::Unsafe {
            self.escaped(c, len);
        } else {
            self.pos += len;
        }
        Some(())
    }

    /// Writes `c`, `len` bytes at the cursor, as `\uXXXX` (two for a character beyond the
    /// basic plane), as `write_compact` does.
    fn escaped(&mut self, c: impl Into<char>, len: usize) {
        self.flush();
        let mut units = [0u16; 2];
        for &unit in c.into().encode_utf16(&mut units).iter() {
            push_u_escape(self.out, unit);
        }
        self.pos += len;
        self.copied = self.pos;
    }
}

/// The high bit of each byte of `x` that is a control, `"`, `\\`, DEL or above ASCII (and
/// possibly of bytes after the first such byte).
fn special_bytes(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x;
    let quote = zero_byte(x ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(x ^ (ONES * u64::from(b'\\')));
    let del_or_above = x.wrapping_add(ONES) | x;
    (below_space | quote | backslash | del_or_above) & HIGH
}

fn is_plain(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'
}

fn push_u_escape(out: &mut Vec<u8>, unit: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let nibble = |shift: u16| HEX[usize::from((unit >> shift) & 0xf)];
    out.extend_from_slice(&[b'\\', b'u', nibble(12), nibble(8), nibble(4), nibble(0)]);
}

/// The character a UTF-8 sequence starts with and its length; `None` where `str::from_utf8`
/// would stop (a bad lead or continuation byte, an overlong form, a surrogate, past U+10FFFF,
/// a cut sequence), as it is what decides.
fn decode_utf8(bytes: &[u8]) -> Option<(char, usize)> {
    let len = match *bytes.first()? {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(bytes.get(..len)?)
        .ok()?
        .chars()
        .next()?;
    Some((c, len))
}

/// The open containers, innermost last: true for an object. The first 128 levels live in a
/// word; deeper ones (a hostile frame) spill into a vector, allocated only then.
#[derive(Default)]
struct Nesting {
    depth: usize,
    shallow: u128,
    deep: Vec<u64>,
}

impl Nesting {
    const SHALLOW: usize = 128;

    fn push(&mut self, object: bool) {
        let d = self.depth;
        if d < Self::SHALLOW {
            self.shallow = (self.shallow & !(1 << d)) | (u128::from(object) << d);
        } else {
            let (word, bit) = ((d - Self::SHALLOW) / 64, (d - Self::SHALLOW) % 64);
            if self.deep.len() <= word {
                self.deep.push(0);
            }
            if let Some(w) = self.deep.get_mut(word) {
                *w = (*w & !(1 << bit)) | (u64::from(object) << bit);
            }
        }
        self.depth += 1;
    }

    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Whether the innermost open container is an object; `None` at the top level.
    fn top(&self) -> Option<bool> {
        let d = self.depth.checked_sub(1)?;
        if d < Self::SHALLOW {
            Some(self.shallow >> d & 1 == 1)
        } else {
            let (word, bit) = ((d - Self::SHALLOW) / 64, (d - Self::SHALLOW) % 64);
            Some(self.deep.get(word)? >> bit & 1 == 1)
        }
    }
}

#[cfg(test)]
#[path = "compactor_tests.rs"]
mod tests;
