//! Nothing lost, against `obtail sim` (the stand-in node with the real node's REST lists and
//! its faults): restarts on a schedule and a stalled reader. Every notification the node
//! lists and every incoming direct chat message comes out exactly once, stderr says what
//! happened, and `--stats` balances.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::sim::Sim;
use common::*;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);

fn sim(extra: &[&str]) -> Sim {
    Sim::start(11, extra, None)
}

impl Sim {
    /// A whole REST list, retried while the node is restarting.
    fn get(&self, target: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = self.try_get(target) {
                return v;
            }
            assert!(Instant::now() < deadline, "the sim never answered {target}");
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn try_get(&self, target: &str) -> Option<Value> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let req = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).ok()?;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8(out).ok()?;
        if !text.starts_with("HTTP/1.1 200") {
            return None;
        }
        serde_json::from_str(&common::sim::split_response(&text).1).ok()
    }

    fn notification_ids(&self) -> Vec<String> {
        self.get("/ob/notifications")["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["notification"]["notificationId"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    fn incoming_direct_chat_ids(&self) -> Vec<String> {
        self.get("/ob/chatmessages")
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["outgoing"] == false)
            .map(|m| m["messageId"].as_str().unwrap().to_string())
            .collect()
    }
}

/// How many times each notification and message id was printed (envelope lines).
fn counts(stdout: &str) -> HashMap<String, usize> {
    let mut n = HashMap::new();
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let f = &v["frame"];
        let id = f["notification"]["notificationId"]
            .as_str()
            .or(f["message"]["messageId"].as_str());
        if let Some(id) = id {
            *n.entry(id.to_string()).or_default() += 1;
        }
    }
    n
}

fn recovered_count(stdout: &str) -> usize {
    stdout
        .lines()
        .filter(|l| l.contains(r#","recovered":true,"#))
        .count()
}

/// Waits until every id is printed; then none may have been printed twice.
fn assert_each_once(ob: &Obtail, ids: &[String], what: &str) {
    let all = |o: &str| {
        let c = counts(o);
        ids.iter().all(|id| c.contains_key(id))
    };
    if !ob.wait_stdout(WAIT, all) {
        let c = counts(&ob.stdout());
        let missing: Vec<&String> = ids.iter().filter(|id| !c.contains_key(*id)).collect();
        panic!(
            "{} of {} {what} never printed: {missing:?}\n{}",
            missing.len(),
            ids.len(),
            ob.stderr()
        );
    }
}

fn assert_no_doubles(stdout: &str) {
    let doubles: Vec<(String, usize)> =
        counts(stdout).into_iter().filter(|(_, n)| *n > 1).collect();
    assert!(doubles.is_empty(), "printed more than once: {doubles:?}");
}

#[test]
fn restarts_lose_no_notification_and_no_chat() {
    let sim = sim(&[
        "--speed",
        "40",
        "--restart-every",
        "2s",
        "--down-for",
        "700ms",
    ]);
    let mut ob = Obtail::run(&["--since", "all", "--envelope", "--stats=json", &sim.url()]);
    // Three restarts, each with the node telling events in its first moments back.
    assert!(
        ob.wait_stderr(WAIT, |e| e.matches("connected again after").count() >= 3),
        "{}",
        ob.stderr()
    );
    let notes = sim.notification_ids();
    let chat = sim.incoming_direct_chat_ids();
    assert!(
        notes.len() > 10,
        "the story told too little: {}",
        notes.len()
    );
    assert_each_once(&ob, &notes, "notifications");
    assert_each_once(&ob, &chat, "incoming chat messages");
    ob.interrupt();
    assert_eq!(ob.wait_exit(WAIT), Some(130), "{}", ob.stderr());
    let out = ob.stdout();
    assert_no_doubles(&out);
    let err = ob.stderr();
    let again: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("connected again after"))
        .collect();
    for line in &again {
        assert!(line.contains("; recovered "), "{line}");
    }
    // What the node cannot give back is said with the first gap, not repeated.
    assert!(
        again[0].ends_with("sent in the gap cannot be recovered"),
        "{err}"
    );
    assert_eq!(err.matches("cannot be recovered").count(), 1, "{err}");
    // A node down for 700 ms is re-joined within the next couple of seconds, not 15-30 s.
    for line in &again {
        let after = line.split("connected again after ").nth(1).unwrap();
        let secs: f64 = match after.split([';', ' ']).next().unwrap() {
            s if s.ends_with("ms") => s.trim_end_matches("ms").parse::<f64>().unwrap() / 1000.0,
            s => s.trim_end_matches('s').parse().unwrap(),
        };
        assert!(secs < 3.0, "{line}");
    }
    let total = books(&err);
    // Recovered events still queued at Ctrl-C were read back but not printed.
    let read_back = total[1] as usize;
    assert!(
        read_back >= recovered_count(&out)
            && read_back <= recovered_count(&out) + total[7] as usize,
        "{err}"
    );
}

#[test]
fn a_stalled_reader_keeps_its_connection_and_its_notifications() {
    let sim = sim(&["--speed", "200"]);
    let gate = Arc::new(AtomicBool::new(false));
    let mut ob = Obtail::run_gated(
        &[
            "--since",
            "all",
            "--buffer",
            "32KiB",
            "--envelope",
            "--stats=json",
            &sim.url(),
        ],
        &[],
        gate.clone(),
    );
    // Nobody reads obtail's stdout for a while: it must keep reading the socket, or the
    // node drops it (the sim, like the node, drops a client that falls 256 frames behind).
    thread::sleep(Duration::from_secs(3));
    gate.store(true, Ordering::SeqCst);
    assert!(
        ob.wait_stderr(WAIT, |e| e.contains("output was too slow: dropped")),
        "{}",
        ob.stderr()
    );
    let notes = sim.notification_ids();
    assert_each_once(&ob, &notes, "notifications");
    ob.interrupt();
    assert_eq!(ob.wait_exit(WAIT), Some(130), "{}", ob.stderr());
    let out = ob.stdout();
    assert_no_doubles(&out);
    let err = ob.stderr();
    assert!(!err.contains("retrying"), "the node dropped obtail: {err}");
    let line = err.lines().find(|l| l.contains("dropped")).unwrap();
    assert!(line.contains("; recovered "), "{line}");
    let total = books(&err);
    assert!(total[5] > 0, "{err}");
    // Recovered events still queued at Ctrl-C were read back but not printed.
    let read_back = total[1] as usize;
    assert!(
        read_back >= recovered_count(&out)
            && read_back <= recovered_count(&out) + total[7] as usize,
        "{err}"
    );
}
