//! The node's lists as obtail reads them: which list, the request for one page of it, and
//! its rows as the frames the socket would have carried.
//!
//! Only a well-formed node id ever goes into a request: chat ids and subjects are chosen by
//! the peer who sent the message, and the node pastes `subject` and `offsetId` into its SQL
//! (protocol.md §9.4). A row whose id is anything else is read, never sent back.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

#[cfg(test)]
use crate::frame::parse_time;
use crate::frame::{parse_node_time, Stamp};

/// The longest id obtail sends back to a node (its ids are 46 characters; newer peer ids 52).
const ID_MAX: usize = 100;

/// An id that is safe to put in a request: base58 characters only, so nothing a node could
/// read as SQL, a path or a query separator, and nothing that needs escaping in a URL.
pub fn is_node_id(s: &str) -> bool {
    (1..=ID_MAX).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'))
}

/// One of the lists the node keeps and obtail reads back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListKey {
    Notifications,
    /// Direct chat with every peer (`subject` empty).
    Direct,
    /// One order's (or case's) chat; the id is a node id (`is_node_id`).
    Order(Arc<str>),
}

impl ListKey {
    /// The list of an order's chat, when its id may be sent to the node.
    pub fn order(id: &str) -> Option<ListKey> {
        is_node_id(id).then(|| ListKey::Order(id.into()))
    }

    /// The list a chat message belongs to, by its subject; `None` for a subject that is not
    /// a node id (that list is never read, so nothing needs remembering for it).
    pub fn of_message(subject: Option<&str>) -> Option<ListKey> {
        match subject {
            None | Some("") => Some(ListKey::Direct),
            Some(s) => ListKey::order(s),
        }
    }

    /// Chat lists are ordered by timestamp (nanoseconds, possibly a stranger's clock);
    /// notifications by insertion, stamped in whole seconds by the node.
    pub fn is_chat(&self) -> bool {
        !matches!(self, ListKey::Notifications)
    }

    /// The request for one page: `limit` rows newest first, older than `offset` if given.
    pub fn path(&self, limit: usize, offset: Option<&str>) -> String {
        let mut p = match self {
            ListKey::Notifications => format!("/ob/notifications?limit={limit}"),
            ListKey::Direct => format!("/ob/chatmessages?limit={limit}"),
            ListKey::Order(id) => format!("/ob/chatmessages?subject={id}&limit={limit}"),
        };
        if let Some(id) = offset.filter(|id| is_node_id(id)) {
            p.push_str("&offsetId=");
            p.push_str(id);
        }
        p
    }

    /// Parses one page; rows without an id are counted, not returned.
    pub fn parse(&self, body: &[u8]) -> Result<(Vec<Row>, usize), String> {
        match self {
            ListKey::Notifications => parse_notifications(body),
            _ => parse_chat(body),
        }
    }

    /// In words, for notes: `the notification list`, `the chat of order QmbMY8sGFe`.
    pub fn words(&self) -> String {
        match self {
            ListKey::Notifications => "the notification list".into(),
            ListKey::Direct => "the direct chat list".into(),
            ListKey::Order(id) => format!("the chat of order {}", short(id)),
        }
    }
}

fn short(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}

/// One row of a node's list, as the frame the socket would have carried.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The id as the node lists it (HTML-escaped, as in its frames).
    pub id: String,
    /// The node's timestamp (whole seconds for notifications).
    pub time: Option<Stamp>,
    /// `{"notification": …}` or `{"message": …}`.
    pub frame: Vec<u8>,
    /// A message the node received (it sends no frame for its own).
    pub incoming: bool,
    /// A notification's order (`orderId`, `purchaseOrderId`, `disputeCaseId`), when it is a
    /// node id: its chat is a list to read.
    pub order: Option<String>,
}

#[derive(Deserialize)]
struct NotificationList<'a> {
    #[serde(borrow)]
    notifications: Vec<NotificationRow<'a>>,
}

#[derive(Deserialize)]
struct NotificationRow<'a> {
    #[serde(borrow)]
    notification: &'a RawValue,
    #[serde(default)]
    timestamp: Option<String>,
}

#[derive(Deserialize)]
struct Ids {
    #[serde(rename = "notificationId", default)]
    notification_id: Option<String>,
    #[serde(rename = "messageId", default)]
    message_id: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    outgoing: Option<bool>,
    #[serde(rename = "orderId", default)]
    order_id: Option<String>,
    #[serde(rename = "purchaseOrderId", default)]
    purchase_order_id: Option<String>,
    #[serde(rename = "disputeCaseId", default)]
    dispute_case_id: Option<String>,
}

impl Ids {
    fn order(self) -> Option<String> {
        [self.order_id, self.purchase_order_id, self.dispute_case_id]
            .into_iter()
            .flatten()
            .find(|id| is_node_id(id))
    }
}

/// Parses a `GET /ob/notifications` body. Rows without an id cannot be told apart and are
/// counted in the second value.
pub fn parse_notifications(body: &[u8]) -> Result<(Vec<Row>, usize), String> {
    let text = std::str::from_utf8(body).map_err(|_| "the list is not UTF-8".to_string())?;
    let list: NotificationList = serde_json::from_str(text)
        .map_err(|e| format!("the notification list is unreadable: {e}"))?;
    let mut rows = Vec::with_capacity(list.notifications.len());
    let mut unnamed = 0;
    for row in list.notifications {
        let inner = row.notification.get();
        match serde_json::from_str::<Ids>(inner) {
            Ok(mut ids) if ids.notification_id.as_ref().is_some_and(|i| !i.is_empty()) => {
                let id = ids.notification_id.take().unwrap_or_default();
                rows.push(Row {
                    id,
                    time: row.timestamp.as_deref().and_then(parse_node_time),
                    frame: wrap("notification", inner),
                    incoming: true,
                    order: ids.order(),
                })
            }
            _ => unnamed += 1,
        }
    }
    Ok((rows, unnamed))
}

/// Parses a `GET /ob/chatmessages` body (an array of messages).
pub fn parse_chat(body: &[u8]) -> Result<(Vec<Row>, usize), String> {
    let text = std::str::from_utf8(body).map_err(|_| "the list is not UTF-8".to_string())?;
    let list: Vec<&RawValue> =
        serde_json::from_str(text).map_err(|e| format!("the chat list is unreadable: {e}"))?;
    let mut rows = Vec::with_capacity(list.len());
    let mut unnamed = 0;
    for raw in list {
        match serde_json::from_str::<Ids>(raw.get()) {
            Ok(Ids {
                message_id: Some(id),
                timestamp,
                outgoing,
                ..
            }) if !id.is_empty() => rows.push(Row {
                id,
                time: timestamp.as_deref().and_then(parse_node_time),
                frame: wrap("message", raw.get()),
                incoming: outgoing != Some(true),
                order: None,
            }),
            _ => unnamed += 1,
        }
    }
    Ok((rows, unnamed))
}

fn wrap(key: &str, inner: &str) -> Vec<u8> {
    let mut f = Vec::with_capacity(inner.len() + key.len() + 8);
    f.extend_from_slice(b"{\"");
    f.extend_from_slice(key.as_bytes());
    f.extend_from_slice(b"\": ");
    f.extend_from_slice(inner.as_bytes());
    f.push(b'}');
    f
}

/// The three order lists (orders.md §2): every order the node has, as a vendor, a buyer and
/// a moderator.
pub const ORDER_LISTS: [(&str, &str, &str); 3] = [
    ("/ob/sales", "sales", "orderId"),
    ("/ob/purchases", "purchases", "orderId"),
    ("/ob/cases", "cases", "caseId"),
];

/// One order as an order list names it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub id: String,
    pub unread_chat: u64,
    pub time: Option<Stamp>,
}

/// Parses `{"queryCount": N, "<key>": [...]}`; an empty list has no array at all. Orders
/// whose id is not a node id are left out (their chat cannot be asked for).
pub fn parse_orders(body: &[u8], key: &str, id_key: &str) -> Result<Vec<OrderRow>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the list is not UTF-8".to_string())?;
    let list: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| format!("the order list is unreadable: {e}"))?;
    let rows = match list.get(key) {
        None | Some(serde_json::Value::Null) => return Ok(Vec::new()),
        Some(serde_json::Value::Array(rows)) => rows,
        Some(_) => return Err(format!("the order list's '{key}' is not a list")),
    };
    Ok(rows
        .iter()
        .filter_map(|r| {
            let id = r.get(id_key)?.as_str().filter(|id| is_node_id(id))?;
            Some(OrderRow {
                id: id.to_string(),
                unread_chat: r
                    .get("unreadChatMessages")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0),
                time: r
                    .get("timestamp")
                    .and_then(|t| parse_node_time(t.as_str()?)),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::recover::{inspect, Live};
    use std::path::Path;

    fn body(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/real-node/rest"
            ))
            .join(format!("{name}.body")),
        )
        .unwrap()
    }

    const NEWEST: &str = "QmaykAyLJdvJA3ZJkmuqs1wTDALrB39nLmHNEvDDDekc6o";
    const MIDDLE: &str = "QmcvkCyZLPp4ptgrUvYkDvWm7b7aJZMzd1jkmgByCbqTK6";
    const OLDEST: &str = "Qmbx8ntCjp8qY3jrjUe6e9YkTQHCkee9JdnjQ4acumNejf";

    #[test]
    fn real_notification_lists_become_frames() {
        let (rows, unnamed) =
            parse_notifications(&body("n03-notifications-after-restart")).unwrap();
        assert_eq!(unnamed, 0);
        let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, [NEWEST, MIDDLE, OLDEST]);
        let frame: serde_json::Value = serde_json::from_slice(&rows[0].frame).unwrap();
        assert_eq!(frame["notification"]["notificationId"], NEWEST);
        assert_eq!(frame["notification"]["type"], "follow");
        assert_eq!(frame.as_object().unwrap().len(), 1);
        assert_eq!(rows[0].time, parse_time("2026-12-02T00:45:40Z"));
        assert_eq!(
            inspect(&rows[0].frame),
            Some(Live::Notification { id: NEWEST.into() })
        );
        for empty in ["n07-notifications-limit0", "n10-notifications-filter-order"] {
            assert_eq!(parse_notifications(&body(empty)).unwrap().0, []);
        }
        assert!(parse_notifications(&body("n08-notifications-badlimit")).is_err());
    }

    #[test]
    fn real_chat_lists_become_frames() {
        let (rows, _) = parse_chat(&body("c02-chatmessages-all")).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].id, "QmQPkKJkFWguqWFGWD9SgDa7eKKaXz6tTMU6RUvgTq3GGN");
        assert!(rows[0].incoming && rows[1].incoming && !rows[2].incoming);
        let frame: serde_json::Value = serde_json::from_slice(&rows[1].frame).unwrap();
        // The text is kept exactly, escapes and all: the pipeline renders it safely.
        assert!(frame["message"]["message"]
            .as_str()
            .unwrap()
            .contains("\u{1b}[31m"));
        assert_eq!(
            inspect(&rows[0].frame),
            Some(Live::Message {
                id: rows[0].id.as_str().into(),
                subject: None
            })
        );
        let (order, _) = parse_chat(&body("c05-chatmessages-order")).unwrap();
        assert!(!order[0].incoming);
        assert!(matches!(
            inspect(&order[0].frame),
            Some(Live::Message { subject: Some(s), .. })
                if s == "Qmd4CS6P1xx7jsVts7AFjHfZ8ALZSR7WmAN4DcCzLnEnWV"
        ));
        assert!(parse_chat(&body("c09-chatmessages-badlimit")).is_err());
        assert!(parse_chat(&body("c01-chatconversations")).unwrap().1 == 1);
    }

    #[test]
    fn hostile_lists_are_errors_or_skipped_rows() {
        // Unbalanced and deep.
        let deep = format!("{}]]", "[".repeat(200));
        for bad in [
            &b"\xff"[..],
            b"{",
            b"[",
            b"null",
            b"{\"notifications\": 3}",
            deep.as_bytes(),
        ] {
            assert!(
                parse_notifications(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
            assert!(parse_chat(bad).is_err() || parse_chat(bad).unwrap().0.is_empty());
        }
        let (rows, unnamed) = parse_notifications(
            br#"{"notifications":[{"notification":{"type":"follow"}},{"notification":{"notificationId":""}},{"notification":[1]}]}"#,
        )
        .unwrap();
        assert_eq!((rows.len(), unnamed), (0, 3));
    }

    #[test]
    fn a_notification_names_its_order_only_by_a_node_id() {
        let (rows, _) = parse_notifications(
            br#"{"notifications":[
                {"notification":{"notificationId":"n1","orderId":"QmbMY8sGFe","type":"order"}},
                {"notification":{"notificationId":"n2","purchaseOrderId":"Qm2","type":"vendorDisputeTimeout"}},
                {"notification":{"notificationId":"n3","disputeCaseId":"Qm3","type":"moderatorDisputeExpiry"}},
                {"notification":{"notificationId":"n4","orderId":"x') union select","type":"order"}}
            ]}"#,
        )
        .unwrap();
        let orders: Vec<_> = rows.iter().map(|r| r.order.as_deref()).collect();
        assert_eq!(orders, [Some("QmbMY8sGFe"), Some("Qm2"), Some("Qm3"), None]);
    }

    #[test]
    fn only_node_ids_reach_a_request() {
        for good in ["QmbMY8sGFeQmTCTBF57u", "12D3KooWabc", "z"] {
            assert!(is_node_id(good), "{good}");
        }
        let long = "Q".repeat(101);
        for bad in [
            "", "a'b", "a&#39;b", "a b", "a<b", "a/b", "a%27b", "Qm0", "QmO", "QmI", "Qml", "é",
            &long,
        ] {
            assert!(!is_node_id(bad), "{bad}");
            assert!(ListKey::order(bad).is_none());
            // An offset that is not a node id is never sent.
            assert_eq!(
                ListKey::Direct.path(50, Some(bad)),
                "/ob/chatmessages?limit=50"
            );
        }
        assert_eq!(
            ListKey::order("QmX").unwrap().path(5, Some("QmY")),
            "/ob/chatmessages?subject=QmX&limit=5&offsetId=QmY"
        );
        assert_eq!(ListKey::of_message(Some("x'y")), None);
        assert_eq!(ListKey::of_message(Some("")), Some(ListKey::Direct));
    }

    #[test]
    fn order_lists_give_their_ids() {
        let rows = parse_orders(
            br#"{"queryCount": 3, "sales": [
                {"orderId": "QmA", "unreadChatMessages": 2, "timestamp": "2026-12-06T16:34:22-05:00"},
                {"orderId": "bad'id"},
                {"orderId": "QmB"}]}"#,
            "sales",
            "orderId",
        )
        .unwrap();
        let ids: Vec<_> = rows
            .iter()
            .map(|r| (r.id.as_str(), r.unread_chat))
            .collect();
        assert_eq!(ids, [("QmA", 2), ("QmB", 0)]);
        assert_eq!(rows[0].time, parse_time("2026-12-06T21:34:22Z"));
        // An empty list has no array (orders.md §2.1).
        assert_eq!(
            parse_orders(b"{\"queryCount\": 0}", "cases", "caseId").unwrap(),
            []
        );
        assert!(parse_orders(b"[]", "sales", "orderId").is_err());
        // As a real node lists them.
        let real = |name: &str| body(&format!("orders/{name}"));
        let sales = parse_orders(&real("22-A-sales"), "sales", "orderId").unwrap();
        assert_eq!(sales.len(), 3);
        assert_eq!(
            sales[0].id,
            "QmZaJJg7or1AaMHtXxKNyTAP3rVESEac1dNycdvQ4Eyw9G"
        );
        assert_eq!(sales[0].time, parse_time("2026-12-06T21:34:22Z"));
        let bought = parse_orders(&real("34-B-purchases"), "purchases", "orderId").unwrap();
        assert_eq!(bought[0].id, sales[0].id);
        assert_eq!(
            parse_orders(&real("03-A-sales-empty"), "sales", "orderId").unwrap(),
            []
        );
        assert!(parse_orders(b"{\"sales\": 3}", "sales", "orderId").is_err());
    }
}
