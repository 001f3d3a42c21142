//! The node's REST answers a client reads to recover what it missed: the notifications list
//! (`api/jsonapi.go` GETNotifications, `repo/db/notifications.go` GetAll) and the chat history
//! (GETChatMessages, GETChatConversations, `repo/db/chat.go`), with the node's quirks.

use serde_json::{json, Value};

use super::clock;
use super::query::{rows, Query};
use super::reply::Reply;
use super::store::{ChatRow, Note, Store};

/// `GET /ob/notifications?limit=&offsetId=&filter=`; `endless` ignores `offsetId` (a fault).
pub fn notifications(store: &Store, query: &Query, endless: bool) -> Reply {
    let limit = match query.limit() {
        Ok(l) => rows(l),
        Err(e) => return Reply::error("500 Internal Server Error", &e),
    };
    let offset = query.get("offsetId").filter(|v| !v.is_empty() && !endless);
    // Go splits on commas and drops empty parts; the database compares lower-cased.
    let filter: Vec<String> = query
        .get("filter")
        .unwrap_or_default()
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect();
    let wanted = |n: &&Note| filter.is_empty() || filter.contains(&n.ty);
    let notes = &store.notes;
    let (rows, total): (Vec<&Note>, usize) = match offset {
        // rowid < the offset's rowid for the list, but timestamp < its timestamp (whole
        // seconds) for the count; an unknown id matches nothing in either. The offset is a
        // bound parameter here, so any text is only compared.
        Some(id) => match notes.iter().position(|n| n.id == id) {
            Some(at) => {
                let secs = notes[at].secs;
                let rows = notes.range(..at).rev().filter(wanted).collect();
                let total = notes
                    .iter()
                    .filter(wanted)
                    .filter(|n| n.secs < secs)
                    .count();
                (rows, total)
            }
            None => (Vec::new(), 0),
        },
        None => (
            notes.iter().rev().filter(wanted).collect(),
            notes.iter().filter(wanted).count(),
        ),
    };
    let list: Vec<Value> = rows
        .into_iter()
        .take(limit)
        .map(|n| {
            json!({
                "notification": n.notification, "read": n.read,
                "timestamp": clock::utc_secs(n.secs),
                "type": n.notification.get("type").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    let unread = notes.iter().filter(|n| !n.read).count();
    let text =
        serde_json::to_string(&json!({"notifications": list, "total": total, "unread": unread}))
            .unwrap_or_default();
    // The handler replaces every `null` in the text, strings included (jsonapi.go).
    match serde_json::from_str(&text.replace("null", "[]")) {
        Ok(v) => Reply::sanitized(v),
        Err(e) => Reply::error("500 Internal Server Error", &e.to_string()),
    }
}

/// What the node's SQL makes of `value` pasted between quotes (`repo/db/chat.go` builds its
/// statements so): the text it stands for, or `None` when a lone quote breaks the statement
/// (a syntax error, or an injection the sim does not run: the node logs it and answers `[]`).
fn sql_text(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\'' && chars.next() != Some('\'') {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

/// `GET /ob/chatmessages[/<peerId>]?subject=&limit=&offsetId=`: `GetMessages`, `order by
/// timestamp desc`, `offsetId` meaning `timestamp < (that message's timestamp)`, every value
/// compared with what the database holds raw. `endless` ignores `offsetId` (a fault).
pub fn chat_messages(store: &Store, peer: &str, query: &Query, endless: bool) -> Reply {
    let limit = match query.limit() {
        Ok(l) => rows(l),
        Err(e) => return Reply::error("500 Internal Server Error", &e),
    };
    let asked = query.get("subject").unwrap_or_default();
    let empty = || Reply::sanitized(json!([]));
    let (Some(subject), Some(peer)) = (sql_text(asked), sql_text(peer)) else {
        return empty();
    };
    let older_than = match query.get("offsetId").filter(|v| !v.is_empty() && !endless) {
        Some(id) => match sql_text(id).and_then(|id| store.chat.iter().find(|r| r.id == id)) {
            Some(r) => Some(r.nanos),
            // `timestamp < (NULL)` matches nothing.
            None => return empty(),
        },
        None => None,
    };
    let mut found: Vec<&ChatRow> = store
        .chat
        .iter()
        .filter(|r| r.subject == subject && (peer.is_empty() || r.peer == peer))
        .filter(|r| older_than.is_none_or(|t| r.nanos < t))
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r.nanos));
    let list: Vec<Value> = found
        .into_iter()
        .take(limit)
        .map(|r| {
            // The answer's subject is the one asked for, not the row's (chat.go).
            json!({
                "message": r.text, "messageId": r.id, "outgoing": r.outgoing,
                "peerId": r.peer, "read": r.read, "subject": asked,
                "timestamp": r.stamp(),
            })
        })
        .collect();
    Reply::sanitized(Value::Array(list))
}

/// `GET /ob/chatconversations`: one entry per peer with direct chat, newest first.
pub fn chat_conversations(store: &Store) -> Reply {
    let mut peers: Vec<&ChatRow> = Vec::new();
    for r in store.chat.iter().filter(|r| r.subject.is_empty()) {
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
            let unread = store
                .chat
                .iter()
                .filter(|r| r.peer == last.peer && r.subject.is_empty())
                .filter(|r| !r.read && !r.outgoing)
                .count();
            json!({
                "lastMessage": last.text, "outgoing": last.outgoing, "peerId": last.peer,
                "timestamp": last.stamp(), "unread": unread,
            })
        })
        .collect();
    Reply::sanitized(Value::Array(list))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_break_the_statement_unless_doubled() {
        assert_eq!(sql_text("plain").as_deref(), Some("plain"));
        assert_eq!(sql_text("it''s").as_deref(), Some("it's"));
        assert_eq!(sql_text("it's"), None);
        assert_eq!(sql_text("x') union select 1 --"), None);
        assert_eq!(sql_text("''''").as_deref(), Some("''"));
    }

    fn store() -> Store {
        let mut s = Store::default();
        for (i, (id, subject)) in [("a'b", ""), ("c&d", ""), ("e<f", "s'1"), ("g", "")]
            .iter()
            .enumerate()
        {
            s.put_chat(
                &json!({"messageId": id, "peerId": "P", "subject": subject, "message": "m"}),
                (i as i64 + 1) * 1_000,
            );
        }
        s
    }

    fn ids(reply: &Reply) -> Vec<String> {
        let v: Value = serde_json::from_str(&reply.body).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| m["messageId"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn chat_compares_raw_values_and_answers_escaped() {
        let s = store();
        let all = chat_messages(&s, "", &Query::parse(""), false);
        assert_eq!(ids(&all), ["g", "c&amp;d", "a&#39;b"]);
        assert!(all.body.contains("\"c\\u0026amp;d\""), "{}", all.body);
        // The escaped id is not the stored one; the raw one is (percent-encoded on the wire).
        let page = |q: &str| ids(&chat_messages(&s, "", &Query::parse(q), false));
        assert!(page("offsetId=c%26amp%3Bd").is_empty());
        assert_eq!(page("offsetId=c%26d"), ["a&#39;b"]);
        // A lone quote breaks the node's statement: [] whatever it names.
        assert!(page("offsetId=a%27b").is_empty());
        assert!(page("subject=s%271").is_empty());
        assert_eq!(page("subject=s%27%271"), ["e&lt;f"]);
        assert!(chat_messages(&s, "P'", &Query::parse(""), false)
            .body
            .starts_with("[]"));
        // Endless paging ignores the offset.
        let endless = chat_messages(&s, "", &Query::parse("offsetId=g&limit=1"), true);
        assert_eq!(ids(&endless), ["g"]);
    }
}
