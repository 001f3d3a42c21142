//! The objects `-o ndjson` prints and `-f` programs read: one per order, and one per change
//! with the order inside. The contract (issue 22) fixes their members; `source` names the
//! node, as `$source` does when tailing.
//!
//! Texts are decoded from the node's HTML escaping, and the total is the node's own JSON text,
//! digit for digit. The text is made safe for a terminal when it is written (`write_compact`
//! escapes what `sanitize` would).

use serde::Serialize;
use serde_json::value::RawValue;

use super::assess::{Assessed, Deadline};
use super::board::{Change, Entry};
use crate::frame::Stamp;
use crate::render::words::decode_entities;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Order<'a> {
    order_id: &'a str,
    role: &'a str,
    state: &'a str,
    next: Next<'a>,
    needs_me: bool,
    deadline: Option<String>,
    counterparty: Counterparty,
    title: String,
    total: Option<&'a RawValue>,
    unread_chat: u64,
    updated: String,
    source: &'a str,
}

#[derive(Serialize)]
struct Next<'a> {
    actor: &'a str,
    action: &'a str,
}

#[derive(Serialize)]
struct Counterparty {
    id: Option<String>,
    handle: Option<String>,
}

#[derive(Serialize)]
struct ChangeObject<'a> {
    change: &'a str,
    from: Option<&'a str>,
    order: &'a RawValue,
}

/// RFC 3339 in UTC, whole seconds (the node's own times have no more).
pub fn rfc3339(t: &Stamp) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The order's object, as JSON text (not yet made safe for a terminal).
pub fn order(e: &Entry, a: &Assessed, source: &str) -> String {
    let r = &e.row;
    let party = r.counterparty();
    let decoded = |s: &Option<String>| s.as_deref().map(|s| decode_entities(s).into_owned());
    // A total that is not JSON never reaches here: the row was read from a JSON answer.
    let total = r
        .total
        .as_deref()
        .and_then(|t| serde_json::from_str::<&RawValue>(t).ok());
    let object = Order {
        order_id: &r.id,
        role: r.role.name(),
        state: r.state.name(),
        next: Next {
            actor: a.step.actor.name(),
            action: a.step.action,
        },
        needs_me: a.needs_you(),
        deadline: match a.deadline {
            Deadline::At { when, .. } => Some(rfc3339(&when)),
            Deadline::None | Deadline::NotKnown { .. } => None,
        },
        counterparty: Counterparty {
            id: decoded(&party.id),
            handle: decoded(&party.handle),
        },
        title: decode_entities(&r.title).into_owned(),
        total,
        unread_chat: r.unread_chat,
        updated: rfc3339(&e.updated),
        source,
    };
    serde_json::to_string(&object).unwrap_or_default()
}

/// A change's object, around its order's.
pub fn change(c: &Change, order: &str) -> String {
    let Ok(order) = serde_json::from_str::<&RawValue>(order) else {
        return String::new();
    };
    let object = ChangeObject {
        change: c.kind.name(),
        from: c.from.as_ref().map(|s| s.name()),
        order,
    };
    serde_json::to_string(&object).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::parse_time;
    use crate::orders::assess::assess;
    use crate::orders::board::{Board, ChangeKind, Key};
    use crate::orders::row::parse;
    use crate::orders::state::{Role, State};
    use serde_json::Value;

    #[test]
    fn the_object_carries_the_contracts_members() {
        let body = br#"{"sales": [{"orderId": "QmA", "state": "AWAITING_FULFILLMENT",
            "moderated": true, "timestamp": "2026-01-01T00:00:00-05:00",
            "buyerId": "QmB", "buyerHandle": "mo&#39;s", "title": "Caf\u00e9 &amp; tea \u001b[2J",
            "total": {"amount": "123456789012345678901234567890", "currency": {"code": "ETH", "divisibility": 18}},
            "unreadChatMessages": 2}]}"#;
        let mut board = Board::default();
        let now = parse_time("2026-01-02T00:00:00Z").unwrap();
        let rows = parse(body, Role::Sale).unwrap().rows;
        board.whole_list(0, Role::Sale, rows, now);
        let key = Key {
            node: 0,
            role: Role::Sale,
            id: "QmA".into(),
        };
        let e = board.get(&key).unwrap();
        let text = order(e, &assess(&e.row, now), "ws://n/ws");
        assert!(
            text.contains(r#""amount":"123456789012345678901234567890""#),
            "{text}"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        let order = [
            "orderId",
            "role",
            "state",
            "next",
            "needsMe",
            "deadline",
            "counterparty",
            "title",
            "total",
            "unreadChat",
            "updated",
            "source",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|k| text.find(&format!("\"{k}\":")).unwrap())
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "members in the contract's order"
        );
        assert_eq!(v.as_object().unwrap().len(), order.len());
        assert_eq!(
            v["next"],
            serde_json::json!({"actor": "you", "action": "fulfil or refund"})
        );
        assert_eq!(v["needsMe"], true);
        assert_eq!(v["deadline"], "2026-02-15T05:00:00Z");
        assert_eq!(v["counterparty"]["handle"], "mo's");
        assert_eq!(v["title"], "Café & tea \u{1b}[2J");
        assert_eq!(v["updated"], "2026-01-01T05:00:00Z");
        let mut safe = Vec::new();
        crate::json::text::write_compact(&mut safe, text.as_bytes());
        assert!(!safe.contains(&0x1b), "escaped for a terminal");
        let c = Change {
            kind: ChangeKind::State,
            from: Some(State::of("PENDING")),
            key,
        };
        let wrapped: Value = serde_json::from_str(&change(&c, &text)).unwrap();
        assert_eq!(wrapped["change"], "state");
        assert_eq!(wrapped["from"], "PENDING");
        assert_eq!(wrapped["order"], v);
    }
}
