//! One line in plain words for each kind and notification type: who did what, to which
//! order, for how much. Declarative by nature: one arm per shape the node sends.

use crate::json::Value;
use crate::kind::Kind;
use crate::render::amount::{money, Money};
use crate::render::words::{duration, named, party, plural, short_id, text};
use crate::style::Palette;

const TITLE_MAX: usize = 60;
const CHAT_MAX: usize = 200;

pub fn summary(kind: &Kind, tree: &Value, p: &Palette) -> String {
    match kind {
        Kind::WalletUpdate => balances(tree.get("walletUpdate").unwrap_or(tree), p),
        Kind::WalletIncoming | Kind::WalletOutgoing => {
            transaction(tree.get("wallet").unwrap_or(tree), p)
        }
        Kind::Notification(t) => notification(t, tree.get("notification").unwrap_or(tree), p),
        Kind::MessageDirect | Kind::MessageOrder => chat(tree.get("message").unwrap_or(tree), p),
        Kind::MessageTyping => presence(tree.get("messageTyping").unwrap_or(tree), "is typing", p),
        Kind::MessageRead => {
            let m = tree.get("messageRead").unwrap_or(tree);
            let what = match m.str_at("messageId") {
                Some(id) => format!("read your message {}", ids(&id, p)),
                None => "read your messages".to_string(),
            };
            presence(m, &what, p)
        }
        Kind::StatusPublishing => "publishing the store…".to_string(),
        Kind::StatusComplete => "store published".to_string(),
        Kind::StatusError => format!("{}publishing failed{}", p.warn, p.reset),
        Kind::ReplyProfile => profile(tree, p),
        Kind::ReplyProfileError => format!(
            "profile of {} could not be fetched: {}{}",
            party(tree, "", "peerID", p),
            text(&tree.str_at("error").unwrap_or_default(), 80),
            request(tree, p)
        ),
        Kind::ReplyModerator => format!(
            "moderator {} found{}",
            party(tree, "", "peerId", p),
            request(tree, p)
        ),
        Kind::ReplyRating => rating(tree, p),
        Kind::ReplyRatingError => format!(
            "rating {} could not be fetched: {}{}",
            ids(&tree.str_at("ratingId").unwrap_or_default(), p),
            text(&tree.str_at("error").unwrap_or_default(), 80),
            request(tree, p)
        ),
        Kind::Unknown | Kind::Invalid => String::new(),
    }
}

fn ids(id: &str, p: &Palette) -> String {
    format!("{}{}{}", p.dim, short_id(id), p.reset)
}

fn amount(m: &Money, signed: bool, p: &Palette) -> String {
    let n = if signed { m.signed() } else { m.amount.clone() };
    format!("{}{n} {}{}", p.amount, m.code, p.reset)
}

fn order_ref(n: &Value, key: &str, p: &Palette) -> String {
    match n.str_at(key) {
        Some(id) => format!("order {}", ids(&id, p)),
        None => "an order".to_string(),
    }
}

fn request(tree: &Value, p: &Palette) -> String {
    match tree.str_at("id") {
        Some(id) => format!(" · request {}{}{}", p.dim, text(&id, 40), p.reset),
        None => String::new(),
    }
}

fn balances(w: &Value, p: &Palette) -> String {
    let Value::Object(coins) = w else {
        return "balance update".to_string();
    };
    if coins.is_empty() {
        return "no wallets".to_string();
    }
    let parts: Vec<String> = coins
        .iter()
        .map(|(code, coin)| {
            let code = code.decode();
            let confirmed = coin
                .get("confirmed")
                .and_then(|v| money(&with_currency(v, coin), Some(&code)));
            let mut s = match confirmed {
                Some(m) => amount(&m, false, p),
                None => format!("? {}", text(&code, 10)),
            };
            if let Some(u) = coin
                .get("unconfirmed")
                .and_then(|v| money(&with_currency(v, coin), Some(&code)))
            {
                if !u.is_zero() {
                    s.push_str(&format!(" ({} unconfirmed)", u.signed()));
                }
            }
            s
        })
        .collect();
    format!("balance {}", parts.join(", "))
}

/// A 0.14 balance is a bare string beside its `currency`; pair them so `money` reads both.
fn with_currency<'a>(amount: &Value<'a>, coin: &Value<'a>) -> Value<'a> {
    match coin.get("currency") {
        Some(c) => Value::Object(vec![
            (crate::json::tree::Str("amount"), amount.clone()),
            (crate::json::tree::Str("currency"), c.clone()),
        ]),
        None => amount.clone(),
    }
}

fn transaction(w: &Value, p: &Palette) -> String {
    let code = w.str_at("wallet");
    let m = w.get("value").and_then(|v| money(v, code.as_deref()));
    let mut s = match &m {
        Some(m) => {
            let verb = if m.is_negative() { "sent" } else { "received" };
            format!("{} {verb}", amount(m, true, p))
        }
        None => "wallet transaction".to_string(),
    };
    let memo = w.str_at("memo");
    match (&memo, w.str_at("orderId")) {
        (Some(memo), Some(_)) => s.push_str(&format!(
            " for {}'{}'{} ({})",
            p.title,
            text(memo, TITLE_MAX),
            p.reset,
            order_ref(w, "orderId", p)
        )),
        (None, Some(_)) => s.push_str(&format!(" for {}", order_ref(w, "orderId", p))),
        (Some(memo), None) => s.push_str(&format!(
            " · {}'{}'{}",
            p.title,
            text(memo, TITLE_MAX),
            p.reset
        )),
        (None, None) => {}
    }
    let confirmations = w
        .get("confirmations")
        .and_then(Value::as_number)
        .and_then(|n| n.parse::<u64>().ok());
    match confirmations {
        Some(0) => s.push_str(", unconfirmed"),
        Some(n) => s.push_str(&format!(", {}", plural(n, "confirmation"))),
        None => {}
    }
    s
}

fn notification(t: &str, n: &Value, p: &Palette) -> String {
    let buyer = || party(n, "buyerHandle", "buyerId", p);
    let vendor = || party(n, "vendorHandle", "vendorId", p);
    let order = || order_ref(n, "orderId", p);
    let expires = || {
        n.get("expiresIn")
            .and_then(Value::as_number)
            .and_then(|s| s.parse::<u64>().ok())
    };
    match t {
        "order" => {
            let title = n
                .str_at("title")
                .map(|t| text(&t, TITLE_MAX))
                .unwrap_or_else(|| "a listing".into());
            let price = n
                .get("price")
                .and_then(|v| money(v, None))
                .map(|m| format!(" for {}", amount(&m, false, p)))
                .unwrap_or_default();
            format!(
                "{} purchased {}'{title}'{}{price} · {}",
                buyer(),
                p.title,
                p.reset,
                order()
            )
        }
        "payment" => {
            let code = n.str_at("coinType");
            let paid = n
                .get("fundingTotal")
                .and_then(|v| money(v, code.as_deref()))
                .map(|m| format!("payment of {} sent", amount(&m, false, p)))
                .unwrap_or_else(|| "payment sent".to_string());
            format!("{paid} for {}", order())
        }
        "orderConfirmation" => format!("{} accepted {}", vendor(), order()),
        "orderDeclined" | "declined" => format!("{} declined {}", vendor(), order()),
        "cancel" | "cancelled" => format!("{} cancelled {}", buyer(), order()),
        "refund" => format!("{} refunded {}", vendor(), order()),
        "fulfillment" => format!("{} fulfilled {}", vendor(), order()),
        "orderComplete" | "completion" => format!("{} completed {}", buyer(), order()),
        "processingError" => format!("{} could not process {}", vendor(), order()),
        "disputeOpen" => format!(
            "{} opened a dispute with {} on {}",
            party(n, "disputerHandle", "disputerId", p),
            party(n, "disputeeHandle", "disputeeId", p),
            order()
        ),
        "disputeUpdate" => format!(
            "the dispute between {} and {} on {} was updated",
            party(n, "disputerHandle", "disputerId", p),
            party(n, "disputeeHandle", "disputeeId", p),
            order()
        ),
        "disputeClose" => format!(
            "the moderator closed the dispute with {} on {}",
            party(n, "otherPartyHandle", "otherPartyId", p),
            order()
        ),
        "disputeAccepted" => format!(
            "{} accepted the dispute payout on {}",
            party(n, "otherPartyHandle", "otherPartyId", p),
            order()
        ),
        "follow" => format!("{} followed you", party(n, "", "peerId", p)),
        "unfollow" => format!("{} unfollowed you", party(n, "", "peerId", p)),
        "moderatorAdd" => format!("{} added you as a moderator", party(n, "", "peerId", p)),
        "moderatorRemove" => format!("{} removed you as a moderator", party(n, "", "peerId", p)),
        "buyerDisputeTimeout" => match expires() {
            Some(0) => format!("the dispute window of {} has closed", order()),
            Some(s) => format!(
                "the dispute window of {} closes in {}",
                order(),
                duration(s)
            ),
            None => format!("the dispute window of {} is closing", order()),
        },
        "buyerDisputeExpiry" => match expires() {
            Some(s) if s > 0 => format!("{} can be disputed for another {}", order(), duration(s)),
            _ => format!("{} can no longer be disputed", order()),
        },
        "vendorDisputeTimeout" => format!(
            "the buyer's dispute window on {} has passed: the funds can be claimed",
            order_ref(n, "purchaseOrderId", p)
        ),
        "moderatorDisputeExpiry" => {
            let case = match n.str_at("disputeCaseId") {
                Some(id) => format!("dispute case {}", ids(&id, p)),
                None => "a dispute case".to_string(),
            };
            match expires() {
                Some(s) if s > 0 => format!("{case} expires in {}", duration(s)),
                _ => format!("{case} has expired"),
            }
        }
        "vendorFinalizedPayment" => format!("the vendor released the funds for {}", order()),
        other => {
            let mut s = format!("'{}' notification", text(other, 40));
            for key in ["orderId", "purchaseOrderId", "disputeCaseId"] {
                if n.str_at(key).is_some() {
                    s.push_str(&format!(" about {}", order_ref(n, key, p)));
                    break;
                }
            }
            s
        }
    }
}

fn chat(m: &Value, p: &Palette) -> String {
    let who = party(m, "", "peerId", p);
    let body = text(&m.str_at("message").unwrap_or_default(), CHAT_MAX);
    match m.str_at("subject") {
        Some(subject) => format!("{who} on order {}: {body}", ids(&subject, p)),
        None => format!("{who}: {body}"),
    }
}

fn presence(m: &Value, what: &str, p: &Palette) -> String {
    let who = party(m, "", "peerId", p);
    match m.str_at("subject") {
        Some(subject) => format!("{who} {what} (order {})", ids(&subject, p)),
        None => format!("{who} {what}"),
    }
}

fn profile(tree: &Value, p: &Palette) -> String {
    let prof = tree.get("profile").unwrap_or(tree);
    let id = prof.str_at("peerID").or_else(|| tree.str_at("peerId"));
    let who = named(prof.str_at("handle").as_deref(), id.as_deref(), p);
    let mut s = format!("profile of {who}");
    if let Some(name) = prof.str_at("name") {
        s.push_str(&format!(" '{}'", text(&name, 40)));
    }
    let roles: Vec<&str> = [("vendor", "vendor"), ("moderator", "moderator")]
        .iter()
        .filter(|(key, _)| prof.get(key) == Some(&Value::Bool(true)))
        .map(|(_, word)| *word)
        .collect();
    if !roles.is_empty() {
        s.push_str(&format!(", {}", roles.join(" and ")));
    }
    if let Some(loc) = prof.str_at("location") {
        s.push_str(&format!(", {}", text(&loc, 30)));
    }
    s.push_str(&request(tree, p));
    s
}

fn rating(tree: &Value, p: &Palette) -> String {
    let data = tree.at(&["rating", "ratingData"]);
    let score = data
        .and_then(|d| d.get("overall"))
        .and_then(Value::as_number)
        .map(|n| format!("{n}/5"))
        .unwrap_or_else(|| "a rating".into());
    let mut s = format!("{}{score}{}", p.amount, p.reset);
    if let Some(title) = data
        .and_then(|d| d.at(&["vendorSig", "metadata"]))
        .and_then(|m| m.str_at("listingTitle"))
    {
        s.push_str(&format!(
            " for {}'{}'{}",
            p.title,
            text(&title, TITLE_MAX),
            p.reset
        ));
    }
    if let Some(buyer) = data.and_then(|d| d.str_at("buyerName")) {
        s.push_str(&format!(" from {}", text(&buyer, 40)));
    }
    if let Some(review) = data.and_then(|d| d.str_at("review")) {
        s.push_str(&format!(": \"{}\"", text(&review, 80)));
    }
    s.push_str(&request(tree, p));
    s
}
