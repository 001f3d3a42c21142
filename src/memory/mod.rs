//! What obtail learns from the stream, below the stages that use it: the handle each peer
//! goes by (a notification pairs `vendorHandle` with `vendorId`; chat carries the id alone),
//! the peer ids paired with a `--peer @handle`, and the handles and names that imitate
//! others. The pipeline feeds it every frame that states such pairs, those the filters drop
//! too; the filters and the renderers only read it, so no stage pushes into another.

pub mod handles;
pub mod lookalike;
mod peer_ids;

pub use handles::Handles;
pub use lookalike::{carries_names, Lookalikes, Suspect, Suspicion};
pub use peer_ids::PeerIds;

use crate::json::Value;
use crate::kind::Kind;

/// What a run's stages read of the stream's memory, settled once.
#[derive(Debug, Clone, Default)]
pub struct Wants {
    /// Pretty output names peers by handle.
    pub handles: bool,
    /// Pretty output marks impostors, or a program reads `$suspect`.
    pub lookalikes: bool,
    /// `--peer @handle` (lower-case, without its `@`).
    pub peer_handle: Option<String>,
}

/// The stream's memory for one run.
#[derive(Debug, Default)]
pub struct Memory {
    pub handles: Handles,
    pub lookalikes: Lookalikes,
    pub peer_ids: PeerIds,
    wants_handles: bool,
    wants_lookalikes: bool,
}

impl Memory {
    pub fn new(wants: Wants) -> Self {
        Memory {
            handles: Handles::default(),
            lookalikes: Lookalikes::default(),
            peer_ids: PeerIds::of(wants.peer_handle),
            wants_handles: wants.handles,
            wants_lookalikes: wants.lookalikes,
        }
    }

    /// Whether a frame of this kind teaches anything a stage of this run reads.
    pub fn learns_from(&self, kind: &Kind) -> bool {
        carries_names(kind)
            && (self.wants_handles || self.wants_lookalikes || self.peer_ids.learning())
    }

    /// Learns what the frame states; returns its suspect handles and names (when a stage
    /// reads them).
    pub fn learn(&mut self, tree: &Value) -> Vec<Suspect> {
        if self.wants_handles {
            self.handles.learn(tree);
        }
        self.peer_ids.learn(tree);
        if self.wants_lookalikes {
            self.lookalikes.learn(tree)
        } else {
            Vec::new()
        }
    }

    /// The look-alike memory, when a stage reads it.
    pub fn lookalikes(&self) -> Option<&Lookalikes> {
        self.wants_lookalikes.then_some(&self.lookalikes)
    }
}
