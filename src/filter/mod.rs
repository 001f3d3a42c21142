//! Decides which events are printed: by kind, then by what the frame is about.
//!
//! Kind patterns need only the kind, so most frames are dropped before anything parses their
//! content; the id filters read the frame's tree, which the pipeline builds only if asked,
//! and the stream's memory (the ids paired with a `--peer @handle`), which it feeds.

mod ids;
mod kinds;

pub use ids::{IdPattern, PeerPattern};
pub use kinds::KindPattern;

use crate::json::Value;
use crate::kind::Kind;
use crate::memory::PeerIds;

/// Every filter given on the command line; all must pass.
#[derive(Debug, Default)]
pub struct Filter {
    pub include: Vec<KindPattern>,
    pub exclude: Vec<KindPattern>,
    pub order: Option<IdPattern>,
    pub peer: Option<PeerPattern>,
    pub request: Option<IdPattern>,
    scratch: String,
}

impl Filter {
    pub fn new(
        include: Vec<KindPattern>,
        exclude: Vec<KindPattern>,
        order: Option<IdPattern>,
        peer: Option<PeerPattern>,
        request: Option<IdPattern>,
    ) -> Self {
        Filter {
            include,
            exclude,
            order,
            peer,
            request,
            scratch: String::new(),
        }
    }

    pub fn kind_passes(&mut self, kind: &Kind) -> bool {
        if self.include.is_empty() && self.exclude.is_empty() {
            return true;
        }
        kind.write_name(&mut self.scratch);
        self.scratch.make_ascii_lowercase();
        let name = self.scratch.as_str();
        (self.include.is_empty() || self.include.iter().any(|p| p.matches_lowercase(name)))
            && !self.exclude.iter().any(|p| p.matches_lowercase(name))
    }

    /// The handle of `--peer @handle`, whose ids the stream's memory learns (lower-case).
    pub fn peer_handle(&self) -> Option<String> {
        match &self.peer {
            Some(PeerPattern::Handle(handle)) => Some(handle.clone()),
            _ => None,
        }
    }

    /// Whether `content_passes` needs the frame's tree at all.
    pub fn needs_content(&self) -> bool {
        self.order.is_some() || self.peer.is_some() || self.request.is_some()
    }

    /// The id filters; a frame with no readable tree passes only when none is set. `peer_ids`
    /// are those the stream paired with a `--peer @handle` (frames carrying only the id, such
    /// as chat, match too).
    pub fn content_passes(&self, tree: Option<&Value>, peer_ids: &PeerIds) -> bool {
        if !self.needs_content() {
            return true;
        }
        let Some(tree) = tree else {
            return false;
        };
        self.order
            .as_ref()
            .is_none_or(|p| ids::about_order(tree, p))
            && self
                .peer
                .as_ref()
                .is_none_or(|p| ids::involves_peer(tree, p, peer_ids))
            && self
                .request
                .as_ref()
                .is_none_or(|p| ids::replies_to(tree, p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn kinds_filter(include: &[&str], exclude: &[&str]) -> Filter {
        let pats = |v: &[&str]| {
            v.iter()
                .map(|p| KindPattern::parse(p, "-t").unwrap())
                .collect()
        };
        Filter::new(pats(include), pats(exclude), None, None, None)
    }

    #[test]
    fn include_and_exclude_combine() {
        let mut f = kinds_filter(&["notification"], &["notification.follow"]);
        assert!(f.kind_passes(&Kind::Notification("order".into())));
        assert!(!f.kind_passes(&Kind::Notification("follow".into())));
        assert!(!f.kind_passes(&Kind::WalletUpdate));
        let mut only_exclude = kinds_filter(&[], &["walletUpdate"]);
        assert!(only_exclude.kind_passes(&Kind::MessageRead));
        assert!(!only_exclude.kind_passes(&Kind::WalletUpdate));
    }

    #[test]
    fn content_filters_all_must_pass() {
        let order = IdPattern::parse("--order", "QmbMY8").unwrap();
        let peer = PeerPattern::parse("@alice").unwrap();
        let f = Filter::new(vec![], vec![], Some(order), Some(peer), None);
        let none = PeerIds::default();
        let hit = parse(
            r#"{"notification":{"orderId":"QmbMY8sG","buyerHandle":"alice","type":"order"}}"#,
        )
        .unwrap();
        let other_peer =
            parse(r#"{"notification":{"orderId":"QmbMY8sG","buyerHandle":"bob","type":"order"}}"#)
                .unwrap();
        assert!(f.content_passes(Some(&hit), &none));
        assert!(!f.content_passes(Some(&other_peer), &none));
        assert!(!f.content_passes(None, &none));
        assert!(Filter::default().content_passes(None, &none));
    }

    #[test]
    fn a_handle_matches_frames_that_carry_only_its_learned_id() {
        let peer = PeerPattern::parse("@bob").unwrap();
        let f = Filter::new(vec![], vec![], None, Some(peer), None);
        let mut learned = PeerIds::of(f.peer_handle());
        let chat =
            parse(r#"{"message":{"message":"hi","peerId":"QmBob12345","subject":""}}"#).unwrap();
        assert!(!f.content_passes(Some(&chat), &learned), "not yet paired");
        let paired = parse(
            r#"{"notification":{"type":"orderConfirmation","vendorHandle":"bob","vendorId":"QmBob12345"}}"#,
        )
        .unwrap();
        learned.learn(&paired);
        assert!(f.content_passes(Some(&paired), &learned));
        assert!(
            f.content_passes(Some(&chat), &learned),
            "paired by the earlier frame"
        );
        let other =
            parse(r#"{"message":{"message":"hi","peerId":"QmAlice123","subject":""}}"#).unwrap();
        assert!(!f.content_passes(Some(&other), &learned));
    }
}
