//! What the node did, for tests to check a client against: every frame it broadcast (and
//! when), and every REST request line it was sent.

use std::collections::VecDeque;

use serde_json::{json, Value};

use super::clock;

/// Broadcast frames remembered (the newest).
pub const SENT: usize = 100_000;
/// REST request lines remembered (the newest).
pub const REQUESTS: usize = 10_000;
/// Echoes larger than this are logged without a look inside.
const ECHO_PEEK: usize = 64 * 1024;

/// One broadcast frame.
pub struct Sent {
    /// `notificationId` or `messageId`, as it went on the wire.
    id: Option<String>,
    /// The frame's top-level key (`id` for an async reply), if it is an object.
    kind: Option<String>,
    /// Unix nanoseconds when the node handed it to its clients' queues.
    at: i64,
    /// Another client's message, echoed.
    echo: bool,
}

impl Sent {
    /// A frame the node made.
    pub fn of(frame: &Value, at: i64) -> Sent {
        let kind = frame.as_object().and_then(|m| {
            if m.len() == 1 {
                m.keys().next().cloned()
            } else if m.contains_key("id") {
                Some("id".into())
            } else {
                m.keys().next().cloned()
            }
        });
        let id = ["notification", "message"].iter().find_map(|k| {
            let inner = frame.get(*k)?;
            let id = inner
                .get("notificationId")
                .or_else(|| inner.get("messageId"))?;
            id.as_str().map(str::to_string)
        });
        Sent {
            id,
            kind,
            at,
            echo: false,
        }
    }

    /// Another client's message, which may be anything.
    pub fn echo(bytes: &[u8], at: i64) -> Sent {
        let frame = (bytes.len() <= ECHO_PEEK)
            .then(|| serde_json::from_slice::<Value>(bytes).ok())
            .flatten()
            .unwrap_or(Value::Null);
        Sent {
            echo: true,
            ..Sent::of(&frame, at)
        }
    }

    fn json(&self) -> Value {
        let mut v = json!({"id": self.id, "kind": self.kind, "at": clock::utc_nanos(self.at)});
        if self.echo {
            v["echo"] = true.into();
        }
        v
    }
}

/// The newest entries of a log, oldest first.
pub struct Log<T> {
    entries: VecDeque<T>,
    keep: usize,
}

impl<T> Log<T> {
    pub fn new(keep: usize) -> Log<T> {
        Log {
            entries: VecDeque::new(),
            keep,
        }
    }

    pub fn push(&mut self, entry: T) {
        if self.entries.len() == self.keep {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }
}

/// `GET /obtail-sim/sent`.
pub fn sent_json(log: &Log<Sent>) -> String {
    let list: Vec<Value> = log.entries.iter().map(Sent::json).collect();
    serde_json::to_string(&list).unwrap_or_default()
}

/// `GET /obtail-sim/requests`: `METHOD TARGET` as received.
pub fn requests_json(log: &Log<String>) -> String {
    serde_json::to_string(&log.entries).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_keep_the_newest_and_name_frames() {
        let mut log = Log::new(2);
        for (i, f) in [
            json!({"notification": {"notificationId": "N1", "type": "follow"}}),
            json!({"message": {"messageId": "a&amp;b"}}),
            json!({"id": "x", "peerId": "P"}),
        ]
        .iter()
        .enumerate()
        {
            log.push(Sent::of(f, i as i64));
        }
        log.push(Sent::echo(b"not json", 9));
        let v: Value = serde_json::from_str(&sent_json(&log)).unwrap();
        assert_eq!(
            v,
            json!([
                {"id": null, "kind": "id", "at": "1970-01-01T00:00:00.000000002Z"},
                {"id": null, "kind": null, "at": "1970-01-01T00:00:00.000000009Z", "echo": true},
            ])
        );
        let mut one = Log::new(2);
        one.push(Sent::of(&json!({"message": {"messageId": "a&amp;b"}}), 0));
        assert!(sent_json(&one).contains(r#""id":"a&amp;b","kind":"message""#));
    }
}
