//! One pass over a frame that validates it, writes its compact text and finds its kind: the
//! compactor walks the frame and tells a watcher where the keys and values are; the watcher
//! keeps the raw text of the few values the kind rules read, into the same `TopLevel` the
//! classifier fills, and `TopLevel::kind` decides. So a frame is read once, and kinds are
//! decided in one place.

use std::borrow::Cow;

use super::{raw_string, Sub, TopLevel};
use crate::json::compactor::{compact_watching, Watch};
use crate::kind::Kind;

/// What one pass made of a frame.
#[derive(Debug, PartialEq)]
pub enum OnePass<'a> {
    /// Not JSON: nothing was written; `classify` says why.
    Invalid,
    /// JSON, written compact; its kind, or `None` where the pass could not be sure of it
    /// (then `classify` decides).
    Valid(Option<Kind<'a>>),
}

/// Appends the compact, escaped text of `bytes` to `out` when it is JSON, as
/// `compactor::compact_if_valid` does, and gives its kind as `classify` would.
pub fn compact_classified<'a>(out: &mut Vec<u8>, bytes: &'a [u8]) -> OnePass<'a> {
    let mut watch = KindWatch::new(bytes);
    if !compact_watching(out, bytes, &mut watch) {
        return OnePass::Invalid;
    }
    OnePass::Valid(watch.kind())
}

/// The top-level member whose value is being read, as far as the kind rules care.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Other,
    WalletUpdate,
    Wallet,
    Notification,
    Message,
    Typing,
    Read,
    Status,
}

impl Slot {
    /// The member of this value the rules read, if it is an object.
    fn wanted(self) -> Option<&'static [u8]> {
        match self {
            Slot::Wallet => Some(b"value"),
            Slot::Notification => Some(b"type"),
            Slot::Message => Some(b"subject"),
            _ => None,
        }
    }
}

struct KindWatch<'a> {
    bytes: &'a [u8],
    top: TopLevel<'a>,
    /// Set when a kept value's text could not be read as UTF-8 (a frame the compactor later
    /// refuses, since it checks every byte): the kind is not given.
    unsure: bool,
    /// The top-level member being read.
    slot: Slot,
    /// Where the top-level member's value starts.
    slot_start: usize,
    /// The second-level key just read is the one `slot` wants.
    member: bool,
    member_start: usize,
}

impl<'a> KindWatch<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        KindWatch {
            bytes,
            top: TopLevel::default(),
            unsure: false,
            slot: Slot::Other,
            slot_start: 0,
            member: false,
            member_start: 0,
        }
    }

    fn kind(self) -> Option<Kind<'a>> {
        (!self.unsure).then(|| self.top.kind())
    }

    fn text(&mut self, start: usize, end: usize) -> Option<&'a str> {
        let text = self
            .bytes
            .get(start..end)
            .and_then(|b| std::str::from_utf8(b).ok());
        self.unsure |= text.is_none();
        text
    }

    /// The second-level value the slot fills, if it is one.
    fn sub(&mut self) -> Option<&mut Option<Sub<'a>>> {
        let top = &mut self.top;
        Some(match self.slot {
            Slot::WalletUpdate => &mut top.wallet_update,
            Slot::Wallet => &mut top.wallet,
            Slot::Notification => &mut top.notification,
            Slot::Message => &mut top.message,
            Slot::Typing => &mut top.typing,
            Slot::Read => &mut top.read,
            Slot::Other | Slot::Status => return None,
        })
    }

    /// A key as the classifier reads it (`start..end` has its quotes): escapes decoded, a
    /// lone surrogate as U+FFFD. Keys worth matching have no escapes, so the common case
    /// borrows.
    fn key_text(&mut self, start: usize, end: usize, escaped: bool) -> Option<Cow<'a, [u8]>> {
        let decoded = if escaped {
            self.text(start, end).and_then(raw_string)
        } else {
            let raw = self.bytes.get(start..end);
            let inner = raw.and_then(|r| r.get(1..r.len().checked_sub(1)?));
            self.unsure |= inner.is_none();
            return inner.map(Cow::Borrowed);
        };
        self.unsure |= decoded.is_none();
        Some(match decoded? {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        })
    }
}

impl Watch for KindWatch<'_> {
    #[inline]
    fn key(&mut self, depth: usize, start: usize, end: usize, escaped: bool) {
        match depth {
            1 => {
                let Some(key) = self.key_text(start, end, escaped) else {
                    self.slot = Slot::Other;
                    return;
                };
                let top = &mut self.top;
                self.slot = match key.as_ref() {
                    b"walletUpdate" => Slot::WalletUpdate,
                    b"wallet" => Slot::Wallet,
                    b"notification" => Slot::Notification,
                    b"message" => Slot::Message,
                    b"messageTyping" => Slot::Typing,
                    b"messageRead" => Slot::Read,
                    b"status" => Slot::Status,
                    other => {
                        let flag = match other {
                            b"id" => Some(&mut top.has_id),
                            b"profile" => Some(&mut top.has_profile),
                            b"peerId" => Some(&mut top.has_peer_id),
                            b"peerID" => Some(&mut top.has_peer_id_caps),
                            b"error" => Some(&mut top.has_error),
                            b"ratingId" => Some(&mut top.has_rating_id),
                            b"rating" => Some(&mut top.has_rating),
                            _ => None,
                        };
                        if let Some(flag) = flag {
                            *flag = true;
                        }
                        Slot::Other
                    }
                };
            }
            2 => {
                self.member = match self.slot.wanted() {
                    Some(want) => self
                        .key_text(start, end, escaped)
                        .is_some_and(|k| *k == *want),
                    None => false,
                };
            }
            _ => {}
        }
    }

    #[inline]
    fn value_start(&mut self, depth: usize, at: usize, first: u8) {
        match depth {
            0 => self.top.not_object = first != b'{',
            1 => {
                self.slot_start = at;
                self.member = false;
                if let Some(sub) = self.sub() {
                    *sub = Some(if first == b'{' {
                        Sub::Object(None)
                    } else {
                        Sub::Other
                    });
                }
            }
            2 if self.member => self.member_start = at,
            _ => {}
        }
    }

    #[inline]
    fn value_end(&mut self, depth: usize, at: usize) {
        match depth {
            1 if self.slot == Slot::Status => {
                self.top.status = self.text(self.slot_start, at);
            }
            2 if self.member => {
                let text = self.text(self.member_start, at);
                if let Some(Some(Sub::Object(found))) = self.sub() {
                    *found = text;
                }
                self.member = false;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "onepass_tests.rs"]
mod tests;
