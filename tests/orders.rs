//! `obtail orders` against real servers on 127.0.0.1: `obtail sim`, whose order book the
//! tests drive through its controls (every role and state, moves told or silent, deadlines
//! near), and the harness's own server for what no honest node sends.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use common::sim::{split_response, Sim};
use common::{Obtail, Server, ServerOpts};

/// A node whose story is all but still (its first beat would come in minutes): its order
/// book holds what a test puts there.
fn still_sim(extra: &[&str]) -> Sim {
    let mut args = vec!["--speed", "0.001"];
    args.extend_from_slice(extra);
    Sim::start(11, &args, None)
}

fn http(port: u16, method: &str, target: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = format!("{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    split_response(&String::from_utf8(out).unwrap())
}

/// A control of the sim; its answer's text.
fn control(sim: &Sim, what: &str) -> String {
    let (head, body) = http(sim.port, "POST", &format!("/obtail-sim/{what}"));
    assert!(head.starts_with("HTTP/1.1 200"), "{what}: {head}\n{body}");
    body.trim().to_string()
}

/// A new order in the sim's book; its id.
fn order(sim: &Sim, query: &str) -> String {
    control(sim, &format!("order?{query}"))
}

fn store(sim: &Sim) -> Value {
    serde_json::from_str(&http(sim.port, "GET", "/obtail-sim/store").1).unwrap()
}

/// Each order's row timestamp, by id, as the node lists it.
fn created(sim: &Sim) -> HashMap<String, DateTime<Utc>> {
    store(sim)["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let t = DateTime::parse_from_rfc3339(o["timestamp"].as_str().unwrap()).unwrap();
            (
                o["orderId"].as_str().unwrap().to_string(),
                t.with_timezone(&Utc),
            )
        })
        .collect()
}

fn objects(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `obtail orders URL ARGS…` to its end: exit code, stdout, stderr.
fn board(url: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["orders", url];
    all.extend_from_slice(args);
    let mut o = Obtail::run(&all);
    let code = o.wait_exit(Duration::from_secs(30));
    (code, o.stdout(), o.stderr())
}

fn by_id(objects: &[Value]) -> HashMap<String, Value> {
    objects
        .iter()
        .map(|o| (o["orderId"].as_str().unwrap().to_string(), o.clone()))
        .collect()
}

fn plus_45_days(t: &DateTime<Utc>) -> String {
    (*t + chrono::Duration::days(45))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// orders.md §4, as documented: (role, state, moderated, made this long ago, next actor,
/// deadline: `Some(true)` the row's time + 45 days, `Some(false)` none known (null)).
const TABLE: &[(&str, &str, bool, &str, &str, bool)] = &[
    ("sale", "AWAITING_PAYMENT", false, "0s", "buyer", false),
    ("sale", "PENDING", true, "0s", "you", true),
    ("sale", "PENDING", false, "0s", "you", false),
    ("sale", "AWAITING_PICKUP", false, "0s", "buyer", false),
    ("sale", "AWAITING_FULFILLMENT", true, "0s", "you", true),
    ("sale", "AWAITING_FULFILLMENT", false, "0s", "you", false),
    ("sale", "PARTIALLY_FULFILLED", true, "0s", "you", true),
    ("sale", "FULFILLED", true, "0s", "buyer", true),
    ("sale", "FULFILLED", true, "46d", "you or buyer", true),
    ("sale", "FULFILLED", false, "0s", "buyer", false),
    ("sale", "DISPUTED", true, "0s", "moderator", false),
    ("sale", "DECIDED", true, "0s", "you or buyer", false),
    ("sale", "RESOLVED", true, "0s", "buyer", false),
    ("sale", "PAYMENT_FINALIZED", true, "0s", "buyer", false),
    ("sale", "PROCESSING_ERROR", false, "0s", "buyer", false),
    ("sale", "COMPLETED", true, "0s", "nobody", false),
    ("sale", "CANCELED", false, "0s", "nobody", false),
    ("sale", "DECLINED", false, "0s", "nobody", false),
    ("sale", "REFUNDED", false, "0s", "nobody", false),
    ("purchase", "AWAITING_PAYMENT", false, "0s", "you", false),
    ("purchase", "PENDING", true, "0s", "vendor", true),
    ("purchase", "PENDING", false, "0s", "vendor", false),
    ("purchase", "AWAITING_PICKUP", false, "0s", "you", false),
    (
        "purchase",
        "AWAITING_FULFILLMENT",
        true,
        "0s",
        "vendor",
        true,
    ),
    (
        "purchase",
        "AWAITING_FULFILLMENT",
        false,
        "0s",
        "vendor",
        false,
    ),
    (
        "purchase",
        "PARTIALLY_FULFILLED",
        true,
        "0s",
        "vendor",
        false,
    ),
    ("purchase", "FULFILLED", true, "0s", "you", true),
    ("purchase", "FULFILLED", true, "46d", "you", true),
    ("purchase", "FULFILLED", false, "0s", "you", false),
    ("purchase", "DISPUTED", true, "0s", "moderator", false),
    ("purchase", "DECIDED", true, "0s", "you or vendor", false),
    ("purchase", "RESOLVED", true, "0s", "you", false),
    ("purchase", "PAYMENT_FINALIZED", true, "0s", "you", false),
    ("purchase", "PROCESSING_ERROR", true, "0s", "you", false),
    ("purchase", "PROCESSING_ERROR", false, "0s", "you", false),
    ("purchase", "COMPLETED", true, "0s", "nobody", false),
    ("purchase", "CANCELED", false, "0s", "nobody", false),
    ("purchase", "DECLINED", false, "0s", "nobody", false),
    ("purchase", "REFUNDED", true, "0s", "nobody", false),
    ("case", "DISPUTED", true, "0s", "you", true),
    ("case", "DISPUTED", true, "46d", "nobody", true),
    ("case", "RESOLVED", true, "0s", "nobody", false),
];

const FINAL: &[&str] = &["COMPLETED", "CANCELED", "DECLINED", "REFUNDED"];

#[test]
fn every_role_and_state_gives_the_documented_next_actor_and_deadline() {
    let sim = still_sim(&[]);
    let ids: Vec<String> = TABLE
        .iter()
        .map(|(role, state, moderated, age, _, _)| {
            let m = u8::from(*moderated);
            order(
                &sim,
                &format!("role={role}&state={state}&moderated={m}&age={age}"),
            )
        })
        .collect();
    let made = created(&sim);
    let (code, out, err) = board(&sim.url(), &["--all", "-o", "ndjson"]);
    assert_eq!(code, Some(0), "{err}");
    let shown = by_id(&objects(&out));
    assert_eq!(shown.len(), TABLE.len(), "{out}");
    for (id, (role, state, moderated, age, actor, deadline)) in ids.iter().zip(TABLE) {
        let o = &shown[id];
        let what = format!("{role} {state} moderated={moderated} age={age}: {o}");
        assert_eq!(o["role"], *role, "{what}");
        assert_eq!(o["state"], *state, "{what}");
        assert_eq!(o["next"]["actor"], *actor, "{what}");
        assert!(!o["next"]["action"].as_str().unwrap().is_empty(), "{what}");
        assert_eq!(o["needsMe"], actor.starts_with("you"), "{what}");
        let expected = deadline.then(|| plus_45_days(&made[id]));
        assert_eq!(o["deadline"].as_str(), expected.as_deref(), "{what}");
        assert_eq!(o["source"], sim.url());
        assert!(o["counterparty"]["id"].as_str().unwrap().starts_with("Qm"));
        assert_eq!(o["total"]["amount"], "151000", "as the node lists it");
    }
    // Without --all the final ones are left out; --needs-me keeps exactly those waiting on you.
    let (_, open, _) = board(&sim.url(), &["-o", "ndjson"]);
    let open = by_id(&objects(&open));
    let finals = TABLE
        .iter()
        .filter(|r| FINAL.contains(&r.1) || (r.0 == "case" && r.1 == "RESOLVED"))
        .count();
    assert_eq!(open.len(), TABLE.len() - finals);
    assert!(open
        .values()
        .all(|o| !FINAL.contains(&o["state"].as_str().unwrap())));
    let (_, mine, _) = board(&sim.url(), &["--needs-me", "-o", "ndjson"]);
    let mine = objects(&mine);
    let wanted = TABLE.iter().filter(|r| r.4.starts_with("you")).count();
    assert_eq!(mine.len(), wanted);
    assert!(mine.iter().all(|o| o["needsMe"] == true));
    // Most urgent first: those with a deadline, soonest first, lead.
    let deadlines: Vec<&str> = mine.iter().filter_map(|o| o["deadline"].as_str()).collect();
    let mut sorted = deadlines.clone();
    sorted.sort();
    assert_eq!(deadlines, sorted);
    assert!(mine[0]["deadline"].is_string());
    never_read_an_order(&sim);
}

/// Nothing that changes the node was asked: no order's or case's details (they mark it
/// read), no POST.
fn never_read_an_order(sim: &Sim) {
    let (_, body) = http(sim.port, "GET", "/obtail-sim/requests");
    let requests: Vec<String> = serde_json::from_str(&body).unwrap();
    assert!(!requests.is_empty());
    for r in &requests {
        assert!(r.starts_with("GET /ob/"), "{r}");
        assert!(!r.contains("/ob/order/") && !r.contains("/ob/case/"), "{r}");
        assert!(
            !r.starts_with("GET /ob/order") && !r.starts_with("GET /ob/case?"),
            "{r}"
        );
    }
}

/// orders.md §3, the moves of each list, and whether the node is told of them on its side.
const MOVES: &[(&str, &str, &str, bool)] = &[
    ("sale", "AWAITING_PAYMENT", "AWAITING_FULFILLMENT", true),
    ("sale", "AWAITING_PAYMENT", "PENDING", true),
    ("sale", "AWAITING_PAYMENT", "PROCESSING_ERROR", false),
    ("sale", "PENDING", "AWAITING_FULFILLMENT", false),
    ("sale", "PENDING", "DECLINED", false),
    ("sale", "PENDING", "CANCELED", true),
    ("sale", "AWAITING_FULFILLMENT", "FULFILLED", false),
    ("sale", "AWAITING_FULFILLMENT", "REFUNDED", false),
    ("sale", "FULFILLED", "COMPLETED", true),
    ("sale", "FULFILLED", "DISPUTED", true),
    ("sale", "FULFILLED", "PAYMENT_FINALIZED", false),
    ("sale", "DISPUTED", "DECIDED", true),
    ("sale", "DECIDED", "RESOLVED", true),
    ("sale", "RESOLVED", "COMPLETED", true),
    ("purchase", "AWAITING_PAYMENT", "PENDING", true),
    ("purchase", "AWAITING_PAYMENT", "PROCESSING_ERROR", true),
    ("purchase", "PENDING", "AWAITING_FULFILLMENT", true),
    ("purchase", "PENDING", "DECLINED", true),
    ("purchase", "PENDING", "CANCELED", false),
    ("purchase", "AWAITING_FULFILLMENT", "FULFILLED", true),
    (
        "purchase",
        "AWAITING_FULFILLMENT",
        "PARTIALLY_FULFILLED",
        true,
    ),
    ("purchase", "AWAITING_FULFILLMENT", "REFUNDED", true),
    ("purchase", "AWAITING_FULFILLMENT", "DISPUTED", false),
    ("purchase", "FULFILLED", "COMPLETED", false),
    ("purchase", "FULFILLED", "DISPUTED", true),
    ("purchase", "FULFILLED", "PAYMENT_FINALIZED", true),
    ("purchase", "DISPUTED", "DECIDED", true),
    ("purchase", "DECIDED", "RESOLVED", true),
    ("purchase", "PROCESSING_ERROR", "CANCELED", false),
    ("case", "DISPUTED", "RESOLVED", false),
];

/// Waits for a state change of each order to show, up to `within` after the moves.
fn seen_within(o: &Obtail, moved: &[(String, &str, &str)], within: Duration) {
    let all_seen = |out: &str| {
        let changes = objects(out);
        moved.iter().all(|(id, from, to)| {
            changes.iter().any(|c| {
                c["change"] == "state"
                    && c["from"] == *from
                    && c["order"]["orderId"] == **id
                    && c["order"]["state"] == *to
            })
        })
    };
    let ok = o.wait_stdout(within, all_seen);
    assert!(
        ok,
        "not all seen within {within:?}:\n{}\n{}",
        o.stdout(),
        o.stderr()
    );
}

#[test]
fn every_move_is_seen_within_one_poll_told_or_silent() {
    let sim = still_sim(&[]);
    let ids: Vec<String> = MOVES
        .iter()
        .map(|(role, from, _, _)| order(&sim, &format!("role={role}&state={from}&moderated=1")))
        .collect();
    // A notification stored in the second obtail starts may be read back as one it missed
    // (the node's times have whole seconds): the cases' `disputeOpen`s are older than that.
    std::thread::sleep(Duration::from_millis(1100));
    // Told moves are seen from their notification, long before a poll would read them.
    let told = Obtail::run(&[
        "orders",
        &sim.url(),
        "--all",
        "--watch",
        "--poll",
        "5m",
        "-o",
        "ndjson",
    ]);
    // Silent ones from the lists, read every 2 s.
    let silent = Obtail::run(&[
        "orders",
        &sim.url(),
        "--all",
        "--watch",
        "--poll",
        "2s",
        "-o",
        "ndjson",
    ]);
    for o in [&told, &silent] {
        assert!(
            o.wait_stdout(Duration::from_secs(20), |out| out.lines().count()
                == MOVES.len())
        );
    }
    let mut by_kind: [Vec<(String, &str, &str)>; 2] = Default::default();
    for (id, (_, from, to, notified)) in ids.iter().zip(MOVES) {
        let answer = control(&sim, &format!("move?id={id}&to={to}"));
        // The sim tells what orders.md §3 says the node tells, on this side.
        assert_eq!(
            answer.contains("told"),
            *notified,
            "{from} -> {to}: {answer}"
        );
        by_kind[usize::from(*notified)].push((id.clone(), *from, *to));
    }
    seen_within(&told, &by_kind[1], Duration::from_secs(2));
    seen_within(&silent, &by_kind[0], Duration::from_secs(3));
    seen_within(&silent, &by_kind[1], Duration::from_secs(3));
    // The told run never saw a silent move: it had no reason to read the lists again.
    let changes = objects(&told.stdout());
    for (id, _, _) in &by_kind[0] {
        assert!(
            changes.iter().all(|c| c["order"]["orderId"] != **id),
            "{id}\n{}",
            told.stdout()
        );
    }
    never_read_an_order(&sim);
}

#[test]
fn new_orders_chat_and_deadlines_are_changes_too() {
    let sim = still_sim(&[]);
    // A case whose 1-day warning comes 3 s from now, and one that lapses 3 s from now.
    let warned = order(&sim, "role=case&age=3801597s");
    let lapsing = order(&sim, "role=case&age=3887997s");
    let o = Obtail::run(&[
        "orders",
        &sim.url(),
        "--watch",
        "--poll",
        "5m",
        "-o",
        "ndjson",
    ]);
    assert!(o.wait_stdout(Duration::from_secs(20), |out| out.lines().count() == 2));
    let has = |out: &str, kind: &str, id: &str| {
        objects(out)
            .iter()
            .any(|c| c["change"] == kind && c["order"]["orderId"] == id)
    };
    // Made in silence, the sale is new to obtail when its payment is told.
    let sale = order(&sim, "role=sale&state=AWAITING_PAYMENT");
    control(&sim, &format!("move?id={sale}&to=AWAITING_FULFILLMENT"));
    assert!(o.wait_stdout(Duration::from_secs(5), |out| has(out, "new", &sale)));
    control(&sim, &format!("order-chat?id={sale}&text=hi"));
    let want = |out: &str| {
        has(out, "chat", &sale) && has(out, "deadline", &warned) && has(out, "deadline", &lapsing)
    };
    assert!(
        o.wait_stdout(Duration::from_secs(10), want),
        "{}\n{}",
        o.stdout(),
        o.stderr()
    );
    let changes = objects(&o.stdout());
    let chat = changes.iter().find(|c| c["change"] == "chat").unwrap();
    assert_eq!(chat["order"]["unreadChat"], 1);
    assert_eq!(chat["from"], "AWAITING_FULFILLMENT");
    let new = changes.iter().find(|c| c["change"] == "new").unwrap();
    assert_eq!(new["from"], Value::Null);
    let lapsed = changes
        .iter()
        .rfind(|c| c["change"] == "deadline" && c["order"]["orderId"] == *lapsing)
        .unwrap();
    assert_eq!(
        lapsed["order"]["next"]["actor"], "nobody",
        "an expired case waits on no one"
    );
    let updated = DateTime::parse_from_rfc3339(new["order"]["updated"].as_str().unwrap()).unwrap();
    assert!(
        (Utc::now() - updated.with_timezone(&Utc)).num_seconds() < 30,
        "seen changing now"
    );
}

#[test]
fn waiting_until_something_needs_you() {
    let sim = still_sim(&[]);
    let sale = order(&sim, "role=sale&state=AWAITING_PAYMENT");
    let mut o = Obtail::run(&[
        "orders",
        &sim.url(),
        "--needs-me",
        "-n",
        "1",
        "--timeout",
        "20s",
        "-o",
        "ndjson",
    ]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(o.wait_exit(Duration::ZERO), None, "nothing needs you yet");
    control(&sim, &format!("move?id={sale}&to=AWAITING_FULFILLMENT"));
    assert_eq!(
        o.wait_exit(Duration::from_secs(10)),
        Some(0),
        "{}",
        o.stderr()
    );
    let got = objects(&o.stdout());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["change"], "state");
    assert_eq!(got[0]["order"]["needsMe"], true);
    // Nothing more needs you: exit 4, saying why.
    let (code, out, err) = board(&sim.url(), &["--needs-me", "-n", "2", "--timeout", "2s"]);
    assert_eq!(code, Some(4), "{out}{err}");
    assert!(
        err.contains("--timeout 2s passed before -n 2 was reached"),
        "{err}"
    );
    // A time limit without -n ends with exit 0.
    let started = Instant::now();
    let (code, out, _) = board(&sim.url(), &["--watch", "--timeout", "2s", "-o", "ndjson"]);
    assert_eq!(code, Some(0));
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(objects(&out).len(), 1);
    // -n counts the board's orders too.
    order(&sim, "role=purchase&state=AWAITING_PAYMENT");
    let (code, out, _) = board(&sim.url(), &["-n", "1", "-o", "ndjson"]);
    assert_eq!((code, objects(&out).len()), (Some(0), 1));
}

#[test]
fn programs_run_on_the_objects_and_the_books_add_up() {
    let sim = still_sim(&[]);
    let mine = order(&sim, "role=purchase&state=AWAITING_PAYMENT");
    order(&sim, "role=sale&state=AWAITING_PAYMENT");
    let (code, out, err) = board(
        &sim.url(),
        &[
            "-r",
            "-f",
            "select(.needsMe) | \"\\($kind) \\(.orderId) \\(.next.action)\"",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, format!("order {mine} pay\n"));
    let mut o = Obtail::run(&[
        "orders",
        &sim.url(),
        "--watch",
        "--stats",
        "-o",
        "ndjson",
        "--timeout",
        "3s",
    ]);
    std::thread::sleep(Duration::from_millis(1000));
    control(&sim, &format!("move?id={mine}&to=PENDING"));
    assert_eq!(o.wait_exit(Duration::from_secs(10)), Some(0));
    let err = o.stderr();
    assert!(err.contains("notification.payment"), "{err}");
    assert!(err.contains("obtail: orders: "), "{err}");
    assert!(err.contains("1 order searches"), "{err}");
    assert!(err.contains("2 orders and 1 changes printed"), "{err}");
}

#[test]
fn the_same_credentials_as_the_socket() {
    let sim = still_sim(&["--cookie", "c00kie"]);
    let (code, _, err) = board(&sim.url(), &["--cookie", "wrong"]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("authentication refused"), "{err}");
    assert!(!err.contains("wrong"), "no credential in an error");
    order_with_cookie_value(&sim, "c00kie");
    let (code, out, err) = board(&sim.url(), &["--cookie", "c00kie", "-o", "ndjson"]);
    assert_eq!((code, objects(&out).len()), (Some(0), 1), "{err}");
    let (code, _, err) = board("127.0.0.1:1", &[]);
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("obtail: error: ws://127.0.0.1:1/ws: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn the_demo_has_a_living_board() {
    let mut o = Obtail::run(&[
        "--demo",
        "orders",
        "--demo-speed",
        "0",
        "-n",
        "3",
        "-o",
        "ndjson",
    ]);
    assert_eq!(
        o.wait_exit(Duration::from_secs(60)),
        Some(0),
        "{}",
        o.stderr()
    );
    assert_eq!(objects(&o.stdout()).len(), 3);
    assert!(o.stderr().contains("this is a simulated node"));
}

// ---- what no honest node sends -----------------------------------------------------------

/// A node whose lists are these answers (by path prefix); anything else is its empty list.
fn node(lists: Vec<(&'static str, u16, String)>) -> Server {
    let rest = move |path: &str| -> (u16, String) {
        for (prefix, status, body) in &lists {
            if path.starts_with(prefix) {
                return (*status, body.clone());
            }
        }
        (200, "{\n    \"queryCount\": 0\n}".into())
    };
    let opts = ServerOpts {
        rest: Some(std::sync::Arc::new(rest)),
        ..ServerOpts::default()
    };
    Server::start(opts, |ws, _, log| common::drain(ws, log))
}

#[test]
fn an_empty_node_has_an_empty_board() {
    let server = node(vec![]);
    let (code, out, err) = board(&server.url(), &["-o", "ndjson"]);
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "", ""));
    let (code, out, _) = board(&server.url(), &["-o", "pretty"]);
    assert_eq!((code, out.as_str()), (Some(0), "no orders\n"));
    let (_, out, _) = board(&server.url(), &["-o", "pretty", "--needs-me"]);
    assert_eq!(out, "no order is waiting on you\n");
    // A board read once needs no websocket: only the lists were asked for.
    let log = server.log.lines();
    assert_eq!(
        log.iter().filter(|l| l.starts_with("rest /ob/")).count(),
        9,
        "{log:?}"
    );
    assert!(!log.iter().any(|l| l.starts_with("connect")), "{log:?}");
}

#[test]
fn a_node_too_old_for_a_list_is_a_warning() {
    let sales = r#"{"queryCount": 1, "sales": [{"orderId": "QmA", "state": "PENDING"}]}"#;
    let server = node(vec![
        ("/ob/cases", 404, "404 page not found\n".into()),
        ("/ob/sales", 200, sales.into()),
    ]);
    let (code, out, err) = board(&server.url(), &["-o", "ndjson"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(objects(&out).len(), 1);
    assert!(err.contains("no /ob/cases on this node"), "{err}");
    assert!(err.contains("too old a node?"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let (code, _, err) = board(&server.url(), &["--watch", "--timeout", "1s"]);
    assert_eq!(code, Some(0));
    assert_eq!(err.matches("no /ob/cases").count(), 1, "said once: {err}");
    let refused = node(vec![("/ob/", 403, "403 - Forbidden".into())]);
    let (code, _, err) = board(&refused.url(), &[]);
    assert_eq!(code, Some(3), "{err}");
}

#[test]
fn strangers_text_and_unknown_states_are_shown_as_they_are_safely() {
    let sales = r#"{"sales": [
        {"orderId": "QmAAAAAAAAAAAAAA", "state": "SHIPPED_BY_DRONE", "buyerHandle": "eve\u001b[2J",
         "title": "\u001b]0;pwned\u0007 &#27;[31m red \u202e", "timestamp": "2026-01-01T00:00:00Z",
         "total": {"amount": "1", "currency": {"code": "BTC\u001b[5m", "divisibility": 8}}},
        {"state": "PENDING"}
    ]}"#;
    let server = node(vec![("/ob/sales", 200, sales.into())]);
    let (code, out, err) = board(&server.url(), &["-o", "pretty", "--color", "always"]);
    assert_eq!(code, Some(0), "{err}");
    let visible = out
        .replace("\x1b[0m", "")
        .replace("\x1b[2m", "")
        .replace("\x1b[3m", "");
    let visible = visible.replace("\x1b[1m", "").replace("\x1b[1;31m", "");
    let visible: String = regexless_strip_party_colors(&visible);
    assert!(
        !visible.chars().any(|c| c.is_control() && c != '\n'),
        "{out:?}"
    );
    assert!(!out.contains('\u{202e}'), "{out:?}");
    assert!(
        out.contains("SHIPPED_BY_DRONE") && out.contains("unknown:"),
        "{out}"
    );
    assert!(out.contains("\\x1b[2J"), "{out}");
    assert!(err.contains("1 row of its sales had no id"), "{err}");
    let (_, out, _) = board(&server.url(), &["-o", "ndjson"]);
    assert!(!out.bytes().any(|b| b == 0x1b || b == 0x07), "{out:?}");
    let o = &objects(&out)[0];
    assert_eq!(o["state"], "SHIPPED_BY_DRONE");
    assert_eq!(o["next"]["actor"], "unknown");
    assert_eq!(o["needsMe"], false);
    assert_eq!(
        o["title"], "\u{1b}]0;pwned\u{7} \u{1b}[31m red \u{202e}",
        "the same text, escaped as JSON"
    );
}

/// Takes out the 256-color party sequences (`ESC [ 38;5;N m`).
fn regexless_strip_party_colors(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\x1b[38;5;") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        rest = after.find('m').map_or("", |m| &after[m + 1..]);
    }
    out.push_str(rest);
    out
}

#[test]
fn hundreds_of_orders_are_all_on_the_board_in_order() {
    let rows: Vec<String> = (0..600)
        .map(|i| {
            let state = ["AWAITING_PAYMENT", "AWAITING_FULFILLMENT", "COMPLETED"][i % 3];
            format!(
                r#"{{"orderId": "Qm{i:044}", "state": "{state}", "moderated": true,
                    "timestamp": "2026-01-01T00:{:02}:{:02}Z", "buyerHandle": "b{i}", "title": "t{i}",
                    "total": {{"amount": "{i}", "currency": {{"code": "BTC", "divisibility": 8}}}}}}"#,
                (i / 60) % 60,
                i % 60
            )
        })
        .collect();
    let sales = format!(r#"{{"queryCount": 600, "sales": [{}]}}"#, rows.join(","));
    let server = node(vec![("/ob/sales", 200, sales)]);
    let (code, out, err) = board(&server.url(), &["-o", "ndjson"]);
    assert_eq!(code, Some(0), "{err}");
    let all = objects(&out);
    assert_eq!(all.len(), 400, "the final ones are left out");
    let first_not_mine = all.iter().position(|o| o["needsMe"] == false).unwrap();
    assert_eq!(first_not_mine, 200, "the 200 waiting on you come first");
    let deadlines: Vec<&str> = all[..200]
        .iter()
        .map(|o| o["deadline"].as_str().unwrap())
        .collect();
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]), "soonest first");
    let (_, out, _) = board(&server.url(), &["-o", "pretty", "--all"]);
    assert_eq!(out.lines().count(), 600);
}

#[test]
fn two_nodes_are_told_apart() {
    let a = still_sim(&[]);
    let b = still_sim(&[]);
    order(&a, "role=sale");
    order(&b, "role=purchase");
    let mut o = Obtail::run(&[
        "orders",
        "--label",
        &format!("a={}", a.url()),
        "--label",
        &format!("b={}", b.url()),
        "-o",
        "pretty",
        "--color",
        "never",
    ]);
    assert_eq!(
        o.wait_exit(Duration::from_secs(20)),
        Some(0),
        "{}",
        o.stderr()
    );
    let out = o.stdout();
    assert!(
        out.lines()
            .any(|l| l.starts_with("a ") && l.contains("sale")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("b ") && l.contains("purchase")),
        "{out}"
    );
    let mut o = Obtail::run(&["orders", &a.url(), &b.url(), "-o", "ndjson"]);
    assert_eq!(o.wait_exit(Duration::from_secs(20)), Some(0));
    let all = objects(&o.stdout());
    assert_eq!(all.len(), 2);
    assert!(all
        .iter()
        .any(|o| o["source"] == a.url() && o["role"] == "sale"));
    assert!(all
        .iter()
        .any(|o| o["source"] == b.url() && o["role"] == "purchase"));
}

#[test]
fn a_node_that_restarts_is_watched_on() {
    let sim = still_sim(&["--down-for", "3s"]);
    let sale = order(&sim, "role=sale&state=AWAITING_PAYMENT");
    let o = Obtail::run(&[
        "orders",
        &sim.url(),
        "--watch",
        "--poll",
        "1s",
        "-o",
        "ndjson",
        "-v",
    ]);
    assert!(o.wait_stdout(Duration::from_secs(20), |out| out.lines().count() == 1));
    control(&sim, "restart");
    assert!(
        o.wait_stderr(Duration::from_secs(20), |e| e.contains("connected again")),
        "{}",
        o.stderr()
    );
    control(&sim, &format!("move?id={sale}&to=AWAITING_FULFILLMENT"));
    let moved = |out: &str| objects(out).iter().any(|c| c["change"] == "state");
    assert!(
        o.wait_stdout(Duration::from_secs(5), moved),
        "{}",
        o.stderr()
    );
    // The lists could not be read while the node was down: said once, not per list and poll.
    let err = o.stderr();
    assert!(err.matches("cannot read").count() <= 1, "{err}");
    if err.contains("cannot read") {
        assert!(err.contains("cannot read its order lists: "), "{err}");
    }
}

#[test]
fn named_nodes_bring_their_own_credentials() {
    let sim = still_sim(&["--cookie", "n4med"]);
    order_with_cookie_value(&sim, "n4med");
    let config = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(config.path().join("obtail")).unwrap();
    std::fs::write(
        config.path().join("obtail/config.toml"),
        format!(
            "[nodes.shop]\nurl = \"{}\"\ncookie_file = \"cookie\"\n",
            sim.url()
        ),
    )
    .unwrap();
    std::fs::write(
        config.path().join("obtail/cookie"),
        "OpenBazaar_Auth_Cookie=n4med",
    )
    .unwrap();
    let xdg = config.path().to_str().unwrap();
    let mut o = Obtail::run_env(
        &["orders", "shop", "-o", "ndjson"],
        &[("XDG_CONFIG_HOME", xdg)],
    );
    assert_eq!(
        o.wait_exit(Duration::from_secs(20)),
        Some(0),
        "{}",
        o.stderr()
    );
    let all = objects(&o.stdout());
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0]["source"], "shop",
        "named as the config file names it"
    );
    assert!(!o.stdout().contains("n4med") && !o.stderr().contains("n4med"));
}

fn order_with_cookie_value(sim: &Sim, cookie: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", sim.port)).unwrap();
    let req = format!(
        "POST /obtail-sim/order?role=sale HTTP/1.1\r\nHost: x\r\n\
         Cookie: OpenBazaar_Auth_Cookie={cookie}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
}

#[test]
fn a_handle_that_imitates_another_is_marked() {
    let sim = still_sim(&[]);
    order(&sim, "role=purchase&handle=paypal");
    std::thread::sleep(Duration::from_millis(1100));
    // `paypa1` reads as `paypal`, and came later.
    order(&sim, "role=sale&handle=paypa1");
    let (code, out, err) = board(&sim.url(), &["-o", "pretty", "--color", "never"]);
    assert_eq!(code, Some(0), "{err}");
    let line = |who: &str| out.lines().find(|l| l.contains(who)).unwrap().to_string();
    assert!(
        line("@paypa1").contains("@paypa1 [looks like @paypal]"),
        "{out}"
    );
    assert!(
        !line("@paypal ").contains("looks like"),
        "the first is taken for the real one: {out}"
    );
}
