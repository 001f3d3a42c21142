//! The ids of a live frame, read without parsing it: the node's frames are
//! `{"notification": {…}}` and `{"message": {…}}` (keys sorted), and only their
//! `notificationId`, `messageId` and `subject` matter to what the user has seen.

use std::borrow::Cow;

use serde::Deserialize;

/// What a live frame says about itself that recovery needs, read without parsing it:
/// the node's frames are `{"notification": {…}}` and `{"message": {…}}` (keys sorted).
#[derive(Debug, PartialEq)]
pub enum Live<'a> {
    Notification {
        id: Cow<'a, str>,
    },
    Message {
        id: Cow<'a, str>,
        subject: Option<Cow<'a, str>>,
    },
}

/// The ids of a live frame, read as the list rows are: from the top level of its
/// `notification` or `message` object (a nested `notificationId` is not the frame's).
#[derive(Deserialize)]
struct LiveFrame<'a> {
    #[serde(borrow, default)]
    notification: Option<LiveIds<'a>>,
    #[serde(borrow, default)]
    message: Option<LiveIds<'a>>,
}

/// Decoded as the list rows' ids are, escapes and all: the node writes `&` in a stranger's
/// id as `\u0026`, in frames and lists alike.
#[derive(Deserialize)]
struct LiveIds<'a> {
    #[serde(rename = "notificationId", borrow, default)]
    notification_id: Option<Cow<'a, str>>,
    #[serde(rename = "messageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    subject: Option<Cow<'a, str>>,
}

/// Looks at the frame's first key, and reads the frame only when that is `notification`
/// or `message`: O(1) for every other frame. A node's frame is read by `skim`; anything it
/// is unsure of, by serde.
pub fn inspect(bytes: &[u8]) -> Option<Live<'_>> {
    let rest = skip_ws(bytes).strip_prefix(b"{")?;
    let rest = skip_ws(rest);
    if !(rest.starts_with(b"\"notification\"") || rest.starts_with(b"\"message\"")) {
        return None;
    }
    match skim(bytes) {
        Some(answer) => answer,
        None => inspect_by_serde(bytes),
    }
}

/// `inspect` by serde: what the skim must agree with.
fn inspect_by_serde(bytes: &[u8]) -> Option<Live<'_>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let frame: LiveFrame = serde_json::from_str(text).ok()?;
    if let Some(n) = frame.notification {
        return Some(Live::Notification {
            id: non_empty(n.notification_id)?,
        });
    }
    let m = frame.message?;
    Some(Live::Message {
        id: non_empty(m.message_id)?,
        subject: non_empty(m.subject),
    })
}

/// `inspect` without a parse, for a node's own frames: one key at the top, its object's
/// members read by their keys, other values skipped over (not validated). `None` when unsure
/// (an escape in a key or an id, an id that is not a plain string, a key twice, anything but
/// one top-level member), and serde reads the frame. On valid JSON it agrees with serde (a
/// property test below); on a frame that is not, it may still name the ids serde refuses,
/// which the pipeline reports as invalid.
fn skim(bytes: &[u8]) -> Option<Option<Live<'_>>> {
    let mut c = Skim { b: bytes, i: 0 };
    c.ws();
    c.eat(b'{')?;
    c.ws();
    let notification = match c.plain_string()?.as_bytes() {
        b"notification" => true,
        b"message" => false,
        _ => return None,
    };
    c.ws();
    c.eat(b':')?;
    c.ws();
    c.eat(b'{')?;
    // The keys of `LiveIds`, each read by serde as a string in either object.
    let mut ids: [Option<&str>; 3] = [None; 3];
    c.ws();
    if c.peek()? == b'}' {
        c.i += 1;
    } else {
        loop {
            c.ws();
            let key = match c.plain_string()?.as_bytes() {
                b"notificationId" => Some(0),
                b"messageId" => Some(1),
                b"subject" => Some(2),
                _ => None,
            };
            c.ws();
            c.eat(b':')?;
            c.ws();
            match key {
                Some(k) if ids[k].is_some() => return None,
                Some(k) => ids[k] = Some(c.plain_string()?),
                None => c.skip_value()?,
            }
            c.ws();
            match c.bump()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
    }
    c.ws();
    c.eat(b'}')?;
    c.ws();
    if c.i != bytes.len() {
        return None;
    }
    let [notification_id, message_id, subject] =
        ids.map(|id| id.filter(|i| !i.is_empty()).map(Cow::Borrowed));
    Some(if notification {
        notification_id.map(|id| Live::Notification { id })
    } else {
        message_id.map(|id| Live::Message { id, subject })
    })
}

/// A position in a frame the skim reads; every step checks the end.
struct Skim<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Skim<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.bump()? == want).then_some(())
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.i += 1;
        }
    }

    /// A string with no escape and no control character; `None` for any other. Byte by
    /// byte: keys and ids are short.
    fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match self.bump()? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => {}
            }
        }
        let s = self.b.get(start..self.i - 1)?;
        std::str::from_utf8(s).ok()
    }

    /// Past a string's closing quote, escapes and all.
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            let rest = self.b.get(self.i..)?;
            let at = memchr::memchr2(b'"', b'\\', rest)?;
            self.i += at + 1;
            if rest.get(at) == Some(&b'"') {
                return Some(());
            }
            // The escaped byte, whatever it is.
            self.bump()?;
        }
    }

    /// Past one value: strings and nested objects and arrays by their brackets.
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth -= 1,
                        _ => {}
                    }
                    self.i += 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
            }
            _ => {
                let n =
                    self.b.get(self.i..)?.iter().position(|c| {
                        matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                    })?;
                (n > 0).then(|| self.i += n)
            }
        }
    }
}

fn non_empty(s: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    s.filter(|s| !s.is_empty())
}

fn skip_ws(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
        .unwrap_or(b.len());
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: &str) -> Option<Live<'_>> {
        Some(Live::Notification { id: id.into() })
    }

    #[test]
    fn a_nested_id_is_not_the_frames() {
        // The list row's id is the notification object's own; a nested one is not.
        let n = br#"{"notification":{"a":{"notificationId":"inner"},"notificationId":"outer"}}"#;
        assert_eq!(inspect(n), note("outer"));
    }

    #[test]
    fn an_escaped_id_is_read_as_the_list_reads_it() {
        // A stranger's id holding `&` comes HTML-escaped, and `&` then JSON-escaped.
        let m = br#"{"message": {"messageId": "a\u0026#39;b", "subject": "x\u003cy"}}"#;
        assert_eq!(
            inspect(m),
            Some(Live::Message {
                id: "a&#39;b".into(),
                subject: Some("x<y".into())
            })
        );
    }

    /// The frames of both fixtures and of a node's usual shapes, with ids in every place.
    fn skim_frames() -> Vec<Vec<u8>> {
        let mut frames: Vec<Vec<u8>> = [crate::fixtures::SESSION_014, crate::fixtures::GUIDE_013]
            .iter()
            .flat_map(|f| crate::fixtures::frames(f))
            .flat_map(|f| [crate::fixtures::compact(&f).into_bytes(), f.into_bytes()])
            .collect();
        frames.extend(
            [
                r#"{"notification":{"buyerId":"QmB","coinType":"BTC","fundingTotal":{"amount":"1","currency":{"code":"BTC","divisibility":8}},"notificationId":"QmN","orderId":"QmO","type":"payment"}}"#,
                r#"{"notification":{"a":[{"notificationId":"inner"},"x\"y",1e5,true,null],"notificationId":"outer","subject":"s"}}"#,
                r#"{"message":{"message":"\"messageId\": \"x\"","messageId":"QmM","peerId":"QmP","subject":"QmS","timestamp":"2026-12-02T00:45:40Z"}}"#,
                r#"{"message":{"messageId":"a\u0026b","subject":"\u003c"}}"#,
                r#"{"message":{"messageId":"","subject":""}}"#,
                r#"{ "notification" : { "notificationId" : "QmN" , "orderId" : "" } }"#,
                r#"{"notification":{}}"#,
                r#"{"notification":null}"#,
            ]
            .map(|f| f.as_bytes().to_vec()),
        );
        frames
    }

    /// Whatever the skim answers, serde answers too whenever the frame is valid JSON, on the
    /// frames and thousands of mutants of them (and "no ids" always).
    #[test]
    fn the_skim_agrees_with_serde() {
        let agrees = |m: &[u8]| -> Option<bool> {
            let fast = skim(m)?;
            let valid = serde_json::from_slice::<serde::de::IgnoredAny>(m).is_ok();
            if valid || fast.is_none() {
                assert_eq!(fast, inspect_by_serde(m), "{}", String::from_utf8_lossy(m));
            }
            Some(valid && fast.is_some())
        };
        let frames = skim_frames();
        let named = frames.iter().filter(|f| agrees(f) == Some(true)).count();
        assert!(named >= 10, "only {named} frames had their ids skimmed");
        let mut rng = fastrand::Rng::with_seed(20261202);
        let alphabet = b"{}[]\":,\\ -01e.tfnu\"abcdIi";
        let mut skimmed = 0;
        for _ in 0..50_000 {
            let m = crate::fixtures::mutant(&mut rng, &frames, alphabet);
            if agrees(&m) == Some(true) {
                skimmed += 1;
            }
        }
        assert!(skimmed > 1000, "too few valid mutants skimmed: {skimmed}");
    }

    #[test]
    fn every_prefix_of_a_frame_is_safe_to_skim() {
        for f in skim_frames() {
            for cut in 0..f.len() {
                let _ = skim(&f[..cut]);
                let _ = inspect(&f[..cut]);
            }
        }
    }

    #[test]
    fn live_frames_are_read_by_their_first_key() {
        let n = br#"{
    "notification": {
        "buyerId": "QmB",
        "notificationId": "QmN",
        "orderId": "QmO",
        "type": "order"
    }
}"#;
        assert_eq!(inspect(n), note("QmN"));
        let m = br#"{"message": {"message": "\"notificationId\": \"x\"", "messageId": "QmM", "subject": ""}}"#;
        assert_eq!(
            inspect(m),
            Some(Live::Message {
                id: "QmM".into(),
                subject: None
            })
        );
        for other in [
            &br#"{"messageTyping": {"messageId": "x"}}"#[..],
            br#"{"walletUpdate": {}}"#,
            b"",
            b"{",
            br#"{"notification": {"a": {"notificationId": "inner"}}}"#,
        ] {
            assert_eq!(inspect(other), None, "{}", String::from_utf8_lossy(other));
        }
    }
}
