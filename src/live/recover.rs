//! Reading back what the socket missed: the node's notification and chat lists over REST,
//! newest first, page by page until they reach what obtail saw before the gap; and the memory
//! of recently seen ids that decides both where to stop and what not to print twice.
//!
//! The list's order and ids decide, not timestamps: notifications carry whole seconds only.
//! Timestamps are used only as the `--since` limit, and when obtail knows no id from before
//! the gap (the node's lists were empty or unreadable then).

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::frame::{parse_node_time, Stamp};

/// Ids remembered per node: enough for every notification and chat message of a long gap.
pub const SEEN_CAP: usize = 8192;
/// Rows asked for per page.
pub const PAGE: usize = 50;
/// Order ids whose chat is read back after a gap, most recent first.
pub const ORDERS_CAP: usize = 32;

/// Where an id was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// On the socket.
    Live,
    /// In a list, and not printed (older than the gap, or an outgoing message).
    Listed,
    /// In a list, and printed as recovered: the socket's copy, should it come, is a double.
    Recovered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// When it was met, counted in ids met before it.
    pub seq: u64,
    pub origin: Origin,
}

/// A bounded memory of ids (a ring: the oldest are forgotten first). Ids are kept as keyed
/// 64-bit hashes, so a node sending long ids costs no more memory than short ones.
pub struct Seen {
    map: HashMap<u64, Entry, BuildHasherDefault<KeyHasher>>,
    ring: VecDeque<u64>,
    next: u64,
    cap: usize,
    keys: RandomState,
}

impl Seen {
    pub fn new(cap: usize) -> Self {
        Seen {
            map: HashMap::with_capacity_and_hasher(cap, Default::default()),
            ring: VecDeque::with_capacity(cap),
            next: 0,
            cap: cap.max(1),
            keys: RandomState::new(),
        }
    }

    fn key(&self, id: &[u8]) -> u64 {
        self.keys.hash_one(id)
    }

    /// Everything met from now on has a `seq` of at least this.
    pub fn mark(&self) -> u64 {
        self.next
    }

    pub fn get(&self, id: &[u8]) -> Option<Entry> {
        self.map.get(&self.key(id)).copied()
    }

    /// Forgets an id listed but never delivered (its frame was dropped): it must not mark
    /// where a gap starts. Printed ids stay, so they are not printed again.
    pub fn forget_listed(&mut self, id: &[u8]) {
        let key = self.key(id);
        if self
            .map
            .get(&key)
            .is_some_and(|e| e.origin == Origin::Listed)
        {
            self.map.remove(&key);
        }
    }

    /// Remembers an id; returns how it was met before, if it was (and keeps that).
    pub fn note(&mut self, id: &[u8], origin: Origin) -> Option<Entry> {
        let key = self.key(id);
        if let Some(e) = self.map.get(&key) {
            return Some(*e);
        }
        if self.ring.len() >= self.cap {
            if let Some(old) = self.ring.pop_front() {
                self.map.remove(&old);
            }
        }
        self.ring.push_back(key);
        self.map.insert(
            key,
            Entry {
                seq: self.next,
                origin,
            },
        );
        self.next += 1;
        None
    }
}

/// `Seen`'s keys are keyed hashes of the ids already: hashing them again buys nothing.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// One row of a node's list, as the frame the socket would have carried.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    /// The node's timestamp (whole seconds for notifications).
    pub time: Option<Stamp>,
    /// `{"notification": …}` or `{"message": …}`.
    pub frame: Vec<u8>,
    /// A message the node received (it sends no frame for its own).
    pub incoming: bool,
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
            Ok(Ids {
                notification_id: Some(id),
                ..
            }) if !id.is_empty() => rows.push(Row {
                id,
                time: row.timestamp.as_deref().and_then(parse_node_time),
                frame: wrap("notification", inner),
                incoming: true,
            }),
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

/// Where paging stops.
#[derive(Debug, Clone, Copy)]
pub struct Boundary {
    /// A row met before this mark was seen before the gap: everything older was too.
    pub before: u64,
    /// Rows older than this are not wanted (`--since`, or the gap's start when no id from
    /// before it is known).
    pub cutoff: Option<Stamp>,
    /// At most this many rows are printed; the rest is reported as left out.
    pub max: usize,
    /// ...and at most this many bytes of them are held (`--buffer`): a node's answers cannot
    /// make obtail hold more.
    pub bytes: usize,
}

/// What one list gave back.
#[derive(Debug, Default)]
pub struct Collected {
    /// Oldest first.
    pub rows: Vec<Row>,
    /// More rows were missed than `max`.
    pub truncated: bool,
    /// Rows without an id.
    pub unnamed: usize,
}

/// Which list to read.
#[derive(Debug, Clone, Copy)]
pub enum List<'a> {
    Notifications,
    /// Direct chat (`subject` empty) or one order's chat.
    Chat {
        subject: &'a str,
    },
}

impl List<'_> {
    fn path(&self, limit: usize, offset: Option<&str>) -> String {
        let mut p = match self {
            List::Notifications => format!("/ob/notifications?limit={limit}"),
            List::Chat { subject: "" } => format!("/ob/chatmessages?limit={limit}"),
            List::Chat { subject } => {
                format!("/ob/chatmessages?subject={}&limit={limit}", encode(subject))
            }
        };
        if let Some(id) = offset {
            p.push_str("&offsetId=");
            p.push_str(&encode(id));
        }
        p
    }

    fn parse(&self, body: &[u8]) -> Result<(Vec<Row>, usize), String> {
        match self {
            List::Notifications => parse_notifications(body),
            List::Chat { .. } => parse_chat(body),
        }
    }
}

/// Percent-encodes everything but unreserved characters (ids come from the network).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Pages through a list, newest first, until the boundary; every row read is remembered in
/// `seen` (printed rows as `Recovered`), and rows already seen are skipped, so nothing is
/// printed twice across the seam. `fetch` GETs a path and returns the body.
pub fn collect(
    list: List,
    fetch: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
    seen: &mut Seen,
    b: Boundary,
) -> Result<Collected, String> {
    let mut out = Collected::default();
    let mut held = 0;
    let mut offset: Option<String> = None;
    // A node that ignores offsetId would page for ever.
    let max_pages = b.max / PAGE + 4;
    'pages: for _ in 0..max_pages {
        let (rows, unnamed) = list.parse(&fetch(&list.path(PAGE, offset.as_deref()))?)?;
        out.unnamed += unnamed;
        let full = rows.len() + unnamed >= PAGE;
        let last = rows.last().map(|r| r.id.clone());
        for row in rows {
            if let Some(e) = seen.get(row.id.as_bytes()) {
                if e.seq < b.before {
                    break 'pages;
                }
                continue;
            }
            if b.cutoff.is_some_and(|c| row.time.is_some_and(|t| t < c)) {
                seen.note(row.id.as_bytes(), Origin::Listed);
                break 'pages;
            }
            if !row.incoming {
                seen.note(row.id.as_bytes(), Origin::Listed);
                continue;
            }
            if out.rows.len() >= b.max || held + row.frame.len() > b.bytes {
                out.truncated = true;
                break 'pages;
            }
            held += row.frame.len();
            seen.note(row.id.as_bytes(), Origin::Recovered);
            out.rows.push(row);
        }
        if !full || last.is_none() || last == offset {
            break;
        }
        offset = last;
    }
    out.rows.reverse();
    Ok(out)
}

/// Remembers the newest rows of a list as seen, printing nothing: the mark a later gap stops at.
pub fn baseline(
    list: List,
    fetch: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
    seen: &mut Seen,
) -> Result<(), String> {
    let (rows, _) = list.parse(&fetch(&list.path(PAGE, None))?)?;
    // Oldest first, so the newest get the highest marks.
    for row in rows.iter().rev() {
        seen.note(row.id.as_bytes(), Origin::Listed);
    }
    Ok(())
}

/// What a live frame says about itself that recovery needs, read without parsing it:
/// the node's frames are `{"notification": {…}}` and `{"message": {…}}` (keys sorted).
#[derive(Debug, PartialEq)]
pub enum Live<'a> {
    Notification {
        id: &'a [u8],
        order: Option<&'a [u8]>,
    },
    Message {
        id: &'a [u8],
        subject: Option<&'a [u8]>,
    },
}

/// The ids of a live frame, read as the list rows are: from the top level of its
/// `notification` or `message` object (a nested `notificationId` is not the frame's).
#[derive(Deserialize)]
struct LiveFrame<'a> {
    #[serde(borrow, default)]
    notification: Option<LiveIds<'a>>,
    #[serde(borrow, default)]
    message: Option<LiveIds<'a>>,
}

/// Borrowed strings: an id with escapes is not trusted, and the frame then has none.
#[derive(Deserialize)]
struct LiveIds<'a> {
    #[serde(rename = "notificationId", borrow, default)]
    notification_id: Option<&'a str>,
    #[serde(rename = "messageId", borrow, default)]
    message_id: Option<&'a str>,
    #[serde(rename = "orderId", borrow, default)]
    order_id: Option<&'a str>,
    #[serde(borrow, default)]
    subject: Option<&'a str>,
}

/// Looks at the frame's first key, and reads the frame only when that is `notification`
/// or `message`: O(1) for every other frame. A node's frame is read by `skim`; anything it
/// is unsure of, by serde.
pub fn inspect(bytes: &[u8]) -> Option<Live<'_>> {
    let rest = skip_ws(bytes).strip_prefix(b"{")?;
    let rest = skip_ws(rest);
    if !(rest.starts_with(b"\"notification\"") || rest.starts_with(b"\"message\"")) {
        return None;
    }
    match skim(bytes) {
        Some(answer) => answer,
        None => inspect_by_serde(bytes),
    }
}

/// `inspect` by serde: what the skim must agree with.
fn inspect_by_serde(bytes: &[u8]) -> Option<Live<'_>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let frame: LiveFrame = serde_json::from_str(text).ok()?;
    if let Some(n) = frame.notification {
        return Some(Live::Notification {
            id: non_empty(n.notification_id)?,
            order: non_empty(n.order_id),
        });
    }
    let m = frame.message?;
    Some(Live::Message {
        id: non_empty(m.message_id)?,
        subject: non_empty(m.subject),
    })
}

/// `inspect` without a parse, for a node's own frames: one key at the top, its object's
/// members read by their keys, other values skipped over (not validated). `None` when unsure
/// (an escape in a key or an id, an id that is not a plain string, a key twice, anything but
/// one top-level member), and serde reads the frame. On valid JSON it agrees with serde (a
/// property test below); on a frame that is not, it may still name the ids serde refuses,
/// which the pipeline reports as invalid.
fn skim(bytes: &[u8]) -> Option<Option<Live<'_>>> {
    let mut c = Skim { b: bytes, i: 0 };
    c.ws();
    c.eat(b'{')?;
    c.ws();
    let notification = match c.plain_string()? {
        b"notification" => true,
        b"message" => false,
        _ => return None,
    };
    c.ws();
    c.eat(b':')?;
    c.ws();
    c.eat(b'{')?;
    // The keys of `LiveIds`, each read by serde as a borrowed string in either object.
    let mut ids: [Option<&[u8]>; 4] = [None; 4];
    c.ws();
    if c.peek()? == b'}' {
        c.i += 1;
    } else {
        loop {
            c.ws();
            let key = match c.plain_string()? {
                b"notificationId" => Some(0),
                b"orderId" => Some(1),
                b"messageId" => Some(2),
                b"subject" => Some(3),
                _ => None,
            };
            c.ws();
            c.eat(b':')?;
            c.ws();
            match key {
                Some(k) if ids[k].is_some() => return None,
                Some(k) => ids[k] = Some(c.plain_string()?),
                None => c.skip_value()?,
            }
            c.ws();
            match c.bump()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
    }
    c.ws();
    c.eat(b'}')?;
    c.ws();
    if c.i != bytes.len() {
        return None;
    }
    let [notification_id, order_id, message_id, subject] =
        ids.map(|id| id.filter(|i| !i.is_empty()));
    Some(if notification {
        notification_id.map(|id| Live::Notification {
            id,
            order: order_id,
        })
    } else {
        message_id.map(|id| Live::Message { id, subject })
    })
}

/// A position in a frame the skim reads; every step checks the end.
struct Skim<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Skim<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.bump()? == want).then_some(())
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.i += 1;
        }
    }

    /// A string with no escape and no control character; `None` for any other. Byte by
    /// byte: keys and ids are short.
    fn plain_string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        let mut high = false;
        loop {
            match self.bump()? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                0x80.. => high = true,
                _ => {}
            }
        }
        let s = self.b.get(start..self.i - 1)?;
        if high && std::str::from_utf8(s).is_err() {
            return None;
        }
        Some(s)
    }

    /// Past a string's closing quote, escapes and all.
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            let rest = self.b.get(self.i..)?;
            let at = memchr::memchr2(b'"', b'\\', rest)?;
            self.i += at + 1;
            if rest.get(at) == Some(&b'"') {
                return Some(());
            }
            // The escaped byte, whatever it is.
            self.bump()?;
        }
    }

    /// Past one value: strings and nested objects and arrays by their brackets.
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth -= 1,
                        _ => {}
                    }
                    self.i += 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
            }
            _ => {
                let n =
                    self.b.get(self.i..)?.iter().position(|c| {
                        matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                    })?;
                (n > 0).then(|| self.i += n)
            }
        }
    }
}

fn non_empty(s: Option<&str>) -> Option<&[u8]> {
    s.filter(|s| !s.is_empty()).map(str::as_bytes)
}

fn skip_ws(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
        .unwrap_or(b.len());
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(rows[0].time, parse_node_time("2026-12-02T00:45:40Z"),);
        assert_eq!(
            inspect(&rows[0].frame),
            Some(Live::Notification {
                id: NEWEST.as_bytes(),
                order: None
            })
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
                id: rows[0].id.as_bytes(),
                subject: None
            })
        );
        let (order, _) = parse_chat(&body("c05-chatmessages-order")).unwrap();
        assert!(!order[0].incoming);
        assert!(matches!(
            inspect(&order[0].frame),
            Some(Live::Message {
                subject: Some(b"Qmd4CS6P1xx7jsVts7AFjHfZ8ALZSR7WmAN4DcCzLnEnWV"),
                ..
            })
        ));
        assert!(parse_chat(&body("c09-chatmessages-badlimit")).is_err());
        assert!(parse_chat(&body("c01-chatconversations")).unwrap().1 == 1);
    }

    #[test]
    fn hostile_lists_are_errors_or_skipped_rows() {
        for bad in [&b"\xff"[..], b"{", b"[", b"null", b"{\"notifications\": 3}", b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]"] {
            assert!(parse_notifications(bad).is_err());
            assert!(parse_chat(bad).is_err() || parse_chat(bad).unwrap().0.is_empty());
        }
        let (rows, unnamed) = parse_notifications(
            br#"{"notifications":[{"notification":{"type":"follow"}},{"notification":{"notificationId":""}},{"notification":[1]}]}"#,
        )
        .unwrap();
        assert_eq!((rows.len(), unnamed), (0, 3));
    }

    /// A node's list served from memory, newest first, with the real node's limit/offsetId rules.
    fn serve<'a>(ids: &'a [&'a str]) -> impl FnMut(&str) -> Result<Vec<u8>, String> + 'a {
        move |path: &str| {
            let query = path.split_once('?').map_or("", |(_, q)| q);
            let mut limit = usize::MAX;
            let mut start = 0;
            for pair in query.split('&') {
                match pair.split_once('=') {
                    Some(("limit", n)) => limit = n.parse().unwrap(),
                    Some(("offsetId", id)) => match ids.iter().position(|i| *i == id) {
                        Some(p) => start = p + 1,
                        None => start = ids.len(),
                    },
                    _ => {}
                }
            }
            let rows: Vec<String> = ids[start..]
                .iter()
                .take(limit)
                .map(|id| {
                    format!(
                        r#"{{"notification":{{"notificationId":"{id}","type":"follow"}},"timestamp":"2026-12-02T00:45:40Z"}}"#
                    )
                })
                .collect();
            Ok(format!(r#"{{"notifications":[{}],"total":9}}"#, rows.join(",")).into_bytes())
        }
    }

    fn ids(c: &Collected) -> Vec<&str> {
        c.rows.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn paging_stops_at_what_was_seen_before_the_gap() {
        let names: Vec<String> = (0..130).rev().map(|i| format!("n{i}")).collect();
        let list: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut seen = Seen::new(SEEN_CAP);
        seen.note(b"n7", Origin::Live);
        let before = seen.mark();
        // Seen on the socket after the reconnect, and also listed: not printed again.
        seen.note(b"n120", Origin::Live);
        let b = Boundary {
            before,
            cutoff: None,
            max: 1000,
            bytes: usize::MAX,
        };
        let got = collect(List::Notifications, &mut serve(&list), &mut seen, b).unwrap();
        let want: Vec<String> = (8..130)
            .filter(|i| *i != 120)
            .map(|i| format!("n{i}"))
            .collect();
        assert_eq!(ids(&got), want);
        assert!(!got.truncated);
        // A second pass finds nothing new: each row is printed once.
        let b = Boundary {
            before: seen.mark(),
            cutoff: None,
            max: 1000,
            bytes: usize::MAX,
        };
        let again = collect(List::Notifications, &mut serve(&list), &mut seen, b).unwrap();
        assert_eq!(ids(&again), Vec::<&str>::new());
        assert_eq!(seen.get(b"n9").unwrap().origin, Origin::Recovered);
    }

    #[test]
    fn paging_is_bounded() {
        let names: Vec<String> = (0..500).rev().map(|i| format!("n{i}")).collect();
        let list: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut seen = Seen::new(SEEN_CAP);
        let b = Boundary {
            before: 0,
            cutoff: None,
            max: 120,
            bytes: usize::MAX,
        };
        let got = collect(List::Notifications, &mut serve(&list), &mut seen, b).unwrap();
        assert_eq!(got.rows.len(), 120);
        assert!(got.truncated);
        assert_eq!(got.rows.last().unwrap().id, "n499");
        // The rows held are bounded in bytes too.
        let small = Boundary { bytes: 1000, ..b };
        let got = collect(
            List::Notifications,
            &mut serve(&list),
            &mut Seen::new(SEEN_CAP),
            small,
        )
        .unwrap();
        assert!(got.truncated && !got.rows.is_empty());
        assert!(got.rows.iter().map(|r| r.frame.len()).sum::<usize>() <= 1000);
        // A node that ignores offsetId ends the paging too.
        let mut stuck = |_: &str| serve(&list)("/ob/notifications?limit=50");
        let got = collect(List::Notifications, &mut stuck, &mut Seen::new(SEEN_CAP), b).unwrap();
        assert_eq!(got.rows.len(), 50);
    }

    #[test]
    fn since_stops_at_the_cutoff() {
        let mut seen = Seen::new(SEEN_CAP);
        let mut fetch = |_: &str| Ok(body("n03-notifications-after-restart"));
        let b = Boundary {
            before: 0,
            cutoff: parse_node_time("2026-12-02T00:40:00Z"),
            max: 1000,
            bytes: usize::MAX,
        };
        let got = collect(List::Notifications, &mut fetch, &mut seen, b).unwrap();
        assert_eq!(ids(&got), [MIDDLE, NEWEST]);
    }

    #[test]
    fn a_baseline_prints_nothing_and_marks_the_newest() {
        let mut seen = Seen::new(SEEN_CAP);
        let mut fetch = |_: &str| Ok(body("n01-notifications-all"));
        baseline(List::Notifications, &mut fetch, &mut seen).unwrap();
        let mark = seen.mark();
        let mut after = |_: &str| Ok(body("n03-notifications-after-restart"));
        let b = Boundary {
            before: mark,
            cutoff: None,
            max: 1000,
            bytes: usize::MAX,
        };
        let got = collect(List::Notifications, &mut after, &mut seen, b).unwrap();
        assert_eq!(ids(&got), [NEWEST]);
    }

    #[test]
    fn outgoing_chat_is_remembered_but_not_printed() {
        let mut seen = Seen::new(SEEN_CAP);
        let mut fetch = |p: &str| {
            assert_eq!(p, "/ob/chatmessages?limit=50");
            Ok(body("c02-chatmessages-all"))
        };
        let b = Boundary {
            before: 0,
            cutoff: None,
            max: 1000,
            bytes: usize::MAX,
        };
        let got = collect(List::Chat { subject: "" }, &mut fetch, &mut seen, b).unwrap();
        assert_eq!(got.rows.len(), 2);
        assert!(got.rows.iter().all(|r| r.incoming));
        assert_eq!(
            seen.get(b"QmeHMzosFRorjptqQtVmonUWfqd4eWUKZgn7fzdQfmj4z8")
                .unwrap()
                .origin,
            Origin::Listed
        );
        assert_eq!(
            List::Chat { subject: "Qm a&b" }.path(5, Some("x/y")),
            "/ob/chatmessages?subject=Qm%20a%26b&limit=5&offsetId=x%2Fy"
        );
    }

    #[test]
    fn the_memory_is_bounded() {
        let mut seen = Seen::new(4);
        for i in 0..10u8 {
            seen.note(&[i], Origin::Live);
        }
        assert!(seen.get(&[0]).is_none());
        assert_eq!(seen.get(&[9]).unwrap().seq, 9);
        assert_eq!(seen.map.len(), 4);
    }

    #[test]
    fn a_nested_id_is_not_the_frames() {
        // The list row's id is the notification object's own; inspect took the first
        // `"notificationId"` anywhere, so a frame and its row did not match (fuzz finding).
        let n = br#"{"notification":{"a":{"notificationId":"inner"},"notificationId":"outer"}}"#;
        assert_eq!(
            inspect(n),
            Some(Live::Notification {
                id: b"outer",
                order: None
            })
        );
        let (rows, _) = parse_notifications(
            br#"{"notifications":[{"notification":{"a":{"notificationId":"inner"},"notificationId":"outer"}}],"total":1,"unread":1}"#,
        )
        .unwrap();
        assert_eq!(rows[0].id, "outer");
    }

    /// The frames of both fixtures and of a node's usual shapes, with ids in every place.
    fn skim_frames() -> Vec<Vec<u8>> {
        let mut frames: Vec<Vec<u8>> = [crate::fixtures::SESSION_014, crate::fixtures::GUIDE_013]
            .iter()
            .flat_map(|f| crate::fixtures::frames(f))
            .flat_map(|f| [crate::fixtures::compact(&f).into_bytes(), f.into_bytes()])
            .collect();
        frames.extend(
            [
                r#"{"notification":{"buyerId":"QmB","coinType":"BTC","fundingTotal":{"amount":"1","currency":{"code":"BTC","divisibility":8}},"notificationId":"QmN","orderId":"QmO","type":"payment"}}"#,
                r#"{"notification":{"a":[{"notificationId":"inner"},"x\"y",1e5,true,null],"notificationId":"outer","subject":"s"}}"#,
                r#"{"message":{"message":"\"messageId\": \"x\"","messageId":"QmM","peerId":"QmP","subject":"QmS","timestamp":"2026-12-02T00:45:40Z"}}"#,
                r#"{"message":{"messageId":"","subject":""}}"#,
                r#"{ "notification" : { "notificationId" : "QmN" , "orderId" : "" } }"#,
                r#"{"notification":{}}"#,
                r#"{"notification":null}"#,
            ]
            .map(|f| f.as_bytes().to_vec()),
        );
        frames
    }

    /// Whatever the skim answers, serde answers too whenever the frame is valid JSON, on the
    /// frames and thousands of mutants of them (and "no ids" always).
    #[test]
    fn the_skim_agrees_with_serde() {
        let agrees = |m: &[u8]| -> Option<bool> {
            let fast = skim(m)?;
            let valid = serde_json::from_slice::<serde::de::IgnoredAny>(m).is_ok();
            if valid || fast.is_none() {
                assert_eq!(fast, inspect_by_serde(m), "{}", String::from_utf8_lossy(m));
            }
            Some(valid && fast.is_some())
        };
        let frames = skim_frames();
        let named = frames.iter().filter(|f| agrees(f) == Some(true)).count();
        assert!(named >= 10, "only {named} frames had their ids skimmed");
        let mut rng = fastrand::Rng::with_seed(20261202);
        let alphabet = b"{}[]\":,\\ -01e.tfnu\"abcdIi";
        let mut skimmed = 0;
        for _ in 0..50_000 {
            let m = crate::fixtures::mutant(&mut rng, &frames, alphabet);
            if agrees(&m) == Some(true) {
                skimmed += 1;
            }
        }
        assert!(skimmed > 1000, "too few valid mutants skimmed: {skimmed}");
    }

    #[test]
    fn every_prefix_of_a_frame_is_safe_to_skim() {
        for f in skim_frames() {
            for cut in 0..f.len() {
                let _ = skim(&f[..cut]);
                let _ = inspect(&f[..cut]);
            }
        }
    }

    #[test]
    fn live_frames_are_read_by_their_first_key() {
        let n = br#"{
    "notification": {
        "buyerId": "QmB",
        "notificationId": "QmN",
        "orderId": "QmO",
        "type": "order"
    }
}"#;
        assert_eq!(
            inspect(n),
            Some(Live::Notification {
                id: b"QmN",
                order: Some(b"QmO")
            })
        );
        let m = br#"{"message": {"message": "\"notificationId\": \"x\"", "messageId": "QmM", "subject": ""}}"#;
        assert_eq!(
            inspect(m),
            Some(Live::Message {
                id: b"QmM",
                subject: None
            })
        );
        for other in [
            &br#"{"messageTyping": {"messageId": "x"}}"#[..],
            br#"{"walletUpdate": {}}"#,
            b"",
            b"{",
            br#"{"notification": {"notificationId": "a\"b"}}"#,
            br#"{"notification": {"a": {"notificationId": "inner"}}}"#,
        ] {
            assert_eq!(inspect(other), None, "{}", String::from_utf8_lossy(other));
        }
    }
}
