//! The sim's controls over its order book, for tests and scripts: an order made in any state
//! and role (made in the past if asked, so its deadlines are near), an order moved as the node
//! moves it (told with the notification the node gets on its side, or silently where the node
//! acts itself), and a chat message from the other side about an order.
//!
//! Every change goes through `Node::deliver`, as the story's do: stored, then told (or not).

use std::time::Duration;

use fastrand::Rng;

use super::ids::{b58, qm};
use serde_json::{json, Map, Value};

use super::clock;
use super::html;
use super::node::{lock, Node};
use super::orders::{self, Order, OrderEvent, OrderState, Party, Role};
use super::query::Query;
use super::shapes::{self, Coin, Money};
use super::story::Beat;

/// A request the control refuses, in words (answered 400).
pub type Refusal = String;

fn bad(why: impl Into<String>) -> Refusal {
    why.into()
}

/// `POST /obtail-sim/order?role=&state=&moderated=&age=&title=&handle=&amount=&coin=&quiet=`:
/// stores a new order and answers its id. A case is told with `disputeOpen` (unless `quiet`);
/// a sale or a purchase is made in silence, as the node makes them.
pub fn open(node: &Node, q: &Query) -> Result<String, Refusal> {
    let role = match q.get("role").unwrap_or("sale") {
        "sale" => Role::Sale,
        "purchase" => Role::Purchase,
        "case" => Role::Case,
        other => {
            return Err(bad(format!(
                "role: '{other}' is not sale, purchase or case"
            )))
        }
    };
    let first = if role == Role::Case {
        OrderState::Disputed
    } else {
        OrderState::AwaitingPayment
    };
    let state = match q.get("state").filter(|s| !s.is_empty()) {
        None => first,
        Some(s) => OrderState::parse(s).ok_or_else(|| bad(format!("state: '{s}' is unknown")))?,
    };
    let age = match q.get("age").filter(|a| !a.is_empty()) {
        None => Duration::ZERO,
        Some(a) => crate::units::parse_duration(a).map_err(|e| bad(format!("age: {e}")))?,
    };
    let mut rng = Rng::new();
    let order = made(role, state, q, age, &mut rng)?;
    let id = order.id.clone();
    let frame = match role == Role::Case && q.get("quiet").is_none() {
        true => note("disputeOpen", &order, &mut rng),
        false => Value::Null,
    };
    node.deliver(beat(frame, OrderEvent::Open(Box::new(order))));
    Ok(id)
}

/// The order a control asks for, made `age` ago.
fn made(
    role: Role,
    state: OrderState,
    q: &Query,
    age: Duration,
    rng: &mut Rng,
) -> Result<Order, Refusal> {
    let title = q.get("title").unwrap_or("Green tea tin").to_string();
    let (buyer, vendor) = parties(role, q.get("handle"), rng);
    let age = i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
    let now = clock::secs(clock::now_nanos());
    Ok(Order {
        id: qm(rng),
        role,
        state,
        created: now.saturating_sub(age).max(1),
        read: false,
        moderated: role == Role::Case || q.get("moderated").is_some_and(|m| m != "0"),
        buyer_opened: role == Role::Case,
        slug: slug(&title),
        title,
        thumbnail: format!("zb2rh{}", b58(rng, 44)),
        total: money(q)?,
        buyer,
        vendor,
        shipping_name: String::new(),
        shipping_address: String::new(),
        payment_address: String::new(),
        claim: String::new(),
        history: Vec::new(),
    })
}

/// The order's total: `amount` base units of `coin` (151000 BTC units by default).
fn money(q: &Query) -> Result<Money, Refusal> {
    let coin = match q.get("coin").unwrap_or("BTC") {
        "BTC" => Coin::Btc,
        "BCH" => Coin::Bch,
        "LTC" => Coin::Ltc,
        "ZEC" => Coin::Zec,
        "ETH" => Coin::Eth,
        other => {
            return Err(bad(format!(
                "coin: '{other}' is not BTC, BCH, LTC, ZEC or ETH"
            )))
        }
    };
    let amount = match q.get("amount").filter(|a| !a.is_empty()) {
        None => 151_000,
        Some(a) => a
            .parse::<i128>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| bad("amount: want a whole number of base units"))?,
    };
    Ok(Money { coin, amount })
}

/// The buyer and the vendor: the node itself on its side, `handle` (or a default) on the
/// other (a case's disputer is its buyer).
fn parties(role: Role, handle: Option<&str>, rng: &mut Rng) -> (Party, Party) {
    let mut named = |default: &str| Party {
        id: qm(rng),
        handle: handle.unwrap_or(default).to_string(),
    };
    let buyer = named("bob");
    let vendor = named("alice");
    match (role, handle) {
        (_, None) => (buyer, vendor),
        (Role::Purchase, Some(_)) => (
            Party {
                handle: "bob".into(),
                ..buyer
            },
            vendor,
        ),
        (Role::Sale | Role::Case, Some(_)) => (
            buyer,
            Party {
                handle: "alice".into(),
                ..vendor
            },
        ),
    }
}

fn slug(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.join("-")
}

/// `POST /obtail-sim/move?id=&to=&quiet=`: moves an order as the node would, told with the
/// notification the node gets on its side for that move (`orders::told`), or silently
/// where the node is silent, or when `quiet` asks for silence.
pub fn move_order(node: &Node, q: &Query) -> Result<String, Refusal> {
    let id = q.get("id").unwrap_or_default();
    let to = q.get("to").unwrap_or_default();
    let to = OrderState::parse(to).ok_or_else(|| bad(format!("to: '{to}' is unknown")))?;
    let order = lock(&node.store)
        .orders
        .all()
        .find(|o| o.id == id)
        .cloned()
        .ok_or_else(|| bad(format!("id: no order '{id}'")))?;
    if !orders::allowed(order.role, order.state, to) {
        return Err(bad(format!(
            "the node does not move a {} from {} to {}",
            order.role.list().trim_end_matches('s'),
            order.state.name(),
            to.name()
        )));
    }
    let natural = orders::told(order.role, order.state, to);
    let told = natural.filter(|_| q.get("quiet").is_none());
    let frame = match told {
        Some(ty) => note(ty, &order, &mut Rng::new()),
        None => Value::Null,
    };
    let answer = match told {
        Some(ty) => format!("moved, told {ty}"),
        None => "moved, silently".to_string(),
    };
    // What the node writes with a change (orders.md §9 N4): unread when a peer moved it.
    let read = natural.is_none();
    node.deliver(beat(
        frame,
        OrderEvent::Move {
            id: id.to_string(),
            to,
            read,
        },
    ));
    Ok(answer)
}

/// `POST /obtail-sim/order-chat?id=&text=`: the other side writes about the order.
pub fn chat(node: &Node, q: &Query) -> Result<String, Refusal> {
    let id = q.get("id").unwrap_or_default();
    let from = lock(&node.store)
        .orders
        .all()
        .find(|o| o.id == id)
        .map(|o| other_side(o).id.clone())
        .ok_or_else(|| bad(format!("id: no order '{id}'")))?;
    let text = q.get("text").unwrap_or("Any news?");
    let mut frame = json!({"message": {
        "message": text, "messageId": qm(&mut Rng::new()), "outgoing": false,
        "peerId": from, "read": false, "subject": id, "timestamp": "",
    }});
    html::sanitize(&mut frame);
    node.deliver(Beat {
        at: Duration::ZERO,
        frame,
        silent: false,
        order: None,
    });
    Ok("sent".into())
}

fn beat(frame: Value, event: OrderEvent) -> Beat {
    Beat {
        at: Duration::ZERO,
        silent: frame.is_null(),
        frame,
        order: Some(event),
    }
}

/// Who the node deals with on this order: the buyer of a sale or a case, the vendor of a
/// purchase.
fn other_side(o: &Order) -> &Party {
    match o.role {
        Role::Purchase => &o.vendor,
        Role::Sale | Role::Case => &o.buyer,
    }
}

/// A notification of type `ty` about `o`, as the node sends it (sanitized).
fn note(ty: &str, o: &Order, rng: &mut Rng) -> Value {
    let mut n = Map::new();
    let mut put = |k: &str, v: Value| {
        n.insert(k.to_string(), v);
    };
    put("notificationId", qm(rng).into());
    put("type", ty.into());
    put("orderId", o.id.clone().into());
    let thumbnail = json!({"small": o.thumbnail, "tiny": o.thumbnail});
    let (b, v) = (&o.buyer, &o.vendor);
    match ty {
        "order" => {
            put("buyerHandle", b.handle.clone().into());
            put("buyerId", b.id.clone().into());
            put("listingType", "PHYSICAL_GOOD".into());
            put("price", shapes::currency_value(o.total));
            put("priceModifier", 0.into());
            put("slug", o.slug.clone().into());
            put("title", o.title.clone().into());
            put("thumbnail", thumbnail);
        }
        "payment" => {
            put("coinType", o.total.coin.code().into());
            put("fundingTotal", shapes::currency_value(o.total));
        }
        "cancel" | "orderComplete" => {
            put("buyerHandle", b.handle.clone().into());
            put("buyerId", b.id.clone().into());
            put("thumbnail", thumbnail);
        }
        "disputeOpen" => {
            let (disputer, disputee) = match o.role {
                Role::Purchase => (v, b),
                Role::Sale | Role::Case => (b, v),
            };
            put("buyer", b.id.clone().into());
            put("disputerHandle", disputer.handle.clone().into());
            put("disputerId", disputer.id.clone().into());
            put("disputeeHandle", disputee.handle.clone().into());
            put("disputeeId", disputee.id.clone().into());
            put("thumbnail", thumbnail);
        }
        "disputeClose" | "disputeAccepted" => {
            let other = other_side(o);
            put("buyer", b.id.clone().into());
            put("otherPartyHandle", other.handle.clone().into());
            put("otherPartyId", other.id.clone().into());
            put("thumbnail", thumbnail);
        }
        "vendorFinalizedPayment" => {}
        _ => {
            put("vendorHandle", v.handle.clone().into());
            put("vendorId", v.id.clone().into());
            put("thumbnail", thumbnail);
        }
    }
    let mut frame = json!({ "notification": n });
    html::sanitize(&mut frame);
    frame
}
