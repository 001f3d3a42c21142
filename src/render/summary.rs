//! One line in plain words for each kind and notification type: who did what, to which
//! order, for how much. Declarative by nature: one arm per shape the node sends.

use std::collections::HashMap;

use crate::json::Value;
use crate::kind::Kind;
use crate::memory::{Handles, Lookalikes, Memory};
use crate::render::amount::{money, Money};
use crate::render::fit::field;
use crate::render::words::{duration, named, plural, short_id, text};
use crate::style::Palette;

const TITLE_MAX: usize = 60;
const CHAT_MAX: usize = 200;
/// The most (source, coin) balances remembered; a frame can name any number of coins.
const MAX_BALANCES: usize = 256;

/// The last balance shown of each wallet, (source, coin) to (confirmed, unconfirmed): a
/// tick shows only what changed.
pub type Balances = HashMap<(String, String), (String, String)>;

/// What the summaries know of the peers beyond the frame: the handles the stream paired with
/// their ids, and which handles and names look like others (when the pipeline keeps track).
pub struct Known<'a> {
    pub handles: &'a Handles,
    pub lookalikes: Option<&'a Lookalikes>,
}

impl Known<'_> {
    /// ` [looks like @alice]` after a suspect handle or name, in the warning color; nothing
    /// after an honest one.
    fn mark(&self, text: &str, id: Option<&str>, handle: bool, p: &Palette) -> String {
        let Some(why) = self.lookalikes.and_then(|l| l.judge(text, id, handle)) else {
            return String::new();
        };
        format!(" {}[{}]{}", p.warn, text_of(&why.words(handle)), p.reset)
    }
}

/// Words that may quote a stranger's handle, made safe.
fn text_of(words: &str) -> String {
    text(words, 80)
}

/// The summary of one event; `memory` is what the stream taught so far (handles peers go
/// by, look-alikes), when the pipeline keeps it.
pub fn summary(
    kind: &Kind,
    tree: &Value,
    source: &str,
    p: &Palette,
    shown: &mut Balances,
    memory: Option<&Memory>,
) -> String {
    if *kind == Kind::WalletUpdate {
        let w = tree.get("walletUpdate").unwrap_or(tree);
        return balances(w, source, p, shown);
    }
    let none = Handles::default();
    let known = Known {
        handles: memory.map_or(&none, |m| &m.handles),
        lookalikes: memory.and_then(Memory::lookalikes),
    };
    event(kind, tree, p, &known)
}

fn event(kind: &Kind, tree: &Value, p: &Palette, known: &Known) -> String {
    match kind {
        Kind::WalletIncoming | Kind::WalletOutgoing => {
            transaction(tree.get("wallet").unwrap_or(tree), p)
        }
        Kind::Notification(t) => {
            notification(t, tree.get("notification").unwrap_or(tree), p, known)
        }
        Kind::MessageDirect | Kind::MessageOrder => {
            chat(tree.get("message").unwrap_or(tree), p, known)
        }
        Kind::MessageTyping => presence(
            tree.get("messageTyping").unwrap_or(tree),
            "is typing",
            p,
            known,
        ),
        Kind::MessageRead => {
            let m = tree.get("messageRead").unwrap_or(tree);
            let what = match m.str_at("messageId") {
                Some(id) => format!("read your message {}", ids(&id, p)),
                None => "read your messages".to_string(),
            };
            presence(m, &what, p, known)
        }
        Kind::StatusPublishing => "publishing the store…".to_string(),
        Kind::StatusComplete => "store published".to_string(),
        Kind::StatusError => format!("{}publishing failed{}", p.warn, p.reset),
        Kind::ReplyProfile => profile(tree, p, known),
        Kind::ReplyProfileError => format!(
            "profile of {} could not be fetched: {}{}",
            who(tree, "", "peerID", p, known),
            text(&tree.str_at("error").unwrap_or_default(), 80),
            request(tree, p)
        ),
        Kind::ReplyModerator => format!(
            "moderator {} found{}",
            who(tree, "", "peerId", p, known),
            request(tree, p)
        ),
        Kind::ReplyRating => rating(tree, p, known),
        Kind::ReplyRatingError => rating_error(tree, p),
        // The balance tick is `summary`'s, with the memory of the last one.
        Kind::WalletUpdate | Kind::Unknown | Kind::Invalid => String::new(),
    }
}

/// A party: the frame's handle, else the handle the stream paired with its id, else the id.
fn who(v: &Value, handle_key: &str, id_key: &str, p: &Palette, known: &Known) -> String {
    let id = v.str_at(id_key);
    let handle = v
        .str_at(handle_key)
        .filter(|h| !h.trim_start_matches('@').is_empty());
    let handle = handle
        .as_deref()
        .or_else(|| id.as_deref().and_then(|id| known.handles.of(id)));
    let mark = handle.map_or(String::new(), |h| known.mark(h, id.as_deref(), true, p));
    named(handle, id.as_deref(), p) + &mark
}

/// An id shortened; a path after it (`<hash>/profile.json`) stays, so two refs to one hash
/// still read differently.
fn ids(id: &str, p: &Palette) -> String {
    let short = match id.split_once('/') {
        Some((hash, path)) => format!("{}/{}", short_id(hash), text(path, 40)),
        None => short_id(id),
    };
    format!("{}{}{}", p.dim, field(&short), p.reset)
}

/// Peer text in quotes that cannot be mistaken for its end: single quotes, or double quotes
/// when it holds a single quote and no double one (`"Mo's Café"`), else single quotes with
/// each inner one written `\'`.
fn quoted(s: &str, max: usize, p: &Palette) -> String {
    let t = text(s, max);
    let body = if t.contains('\'') && !t.contains('"') {
        format!("\"{t}\"")
    } else {
        format!("'{}'", t.replace('\'', "\\'"))
    };
    format!("{}{body}{}", p.title, p.reset)
}

fn amount(m: &Money, signed: bool, p: &Palette) -> String {
    let n = if signed { m.signed() } else { m.amount.clone() };
    format!(
        "{}{}{}",
        p.amount,
        field(&format!("{n} {}", m.code)),
        p.reset
    )
}

fn order_ref(n: &Value, key: &str, p: &Palette) -> String {
    match n.str_at(key) {
        Some(id) => field(&format!("order {}", ids(&id, p))),
        None => "an order".to_string(),
    }
}

fn request(tree: &Value, p: &Palette) -> String {
    match tree.str_at("id") {
        Some(id) => field(&format!(" · request {}{}{}", p.dim, text(&id, 40), p.reset)),
        None => String::new(),
    }
}

/// A balance tick in its compact form: the wallets whose balance changed since the last tick
/// from this source (at first, every wallet that holds something), and how many others there
/// are. A node ticks every 15 s with every coin it has; repeating them all told nothing new and
/// ran to 200 columns.
fn balances(
    w: &Value,
    source: &str,
    p: &Palette,
    last: &mut HashMap<(String, String), (String, String)>,
) -> String {
    let Value::Object(coins) = w else {
        return "balance update".to_string();
    };
    if coins.is_empty() {
        return "no wallets".to_string();
    }
    let (mut shown, mut unchanged, mut empty) = (Vec::new(), 0, 0);
    for (code, coin) in coins {
        let code = code.decode();
        let read = |key: &str| {
            coin.get(key)
                .and_then(|v| money(&with_currency(v, coin), Some(&code)))
        };
        let (confirmed, unconfirmed) = (read("confirmed"), read("unconfirmed"));
        let state = (
            confirmed
                .as_ref()
                .map(|m| m.amount.clone())
                .unwrap_or_default(),
            unconfirmed
                .as_ref()
                .filter(|u| !u.is_zero())
                .map(Money::signed)
                .unwrap_or_default(),
        );
        let key = (source.to_string(), code.to_string());
        let holds = confirmed.as_ref().is_none_or(|m| !m.is_zero()) || !state.1.is_empty();
        match last.get(&key) {
            Some(before) if *before == state => unchanged += 1,
            None if !holds => empty += 1,
            _ => {
                let mut s = match &confirmed {
                    Some(m) => amount(m, false, p),
                    None => field(&format!("? {}", text(&code, 10))),
                };
                if !state.1.is_empty() {
                    s.push_str(&format!(" ({} unconfirmed)", field(&state.1)));
                }
                shown.push(s);
            }
        }
        if last.len() >= MAX_BALANCES && !last.contains_key(&key) {
            last.clear();
        }
        last.insert(key, state);
    }
    let others = match (unchanged, empty) {
        (0, 0) => return format!("balance {}", shown.join(", ")),
        (u, 0) => format!("{u} unchanged"),
        (0, e) => format!("{e} empty"),
        (u, e) => format!("{u} unchanged, {e} empty"),
    };
    match (shown.is_empty(), unchanged) {
        (true, 0) => format!("{}, all empty", plural(empty, "wallet")),
        (true, _) => format!(
            "balances unchanged{}",
            if empty > 0 {
                format!(" · {empty} empty")
            } else {
                String::new()
            }
        ),
        (false, _) => format!(
            "balance {} {}· {others}{}",
            shown.join(", "),
            p.dim,
            p.reset
        ),
    }
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
            " for {} ({})",
            quoted(memo, TITLE_MAX, p),
            order_ref(w, "orderId", p)
        )),
        (None, Some(_)) => s.push_str(&format!(" for {}", order_ref(w, "orderId", p))),
        (Some(memo), None) => s.push_str(&format!(" · {}", quoted(memo, TITLE_MAX, p))),
        (None, None) => {}
    }
    let confirmations = w
        .get("confirmations")
        .and_then(Value::as_number)
        .and_then(|n| n.parse::<u64>().ok());
    match confirmations {
        Some(0) => s.push_str(", unconfirmed"),
        Some(n) => s.push_str(&format!(", {}", field(&plural(n, "confirmation")))),
        None => {}
    }
    s
}

/// A notification in words, by its family: orders, disputes, the social graph, the node's
/// timers; an unknown type names itself and its order.
fn notification(t: &str, n: &Value, p: &Palette, known: &Known) -> String {
    order_event(t, n, p, known)
        .or_else(|| dispute_event(t, n, p, known))
        .or_else(|| social_event(t, n, p, known))
        .or_else(|| timer_event(t, n, p))
        .unwrap_or_else(|| unknown_notification(t, n, p))
}

/// What happened to an order, on the buyer's or the vendor's side.
fn order_event(t: &str, n: &Value, p: &Palette, known: &Known) -> Option<String> {
    let buyer = || who(n, "buyerHandle", "buyerId", p, known);
    let vendor = || who(n, "vendorHandle", "vendorId", p, known);
    let order = || order_ref(n, "orderId", p);
    Some(match t {
        "order" => {
            let title = n
                .str_at("title")
                .map(|t| quoted(&t, TITLE_MAX, p))
                .unwrap_or_else(|| "a listing".into());
            let price = n
                .get("price")
                .and_then(|v| money(v, None))
                .map(|m| format!(" for {}", amount(&m, false, p)))
                .unwrap_or_default();
            format!("{} purchased {title}{price} · {}", buyer(), order())
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
        "vendorFinalizedPayment" => format!("the vendor released the funds for {}", order()),
        _ => return None,
    })
}

/// A dispute's course: opened, updated, closed by the moderator, its payout accepted.
fn dispute_event(t: &str, n: &Value, p: &Palette, known: &Known) -> Option<String> {
    let party = |handle, id| who(n, handle, id, p, known);
    let order = order_ref(n, "orderId", p);
    Some(match t {
        "disputeOpen" => format!(
            "{} opened a dispute with {} on {order}",
            party("disputerHandle", "disputerId"),
            party("disputeeHandle", "disputeeId"),
        ),
        "disputeUpdate" => format!(
            "the dispute between {} and {} on {order} was updated",
            party("disputerHandle", "disputerId"),
            party("disputeeHandle", "disputeeId"),
        ),
        "disputeClose" => format!(
            "the moderator closed the dispute with {} on {order}",
            party("otherPartyHandle", "otherPartyId"),
        ),
        "disputeAccepted" => format!(
            "{} accepted the dispute payout on {order}",
            party("otherPartyHandle", "otherPartyId"),
        ),
        _ => return None,
    })
}

/// Follows and moderator changes: a peer and what it did.
fn social_event(t: &str, n: &Value, p: &Palette, known: &Known) -> Option<String> {
    let what = match t {
        "follow" => "followed you",
        "unfollow" => "unfollowed you",
        "moderatorAdd" => "added you as a moderator",
        "moderatorRemove" => "removed you as a moderator",
        _ => return None,
    };
    Some(format!("{} {what}", who(n, "", "peerId", p, known)))
}

/// The node's timers: dispute windows closing, cases expiring.
fn timer_event(t: &str, n: &Value, p: &Palette) -> Option<String> {
    let order = || order_ref(n, "orderId", p);
    let expires = n
        .get("expiresIn")
        .and_then(Value::as_number)
        .and_then(|s| s.parse::<u64>().ok());
    Some(match (t, expires) {
        ("buyerDisputeTimeout", Some(0)) => {
            format!("the dispute window of {} has closed", order())
        }
        ("buyerDisputeTimeout", Some(s)) => format!(
            "the dispute window of {} closes in {}",
            order(),
            field(&duration(s))
        ),
        ("buyerDisputeTimeout", None) => format!("the dispute window of {} is closing", order()),
        ("buyerDisputeExpiry", Some(s)) if s > 0 => format!(
            "{} can be disputed for another {}",
            order(),
            field(&duration(s))
        ),
        ("buyerDisputeExpiry", _) => format!("{} can no longer be disputed", order()),
        ("vendorDisputeTimeout", _) => format!(
            "the buyer's dispute window on {} has passed: the funds can be claimed",
            order_ref(n, "purchaseOrderId", p)
        ),
        ("moderatorDisputeExpiry", expires) => {
            let case = match n.str_at("disputeCaseId") {
                Some(id) => format!("dispute case {}", ids(&id, p)),
                None => "a dispute case".to_string(),
            };
            match expires {
                Some(s) if s > 0 => format!("{case} expires in {}", field(&duration(s))),
                _ => format!("{case} has expired"),
            }
        }
        _ => return None,
    })
}

/// A type this obtail does not know (a newer node's): its name, and the order it is about.
fn unknown_notification(t: &str, n: &Value, p: &Palette) -> String {
    let mut s = format!("{} notification", quoted(t, 40, p));
    for key in ["orderId", "purchaseOrderId", "disputeCaseId"] {
        if n.str_at(key).is_some() {
            s.push_str(&format!(" about {}", order_ref(n, key, p)));
            break;
        }
    }
    s
}

fn chat(m: &Value, p: &Palette, known: &Known) -> String {
    let who = who(m, "", "peerId", p, known);
    let body = text(&m.str_at("message").unwrap_or_default(), CHAT_MAX);
    match m.str_at("subject") {
        Some(subject) => format!("{who} on order {}: {body}", ids(&subject, p)),
        None => format!("{who}: {body}"),
    }
}

fn presence(m: &Value, what: &str, p: &Palette, known: &Known) -> String {
    let who = who(m, "", "peerId", p, known);
    match m.str_at("subject") {
        Some(subject) => format!(
            "{who} {what} {}",
            field(&format!("(order {})", ids(&subject, p)))
        ),
        None => format!("{who} {what}"),
    }
}

fn profile(tree: &Value, p: &Palette, known: &Known) -> String {
    let prof = tree.get("profile").unwrap_or(tree);
    let id = prof.str_at("peerID").or_else(|| tree.str_at("peerId"));
    let handle = prof.str_at("handle");
    let mut s = format!("profile of {}", named(handle.as_deref(), id.as_deref(), p));
    if let Some(h) = handle.as_deref() {
        s.push_str(&known.mark(h, id.as_deref(), true, p));
    }
    if let Some(name) = prof.str_at("name") {
        s.push_str(&format!(" {}", quoted(&name, 40, p)));
        s.push_str(&known.mark(&name, id.as_deref(), false, p));
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

fn rating(tree: &Value, p: &Palette, known: &Known) -> String {
    let data = tree.at(&["rating", "ratingData"]);
    let score = data
        .and_then(|d| d.get("overall"))
        .and_then(Value::as_number)
        .map(|n| format!("{n}/5"))
        .unwrap_or_else(|| "a rating".into());
    let mut s = format!("{}{}{}", p.amount, field(&score), p.reset);
    if let Some(title) = data
        .and_then(|d| d.at(&["vendorSig", "metadata"]))
        .and_then(|m| m.str_at("listingTitle"))
    {
        s.push_str(&format!(" for {}", quoted(&title, TITLE_MAX, p)));
    }
    if let Some(buyer) = data.and_then(|d| d.str_at("buyerName")) {
        s.push_str(&format!(" from {}", text(&buyer, 40)));
        s.push_str(&known.mark(&buyer, None, false, p));
    }
    if let Some(review) = data.and_then(|d| d.str_at("review")) {
        s.push_str(&format!(": {}", quoted(&review, 80, p)));
    }
    s.push_str(&request(tree, p));
    s
}

/// The node says "not Found" when it could not fetch the rating; any other error is about a
/// rating it fetched and found wanting (`invalid rating`, a validation text).
fn rating_error(tree: &Value, p: &Palette) -> String {
    let id = ids(&tree.str_at("ratingId").unwrap_or_default(), p);
    let error = tree.str_at("error").unwrap_or_default();
    let why = text(&error, 80);
    let what = if error.trim().eq_ignore_ascii_case("not found") {
        format!("rating {id} could not be fetched: {why}")
    } else {
        format!("rating {id} is not a valid rating: {why}")
    };
    what + &request(tree, p)
}
