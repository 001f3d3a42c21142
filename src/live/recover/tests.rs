//! The recovery's parts against a node kept in memory, with the real node's list rules:
//! notifications by insertion (`rowid`), chat by `timestamp` with `offsetId` meaning
//! "older than that message's timestamp", ids stored raw and listed HTML-escaped, and an
//! escaped id matching nothing (protocol.md §9.4).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::TimeZone;

use super::ledger::{Ledger, Take, Verdict, HARD_CAP, SOFT_CAP};
use super::lists::{is_node_id, ListKey};
use super::pager::{read_list, Answer, End};
use super::pass::{self, Budget};
use super::Why;
use crate::frame::Stamp;

fn at(secs: i64) -> Stamp {
    chrono::Utc.timestamp_opt(1_796_000_000 + secs, 0).unwrap()
}

#[derive(Clone)]
struct Msg {
    id: String,
    subject: String,
    nanos: i64,
    outgoing: bool,
}

/// A node's lists in memory.
#[derive(Default)]
struct Node {
    /// Oldest first: (id, whole seconds).
    notes: Vec<(String, i64)>,
    chat: Vec<Msg>,
    /// Sales rows: (order id, unread chat).
    sales: Vec<(String, u64)>,
    requests: Vec<String>,
    /// Answers the same first page whatever the offset.
    endless: bool,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('\'', "&#39;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
}

impl Node {
    fn note(&mut self, id: &str, secs: i64) {
        self.notes.push((id.into(), secs));
    }

    fn chat(&mut self, id: &str, subject: &str, secs: i64, outgoing: bool) {
        self.chat.push(Msg {
            id: id.into(),
            subject: subject.into(),
            nanos: secs * 1_000_000_000,
            outgoing,
        });
    }

    fn answer(&mut self, path: &str) -> Result<Answer, String> {
        self.requests.push(path.to_string());
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        let q = |k: &str| {
            query
                .split('&')
                .find_map(|p| p.strip_prefix(&format!("{k}=")).map(str::to_string))
        };
        let limit: usize = q("limit").map_or(usize::MAX, |l| l.parse().unwrap());
        let offset = if self.endless { None } else { q("offsetId") };
        let body = match route {
            "/ob/notifications" => {
                let end = match &offset {
                    Some(o) => self.notes.iter().position(|(id, _)| id == o).unwrap_or(0),
                    None => self.notes.len(),
                };
                let rows: Vec<String> = self.notes[..end]
                    .iter()
                    .rev()
                    .take(limit)
                    .map(|(id, secs)| {
                        format!(
                            r#"{{"notification":{{"notificationId":"{}","type":"follow"}},"timestamp":"{}"}}"#,
                            escape(id),
                            at(*secs).format("%Y-%m-%dT%H:%M:%SZ")
                        )
                    })
                    .collect();
                format!(r#"{{"notifications":[{}],"total":0}}"#, rows.join(","))
            }
            "/ob/chatmessages" => {
                let subject = q("subject").unwrap_or_default();
                let below = match &offset {
                    Some(o) => match self.chat.iter().find(|m| m.id == *o) {
                        Some(m) => Some(m.nanos),
                        // `timestamp < NULL`: nothing.
                        None => Some(i64::MIN),
                    },
                    None => None,
                };
                let mut rows: Vec<&Msg> = self
                    .chat
                    .iter()
                    .filter(|m| m.subject == subject && below.is_none_or(|b| m.nanos < b))
                    .collect();
                rows.sort_by_key(|m| std::cmp::Reverse(m.nanos));
                let rows: Vec<String> = rows
                    .iter()
                    .take(limit)
                    .map(|m| {
                        let t = chrono::Utc.timestamp_nanos(m.nanos + 1_796_000_000_000_000_000);
                        serde_json::json!({
                            "messageId": escape(&m.id), "subject": escape(&m.subject),
                            "outgoing": m.outgoing, "peerId": "QmPeer", "message": "hi",
                            "read": false, "timestamp": t.to_rfc3339(),
                        })
                        .to_string()
                    })
                    .collect();
                format!("[{}]", rows.join(","))
            }
            "/ob/sales" => {
                let rows: Vec<String> = self
                    .sales
                    .iter()
                    .map(|(id, unread)| {
                        format!(r#"{{"orderId":"{id}","unreadChatMessages":{unread}}}"#)
                    })
                    .collect();
                format!(
                    r#"{{"queryCount":{},"sales":[{}]}}"#,
                    rows.len(),
                    rows.join(",")
                )
            }
            "/ob/purchases" | "/ob/cases" => r#"{"queryCount":0}"#.to_string(),
            _ => return Err("the node answered HTTP 404".into()),
        };
        Ok(Answer {
            body: body.into_bytes(),
            date: Some(at(100_000)),
        })
    }
}

fn far() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

/// Reads a list as a pass does, printing every new incoming row: the ids printed.
fn read(node: &mut Node, ledger: &mut Ledger, list: &ListKey) -> (Vec<String>, End) {
    ledger.begin();
    let floor = ledger.floor(list);
    let began = Instant::now();
    let mut printed = Vec::new();
    let listing = read_list(
        list,
        floor,
        &mut |p| node.answer(p),
        &mut |row| {
            if ledger.take(list, &row.id, row.time, row.incoming, true) == Take::Print {
                printed.push(row.id.clone());
            }
        },
        far(),
        100_000,
    );
    if matches!(listing.end, End::Floor | End::ListEnd) {
        ledger.settle(list, listing.newest, listing.oldest, at(100_000), began);
    }
    for id in &printed {
        assert!(ledger.release(list, id));
    }
    (printed, listing.end)
}

#[test]
fn a_read_prints_each_row_since_the_origin_once() {
    let mut node = Node::default();
    for i in 0..130 {
        node.note(&format!("Qmn{i}"), i * 10);
    }
    let mut ledger = Ledger::new(Some(at(80)));
    // Seen on the socket already: not printed again.
    assert_eq!(
        ledger.live(ListKey::Notifications, "Qmn120"),
        Verdict::Print
    );
    let (printed, end) = read(&mut node, &mut ledger, &ListKey::Notifications);
    let want: Vec<String> = (8..130)
        .rev()
        .filter(|i| *i != 120)
        .map(|i| format!("Qmn{i}"))
        .collect();
    assert_eq!(printed, want);
    assert_eq!(end, End::Floor);
    // A second read finds nothing new, and asks only for what is above the floor.
    node.requests.clear();
    let (again, _) = read(&mut node, &mut ledger, &ListKey::Notifications);
    assert!(again.is_empty());
    assert!(node.requests.len() <= 2, "{:?}", node.requests);
    // Rows added later are found.
    node.note("Qmnew", 2000);
    let (new, _) = read(&mut node, &mut ledger, &ListKey::Notifications);
    assert_eq!(new, ["Qmnew"]);
}

#[test]
fn hostile_chat_ids_are_read_past_and_never_sent() {
    let mut node = Node::default();
    for i in 0..10 {
        node.chat(&format!("Qmold{i}"), "", i, false);
    }
    let hostile = [
        "a'b",
        "x&y",
        "<script>",
        "with space",
        "quote\"d",
        "x') union select key from config --",
    ];
    let long = "Z".repeat(500);
    for i in 0..50 {
        let id = if i == 7 {
            long.clone()
        } else {
            format!("{}{i}", hostile[i % hostile.len()])
        };
        node.chat(&id, "", 100 + i as i64, false);
    }
    for i in 0..10 {
        node.chat(&format!("Qmmissed{i}"), "", 40 + i, false);
    }
    let mut ledger = Ledger::new(Some(at(20)));
    let (printed, end) = read(&mut node, &mut ledger, &ListKey::Direct);
    assert_eq!(end, End::Floor);
    assert_eq!(printed.len(), 60, "{printed:?}");
    for i in 0..10 {
        assert!(printed.contains(&format!("Qmmissed{i}")));
    }
    // Listed escaped, as the node lists them; never sent back.
    assert!(printed.iter().any(|p| p.starts_with("a&#39;b")));
    for r in &node.requests {
        let q = r.split_once('?').map_or("", |(_, q)| q);
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            assert!(
                k == "limit" || is_node_id(v),
                "a stranger's text was sent: {r}"
            );
        }
    }
}

#[test]
fn rows_of_one_instant_are_all_read() {
    // 130 offline messages a peer dated to the same nanosecond: `timestamp <` paging skips
    // ties, so the offset must be strictly newer than the page's oldest row.
    let mut node = Node::default();
    for i in 0..130 {
        node.chat(&format!("Qmtie{i}"), "", 50, false);
    }
    for i in 0..5 {
        node.chat(&format!("Qmafter{i}"), "", 60 + i, false);
    }
    let mut ledger = Ledger::new(Some(at(0)));
    let (printed, _) = read(&mut node, &mut ledger, &ListKey::Direct);
    let mut sorted = printed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 135);
    assert_eq!(printed.len(), 135);
}

#[test]
fn a_node_that_does_not_page_on_is_said_not_taken_for_the_end() {
    let mut node = Node {
        endless: true,
        ..Node::default()
    };
    for i in 0..200 {
        node.note(&format!("Qmn{i}"), i);
    }
    let mut ledger = Ledger::new(Some(at(0)));
    let (printed, end) = read(&mut node, &mut ledger, &ListKey::Notifications);
    assert_eq!(printed.len(), 50);
    assert!(
        matches!(end, End::Cut(ref why) if why.contains("same page")),
        "{end:?}"
    );
    // Nothing settled: the floor did not move, so a later read still looks below.
    assert_eq!(ledger.floor(&ListKey::Notifications), Some(at(0)));
}

#[test]
fn outgoing_chat_is_accounted_for_but_not_printed() {
    let mut node = Node::default();
    node.chat("Qmin", "", 10, false);
    node.chat("Qmout", "", 11, true);
    let mut ledger = Ledger::new(Some(at(0)));
    let (printed, _) = read(&mut node, &mut ledger, &ListKey::Direct);
    assert_eq!(printed, ["Qmin"]);
}

#[test]
fn live_wins_and_a_printed_row_makes_the_live_copy_a_double() {
    let mut ledger = Ledger::new(None);
    let list = ListKey::Notifications;
    ledger.begin();
    // Read back and held; the live copy arrives before its moment: it is printed, the row
    // is let go.
    assert_eq!(
        ledger.take(&list, "QmA", Some(at(1)), true, true),
        Take::Print
    );
    assert_eq!(ledger.live(list.clone(), "QmA"), Verdict::Print);
    assert!(!ledger.release(&list, "QmA"));
    // Read back and printed; the live copy after it is a double.
    assert_eq!(
        ledger.take(&list, "QmB", Some(at(2)), true, true),
        Take::Print
    );
    assert!(ledger.release(&list, "QmB"));
    assert_eq!(ledger.live(list.clone(), "QmB"), Verdict::Double);
    // Printed live first: the row is not printed.
    assert_eq!(ledger.live(list.clone(), "QmC"), Verdict::Print);
    assert_eq!(
        ledger.take(&list, "QmC", Some(at(3)), true, true),
        Take::Skip
    );
    // No room: not marked, so a later read may still print it.
    assert_eq!(
        ledger.take(&list, "QmD", Some(at(4)), true, false),
        Take::NoRoom
    );
    assert_eq!(
        ledger.take(&list, "QmD", Some(at(4)), true, true),
        Take::Print
    );
}

#[test]
fn a_frame_before_its_row_is_not_printed_twice() {
    // The node sends a frame, then stores its row after a read passed: the next read meets
    // the row, and the live mark is still there.
    let mut node = Node::default();
    node.note("Qm1", 10);
    let mut ledger = Ledger::new(Some(at(0)));
    assert_eq!(
        read(&mut node, &mut ledger, &ListKey::Notifications).0,
        ["Qm1"]
    );
    assert_eq!(ledger.live(ListKey::Notifications, "Qm2"), Verdict::Print);
    assert!(read(&mut node, &mut ledger, &ListKey::Notifications)
        .0
        .is_empty());
    node.note("Qm2", 11);
    assert!(read(&mut node, &mut ledger, &ListKey::Notifications)
        .0
        .is_empty());
}

#[test]
fn drop_storms_never_print_an_event_twice() {
    // A reader that stalls in bursts: many rows are printed live, many dropped (never noted),
    // and a read follows each burst. Every row is printed exactly once, however many.
    let mut rng = fastrand::Rng::with_seed(18);
    let mut node = Node::default();
    let mut ledger = Ledger::new(Some(at(0)));
    let mut printed: std::collections::HashMap<String, u32> = Default::default();
    let mut t = 0;
    for _burst in 0..40 {
        let burst = rng.usize(1..3000);
        for _ in 0..burst {
            t += 1;
            let id = format!("Qm{t}");
            node.note(&id, t / 5);
            if rng.u8(..) < 128 {
                assert_eq!(ledger.live(ListKey::Notifications, &id), Verdict::Print);
                *printed.entry(id).or_default() += 1;
            }
        }
        let (got, _) = read(&mut node, &mut ledger, &ListKey::Notifications);
        for id in got {
            *printed.entry(id).or_default() += 1;
        }
        // What the margin holds (two minutes: 600 rows here) and the last read's rows,
        // which are forgotten at the next read.
        assert!(ledger.len() <= 610 + burst, "{} ids held", ledger.len());
    }
    assert_eq!(printed.len(), t as usize);
    assert!(printed.values().all(|n| *n == 1));
}

#[test]
fn injected_ids_are_forgotten_and_cannot_make_a_row_print_twice() {
    let mut node = Node::default();
    let mut ledger = Ledger::new(Some(at(0)));
    let list = ListKey::Notifications;
    for i in 0..100 {
        node.note(&format!("Qm{i}"), i);
        ledger.live(list.clone(), &format!("Qm{i}"));
    }
    // Another client floods the socket with made-up ids, far more than the soft cap.
    for i in 0..(SOFT_CAP + 10_000) {
        ledger.live(list.clone(), &format!("fake{i}"));
    }
    assert!(ledger.wants_tidy());
    // A read a minute later lists none of them: they go; the real ones stay accounted for.
    let began = Instant::now() + Duration::from_secs(61);
    ledger.begin();
    let floor = ledger.floor(&list);
    let mut printed = Vec::new();
    let listing = read_list(
        &list,
        floor,
        &mut |p| node.answer(p),
        &mut |row| {
            if ledger.take(&list, &row.id, row.time, true, true) == Take::Print {
                printed.push(row.id.clone());
            }
        },
        far(),
        100_000,
    );
    ledger.settle(&list, listing.newest, listing.oldest, at(100_000), began);
    assert!(printed.is_empty());
    assert!(ledger.len() <= 100, "{} ids held", ledger.len());
    // And when no read can be made, the memory still stops at its cap.
    for i in 0..(HARD_CAP + 1000) {
        ledger.live(list.clone(), &format!("flood{i}"));
    }
    assert!(ledger.trim() > 0);
    assert!(ledger.len() <= HARD_CAP);
    assert!(read(&mut node, &mut ledger, &list).0.is_empty());
}

#[test]
fn the_floor_never_rises_above_the_nodes_clock() {
    // A stranger dates a message in 2100: the next read must still look at today's.
    let mut node = Node::default();
    node.chat("Qmfuture", "", 3_000_000_000, false);
    let mut ledger = Ledger::new(Some(at(0)));
    read(&mut node, &mut ledger, &ListKey::Direct);
    assert!(ledger.floor(&ListKey::Direct) <= Some(at(100_000)));
    node.chat("Qmtoday", "", 99_000, false);
    assert_eq!(
        read(&mut node, &mut ledger, &ListKey::Direct).0,
        ["Qmtoday"]
    );
}

#[test]
fn a_pass_reads_the_chat_of_every_order_the_node_lists() {
    let mut node = Node {
        sales: vec![("QmShopA".into(), 0), ("QmShopB".into(), 3)],
        ..Node::default()
    };
    assert!(is_node_id("QmShopA"));
    node.chat("QmA1", "QmShopA", 10, false);
    node.chat("QmB1", "QmShopB", 11, false);
    node.chat("QmB2", "QmShopB", 12, true);
    // A subject no order has, and one that is not an id: never asked for.
    node.chat("QmX", "QmStranger", 13, false);
    node.chat("QmY", "x') or 1=1 --", 14, false);
    node.note("Qmn1", 5);
    let ledger = Mutex::new(Ledger::new(Some(at(0))));
    let node = Mutex::new(node);
    let mut fetch = |p: &str, _: Instant| node.lock().unwrap().answer(p);
    let budget = Budget {
        rows: 100,
        bytes: 1 << 20,
    };
    let o = pass::run(Why::Start, &ledger, &mut fetch, budget);
    let ids: Vec<&str> = o.rows.iter().map(|(_, r)| r.id.as_str()).collect();
    assert_eq!(ids, ["Qmn1", "QmA1", "QmB1"]);
    assert_eq!((o.report.notifications, o.report.chat), (1, 2));
    assert!(o.report.complete(), "{:?}", o.report);
    let requests = node.lock().unwrap().requests.join("\n");
    assert!(requests.contains("subject=QmShopB"));
    assert!(!requests.contains("QmStranger") && !requests.contains("or 1=1"));
}

#[test]
fn a_pass_holds_no_more_than_its_budget_and_says_what_it_left_out() {
    let mut node = Node::default();
    for i in 0..300 {
        node.note(&format!("Qmn{i}"), i);
    }
    let ledger = Mutex::new(Ledger::new(Some(at(0))));
    let node = Mutex::new(node);
    let mut fetch = |p: &str, _: Instant| node.lock().unwrap().answer(p);
    let budget = Budget {
        rows: 120,
        bytes: 1 << 20,
    };
    let o = pass::run(Why::Gap, &ledger, &mut fetch, budget);
    assert_eq!(o.rows.len(), 120);
    assert_eq!(o.report.left_out, 180);
    // The newest are kept, oldest first.
    assert_eq!(o.rows.first().unwrap().1.id, "Qmn180");
    assert_eq!(o.rows.last().unwrap().1.id, "Qmn299");
    assert!(o.report.words().contains("180 older events left out"));
}

#[test]
fn a_failing_api_stops_the_pass_and_says_so() {
    let ledger = Mutex::new(Ledger::new(Some(at(0))));
    let mut calls = 0;
    let mut fetch = |_: &str, _: Instant| {
        calls += 1;
        Err::<Answer, _>("the node did not answer in time".to_string())
    };
    let budget = Budget {
        rows: 100,
        bytes: 1 << 20,
    };
    let o = pass::run(Why::Gap, &ledger, &mut fetch, budget);
    assert!(!o.report.complete());
    assert_eq!(calls, 1, "one failure is enough to know");
    let trouble = o.report.trouble().unwrap();
    assert_eq!(
        trouble,
        "the notification list: the node did not answer in time (and 1 more list)"
    );
}
