//! The node's wire: HTTP heads, auth, the `/ws` echo hub, `GET /ob/notifications`, and TLS.
//!
//! Threads, no async: one accept loop, one story thread, and per websocket client a socket
//! reader plus an owner thread that alone drives the `WebSocket`. The reader only hands raw
//! bytes to the owner, so one thread writes frames and answers pings, with or without TLS.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use base64::Engine as _;
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::{Role, WebSocket};
use tungstenite::{Bytes, Message};

use super::rest::{self, Query, Reply, Store};
use super::story::{Beat, Story};
use super::{shapes, SimAuth, SimOptions};
use crate::cli::Generation;
use crate::exit::Failure;

/// The node's per-connection outbound queue (api/ws.go): a client this far behind is dropped.
const QUEUE: usize = 256;
/// At `--speed 0` the story waits while even the fastest client has this many frames queued.
const PACE: usize = QUEUE / 2;
const HEAD_LIMIT: usize = 16 * 1024;
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A running simulated node. Dropping it stops it too.
pub struct SimHandle {
    addr: SocketAddr,
    banner: String,
    url: String,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl SimHandle {
    /// The address actually bound (the real port when asked for port 0).
    #[cfg(test)]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The websocket URL a client on this machine should use.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The stderr line's text: where it listens and how the story is told.
    pub fn banner(&self) -> &str {
        &self.banner
    }

    /// Stops the story, drops every client and waits for the server threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.threads.is_empty() {
            return;
        }
        *lock(&self.shared.stopping) = true;
        self.shared.wake.notify_all();
        // The accept loop blocks in accept(); a connection of our own wakes it.
        let _ = TcpStream::connect_timeout(&loopback(self.addr), Duration::from_secs(1));
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        self.shared.hub.close_all();
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct Shared {
    stopping: Mutex<bool>,
    wake: Condvar,
    hub: Hub,
    store: Mutex<Store>,
    auth: SimAuth,
    tls: Option<Arc<ServerConfig>>,
}

impl Shared {
    fn stopped(&self) -> bool {
        *lock(&self.stopping)
    }

    /// Sleeps until `deadline` or until the server stops; true when it stops.
    fn sleep_until(&self, deadline: Instant) -> bool {
        let mut stopping = lock(&self.stopping);
        loop {
            let now = Instant::now();
            if *stopping || now >= deadline {
                return *stopping;
            }
            stopping = self
                .wake
                .wait_timeout(stopping, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn loopback(addr: SocketAddr) -> SocketAddr {
    let mut a = addr;
    if a.ip().is_unspecified() {
        a.set_ip(match a {
            SocketAddr::V4(_) => [127, 0, 0, 1].into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    a
}

pub(super) fn start(opts: SimOptions, addr: SocketAddr) -> Result<SimHandle, Failure> {
    let tls = match &opts.tls {
        Some((cert, key)) => Some(Arc::new(tls_config(cert, key)?)),
        None => None,
    };
    let listener = TcpListener::bind(addr).map_err(|e| {
        if e.kind() == io::ErrorKind::AddrInUse {
            Failure::runtime(format!(
                "cannot listen on {addr}: address in use; pick another with --listen"
            ))
        } else {
            Failure::runtime(format!("cannot listen on {addr}: {e}"))
        }
    })?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() && opts.auth == SimAuth::None {
        eprintln!("obtail sim: warning: {addr} is reachable from other machines and needs no auth");
    }
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    let url = format!("{scheme}://{}/ws", loopback(addr));
    let speed = if opts.speed == 0.0 {
        "max".to_string()
    } else {
        format!("{}x", opts.speed)
    };
    let node = match opts.generation {
        Generation::V013 => "0.13",
        Generation::V014 => "0.14",
    };
    let banner = format!("{url} (seed {}, speed {speed}, node {node})", opts.seed);
    let shared = Arc::new(Shared {
        stopping: Mutex::new(false),
        wake: Condvar::new(),
        hub: Hub::default(),
        store: Mutex::new(Store::default()),
        auth: opts.auth.clone(),
        tls,
    });
    let s = shared.clone();
    let story = thread::spawn(move || tell(&s, &opts));
    let s = shared.clone();
    let accept = thread::spawn(move || accept_loop(&s, listener));
    Ok(SimHandle {
        addr,
        banner,
        url,
        shared,
        threads: vec![accept, story],
    })
}

fn tls_config(cert: &Path, key: &Path) -> Result<ServerConfig, Failure> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| Failure::usage(format!("--tls-cert {}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(Failure::usage(format!(
            "--tls-cert {}: no certificate in it",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| Failure::usage(format!("--tls-key {}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|e| Failure::usage(format!("--tls-cert/--tls-key: {e}")))
}

/// Plays the story: sleeps to each beat's time, sends it to every client and stores it.
fn tell(shared: &Shared, opts: &SimOptions) {
    let start = Instant::now();
    for beat in Story::new(opts.seed, opts.generation) {
        if opts.speed > 0.0 {
            if shared.sleep_until(start + beat.at.div_f64(opts.speed)) {
                return;
            }
        } else {
            // As fast as possible, but no faster than the fastest client reads.
            while !shared.hub.has_room() {
                if shared.sleep_until(Instant::now() + Duration::from_millis(1)) {
                    return;
                }
            }
        }
        keep(&mut lock(&shared.store), &beat);
        if beat.silent {
            continue;
        }
        shared
            .hub
            .broadcast(Bytes::from(shapes::render(&beat.frame)));
    }
}

/// What the node's database keeps of a beat: persisted notifications and chat messages.
fn keep(store: &mut Store, beat: &Beat) {
    if beat.persisted().is_some() {
        store.put_notification(&beat.frame["notification"], beat.at.as_secs());
    }
    if let Some(m) = beat.frame.get("message") {
        store.put_chat(m, beat.at.as_nanos());
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: TcpListener) {
    for conn in listener.incoming() {
        if shared.stopped() {
            return;
        }
        let Ok(tcp) = conn else { continue };
        let s = shared.clone();
        thread::spawn(move || {
            let _ = serve(&s, tcp);
        });
    }
}

// ---- the echo hub ------------------------------------------------------------------------

enum Event {
    Frame(Bytes),
    Input(Vec<u8>),
    Eof,
}

struct Client {
    id: u64,
    tx: Sender<Event>,
    queued: Arc<AtomicUsize>,
    socket: TcpStream,
}

impl Client {
    /// Closes the socket with no close frame, as the node drops a client.
    fn drop_now(&self) {
        let _ = self.socket.shutdown(Shutdown::Both);
    }
}

#[derive(Default)]
struct Hub {
    clients: Mutex<Vec<Client>>,
    next_id: AtomicU64,
}

impl Hub {
    fn join(&self, tx: Sender<Event>, queued: Arc<AtomicUsize>, socket: TcpStream) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.clients).push(Client {
            id,
            tx,
            queued,
            socket,
        });
        id
    }

    fn leave(&self, id: u64) {
        lock(&self.clients).retain(|c| {
            if c.id == id {
                c.drop_now();
            }
            c.id != id
        });
    }

    fn broadcast(&self, frame: Bytes) {
        lock(&self.clients).retain(|c| {
            if c.queued.fetch_add(1, Ordering::AcqRel) >= QUEUE {
                c.drop_now();
                return false;
            }
            c.tx.send(Event::Frame(frame.clone())).is_ok()
        });
    }

    /// Whether some client can take more frames; false with no client at all.
    fn has_room(&self) -> bool {
        lock(&self.clients)
            .iter()
            .any(|c| c.queued.load(Ordering::Acquire) < PACE)
    }

    fn close_all(&self) {
        for c in lock(&self.clients).drain(..) {
            c.drop_now();
        }
    }
}

// ---- one connection ----------------------------------------------------------------------

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

impl Io<TcpStream> {
    /// The same connection, now reading from an inbox the reader thread fills.
    fn into_inbox(self) -> Io<Inbox> {
        match self {
            Io::Plain(tcp) => Io::Plain(Inbox::new(tcp)),
            Io::Tls(s) => {
                let StreamOwned { conn, sock } = *s;
                Io::Tls(Box::new(StreamOwned::new(conn, Inbox::new(sock))))
            }
        }
    }
}

impl Io<Inbox> {
    fn inbox(&mut self) -> &mut VecDeque<u8> {
        match self {
            Io::Plain(s) => &mut s.bytes,
            Io::Tls(s) => &mut s.sock.bytes,
        }
    }
}

/// Reads what the reader thread received (WouldBlock when empty); writes to the socket.
struct Inbox {
    bytes: VecDeque<u8>,
    out: TcpStream,
}

impl Inbox {
    fn new(out: TcpStream) -> Inbox {
        Inbox {
            bytes: VecDeque::new(),
            out,
        }
    }
}

impl Read for Inbox {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.bytes.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.bytes.read(buf)
    }
}

impl Write for Inbox {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
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

fn serve(shared: &Arc<Shared>, tcp: TcpStream) -> io::Result<()> {
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
    rest: Vec<u8>,
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
    match key {
        Some(key) if upgrade => {
            let accept = tungstenite::handshake::derive_accept_key(key.trim().as_bytes());
            let head = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                 Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            );
            io.write_all(head.as_bytes())?;
            io.flush()?;
            tcp.set_read_timeout(None)?;
            websocket(shared, io.into_inbox(), rest, tcp)
        }
        _ => respond_text(&mut io, "400 Bad Request", b"Bad Request\n"),
    }
}

/// One REST request, routed as the node's gateway and `jsonAPIHandler` route it.
fn answer(shared: &Shared, io: &mut Io<TcpStream>, req: &Request) -> io::Result<()> {
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

/// Runs one websocket client until it leaves or is dropped.
fn websocket(shared: &Arc<Shared>, io: Io<Inbox>, rest: Vec<u8>, tcp: TcpStream) -> io::Result<()> {
    let (tx, rx) = mpsc::channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let id = shared
        .hub
        .join(tx.clone(), queued.clone(), tcp.try_clone()?);
    let mut reader = tcp;
    thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(Event::Eof);
                    return;
                }
                Ok(n) => {
                    if tx.send(Event::Input(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
            }
        }
    });
    let mut ws = WebSocket::from_partially_read(io, rest, Role::Server, None);
    let _ = pump(shared, &mut ws, &rx, &queued);
    shared.hub.leave(id);
    Ok(())
}

/// The owner loop: writes queued frames, feeds received bytes to the websocket and echoes
/// what the client said to everyone.
fn pump(
    shared: &Shared,
    ws: &mut WebSocket<Io<Inbox>>,
    rx: &Receiver<Event>,
    queued: &AtomicUsize,
) -> tungstenite::Result<()> {
    // Bytes that came with the handshake are already buffered: read them first.
    let mut pending = Some(Event::Input(Vec::new()));
    loop {
        let event = match pending.take() {
            Some(e) => e,
            None => rx.recv().unwrap_or(Event::Eof),
        };
        match event {
            Event::Frame(frame) => {
                queued.fetch_sub(1, Ordering::AcqRel);
                ws.write(text_frame(frame))?;
                // Batch what is already queued into one flush.
                while let Ok(next) = rx.try_recv() {
                    if let Event::Frame(f) = next {
                        queued.fetch_sub(1, Ordering::AcqRel);
                        ws.write(text_frame(f))?;
                    } else {
                        pending = Some(next);
                        break;
                    }
                }
                ws.flush()?;
            }
            Event::Input(bytes) => {
                ws.get_mut().inbox().extend(bytes);
                loop {
                    match ws.read() {
                        Ok(Message::Text(t)) => shared.hub.broadcast(Bytes::from(t)),
                        Ok(Message::Binary(b)) => shared.hub.broadcast(b),
                        Ok(_) => {}
                        Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                            break
                        }
                        Err(e) => return Err(e),
                    }
                }
                // Pongs and close replies queued by read() go out now.
                ws.flush()?;
            }
            Event::Eof => return Ok(()),
        }
    }
}

/// Echoes go out as text even when they came in binary, as the node's writer does.
fn text_frame(payload: Bytes) -> Message {
    Message::Frame(Frame::message(payload, OpCode::Data(Data::Text), true))
}
