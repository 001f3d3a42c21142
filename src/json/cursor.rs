//! A position in untrusted bytes that can only move by checked steps: the one way the skim,
//! the text re-printer, the tree and the jq reader walk a frame. Running off the end (a
//! backslash as the last byte of a read, a string cut short) is `None`, never a panic.

/// Where the string whose contents start at `from` is closed: the offset of its closing
/// quote, stepping over escapes. `None` when the bytes end first, even right after a `\`.
pub fn string_close(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        i += memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
        if *bytes.get(i)? == b'"' {
            return Some(i);
        }
        // The escaped byte must be there too; past the end is a cut string.
        bytes.get(i + 1)?;
        i += 2;
    }
}

/// As `string_close`, but `None` also at a raw newline: JSON strings never hold one, and a
/// reader that splits frames by lines must see the same end with or without the rest.
pub fn string_close_in_line(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        i += memchr::memchr3(b'"', b'\\', b'\n', bytes.get(i..)?)?;
        match *bytes.get(i)? {
            b'"' => return Some(i),
            b'\n' => return None,
            _ => {
                // The escaped byte must be there, and be no newline either.
                if *bytes.get(i + 1)? == b'\n' {
                    return None;
                }
                i += 2;
            }
        }
    }
}

#[derive(Clone, Copy)]
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    pub fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The byte at the cursor, stepping past it.
    pub fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    /// Steps past `want` if it is next.
    pub fn eat(&mut self, want: u8) -> bool {
        let hit = self.peek() == Some(want);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Steps past `word` if it comes next.
    pub fn eat_word(&mut self, word: &[u8]) -> bool {
        let hit = self.rest().starts_with(word);
        if hit {
            self.pos += word.len();
        }
        hit
    }

    /// Steps `n` bytes, if there are that many.
    pub fn advance(&mut self, n: usize) -> Option<()> {
        let to = self.pos.checked_add(n)?;
        (to <= self.bytes.len()).then(|| self.pos = to)
    }

    /// Steps while `f` holds; returns how many bytes it stepped.
    pub fn skip_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let from = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        self.pos - from
    }

    /// Skips JSON whitespace.
    pub fn ws(&mut self) {
        self.skip_while(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'));
    }

    /// What is left from the cursor on.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    /// The bytes from `from` up to the cursor.
    pub fn since(&self, from: usize) -> &'a [u8] {
        self.bytes.get(from..self.pos).unwrap_or_default()
    }

    /// Steps over a string whose opening quote is next; returns its contents' span, escapes
    /// undecoded. `None` (the cursor unmoved) when it is not a string or is cut short.
    pub fn string_span(&mut self) -> Option<(usize, usize)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos + 1;
        let close = string_close(self.bytes, start)?;
        self.pos = close + 1;
        Some((start, close))
    }

    /// As `string_span`, refusing a string that holds a raw newline.
    pub fn string_span_in_line(&mut self) -> Option<(usize, usize)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos + 1;
        let close = string_close_in_line(self.bytes, start)?;
        self.pos = close + 1;
        Some((start, close))
    }

    /// The bytes of a span `string_span` returned.
    pub fn span(&self, (a, b): (usize, usize)) -> &'a [u8] {
        self.bytes.get(a..b).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_cut_after_a_backslash_are_cut_not_overrun() {
        for s in [&b"\"\\"[..], b"\"ab\\", b"\"\\\\\\", b"\"\\\"", b"\""] {
            let mut c = Cursor::new(s);
            assert_eq!(c.string_span(), None, "{}", String::from_utf8_lossy(s));
            assert_eq!(c.pos(), 0);
            assert_eq!(string_close(s, 1), None);
        }
        let mut c = Cursor::new(br#""a\"b\\"x"#);
        assert_eq!(c.string_span(), Some((1, 7)));
        assert_eq!(c.span((1, 7)), br#"a\"b\\"#);
        assert_eq!(c.rest(), b"x");
        assert_eq!(string_close(b"", 5), None);
    }

    #[test]
    fn steps_never_pass_the_end() {
        let mut c = Cursor::new(b"ab");
        assert_eq!(c.advance(3), None);
        assert_eq!(c.advance(usize::MAX), None);
        assert_eq!(c.advance(2), Some(()));
        assert!(c.at_end());
        assert_eq!(c.bump(), None);
        assert_eq!(c.rest(), b"");
        assert!(!c.eat_word(b"x"));
    }
}
