//! Which handle goes with which peer id, learned from the stream itself: a notification pairs
//! `vendorHandle: bob` with `vendorId`, and later frames (chat, typing, processing errors)
//! carry the id alone. Memory is bounded: a stranger can send endless new pairs.

use std::collections::{HashMap, VecDeque};

use crate::json::Value;

/// Where a frame pairs a handle with the peer id it belongs to: (object path, handle key,
/// id key).
const PAIRS: &[(&[&str], &str, &str)] = &[
    (&["notification"], "buyerHandle", "buyerId"),
    (&["notification"], "vendorHandle", "vendorId"),
    (&["notification"], "disputerHandle", "disputerId"),
    (&["notification"], "disputeeHandle", "disputeeId"),
    (&["notification"], "otherPartyHandle", "otherPartyId"),
    (&["profile"], "handle", "peerID"),
    (&["rating", "ratingData", "vendorID"], "handle", "peerID"),
    (&["rating", "ratingData", "buyerID"], "handle", "peerID"),
];

/// The most pairs a book holds; the oldest are forgotten first.
pub const CAPACITY: usize = 4096;

/// Every (handle, peer id) pair a frame states, the handle without its `@`.
pub fn pairs<'t>(tree: &'t Value) -> impl Iterator<Item = (String, String)> + 't {
    PAIRS.iter().filter_map(move |(path, handle, id)| {
        let obj = tree.at(path)?;
        let handle = obj.str_at(handle)?;
        let handle = handle.trim_start_matches('@');
        let id = obj.str_at(id)?;
        (!handle.is_empty()).then(|| (handle.to_string(), id.into_owned()))
    })
}

/// Peer id to handle, for at most `CAPACITY` peers.
#[derive(Debug, Default)]
pub struct Handles {
    by_id: HashMap<String, String>,
    /// Ids in the order they were first learned, to forget the oldest.
    order: VecDeque<String>,
}

impl Handles {
    /// Remembers every pair the frame states; a peer's newest handle wins.
    pub fn learn(&mut self, tree: &Value) {
        for (handle, id) in pairs(tree) {
            self.insert(id, handle);
        }
    }

    fn insert(&mut self, id: String, handle: String) {
        if let Some(known) = self.by_id.get_mut(&id) {
            *known = handle;
            return;
        }
        if self.order.len() >= CAPACITY {
            if let Some(oldest) = self.order.pop_front() {
                self.by_id.remove(&oldest);
            }
        }
        self.order.push_back(id.clone());
        self.by_id.insert(id, handle);
    }

    /// The handle learned for this peer id, without its `@`.
    pub fn of(&self, id: &str) -> Option<&str> {
        self.by_id.get(id).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn learns_pairs_and_the_newest_handle_wins() {
        let mut h = Handles::default();
        h.learn(&parse(r#"{"notification":{"type":"order","vendorHandle":"@bob","vendorId":"QmBob1","buyerHandle":"","buyerId":"QmAnon"}}"#).unwrap());
        assert_eq!(h.of("QmBob1"), Some("bob"));
        assert_eq!(h.of("QmAnon"), None, "an empty handle is no handle");
        h.learn(&parse(r#"{"profile":{"handle":"robert","peerID":"QmBob1"}}"#).unwrap());
        assert_eq!(h.of("QmBob1"), Some("robert"));
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn memory_is_bounded_and_forgets_the_oldest() {
        let mut h = Handles::default();
        for i in 0..CAPACITY + 10 {
            let frame =
                format!(r#"{{"notification":{{"vendorHandle":"v{i}","vendorId":"Qm{i}"}}}}"#);
            h.learn(&parse(&frame).unwrap());
        }
        assert_eq!(h.len(), CAPACITY);
        assert_eq!(h.of("Qm0"), None);
        assert_eq!(
            h.of(&format!("Qm{}", CAPACITY + 9)),
            Some(&*format!("v{}", CAPACITY + 9))
        );
    }
}
