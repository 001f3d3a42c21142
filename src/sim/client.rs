//! The websocket clients of the simulated node, run the way `api/ws.go` and `api/hub.go` run
//! them: per client a reader (answers pings, hands what the client says to the hub) and a
//! writer in front of a queue of 256 frames.
//!
//! A client is dropped (TCP closed, no close frame, as the node does) only when its queue is
//! full *and* its writer has been blocked in one socket write for a second: it stopped
//! reading, and the kernel's buffers are full too. A queue that is full only because its
//! writer has not run yet makes the sender wait instead, so a burst never costs a client
//! that reads. Queues are bounded in bytes as well as frames (issue 9), so a client that
//! sends and never reads holds a bounded amount of memory until it is dropped.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use rustls::ServerConnection;
use tungstenite::protocol::{Role, WebSocket, WebSocketConfig};
use tungstenite::{Bytes, Message};

use super::clock;
use super::frames::{Cue, Player};
use super::oracle::{Log, Sent, SENT};
use super::state::State;

/// The node's per-connection outbound queue (`api/ws.go`).
pub const QUEUE: usize = 256;
/// The same queue's bound in bytes (a frame alone may be larger).
pub const QUEUE_BYTES: usize = 16 << 20;
/// At `--speed 0` the story waits while even the emptiest queue holds this many frames.
pub const PACE: usize = QUEUE / 2;
/// A writer blocked this long in one socket write has a client that stopped reading.
const STUCK: Duration = Duration::from_secs(1);
/// The largest message a client may send (the node has no limit; tungstenite's default).
const MAX_MESSAGE: usize = 64 << 20;
/// Frames are gathered into writes of about this size.
const FLUSH: usize = 64 * 1024;
/// How long a closing client has to answer the close frame before its socket is closed.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Nanoseconds since the first call, plus one (0 means "not writing").
fn now_ns() -> u64 {
    static T0: OnceLock<Instant> = OnceLock::new();
    let ns = T0.get_or_init(Instant::now).elapsed().as_nanos();
    u64::try_from(ns).unwrap_or(u64::MAX - 1) + 1
}

/// A websocket frame's head for a server frame (never masked) of `len` payload bytes.
fn frame_head(out: &mut Vec<u8>, opcode: u8, len: usize) {
    out.push(0x80 | opcode);
    if len < 126 {
        out.push(len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        out.push(126);
        out.extend_from_slice(&short.to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

const TEXT: u8 = 0x1;
const CLOSE: u8 = 0x8;

enum Link {
    Plain(TcpStream),
    Tls(Box<ServerConnection>, TcpStream),
}

/// The client's socket, shared by its reader (pongs, close replies) and its writer; whole
/// frames go out under one lock, so they never interleave.
pub struct Wire {
    link: Mutex<Link>,
    sock: TcpStream,
    writing_since: AtomicU64,
    /// A close frame went out: the reader no longer answers anything.
    closing: AtomicBool,
}

impl Wire {
    pub fn plain(sock: TcpStream) -> io::Result<Wire> {
        Ok(Wire::new(Link::Plain(sock.try_clone()?), sock))
    }

    pub fn tls(conn: ServerConnection, sock: TcpStream) -> io::Result<Wire> {
        Ok(Wire::new(
            Link::Tls(Box::new(conn), sock.try_clone()?),
            sock,
        ))
    }

    fn new(link: Link, sock: TcpStream) -> Wire {
        Wire {
            link: Mutex::new(link),
            sock,
            writing_since: AtomicU64::new(0),
            closing: AtomicBool::new(false),
        }
    }

    pub fn is_tls(&self) -> bool {
        matches!(*lock(&self.link), Link::Tls(..))
    }

    /// A second handle on the socket, for the reader's blocking reads.
    pub fn reader(&self) -> io::Result<TcpStream> {
        self.sock.try_clone()
    }

    /// The handshake's answer, before any frame: the client is in the hub by then, so a
    /// broadcast right after its 101 (another client's echo) reaches it too.
    pub fn answer_upgrade(&self, head: &[u8]) -> io::Result<()> {
        self.send(&[head])
    }

    /// Writes these pieces as one run, with nothing from the other thread between them.
    fn send(&self, parts: &[&[u8]]) -> io::Result<()> {
        let mut link = lock(&self.link);
        match &mut *link {
            Link::Plain(s) => {
                for part in parts {
                    self.write_out(s, part)?;
                }
                Ok(())
            }
            Link::Tls(conn, s) => {
                for part in parts {
                    let mut rest = *part;
                    while !rest.is_empty() {
                        let n = conn.writer().write(rest)?;
                        rest = &rest[n..];
                        let drained = conn.wants_write();
                        while conn.wants_write() {
                            self.track(|| conn.write_tls(s))?;
                        }
                        if n == 0 && !drained {
                            return Err(io::ErrorKind::WriteZero.into());
                        }
                    }
                }
                Ok(())
            }
        }
    }

    fn write_out(&self, s: &mut TcpStream, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            match self.track(|| s.write(bytes)) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Runs one socket write, noting when it started so a blocked write can be seen.
    fn track<T>(&self, write: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        self.writing_since.store(now_ns(), Ordering::Release);
        let r = write();
        self.writing_since.store(0, Ordering::Release);
        r
    }

    /// How long the current socket write has been blocked (zero when not writing).
    fn stuck_for(&self) -> Duration {
        match self.writing_since.load(Ordering::Acquire) {
            0 => Duration::ZERO,
            t => Duration::from_nanos(now_ns().saturating_sub(t)),
        }
    }

    /// Decrypts bytes read from a TLS socket into `plain`.
    fn tls_read(&self, mut raw: &[u8], plain: &mut VecDeque<u8>) -> io::Result<()> {
        let mut link = lock(&self.link);
        let Link::Tls(conn, s) = &mut *link else {
            plain.extend(raw);
            return Ok(());
        };
        let mut chunk = [0u8; 16 * 1024];
        while !raw.is_empty() {
            conn.read_tls(&mut raw)?;
            let state = conn.process_new_packets().map_err(io::Error::other)?;
            loop {
                match conn.reader().read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => plain.extend(&chunk[..n]),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
            if state.peer_has_closed() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        while conn.wants_write() {
            conn.write_tls(s)?;
        }
        Ok(())
    }

    /// Closes the TCP connection, with no close frame.
    fn cut(&self) {
        let _ = self.sock.shutdown(Shutdown::Both);
    }
}

#[derive(Default)]
struct Queue {
    frames: VecDeque<Bytes>,
    bytes: usize,
    /// Dropped or gone: the writer stops at once.
    closed: bool,
    /// Ending cleanly: the writer sends what is queued, then this close code.
    close: Option<u16>,
}

pub struct Client {
    id: u64,
    queue: Mutex<Queue>,
    ready: Condvar,
    room: Condvar,
    pub wire: Wire,
    reader_done: Mutex<bool>,
    reader_cv: Condvar,
}

impl Client {
    /// Queues a frame. False when the client must be dropped: its queue is full and its
    /// socket has taken nothing for [`STUCK`].
    fn push(&self, frame: &Bytes) -> bool {
        let mut q = lock(&self.queue);
        loop {
            if q.closed || q.close.is_some() {
                return true;
            }
            let fits = q.bytes == 0 || q.bytes + frame.len() <= QUEUE_BYTES;
            if q.frames.len() < QUEUE && fits {
                q.bytes += frame.len();
                q.frames.push_back(frame.clone());
                drop(q);
                self.ready.notify_one();
                return true;
            }
            if self.wire.stuck_for() >= STUCK {
                return false;
            }
            q = self
                .room
                .wait_timeout(q, Duration::from_millis(20))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn is_shut(&self) -> bool {
        lock(&self.queue).closed
    }

    fn queued(&self) -> usize {
        lock(&self.queue).frames.len()
    }

    fn shut(&self) {
        lock(&self.queue).closed = true;
        self.ready.notify_all();
        self.room.notify_all();
        self.wire.cut();
    }

    fn finish(&self, code: u16) {
        lock(&self.queue).close.get_or_insert(code);
        self.ready.notify_all();
    }

    fn reader_finished(&self) {
        *lock(&self.reader_done) = true;
        self.reader_cv.notify_all();
    }

    /// Waits for the reader to see the client's close (or the end of the socket).
    fn wait_reader(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut done = lock(&self.reader_done);
        while !*done && Instant::now() < deadline {
            done = self
                .reader_cv
                .wait_timeout(done, deadline - Instant::now())
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// Every connected client, and what was broadcast to them.
pub struct Hub {
    clients: Mutex<Vec<Arc<Client>>>,
    next_id: AtomicU64,
    /// Cut off by a partition: what is broadcast now is lost on the way.
    pub cut_off: AtomicBool,
    pub sent: Mutex<Log<Sent>>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub {
            clients: Mutex::default(),
            next_id: AtomicU64::default(),
            cut_off: AtomicBool::default(),
            sent: Mutex::new(Log::new(SENT)),
        }
    }
}

impl Hub {
    pub fn join(&self, wire: Wire) -> Arc<Client> {
        let client = Arc::new(Client {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            room: Condvar::new(),
            wire,
            reader_done: Mutex::new(false),
            reader_cv: Condvar::new(),
        });
        lock(&self.clients).push(client.clone());
        client
    }

    /// Forgets a client and closes its socket (no close frame).
    pub fn leave(&self, client: &Client) {
        lock(&self.clients).retain(|c| c.id != client.id);
        client.shut();
    }

    /// Sends a frame to every client, as the node's hub does, and notes it in the log.
    pub fn broadcast(&self, frame: Bytes, sent: Sent) {
        lock(&self.sent).push(sent);
        if self.cut_off.load(Ordering::Acquire) {
            // Every client connected now is dropped when the partition ends.
            return;
        }
        let clients: Vec<Arc<Client>> = lock(&self.clients).clone();
        for c in clients {
            if !c.push(&frame) {
                self.leave(&c);
            }
        }
    }

    /// Whether some client can take more frames; false with no client at all.
    pub fn has_room(&self) -> bool {
        lock(&self.clients).iter().any(|c| c.queued() < PACE)
    }

    pub fn len(&self) -> usize {
        lock(&self.clients).len()
    }

    /// Drops every client at once, as a node that dies does.
    pub fn drop_all(&self) {
        let clients: Vec<Arc<Client>> = lock(&self.clients).drain(..).collect();
        for c in clients {
            c.shut();
        }
    }

    /// Ends every connection cleanly with `code`: queued frames first, then the close frame;
    /// a client that does not answer within a few seconds is cut off. Returns how many.
    pub fn close_all(&self, code: u16) -> usize {
        let clients: Vec<Arc<Client>> = lock(&self.clients).clone();
        for c in &clients {
            c.finish(code);
        }
        let deadline = Instant::now() + CLOSE_WAIT + Duration::from_secs(1);
        while self.len() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.drop_all();
        clients.len()
    }
}

/// Appends a text frame, or sends what is gathered and then a large frame on its own.
fn put(buf: &mut Vec<u8>, payload: &[u8], wire: &Wire) -> io::Result<()> {
    frame_head(buf, TEXT, payload.len());
    if payload.len() >= FLUSH {
        // Sent from where it is, not copied: only its head joins what is gathered.
        wire.send(&[buf, payload])?;
        buf.clear();
        return Ok(());
    }
    buf.extend_from_slice(payload);
    if buf.len() >= FLUSH {
        wire.send(&[buf])?;
        buf.clear();
    }
    Ok(())
}

/// The writer: sends queued frames (and the client's recording, with `--frames`) until the
/// client goes away, is dropped, or the node ends the connection.
pub fn write_loop(hub: &Hub, c: &Arc<Client>, state: &State, mut player: Option<Player>) {
    let close = write_frames(c, state, &mut player);
    if let Ok(Some(code)) = close {
        let mut frame = Vec::with_capacity(4);
        frame_head(&mut frame, CLOSE, 2);
        frame.extend_from_slice(&code.to_be_bytes());
        c.wire.closing.store(true, Ordering::Release);
        if c.wire.send(&[&frame]).is_ok() {
            c.wait_reader(CLOSE_WAIT);
        }
    }
    hub.leave(c);
}

/// Returns the close code to end with, or `None` when the connection is already over.
fn write_frames(c: &Client, state: &State, player: &mut Option<Player>) -> io::Result<Option<u16>> {
    let mut mine: VecDeque<Bytes> = VecDeque::with_capacity(QUEUE);
    let mut buf: Vec<u8> = Vec::with_capacity(2 * FLUSH);
    loop {
        if !state.wait_while_silent() {
            return Ok(None);
        }
        {
            let mut q = lock(&c.queue);
            if q.closed {
                return Ok(None);
            }
            if !q.frames.is_empty() {
                std::mem::swap(&mut q.frames, &mut mine);
                q.bytes = 0;
                drop(q);
                c.room.notify_all();
            } else if let Some(code) = q.close {
                return Ok(Some(code));
            }
        }
        for f in mine.drain(..) {
            put(&mut buf, &f, &c.wire)?;
        }
        let mut wake = None;
        let mut ended = false;
        if let Some(p) = player.as_mut() {
            let (now, paused) = (Instant::now(), state.paused());
            while buf.len() < FLUSH {
                match p.cue(now, paused) {
                    Cue::Frame(f) => put(&mut buf, f, &c.wire)?,
                    Cue::Wait(at) => {
                        wake = Some(at);
                        break;
                    }
                    Cue::End => {
                        ended = true;
                        break;
                    }
                }
            }
        }
        if !buf.is_empty() {
            c.wire.send(&[&buf])?;
            buf.clear();
            continue;
        }
        if ended {
            return Ok(Some(1000));
        }
        let q = lock(&c.queue);
        if q.frames.is_empty() && !q.closed && q.close.is_none() {
            let wait = wake.map_or(Duration::from_millis(200), |t| {
                t.saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(200))
            });
            let _ = c.ready.wait_timeout(q, wait);
        }
    }
}

/// What the reader's websocket reads (bytes from the socket) and writes (its replies).
struct Inlet {
    bytes: VecDeque<u8>,
    client: Arc<Client>,
}

impl Read for Inlet {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.bytes.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.bytes.read(buf)
    }
}

impl Write for Inlet {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.client.wire.closing.load(Ordering::Acquire) {
            self.client.wire.send(&[buf])?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The reader: answers pings and closes, echoes the client's messages to everyone.
/// `early` holds the bytes that arrived with the upgrade request.
pub fn read_loop(hub: &Hub, c: &Arc<Client>, state: &State, early: Vec<u8>) {
    let tls = c.wire.is_tls();
    if let Ok(mut sock) = c.wire.reader() {
        let inlet = Inlet {
            bytes: early.into(),
            client: c.clone(),
        };
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let mut ws = WebSocket::from_raw_socket(inlet, Role::Server, Some(config));
        let mut buf = vec![0u8; 64 * 1024];
        'read: loop {
            loop {
                match ws.read() {
                    Ok(Message::Text(t)) => {
                        let sent = Sent::echo(t.as_bytes(), clock::now_nanos());
                        hub.broadcast(Bytes::from(t), sent)
                    }
                    Ok(Message::Binary(b)) => {
                        let sent = Sent::echo(&b, clock::now_nanos());
                        hub.broadcast(b, sent)
                    }
                    Ok(_) => {}
                    Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                        break
                    }
                    Err(_) => break 'read,
                }
            }
            let n = match sock.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // A stalled node reads nothing: what came in waits, pings go unanswered. A client
            // dropped meanwhile (a partition ends so) is gone with what it sent.
            if !state.wait_while_silent() || c.is_shut() {
                break;
            }
            let inbox = &mut ws.get_mut().bytes;
            if tls {
                if c.wire.tls_read(&buf[..n], inbox).is_err() {
                    break;
                }
            } else {
                inbox.extend(&buf[..n]);
            }
        }
    }
    c.reader_finished();
    // A client that is being closed cleanly is let go by its writer.
    if !c.wire.closing.load(Ordering::Acquire) {
        hub.leave(c);
    }
}
