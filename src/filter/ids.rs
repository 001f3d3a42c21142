//! `--order`, `--peer` and `--id`: which fields name an order, a peer or a request, and how
//! an id given by the user matches them (whole, or a prefix of at least 6 characters).

use crate::exit::Failure;
use crate::json::Value;
use crate::memory::PeerIds;

const MIN_PREFIX: usize = 6;

/// Fields that name an order: notifications (`vendorDisputeTimeout` and
/// `moderatorDisputeExpiry` use their own names), wallet transactions, and the subject of
/// order chat, typing indicators and read receipts.
const ORDER_FIELDS: &[&[&str]] = &[
    &["notification", "orderId"],
    &["notification", "purchaseOrderId"],
    &["notification", "disputeCaseId"],
    &["wallet", "orderId"],
    &["message", "subject"],
    &["messageTyping", "subject"],
    &["messageRead", "subject"],
];

const PEER_FIELDS: &[&[&str]] = &[
    &["notification", "buyerId"],
    &["notification", "vendorId"],
    &["notification", "disputerId"],
    &["notification", "disputeeId"],
    &["notification", "otherPartyId"],
    &["notification", "peerId"],
    &["notification", "buyer"],
    &["message", "peerId"],
    &["messageTyping", "peerId"],
    &["messageRead", "peerId"],
    &["peerId"],
    &["peerID"],
    &["profile", "peerID"],
    &["rating", "ratingData", "vendorID", "peerID"],
    &["rating", "ratingData", "buyerID", "peerID"],
];

const HANDLE_FIELDS: &[&[&str]] = &[
    &["notification", "buyerHandle"],
    &["notification", "vendorHandle"],
    &["notification", "disputerHandle"],
    &["notification", "disputeeHandle"],
    &["notification", "otherPartyHandle"],
    &["profile", "handle"],
    &["rating", "ratingData", "vendorID", "handle"],
    &["rating", "ratingData", "buyerID", "handle"],
];

/// An id as the user gave it: the whole id or a prefix of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdPattern(String);

impl IdPattern {
    pub fn parse(option: &str, id: &str) -> Result<Self, Failure> {
        let id = id.trim();
        if id.chars().count() < MIN_PREFIX {
            return Err(Failure::usage(format!(
                "{option} '{}' is too short: give the id or at least its first {MIN_PREFIX} characters",
                crate::sanitize::escape(id)
            )));
        }
        Ok(IdPattern(id.to_string()))
    }

    pub fn matches(&self, id: &str) -> bool {
        id.starts_with(&self.0)
    }
}

/// A peer: an id (or prefix), or `@handle` (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerPattern {
    Id(IdPattern),
    Handle(String),
}

impl PeerPattern {
    pub fn parse(text: &str) -> Result<Self, Failure> {
        match text.trim().strip_prefix('@') {
            Some("") => Err(Failure::usage("--peer '@' needs a handle after the @")),
            Some(handle) => Ok(PeerPattern::Handle(handle.to_lowercase())),
            None => IdPattern::parse("--peer", text)
                .map(PeerPattern::Id)
                .map_err(|e| match e {
                    // A short word is more likely a handle than an id prefix.
                    Failure::Usage(msg) => Failure::usage(format!(
                        "{msg}, or for a handle, --peer @{}",
                        crate::sanitize::escape(text.trim())
                    )),
                    other => other,
                }),
        }
    }
}

fn any_field(tree: &Value, fields: &[&[&str]], pred: impl Fn(&str) -> bool) -> bool {
    fields.iter().any(|path| {
        tree.at(path)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty() && pred(&s))
    })
}

pub fn about_order(tree: &Value, p: &IdPattern) -> bool {
    any_field(tree, ORDER_FIELDS, |id| p.matches(id))
}

pub fn involves_peer(tree: &Value, p: &PeerPattern, learned: &PeerIds) -> bool {
    match p {
        PeerPattern::Id(id) => any_field(tree, PEER_FIELDS, |s| id.matches(s)),
        PeerPattern::Handle(h) => {
            any_field(tree, HANDLE_FIELDS, |s| {
                s.trim_start_matches('@').to_lowercase() == *h
            }) || any_field(tree, PEER_FIELDS, |s| learned.contains(s))
        }
    }
}

pub fn replies_to(tree: &Value, p: &IdPattern) -> bool {
    any_field(tree, &[&["id"]], |id| p.matches(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    const ORDER: &str = "QmbMY8sGFeZ4cF9LGFmDRgT6Ao3sVRtGcYW5vuJ9ckWFAZ";

    fn order(frame: &str, id: &str) -> bool {
        about_order(
            &parse(frame).unwrap(),
            &IdPattern::parse("--order", id).unwrap(),
        )
    }

    #[test]
    fn every_field_that_names_an_order() {
        for frame in [
            format!(r#"{{"notification":{{"type":"order","orderId":"{ORDER}"}}}}"#),
            format!(
                r#"{{"notification":{{"type":"vendorDisputeTimeout","purchaseOrderId":"{ORDER}"}}}}"#
            ),
            format!(
                r#"{{"notification":{{"type":"moderatorDisputeExpiry","disputeCaseId":"{ORDER}"}}}}"#
            ),
            format!(r#"{{"wallet":{{"orderId":"{ORDER}","value":1}}}}"#),
            format!(r#"{{"message":{{"subject":"{ORDER}"}}}}"#),
            format!(r#"{{"messageTyping":{{"subject":"{ORDER}"}}}}"#),
            format!(r#"{{"messageRead":{{"subject":"{ORDER}"}}}}"#),
        ] {
            assert!(order(&frame, ORDER), "{frame}");
            assert!(order(&frame, "QmbMY8"), "prefix: {frame}");
            assert!(!order(&frame, "QmbMY9"), "{frame}");
        }
        assert!(!order(
            r#"{"message":{"subject":"","peerId":"QmbMY8sG"}}"#,
            "QmbMY8"
        ));
    }

    #[test]
    fn short_ids_are_refused() {
        assert!(IdPattern::parse("--order", "Qm12").is_err());
        assert!(PeerPattern::parse("@").is_err());
        let Err(e) = PeerPattern::parse("bob") else {
            panic!("a 3-letter peer id was accepted")
        };
        assert!(
            e.to_string().ends_with("or for a handle, --peer @bob"),
            "{e}"
        );
    }

    #[test]
    fn peers_by_id_or_handle() {
        let none = PeerIds::default();
        let f = parse(r#"{"notification":{"type":"disputeOpen","disputerId":"QmAAAAAA1","disputeeHandle":"@Bob"}}"#).unwrap();
        assert!(involves_peer(
            &f,
            &PeerPattern::parse("QmAAAAAA").unwrap(),
            &none
        ));
        assert!(involves_peer(
            &f,
            &PeerPattern::parse("@bob").unwrap(),
            &none
        ));
        assert!(!involves_peer(
            &f,
            &PeerPattern::parse("@alice").unwrap(),
            &none
        ));
        let reply =
            parse(r#"{"id":"req-123456","error":"not found","peerID":"QmZZZZZZ"}"#).unwrap();
        assert!(involves_peer(
            &reply,
            &PeerPattern::parse("QmZZZZZZ").unwrap(),
            &none
        ));
        assert!(replies_to(
            &reply,
            &IdPattern::parse("--id", "req-123456").unwrap()
        ));
        assert!(!replies_to(
            &reply,
            &IdPattern::parse("--id", "req-999999").unwrap()
        ));
    }
}
