//! The node's database: its notifications, its chat and its order book, raw (as peers sent
//! them, before the sanitizer escapes what goes out), each row with the wall-clock time it was
//! stored.

use std::collections::VecDeque;

use serde_json::{json, Value};

use super::clock;
use super::orders::{OrderBook, OrderEvent};

/// Rows kept per table; the oldest go first (a real node keeps them all).
pub const KEEP: usize = 20_000;

pub struct Note {
    pub id: String,
    /// The database's `type` column: lower-cased.
    pub ty: String,
    /// Whole seconds, as the database keeps them.
    pub secs: i64,
    pub read: bool,
    /// The notification object, raw.
    pub notification: Value,
}

pub struct ChatRow {
    pub id: String,
    pub peer: String,
    pub subject: String,
    pub text: String,
    pub read: bool,
    pub outgoing: bool,
    /// Unix nanoseconds: the table's ordering key.
    pub nanos: i64,
}

impl ChatRow {
    /// The timestamp as the node writes it (`repo.NewAPITime`, local zone).
    pub fn stamp(&self) -> String {
        clock::local_nanos(self.nanos)
    }
}

#[derive(Default)]
pub struct Store {
    pub notes: VecDeque<Note>,
    pub chat: VecDeque<ChatRow>,
    pub orders: OrderBook,
    /// The last time handed out by [`Store::tick`].
    last: i64,
}

impl Store {
    /// The time to stamp the next event with: now, or just after the previous event, so that
    /// no two chat rows share a timestamp (the node pages chat by `timestamp <`, and two rows
    /// of one nanosecond would hide each other).
    pub fn tick(&mut self, now: i64) -> i64 {
        self.last = now.max(self.last.saturating_add(1));
        self.last
    }

    /// Keeps a notification (raw) as `PutRecord` does.
    pub fn put_notification(&mut self, notification: &Value, secs: i64) {
        let (Some(id), Some(ty)) = (
            notification.get("notificationId").and_then(Value::as_str),
            notification.get("type").and_then(Value::as_str),
        ) else {
            return;
        };
        if self.notes.len() == KEEP {
            self.notes.pop_front();
        }
        self.notes.push_back(Note {
            id: id.to_string(),
            ty: ty.to_lowercase(),
            secs,
            read: false,
            notification: notification.clone(),
        });
    }

    /// Keeps a chat message (the raw inner object of a `message` frame, or an outgoing one).
    pub fn put_chat(&mut self, message: &Value, nanos: i64) {
        let s = |k: &str| {
            message
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let b = |k: &str| message.get(k).and_then(Value::as_bool).unwrap_or(false);
        if self.chat.len() == KEEP {
            self.chat.pop_front();
        }
        let row = ChatRow {
            id: s("messageId"),
            peer: s("peerId"),
            subject: s("subject"),
            text: s("message"),
            read: b("read"),
            outgoing: b("outgoing"),
            nanos,
        };
        if row.outgoing {
            // Answering a peer is reading what they wrote, as the desktop marks it.
            for r in self.chat.iter_mut() {
                if r.peer == row.peer && r.subject == row.subject && !r.outgoing {
                    r.read = true;
                }
            }
        }
        self.chat.push_back(row);
    }

    /// Applies an order event; false when the book refused it (see `OrderBook::apply`).
    pub fn order_event(&mut self, event: OrderEvent, secs: i64) -> bool {
        self.orders.apply(event, secs)
    }

    /// `GetUnreadCount`: incoming unread chat about this order.
    pub fn unread_chat(&self, subject: &str) -> usize {
        self.chat
            .iter()
            .filter(|r| !r.read && !r.outgoing && r.subject == subject)
            .count()
    }

    /// Peers the node has chatted with, oldest first, without repeats.
    pub fn chat_peers(&self) -> Vec<String> {
        let mut peers: Vec<String> = Vec::new();
        for r in &self.chat {
            if !peers.contains(&r.peer) {
                peers.push(r.peer.clone());
            }
        }
        peers
    }

    /// `GET /obtail-sim/store`: every stored row, raw, oldest first.
    pub fn oracle(&self) -> Value {
        let notes: Vec<Value> = self
            .notes
            .iter()
            .map(|n| {
                json!({
                    "id": n.id,
                    "type": n.notification.get("type").cloned().unwrap_or(Value::Null),
                    "timestamp": clock::utc_secs(n.secs),
                })
            })
            .collect();
        let chat: Vec<Value> = self
            .chat
            .iter()
            .map(|r| {
                json!({
                    "messageId": r.id, "peerId": r.peer, "subject": r.subject,
                    "outgoing": r.outgoing, "timestamp": r.stamp(),
                })
            })
            .collect();
        let orders: Vec<Value> = self
            .orders
            .all()
            .map(|o| {
                let history: Vec<Value> = o
                    .history
                    .iter()
                    .map(|(s, t)| json!({"state": s.name(), "since": clock::local_secs(*t)}))
                    .collect();
                json!({
                    "orderId": o.id, "list": o.role.list(), "state": o.state.name(),
                    "timestamp": clock::local_secs(o.created), "history": history,
                })
            })
            .collect();
        json!({"notifications": notes, "chat": chat, "orders": orders})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_never_repeat_and_rows_stay_raw() {
        let mut store = Store::default();
        let a = store.tick(1_000);
        let b = store.tick(1_000);
        let c = store.tick(900);
        assert!(a < b && b < c);
        store.put_chat(
            &json!({"messageId": "a'b", "peerId": "P", "subject": "x&y", "message": "<3"}),
            b,
        );
        let o = store.oracle();
        assert_eq!(o["chat"][0]["messageId"], "a'b");
        assert_eq!(o["chat"][0]["subject"], "x&y");
        assert_eq!(store.unread_chat("x&y"), 1);
        assert_eq!(store.chat_peers(), ["P"]);
    }
}
