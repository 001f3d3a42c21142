//! Recovery's paging and ledger (`live::recover`) against a node made of the fuzzer's bytes:
//! a chat or notification list whose rows have hostile ids (quotes, `&`, spaces, long ones),
//! timestamps that tie or run backwards, and a node that may ignore `offsetId`. Whatever it
//! lists: every value obtail sends back is a node id; each row is met once per read; a read
//! ends within a bounded number of requests; an honest node's rows above the floor are all
//! met when the read says it reached the floor or the list's end; and across two reads no row
//! is taken for printing twice.
#![no_main]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use libfuzzer_sys::fuzz_target;
use obtail::live::recover::{is_node_id, read_list, Answer, End, Ledger, ListKey, Take};

struct Row {
    id: String,
    secs: i64,
}

const IDS: &[&str] = &["Qm", "a'b", "x&y", "<s>", " ", "Zz", "q\"", "\\\\", "0", "é"];

/// Rows with unique ids, as a node keeps them (messageID is its table's key).
fn rows(data: &[u8]) -> Vec<Row> {
    let mut ids = HashSet::new();
    data.chunks(3)
        .map(|c| {
            let a = c[0];
            let b = *c.get(1).unwrap_or(&0);
            let t = *c.get(2).unwrap_or(&0);
            let id = match a % 16 {
                15 => "Z".repeat(150 + b as usize),
                n => format!("{}{b}", IDS[n as usize % IDS.len()]),
            };
            Row {
                id,
                secs: i64::from(t),
            }
        })
        .filter(|r| ids.insert(r.id.clone()))
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('\'', "&#39;").replace('<', "&lt;").replace('"', "&#34;")
}

struct Node {
    /// Oldest first, as stored.
    rows: Vec<Row>,
    chat: bool,
    ignores_offset: bool,
    requests: usize,
}

impl Node {
    fn answer(&mut self, path: &str) -> Result<Answer, String> {
        self.requests += 1;
        let query = path.split_once('?').map_or("", |(_, q)| q);
        let mut limit = usize::MAX;
        let mut offset = None;
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "limit" => limit = v.parse().unwrap(),
                "offsetId" => {
                    assert!(is_node_id(v), "a stranger's id was sent: {path}");
                    offset = Some(v.to_string())
                }
                "subject" => assert!(is_node_id(v), "a stranger's subject was sent: {path}"),
                _ => panic!("unexpected query {path}"),
            }
        }
        let offset = offset.filter(|_| !self.ignores_offset);
        // Listed ids are escaped, and the offset is compared with the raw ones.
        let mut order: Vec<usize> = (0..self.rows.len()).rev().collect();
        if self.chat {
            order.sort_by_key(|&i| std::cmp::Reverse(self.rows[i].secs));
            if let Some(o) = &offset {
                let at = self.rows.iter().find(|r| r.id == *o).map_or(i64::MIN, |r| r.secs);
                order.retain(|&i| self.rows[i].secs < at);
            }
        } else if let Some(o) = &offset {
            let at = self.rows.iter().position(|r| r.id == *o).unwrap_or(0);
            order.retain(|&i| i < at);
        }
        let at = |secs| chrono::Utc.timestamp_opt(1_796_000_000 + secs, 0).unwrap();
        let items: Vec<String> = order
            .into_iter()
            .take(limit)
            .map(|i| {
                let r = &self.rows[i];
                let id = serde_json::to_string(&escape(&r.id)).unwrap();
                let t = at(r.secs).to_rfc3339();
                if self.chat {
                    format!(r#"{{"messageId":{id},"outgoing":false,"timestamp":"{t}"}}"#)
                } else {
                    format!(r#"{{"notification":{{"notificationId":{id}}},"timestamp":"{t}"}}"#)
                }
            })
            .collect();
        let body = if self.chat {
            format!("[{}]", items.join(","))
        } else {
            format!(r#"{{"notifications":[{}]}}"#, items.join(","))
        };
        Ok(Answer { body: body.into_bytes(), date: Some(at(100_000)) })
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let chat = flags & 1 == 1;
    let list = if chat { ListKey::Direct } else { ListKey::Notifications };
    let mut stored = rows(rest);
    if !chat {
        // The node stamps a notification when it stores it: insertion order is time order
        // (a clock stepped back by more than the margin is a documented limit).
        stored.sort_by_key(|r| r.secs);
    }
    let mut node = Node { rows: stored, chat, ignores_offset: flags & 2 == 2, requests: 0 };
    let origin = chrono::Utc.timestamp_opt(1_796_000_000 + i64::from(flags >> 4), 0).unwrap();
    let mut ledger = Ledger::new(Some(origin));
    let mut taken: HashSet<String> = HashSet::new();
    for _read in 0..2 {
        ledger.begin();
        let floor = ledger.floor(&list);
        let mut met = HashSet::new();
        let began = Instant::now();
        let listing = read_list(
            &list,
            floor,
            &mut |p| node.answer(p),
            &mut |row| {
                assert!(met.insert(row.id.clone()), "row {} met twice in one read", row.id);
                if ledger.take(&list, &row.id, row.time, true, true) == Take::Print {
                    assert!(taken.insert(row.id.clone()), "row {} printed twice", row.id);
                    assert!(ledger.release(&list, &row.id));
                }
            },
            began + Duration::from_secs(60),
            2000,
        );
        assert!(node.requests < 2000, "{} requests", node.requests);
        node.requests = 0;
        if matches!(listing.end, End::Floor | End::ListEnd) && !node.ignores_offset {
            // Every distinct row above the floor was met (ids are unique on a node).
            let mut unique = HashSet::new();
            for r in &node.rows {
                let t = chrono::Utc.timestamp_opt(1_796_000_000 + r.secs, 0).unwrap();
                if floor.is_none_or(|f| t >= f) && unique.insert(escape(&r.id)) {
                    assert!(met.contains(&escape(&r.id)), "row {:?} above the floor was not met", r.id);
                }
            }
            ledger.settle(&list, listing.newest, listing.oldest, chrono::Utc.timestamp_opt(1_796_100_000, 0).unwrap(), began);
        }
    }
});
