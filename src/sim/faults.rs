//! REST faults on purpose: a node whose API hangs, drips, pages without end, floods, fails or
//! answers a body too large to hold. They apply to `/ob/` only, never to `/ws` or the sim's
//! own controls.

use fastrand::Rng;

use super::ids::qm;
use serde_json::{json, Value};

use super::clock;
use super::orders::Role;
use super::query::Query;
use super::reply::Reply;
use super::shapes::{self, Coin, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The request is read and nothing answered until the fault ends.
    Hang,
    /// A valid answer, one byte every half second.
    Drip,
    /// The notification and chat lists ignore `offsetId`: every page is the newest one.
    Endless,
    /// Every list page is full of new made-up rows, never stored, never repeated.
    Flood,
    /// 500 with the node's error body.
    Error,
    /// A 200 whose body is larger than [`HUGE`], chunked.
    Huge,
}

pub const MODES: &str = "hang, drip, endless, flood, error, huge or none";

/// The size a huge answer exceeds.
pub const HUGE: usize = 20 << 20;

impl Fault {
    /// A mode's name; `none` is no fault.
    pub fn parse(name: &str) -> Result<Option<Fault>, String> {
        Ok(Some(match name {
            "hang" => Fault::Hang,
            "drip" => Fault::Drip,
            "endless" => Fault::Endless,
            "flood" => Fault::Flood,
            "error" => Fault::Error,
            "huge" => Fault::Huge,
            "none" => return Ok(None),
            other => return Err(format!("mode '{other}': want {MODES}")),
        }))
    }
}

/// The error a failing node answers (a database it cannot read).
pub fn error_reply() -> Reply {
    Reply::error("500 Internal Server Error", "database is locked")
}

/// A list the node pages, as named by a request's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum List {
    Notifications,
    Chat { subject: String },
    Conversations,
    Orders(Role),
}

impl List {
    pub fn of(path: &str, query: &Query) -> Option<List> {
        let route = |p: &str| path.starts_with(p);
        Some(if route("/ob/notifications") {
            List::Notifications
        } else if route("/ob/chatmessages") {
            List::Chat {
                subject: query.get("subject").unwrap_or_default().to_string(),
            }
        } else if route("/ob/chatconversations") {
            List::Conversations
        } else {
            List::Orders(
                Role::ALL
                    .into_iter()
                    .find(|r| route(&format!("/ob/{}", r.list())))?,
            )
        })
    }
}

/// A row no node ever stored, with ids nobody will see again.
fn made_up(list: &List, rng: &mut Rng) -> Value {
    let now = clock::now_nanos();
    let (id, peer) = (qm(rng), qm(rng));
    match list {
        List::Notifications => json!({
            "notification": {"notificationId": id, "peerId": peer, "type": "follow"},
            "read": false, "timestamp": clock::utc_secs(clock::secs(now)), "type": "follow",
        }),
        List::Chat { subject } => json!({
            "message": "flood", "messageId": id, "outgoing": false, "peerId": peer,
            "read": false, "subject": subject, "timestamp": clock::local_nanos(now),
        }),
        List::Conversations => json!({
            "lastMessage": "flood", "outgoing": false, "peerId": peer,
            "timestamp": clock::local_nanos(now), "unread": 1,
        }),
        List::Orders(role) => {
            let key = if *role == Role::Case {
                "caseId"
            } else {
                "orderId"
            };
            let total = Money {
                coin: Coin::Btc,
                amount: 100_000,
            };
            json!({
                key: id, "buyerId": peer, "buyerHandle": "", "coinType": "",
                "paymentCoin": "BTC", "read": false, "slug": "flood", "state": "PENDING",
                "thumbnail": "", "timestamp": clock::local_secs(clock::secs(now)),
                "title": "flood", "total": shapes::currency_value(total), "unreadChatMessages": 0,
            })
        }
    }
}

/// How many made-up rows fill a page asked with `limit` (a page with no limit is large, not
/// endless).
fn page_size(query: &Query) -> usize {
    match query.limit() {
        Ok(n) if n >= 0 => usize::try_from(n).unwrap_or(0).min(10_000),
        _ => 1_000,
    }
}

/// The list around some rows: the answer's shape with `rows` in it.
fn page(list: &List, rows: Vec<Value>) -> Value {
    let claimed = rows.len() + 1_000_000;
    match list {
        List::Notifications => {
            json!({"notifications": rows, "total": claimed, "unread": claimed})
        }
        List::Chat { .. } | List::Conversations => Value::Array(rows),
        List::Orders(role) => json!({"queryCount": claimed, role.list(): rows}),
    }
}

/// A flooding node's answer: a full page of made-up rows.
pub fn flood(list: &List, query: &Query) -> Reply {
    let mut rng = Rng::new();
    let n = if *list == List::Conversations {
        1_000
    } else {
        page_size(query)
    };
    let rows = (0..n).map(|_| made_up(list, &mut rng)).collect();
    Reply::ok(shapes::render(&page(list, rows)))
}

/// A huge answer, made row by row: its text before the rows, between two rows, and after.
pub struct Huge {
    list: List,
    rng: Rng,
    pub before: String,
    pub between: String,
    pub after: String,
    indent: String,
}

impl Huge {
    pub fn new(list: List) -> Huge {
        // The page with one marker row, split around it, gives the text around the rows.
        const MARK: &str = "\u{1}row\u{1}";
        let text = shapes::render(&page(&list, vec![Value::from(MARK)]));
        let marked = shapes::render(&Value::from(MARK));
        let at = text.find(&marked).unwrap_or(0);
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let indent = text[line_start..at].to_string();
        Huge {
            list,
            rng: Rng::new(),
            before: text[..at].to_string(),
            between: format!(",\n{indent}"),
            after: text[at + marked.len()..].to_string(),
            indent,
        }
    }

    /// The next made-up row, indented where it goes.
    pub fn row(&mut self) -> String {
        let text = shapes::render(&made_up(&self.list, &mut self.rng));
        text.replace('\n', &format!("\n{}", self.indent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floods_never_repeat_and_huge_pages_are_valid_json() {
        let q = Query::parse("limit=7");
        let list = List::of("/ob/notifications", &q).unwrap();
        let a: Value = serde_json::from_str(&flood(&list, &q).body).unwrap();
        let b: Value = serde_json::from_str(&flood(&list, &q).body).unwrap();
        let ids = |v: &Value| -> Vec<String> {
            v["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["notification"]["notificationId"].to_string())
                .collect()
        };
        assert_eq!(ids(&a).len(), 7);
        assert!(ids(&a).iter().all(|id| !ids(&b).contains(id)));
        for path in [
            "/ob/notifications",
            "/ob/chatmessages",
            "/ob/purchases/x",
            "/ob/cases",
        ] {
            let mut h = Huge::new(List::of(path, &q).unwrap());
            let (a, b) = (h.row(), h.row());
            let text = format!("{}{a}{}{b}{}", h.before, h.between, h.after);
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert!(v.is_object() || v.as_array().is_some_and(|a| a.len() == 2));
        }
        assert_eq!(List::of("/ob/order/x", &q), None);
        assert_eq!(Fault::parse("none"), Ok(None));
        assert!(Fault::parse("slow").unwrap_err().contains("want hang"));
    }
}
