//! Decides a frame's kind from the keys it carries, reading no deeper than the rules need.
//!
//! One serde pass validates the whole frame (so broken JSON is `invalid`) while keeping only
//! the handful of values the rules look at. It must not allocate for ordinary frames and must
//! not interpret anything beyond the kind: that is for filters and renderers.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::kind::Kind;

mod onepass;
mod skim;

pub use onepass::{compact_classified, OnePass};
pub use skim::skim;

/// The kind of a frame, and why it is `invalid` when it is.
#[derive(Debug)]
pub struct Classified<'a> {
    pub kind: Kind<'a>,
    /// For `invalid` frames: what is wrong with them, in plain words.
    pub error: Option<String>,
}

/// Classifies the text of one frame.
pub fn classify(bytes: &[u8]) -> Classified<'_> {
    let text = match simdutf8::basic::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => {
            // The slower std check says where the bad byte is.
            let at = std::str::from_utf8(bytes)
                .err()
                .map_or(0, |e| e.valid_up_to());
            return invalid(format!("not valid UTF-8 (bad byte at offset {at})"));
        }
    };
    match serde_json::from_str::<TopLevel>(text) {
        Ok(top) => Classified {
            kind: top.kind(),
            error: None,
        },
        Err(e) => classify_tamed(text, &e),
    }
}

/// Two things are JSON that serde refuses where it reads a value as any type or decodes a
/// key: a number beyond a double (`1e400`), and a lone surrogate escape (`"\ud800"`), which
/// the jq reader and the tree take as U+FFFD. Rare, so a second pass: each such number
/// becomes `0` (its sign kept, which is all a kind can depend on), each lone surrogate
/// `\ufffd`, and the frame is classified again; so a frame's kind is the same whichever
/// reader looks at it.
fn classify_tamed(text: &str, first: &serde_json::Error) -> Classified<'static> {
    let Some(tamed) = tame(text) else {
        return invalid(describe_json_error(first, text));
    };
    match serde_json::from_str::<TopLevel>(&tamed) {
        Ok(top) => Classified {
            kind: top.kind().into_owned(),
            error: None,
        },
        Err(e) => invalid(describe_json_error(&e, &tamed)),
    }
}

/// `text` with every number outside strings that a double cannot hold replaced by `0`/`-0`
/// and every lone surrogate escape by `\ufffd`; `None` when there is neither.
fn tame(text: &str) -> Option<String> {
    use crate::json::cursor::Cursor;
    let mut out = String::with_capacity(text.len());
    let mut c = Cursor::new(text.as_bytes());
    let mut copied = 0;
    while let Some(b) = c.peek() {
        match b {
            b'"' => {
                let Some((start, end)) = c.string_span() else {
                    break;
                };
                for at in lone_surrogates(c.span((start, end))) {
                    let at = start + at;
                    out.push_str(text.get(copied..at).unwrap_or_default());
                    out.push_str("\\ufffd");
                    copied = at + 6;
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = c.pos();
                c.skip_while(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'));
                let token = text.get(start..c.pos()).unwrap_or_default();
                // Rust reads `01e400` and `1.e400` too: only a JSON number is tamed, so
                // that text which is not JSON stays invalid.
                if is_json_number(token) && token.parse::<f64>().is_ok_and(f64::is_infinite) {
                    out.push_str(text.get(copied..start).unwrap_or_default());
                    out.push_str(if token.starts_with('-') { "-0" } else { "0" });
                    copied = c.pos();
                }
            }
            _ => {
                c.bump();
            }
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Some(out)
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, nothing more.
fn is_json_number(token: &str) -> bool {
    let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let s = token.strip_prefix('-').unwrap_or(token);
    let int = digits(s);
    if int == 0 || (int > 1 && s.starts_with('0')) {
        return false;
    }
    let mut rest = s.get(int..).unwrap_or_default();
    if let Some(frac) = rest.strip_prefix('.') {
        let n = digits(frac);
        if n == 0 {
            return false;
        }
        rest = frac.get(n..).unwrap_or_default();
    }
    if let Some(exp) = rest.strip_prefix(['e', 'E']) {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        let n = digits(exp);
        if n == 0 {
            return false;
        }
        rest = exp.get(n..).unwrap_or_default();
    }
    rest.is_empty()
}

/// Where each unpaired surrogate escape (`\ud800` not followed by a low one, or a low one
/// alone) starts in the bytes of a string.
fn lone_surrogates(s: &[u8]) -> Vec<usize> {
    let unit = |at: usize| -> Option<u32> {
        let hex = s.get(at..at + 6)?.strip_prefix(b"\\u")?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
    };
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(at) = s.get(i..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let at = i + at;
        match unit(at) {
            Some(0xd800..=0xdbff) if matches!(unit(at + 6), Some(0xdc00..=0xdfff)) => i = at + 12,
            Some(0xd800..=0xdfff) => {
                found.push(at);
                i = at + 6;
            }
            _ => i = at + 2,
        }
    }
    found
}

/// Classifies the JSON value at the start of `bytes` and says where it ends: one pass that
/// both splits a replayed stream and classifies. `None` when `bytes` does not start with a
/// complete valid value; the caller then finds the frame's extent another way.
pub fn classify_leading(bytes: &[u8]) -> Option<(Kind<'_>, usize)> {
    let mut values = serde_json::Deserializer::from_slice(bytes).into_iter::<TopLevel>();
    let top = values.next()?.ok()?;
    let len = values.byte_offset();
    simdutf8::basic::from_utf8(bytes.get(..len)?).ok()?;
    Some((top.kind(), len))
}

/// A classification of a frame that could not be read at all.
pub fn invalid(error: String) -> Classified<'static> {
    Classified {
        kind: Kind::Invalid,
        error: Some(error),
    }
}

fn describe_json_error(e: &serde_json::Error, text: &str) -> String {
    let msg = e.to_string();
    if msg.starts_with("recursion limit exceeded") {
        return "nested more than 128 levels deep".to_string();
    }
    if text.trim().is_empty() {
        return "empty frame".to_string();
    }
    format!("not JSON: {msg}")
}

/// What the top level of a frame holds, as far as classification cares: the raw JSON text of
/// the few values the rules read. Filled by the validating serde pass or by `skim`.
#[derive(Default)]
struct TopLevel<'a> {
    not_object: bool,
    wallet_update: Option<Sub<'a>>,
    wallet: Option<Sub<'a>>,
    notification: Option<Sub<'a>>,
    message: Option<Sub<'a>>,
    typing: Option<Sub<'a>>,
    read: Option<Sub<'a>>,
    status: Option<&'a str>,
    has_id: bool,
    has_profile: bool,
    has_peer_id: bool,
    has_peer_id_caps: bool,
    has_error: bool,
    has_rating_id: bool,
    has_rating: bool,
}

impl<'a> TopLevel<'a> {
    fn kind(self) -> Kind<'a> {
        if self.not_object {
            return Kind::Unknown;
        }
        if let Some(sub) = &self.wallet_update {
            if sub.is_object() {
                return Kind::WalletUpdate;
            }
        }
        if let Some(Sub::Object(value)) = self.wallet {
            if let Some(k) = value.and_then(wallet_direction) {
                return k;
            }
        }
        if let Some(Sub::Object(Some(t))) = self.notification {
            if let Some(t) = raw_string(t).filter(|t| !t.is_empty()) {
                return Kind::Notification(t);
            }
        }
        if let Some(Sub::Object(subject)) = self.message {
            let has_subject = subject.and_then(raw_string).is_some_and(|s| !s.is_empty());
            return if has_subject {
                Kind::MessageOrder
            } else {
                Kind::MessageDirect
            };
        }
        if self.typing.as_ref().is_some_and(Sub::is_object) {
            return Kind::MessageTyping;
        }
        if self.read.as_ref().is_some_and(Sub::is_object) {
            return Kind::MessageRead;
        }
        if let Some(status) = self.status.and_then(raw_string) {
            match status.as_ref() {
                "publishing" => return Kind::StatusPublishing,
                "publish complete" => return Kind::StatusComplete,
                "error publishing" => return Kind::StatusError,
                _ => {}
            }
        }
        if self.has_id {
            if self.has_rating_id {
                if self.has_rating {
                    return Kind::ReplyRating;
                }
                if self.has_error {
                    return Kind::ReplyRatingError;
                }
            } else if self.has_profile {
                return Kind::ReplyProfile;
            } else if self.has_error && self.has_peer_id_caps {
                return Kind::ReplyProfileError;
            } else if self.has_peer_id {
                return Kind::ReplyModerator;
            }
        }
        Kind::Unknown
    }
}

/// Incoming or outgoing, from the sign of `value`: a 0.13 integer, or a 0.14 CurrencyValue
/// whose `amount` is a decimal string.
fn wallet_direction(text: &str) -> Option<Kind<'static>> {
    let amount: Cow<str> = if text.starts_with('{') {
        match serde_json::from_str::<Sub>(text).ok()? {
            Sub::Object(Some(amount)) => match raw_string(amount) {
                Some(s) => s,
                None => Cow::Borrowed(amount),
            },
            _ => return None,
        }
    } else {
        Cow::Borrowed(text)
    };
    let (negative, digits) = match amount.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, amount.as_ref()),
    };
    let integer_part = digits.split(['.', 'e', 'E']).next().unwrap_or("");
    if integer_part.is_empty() || !integer_part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(if negative {
        Kind::WalletOutgoing
    } else {
        Kind::WalletIncoming
    })
}

/// The value of a raw JSON string, borrowed when it has no escapes; `None` for non-strings.
fn raw_string(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.starts_with('"') {
        return None;
    }
    match serde_json::from_str::<Key>(raw) {
        Ok(key) => Some(key.0),
        // A lone surrogate: U+FFFD, as everywhere else.
        Err(_) => {
            let tamed = tame(raw)?;
            let key = serde_json::from_str::<Key>(&tamed).ok()?;
            Some(Cow::Owned(key.0.into_owned()))
        }
    }
}

/// A string that borrows from the input when it can.
struct Key<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A second-level value: an object (keeping at most one wanted member), or anything else.
enum Sub<'a> {
    Object(Option<&'a str>),
    Other,
}

impl Sub<'_> {
    fn is_object(&self) -> bool {
        matches!(self, Sub::Object(_))
    }
}

impl<'de> de::Deserialize<'de> for Sub<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        SubSeed("amount").deserialize(d)
    }
}

/// Reads a value, keeping the member named `.0` if the value is an object.
struct SubSeed(&'static str);

impl<'de> DeserializeSeed<'de> for SubSeed {
    type Value = Sub<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SubSeed {
    type Value = Sub<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Key>()? {
            if key.0 == self.0 {
                found = Some(map.next_value::<&RawValue>()?.get());
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Sub::Object(found))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Sub::Other)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Sub::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Sub::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Sub::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Sub::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Sub::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Sub::Other)
    }
}

impl<'de> de::Deserialize<'de> for TopLevel<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = TopLevel<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut top = TopLevel::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key.0.as_ref() {
                "walletUpdate" => top.wallet_update = Some(map.next_value_seed(SubSeed(""))?),
                "wallet" => top.wallet = Some(map.next_value_seed(SubSeed("value"))?),
                "notification" => top.notification = Some(map.next_value_seed(SubSeed("type"))?),
                "message" => top.message = Some(map.next_value_seed(SubSeed("subject"))?),
                "messageTyping" => top.typing = Some(map.next_value_seed(SubSeed(""))?),
                "messageRead" => top.read = Some(map.next_value_seed(SubSeed(""))?),
                "status" => top.status = Some(map.next_value::<&RawValue>()?.get()),
                other => {
                    map.next_value::<IgnoredAny>()?;
                    match other {
                        "id" => top.has_id = true,
                        "profile" => top.has_profile = true,
                        "peerId" => top.has_peer_id = true,
                        "peerID" => top.has_peer_id_caps = true,
                        "error" => top.has_error = true,
                        "ratingId" => top.has_rating_id = true,
                        "rating" => top.has_rating = true,
                        _ => {}
                    }
                }
            }
        }
        Ok(top)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(not_object())
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(not_object())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(not_object())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(not_object())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(not_object())
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(not_object())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(not_object())
    }
}

fn not_object<'a>() -> TopLevel<'a> {
    TopLevel {
        not_object: true,
        ..TopLevel::default()
    }
}

#[cfg(test)]
mod tests;
