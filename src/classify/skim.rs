//! A fast read of a frame that does not validate it: where a `{...}` value ends, and the kind
//! it has if it is valid JSON. The replay source splits on it, and the pipeline drops frames
//! whose kind the filters reject on it alone; a frame that is printed or recorded is always
//! classified again by the validating pass. Anything unusual returns `None`, never a guess.

use super::{wallet_direction, Sub, TopLevel};
use crate::json::cursor::Cursor;
use crate::kind::Kind;

/// The kind `bytes` would have as JSON, and the length of the object it starts with.
pub fn skim(bytes: &[u8]) -> Option<(Kind<'_>, usize)> {
    let mut c = Skim {
        c: Cursor::new(bytes),
    };
    c.expect(b'{')?;
    let mut top = TopLevel::default();
    c.ws()?;
    if c.c.eat(b'}') {
        return Some((top.kind(), c.c.pos()));
    }
    loop {
        c.ws()?;
        let key = c.string_plain()?;
        c.ws()?;
        c.expect(b':')?;
        c.ws()?;
        match key {
            b"walletUpdate" => top.wallet_update = Some(c.sub(b"")?),
            b"wallet" => top.wallet = Some(c.sub(b"value")?),
            b"notification" => top.notification = Some(c.sub(b"type")?),
            b"message" => top.message = Some(c.sub(b"subject")?),
            b"messageTyping" => top.typing = Some(c.sub(b"")?),
            b"messageRead" => top.read = Some(c.sub(b"")?),
            b"status" => top.status = Some(c.value_text()?),
            other => {
                c.skip_value()?;
                match other {
                    b"id" => top.has_id = true,
                    b"profile" => top.has_profile = true,
                    b"peerId" => top.has_peer_id = true,
                    b"peerID" => top.has_peer_id_caps = true,
                    b"error" => top.has_error = true,
                    b"ratingId" => top.has_rating_id = true,
                    b"rating" => top.has_rating = true,
                    _ => {}
                }
            }
        }
        c.ws()?;
        match c.c.bump()? {
            b',' => continue,
            b'}' => break,
            _ => return None,
        }
    }
    let end = c.c.pos();
    if top
        .wallet
        .as_ref()
        .is_some_and(|w| matches!(w, Sub::Object(Some(v)) if wallet_direction(v).is_none()))
    {
        // An unreadable wallet value decides nothing here; let the full pass judge.
        return None;
    }
    Some((top.kind(), end))
}

/// The skim's walk over a frame: every step goes through the bounds-checked cursor. A raw
/// newline inside a string ends the walk: the replay source splits such a frame by lines
/// when it reads it in parts, and must split it the same when it reads it whole.
struct Skim<'a> {
    c: Cursor<'a>,
}

impl<'a> Skim<'a> {
    /// Skips whitespace. A bracket opening a line inside the frame is left to the replay
    /// source's own scan to judge (it may start the next frame), so the skim gives up.
    fn ws(&mut self) -> Option<()> {
        let newlines = self.c.rest();
        self.c.ws();
        let skipped = newlines.len() - self.c.rest().len();
        let after_newline = skipped > 0 && newlines.get(skipped - 1) == Some(&b'\n');
        (!(after_newline && matches!(self.c.peek(), Some(b'{' | b'[')))).then_some(())
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        self.c.eat(want).then_some(())
    }

    /// A string without escapes (keys worth matching never have them).
    fn string_plain(&mut self) -> Option<&'a [u8]> {
        let span = self.c.string_span_in_line()?;
        let s = self.c.span(span);
        (!s.contains(&b'\\')).then_some(s)
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.c.peek()? {
            b'"' => self.c.string_span_in_line().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.c.peek()? {
                        b'"' => {
                            self.c.string_span_in_line()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.checked_sub(1)?;
                            if depth == 0 {
                                self.c.bump();
                                return Some(());
                            }
                        }
                        // `ws` must see the newline itself to tell whether a bracket
                        // opens the next line.
                        b'\n' => {
                            self.ws()?;
                            continue;
                        }
                        _ => {}
                    }
                    self.c.bump();
                }
            }
            _ => {
                // Only what a number or a literal can hold: a quote or a bracket here would
                // be read as structure by the replay source's scan.
                let skipped = self
                    .c
                    .skip_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'));
                // A value running to the end of the bytes may be cut short.
                let next = self.c.peek()?;
                let ends = matches!(next, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t');
                (skipped > 0 && ends).then_some(())
            }
        }
    }

    /// The raw text of the value at the cursor, skipped.
    fn value_text(&mut self) -> Option<&'a str> {
        let start = self.c.pos();
        self.skip_value()?;
        std::str::from_utf8(self.c.since(start)).ok()
    }

    /// A second-level value: an object keeping the raw text of member `want`, or anything else.
    fn sub(&mut self, want: &[u8]) -> Option<Sub<'a>> {
        if !self.c.eat(b'{') {
            let text = self.value_text()?.as_bytes();
            // Read here, these are decoded strictly by the validating pass, which refuses a
            // lone surrogate or a number out of a double's range: let it judge.
            let doubtful = match text.first() {
                Some(b'"') => text.contains(&b'\\'),
                Some(b'-' | b'0'..=b'9') => {
                    text.len() > 300 || text.iter().any(|b| matches!(b, b'e' | b'E'))
                }
                _ => false,
            };
            return (!doubtful).then_some(Sub::Other);
        }
        let mut found = None;
        self.ws()?;
        if self.c.eat(b'}') {
            return Some(Sub::Object(None));
        }
        loop {
            self.ws()?;
            let span = self.c.string_span_in_line()?;
            let key = self.c.span(span);
            self.ws()?;
            self.expect(b':')?;
            self.ws()?;
            if key.contains(&b'\\') {
                return None;
            }
            if key == want {
                found = Some(self.value_text()?);
            } else {
                self.skip_value()?;
            }
            self.ws()?;
            match self.c.bump()? {
                b',' => continue,
                b'}' => return Some(Sub::Object(found)),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    /// On valid JSON the skim must agree with the validating pass, or say nothing.
    fn agrees(text: &str) {
        let full = super::super::classify(text.as_bytes()).kind;
        if let Some((kind, len)) = skim(text.as_bytes()) {
            assert_eq!(kind, full, "{text}");
            assert_eq!(len, text.trim_end().len(), "{text}");
        }
    }

    #[test]
    fn agrees_with_the_full_pass_on_every_fixture_frame() {
        for fixture in [fixtures::SESSION_014, fixtures::GUIDE_013] {
            for frame in fixtures::frames(fixture) {
                agrees(&frame);
                let compact = fixtures::compact(&frame);
                agrees(&compact);
                assert!(
                    skim(compact.as_bytes()).is_some(),
                    "node frames are skimmed: {compact}"
                );
            }
        }
    }

    #[test]
    fn agrees_on_odd_but_valid_frames() {
        for text in [
            r#"{}"#,
            r#"{"walletUpdate":1,"wallet":{"value":-5}}"#,
            r#"{"wallet":{"value":{"amount":"-1"}},"wallet":"x"}"#,
            r#"{"notification":{"type":"order"},"notification":{"type":"cancel"}}"#,
            r#"{"notification":{"type":"o\u0072der"}}"#,
            r#"{"message":{"subject":"\u0041"}}"#,
            r#"{"status":"publishing","x":[{"a":"]}"},[1,{}]]}"#,
            r#"{"id":"x","peerId":"y","a":null,"b":true,"c":-1.5e3}"#,
            r#"{"status":"publ\u0069shing"}"#,
            r#"{"wallet":{"value":1e400}}"#,
        ] {
            agrees(text);
        }
    }

    /// Thousands of mutated node frames: whenever a mutant is still valid JSON, the skim must
    /// agree with the validating pass, since frames are dropped on its word alone.
    #[test]
    fn agrees_with_the_full_pass_on_mutated_frames() {
        let mut rng = fastrand::Rng::with_seed(20261127);
        let alphabet = b"{}[]\":,\\ -01e.tfnu\"abc";
        let frames: Vec<Vec<u8>> = fixtures::frames(fixtures::SESSION_014)
            .iter()
            .map(|f| fixtures::compact(f).into_bytes())
            .collect();
        let mut valid_mutants = 0;
        for _ in 0..20_000 {
            let m = fixtures::mutant(&mut rng, &frames, alphabet);
            let full = super::super::classify(&m);
            if full.kind == Kind::Invalid {
                continue;
            }
            valid_mutants += 1;
            if let Some((kind, len)) = skim(&m) {
                assert_eq!(kind, full.kind, "{}", String::from_utf8_lossy(&m));
                assert_eq!(len, m.len(), "{}", String::from_utf8_lossy(&m));
            }
        }
        assert!(
            valid_mutants > 1000,
            "too few valid mutants to mean anything: {valid_mutants}"
        );
    }

    /// A read can end anywhere, right after a backslash too: every prefix of a frame is
    /// either skimmed as a shorter object or left alone, never read past its end.
    #[test]
    fn every_prefix_of_a_frame_is_safe_to_skim() {
        let frame = r#"{"a":"\\","b":"x\"y\u0041\\","notification":{"type":"o\\r","k":[1,"\\"]},"status":"\""}"#;
        assert!(skim(frame.as_bytes()).is_some());
        for cut in 0..frame.len() {
            assert!(skim(&frame.as_bytes()[..cut]).is_none(), "cut at {cut}");
        }
        assert!(skim(b"{\"a\":\"\\").is_none());
        assert!(skim(b"{\"a\":[\"\\").is_none());
        assert!(skim(b"{\"status\":\"\\").is_none());
        assert!(skim(b"{\"wallet\":{\"value\":\"\\").is_none());
    }

    #[test]
    fn says_nothing_rather_than_guess() {
        for text in [
            r#"[1]"#,
            r#"{"a" 1}"#,
            r#"{"a":1"#,
            r#"{"a\u0062":1}"#,
            r#"{"wallet":{"value":"lots"}}"#,
            // The validating pass refuses these: a lone surrogate, a number out of range.
            r#"{"walletUpdate":"\ud800"}"#,
            r#"{"walletUpdate":1e400}"#,
            r#"{"message":-1E999}"#,
            // A bracket opening a line inside a nested value: the replay scan judges it.
            "{\"\":{\n{}}}",
            "{\"a\":[1,\n[2]]}",
        ] {
            assert!(skim(text.as_bytes()).is_none(), "{text}");
        }
    }
}
