//! The node's REST answers a client reads to recover what it missed: the notifications list
//! (`api/jsonapi.go` GETNotifications, `repo/db/notifications.go` GetAll) and the chat history
//! (GETChatMessages, GETChatConversations, `repo/db/chat.go`), with the node's quirks.

use std::collections::VecDeque;

use serde_json::{json, Value};

use super::shapes;

/// Rows kept per table; the oldest go first (a real node keeps them all).
const KEEP: usize = 20_000;

/// What a handler answers: status line text, content type and body.
pub struct Reply {
    pub status: &'static str,
    pub body: String,
}

impl Reply {
    fn ok(body: String) -> Reply {
        Reply {
            status: "200 OK",
            body,
        }
    }

    /// The node's `ErrorResponse`: indented, fields in struct order, `"` turned into `'`.
    pub fn error(status: &'static str, reason: &str) -> Reply {
        let reason = reason.replace('"', "'");
        let body = format!(
            "{{\n    \"success\": false,\n    \"reason\": {}\n}}",
            serde_json::to_string(&reason).unwrap_or_default()
        );
        Reply { status, body }
    }

    pub fn not_found() -> Reply {
        Reply::error("404 Not Found", "Not Found")
    }
}

struct Note {
    id: String,
    /// The database's `type` column: lower-cased.
    ty: String,
    /// Whole seconds, as the database keeps them.
    secs: u64,
    read: bool,
    notification: Value,
}

struct ChatRow {
    id: String,
    peer: String,
    subject: String,
    text: String,
    read: bool,
    outgoing: bool,
    /// Nanoseconds since the story's start: the table's ordering key.
    nanos: u128,
    /// The timestamp text exactly as the frame carried it.
    stamp: String,
}

/// The node's database: notifications and chat, oldest first.
#[derive(Default)]
pub struct Store {
    notes: VecDeque<Note>,
    chat: VecDeque<ChatRow>,
}

impl Store {
    /// Keeps a notification as `PutRecord` does; `at_secs` is when it was made.
    pub fn put_notification(&mut self, notification: &Value, at_secs: u64) {
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
            secs: at_secs,
            read: false,
            notification: notification.clone(),
        });
    }

    /// Keeps a chat message (the inner object of a `message` frame, or an outgoing one).
    pub fn put_chat(&mut self, message: &Value, nanos: u128) {
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
            stamp: s("timestamp"),
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

    /// `GET /ob/notifications?limit=&offsetId=&filter=`.
    pub fn notifications(&self, query: &Query) -> Reply {
        let limit = match query.limit() {
            Ok(l) => l,
            Err(e) => return Reply::error("500 Internal Server Error", &e),
        };
        let offset = query.get("offsetId").filter(|v| !v.is_empty());
        // Go splits on commas and drops empty parts; the database compares lower-cased.
        let filter: Vec<String> = query
            .get("filter")
            .unwrap_or_default()
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase)
            .collect();
        let wanted = |n: &&Note| filter.is_empty() || filter.contains(&n.ty);
        let (rows, total): (Vec<&Note>, usize) = match offset {
            // rowid < the offset's rowid for the list, but timestamp < its timestamp (whole
            // seconds) for the count; an unknown id matches nothing in either.
            Some(id) => match self.notes.iter().position(|n| n.id == id) {
                Some(at) => {
                    let secs = self.notes[at].secs;
                    let rows = self.notes.range(..at).rev().filter(wanted).collect();
                    let total = self
                        .notes
                        .iter()
                        .filter(wanted)
                        .filter(|n| n.secs < secs)
                        .count();
                    (rows, total)
                }
                None => (Vec::new(), 0),
            },
            None => (
                self.notes.iter().rev().filter(wanted).collect(),
                self.notes.iter().filter(wanted).count(),
            ),
        };
        let list: Vec<Value> = rows
            .into_iter()
            .take(limit)
            .map(|n| {
                json!({
                    "notification": n.notification, "read": n.read,
                    "timestamp": super::story::db_timestamp_secs(n.secs),
                    "type": n.notification.get("type").cloned().unwrap_or(Value::Null),
                })
            })
            .collect();
        let unread = self.notes.iter().filter(|n| !n.read).count();
        let text = serde_json::to_string(
            &json!({"notifications": list, "total": total, "unread": unread}),
        )
        .unwrap_or_default();
        // The handler replaces every `null` in the text, strings included (jsonapi.go).
        sanitized(&text.replace("null", "[]"))
    }

    /// `GET /ob/chatmessages[/<peerId>]?subject=&limit=&offsetId=`.
    pub fn chat_messages(&self, peer: &str, query: &Query) -> Reply {
        let limit = match query.limit() {
            Ok(l) => l,
            Err(e) => return Reply::error("500 Internal Server Error", &e),
        };
        let subject = query.get("subject").unwrap_or_default();
        let older_than = match query.get("offsetId").filter(|v| !v.is_empty()) {
            Some(id) => match self.chat.iter().find(|r| r.id == id) {
                Some(r) => Some(r.nanos),
                // `timestamp < (NULL)` matches nothing.
                None => return sanitized("[]"),
            },
            None => None,
        };
        let mut rows: Vec<&ChatRow> = self
            .chat
            .iter()
            .filter(|r| r.subject == subject && (peer.is_empty() || r.peer == peer))
            .filter(|r| older_than.is_none_or(|t| r.nanos < t))
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.nanos));
        let list: Vec<Value> = rows
            .into_iter()
            .take(limit)
            .map(|r| {
                json!({
                    "message": r.text, "messageId": r.id, "outgoing": r.outgoing,
                    "peerId": r.peer, "read": r.read, "subject": subject,
                    "timestamp": r.stamp,
                })
            })
            .collect();
        sanitized(&serde_json::to_string(&list).unwrap_or_default())
    }

    /// `GET /ob/chatconversations`: one entry per peer with direct chat, newest first.
    pub fn chat_conversations(&self) -> Reply {
        let mut peers: Vec<&ChatRow> = Vec::new();
        for r in self.chat.iter().filter(|r| r.subject.is_empty()) {
            match peers.iter_mut().find(|p| p.peer == r.peer) {
                Some(p) if p.nanos <= r.nanos => *p = r,
                Some(_) => {}
                None => peers.push(r),
            }
        }
        peers.sort_by_key(|r| std::cmp::Reverse(r.nanos));
        let list: Vec<Value> = peers
            .into_iter()
            .map(|last| {
                let unread = self
                    .chat
                    .iter()
                    .filter(|r| r.peer == last.peer && r.subject.is_empty())
                    .filter(|r| !r.read && !r.outgoing)
                    .count();
                json!({
                    "lastMessage": last.text, "outgoing": last.outgoing, "peerId": last.peer,
                    "timestamp": last.stamp, "unread": unread,
                })
            })
            .collect();
        sanitized(&serde_json::to_string(&list).unwrap_or_default())
    }
}

/// The node's `SanitizedResponse`: one JSON value, re-encoded indented with sorted keys.
fn sanitized(text: &str) -> Reply {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Reply::ok(shapes::render(&v)),
        Err(e) => Reply::error("500 Internal Server Error", &e.to_string()),
    }
}

/// A request's query string, read as Go's `r.URL.Query().Get` does.
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: &str) -> Query {
        Query(
            raw.split(['&', ';'])
                .filter(|p| !p.is_empty())
                .filter_map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    Some((unescape(k)?, unescape(v)?))
                })
                .collect(),
        )
    }

    /// The first value of `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `limit` as the handlers read it: absent or empty is all, negative is all (SQLite's
    /// `LIMIT -1`), and anything `strconv.Atoi` refuses is an error in its words.
    fn limit(&self) -> Result<usize, String> {
        let text = match self.get("limit") {
            None | Some("") => return Ok(usize::MAX),
            Some(t) => t,
        };
        let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("strconv.Atoi: parsing \"{text}\": invalid syntax"));
        }
        match text.parse::<i64>() {
            Ok(n) if n < 0 => Ok(usize::MAX),
            Ok(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
            Err(_) => Err(format!(
                "strconv.Atoi: parsing \"{text}\": value out of range"
            )),
        }
    }
}

/// Go's `url.QueryUnescape`: `+` is a space; a bad `%` escape drops the pair.
fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
                let (h, l) = (hex(b.get(i + 1))?, hex(b.get(i + 2))?);
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The peer id at the end of a `/ob/chatmessages` path (`path.Split`), empty for none.
pub fn chat_peer(path: &str) -> &str {
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.eq_ignore_ascii_case("chatmessages") {
        ""
    } else {
        last
    }
}
