//! The peer ids the stream pairs with the handle of `--peer @handle`: a notification pairs
//! `vendorHandle: bob` with `vendorId`, and Bob's chat, which carries the id alone, is then
//! his too.

use super::handles::pairs;
use crate::json::Value;

/// The most ids remembered for one handle: enough for a peer's nodes over time, bounded
/// against a stream that pairs the handle with endless new ids.
const MAX_LEARNED: usize = 64;

/// Peer ids the stream has paired with one handle (lower-case, without its `@`).
#[derive(Debug, Default)]
pub struct PeerIds {
    handle: Option<String>,
    ids: Vec<String>,
}

impl PeerIds {
    /// Learns the ids of this handle; `None`: of none.
    pub fn of(handle: Option<String>) -> Self {
        PeerIds {
            handle,
            ids: Vec::new(),
        }
    }

    /// Whether there is a handle to learn ids for.
    pub fn learning(&self) -> bool {
        self.handle.is_some()
    }

    pub fn learn(&mut self, tree: &Value) {
        let Some(handle) = &self.handle else {
            return;
        };
        for (h, id) in pairs(tree) {
            if h.to_lowercase() == *handle && !self.ids.contains(&id) {
                if self.ids.len() >= MAX_LEARNED {
                    self.ids.remove(0);
                }
                self.ids.push(id);
            }
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.iter().any(|known| known == id)
    }
}
