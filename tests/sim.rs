//! `obtail sim` as a client sees it: the real binary, a real socket, the node's answers.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use common::sim::{split_response, Sim};

type Ws = WebSocket<MaybeTlsStream<TcpStream>>;

fn sim(extra: &[&str]) -> Sim {
    sim_fed(extra, None)
}

/// `obtail sim` with `input` on its stdin.
fn sim_fed(extra: &[&str], input: Option<&str>) -> Sim {
    Sim::start(7, extra, input)
}

impl Sim {
    fn connect(&self, headers: &[(&str, &str)]) -> Result<Ws, tungstenite::Error> {
        let mut req = self.url().into_client_request().unwrap();
        for (n, v) in headers {
            let name = tungstenite::http::HeaderName::from_bytes(n.as_bytes()).unwrap();
            req.headers_mut().insert(name, v.parse().unwrap());
        }
        let (ws, _) = tungstenite::connect(req)?;
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        }
        Ok(ws)
    }

    /// One raw HTTP exchange; returns the whole response text.
    fn http(&self, request: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8(out).unwrap()
    }

    fn get_json(&self, target: &str) -> Value {
        let resp = self.http(&format!(
            "GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ));
        assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
        serde_json::from_str(&split_response(&resp).1).unwrap()
    }
}

fn text(ws: &mut Ws) -> String {
    match ws.read().expect("a frame") {
        Message::Text(t) => t.to_string(),
        other => panic!("not a text frame: {other:?}"),
    }
}

/// The kinds obtail itself gives these frames (one replay, so one process for many frames).
fn kinds_of(frames: &[String]) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["--replay", "-", "--envelope", "-o", "ndjson"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = frames.join("\n");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn kind_of(t: &str) -> String {
    let kinds = kinds_of(&[t.to_string()]);
    assert_eq!(kinds.len(), 1, "{t}");
    kinds[0].clone()
}

fn upgrade_request(port: u16, extra: &str) -> String {
    format!(
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extra}\r\n"
    )
}

fn assert_forbidden(resp: &str) {
    let (head, body) = resp.split_once("\r\n\r\n").expect(resp);
    assert!(head.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{resp}");
    assert!(
        head.contains("\r\nContent-Type: text/plain; charset=utf-8"),
        "{resp}"
    );
    assert!(head.contains("\r\nContent-Length: 15"), "{resp}");
    assert!(
        !head.to_ascii_lowercase().contains("www-authenticate"),
        "{resp}"
    );
    assert_eq!(body, "403 - Forbidden");
}

#[test]
fn sim_frames_arrive_and_classify() {
    let sim = sim(&["--speed", "0"]);
    let mut ws = sim.connect(&[]).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    let frames: Vec<String> = (0..300).map(|_| text(&mut ws)).collect();
    for t in &frames {
        assert!(t.starts_with("{\n    \"") && !t.ends_with('\n'), "{t}");
    }
    for (k, t) in kinds_of(&frames).into_iter().zip(&frames) {
        assert!(k != "unknown" && k != "invalid", "{t}");
        kinds.insert(k);
    }
    assert!(kinds.len() > 30, "{kinds:?}");
    // Other paths are not the websocket, and `/ws/` is not `/ws`.
    assert!(sim
        .http(&upgrade_request(sim.port, "").replace("/ws", "/ws/"))
        .starts_with("HTTP/1.1 404"));
    assert!(sim
        .http("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
        .starts_with("HTTP/1.1 400"));
    // A query string is ignored.
    let mut req = format!("ws://127.0.0.1:{}/ws?token=x", sim.port)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Origin", "http://evil.example".parse().unwrap());
    assert!(tungstenite::connect(req).is_ok());
}

#[test]
fn sim_basic_auth_like_the_node() {
    let sim = sim(&["--speed", "5", "--user", "alice:s3cret"]);
    let auth = |u: &str| format!("Authorization: Basic {}\r\n", base64_encode(u));
    assert_forbidden(&sim.http(&upgrade_request(sim.port, "")));
    assert_forbidden(&sim.http(&upgrade_request(sim.port, &auth("alice:wrong"))));
    assert_forbidden(&sim.http(&upgrade_request(sim.port, &auth("Alice:s3cret"))));
    assert_forbidden(&sim.http(&upgrade_request(
        sim.port,
        "Cookie: OpenBazaar_Auth_Cookie=s3cret\r\n",
    )));
    assert_forbidden(&sim.http("GET /ob/notifications HTTP/1.1\r\nHost: x\r\n\r\n"));
    let good = base64_encode("alice:s3cret");
    let mut ws = sim
        .connect(&[("Authorization", &format!("Basic {good}"))])
        .unwrap();
    kind_of(&text(&mut ws));
    let resp = sim.http(&format!(
        "GET /ob/notifications HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {good}\r\n\r\n"
    ));
    assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp}");
}

#[test]
fn sim_cookie_auth_like_the_node() {
    let sim = sim(&["--speed", "5", "--cookie", "Zm9vYmFy"]);
    assert_forbidden(&sim.http(&upgrade_request(sim.port, "")));
    assert_forbidden(&sim.http(&upgrade_request(
        sim.port,
        "Cookie: OpenBazaar_Auth_Cookie=nope\r\n",
    )));
    assert_forbidden(&sim.http(&upgrade_request(sim.port, "Cookie: other=Zm9vYmFy\r\n")));
    let err = sim.connect(&[]).unwrap_err();
    assert!(
        matches!(err, tungstenite::Error::Http(ref r) if r.status() == 403),
        "{err}"
    );
    let mut ws = sim
        .connect(&[("Cookie", "theme=dark; OpenBazaar_Auth_Cookie=Zm9vYmFy")])
        .unwrap();
    kind_of(&text(&mut ws));
}

fn base64_encode(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Reads until a frame equal to `want` arrives.
fn read_until(ws: &mut Ws, want: &str) {
    // Bounded in time too: a slow story keeps the socket busy, so reads never time out.
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..2000 {
        if text(ws) == want {
            return;
        }
        assert!(Instant::now() < deadline, "{want:?} never came");
    }
    panic!("{want:?} never came");
}

#[test]
fn sim_echoes_to_every_client() {
    let sim = sim(&["--speed", "2"]);
    let mut a = sim.connect(&[]).unwrap();
    let mut b = sim.connect(&[]).unwrap();
    a.send(Message::text("hello {not json")).unwrap();
    read_until(&mut a, "hello {not json");
    read_until(&mut b, "hello {not json");
    // Binary in, text out, to the sender too.
    b.send(Message::binary(b"{\"fake\": true}".to_vec()))
        .unwrap();
    read_until(&mut a, "{\"fake\": true}");
    read_until(&mut b, "{\"fake\": true}");
    assert_eq!(kind_of("{\"fake\": true}"), "unknown");
    // Pings are answered, and not echoed.
    a.send(Message::Ping(b"are you there".to_vec().into()))
        .unwrap();
    let mut ponged = false;
    for _ in 0..2000 {
        match a.read().unwrap() {
            Message::Pong(p) => {
                assert_eq!(&p[..], b"are you there");
                ponged = true;
                break;
            }
            Message::Text(t) => assert_ne!(t.as_str(), "are you there"),
            other => panic!("{other:?}"),
        }
    }
    assert!(ponged, "the ping was never answered");
}

#[test]
fn sim_serves_the_notifications_it_sent() {
    let sim = sim(&["--speed", "0"]);
    let mut seen = Vec::new();
    {
        let mut ws = sim.connect(&[]).unwrap();
        for _ in 0..400 {
            let v: Value = serde_json::from_str(&text(&mut ws)).unwrap();
            if let Some(n) = v.get("notification") {
                if n["type"] != "unfollow" {
                    seen.push(n.clone());
                }
            }
        }
        ws.close(None).unwrap();
        let _ = ws.flush();
    }
    // With no client left at --speed 0 the story pauses; let the last frames settle.
    std::thread::sleep(Duration::from_millis(300));
    let all = sim.get_json("/ob/notifications");
    let list = all["notifications"].as_array().unwrap();
    assert!(list.len() >= seen.len() && seen.len() > 40);
    assert_eq!(all["total"].as_u64().unwrap() as usize, list.len());
    assert_eq!(all["unread"], all["total"]);
    let oldest_first: Vec<&Value> = list.iter().rev().map(|e| &e["notification"]).collect();
    assert_eq!(
        oldest_first[..seen.len()],
        seen.iter().collect::<Vec<_>>()[..]
    );
    for e in list {
        // The outer type is the inner one, camelCase (§6), not the database's lower case.
        assert_eq!(e["type"], e["notification"]["type"]);
        assert_eq!(e["read"], false);
        assert!(e["timestamp"].as_str().unwrap().ends_with('Z'));
    }
    let five = sim.get_json("/ob/notifications?limit=5");
    assert_eq!(five["notifications"].as_array().unwrap()[..], list[..5]);
    let id = list[2]["notification"]["notificationId"].as_str().unwrap();
    let page = sim.get_json(&format!("/ob/notifications?limit=2&offsetId={id}"));
    assert_eq!(page["notifications"].as_array().unwrap()[..], list[3..5]);
    let some = sim.get_json("/ob/notifications?filter=order,PAYMENT");
    let some = some["notifications"].as_array().unwrap();
    let want = list
        .iter()
        .filter(|e| e["type"] == "order" || e["type"] == "payment")
        .count();
    assert!(want > 0);
    assert_eq!(some.len(), want);
    assert!(some
        .iter()
        .all(|e| e["type"] == "order" || e["type"] == "payment"));
    let errors = sim.get_json("/ob/notifications?filter=processingerror");
    assert!(errors["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["type"] == "processingError"));
    assert!(sim
        .http("GET /ob/other HTTP/1.1\r\nConnection: close\r\n\r\n")
        .starts_with("HTTP/1.1 404"));
}

#[test]
fn sim_drops_a_client_that_falls_behind() {
    let sim = sim(&["--speed", "0"]);
    let mut slow = sim.connect(&[]).unwrap();
    let mut fast = sim.connect(&[]).unwrap();
    let start = Instant::now();
    let mut n = 0;
    // Far more than the kernel's socket buffers can hold for the slow one.
    while n < 60_000 && start.elapsed() < Duration::from_secs(60) {
        assert!(text(&mut fast).starts_with("{\n    \""));
        n += 1;
    }
    assert_eq!(n, 60_000, "the fast client was held back");
    let mut frames = 0;
    // Bounded: a slow client that is never dropped would otherwise be fed for ever.
    let deadline = Instant::now() + Duration::from_secs(30);
    let end = loop {
        assert!(
            Instant::now() < deadline,
            "the slow client was not dropped ({frames} frames read)"
        );
        match slow.read() {
            Ok(Message::Text(_)) => frames += 1,
            Ok(other) => panic!("dropped clients get no {other:?}"),
            Err(e) => break e,
        }
    };
    assert!(
        frames < 60_000,
        "the slow client was not dropped ({frames} frames)"
    );
    let reset = matches!(
        end,
        tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
        )
    ) || matches!(&end, tungstenite::Error::Io(e) if e.kind() != std::io::ErrorKind::WouldBlock);
    assert!(reset, "{end:?}");
    for _ in 0..100 {
        assert!(text(&mut fast).starts_with("{\n    \""));
    }
}

#[test]
fn sim_serves_wss() {
    let dir = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let sim = sim(&[
        "--speed",
        "0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ck.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let url = format!("wss://localhost:{}/ws", sim.port);
    let tcp = TcpStream::connect(("127.0.0.1", sim.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let connector = tungstenite::Connector::Rustls(Arc::new(config));
    let (mut ws, _) = tungstenite::client_tls_with_config(url, tcp, None, Some(connector)).unwrap();
    for _ in 0..50 {
        kind_of(&text(&mut ws));
    }
    // Plain text on a TLS port gets nowhere.
    assert!(!sim
        .http(&upgrade_request(sim.port, ""))
        .starts_with("HTTP/1.1 101"));
}

#[test]
fn sim_stops_after_duration() {
    let mut s = sim(&["--duration", "1s"]);
    let start = Instant::now();
    loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(start.elapsed() >= Duration::from_millis(800));
}

#[test]
fn sim_port_in_use_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["sim", "--listen", &addr, "--duration", "1s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err.trim_end(),
        format!(
            "obtail: error: cannot listen on {addr}: address in use; pick another with --listen"
        )
    );
}

/// `--demo` runs the stand-in in-process and tails it through the normal pipeline.
fn demo(args: &[&str]) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["--demo", "--demo-speed", "0", "--demo-seed", "5"])
        .args(args)
        .env_remove("OBTAIL_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code(),
    )
}

#[test]
fn sim_demo_is_the_normal_pipeline_on_a_simulated_node() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("demo.ndjson");
    let (out, err, code) = demo(&[
        "-n",
        "40",
        "-o",
        "ndjson",
        "--record",
        rec.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.starts_with("obtail: --demo: this is a simulated node"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(out.lines().count(), 40);
    assert!(std::fs::read_to_string(&rec).unwrap().lines().count() >= 40);
    let (wallet, _, _) = demo(&["-n", "10", "-t", "wallet", "--envelope"]);
    for line in wallet.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v["kind"].as_str().unwrap().starts_with("wallet."), "{line}");
        assert!(v["source"].as_str().unwrap().starts_with("ws://127.0.0.1:"));
    }
    let (again, _, _) = demo(&["-n", "40", "-o", "ndjson"]);
    let (frames, times) = stable(&out);
    assert_eq!(stable(&again).0, frames, "same seed, same story");
    assert!(!times.is_empty());
    for t in &times {
        assert_recent(t);
    }
    let (pretty, _, _) = demo(&["-n", "60", "-o", "pretty"]);
    assert!(pretty.contains(" notification.order "), "{pretty}");
}

/// NDJSON frames with the times the node stamps them with when it tells them (chat and
/// wallet) taken out; and those times.
fn stable(ndjson: &str) -> (Vec<Value>, Vec<String>) {
    let mut times = Vec::new();
    let frames = ndjson
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            for key in ["message", "wallet"] {
                if let Some(t) = v.get_mut(key).and_then(|m| m.get_mut("timestamp")) {
                    times.push(t.as_str().unwrap().to_string());
                    *t = Value::Null;
                }
            }
            v
        })
        .collect();
    (frames, times)
}

/// An RFC 3339 time within a few minutes of now: the node lives in the present.
fn assert_recent(stamp: &str) {
    let t = chrono::DateTime::parse_from_rfc3339(stamp).unwrap_or_else(|e| panic!("{stamp}: {e}"));
    let off = (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds();
    assert!((-5..300).contains(&off), "{stamp} is {off} s from now");
}

// ---- REST, compared with a real node's answers (real-node/rest/) --------------------------

const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real-node/rest");

fn real(name: &str) -> String {
    std::fs::read_to_string(format!("{REAL}/{name}")).unwrap()
}

/// A response's status line and header names in order, without `Date` (the captures of
/// chat answers were saved without it); and its body.
fn head_and_body(resp: &str) -> (Vec<String>, String) {
    assert!(resp.contains("\r\n\r\n"), "{resp}");
    let (head, body) = split_response(resp);
    let mut lines = head.split("\r\n");
    let mut shape = vec![lines.next().unwrap().to_string()];
    shape.extend(
        lines
            .map(|l| l.split_once(':').unwrap().0.to_string())
            .filter(|n| n != "Date"),
    );
    (shape, body)
}

/// The head a real node gives a 200 with this body: chunked when it is over 2 KiB.
fn real_head(body: &str) -> Vec<String> {
    if body.len() > 2048 {
        real_answer("orders/22-A-sales").0
    } else {
        real_answer("n01-notifications-all").0
    }
}

fn real_answer(name: &str) -> (Vec<String>, String) {
    head_and_body(&format!(
        "{}{}",
        real(&format!("{name}.headers")),
        real(&format!("{name}.body"))
    ))
}

/// Every key path with the JSON type of its value, arrays merged: the shape of a body.
fn shape(v: &Value) -> std::collections::BTreeSet<String> {
    fn walk(v: &Value, at: String, out: &mut std::collections::BTreeSet<String>) {
        let ty = match v {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(a) => {
                for x in a {
                    walk(x, format!("{at}[]"), out);
                }
                "array"
            }
            Value::Object(m) => {
                for (k, x) in m {
                    walk(x, format!("{at}.{k}"), out);
                }
                "object"
            }
        };
        out.insert(format!("{at}:{ty}"));
    }
    let mut out = std::collections::BTreeSet::new();
    walk(v, String::new(), &mut out);
    out
}

/// The node's layout: 4-space indent, no trailing newline.
fn assert_node_text(body: &str) {
    assert!(!body.ends_with('\n'), "{body}");
    assert!(
        body.starts_with("{\n    \"") || body.starts_with("[\n    {") || body == "[]",
        "{body}"
    );
}

impl Sim {
    fn get(&self, target: &str) -> (Vec<String>, String) {
        head_and_body(&self.http(&format!(
            "GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )))
    }

    /// Reads `n` frames on a fresh client so the story moves on, then leaves.
    fn advance(&self, n: usize) -> Vec<Value> {
        let mut ws = self.connect(&[]).unwrap();
        let frames = (0..n)
            .map(|_| serde_json::from_str(&text(&mut ws)).unwrap())
            .collect();
        let _ = ws.close(None);
        let _ = ws.flush();
        // At --speed 0 the story pauses with no client; let the last frames settle.
        std::thread::sleep(Duration::from_millis(300));
        frames
    }
}

#[test]
fn sim_notifications_answer_like_the_real_node() {
    let sim = sim(&["--speed", "0"]);
    sim.advance(400);
    let (head, body) = sim.get("/ob/notifications");
    assert!(body.len() > 2048);
    assert_eq!(head, real_head(&body));
    assert_node_text(&body);
    let all: Value = serde_json::from_str(&body).unwrap();
    let list = all["notifications"].as_array().unwrap();
    assert!(list.len() > 40);
    // Same fields as the real node's entries (the inner notification varies by type).
    let real_all: Value =
        serde_json::from_str(&real_answer("n03-notifications-after-restart").1).unwrap();
    let outer = |v: &Value| -> std::collections::BTreeSet<String> {
        shape(v)
            .into_iter()
            .filter(|p| !p.starts_with(".notifications[].notification."))
            .collect()
    };
    assert_eq!(outer(&all), outer(&real_all));
    assert!(!list.iter().any(|e| e["type"] == "unfollow"));
    let follow = list.iter().find(|e| e["type"] == "follow").unwrap();
    assert_eq!(
        shape(follow),
        shape(&real_all["notifications"][0]),
        "{follow}"
    );
    assert!(list.iter().any(|e| e["type"] == "orderConfirmation"));

    // limit cuts the list, total still counts all; limit=0 is [].
    let one: Value = serde_json::from_str(&sim.get("/ob/notifications?limit=1").1).unwrap();
    assert_eq!(one["notifications"].as_array().unwrap()[..], list[..1]);
    assert_eq!(one["total"], all["total"]);
    let (_, zero) = sim.get("/ob/notifications?limit=0");
    let zero: Value = serde_json::from_str(&zero).unwrap();
    assert_eq!(zero["notifications"], Value::Array(vec![]));
    assert_eq!(zero["total"], all["total"]);
    assert_eq!(
        sim.get("/ob/notifications?limit=0")
            .1
            .replace(&format!("{}", all["total"]), "3"),
        real_answer("n07-notifications-limit0").1,
        "limit=0 text"
    );

    // offsetId: the older entries; total counts those older by whole seconds.
    let k = 10;
    let id = list[k]["notification"]["notificationId"].as_str().unwrap();
    let page: Value = serde_json::from_str(
        &sim.get(&format!("/ob/notifications?limit=3&offsetId={id}"))
            .1,
    )
    .unwrap();
    assert_eq!(
        page["notifications"].as_array().unwrap()[..],
        list[k + 1..k + 4]
    );
    let secs = list[k]["timestamp"].as_str().unwrap();
    let older = list
        .iter()
        .filter(|e| e["timestamp"].as_str().unwrap() < secs)
        .count();
    assert_eq!(page["total"], older);
    assert_eq!(page["unread"], all["unread"]);
    let (_, unknown) = sim.get("/ob/notifications?offsetId=QmNotAnIdAtAll");
    let unknown: Value = serde_json::from_str(&unknown).unwrap();
    assert_eq!(unknown["notifications"], Value::Array(vec![]));
    assert_eq!(unknown["total"], 0);
    assert_eq!(unknown["unread"], all["unread"]);

    // filter: lower-cased match, camelCase out; unread ignores it.
    let (_, f) = sim.get("/ob/notifications?filter=FOLLOW,orderconfirmation");
    let f: Value = serde_json::from_str(&f).unwrap();
    let want: Vec<&Value> = list
        .iter()
        .filter(|e| e["type"] == "follow" || e["type"] == "orderConfirmation")
        .collect();
    assert_eq!(
        f["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        want
    );
    assert_eq!(f["total"], want.len());
    assert_eq!(f["unread"], all["unread"]);
    let (_, none) = sim.get("/ob/notifications?filter=nosuchtype");
    assert_eq!(
        none.replace(&format!("\"unread\": {}", all["unread"]), "\"unread\": 3"),
        real_answer("n10-notifications-filter-order").1
    );

    // Errors as the node sends them.
    assert_eq!(
        sim.get("/ob/notifications?limit=abc"),
        real_answer("n08-notifications-badlimit")
    );
    let post = head_and_body(&sim.http(
        "POST /ob/notifications HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ));
    assert_eq!(post.0[0], "HTTP/1.1 404 Not Found");
    assert_eq!(
        post.1,
        "{\n    \"success\": false,\n    \"reason\": \"Not Found\"\n}"
    );
}

#[test]
fn sim_chat_history_answers_like_the_real_node() {
    let sim = sim(&["--speed", "0"]);
    let frames = sim.advance(600);
    let sent: Vec<&Value> = frames.iter().filter_map(|f| f.get("message")).collect();
    let direct: Vec<&&Value> = sent.iter().filter(|m| m["subject"] == "").collect();
    assert!(direct.len() >= 3 && sent.len() > direct.len());

    let (head, body) = sim.get("/ob/chatmessages");
    assert_eq!(head, real_head(&body));
    assert_node_text(&body);
    let all: Value = serde_json::from_str(&body).unwrap();
    let all = all.as_array().unwrap();
    let real_all: Value = serde_json::from_str(&real_answer("c02-chatmessages-all").1).unwrap();
    assert_eq!(shape(&Value::Array(all.clone())), shape(&real_all));
    // Every direct message the socket sent is listed, with the frame's very fields.
    for m in &direct {
        let mut listed = all
            .iter()
            .find(|e| e["messageId"] == m["messageId"])
            .unwrap_or_else(|| panic!("not listed: {m}"))
            .clone();
        listed["read"] = m["read"].clone();
        assert_eq!(&&listed, *m);
    }
    // The node's own answers are kept too, though never sent.
    assert!(all.iter().any(|e| e["outgoing"] == true));
    assert!(all.iter().all(|e| e["subject"] == ""));
    assert_eq!(sim.get("/ob/chatmessages/").1, body);

    // limit, then offsetId: the next older one.
    let (_, first) = sim.get("/ob/chatmessages?limit=1");
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first.as_array().unwrap()[..], all[..1]);
    let id = all[0]["messageId"].as_str().unwrap();
    let (_, next) = sim.get(&format!("/ob/chatmessages?limit=1&offsetId={id}"));
    let next: Value = serde_json::from_str(&next).unwrap();
    assert_eq!(next.as_array().unwrap()[..], all[1..2]);

    // One peer; an order's chat by subject, with and without the peer.
    let peer = direct[0]["peerId"].as_str().unwrap();
    let (_, mine) = sim.get(&format!("/ob/chatmessages/{peer}"));
    let mine: Value = serde_json::from_str(&mine).unwrap();
    assert!(!mine.as_array().unwrap().is_empty());
    assert!(mine.as_array().unwrap().iter().all(|e| e["peerId"] == peer));
    let order = sent.iter().find(|m| m["subject"] != "").unwrap();
    let subject = order["subject"].as_str().unwrap();
    let (_, by_order) = sim.get(&format!("/ob/chatmessages?subject={subject}"));
    let by_order: Value = serde_json::from_str(&by_order).unwrap();
    assert!(by_order
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["messageId"] == order["messageId"]));
    let with_peer = sim.get(&format!(
        "/ob/chatmessages/{}?subject={subject}",
        order["peerId"].as_str().unwrap()
    ));
    assert_eq!(
        serde_json::from_str::<Value>(&with_peer.1).unwrap(),
        by_order
    );

    // Conversations: direct chats only, newest first, in the real node's shape.
    let (head, conv) = sim.get("/ob/chatconversations");
    assert_eq!(head, real_head(&conv));
    let conv: Value = serde_json::from_str(&conv).unwrap();
    let real_conv: Value = serde_json::from_str(&real_answer("c01-chatconversations").1).unwrap();
    assert_eq!(shape(&conv), shape(&real_conv));
    let newest = &all[0];
    assert_eq!(conv[0]["peerId"], newest["peerId"]);
    assert_eq!(conv[0]["lastMessage"], newest["message"]);
    let unread = all
        .iter()
        .filter(|e| {
            e["peerId"] == conv[0]["peerId"] && e["read"] == false && e["outgoing"] == false
        })
        .count();
    assert_eq!(conv[0]["unread"], unread);

    assert_eq!(
        sim.get("/ob/chatmessages?limit=abc"),
        real_answer("c09-chatmessages-badlimit")
    );
}

#[test]
fn sim_rest_needs_the_same_auth_as_the_socket() {
    let sim = sim(&["--speed", "0", "--user", "u:p"]);
    let (expected_head, expected_body) = head_and_body(&real("n12-notifications-noauth.raw"));
    for path in [
        "/ob/notifications",
        "/ob/chatmessages",
        "/ob/chatconversations",
    ] {
        let resp = sim.http(&format!("GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assert_eq!(
            head_and_body(&resp),
            (expected_head.clone(), expected_body.clone())
        );
    }
    let auth = format!("Authorization: Basic {}\r\n", base64_encode("u:p"));
    let resp = sim.http(&format!(
        "GET /ob/chatconversations HTTP/1.1\r\n{auth}Connection: close\r\n\r\n"
    ));
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
    // Two requests on one connection, as an HTTP/1.1 client may send them.
    let resp = sim.http(&format!(
        "GET /ob/notifications?limit=0 HTTP/1.1\r\n{auth}\r\nGET /ob/chatmessages HTTP/1.1\r\n{auth}Connection: close\r\n\r\n"
    ));
    assert_eq!(resp.matches("HTTP/1.1 200 OK").count(), 2, "{resp}");
}

// ---- fault injection ----------------------------------------------------------------------

/// How a client's connection ended.
#[derive(Debug, PartialEq)]
enum End {
    /// A close frame with this code.
    Close(u16),
    /// The TCP connection ended with no close frame, as the node drops a client.
    Reset,
}

/// Reads until the connection ends (or `limit` passes, which fails the test).
fn read_to_end(ws: &mut Ws, limit: Duration, mut each: impl FnMut(&str)) -> End {
    let deadline = Instant::now() + limit;
    loop {
        assert!(Instant::now() < deadline, "the connection did not end");
        match ws.read() {
            Ok(Message::Text(t)) => each(t.as_str()),
            Ok(Message::Close(f)) => return End::Close(f.map_or(1005, |f| u16::from(f.code))),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
            ))
            | Err(tungstenite::Error::Io(_)) => return End::Reset,
            Err(e) => panic!("unexpected end: {e:?}"),
        }
    }
}

impl Sim {
    fn post(&self, target: &str) -> String {
        self.http(&format!(
            "POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ))
    }

    /// Connects, retrying while a restarting node refuses (bounded).
    fn reconnect(&self) -> Ws {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.connect(&[]) {
                Ok(ws) => return ws,
                Err(e) => assert!(Instant::now() < deadline, "never came back: {e}"),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn notification_ids(&self) -> Vec<String> {
        let all = self.get_json("/ob/notifications");
        all["notifications"]
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
}

fn notification_id(frame: &str) -> Option<String> {
    let v: Value = serde_json::from_str(frame).ok()?;
    Some(
        v.get("notification")?
            .get("notificationId")?
            .as_str()?
            .to_string(),
    )
}

#[test]
fn sim_restart_drops_refuses_comes_back_and_lists_what_was_missed() {
    let sim = sim(&["--speed", "5", "--down-for", "2s"]);
    let mut ws = sim.connect(&[]).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    // Some story first, then a restart on demand.
    for _ in 0..5 {
        if let Some(id) = notification_id(&text(&mut ws)) {
            seen.insert(id);
        }
    }
    assert!(sim
        .post("/obtail-sim/restart")
        .starts_with("HTTP/1.1 200 OK"));
    let end = read_to_end(&mut ws, Duration::from_secs(30), |t| {
        if let Some(id) = notification_id(t) {
            seen.insert(id);
        }
    });
    assert_eq!(end, End::Reset, "a restart sends no close frame");
    // Down: connections are refused (not accepted and then dropped).
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused = loop {
        match TcpStream::connect(("127.0.0.1", sim.port)) {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break true,
            _ if Instant::now() > deadline => break false,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    assert!(refused, "a restarting node refuses connections");
    // Back: events at once, and REST lists the notifications the socket could not deliver.
    let mut ws = sim.reconnect();
    let first = text(&mut ws);
    assert!(first.starts_with("{\n    \""), "{first}");
    let listed = sim.notification_ids();
    let missed: Vec<&String> = listed.iter().filter(|id| !seen.contains(*id)).collect();
    assert!(
        !missed.is_empty(),
        "nothing told while down was listed: {listed:?}"
    );
}

#[test]
fn sim_restarts_on_a_schedule() {
    let sim = sim(&[
        "--speed",
        "0",
        "--restart-every",
        "2s",
        "--down-for",
        "500ms",
    ]);
    for _ in 0..2 {
        let mut ws = sim.reconnect();
        let mut n = 0;
        assert_eq!(
            read_to_end(&mut ws, Duration::from_secs(30), |_| n += 1),
            End::Reset
        );
        assert!(n > 0);
    }
}

/// Reads until nothing comes for `quiet`; how many frames came.
fn drain(ws: &mut Ws, quiet: Duration) -> usize {
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(quiet)).unwrap();
    }
    let mut n = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match ws.read() {
            Ok(_) => n += 1,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return n
            }
            Err(e) => panic!("dropped while stalled: {e:?}"),
        }
    }
    panic!("never went quiet");
}

#[test]
fn sim_stall_on_demand_silences_frames_pongs_and_rest() {
    let sim = sim(&["--speed", "0"]);
    let mut ws = sim.connect(&[]).unwrap();
    text(&mut ws);
    assert!(sim.post("/obtail-sim/stall").starts_with("HTTP/1.1 200 OK"));
    // What was already on its way arrives; then nothing, not even a pong.
    drain(&mut ws, Duration::from_secs(2));
    ws.send(Message::Ping(b"alive?".to_vec().into())).unwrap();
    assert_eq!(
        drain(&mut ws, Duration::from_secs(2)),
        0,
        "a stalled node answered"
    );
    let mut rest = TcpStream::connect(("127.0.0.1", sim.port)).unwrap();
    rest.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    rest.write_all(b"GET /ob/notifications HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = [0u8; 16];
    assert!(
        rest.read(&mut answer).is_err(),
        "a stalled node answered REST"
    );
    // Resumed: the pong, the REST answer and the story come through, nobody was dropped.
    assert!(sim
        .post("/obtail-sim/resume")
        .starts_with("HTTP/1.1 200 OK"));
    rest.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut resp = Vec::new();
    let _ = rest.read_to_end(&mut resp);
    assert!(resp.starts_with(b"HTTP/1.1 200 OK"));
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    }
    let mut pong = false;
    for _ in 0..2000 {
        match ws.read().unwrap() {
            Message::Pong(p) if p.as_ref() == b"alive?" => {
                pong = true;
                break;
            }
            _ => {}
        }
    }
    assert!(pong, "no pong after resume");
    // A timed stall ends by itself.
    assert!(sim
        .post("/obtail-sim/stall?for=1s")
        .starts_with("HTTP/1.1 200 OK"));
    drain(&mut ws, Duration::from_millis(500));
    text(&mut ws);
    assert!(sim
        .post("/obtail-sim/stall?for=soon")
        .starts_with("HTTP/1.1 400"));
}

#[test]
fn sim_stalls_on_a_schedule() {
    let sim = sim(&["--speed", "0", "--stall", "1s:2s"]);
    let mut ws = sim.connect(&[]).unwrap();
    // Somewhere in the first seconds there is a silence of about two seconds.
    let start = Instant::now();
    let mut longest = Duration::ZERO;
    let mut last = Instant::now();
    while start.elapsed() < Duration::from_secs(8) {
        text(&mut ws);
        longest = longest.max(last.elapsed());
        last = Instant::now();
    }
    assert!(
        longest >= Duration::from_millis(1500),
        "longest gap {longest:?}"
    );
    let e = std::process::Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["sim", "--stall", "10s"])
        .output()
        .unwrap();
    assert_eq!(e.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&e.stderr).contains("want EVERY:FOR"));
}

// ---- slow clients ---------------------------------------------------------------------------

/// A websocket client made by hand: upgraded, then whatever the test does with the socket.
fn raw_upgrade(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(upgrade_request(port, "").as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"));
    s
}

/// A client's text frame: masked, as clients must send.
fn masked_text(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x81];
    match payload.len() {
        n if n < 126 => f.push(0x80 | n as u8),
        n if n <= 0xFFFF => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(0x80 | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let key = [0x12, 0x34, 0x56, 0x78];
    f.extend_from_slice(&key);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    f
}

fn count_burst(text: &str) -> usize {
    usize::from(text.starts_with("{\"burst\":"))
}

#[test]
fn sim_drops_only_the_client_that_stopped_reading() {
    const N: usize = 20_000;
    let sim = sim(&["--speed", "1"]);
    let stalled = raw_upgrade(sim.port);
    // Connected before the burst starts, so every frame of it is for this client too.
    let mut ws = sim.connect(&[]).unwrap();
    let reading = std::thread::spawn(move || read_count(&mut ws, N, count_burst));
    // The sender reads its own echoes on one thread while it sends on another.
    let sender = raw_upgrade(sim.port);
    let mut out = sender.try_clone().unwrap();
    let sending = std::thread::spawn(move || {
        let pad = "x".repeat(1000);
        for i in 0..N {
            out.write_all(&masked_text(
                format!("{{\"burst\":{i},\"pad\":\"{pad}\"}}").as_bytes(),
            ))
            .unwrap();
        }
    });
    let mut echoes = WebSocket::from_raw_socket(
        MaybeTlsStream::Plain(sender),
        tungstenite::protocol::Role::Client,
        None,
    );
    let (mine, end) = read_count(&mut echoes, N, count_burst);
    sending.join().unwrap();
    assert_eq!((mine, end), (N, None), "the sending client lost its echoes");
    let (theirs, end) = reading.join().unwrap();
    assert_eq!((theirs, end), (N, None), "the reading client was dropped");
    // The stalled one: what the kernel held, then the end, with no close frame.
    let mut stalled = stalled;
    stalled
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut got = Vec::new();
    let ended = stalled.read_to_end(&mut got);
    assert!(
        ended.is_ok()
            || ended
                .as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "{ended:?}"
    );
    let frames = memchr_count(&got, b"{\"burst\":");
    eprintln!("the stalled client got {frames} of {N} burst frames before it was dropped");
    assert!(frames < N, "the stalled client got all {frames} frames");
    assert!(!got.windows(2).any(|w| w == [0x88, 0x02]), "a close frame");
}

fn memchr_count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// Reads until `count` has added up to `want` (`None`) or the connection ends (`Some`),
/// within two minutes.
fn read_count(ws: &mut Ws, want: usize, count: impl Fn(&str) -> usize) -> (usize, Option<End>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut n = 0;
    while n < want {
        assert!(Instant::now() < deadline, "too slow: {n} of {want}");
        match ws.read() {
            Ok(Message::Text(t)) => n += count(t.as_str()),
            Ok(Message::Close(f)) => {
                return (n, Some(End::Close(f.map_or(1005, |f| u16::from(f.code)))))
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (n, Some(End::Reset)),
        }
    }
    (n, None)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn sim_memory_stays_bounded_under_a_client_that_sends_and_never_reads() {
    let sim = sim(&["--speed", "1"]);
    let mut flood = raw_upgrade(sim.port);
    let frame = masked_text(&vec![b'a'; 256 * 1024]);
    let pid = sim.child.id();
    let mut peak = 0;
    let mut sent = 0usize;
    let deadline = Instant::now() + Duration::from_secs(120);
    let dropped = loop {
        if Instant::now() > deadline {
            break false;
        }
        if flood.write_all(&frame).is_err() {
            break true;
        }
        sent += frame.len();
        peak = peak.max(rss_kib(pid));
    };
    peak = peak.max(rss_kib(pid));
    assert!(dropped, "never dropped after {} MiB", sent >> 20);
    // Two bounded queues (its own and nobody else's) plus one message being read.
    assert!(peak < 300 * 1024, "the sim grew to {} MiB", peak / 1024);
    // And it still serves others.
    let mut ws = sim.connect(&[]).unwrap();
    text(&mut ws);
}

// ---- --frames -------------------------------------------------------------------------------

/// The frames of a recording, each as a client must receive it, and the recording's text in
/// three formats: `--record` lines, NDJSON, and the node's pretty frames.
fn recordings() -> (Vec<String>, [String; 3]) {
    let frames: Vec<String> = vec![
        "{\n    \"status\": \"publishing\"\n}".into(),
        "{\n    \"notification\": {\n        \"notificationId\": \"QmX\",\n        \"peerId\": \"QmY\",\n        \"type\": \"follow\"\n    }\n}".into(),
        "{\n    \"message\": {\n        \"message\": \"h\u{e9}llo \\u003cb\\u003e\",\n        \"peerId\": \"QmY\"\n    }\n}".into(),
        "{\n    \"status\": \"publish complete\"\n}".into(),
    ];
    let compact: Vec<String> = frames
        .iter()
        .map(|f| serde_json::to_string(&serde_json::from_str::<Value>(f).unwrap()).unwrap())
        .collect();
    let record = compact
        .iter()
        .enumerate()
        .map(|(i, f)| {
            format!(
                "{{\"time\":\"2026-12-02T00:00:0{i}.250000Z\",\"source\":\"ws://127.0.0.1:4002/ws\",\"frame\":{f}}}\n"
            )
        })
        .collect();
    let ndjson = compact.iter().map(|f| format!("{f}\n")).collect();
    let pretty = frames.join("\n");
    (frames, [record, ndjson, pretty])
}

fn frames_sim(text: &str, extra: &[&str]) -> (Sim, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec");
    std::fs::write(&path, text).unwrap();
    let mut args = vec!["--frames", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    (sim(&args), dir)
}

fn all_frames(ws: &mut Ws) -> (Vec<String>, End) {
    let mut got = Vec::new();
    let end = read_to_end(ws, Duration::from_secs(30), |t| got.push(t.to_string()));
    (got, end)
}

#[test]
fn sim_frames_serves_each_format_byte_for_byte_from_the_first_frame() {
    let (frames, [record, ndjson, pretty]) = recordings();
    let compact: Vec<String> = frames
        .iter()
        .map(|f| serde_json::to_string(&serde_json::from_str::<Value>(f).unwrap()).unwrap())
        .collect();
    for (text, want) in [(&record, &compact), (&ndjson, &compact), (&pretty, &frames)] {
        let (sim, _dir) = frames_sim(text, &["--speed", "0"]);
        // Every client gets the whole recording, from its first frame, then a clean close.
        for _ in 0..2 {
            let mut ws = sim.connect(&[]).unwrap();
            assert_eq!(all_frames(&mut ws), (want.clone(), End::Close(1000)));
        }
    }
    // stdin works the same way.
    let sim = sim_fed(&["--frames", "-", "--speed", "0"], Some(&pretty));
    let mut ws = sim.connect(&[]).unwrap();
    assert_eq!(all_frames(&mut ws), (frames.clone(), End::Close(1000)));
}

#[test]
fn sim_frames_keeps_the_recorded_pace_scaled_by_speed_and_loops() {
    let (frames, [record, ndjson, _]) = recordings();
    let n = frames.len();
    // Recorded 1 s apart: at --speed 4, about 0.75 s in all (never less).
    let (sim, _dir) = frames_sim(&record, &["--speed", "4"]);
    let mut ws = sim.connect(&[]).unwrap();
    let start = Instant::now();
    let (got, end) = all_frames(&mut ws);
    assert_eq!((got.len(), end), (n, End::Close(1000)));
    assert!(
        start.elapsed() >= Duration::from_millis(700),
        "{:?}",
        start.elapsed()
    );
    // --loop starts over instead of closing.
    let (sim, _dir) = frames_sim(&ndjson, &["--speed", "0", "--loop"]);
    let mut ws = sim.connect(&[]).unwrap();
    let got: Vec<String> = (0..3 * n + 1).map(|_| text(&mut ws)).collect();
    assert_eq!(got[..n], got[n..2 * n]);
    assert_eq!(got[0], got[3 * n]);
    // A client that reads nothing does not hold the others back at --speed 0.
    let _idle = raw_upgrade(sim.port);
    let mut other = sim.connect(&[]).unwrap();
    for _ in 0..10_000 {
        text(&mut other);
    }
}

#[test]
fn sim_frames_refuses_an_empty_recording_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["sim", "--listen", "127.0.0.1:0", "--frames"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no frames in it"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--frames",
            "/nonexistent/rec",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/rec"));
}

// ---- a clean end ----------------------------------------------------------------------------

/// `obtail sim` with its stderr kept, for tests of how it ends.
fn sim_keeping_stderr(extra: &[&str]) -> (Child, u16, BufReader<std::process::ChildStderr>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["sim", "--listen", "127.0.0.1:0", "--seed", "7"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let port = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    (child, port, err)
}

fn wait_exit(child: &mut Child) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sim_duration_ends_cleanly_with_1001_and_exit_0() {
    let (mut child, port, mut err) = sim_keeping_stderr(&["--duration", "2s"]);
    let (mut ws, _) = tungstenite::connect(format!("ws://127.0.0.1:{port}/ws")).unwrap();
    let mut n = 0;
    assert_eq!(
        read_to_end(&mut ws, Duration::from_secs(30), |_| n += 1),
        End::Close(1001)
    );
    assert_eq!(wait_exit(&mut child), Some(0));
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(
        rest,
        "obtail sim: --duration is over; closed 1 client(s) with 1001 (going away)\n"
    );
}

#[test]
fn sim_ctrl_c_ends_cleanly_with_1001_and_exit_130() {
    let (mut child, port, mut err) = sim_keeping_stderr(&["--speed", "5"]);
    let (mut ws, _) = tungstenite::connect(format!("ws://127.0.0.1:{port}/ws")).unwrap();
    text(&mut ws);
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(
        read_to_end(&mut ws, Duration::from_secs(30), |_| {}),
        End::Close(1001)
    );
    assert_eq!(wait_exit(&mut child), Some(130));
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert!(
        rest.contains("obtail sim: interrupted; closed 1 client(s) with 1001"),
        "{rest}"
    );
}

#[test]
fn sim_end_lets_a_no_reconnect_client_exit_0() {
    let (mut sim, port, _err) = sim_keeping_stderr(&["--speed", "20", "--duration", "2s"]);
    let out = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .arg(format!("ws://127.0.0.1:{port}/ws"))
        .args(["--no-reconnect", "-o", "ndjson"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(wait_exit(&mut sim), Some(0));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
}

#[test]
fn sim_frames_serves_large_frames_whole() {
    let big = format!("{{\"memo\":\"{}\"}}", "é".repeat(150_000));
    let small = "{\"a\":1}".to_string();
    let text = format!("{small}\n{big}\n{small}\n");
    let (sim, _dir) = frames_sim(&text, &["--speed", "0"]);
    let mut ws = sim.connect(&[]).unwrap();
    assert_eq!(
        all_frames(&mut ws),
        (vec![small.clone(), big, small], End::Close(1000))
    );
}

#[test]
fn sim_ctrl_c_while_stalled_still_closes_cleanly() {
    let (mut child, port, _err) = sim_keeping_stderr(&["--speed", "0", "--stall", "1s:30s"]);
    let (mut ws, _) = tungstenite::connect(format!("ws://127.0.0.1:{port}/ws")).unwrap();
    text(&mut ws);
    std::thread::sleep(Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(
        read_to_end(&mut ws, Duration::from_secs(30), |_| {}),
        End::Close(1001)
    );
    assert_eq!(wait_exit(&mut child), Some(130));
}

// ---- the present -----------------------------------------------------------------------------

/// `obtail sim` on a free port, in the time zone `tz`.
fn sim_in(tz: &str, extra: &[&str]) -> Sim {
    Sim::launch(7, "127.0.0.1:0", extra, None, &[("TZ", tz)])
}

/// An RFC 3339 time's offset from UTC, in seconds.
fn offset_of(stamp: &str) -> i32 {
    chrono::DateTime::parse_from_rfc3339(stamp)
        .unwrap_or_else(|e| panic!("{stamp}: {e}"))
        .offset()
        .local_minus_utc()
}

#[test]
fn sim_lives_in_the_present_in_the_nodes_formats() {
    let sim = sim_in("America/New_York", &["--speed", "0"]);
    let frames = sim.advance(300);
    let new_york = |stamp: &str| {
        assert_recent(stamp);
        // Eastern time, standard or daylight: the node's local zone, not UTC.
        assert!(
            [-5 * 3600, -4 * 3600].contains(&offset_of(stamp)),
            "{stamp}"
        );
    };
    let mut stamped = 0;
    for f in &frames {
        for key in ["message", "wallet"] {
            if let Some(t) = f.get(key).map(|m| m["timestamp"].as_str().unwrap()) {
                new_york(t);
                stamped += 1;
            }
        }
    }
    assert!(stamped > 20);
    // Notification rows: whole seconds, UTC, whatever the zone.
    let notes = sim.get_json("/ob/notifications");
    for n in notes["notifications"].as_array().unwrap() {
        let t = n["timestamp"].as_str().unwrap();
        assert_recent(t);
        assert!(t.ends_with('Z') && !t.contains('.'), "{t}");
    }
    // Chat rows: local zone with nanoseconds, as the frames had them.
    let chat = sim.get_json("/ob/chatmessages");
    for m in chat.as_array().unwrap() {
        new_york(m["timestamp"].as_str().unwrap());
    }
    let sent: Vec<&Value> = frames.iter().filter_map(|f| f.get("message")).collect();
    for m in sent.iter().filter(|m| m["subject"] == "") {
        let listed = chat
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["messageId"] == m["messageId"])
            .unwrap();
        assert_eq!(listed["timestamp"], m["timestamp"]);
    }
    // Order rows: whole seconds in the local zone (orders.md §10).
    for list in ["sales", "purchases", "cases"] {
        let rows = sim.get_json(&format!("/ob/{list}"));
        for r in rows[list].as_array().unwrap() {
            let t = r["timestamp"].as_str().unwrap();
            new_york(t);
            assert!(!t.contains('.'), "{t}");
        }
    }
}

#[test]
fn sim_since_finds_its_history() {
    let sim = sim(&["--speed", "0"]);
    let listed = sim.advance(300);
    assert!(listed.iter().any(|f| f.get("notification").is_some()));
    let out = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["--since", "2h", "--envelope", "-t", "notification"])
        .args(["-n", "5", "--timeout", "20s", &sim.url()])
        .env_remove("OBTAIL_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 5, "{stdout}");
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["recovered"], true, "not from the node's history: {line}");
        assert_recent(v["time"].as_str().unwrap());
    }
}

// ---- a node up before its client ---------------------------------------------------------------

/// A port nobody listens on (for now).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What the node stored: `(notification ids, incoming direct chat, incoming order chat)`.
fn stored(sim: &Sim) -> (usize, usize, usize) {
    let store = sim.get_json("/obtail-sim/store");
    let chat = store["chat"].as_array().unwrap();
    let incoming = |direct: bool| {
        chat.iter()
            .filter(|m| m["outgoing"] == false && (m["subject"] == "") == direct)
            .count()
    };
    (
        store["notifications"].as_array().unwrap().len(),
        incoming(true),
        incoming(false),
    )
}

#[test]
fn sim_up_before_stores_its_story_while_refusing_connections() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let launcher = {
        let listen = listen.clone();
        std::thread::spawn(move || Sim::launch(7, &listen, &["--up-before", "3s"], None, &[]))
    };
    // Up, telling its story, and refusing connections, as a node whose client started first.
    let mut refused = 0;
    while started.elapsed() < Duration::from_millis(2500) {
        match TcpStream::connect(("127.0.0.1", port)) {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => refused += 1,
            other => panic!("connected before the listener opened: {other:?}"),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(refused > 10);
    let sim = launcher.join().unwrap();
    let opened = chrono::Utc::now();
    assert!(started.elapsed() >= Duration::from_secs(3));
    let (notes, direct, order) = stored(&sim);
    assert!(
        notes >= 3 && direct >= 1 && order >= 1,
        "stored before listening: {notes} notifications, {direct} direct and {order} order messages"
    );
    // All of it was told before anyone could connect.
    let sent = sim.get_json("/obtail-sim/sent");
    let sent = sent.as_array().unwrap();
    assert!(sent.len() >= notes);
    for s in sent {
        let at = chrono::DateTime::parse_from_rfc3339(s["at"].as_str().unwrap()).unwrap();
        assert!(at < opened, "{s}");
    }
    // Then it serves like any node, at its own pace from where its story is, with no pause
    // to catch up.
    let mut ws = sim.connect(&[]).unwrap();
    let wait = Instant::now();
    kind_of(&text(&mut ws));
    assert!(wait.elapsed() < Duration::from_secs(5));
}

#[test]
fn sim_up_before_at_full_speed_tells_that_much_story_at_once() {
    let started = Instant::now();
    let sim = sim(&["--speed", "0", "--up-before", "60s"]);
    assert!(started.elapsed() < Duration::from_secs(20));
    let (notes, direct, order) = stored(&sim);
    assert!(
        notes >= 15 && direct >= 1 && order >= 3,
        "{notes} {direct} {order}"
    );
    // Nothing more is told until a client reads.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(stored(&sim), (notes, direct, order));
    let e = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["sim", "--up-before", "soon"])
        .output()
        .unwrap();
    assert_eq!(e.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&e.stderr).contains("--up-before: invalid duration 'soon'"));
}

// ---- order lists -----------------------------------------------------------------------------

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The top-level keys of a list's rows.
fn row_keys(list: &Value, key: &str) -> Vec<Vec<String>> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_object().unwrap().keys().cloned().collect())
        .collect()
}

impl Sim {
    fn post_json(&self, target: &str, body: &str) -> (Vec<String>, String) {
        head_and_body(&self.http(&format!(
            "POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )))
    }
}

#[test]
fn sim_order_lists_answer_like_the_real_node() {
    let sim = sim(&["--speed", "0"]);
    sim.advance(600);
    // Rows have the real node's keys and value types, in its layout, newest first.
    for (list, real) in [
        ("sales", "orders/22-A-sales"),
        ("purchases", "orders/34-B-purchases"),
    ] {
        let (head, body) = sim.get(&format!("/ob/{list}"));
        assert_eq!(head, real_head(&body), "{list}");
        assert_node_text(&body);
        let v = json_of(&body);
        let rows = v[list].as_array().unwrap();
        assert!(rows.len() > 5, "{list}: {}", rows.len());
        assert_eq!(v["queryCount"], rows.len());
        let real = json_of(&real_answer(real).1);
        for r in rows {
            assert_eq!(shape(r), shape(&real[list][0]), "{list}: {r}");
        }
        let times: Vec<i64> = rows
            .iter()
            .map(|r| {
                chrono::DateTime::parse_from_rfc3339(r["timestamp"].as_str().unwrap())
                    .unwrap()
                    .timestamp()
            })
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    }
    // Cases: repo.Case's fields.
    let cases = sim.get_json("/ob/cases");
    assert!(cases["queryCount"].as_u64().unwrap() > 0);
    for keys in row_keys(&cases, "cases") {
        assert_eq!(
            keys,
            [
                "buyerHandle",
                "buyerId",
                "buyerOpened",
                "caseId",
                "coinType",
                "paymentCoin",
                "read",
                "slug",
                "state",
                "thumbnail",
                "timestamp",
                "title",
                "total",
                "unreadChatMessages",
                "vendorHandle",
                "vendorId"
            ]
        );
    }
    // Empty lists, errors and the prefix route, byte for byte.
    for (target, real) in [
        ("/ob/sales?state=2", "orders/03-A-sales-empty"),
        ("/ob/purchases?state=2", "orders/04-A-purchases-empty"),
        ("/ob/cases?state=2", "orders/05-A-cases-empty"),
        ("/ob/sales?search=zzzz", "orders/28-A-sales-search-nomatch"),
        ("/ob/sales?limit=abc", "orders/09-A-sales-badlimit"),
        ("/ob/sales?state=x", "orders/10-A-sales-badstate"),
        ("/ob/purchases?state=x", "orders/12-B-purchases-badstate"),
        ("/ob/cases?limit=abc", "orders/13-A-cases-badlimit"),
    ] {
        assert_eq!(sim.get(target), real_answer(real), "{target}");
    }
    assert_eq!(sim.get("/ob/sales/anything"), sim.get("/ob/sales"));
    let all = sim.get_json("/ob/sales");
    let rows = all["sales"].as_array().unwrap();
    let n = rows.len();
    let with_count = |real: &str| real_answer(real).1.replace('3', &n.to_string());
    // limit cuts the rows, never the count; limit=0 and a POST without limit list none.
    let one = sim.get_json("/ob/sales?limit=1");
    assert_eq!(one["sales"].as_array().unwrap()[..], rows[..1]);
    assert_eq!(one["queryCount"], n);
    assert_eq!(
        sim.get("/ob/sales?limit=0").1,
        with_count("orders/30-A-sales-limit0")
    );
    assert_eq!(
        sim.post_json("/ob/sales", "{}").1,
        with_count("orders/31-A-sales-post-nolimit")
    );
    assert_eq!(
        sim.post_json("/ob/sales", "{bad"),
        real_answer("orders/82-A-sales-post-badjson")
    );
    // POST pages by exclude; queryCount ignores it.
    let first = rows[0]["orderId"].as_str().unwrap();
    let (_, rest) = sim.post_json(
        "/ob/sales",
        &format!(r#"{{"limit":-1,"exclude":["{first}"],"sortByAscending":true}}"#),
    );
    let rest = json_of(&rest);
    let mut want: Vec<Value> = rows[1..].to_vec();
    want.reverse();
    assert_eq!(rest["sales"].as_array().unwrap(), &want);
    assert_eq!(rest["queryCount"], n);
    // data-asc is the same rows oldest first; read puts unread rows first.
    let asc = sim.get_json("/ob/sales?sortBy=DATA-ASC");
    let mut reversed = rows.clone();
    reversed.reverse();
    assert_eq!(asc["sales"].as_array().unwrap(), &reversed);
    let by_read = sim.get_json("/ob/purchases?sortBy=read");
    let reads: Vec<bool> = by_read["purchases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["read"].as_bool().unwrap())
        .collect();
    assert!(reads.windows(2).all(|w| w[0] <= w[1]), "{reads:?}");
    assert!(reads.contains(&true) && reads.contains(&false), "{reads:?}");
    // state takes a comma list of integers; search is a case-blind substring.
    let done = sim.get_json("/ob/sales?state=6,7");
    let done_rows = done["sales"].as_array().unwrap();
    let want = rows
        .iter()
        .filter(|r| r["state"] == "COMPLETED" || r["state"] == "CANCELED")
        .count();
    assert!(want > 0);
    assert_eq!(
        (done_rows.len(), done["queryCount"].as_u64()),
        (want, Some(want as u64))
    );
    let found = sim.get_json(&format!("/ob/sales?search={}", first.to_lowercase()));
    assert_eq!(found["sales"].as_array().unwrap()[..], rows[..1]);
    let handle = rows[0]["buyerHandle"].as_str().unwrap().to_string();
    let by_handle = sim.get_json(&format!("/ob/sales?search={}", handle.to_uppercase()));
    let matched = by_handle["sales"].as_array().unwrap();
    assert!(rows
        .iter()
        .filter(|r| r["buyerHandle"] == handle.as_str())
        .all(|r| matched.contains(r)));
}

#[test]
fn sim_order_lists_follow_the_story() {
    let sim = sim(&["--speed", "0"]);
    sim.advance(800);
    let rows: Vec<(String, Value)> = ["sales", "purchases", "cases"]
        .iter()
        .flat_map(|list| {
            let v = sim.get_json(&format!("/ob/{list}"));
            v[*list]
                .as_array()
                .unwrap()
                .clone()
                .into_iter()
                .map(|r| (list.to_string(), r))
        })
        .collect();
    let find = |id: &str| {
        rows.iter()
            .find(|(_, r)| r["orderId"] == id || r["caseId"] == id)
            .unwrap_or_else(|| panic!("no order {id}"))
    };
    // The last notification about an order says where the node left it.
    let notes = sim.get_json("/ob/notifications");
    let mut last: std::collections::HashMap<String, String> = Default::default();
    for n in notes["notifications"].as_array().unwrap().iter().rev() {
        let n = &n["notification"];
        if let Some(id) = n["orderId"].as_str() {
            last.insert(id.to_string(), n["type"].as_str().unwrap().to_string());
        }
    }
    let mut checked = 0;
    for (id, ty) in &last {
        let (list, row) = find(id);
        let state = row["state"].as_str().unwrap();
        let ok = match (list.as_str(), ty.as_str()) {
            ("sales", "orderComplete") => state == "COMPLETED",
            ("sales", "cancel") => state == "CANCELED",
            // Fulfilled by the node itself, which tells nobody.
            ("sales", "order") => ["AWAITING_FULFILLMENT", "PENDING", "FULFILLED"].contains(&state),
            ("purchases", "refund") => state == "REFUNDED",
            ("purchases", "orderDeclined") => state == "DECLINED",
            ("purchases", "processingError") => state == "PROCESSING_ERROR",
            ("purchases", "disputeAccepted") => state == "RESOLVED",
            ("purchases", "disputeClose") => state == "DECIDED",
            // Rated by the node itself, which tells nobody.
            ("purchases", "vendorFinalizedPayment") => {
                ["PAYMENT_FINALIZED", "COMPLETED"].contains(&state)
            }
            ("cases", "disputeUpdate" | "disputeOpen") => ["DISPUTED", "RESOLVED"].contains(&state),
            _ => continue,
        };
        assert!(ok, "{list} {id}: last told {ty}, listed {state}");
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
    // Silent moves happened: the store's history shows states no notification names.
    let store = sim.get_json("/obtail-sim/store");
    let histories: Vec<(String, Vec<String>)> = store["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let states = o["history"].as_array().unwrap().iter();
            (
                o["list"].as_str().unwrap().to_string(),
                states
                    .map(|h| h["state"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    for (list, states) in &histories {
        if list != "cases" {
            assert_eq!(states[0], "AWAITING_PAYMENT", "created unpaid, silently");
        }
    }
    assert!(histories
        .iter()
        .any(|(l, s)| l == "sales" && s.contains(&"FULFILLED".into())));
    // Unread chat counts come from the chat table: incoming, unread, about that order.
    let mut with_chat = 0;
    for (_, r) in &rows {
        let id = r["orderId"].as_str().or(r["caseId"].as_str()).unwrap();
        let chat = sim.get_json(&format!("/ob/chatmessages?subject={id}"));
        let unread = chat
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["outgoing"] == false && m["read"] == false)
            .count();
        assert_eq!(r["unreadChatMessages"], unread, "{id}");
        with_chat += usize::from(unread > 0);
    }
    assert!(with_chat > 3);
}

// ---- hostile chat ----------------------------------------------------------------------------

/// What the node's sanitizer makes of a stored text (protocol.md §9.4).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('\'', "&#39;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
}

/// A query value as a client puts it on the wire.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["messageId"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sim_hostile_chat_is_stored_raw_and_answered_escaped() {
    // Slow enough that the story says nothing meanwhile.
    let sim = sim(&["--speed", "0.001"]);
    let mut ws = sim.connect(&[]).unwrap();
    let resp = sim.post("/obtail-sim/hostile-chat?n=32");
    assert!(
        resp.starts_with("HTTP/1.1 200 OK") && resp.ends_with("sent 32\n"),
        "{resp}"
    );
    let frames: Vec<String> = (0..32).map(|_| text(&mut ws)).collect();
    let store = sim.get_json("/obtail-sim/store");
    let raw = store["chat"].as_array().unwrap();
    assert_eq!(raw.len(), 32);
    // Frames carry the stored text escaped, in Go's JSON (`&` as \u0026), as the real node
    // answered `Great, paying soon & thanks <b>!</b>` (it keeps the tags its sanitizer
    // allows, such as <b>; the sim escapes every `<`, as it does for `<3`).
    let real = real_answer("orders/55-A-chatmessages-peer-subject").1;
    let real_text = "paying soon \\u0026amp; thanks ";
    assert!(real.contains(real_text), "{real}");
    for (f, r) in frames.iter().zip(raw) {
        assert!(f.contains(&format!("{real_text}\\u0026lt;3")), "{f}");
        let m = &json_of(f)["message"];
        assert_eq!(
            m["messageId"],
            escape(r["messageId"].as_str().unwrap()).as_str()
        );
        assert_eq!(
            m["subject"],
            escape(r["subject"].as_str().unwrap()).as_str()
        );
        assert_eq!(m["timestamp"], r["timestamp"]);
        assert!(!f.contains(['<', '>', '&']), "{f}");
    }
    let raw_ids: Vec<&str> = raw
        .iter()
        .map(|m| m["messageId"].as_str().unwrap())
        .collect();
    let raw_subjects: Vec<&str> = raw.iter().map(|m| m["subject"].as_str().unwrap()).collect();
    for c in ['\'', '&', '<', '"', ' '] {
        assert!(raw_ids.iter().any(|s| s.contains(c)), "no id with {c:?}");
        assert!(
            raw_subjects.iter().any(|s| s.contains(c)),
            "no subject with {c:?}"
        );
    }
    assert!(raw_ids.iter().any(|s| s.len() == 500) && raw_subjects.iter().any(|s| s.len() == 500));
    assert!(
        raw_ids.iter().any(|s| s.starts_with("Qm") && s.len() == 46),
        "ordinary ones too"
    );

    // The direct list, newest first, escaped.
    let direct: Vec<&Value> = raw.iter().filter(|m| m["subject"] == "").rev().collect();
    let listed = sim.get_json("/ob/chatmessages");
    let want: Vec<String> = direct
        .iter()
        .map(|m| escape(m["messageId"].as_str().unwrap()))
        .collect();
    assert_eq!(ids(&listed), want);
    // offsetId is compared with the stored id: the raw one pages on, the escaped one
    // matches nothing, and one holding a quote breaks the node's statement.
    let pages =
        |id: &str| ids(&sim.get_json(&format!("/ob/chatmessages?offsetId={}", percent(id))));
    let (at, amp) = direct
        .iter()
        .enumerate()
        .find(|(_, m)| {
            let id = m["messageId"].as_str().unwrap();
            id.contains('&') && !id.contains('\'')
        })
        .expect("a direct id with & and no quote");
    let amp = amp["messageId"].as_str().unwrap();
    assert_eq!(pages(amp), want[at + 1..]);
    assert!(pages(&escape(amp)).is_empty());
    let quoted = direct
        .iter()
        .map(|m| m["messageId"].as_str().unwrap())
        .find(|id| id.contains('\''))
        .expect("a direct id with a quote");
    assert!(pages(quoted).is_empty());
    // A subject is compared the same way; the answer names the subject asked for, escaped.
    let subject = raw_subjects
        .iter()
        .find(|s| s.contains(['&', '<', ' ']) && !s.contains('\''))
        .expect("a subject with no quote");
    let about = sim.get_json(&format!("/ob/chatmessages?subject={}", percent(subject)));
    let about = about.as_array().unwrap();
    assert!(!about.is_empty());
    assert!(about
        .iter()
        .all(|m| m["subject"] == escape(subject).as_str()));
    let quoted = raw_subjects.iter().find(|s| s.contains('\'')).unwrap();
    let none = sim.get(&format!("/ob/chatmessages?subject={}", percent(quoted)));
    assert_eq!(none.1, "[]");
    // Every request line was logged as sent.
    let requests = sim.get_json("/obtail-sim/requests");
    let last = requests.as_array().unwrap().last().unwrap();
    assert_eq!(
        last,
        &format!("GET /ob/chatmessages?subject={}", percent(quoted)).as_str()
    );
    let bad = sim.post("/obtail-sim/hostile-chat?n=lots");
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
}

#[test]
fn sim_hostile_chat_in_the_story() {
    let sim = sim(&["--speed", "0", "--hostile-chat"]);
    let frames = sim.advance(400);
    let told: Vec<&Value> = frames.iter().filter_map(|f| f.get("message")).collect();
    let escaped = |m: &&Value| {
        let id = m["messageId"].as_str().unwrap();
        ["&#39;", "&amp;", "&lt;", "&#34;", " "]
            .iter()
            .any(|e| id.contains(e))
    };
    assert!(told.iter().filter(|m| escaped(m)).count() >= 4, "{told:?}");
    let store = sim.get_json("/obtail-sim/store");
    let raw = store["chat"].as_array().unwrap();
    for m in told.iter().filter(|m| escaped(m)) {
        assert!(
            raw.iter()
                .any(|r| escape(r["messageId"].as_str().unwrap())
                    == m["messageId"].as_str().unwrap()),
            "{m}"
        );
    }
    let e = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["sim", "--hostile-chat", "--frames", "x.ndjson"])
        .output()
        .unwrap();
    assert_eq!(e.status.code(), Some(2));
}

// ---- REST faults -----------------------------------------------------------------------------

/// Sends one request and reads for `quiet`: the bytes that came in that time.
fn ask(port: u16, target: &str) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(
        format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .unwrap();
    s
}

fn read_for(s: &mut TcpStream, quiet: Duration) -> Vec<u8> {
    let deadline = Instant::now() + quiet;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    got
}

fn read_all(s: &mut TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8(out).unwrap()
}

impl Sim {
    fn fault(&self, query: &str) {
        let resp = self.post(&format!("/obtail-sim/rest-fault?{query}"));
        assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp}");
    }
}

#[test]
fn sim_rest_that_fails_hangs_or_drips_leaves_the_socket_alone() {
    let sim = sim(&["--speed", "5"]);
    let mut ws = sim.connect(&[]).unwrap();
    sim.fault("mode=error");
    for target in ["/ob/notifications", "/ob/chatmessages", "/ob/sales"] {
        let (head, body) = sim.get(target);
        assert_eq!(head[0], "HTTP/1.1 500 Internal Server Error");
        assert_eq!(
            body,
            "{\n    \"success\": false,\n    \"reason\": \"database is locked\"\n}"
        );
    }
    // Only /ob/: the socket, other paths and the controls go on.
    kind_of(&text(&mut ws));
    assert!(sim.get("/ipfs/x").0[0].starts_with("HTTP/1.1 404"));
    assert!(sim.get_json("/obtail-sim/store").is_object());

    // hang: the request is read and nothing answered until the fault ends.
    sim.fault("mode=hang&for=1500ms");
    let started = Instant::now();
    let mut hung = ask(sim.port, "/ob/notifications?limit=1");
    assert!(
        read_for(&mut hung, Duration::from_millis(700)).is_empty(),
        "a hanging node answered"
    );
    kind_of(&text(&mut ws));
    let late = read_all(&mut hung);
    assert!(late.starts_with("HTTP/1.1 200 OK"), "{late}");
    assert!(started.elapsed() >= Duration::from_millis(1400));

    // drip: one byte every half second, the rest at once when the fault ends.
    sim.fault("mode=drip");
    let mut slow = ask(sim.port, "/ob/chatconversations");
    let first = read_for(&mut slow, Duration::from_millis(1300));
    assert!((2..=4).contains(&first.len()), "{first:?}");
    assert!(b"HTTP/1.1 200 OK".starts_with(&first));
    kind_of(&text(&mut ws));
    sim.fault("mode=none");
    let rest = read_all(&mut slow);
    let whole = format!("{}{rest}", String::from_utf8(first).unwrap());
    let (head, body) = head_and_body(&whole);
    assert_eq!(head[0], "HTTP/1.1 200 OK");
    json_of(&body);
    assert!(sim.get("/ob/notifications").0[0].ends_with("200 OK"));
    let bad = sim.post("/obtail-sim/rest-fault?mode=slow");
    assert!(
        bad.starts_with("HTTP/1.1 400") && bad.contains("want hang, drip"),
        "{bad}"
    );
}

fn note_ids(page: &Value) -> Vec<String> {
    page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            n["notification"]["notificationId"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn sim_rest_that_pages_without_end_floods_or_overflows() {
    let sim = sim(&["--speed", "0"]);
    sim.advance(400);
    let store = sim.get_json("/obtail-sim/store");
    let stored: std::collections::HashSet<&str> = store["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();

    // endless: offsetId is ignored, so the next page is the first again.
    sim.fault("mode=endless");
    let first = sim.get_json("/ob/notifications?limit=5");
    let last = note_ids(&first)[4].clone();
    let next = sim.get_json(&format!("/ob/notifications?limit=5&offsetId={last}"));
    assert_eq!(next, first);
    let chat = sim.get_json("/ob/chatmessages?limit=3");
    let oldest = ids(&chat)[2].clone();
    assert_eq!(
        sim.get_json(&format!("/ob/chatmessages?limit=3&offsetId={oldest}")),
        chat
    );
    sim.fault("mode=none");
    let next = sim.get_json(&format!("/ob/notifications?limit=5&offsetId={last}"));
    assert!(note_ids(&next)
        .iter()
        .all(|id| !note_ids(&first).contains(id)));

    // flood: full pages of rows nobody stored, never twice.
    sim.fault("mode=flood");
    let a = sim.get_json("/ob/notifications?limit=50");
    let b = sim.get_json(&format!("/ob/notifications?limit=50&offsetId={last}"));
    let (a, b) = (note_ids(&a), note_ids(&b));
    assert_eq!((a.len(), b.len()), (50, 50));
    assert!(a.iter().chain(&b).all(|id| !stored.contains(id.as_str())));
    assert!(a.iter().all(|id| !b.contains(id)));
    let c = sim.get_json("/ob/chatmessages?limit=20&offsetId=QmWhatever");
    assert_eq!(ids(&c).len(), 20);
    let sales = sim.get_json("/ob/sales");
    assert_eq!(sales["sales"].as_array().unwrap().len(), 1000);

    // huge: a 200 over 20 MiB, chunked, still JSON.
    sim.fault("mode=huge");
    let resp = read_all(&mut ask(sim.port, "/ob/notifications"));
    let (head, body) = split_response(&resp);
    assert!(head.contains("\r\nTransfer-Encoding: chunked") && !head.contains("Content-Length"));
    assert!(body.len() > 20 << 20, "{}", body.len());
    assert!(json_of(&body)["notifications"].as_array().unwrap().len() > 10_000);
    sim.fault("mode=none");
    assert_eq!(
        sim.get_json("/obtail-sim/store")["notifications"],
        store["notifications"]
    );
}

#[test]
fn sim_rest_faults_on_a_schedule() {
    let sim = sim(&["--speed", "5", "--rest-fault", "error:1s:1s"]);
    let (mut failed, mut answered) = (false, false);
    let started = Instant::now();
    while !(failed && answered) && started.elapsed() < Duration::from_secs(8) {
        match sim.get("/ob/notifications").0[0].as_str() {
            "HTTP/1.1 500 Internal Server Error" => failed = true,
            "HTTP/1.1 200 OK" => answered = answered || failed,
            other => panic!("{other}"),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        failed && answered,
        "failed {failed}, then answered {answered}"
    );
    for (spec, says) in [
        (
            "slow:1s:1s",
            "--rest-fault slow:1s:1s: mode 'slow': want hang, drip",
        ),
        ("hang", "--rest-fault hang: want MODE:EVERY:FOR"),
        (
            "none:1s:1s",
            "want a mode: hang, drip, endless, flood, error, huge",
        ),
        ("hang:0s:1s", "EVERY must be longer than 0s"),
    ] {
        let e = Command::new(env!("CARGO_BIN_EXE_obtail"))
            .args(["sim", "--rest-fault", spec])
            .output()
            .unwrap();
        assert_eq!(e.status.code(), Some(2), "{spec}");
        let err = String::from_utf8_lossy(&e.stderr);
        assert!(
            err.contains(says) && err.lines().count() == 1,
            "{spec}: {err}"
        );
    }
}

// ---- partitions and drops ----------------------------------------------------------------------

/// Reads until the connection ends: the text frames and pongs that came, and how it ended.
fn read_out(ws: &mut Ws) -> (usize, usize, End) {
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    }
    let (mut texts, mut pongs) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "the connection did not end");
        match ws.read() {
            Ok(Message::Text(_)) => texts += 1,
            Ok(Message::Pong(_)) => pongs += 1,
            Ok(Message::Close(f)) => {
                return (
                    texts,
                    pongs,
                    End::Close(f.map_or(1005, |f| u16::from(f.code))),
                )
            }
            Ok(_) => {}
            Err(tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
            ))
            | Err(tungstenite::Error::Io(_)) => return (texts, pongs, End::Reset),
            Err(e) => panic!("unexpected end: {e:?}"),
        }
    }
}

#[test]
fn sim_partition_is_silent_then_drops_every_client() {
    let sim = sim(&["--speed", "20"]);
    let mut ws = sim.connect(&[]).unwrap();
    text(&mut ws);
    let before = stored(&sim).0;
    let resp = sim.post("/obtail-sim/partition?for=4s");
    assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp}");
    let started = Instant::now();
    // What was already on the wire may still arrive; then nothing, not even a pong.
    drain(&mut ws, Duration::from_millis(300));
    ws.send(Message::Ping(b"there?".to_vec().into())).unwrap();
    // New connections are taken but answered nothing: no REST, no handshake.
    let mut rest = ask(sim.port, "/ob/notifications?limit=1");
    let mut upgrade = TcpStream::connect(("127.0.0.1", sim.port)).unwrap();
    upgrade
        .write_all(upgrade_request(sim.port, "").as_bytes())
        .unwrap();
    assert!(read_for(&mut rest, Duration::from_millis(800)).is_empty());
    assert!(read_for(&mut upgrade, Duration::from_millis(100)).is_empty());
    // The sim's own controls still answer, and the node goes on storing its story.
    std::thread::sleep(Duration::from_millis(600));
    assert!(stored(&sim).0 > before, "the story stopped");
    assert!(
        started.elapsed() < Duration::from_millis(3800),
        "too slow to check in time"
    );
    // When it ends, the client is dropped with no close frame, having heard nothing.
    let (texts, pongs, end) = read_out(&mut ws);
    assert_eq!((texts, pongs, end), (0, 0, End::Reset));
    assert!(started.elapsed() >= Duration::from_millis(3900));
    // What waited is answered now, and new clients are served.
    assert!(read_all(&mut rest).starts_with("HTTP/1.1 200 OK"));
    assert!(read_for(&mut upgrade, Duration::from_secs(5)).starts_with(b"HTTP/1.1 101"));
    let mut again = sim.connect(&[]).unwrap();
    kind_of(&text(&mut again));
    assert!(sim
        .post("/obtail-sim/partition")
        .starts_with("HTTP/1.1 400"));
}

#[test]
fn sim_drop_cuts_every_client_and_nothing_else() {
    let sim = sim(&["--speed", "20"]);
    let mut a = sim.connect(&[]).unwrap();
    let mut b = sim.connect(&[]).unwrap();
    text(&mut a);
    text(&mut b);
    assert!(sim.post("/obtail-sim/drop").starts_with("HTTP/1.1 200 OK"));
    assert_eq!(read_out(&mut a).2, End::Reset);
    assert_eq!(read_out(&mut b).2, End::Reset);
    let mut c = sim.connect(&[]).unwrap();
    kind_of(&text(&mut c));
    assert!(sim.get("/ob/notifications").0[0].ends_with("200 OK"));
}

// ---- the oracle ------------------------------------------------------------------------------

#[test]
fn sim_oracle_tells_what_it_stored_sent_and_was_asked() {
    let sim = sim(&["--speed", "0", "--user", "u:p"]);
    let auth = format!("Authorization: Basic {}\r\n", base64_encode("u:p"));
    let get = |target: &str| {
        let resp = sim.http(&format!(
            "GET {target} HTTP/1.1\r\n{auth}Connection: close\r\n\r\n"
        ));
        assert!(resp.starts_with("HTTP/1.1 200 OK"), "{target}: {resp}");
        json_of(&split_response(&resp).1)
    };
    // The node's auth, as for its API.
    for what in ["store", "sent", "requests"] {
        assert_forbidden(&sim.http(&format!(
            "GET /obtail-sim/{what} HTTP/1.1\r\nConnection: close\r\n\r\n"
        )));
    }
    let basic = format!("Basic {}", base64_encode("u:p"));
    let mut ws = sim.connect(&[("Authorization", &basic)]).unwrap();
    let frames: Vec<Value> = (0..300).map(|_| json_of(&text(&mut ws))).collect();
    ws.send(Message::text("{\"fake\": {\"messageId\": \"x\"}}"))
        .unwrap();
    read_until(&mut ws, "{\"fake\": {\"messageId\": \"x\"}}");
    let _ = ws.close(None);
    std::thread::sleep(Duration::from_millis(300));

    // sent: every broadcast frame, in order, named by id and kind, with when it went out.
    let sent = get("/obtail-sim/sent");
    let sent = sent.as_array().unwrap();
    let told: Vec<&Value> = sent.iter().filter(|s| s.get("echo").is_none()).collect();
    for (f, s) in frames.iter().zip(&told) {
        let kind = f.as_object().unwrap().keys().next().unwrap();
        let kind = if f.get("id").is_some() {
            "id"
        } else {
            kind.as_str()
        };
        assert_eq!(s["kind"], kind, "{f}");
        let id = f
            .get("notification")
            .map(|n| &n["notificationId"])
            .or(f.get("message").map(|m| &m["messageId"]))
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(s["id"], id, "{f}");
    }
    let times: Vec<&str> = told.iter().map(|s| s["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert_recent(times[0]);
    let echo = sent.iter().find(|s| s.get("echo").is_some()).unwrap();
    assert_eq!(
        (&echo["kind"], &echo["id"]),
        (&Value::from("fake"), &Value::Null)
    );

    // store: the lists' rows, oldest first, raw.
    let store = get("/obtail-sim/store");
    let notes = get("/ob/notifications");
    let mut listed = note_ids(&notes);
    listed.reverse();
    let kept: Vec<&str> = store["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(kept, listed);
    for (k, n) in store["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .zip(notes["notifications"].as_array().unwrap().iter().rev())
    {
        assert_eq!((&k["type"], &k["timestamp"]), (&n["type"], &n["timestamp"]));
    }
    let direct = get("/ob/chatmessages");
    let kept_direct: Vec<&Value> = store["chat"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["subject"] == "")
        .rev()
        .collect();
    assert_eq!(kept_direct.len(), direct.as_array().unwrap().len());
    for (k, m) in kept_direct.iter().zip(direct.as_array().unwrap()) {
        assert_eq!(
            (&k["messageId"], &k["timestamp"], &k["outgoing"]),
            (&m["messageId"], &m["timestamp"], &m["outgoing"])
        );
    }
    assert!(!store["orders"].as_array().unwrap().is_empty());

    // requests: every /ob/ request line as sent, refused ones too; not the controls.
    let _ = sim.http("GET /ob/chatmessages?offsetId=a%27b HTTP/1.1\r\nConnection: close\r\n\r\n");
    let requests = get("/obtail-sim/requests");
    let lines: Vec<&str> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "GET /ob/notifications",
            "GET /ob/chatmessages",
            "GET /ob/chatmessages?offsetId=a%27b"
        ]
    );
    // Reading is GET, acting is POST.
    let wrong = sim.http(&format!(
        "POST /obtail-sim/store HTTP/1.1\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    ));
    assert!(
        wrong.starts_with("HTTP/1.1 405") && wrong.ends_with("use GET\n"),
        "{wrong}"
    );
    let wrong = sim.http(&format!(
        "GET /obtail-sim/drop HTTP/1.1\r\n{auth}Connection: close\r\n\r\n"
    ));
    assert!(
        wrong.starts_with("HTTP/1.1 405") && wrong.ends_with("use POST\n"),
        "{wrong}"
    );
}
