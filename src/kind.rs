//! The kinds of CLI.md: what a frame is, named the way users filter on it.
//!
//! This module only names and describes kinds; deciding a frame's kind is `classify`'s job.

use std::borrow::Cow;
use std::fmt;

/// The kind of one frame. Notification types are open-ended, so they carry their `type` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind<'a> {
    WalletUpdate,
    WalletIncoming,
    WalletOutgoing,
    /// `notification.<type>`, with the frame's own `type` string.
    Notification(Cow<'a, str>),
    MessageDirect,
    MessageOrder,
    MessageTyping,
    MessageRead,
    StatusPublishing,
    StatusComplete,
    StatusError,
    ReplyProfile,
    ReplyProfileError,
    ReplyModerator,
    ReplyRating,
    ReplyRatingError,
    Unknown,
    Invalid,
}

impl Kind<'_> {
    /// The name of every kind but notifications, which are `notification.` + their type.
    fn fixed_name(&self) -> Option<&'static str> {
        Some(match self {
            Kind::WalletUpdate => "walletUpdate",
            Kind::WalletIncoming => "wallet.incoming",
            Kind::WalletOutgoing => "wallet.outgoing",
            Kind::Notification(_) => return None,
            Kind::MessageDirect => "message.direct",
            Kind::MessageOrder => "message.order",
            Kind::MessageTyping => "messageTyping",
            Kind::MessageRead => "messageRead",
            Kind::StatusPublishing => "status.publishing",
            Kind::StatusComplete => "status.complete",
            Kind::StatusError => "status.error",
            Kind::ReplyProfile => "reply.profile",
            Kind::ReplyProfileError => "reply.profile.error",
            Kind::ReplyModerator => "reply.moderator",
            Kind::ReplyRating => "reply.rating",
            Kind::ReplyRatingError => "reply.rating.error",
            Kind::Unknown => "unknown",
            Kind::Invalid => "invalid",
        })
    }

    /// Writes the kind's name into `out` (cleared first), without allocating once `out` is warm.
    pub fn write_name(&self, out: &mut String) {
        out.clear();
        match self {
            Kind::Notification(t) => {
                out.push_str("notification.");
                out.push_str(t);
            }
            other => out.push_str(other.fixed_name().unwrap_or_default()),
        }
    }

    pub fn name(&self) -> Cow<'static, str> {
        match self.fixed_name() {
            Some(n) => Cow::Borrowed(n),
            None => {
                let mut s = String::new();
                self.write_name(&mut s);
                Cow::Owned(s)
            }
        }
    }

    /// The family a kind belongs to, which decides its color.
    pub fn family(&self) -> Family {
        match self {
            Kind::WalletUpdate => Family::Balance,
            Kind::WalletIncoming => Family::Incoming,
            Kind::WalletOutgoing => Family::Outgoing,
            Kind::Notification(_) => Family::Notification,
            Kind::MessageDirect | Kind::MessageOrder | Kind::MessageTyping | Kind::MessageRead => {
                Family::Chat
            }
            Kind::StatusPublishing | Kind::StatusComplete => Family::Status,
            Kind::StatusError => Family::Problem,
            Kind::ReplyProfile
            | Kind::ReplyProfileError
            | Kind::ReplyModerator
            | Kind::ReplyRating
            | Kind::ReplyRatingError => Family::Reply,
            Kind::Unknown => Family::Other,
            Kind::Invalid => Family::Problem,
        }
    }

    pub fn into_owned(self) -> Kind<'static> {
        match self {
            Kind::Notification(t) => Kind::Notification(Cow::Owned(t.into_owned())),
            Kind::WalletUpdate => Kind::WalletUpdate,
            Kind::WalletIncoming => Kind::WalletIncoming,
            Kind::WalletOutgoing => Kind::WalletOutgoing,
            Kind::MessageDirect => Kind::MessageDirect,
            Kind::MessageOrder => Kind::MessageOrder,
            Kind::MessageTyping => Kind::MessageTyping,
            Kind::MessageRead => Kind::MessageRead,
            Kind::StatusPublishing => Kind::StatusPublishing,
            Kind::StatusComplete => Kind::StatusComplete,
            Kind::StatusError => Kind::StatusError,
            Kind::ReplyProfile => Kind::ReplyProfile,
            Kind::ReplyProfileError => Kind::ReplyProfileError,
            Kind::ReplyModerator => Kind::ReplyModerator,
            Kind::ReplyRating => Kind::ReplyRating,
            Kind::ReplyRatingError => Kind::ReplyRatingError,
            Kind::Unknown => Kind::Unknown,
            Kind::Invalid => Kind::Invalid,
        }
    }
}

impl fmt::Display for Kind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Notification(t) => write!(f, "notification.{t}"),
            other => f.write_str(other.fixed_name().unwrap_or_default()),
        }
    }
}

/// Groups of kinds that share a color in pretty output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Balance,
    Incoming,
    Outgoing,
    Notification,
    Chat,
    Status,
    Reply,
    Other,
    Problem,
}

/// Every kind obtail knows by name, with a one-line description: `obtail kinds`, completions
/// for `-t`, and the man page are all built from this table.
pub const CATALOG: &[(&str, &str)] = &[
    (
        "walletUpdate",
        "balance tick: confirmed and unconfirmed funds per coin, every 15 s",
    ),
    (
        "wallet.incoming",
        "a wallet transaction that received funds (value >= 0)",
    ),
    (
        "wallet.outgoing",
        "a wallet transaction that spent funds (negative value)",
    ),
    ("notification.order", "vendor: a buyer funded a new order"),
    (
        "notification.payment",
        "buyer: your payment for an order was sent",
    ),
    (
        "notification.orderConfirmation",
        "buyer: the vendor accepted your order",
    ),
    (
        "notification.orderDeclined",
        "buyer: the vendor declined your order",
    ),
    (
        "notification.declined",
        "buyer: the vendor declined your order (0.13 name)",
    ),
    (
        "notification.cancel",
        "vendor: the buyer cancelled an order",
    ),
    ("notification.refund", "buyer: the vendor refunded an order"),
    (
        "notification.fulfillment",
        "buyer: the vendor fulfilled (shipped) an order",
    ),
    (
        "notification.orderComplete",
        "vendor: the buyer completed an order",
    ),
    (
        "notification.completion",
        "vendor: the buyer completed an order (legacy name)",
    ),
    (
        "notification.processingError",
        "buyer: the vendor's node could not process an order",
    ),
    (
        "notification.disputeOpen",
        "a dispute was opened on an order",
    ),
    (
        "notification.disputeUpdate",
        "the moderator received an update to a dispute",
    ),
    (
        "notification.disputeClose",
        "the moderator closed a dispute",
    ),
    (
        "notification.disputeAccepted",
        "the other party accepted the dispute payout",
    ),
    ("notification.follow", "a peer followed this node"),
    ("notification.unfollow", "a peer unfollowed this node"),
    (
        "notification.moderatorAdd",
        "a peer added this node as moderator (older nodes)",
    ),
    (
        "notification.moderatorRemove",
        "a peer removed this node as moderator (older nodes)",
    ),
    (
        "notification.buyerDisputeTimeout",
        "buyer: the dispute window of an order is closing",
    ),
    (
        "notification.buyerDisputeExpiry",
        "buyer: the dispute window of an order expires soon",
    ),
    (
        "notification.vendorDisputeTimeout",
        "vendor: the buyer's dispute window has passed",
    ),
    (
        "notification.moderatorDisputeExpiry",
        "moderator: a dispute case is about to expire",
    ),
    (
        "notification.vendorFinalizedPayment",
        "buyer: the vendor released the escrowed funds",
    ),
    (
        "notification.<type>",
        "any other notification type, named by its `type`",
    ),
    (
        "message.direct",
        "incoming chat message, not about an order",
    ),
    (
        "message.order",
        "incoming chat message about an order (its `subject`)",
    ),
    ("messageTyping", "a peer is typing a chat message"),
    ("messageRead", "a peer read a message you sent"),
    ("status.publishing", "the node started publishing its store"),
    ("status.complete", "the node finished publishing"),
    ("status.error", "publishing failed"),
    (
        "reply.profile",
        "reply to an async profile or moderator look-up, with a profile",
    ),
    (
        "reply.profile.error",
        "reply to an async profile look-up that failed",
    ),
    (
        "reply.moderator",
        "reply to an async moderator look-up: one moderator's peer id",
    ),
    (
        "reply.rating",
        "reply to an async rating look-up, with the rating",
    ),
    (
        "reply.rating.error",
        "reply to an async rating look-up that failed",
    ),
    (
        "unknown",
        "valid JSON that matches no rule (for example another client's echo)",
    ),
    (
        "invalid",
        "not JSON, not UTF-8, too large or too deep, or a binary frame",
    ),
];

/// Kind names offered by shell completion for `-t` and `-T`: the catalog plus family prefixes.
pub fn completion_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = vec!["wallet", "notification", "message", "status", "reply"];
    names.extend(CATALOG.iter().map(|(n, _)| *n).filter(|n| !n.contains('<')));
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_cli_contract() {
        assert_eq!(
            Kind::Notification("order".into()).name(),
            "notification.order"
        );
        assert_eq!(Kind::ReplyProfileError.name(), "reply.profile.error");
        assert_eq!(Kind::WalletOutgoing.to_string(), "wallet.outgoing");
        let mut s = String::from("junk");
        Kind::MessageTyping.write_name(&mut s);
        assert_eq!(s, "messageTyping");
    }

    #[test]
    fn catalog_names_every_fixed_kind() {
        let fixed = [
            Kind::WalletUpdate,
            Kind::WalletIncoming,
            Kind::WalletOutgoing,
            Kind::MessageDirect,
            Kind::MessageOrder,
            Kind::MessageTyping,
            Kind::MessageRead,
            Kind::StatusPublishing,
            Kind::StatusComplete,
            Kind::StatusError,
            Kind::ReplyProfile,
            Kind::ReplyProfileError,
            Kind::ReplyModerator,
            Kind::ReplyRating,
            Kind::ReplyRatingError,
            Kind::Unknown,
            Kind::Invalid,
        ];
        for k in fixed {
            assert!(CATALOG.iter().any(|(n, _)| *n == k.name()), "{k} missing");
        }
    }
}
