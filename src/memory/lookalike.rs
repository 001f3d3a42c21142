//! Handles and names that imitate others, learned from the stream: on a marketplace a stranger
//! poses as a vendor the user trusts by taking a handle that reads the same (`@аlice`, with a
//! Cyrillic `а`). The pipeline feeds this memory every handle and name a frame states; the
//! renderer and jq programs read what it says of them. It decides nothing about output.
//!
//! Two tests, both from Unicode TR39: a word that mixes scripts (`аlice`: Cyrillic and Latin;
//! Han with kana, and digits and punctuation with anything, are not mixed), and a text whose
//! confusable skeleton is that of a different text seen earlier (`paypa1` after `paypal`),
//! or a handle seen earlier on another peer id. The first text of a skeleton is taken for
//! the real one. Memory is bounded: a stranger can send endless new names.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use unicode_script::{Script, UnicodeScript};
use unicode_security::{skeleton, MixedScript};

use crate::json::Value;
use crate::kind::Kind;

/// The most skeletons remembered; the oldest are forgotten first.
pub const CAPACITY: usize = 4096;
/// Only the start of a longer text is compared: enough for any handle or name.
const MAX_CHARS: usize = 128;

/// Where frames state handles and names: (object path, text key, peer id key, a handle?).
const FIELDS: &[(&[&str], &str, &str, bool)] = &[
    (&["notification"], "buyerHandle", "buyerId", true),
    (&["notification"], "vendorHandle", "vendorId", true),
    (&["notification"], "disputerHandle", "disputerId", true),
    (&["notification"], "disputeeHandle", "disputeeId", true),
    (&["notification"], "otherPartyHandle", "otherPartyId", true),
    (&["profile"], "handle", "peerID", true),
    (&["profile"], "name", "peerID", false),
    (
        &["rating", "ratingData", "vendorID"],
        "handle",
        "peerID",
        true,
    ),
    (
        &["rating", "ratingData", "buyerID"],
        "handle",
        "peerID",
        true,
    ),
    (&["rating", "ratingData"], "buyerName", "", false),
];

/// Why a handle or name looks like an impostor's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suspicion {
    /// A word of it mixes scripts: the scripts, in the order they come.
    MixedScripts(Vec<&'static str>),
    /// It reads as this different text, seen earlier in the stream.
    LooksLike(String),
    /// The same handle was seen earlier on another peer id.
    OtherPeer,
}

/// A suspect handle or name of one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspect {
    /// Where it is: `notification.buyerHandle`, `profile.name`, ….
    pub field: String,
    /// The text as the frame has it (a handle without its `@`).
    pub text: String,
    pub why: Suspicion,
}

/// The first text seen with a skeleton.
#[derive(Debug)]
struct First {
    text: String,
    id: Option<String>,
    handle: bool,
}

/// What the stream has shown so far: the first text of each skeleton.
#[derive(Debug, Default)]
pub struct Lookalikes {
    first: HashMap<Rc<str>, First>,
    /// Skeletons in the order they were first seen, to forget the oldest.
    order: VecDeque<Rc<str>>,
    /// What texts met lately read as: a handle comes back frame after frame, and pretty
    /// output judges each one it shows again.
    reads: RefCell<HashMap<String, Read>>,
}

/// What a text reads as: its confusable skeleton, and the scripts it mixes in a word.
#[derive(Debug, Clone)]
struct Read {
    skeleton: Rc<str>,
    mixed: Option<Rc<[&'static str]>>,
}

/// Whether frames of this kind state handles or names.
pub fn carries_names(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Notification(_) | Kind::ReplyProfile | Kind::ReplyRating
    )
}

/// A handle without its `@`, or a name, as compared.
fn bare(text: &str) -> &str {
    text.trim_start_matches('@')
}

/// The part of a text that is compared and remembered (memory stays bounded, whatever the
/// length of a stranger's handle).
fn start(text: &str) -> &str {
    let bare = bare(text);
    let end = bare
        .char_indices()
        .nth(MAX_CHARS)
        .map_or(bare.len(), |(i, _)| i);
    bare.get(..end).unwrap_or(bare)
}

fn skeleton_of(text: &str) -> String {
    skeleton(start(text)).collect()
}

/// The scripts a word mixes, when it is not single-script (TR39 5.1, with Common and
/// Inherited characters going with any script).
fn mixed_scripts(text: &str) -> Option<Vec<&'static str>> {
    // ASCII is Latin, digits and punctuation: one script.
    if text.is_ascii() {
        return None;
    }
    let mixed = bare(text)
        .split_whitespace()
        .find(|word| !word.is_single_script())?;
    let mut scripts = Vec::new();
    for c in mixed.chars() {
        let script = c.script();
        if !matches!(script, Script::Common | Script::Inherited | Script::Unknown) {
            let name = script.full_name();
            if !scripts.contains(&name) {
                scripts.push(name);
            }
        }
    }
    Some(scripts)
}

impl Lookalikes {
    /// What makes `text` (of peer `id`, a handle or a name) suspect, given what was seen
    /// before; `None` for an honest-looking one, or for the first of its skeleton.
    pub fn judge(&self, text: &str, id: Option<&str>, handle: bool) -> Option<Suspicion> {
        self.judge_by(&self.read(text), text, id, handle)
    }

    /// `judge`, what `text` is read as known.
    fn judge_by(
        &self,
        read: &Read,
        text: &str,
        id: Option<&str>,
        handle: bool,
    ) -> Option<Suspicion> {
        if let Some(scripts) = &read.mixed {
            return Some(Suspicion::MixedScripts(scripts.to_vec()));
        }
        let first = self.first.get(&read.skeleton)?;
        let same_peer = matches!((first.id.as_deref(), id), (Some(a), Some(b)) if a == b);
        if same_peer {
            None
        } else if first.text != start(text) {
            Some(Suspicion::LooksLike(first.text.clone()))
        } else if handle && first.handle && first.id.is_some() && id.is_some() {
            Some(Suspicion::OtherPeer)
        } else {
            None
        }
    }

    /// What `text` reads as, from the cache when it was met lately.
    fn read(&self, text: &str) -> Read {
        let mut cache = self.reads.borrow_mut();
        if let Some(known) = cache.get(start(text)) {
            return known.clone();
        }
        if cache.len() >= CAPACITY {
            cache.clear();
        }
        let read = Read {
            skeleton: skeleton_of(text).into(),
            mixed: mixed_scripts(text).map(Rc::from),
        };
        cache.insert(start(text).to_string(), read.clone());
        read
    }

    /// Remembers `text`, of skeleton `key`, when it is the first of its skeleton.
    fn remember(&mut self, key: Rc<str>, text: &str, id: Option<&str>, handle: bool) {
        if self.first.contains_key(&key) {
            return;
        }
        if self.order.len() >= CAPACITY {
            if let Some(oldest) = self.order.pop_front() {
                self.first.remove(&oldest);
            }
        }
        self.order.push_back(key.clone());
        let first = First {
            text: start(text).to_string(),
            id: id.map(str::to_string),
            handle,
        };
        self.first.insert(key, first);
    }

    /// Learns every handle and name the frame states, in order, and says which of them are
    /// suspect.
    pub fn learn(&mut self, tree: &Value) -> Vec<Suspect> {
        let mut suspects = Vec::new();
        for (path, key, id_key, handle) in FIELDS {
            let Some(obj) = tree.at(path) else { continue };
            let Some(text) = obj.str_at(key) else {
                continue;
            };
            if bare(&text).is_empty() {
                continue;
            }
            let id = obj.str_at(id_key);
            let read = self.read(&text);
            if let Some(why) = self.judge_by(&read, &text, id.as_deref(), *handle) {
                suspects.push(Suspect {
                    field: format!("{}.{key}", path.join(".")),
                    text: bare(&text).to_string(),
                    why,
                });
            }
            self.remember(read.skeleton, &text, id.as_deref(), *handle);
        }
        suspects
    }

    /// Learns a handle known outside any frame (an order list's row), as if a frame had
    /// stated it with this peer id.
    pub fn learn_handle(&mut self, handle: &str, id: Option<&str>) {
        if bare(handle).is_empty() {
            return;
        }
        let read = self.read(handle);
        self.remember(read.skeleton, handle, id, true);
    }

    pub fn len(&self) -> usize {
        self.first.len()
    }

    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }
}

impl Suspicion {
    /// In words, for pretty output: `mixed scripts: Latin, Cyrillic`, `looks like @alice`.
    pub fn words(&self, handle: bool) -> String {
        let at = if handle { "@" } else { "" };
        match self {
            Suspicion::MixedScripts(scripts) => format!("mixed scripts: {}", scripts.join(", ")),
            Suspicion::LooksLike(first) => format!("looks like {at}{first}"),
            Suspicion::OtherPeer => "another peer had this handle first".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn order(buyer: &str, id: &str) -> String {
        format!(r#"{{"notification":{{"type":"order","buyerHandle":"{buyer}","buyerId":"{id}"}}}}"#)
    }

    fn learn(l: &mut Lookalikes, frame: &str) -> Vec<Suspicion> {
        let tree = parse(frame).unwrap();
        l.learn(&tree).into_iter().map(|s| s.why).collect()
    }

    #[test]
    fn a_handle_that_reads_as_an_earlier_one_is_suspect() {
        let mut l = Lookalikes::default();
        assert_eq!(learn(&mut l, &order("@alice", "QmA")), []);
        // Cyrillic а (U+0430) for a: a mixed word, and a look-alike of @alice.
        assert_eq!(
            learn(&mut l, &order("\u{430}lice", "QmB")),
            [Suspicion::MixedScripts(vec!["Cyrillic", "Latin"])]
        );
        // All Cyrillic, not mixed, but the same skeleton as alice.
        assert_eq!(learn(&mut l, &order("\u{430}\u{435}", "QmC")), []);
        assert_eq!(
            learn(&mut l, &order("ae", "QmD")),
            [Suspicion::LooksLike("\u{430}\u{435}".into())]
        );
        assert_eq!(learn(&mut l, &order("paypal", "QmE")), []);
        assert_eq!(
            learn(&mut l, &order("paypa1", "QmF")),
            [Suspicion::LooksLike("paypal".into())]
        );
        // The first one stays the real one, and is never suspect itself.
        assert_eq!(learn(&mut l, &order("alice", "QmA")), []);
        assert_eq!(l.judge("alice", Some("QmA"), true), None);
    }

    #[test]
    fn the_same_handle_on_another_peer_is_suspect_but_not_a_rename() {
        let mut l = Lookalikes::default();
        assert_eq!(learn(&mut l, &order("bob", "QmBob")), []);
        assert_eq!(
            learn(&mut l, &order("bob", "QmEve")),
            [Suspicion::OtherPeer]
        );
        // A peer that changes its own handle to a look-alike is itself, not an impostor.
        assert_eq!(learn(&mut l, &order("b0b", "QmBob")), []);
        // Names are not handles: two people may share one.
        let profile =
            |name: &str, id: &str| format!(r#"{{"profile":{{"name":"{name}","peerID":"{id}"}}}}"#);
        assert_eq!(learn(&mut l, &profile("Jane Doe", "Qm1")), []);
        assert_eq!(learn(&mut l, &profile("Jane Doe", "Qm2")), []);
    }

    #[test]
    fn honest_names_in_any_script_are_not_suspect() {
        let mut l = Lookalikes::default();
        for (i, name) in [
            "Иван Ivanov",
            "日本茶の店",
            "José García",
            "shop_42",
            "Mo's Café",
            "Ελένη",
            "🚀rocket",
        ]
        .into_iter()
        .enumerate()
        {
            let frame =
                format!(r#"{{"profile":{{"name":"{name}","handle":"shop{i}","peerID":"Qm{i}"}}}}"#);
            assert_eq!(learn(&mut l, &frame), [], "{name}");
        }
    }

    #[test]
    fn memory_is_bounded_and_forgets_the_oldest() {
        let mut l = Lookalikes::default();
        for i in 0..CAPACITY + 10 {
            learn(&mut l, &order(&format!("v{i}"), &format!("Qm{i}")));
        }
        assert_eq!(l.len(), CAPACITY);
        assert_eq!(l.judge("v0", Some("QmX"), true), None);
        assert_eq!(
            l.judge(&format!("v{}", CAPACITY + 9), Some("QmX"), true),
            Some(Suspicion::OtherPeer)
        );
    }
}
