//! The node's HTTP side: request heads, auth, REST routing, the `/ws` upgrade, and the
//! sim's own control endpoints.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, MutexGuard};
use std::thread;
use std::time::Duration;

use base64::Engine as _;
use rustls::{ServerConnection, StreamOwned};

use super::client::{read_loop, write_loop, Wire};
use super::frames::Player;
use super::rest::{self, Query, Reply};
use super::server::{restart, Shared};
use super::SimAuth;

const HEAD_LIMIT: usize = 16 * 1024;
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Where the sim's own controls live: a path no real node serves.
const CONTROL: &str = "/obtail-sim/";

fn lock<T>(m: &std::sync::Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A byte stream with or without TLS on top of `S`.
enum Io<S: Read + Write> {
    Plain(S),
    Tls(Box<StreamOwned<ServerConnection, S>>),
}

impl<S: Read + Write> Read for Io<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Io::Plain(s) => s.read(buf),
            Io::Tls(s) => s.read(buf),
        }
    }
}

impl<S: Read + Write> Write for Io<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Io::Plain(s) => s.write(buf),
            Io::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Io::Plain(s) => s.flush(),
            Io::Tls(s) => s.flush(),
        }
    }
}

struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.header(name)
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

pub(super) fn serve(shared: &Arc<Shared>, tcp: TcpStream) -> io::Result<()> {
    tcp.set_nodelay(true)?;
    tcp.set_read_timeout(Some(HEAD_TIMEOUT))?;
    let mut io = match &shared.tls {
        Some(cfg) => {
            let conn = ServerConnection::new(cfg.clone()).map_err(io::Error::other)?;
            Io::Tls(Box::new(StreamOwned::new(conn, tcp.try_clone()?)))
        }
        None => Io::Plain(tcp.try_clone()?),
    };
    let mut rest = Vec::new();
    // HTTP/1.1 keep-alive: answer requests on this connection until the client is done.
    loop {
        let head = match read_head(&mut io, &mut rest) {
            Ok(Some(head)) => head,
            Ok(None) => return Ok(()),
            Err(e) => return Err(e),
        };
        let Some(req) = parse_head(&head) else {
            return respond_text(&mut io, "400 Bad Request", b"Bad Request\n");
        };
        if req.path == "/ws" {
            return upgrade(shared, io, &req, rest, tcp);
        }
        // A stalled node answers nothing; its controls still work, so a test can resume it.
        if !req.path.starts_with(CONTROL) && !shared.state.wait_while_stalled() {
            return Ok(());
        }
        answer(shared, &mut io, &req)?;
        let has_body = req.header("Content-Length").any(|v| v.trim() != "0")
            || req.header("Transfer-Encoding").next().is_some();
        if has_body || req.has_token("Connection", "close") {
            return Ok(());
        }
    }
}

fn upgrade(
    shared: &Arc<Shared>,
    mut io: Io<TcpStream>,
    req: &Request,
    early: Vec<u8>,
    tcp: TcpStream,
) -> io::Result<()> {
    if !authorized(&shared.auth, req) {
        return respond_forbidden(&mut io);
    }
    let key = req.header("Sec-WebSocket-Key").next().map(str::to_owned);
    let upgrade = req.method == "GET"
        && req.has_token("Connection", "upgrade")
        && req.has_token("Upgrade", "websocket")
        && req
            .header("Sec-WebSocket-Version")
            .any(|v| v.trim() == "13");
    let Some(key) = key.filter(|_| upgrade) else {
        return respond_text(&mut io, "400 Bad Request", b"Bad Request\n");
    };
    if !shared.state.wait_while_stalled() || shared.state.lock().down {
        return Ok(());
    }
    let accept = tungstenite::handshake::derive_accept_key(key.trim().as_bytes());
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    io.write_all(head.as_bytes())?;
    io.flush()?;
    tcp.set_read_timeout(None)?;
    let wire = match io {
        Io::Plain(s) => Wire::plain(s)?,
        Io::Tls(s) => {
            let StreamOwned { conn, sock } = *s;
            Wire::tls(conn, sock)?
        }
    };
    let client = shared.hub.join(wire);
    let player = shared.recording.as_ref().map(|rec| {
        Player::new(
            rec.clone(),
            shared.speed,
            shared.looping,
            shared.state.paused(),
        )
    });
    let (s, c) = (shared.clone(), client.clone());
    thread::spawn(move || write_loop(&s.hub, &c, &s.state, player));
    read_loop(&shared.hub, &client, &shared.state, early);
    Ok(())
}

/// One REST request, routed as the node's gateway and `jsonAPIHandler` route it.
fn answer(shared: &Arc<Shared>, io: &mut Io<TcpStream>, req: &Request) -> io::Result<()> {
    if req.path.starts_with(CONTROL) {
        return control(shared, io, req);
    }
    if !req.path.starts_with("/ob/") {
        return respond_text(io, "404 Not Found", b"404 page not found\n");
    }
    if !authorized(&shared.auth, req) {
        return respond_forbidden(io);
    }
    let head_only = req.method == "HEAD";
    let reply = match req.method.as_str() {
        "GET" | "HEAD" => {
            let query = Query::parse(&req.query);
            let store = lock(&shared.store);
            let path = req.path.as_str();
            if path.starts_with("/ob/chatmessages") {
                store.chat_messages(rest::chat_peer(path), &query)
            } else if path.starts_with("/ob/chatconversations") {
                store.chat_conversations()
            } else if path.starts_with("/ob/notifications") {
                store.notifications(&query)
            } else {
                Reply::not_found()
            }
        }
        // The node's handler answers an OPTIONS request with nothing.
        "OPTIONS" => Reply {
            status: "200 OK",
            body: String::new(),
        },
        _ => Reply::not_found(),
    };
    respond_json(io, &reply, head_only)
}

/// The sim's controls, for tests and scripts: `POST /obtail-sim/stall[?for=DURATION]`,
/// `POST /obtail-sim/resume`, `POST /obtail-sim/restart`. Same auth as the node's API.
fn control(shared: &Arc<Shared>, io: &mut Io<TcpStream>, req: &Request) -> io::Result<()> {
    if !authorized(&shared.auth, req) {
        return respond_forbidden(io);
    }
    if req.method != "POST" {
        return respond_text(io, "405 Method Not Allowed", b"use POST\n");
    }
    let query = Query::parse(&req.query);
    match req.path.trim_start_matches(CONTROL) {
        "stall" => {
            let length = match query.get("for").filter(|v| !v.is_empty()) {
                Some(v) => match crate::units::parse_duration(v) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        return respond_text(
                            io,
                            "400 Bad Request",
                            format!("for: {e}\n").as_bytes(),
                        )
                    }
                },
                None => None,
            };
            shared.state.stall(length);
            respond_text(io, "200 OK", b"stalled\n")
        }
        "resume" => {
            shared.state.resume();
            respond_text(io, "200 OK", b"resumed\n")
        }
        "restart" => {
            respond_text(io, "200 OK", b"restarting\n")?;
            let s = shared.clone();
            thread::spawn(move || restart(&s));
            Ok(())
        }
        _ => respond_text(io, "404 Not Found", b"404 page not found\n"),
    }
}

/// Reads up to the blank line, starting with `buf` (what came after the previous request);
/// leaves in `buf` whatever came after this head. `None` when the client closed first.
fn read_head(io: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<Option<String>> {
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(end) = memchr::memmem::find(buf, b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            let head = String::from_utf8_lossy(buf).into_owned();
            *buf = rest;
            return Ok(Some(head));
        }
        if buf.len() > HEAD_LIMIT {
            return Err(io::Error::other("request head too large"));
        }
        let n = match io.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if buf.is_empty() && e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn parse_head(head: &str) -> Option<Request> {
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?, first.next()?);
    first.next().filter(|v| v.starts_with("HTTP/1."))?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Request {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        headers,
    })
}

/// The node's check (api/ws.go): basic auth compares user and password, cookie mode the
/// `OpenBazaar_Auth_Cookie` value; nothing else is looked at.
fn authorized(auth: &SimAuth, req: &Request) -> bool {
    match auth {
        SimAuth::None => true,
        SimAuth::Basic { user, pass } => req.header("Authorization").any(|v| {
            let Some(b64) = v.strip_prefix("Basic ") else {
                return false;
            };
            let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
                return false;
            };
            let raw = String::from_utf8_lossy(&raw);
            raw.split_once(':') == Some((user.as_str(), pass.as_str()))
        }),
        SimAuth::Cookie(value) => req
            .header("Cookie")
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .any(|(n, v)| n == "OpenBazaar_Auth_Cookie" && v == value),
    }
}

fn http_date() -> impl std::fmt::Display {
    chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT")
}

/// A JSON answer with the node's header order (the handler sets the type, Go adds the rest).
fn respond_json(io: &mut impl Write, reply: &Reply, head_only: bool) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {}\r\nContent-Type: application/json\r\nDate: {}\r\nContent-Length: {}\r\n\r\n",
        reply.status,
        http_date(),
        reply.body.len()
    );
    io.write_all(head.as_bytes())?;
    if !head_only {
        io.write_all(reply.body.as_bytes())?;
    }
    io.flush()
}

/// The node's refusal, exactly: `403 - Forbidden`, no newline, no `WWW-Authenticate`.
fn respond_forbidden(io: &mut impl Write) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 403 Forbidden\r\nDate: {}\r\nContent-Length: 15\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n403 - Forbidden",
        http_date()
    );
    io.write_all(head.as_bytes())?;
    io.flush()
}

/// Go's plain-text answers (`404 page not found`, `400 Bad Request`).
fn respond_text(io: &mut impl Write, status: &str, body: &[u8]) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         X-Content-Type-Options: nosniff\r\nDate: {}\r\nContent-Length: {}\r\n\r\n",
        http_date(),
        body.len()
    );
    io.write_all(head.as_bytes())?;
    io.write_all(body)?;
    io.flush()
}
