//! Nothing lost: the obtail binary against a stand-in node started here (websocket and the
//! node's REST lists, with the real node's limit/offsetId paging), across cut connections,
//! node restarts and a stalled reader. Every persisted notification and every incoming chat
//! message must come out exactly once, and `--stats` must balance.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::*;

const WAIT: Duration = Duration::from_secs(10);

/// What the node keeps: notifications and chat, oldest first, as its REST lists show them.
#[derive(Default)]
struct Store {
    notes: Vec<(String, String)>,
    chat: Vec<(String, String, String)>,
}

type Node = Arc<Mutex<Store>>;

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn ago(secs: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::seconds(secs))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn note_inner(id: &str, ty: &str) -> String {
    format!(r#"{{"notificationId": "{id}", "peerId": "QmPeer", "type": "{ty}"}}"#)
}

/// A notification the node stores (and returns the frame it would send).
fn persist(node: &Node, id: &str, ty: &str, ts: &str) -> String {
    let inner = note_inner(id, ty);
    let row = format!(
        r#"{{"notification": {inner}, "read": false, "timestamp": "{ts}", "type": "{ty}"}}"#
    );
    node.lock().unwrap().notes.push((id.to_string(), row));
    format!(r#"{{"notification": {inner}}}"#)
}

/// A chat message the node stores; returns the frame it would send for an incoming one.
fn chat(node: &Node, id: &str, subject: &str, outgoing: bool, ts: &str) -> String {
    let inner = format!(
        r#"{{"message": "hello {id}", "messageId": "{id}", "outgoing": {outgoing}, "peerId": "QmPeer", "read": false, "subject": "{subject}", "timestamp": "{ts}"}}"#
    );
    node.lock()
        .unwrap()
        .chat
        .push((id.to_string(), subject.to_string(), inner.clone()));
    format!(r#"{{"message": {inner}}}"#)
}

/// Newest first, after `offsetId`, at most `limit` (the real node's rules, protocol §9.1).
fn page(ids: &[String], rows: &[String], query: &HashMap<String, String>) -> Vec<String> {
    let mut order: Vec<usize> = (0..ids.len()).rev().collect();
    if let Some(off) = query.get("offsetId") {
        match order.iter().position(|&i| &ids[i] == off) {
            Some(p) => order.drain(..=p),
            None => order.drain(..),
        };
    }
    let limit = query
        .get("limit")
        .map_or(usize::MAX, |l| l.parse().unwrap());
    order
        .into_iter()
        .take(limit)
        .map(|i| rows[i].clone())
        .collect()
}

fn rest(node: &Node, path: &str) -> (u16, String) {
    let (route, q) = path.split_once('?').unwrap_or((path, ""));
    let query: HashMap<String, String> = q
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let s = node.lock().unwrap();
    if route == "/ob/notifications" {
        let ids: Vec<String> = s.notes.iter().map(|n| n.0.clone()).collect();
        let rows: Vec<String> = s.notes.iter().map(|n| n.1.clone()).collect();
        let got = page(&ids, &rows, &query);
        (
            200,
            format!(
                r#"{{"notifications": [{}], "total": {}, "unread": 0}}"#,
                got.join(","),
                ids.len()
            ),
        )
    } else if route == "/ob/chatmessages" {
        let subject = query.get("subject").cloned().unwrap_or_default();
        let mine: Vec<_> = s.chat.iter().filter(|c| c.1 == subject).collect();
        let ids: Vec<String> = mine.iter().map(|c| c.0.clone()).collect();
        let rows: Vec<String> = mine.iter().map(|c| c.2.clone()).collect();
        (200, format!("[{}]", page(&ids, &rows, &query).join(",")))
    } else {
        (404, "404 page not found".into())
    }
}

fn opts(node: &Node) -> ServerOpts {
    let node = node.clone();
    ServerOpts {
        rest: Some(Arc::new(move |path: &str| rest(&node, path))),
        ..Default::default()
    }
}

/// The ids printed, in order (notifications and messages), and whether each was recovered.
fn printed(stdout: &str) -> Vec<(String, bool)> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            let recovered = v["recovered"] == true;
            let frame = if v.get("frame").is_some() {
                &v["frame"]
            } else {
                &v
            };
            let id = frame["notification"]["notificationId"]
                .as_str()
                .or(frame["message"]["messageId"].as_str())?;
            Some((id.to_string(), recovered))
        })
        .collect()
}

fn ids(stdout: &str) -> Vec<String> {
    printed(stdout).into_iter().map(|(id, _)| id).collect()
}

fn assert_once(got: &[String], want: &[&str]) {
    let mut sorted = got.to_vec();
    sorted.sort();
    let mut w: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    w.sort();
    assert_eq!(
        sorted, w,
        "each exactly once; printed in this order: {got:?}"
    );
}

#[test]
fn what_a_cut_connection_hid_is_recovered_once() {
    let node: Node = Node::default();
    let n = node.clone();
    let server = Server::start(opts(&node), move |ws, index, log| match index {
        0 => {
            send(ws, &persist(&n, "N1", "follow", &now()));
            send(ws, &chat(&n, "C1", "", false, &now()));
            send(ws, r#"{"status": "s1"}"#);
            // Gone before obtail sees it: the node keeps N2 and C2; the unfollow is lost.
            thread::sleep(Duration::from_millis(300));
            persist(&n, "N2", "orderConfirmation", &now());
            chat(&n, "C2", "", false, &now());
            chat(&n, "C3", "", true, &now());
            // Stored now, sent on the socket only as obtail reads the lists back: the live
            // copy wins, and it is printed once.
            persist(&n, "N3", "follow", &now());
            cut(ws);
        }
        _ => {
            thread::sleep(Duration::from_millis(100));
            send(
                ws,
                &format!(r#"{{"notification": {}}}"#, note_inner("N3", "follow")),
            );
            send(ws, &persist(&n, "N4", "follow", &now()));
            drain(ws, log);
        }
    });
    let url = server.url();
    let mut ob = Obtail::run(&["--stats=json", "--envelope", "-n", "7", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let out = ob.stdout();
    let got = printed(&out);
    let names: Vec<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
    // What the gap hid comes between what came before it and after it, oldest first
    // (notification times have whole seconds: on the same second, notifications first).
    assert_eq!(names, ["N1", "C1", "N2", "C2", "N3", "N4"], "{out}");
    let recovered: Vec<&str> = got.iter().filter(|g| g.1).map(|g| g.0.as_str()).collect();
    assert_eq!(recovered, ["N2", "C2"], "{out}");
    let err = ob.stderr();
    let line = err
        .lines()
        .find(|l| l.contains("connected again after"))
        .expect(&err);
    assert!(
        line.ends_with(
            "recovered 1 notification and 1 chat message; typing, read receipts, unfollows, \
             wallet and status frames sent in the gap cannot be recovered"
        ),
        "{err}"
    );
    // received 5 (N1 C1 s1 N3 N4) + recovered 2 = printed 7
    assert_eq!(books(&err), [5, 2, 7, 0, 0, 0, 0, 0], "{err}");
}

#[test]
fn a_restarted_node_is_rejoined_at_once_and_its_first_events_kept() {
    let node: Node = Node::default();
    let n = node.clone();
    let dead = Arc::new(AtomicBool::new(false));
    let dies = dead.clone();
    let first = Server::start(opts(&node), move |ws, _, _| {
        send(ws, &persist(&n, "N1", "follow", &ago(5)));
        // Until the node dies: then its connections end with it.
        let _ = ws
            .get_ref()
            .tcp()
            .set_read_timeout(Some(Duration::from_millis(50)));
        while !dies.load(Ordering::SeqCst) {
            let _ = ws.read();
        }
        cut(ws);
    });
    let port = first.port;
    let mut ob = Obtail::run(&["--stats=json", &first.url()]);
    assert!(
        ob.wait_stdout(WAIT, |o| o.contains("N1")),
        "{}",
        ob.stderr()
    );
    // The first connection's read-back is over (its last list asked for): a read-back still
    // under way as the node dies would find C1 and print it in place of the reconnect's.
    assert!(first.log.wait("rest /ob/cases", WAIT), "{}", ob.stderr());
    drop(first);
    dead.store(true, Ordering::SeqCst);
    // The old connection dies with the node: a server that stops accepting and cuts it.
    let down = Instant::now();
    let n = node.clone();
    // What the node does while it is down and in its first moments back.
    persist(&node, "N2", "paymentReceived", &now());
    chat(&node, "C1", "", false, &now());
    thread::sleep(Duration::from_secs(1));
    let back = Instant::now();
    let second = Server::start_on(port, opts(&node), move |ws, _, log| {
        send(ws, &persist(&n, "N3", "follow", &now()));
        send(
            ws,
            r#"{"messageTyping": {"messageId": "", "peerId": "QmPeer"}}"#,
        );
        drain(ws, log);
    });
    let log = second.log.clone();
    assert!(log.wait("connect", WAIT), "{}", ob.stderr());
    let rejoined = back.elapsed();
    assert!(
        ob.wait_stdout(WAIT, |o| o.contains("N3")),
        "{}",
        ob.stderr()
    );
    ob.interrupt();
    assert_eq!(ob.wait_exit(WAIT), Some(130), "{}", ob.stderr());
    assert_once(&ids(&ob.stdout()), &["N1", "N2", "C1", "N3"]);
    // The first retries come within a few hundred ms and the cap is 5 s: a node back after
    // a second is re-joined long before the old 15-30 s backoffs.
    assert!(
        rejoined < Duration::from_millis(2500),
        "re-joined {rejoined:?} after the node came back ({:?} down)",
        down.elapsed()
    );
    let err = ob.stderr();
    assert!(err.contains("connected again after"), "{err}");
    assert!(err.contains("and 1 chat message; typing"), "{err}");
    books(&err);
}

/// `--no-reconnect` and a node that closes at once: what the first read-back finds is
/// printed all the same (no live copy can come any more), before what came live after it,
/// and the line says so.
#[test]
fn a_node_that_closes_at_once_still_has_its_history_printed() {
    let node: Node = Node::default();
    persist(&node, "H1", "follow", &ago(600));
    chat(&node, "HC", "", false, &ago(300));
    let n = node.clone();
    let server = Server::start(opts(&node), move |ws, _, _| {
        send(ws, &persist(&n, "L1", "follow", &now()));
        let _ = ws.close(None);
        let _ = ws.flush();
    });
    let mut ob = Obtail::run(&[
        "--since",
        "1h",
        "--no-reconnect",
        "--stats=json",
        "--envelope",
        &server.url(),
    ]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let out = ob.stdout();
    assert_eq!(
        printed(&out),
        [("H1", true), ("HC", true), ("L1", false)].map(|(i, r)| (i.to_string(), r)),
        "{out}"
    );
    let err = ob.stderr();
    assert!(
        err.contains("--since: read 1 notification and 1 chat message from the node's history"),
        "{err}"
    );
    assert_eq!(books(&err), [1, 2, 3, 0, 0, 0, 0, 0], "{err}");
}

/// A first connection with `--since`: history first, oldest first, marked; then live, with
/// nothing doubled at the seam.
#[test]
fn since_prints_history_then_live_without_doubles() {
    let node: Node = Node::default();
    persist(&node, "OLD", "follow", &ago(7200));
    persist(&node, "H1", "follow", &ago(600));
    chat(&node, "HC", "", false, &ago(300));
    chat(&node, "MINE", "", true, &ago(200));
    persist(&node, "H2", "orderConfirmation", &ago(100));
    let n = node.clone();
    let server = Server::start(opts(&node), move |ws, index, log| {
        if index == 0 {
            thread::sleep(Duration::from_millis(100));
            // Sent on the socket as obtail reads it back: the live copy is printed, once.
            send(
                ws,
                &format!(
                    r#"{{"notification": {}}}"#,
                    note_inner("H2", "orderConfirmation")
                ),
            );
            send(ws, &persist(&n, "L1", "follow", &now()));
        }
        drain(ws, log);
    });
    let url = server.url();
    let mut ob = Obtail::run(&[
        "--since",
        "1h",
        "--stats=json",
        "--envelope",
        "-n",
        "4",
        &url,
    ]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let out = ob.stdout();
    assert_eq!(
        printed(&out),
        [("H1", true), ("HC", true), ("H2", false), ("L1", false)].map(|(i, r)| (i.to_string(), r)),
        "{out}"
    );
    let err = ob.stderr();
    assert!(
        err.contains("--since: read 1 notification and 1 chat message from the node's history"),
        "{err}"
    );
    assert_eq!(books(&err), [2, 2, 4, 0, 0, 0, 0, 0], "{err}");

    // `all`, through a jq program and the pretty format.
    let mut ob = Obtail::run(&[
        "--since",
        "all",
        "-n",
        "4",
        "-f",
        "select($recovered) | .notification.notificationId // .message.messageId",
        "-r",
        &url,
    ]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), ["OLD", "H1", "HC", "H2"]);
    let mut ob = Obtail::run(&["--since", "all", "-n", "1", "-o", "pretty", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert!(ob.stdout().contains("(recovered)"), "{}", ob.stdout());
    // With a time limit and a kind filter: history of that kind, then live until the limit.
    let mut ob = Obtail::run(&[
        "--since",
        "all",
        "--timeout",
        "1s",
        "-t",
        "notification.orderConfirmation",
        &url,
    ]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ids(&ob.stdout()), ["H2"]);
}

#[test]
fn since_with_replay_is_a_usage_error() {
    let mut ob = Obtail::run(&["--since", "1h", "--replay", "/dev/null"]);
    assert_eq!(ob.wait_exit(WAIT), Some(2));
    assert!(ob.stderr().contains("--since"), "{}", ob.stderr());
}

/// stdout stops being read during a burst: obtail keeps reading the socket (the node would
/// cut it off otherwise), drops beyond --buffer, says so once output resumes, and the
/// notifications among the dropped frames come back over REST.
#[test]
fn a_stalled_reader_is_not_cut_off_and_loses_no_notification() {
    const BURST: usize = 3000;
    let node: Node = Node::default();
    let n = node.clone();
    let burst_done = Arc::new(AtomicBool::new(false));
    let done = burst_done.clone();
    let server = Server::start(opts(&node), move |ws, index, log| {
        if index > 0 {
            log.push("reconnected");
            drain(ws, log);
            return;
        }
        let pad = "x".repeat(900);
        for i in 0..BURST {
            let frame = if i % 10 == 0 {
                persist(&n, &format!("N{i}"), "follow", &now())
            } else {
                format!(r#"{{"walletUpdate": {{"pad": "{pad}", "i": {i}}}}}"#)
            };
            send(ws, &frame);
        }
        done.store(true, Ordering::SeqCst);
        drain(ws, log);
    });
    let gate = Arc::new(AtomicBool::new(false));
    let mut ob = Obtail::run_gated(
        &[
            "--buffer",
            "64KiB",
            "--stats=json",
            "--envelope",
            &server.url(),
        ],
        &[],
        gate.clone(),
    );
    // The whole burst goes out while nobody reads obtail's stdout.
    assert!(
        wait_until(Duration::from_secs(20), || burst_done
            .load(Ordering::SeqCst)),
        "obtail stopped reading the socket while stdout was stalled: {}",
        ob.stderr()
    );
    thread::sleep(Duration::from_millis(300));
    gate.store(true, Ordering::SeqCst);
    let wanted: Vec<String> = (0..BURST).step_by(10).map(|i| format!("N{i}")).collect();
    let all_there = |o: &str| wanted.iter().all(|w| o.contains(&format!("\"{w}\"")));
    assert!(ob.wait_stdout(WAIT, all_there), "{}", ob.stderr());
    thread::sleep(Duration::from_millis(300));
    ob.interrupt();
    assert_eq!(ob.wait_exit(WAIT), Some(130), "{}", ob.stderr());
    let out = ob.stdout();
    let got = ids(&out);
    let want: Vec<&str> = wanted.iter().map(String::as_str).collect();
    assert_once(&got, &want);
    let recovered = printed(&out).iter().filter(|p| p.1).count();
    assert!(
        recovered > 0,
        "no notification needed recovering: the reader did not stall"
    );
    let err = ob.stderr();
    assert_eq!(server.log.count("reconnected"), 0, "{err}");
    let drop_lines: Vec<&str> = err.lines().filter(|l| l.contains("dropped")).collect();
    assert!(!drop_lines.is_empty(), "{err}");
    assert!(drop_lines[0].contains("walletUpdate"), "{err}");
    assert!(drop_lines[0].contains("recovered"), "{err}");
    let total = books(&err);
    assert_eq!(total[0] as usize, BURST, "{err}");
    assert!(total[5] > 0, "nothing dropped: {err}");
    // Recovered events still queued at Ctrl-C were read back but not printed.
    let read_back = total[1] as usize;
    assert!(
        read_back >= recovered && read_back <= recovered + total[7] as usize,
        "{err}"
    );
}

#[test]
fn rest_failures_are_warnings_and_recover_can_be_turned_off() {
    let failing = || ServerOpts {
        rest: Some(Arc::new(|_: &str| {
            (
                500,
                r#"{"success": false, "reason": "database is locked"}"#.to_string(),
            )
        })),
        ..Default::default()
    };
    let cut_once = |ws: &mut Ws, index: usize, log: &Log| {
        send(ws, &format!(r#"{{"status": "s{index}"}}"#));
        if index == 0 {
            cut(ws);
        } else {
            drain(ws, log);
        }
    };
    let server = Server::start(failing(), cut_once);
    let url = server.url();
    let mut ob = Obtail::run(&["-n", "2", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let err = ob.stderr();
    assert!(
        err.contains(
            "warning: cannot read the node's lists (the notification list: the node answered \
             HTTP 500: database is locked (and 1 more list); trying again in 5s)"
        ),
        "{err}"
    );
    assert!(
        err.contains("connected again after")
            && err.contains(
                "recovered 0 notifications and 0 chat messages, not all: cannot read the \
             notification list: the node answered HTTP 500: database is locked"
            ),
        "{err}"
    );

    let server = Server::start(failing(), cut_once);
    let mut ob = Obtail::run(&["-n", "2", "--no-recover", &server.url()]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(server.log.count("rest"), 0, "--no-recover made REST calls");
    assert!(
        ob.stderr()
            .contains("events sent in the gap are not recovered (--no-recover)"),
        "{}",
        ob.stderr()
    );
}

/// A node whose first connection is cut after it stores notification N1 (so obtail reads it
/// back over REST), and whose later ones stay quiet.
fn n1_then_cut(node: &Node, o: ServerOpts) -> Server {
    let n = node.clone();
    Server::start(o, move |ws, index, log| {
        if index == 0 {
            thread::sleep(Duration::from_millis(200));
            persist(&n, "N1", "follow", &now());
            cut(ws);
        } else {
            drain(ws, log);
        }
    })
}

#[test]
fn rest_calls_carry_the_sockets_auth() {
    let node: Node = Node::default();
    let mut o = opts(&node);
    o.require = Some(("cookie".into(), "OpenBazaar_Auth_Cookie=secret".into()));
    let server = n1_then_cut(&node, o);
    let mut ob = Obtail::run(&["--cookie", "secret", "-n", "1", &server.url()]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ids(&ob.stdout()), ["N1"]);
    assert!(!ob.stderr().contains("warning"), "{}", ob.stderr());
}

/// The default way to run: no credential option, the node's cookie found on disk. The REST
/// calls carry it as the socket does (they used to get 403 and recover nothing).
#[test]
fn a_cookie_found_on_disk_reads_the_lists_too() {
    let node: Node = Node::default();
    let mut o = opts(&node);
    o.require = Some(("cookie".into(), "OpenBazaar_Auth_Cookie=found".into()));
    // The stale cookie's refused handshake takes connection number 0: cut the first one the
    // handler sees.
    let n = node.clone();
    let first = Arc::new(AtomicBool::new(true));
    let server = Server::start(o, move |ws, _, log| {
        if first.swap(false, Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(200));
            persist(&n, "N1", "follow", &now());
            cut(ws);
        } else {
            drain(ws, log);
        }
    });
    let home = tempfile::tempdir().unwrap();
    for (dir, value) in [(".openbazaar", "found"), (".openbazaar-testnet", "stale")] {
        let d = home.path().join(dir);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(".cookie"), format!("OpenBazaar_Auth_Cookie={value}")).unwrap();
    }
    let h = home.path().to_str().unwrap();
    let addr = format!("127.0.0.1:{}", server.port);
    let mut ob = Obtail::run_env(&["--envelope", "-n", "1", &addr], &[("HOME", h)]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(printed(&ob.stdout()), [("N1".to_string(), true)]);
    let err = ob.stderr();
    // (Not "403" alone: a port number may hold it.)
    assert!(
        !err.contains("warning") && !err.contains("HTTP 403"),
        "{err}"
    );
    assert!(!err.contains("=found") && !err.contains("=stale"), "{err}");
}

/// obtail started before its node (a service manager starts both): what the node stores in
/// its first moments, before obtail's first connection, is printed (read back), once.
#[test]
fn what_a_node_stored_before_the_first_connection_is_printed() {
    let port = free_port();
    let url = format!("ws://127.0.0.1:{port}/ws");
    let mut ob = Obtail::run(&["--stats=json", "--envelope", "-n", "4", &url]);
    assert!(
        ob.wait_stderr(WAIT, |e| e.contains("connection refused")),
        "{}",
        ob.stderr()
    );
    let node: Node = Node::default();
    // Stored before obtail's start: not the user's to see.
    persist(&node, "OLD", "follow", &ago(3600));
    // The node comes up and is busy at once, before obtail's next attempt.
    persist(&node, "N1", "follow", &now());
    chat(&node, "C1", "", false, &now());
    chat(&node, "O1", "QmbMY8sGFe", false, &now());
    node.lock().unwrap().notes.push((
        "N2".into(),
        format!(
            r#"{{"notification": {{"notificationId": "N2", "orderId": "QmbMY8sGFe", "type": "order"}}, "timestamp": "{}"}}"#,
            now()
        ),
    ));
    let n = node.clone();
    let _server = Server::start_on(port, opts(&node), move |ws, _, log| {
        thread::sleep(Duration::from_millis(100));
        send(ws, &persist(&n, "L1", "follow", &now()));
        drain(ws, log);
    });
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let got = printed(&ob.stdout());
    let mut recovered: Vec<&str> = got.iter().filter(|g| g.1).map(|g| g.0.as_str()).collect();
    recovered.sort();
    // The order's chat is read because the node's notification names the order.
    assert_eq!(recovered, ["C1", "N1", "N2", "O1"], "{}", ob.stderr());
    let err = ob.stderr();
    assert!(
        err.contains(
            "read back 2 notifications and 2 chat messages the node stored since obtail \
             started, before it connected"
        ),
        "{err}"
    );
}

/// Chat ids and subjects are a stranger's text: rows with hostile ids are read past (never
/// sent back to the node) and printed once, escaped, with the ordinary ones behind them.
#[test]
fn hostile_chat_ids_are_printed_once_and_never_sent_to_the_node() {
    let node: Node = Node::default();
    let n = node.clone();
    let requests = Log::default();
    let seen = requests.clone();
    let base = opts(&node);
    let inner = base.rest.clone().unwrap();
    let o = ServerOpts {
        rest: Some(Arc::new(move |path: &str| {
            seen.push(path.to_string());
            inner(path)
        })),
        ..base
    };
    let long = "Z".repeat(500);
    let hostile = [
        "a&#39;b".to_string(),
        "x&amp;y".into(),
        "&lt;script&gt;".into(),
        "with space".into(),
        "q&#34;d".into(),
        long,
    ];
    let server = Server::start(o, move |ws, index, log| {
        if index == 0 {
            thread::sleep(Duration::from_millis(200));
            for i in 0..10 {
                chat(&n, &format!("Qmmissed{i}"), "", false, &now());
            }
            for i in 0..50 {
                chat(
                    &n,
                    &format!("{}{i}", hostile[i % hostile.len()]),
                    "",
                    false,
                    &now(),
                );
            }
            cut(ws);
        } else {
            drain(ws, log);
        }
    });
    let mut ob = Obtail::run(&["--envelope", "-n", "60", &server.url()]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let got = ids(&ob.stdout());
    let mut sorted = got.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 60, "{got:?}");
    assert!(requests.lines().len() > 2);
    for r in requests.lines() {
        let q = r.split_once('?').map_or("", |(_, q)| q);
        for pair in q.split('&') {
            let v = pair.split_once('=').map_or(pair, |p| p.1);
            assert!(
                v.len() <= 100 && v.bytes().all(|b| b.is_ascii_alphanumeric()),
                "a stranger's text went to the node: {r}"
            );
        }
    }
}

/// A node whose REST API never answers: the first connection is not held back, the socket
/// is read at all times (the node does not drop obtail for a full queue), and after a
/// reconnect live frames wait at most a few seconds for a read-back that cannot come.
#[test]
fn a_hanging_rest_api_never_stops_the_socket_being_read() {
    let o = ServerOpts {
        rest: Some(Arc::new(|_: &str| {
            thread::sleep(Duration::from_secs(30));
            (503, String::new())
        })),
        ..Default::default()
    };
    let server = Server::start(o, move |ws, index, log| {
        if index == 0 {
            send(ws, r#"{"status": "first"}"#);
            thread::sleep(Duration::from_millis(300));
            cut(ws);
        } else {
            for i in 0..2000 {
                send(ws, &format!(r#"{{"status": "s{i}"}}"#));
            }
            log.push("all sent");
            drain(ws, log);
        }
    });
    let started = Instant::now();
    let mut ob = Obtail::run(&["--connect-timeout", "20s", &server.url()]);
    assert!(
        ob.wait_stdout(WAIT, |o| o.contains("first")),
        "{}",
        ob.stderr()
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the first frame waited {:?} for REST",
        started.elapsed()
    );
    assert!(
        server.log.wait("all sent", WAIT),
        "obtail stopped reading the socket"
    );
    let cut_at = Instant::now();
    assert!(
        ob.wait_stdout(WAIT, |o| o.contains("\"s1999\"")),
        "{}",
        ob.stderr()
    );
    assert!(
        cut_at.elapsed() < Duration::from_secs(6),
        "{:?}",
        cut_at.elapsed()
    );
    assert_eq!(server.log.count("connect"), 2, "{}", ob.stderr());
    ob.interrupt();
    assert_eq!(ob.wait_exit(WAIT), Some(130));
}

/// Runs obtail on `stdin` as a replay; returns (stdout, stderr).
fn replay(args: &[&str], stdin: &str) -> (String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["--replay", "-"])
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_books_balance_under_filters_programs_counts_and_invalid_frames() {
    let session = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/session-0.14.json"
    ))
    .unwrap();
    let (out, err) = replay(
        &[
            "--stats=json",
            "-t",
            "notification",
            "-f",
            r#"select(.notification.type != "follow")"#,
        ],
        &session,
    );
    assert_eq!(books(&err), [38, 0, 21, 17, 0, 0, 0, 0], "{err}");
    assert_eq!(out.lines().count(), 21);
    // Invalid frames are counted as invalid whether shown or filtered out.
    let input = "not json\n{\"status\": \"a\"}\n{\"status\": \"b\"}\n[1,\n";
    let (_, err) = replay(&["--stats=json", "-T", "invalid"], input);
    assert_eq!(books(&err), [4, 0, 2, 0, 2, 0, 0, 0], "{err}");
    // Stopped by -n after the first frame (an invalid one, shown): the rest is not counted.
    let (_, err) = replay(&["--stats=json", "-n", "1"], input);
    assert_eq!(books(&err), [1, 0, 0, 0, 1, 0, 0, 0], "{err}");
    // A program that prints twice for a frame counts the frame once.
    let (out, err) = replay(
        &["--stats=json", "-f", ".status, .status", "-T", "invalid"],
        input,
    );
    assert_eq!(out.lines().count(), 4);
    assert_eq!(books(&err), [4, 0, 2, 0, 2, 0, 0, 0], "{err}");
}

#[test]
fn the_books_are_printed_at_a_timeout_and_at_ctrl_c() {
    let server = Server::start(ServerOpts::default(), |ws, _, log| {
        send(ws, r#"{"status": "s1"}"#);
        send(ws, r#"{"walletUpdate": {}}"#);
        drain(ws, log);
    });
    let mut ob = Obtail::run(&[
        "--stats=json",
        "--timeout",
        "1s",
        "-T",
        "walletUpdate",
        &server.url(),
    ]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(books(&ob.stderr()), [2, 0, 1, 1, 0, 0, 0, 0]);
    let mut ob = Obtail::run(&["--stats=json", "-n", "5", &server.url()]);
    assert!(ob.wait_stdout(WAIT, |o| o.lines().count() == 2));
    ob.interrupt();
    assert_eq!(ob.wait_exit(WAIT), Some(130), "{}", ob.stderr());
    assert_eq!(books(&ob.stderr()), [2, 0, 2, 0, 0, 0, 0, 0]);
}

/// What `timeout`, systemd and `docker stop` send (SIGTERM), and a closed terminal (SIGHUP),
/// end obtail as Ctrl-C does: the stop line, the books, and 128 + the signal's number.
#[test]
fn sigterm_and_sighup_end_like_ctrl_c() {
    for (signal, code) in [("TERM", 143), ("HUP", 129)] {
        let (server, sent) = burst_server(300);
        let gate = Arc::new(AtomicBool::new(false));
        let mut ob = Obtail::run_gated(&["--stats=json", &server.url()], &[], gate.clone());
        assert!(wait_until(WAIT, || sent.load(Ordering::SeqCst)));
        thread::sleep(Duration::from_millis(300));
        ob.signal(signal);
        let exit = ob.wait_exit(WAIT);
        gate.store(true, Ordering::SeqCst);
        assert_eq!(exit, Some(code), "{}", ob.stderr());
        thread::sleep(Duration::from_millis(200));
        let err = ob.stderr();
        let total = books(&err);
        assert!(total[7] > 0, "nothing queued at SIG{signal}: {err}");
        assert_eq!(unprinted(&err), Some(total[7]), "{err}");
    }
}

/// Ctrl-Z and `fg` (SIGSTOP, SIGCONT): a healthy connection is kept, and nothing the kernel
/// held meanwhile is lost, even when obtail is stopped longer than the ping timeout.
#[test]
fn a_stopped_and_continued_obtail_keeps_its_connection_and_every_frame() {
    let server = Server::start(ServerOpts::default(), |ws, _, log| {
        for i in 0..20 {
            send(ws, &format!(r#"{{"status": "s{i}"}}"#));
            thread::sleep(Duration::from_millis(100));
        }
        drain(ws, log);
    });
    let args = [
        "--ping-interval",
        "200ms",
        "--ping-timeout",
        "1s",
        "-n",
        "20",
        &server.url(),
    ];
    let mut ob = Obtail::run(&args);
    assert!(
        ob.wait_stdout(WAIT, |o| o.lines().count() >= 3),
        "{}",
        ob.stderr()
    );
    for _ in 0..3 {
        ob.signal("STOP");
        thread::sleep(Duration::from_millis(1500));
        ob.signal("CONT");
        thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let want: Vec<String> = (0..20).map(|i| format!(r#"{{"status":"s{i}"}}"#)).collect();
    assert_eq!(ob.stdout_lines(), want);
    assert_eq!(ob.stderr(), "", "the connection was dropped");
    assert_eq!(server.log.count("connect"), 1);
}

#[test]
fn recorded_recovered_events_replay_as_recovered() {
    let line = r#"{"time":"2026-12-02T00:45:40.000000Z","kind":"notification.follow","source":"ws://n/ws","recovered":true,"frame":{"notification":{"notificationId":"N1","type":"follow"}}}"#;
    let (out, _) = replay(&["--envelope"], &format!("{line}\n"));
    assert_eq!(out.trim_end(), line);
    let (out, _) = replay(&["-f", "$recovered"], &format!("{line}\n"));
    assert_eq!(out.trim_end(), "true");
}

/// REST calls go over the socket's TLS, with its `--cacert` pin (a CA-flagged self-signed
/// certificate that WebPKI alone would refuse) and its auth.
#[test]
fn recovery_over_tls_uses_the_pinned_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let tls = self_signed(dir.path(), true);
    let node: Node = Node::default();
    let mut o = opts(&node);
    o.tls = Some(tls.server.clone());
    o.require = Some(("authorization".into(), "Basic YWRtaW46cHc=".into()));
    let server = n1_then_cut(&node, o);
    let url = format!("wss://admin:pw@127.0.0.1:{}/ws", server.port);
    let cacert = tls.cert_pem.to_str().unwrap();
    let mut ob = Obtail::run(&["--cacert", cacert, "-n", "1", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ids(&ob.stdout()), ["N1"]);
    assert!(!ob.stderr().contains("warning"), "{}", ob.stderr());
    assert!(server.log.count("rest /ob/notifications") >= 2);
}

/// A node that floods a reader who has stopped reading cannot make obtail hold more than
/// --buffer: frames beyond it are dropped and counted (issue 9 item 5: 1024 queued frames of
/// up to 16 MiB each could hold 16 GiB).
#[test]
fn memory_stays_bounded_by_the_buffer_under_a_flood() {
    const FRAMES: usize = 12_000;
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let server = Server::start(ServerOpts::default(), move |ws, _, log| {
        let big = format!(
            r#"{{"walletUpdate": {{"pad": "{}"}}}}"#,
            "x".repeat(16 * 1024)
        );
        for _ in 0..FRAMES {
            send(ws, &big);
        }
        // A clean end: obtail reads every frame sent before it, so the books can be exact.
        let _ = ws.close(None);
        d.store(true, Ordering::SeqCst);
        drain(ws, log);
    });
    let gate = Arc::new(AtomicBool::new(false));
    let mut ob = Obtail::run_gated(
        &[
            "--buffer",
            "1MiB",
            "--stats=json",
            "--no-reconnect",
            &server.url(),
        ],
        &[],
        gate.clone(),
    );
    // About 190 MiB go out while nobody reads obtail's stdout.
    assert!(
        wait_until(Duration::from_secs(60), || done.load(Ordering::SeqCst)),
        "{}",
        ob.stderr()
    );
    let peak = ob.peak_rss_kib();
    gate.store(true, Ordering::SeqCst);
    assert!(
        ob.wait_stderr(WAIT, |e| e.contains("dropped")),
        "{}",
        ob.stderr()
    );
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    if let Some(kib) = peak {
        // The binary, its stacks and buffers, 1 MiB of queue and one frame in flight.
        assert!(
            kib < 64 * 1024,
            "peak memory {kib} KiB for a 1 MiB --buffer"
        );
    }
    let total = books(&ob.stderr());
    assert_eq!(total[0] as usize, FRAMES, "{}", ob.stderr());
    assert!(total[5] as usize > FRAMES / 2, "{}", ob.stderr());
}

/// A node that sends `frames` walletUpdates of about 2 KiB at once and then waits; the flag
/// says the burst went out.
fn burst_server(frames: usize) -> (Server, Arc<AtomicBool>) {
    let sent = Arc::new(AtomicBool::new(false));
    let done = sent.clone();
    let server = Server::start(ServerOpts::default(), move |ws, _, log| {
        let pad = "x".repeat(2000);
        for i in 0..frames {
            send(
                ws,
                &format!(r#"{{"walletUpdate": {{"pad": "{pad}", "i": {i}}}}}"#),
            );
        }
        done.store(true, Ordering::SeqCst);
        drain(ws, log);
    });
    (server, sent)
}

/// The `obtail: stopped with N frames read but not yet printed` line's N.
fn unprinted(stderr: &str) -> Option<u64> {
    let line = stderr.lines().find(|l| l.contains("not yet printed"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Frames still queued when obtail stops are in the books (queued) and, when obtail stopped
/// before their turn (--timeout, Ctrl-C), a line says how many were never printed.
#[test]
fn frames_queued_at_a_timeout_are_in_the_books_and_said() {
    const BURST: u64 = 200;
    let (server, sent) = burst_server(BURST as usize);
    let gate = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut ob = Obtail::run_gated(
        &["--stats=json", "--timeout", "2s", &server.url()],
        &[],
        gate.clone(),
    );
    // stdout is stalled (a paused pager) through the deadline: 400 KB do not fit in a pipe.
    assert!(wait_until(WAIT, || sent.load(Ordering::SeqCst)));
    let left = Duration::from_secs(3).saturating_sub(started.elapsed());
    thread::sleep(left.max(Duration::from_millis(500)));
    gate.store(true, Ordering::SeqCst);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let err = ob.stderr();
    let total = books(&err);
    let printed = ob.stdout_lines().len() as u64;
    assert_eq!(total[2], printed, "{err}");
    assert!(total[7] > 0, "nothing was queued at the timeout: {err}");
    assert_eq!(total[0], total[2] + total[7], "{err}");
    assert!(total[0] <= BURST, "{err}");
    assert_eq!(unprinted(&err), Some(total[7]), "{err}");
}

/// Ctrl-C while stdout is blocked (a paused pager) and frames are being dropped: the first
/// Ctrl-C ends obtail without waiting for the reader; the drop episode still going on is said
/// (unrecovered), the frames still queued are counted, and the books balance.
#[test]
fn ctrl_c_while_stdout_is_blocked_ends_at_once_with_the_books() {
    const BURST: u64 = 300;
    let (server, sent) = burst_server(BURST as usize);
    let gate = Arc::new(AtomicBool::new(false));
    let mut ob = Obtail::run_gated(
        &["--stats=json", "--buffer", "64KiB", &server.url()],
        &[],
        gate.clone(),
    );
    assert!(wait_until(WAIT, || sent.load(Ordering::SeqCst)));
    thread::sleep(Duration::from_millis(500));
    ob.interrupt();
    // Nobody reads stdout until obtail has ended.
    let code = ob.wait_exit(WAIT);
    gate.store(true, Ordering::SeqCst);
    assert_eq!(code, Some(130), "{}", ob.stderr());
    thread::sleep(Duration::from_millis(200));
    let err = ob.stderr();
    let line = err
        .lines()
        .rfind(|l| l.contains("output was too slow: dropped"))
        .expect(&err);
    assert!(
        line.ends_with("; obtail stopped before output resumed"),
        "{err}"
    );
    assert!(line.contains("walletUpdate"), "{err}");
    assert!(
        err.contains("obtail: stdout was blocked at Ctrl-C"),
        "{err}"
    );
    let total = books(&err);
    assert!(total[5] > 0, "nothing dropped: {err}");
    assert!(total[7] > 0, "nothing queued at Ctrl-C: {err}");
    // Output in obtail's own buffer when it gave up on stdout was counted printed.
    assert!(total[2] >= ob.stdout_lines().len() as u64, "{err}");
    assert_eq!(total[0], total[2] + total[5] + total[7], "{err}");
    assert_eq!(unprinted(&err), Some(total[7]), "{err}");
}

/// -n stops by design: what is left in the queue is counted as queued, with no line about it.
#[test]
fn frames_queued_when_the_count_is_reached_are_counted_quietly() {
    let (server, sent) = burst_server(200);
    let gate = Arc::new(AtomicBool::new(false));
    let mut ob = Obtail::run_gated(
        &["--stats=json", "-n", "100", &server.url()],
        &[],
        gate.clone(),
    );
    assert!(wait_until(WAIT, || sent.load(Ordering::SeqCst)));
    thread::sleep(Duration::from_secs(1));
    gate.store(true, Ordering::SeqCst);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let err = ob.stderr();
    let total = books(&err);
    assert_eq!(ob.stdout_lines().len(), 100);
    assert_eq!(total[2], 100, "{err}");
    assert!(total[7] > 0, "nothing queued beyond -n: {err}");
    assert_eq!(total[0], 100 + total[7], "{err}");
    assert_eq!(unprinted(&err), None, "{err}");
}

/// The lists could not be read at start (the node's REST failed): a later gap is still read
/// back exactly, by what was printed since obtail started, and an old notification is not
/// printed as missed.
#[test]
fn a_gap_after_an_unreadable_start_is_read_back_exactly() {
    let node: Node = Node::default();
    persist(&node, "N0", "follow", &ago(120));
    let up = Arc::new(AtomicBool::new(false));
    let (rest_up, n) = (up.clone(), node.clone());
    let o = ServerOpts {
        rest: Some(Arc::new(move |path: &str| {
            if rest_up.load(Ordering::SeqCst) {
                rest(&n, path)
            } else {
                (503, "not ready".to_string())
            }
        })),
        ..Default::default()
    };
    let n = node.clone();
    let server = Server::start(o, move |ws, index, log| {
        if index == 0 {
            send(ws, &persist(&n, "N1", "follow", &now()));
            thread::sleep(Duration::from_millis(300));
            up.store(true, Ordering::SeqCst);
            persist(&n, "N2", "orderConfirmation", &now());
            cut(ws);
        } else {
            // After the reconnect line, so that -n does not stop obtail before it.
            thread::sleep(Duration::from_millis(300));
            send(ws, &persist(&n, "N3", "follow", &now()));
            drain(ws, log);
        }
    });
    let mut ob = Obtail::run(&["--stats=json", "--envelope", "-n", "3", &server.url()]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let err = ob.stderr();
    assert!(
        err.contains(
            "warning: cannot read the node's lists (the notification list: the node answered \
             HTTP 503"
        ),
        "{err}"
    );
    assert_eq!(
        printed(&ob.stdout()),
        [
            ("N1".to_string(), false),
            ("N2".to_string(), true),
            ("N3".to_string(), false)
        ],
        "{err}"
    );
    let line = err
        .lines()
        .find(|l| l.contains("connected again after"))
        .expect(&err);
    assert!(
        line.contains("recovered 1 notification and 0 chat messages"),
        "{err}"
    );
    assert_eq!(books(&err), [2, 1, 3, 0, 0, 0, 0, 0], "{err}");
}

/// A history longer than `--since` reads at once says the oldest were left out, rather than
/// passing for the whole of it (here cut by the 16 MiB a read holds with a small --buffer).
#[test]
fn since_says_when_the_history_was_cut() {
    let node: Node = Node::default();
    {
        let pad = "x".repeat(100_000);
        let mut s = node.lock().unwrap();
        for i in 0..200 {
            let id = format!("N{i}");
            let row = format!(
                r#"{{"notification": {{"notificationId": "{id}", "pad": "{pad}", "type": "follow"}}, "timestamp": "2026-01-01T00:00:00Z"}}"#
            );
            s.notes.push((id, row));
        }
    }
    let server = Server::start(opts(&node), |ws, _, log| drain(ws, log));
    let url = server.url();
    let args = [
        "--since",
        "all",
        "--buffer",
        "1MiB",
        // Long enough for a loaded machine to print the whole history before it runs out.
        "--timeout",
        "10s",
        "-v",
        &url,
    ];
    let mut ob = Obtail::run(&args);
    assert_eq!(
        ob.wait_exit(Duration::from_secs(60)),
        Some(0),
        "{}",
        ob.stderr()
    );
    let err = ob.stderr();
    let got = ids(&ob.stdout());
    assert!((100..200).contains(&got.len()), "{}", got.len());
    assert_eq!(got.last().map(String::as_str), Some("N199"));
    assert!(
        err.contains(&format!(
            "--since: read {} notifications and 0 chat messages from the node's history ({} \
             older events left out: one read holds 20000 events or 16 MiB, the newest first)",
            got.len(),
            200 - got.len()
        )),
        "{err}"
    );
}

/// A listed row without an id cannot be told from what was printed: it is left out, and said.
#[test]
fn since_says_rows_without_an_id_were_left_out() {
    let node: Node = Node::default();
    persist(&node, "H1", "follow", &ago(600));
    node.lock().unwrap().notes.push((
        String::new(),
        format!(
            r#"{{"notification": {{"type": "follow"}}, "timestamp": "{}"}}"#,
            ago(300)
        ),
    ));
    let server = Server::start(opts(&node), |ws, _, log| drain(ws, log));
    let url = server.url();
    let mut ob = Obtail::run(&["--since", "all", "--timeout", "1s", "-v", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ids(&ob.stdout()), ["H1"]);
    let err = ob.stderr();
    assert!(
        err.contains("--since: read 1 notification and 0 chat messages from the node's history (1 row listed without an id left out)"),
        "{err}"
    );
}

/// A node's row whose timestamp is Go's zero time (what a node stores for "unset") or a year
/// no calendar prints is not printed or sorted as from another age: it takes its receive time.
#[test]
fn rows_with_absurd_timestamps_take_their_receive_time() {
    let node: Node = Node::default();
    persist(&node, "ZERO", "follow", "0001-01-01T00:00:00Z");
    persist(&node, "FAR", "follow", "+275760-09-13T00:00:00Z");
    persist(&node, "FINE", "follow", &ago(60));
    let server = Server::start(opts(&node), |ws, _, log| drain(ws, log));
    let url = server.url();
    let args = [
        "--since",
        "all",
        "-n",
        "3",
        "-o",
        "ndjson",
        "--envelope",
        &url,
    ];
    let mut ob = Obtail::run(&args);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let out = ob.stdout();
    assert_eq!(out.lines().count(), 3, "{out}");
    let year = chrono::Utc::now().format("\"time\":\"%Y-").to_string();
    for line in out.lines() {
        assert!(line.contains(&year), "{line}");
    }
    assert!(
        !out.contains("0001-01-01") && !out.contains("275760"),
        "{out}"
    );
}
