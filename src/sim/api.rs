//! One client connection, as the node's gateway serves it: the `/ws` upgrade, the REST API
//! under `/ob/` (with the faults in force), and the sim's own controls.

use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rustls::{ServerConnection, StreamOwned};

use super::client::{read_loop, write_loop, Wire};
use super::faults::{self, Fault, List};
use super::frames::Player;
use super::http::{self, Io, Request};
use super::lists::{self, ListQuery};
use super::node::{lock, Node};
use super::orders::Role;
use super::query::Query;
use super::reply::Reply;
use super::{control, rest};

const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A dripping node sends a byte this often.
const DRIP: Duration = Duration::from_millis(500);
/// A huge answer goes out in chunks of about this size.
const HUGE_CHUNK: usize = 64 * 1024;

pub(super) fn serve(node: &Arc<Node>, tcp: TcpStream) -> io::Result<()> {
    tcp.set_nodelay(true)?;
    tcp.set_read_timeout(Some(HEAD_TIMEOUT))?;
    // Over TLS the handshake is already an answer, which a partitioned node does not give.
    if node.tls.is_some() && !node.state.wait_while_partitioned() {
        return Ok(());
    }
    let mut io = match &node.tls {
        Some(cfg) => {
            let conn = ServerConnection::new(cfg.clone()).map_err(io::Error::other)?;
            Io::Tls(Box::new(StreamOwned::new(conn, tcp.try_clone()?)))
        }
        None => Io::Plain(tcp.try_clone()?),
    };
    let mut rest = Vec::new();
    // HTTP/1.1 keep-alive: answer requests on this connection until the client is done.
    loop {
        let Some(head) = http::read_head(&mut io, &mut rest)? else {
            return Ok(());
        };
        let Some(req) = http::parse_head(&head) else {
            return http::respond_text(&mut io, "400 Bad Request", b"Bad Request\n");
        };
        if req.path == "/ws" {
            return upgrade(node, io, &req, rest, tcp);
        }
        let body = http::read_body(&mut io, &mut rest, &req)?;
        // A stalled or cut-off node answers nothing; its controls still work, so a test can
        // resume it or read what it did.
        if !req.path.starts_with(control::PREFIX) && !node.state.wait_while_silent() {
            return Ok(());
        }
        answer(node, &mut io, &req, body.as_deref().unwrap_or_default())?;
        if body.is_none() || req.has_token("Connection", "close") {
            return Ok(());
        }
    }
}

fn upgrade(
    node: &Arc<Node>,
    mut io: Io<TcpStream>,
    req: &Request,
    early: Vec<u8>,
    tcp: TcpStream,
) -> io::Result<()> {
    // Cut off, not even a refusal goes out (a stalled node still refuses: that is its
    // gateway, not its hub).
    if !node.state.wait_while_partitioned() {
        return Ok(());
    }
    if !http::authorized(&node.auth, req) {
        return http::respond_forbidden(&mut io);
    }
    let key = req.header("Sec-WebSocket-Key").next().map(str::to_owned);
    let upgrade = req.method == "GET"
        && req.has_token("Connection", "upgrade")
        && req.has_token("Upgrade", "websocket")
        && req
            .header("Sec-WebSocket-Version")
            .any(|v| v.trim() == "13");
    let Some(key) = key.filter(|_| upgrade) else {
        return http::respond_text(&mut io, "400 Bad Request", b"Bad Request\n");
    };
    if !node.state.wait_while_silent() || node.state.lock().down {
        return Ok(());
    }
    let accept = tungstenite::handshake::derive_accept_key(key.trim().as_bytes());
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    tcp.set_read_timeout(None)?;
    let wire = match io {
        Io::Plain(s) => Wire::plain(s)?,
        Io::Tls(s) => {
            let StreamOwned { conn, sock } = *s;
            Wire::tls(conn, sock)?
        }
    };
    // Joined before the 101 goes out: a client that has its answer gets every frame
    // broadcast after it, so an echo sent at once by another client is never missed.
    let client = node.hub.join(wire);
    if let Err(e) = client.wire.answer_upgrade(head.as_bytes()) {
        node.hub.leave(&client);
        return Err(e);
    }
    let player = node
        .recording
        .as_ref()
        .map(|rec| Player::new(rec.clone(), node.speed, node.looping, node.state.paused()));
    let (n, c) = (node.clone(), client.clone());
    thread::spawn(move || write_loop(&n.hub, &c, &n.state, player));
    read_loop(&node.hub, &client, &node.state, early);
    Ok(())
}

/// One request, routed as the node's gateway routes it.
fn answer(node: &Arc<Node>, io: &mut Io<TcpStream>, req: &Request, body: &[u8]) -> io::Result<()> {
    if req.path.starts_with(control::PREFIX) {
        return control::answer(node, io, req);
    }
    if !req.path.starts_with("/ob/") {
        return http::respond_text(io, "404 Not Found", b"404 page not found\n");
    }
    lock(&node.requests).push(format!("{} {}", req.method, req.target));
    if !http::authorized(&node.auth, req) {
        return http::respond_forbidden(io);
    }
    if node.state.fault() == Some(Fault::Hang) && !node.state.wait_while_fault(Fault::Hang) {
        return Ok(());
    }
    let fault = node.state.fault();
    let query = Query::parse(&req.query);
    // Faults that make up a list apply where the node would answer one.
    let list = List::of(&req.path, &query).filter(|l| {
        matches!(req.method.as_str(), "GET" | "HEAD")
            || (req.method == "POST" && matches!(l, List::Orders(_)))
    });
    let reply = match (fault, list) {
        (Some(Fault::Error), _) => faults::error_reply(),
        (Some(Fault::Flood), Some(l)) => faults::flood(&l, &query),
        (Some(Fault::Huge), Some(l)) => return send_huge(io, l),
        _ => route(node, req, &query, body, fault == Some(Fault::Endless)),
    };
    let bytes = reply.to_bytes(&http::http_date(), req.method == "HEAD");
    if fault == Some(Fault::Drip) {
        return drip(node, io, &bytes);
    }
    io.write_all(&bytes)?;
    io.flush()
}

/// The node's handlers for the paths the sim knows (`api/endpoints.go` matches prefixes).
fn route(node: &Node, req: &Request, query: &Query, body: &[u8], endless: bool) -> Reply {
    let store = lock(&node.store);
    let path = req.path.as_str();
    let role = Role::ALL
        .into_iter()
        .find(|r| path.starts_with(&format!("/ob/{}", r.list())));
    let list = |q: Result<ListQuery, String>, role: Role| match q {
        Ok(q) => lists::answer(&store, role, &q),
        Err(e) => Reply::error("400 Bad Request", &e),
    };
    match req.method.as_str() {
        "GET" | "HEAD" => {
            if path.starts_with("/ob/chatmessages") {
                rest::chat_messages(&store, rest::chat_peer(path), query, endless)
            } else if path.starts_with("/ob/chatconversations") {
                rest::chat_conversations(&store)
            } else if path.starts_with("/ob/notifications") {
                rest::notifications(&store, query, endless)
            } else if let Some(role) = role {
                list(ListQuery::from_url(query), role)
            } else {
                Reply::not_found()
            }
        }
        "POST" => match role {
            Some(role) => list(ListQuery::from_body(body), role),
            None => Reply::not_found(),
        },
        // The node's handler answers an OPTIONS request with nothing.
        "OPTIONS" => Reply::ok(String::new()),
        _ => Reply::not_found(),
    }
}

/// A valid answer, one byte per [`DRIP`]; the rest at once when the fault ends.
fn drip(node: &Node, io: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    for (i, b) in bytes.iter().enumerate() {
        if node.state.fault() != Some(Fault::Drip) {
            io.write_all(&bytes[i..])?;
            break;
        }
        io.write_all(std::slice::from_ref(b))?;
        io.flush()?;
        if node.state.sleep_until(Instant::now() + DRIP) {
            return Ok(());
        }
    }
    io.flush()
}

/// A 200 larger than [`faults::HUGE`], made up row by row and sent chunked.
fn send_huge(io: &mut impl Write, list: List) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: {}\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        http::http_date()
    );
    io.write_all(head.as_bytes())?;
    let mut huge = faults::Huge::new(list);
    let mut buf = huge.before.clone();
    let mut sent = 0;
    let mut first = true;
    while sent + buf.len() <= faults::HUGE {
        if !first {
            buf.push_str(&huge.between);
        }
        first = false;
        buf.push_str(&huge.row());
        if buf.len() >= HUGE_CHUNK {
            http::write_chunk(io, buf.as_bytes())?;
            sent += buf.len();
            buf.clear();
        }
    }
    buf.push_str(&huge.after);
    http::write_chunk(io, buf.as_bytes())?;
    http::write_chunk(io, b"")?;
    io.flush()
}
