//! One connection attempt: TCP with a timeout, TLS, the websocket handshake with the auth
//! headers (each default cookie in turn, when the node refuses one). Failures are sorted into
//! those worth retrying, those that retrying cannot fix (a typo, TLS on one side only, a wrong
//! path) and those that must stop obtail (refused credentials, a certificate it cannot trust),
//! and each one's words name the fix.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::{ClientConnection, StreamOwned};
use rustls_pki_types::ServerName;
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::WebSocket;

use super::answer::{self, bound, Bounded, Head, Speaks};
use super::auth::{Attempt, Auth};
use super::frames::TextMarks;
use super::tls::TlsSetup;
use crate::endpoint::url::NodeUrl;
use crate::exit::io_reason;
use crate::exit::Failure;

/// The socket is read in blocks of this size: tungstenite's 128 KiB default stays resident
/// in every node's connection, while a node's frames are rarely larger than a few KiB.
const READ_BUFFER: usize = 16 << 10;

/// An open connection to a node.
pub type Ws = WebSocket<Stream>;

/// Why an attempt failed.
#[derive(Debug)]
pub enum AttemptError {
    /// Retrying cannot help (refused auth, untrusted certificate): obtail stops.
    Fatal(Failure),
    /// Retrying cannot help unless something changes (an unknown host, a wrong path, TLS on
    /// one side only): obtail stops at the first connection, and retries a node it has
    /// reached before (a restart, a DNS hiccup). The reason and its fix in words.
    Permanent(String),
    /// Worth another try later; the reason in words.
    Retry(String),
}

/// What one node connection needs, settled before the first attempt.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: NodeUrl,
    /// The URL without password: in messages and as each frame's source.
    pub shown: Arc<str>,
    pub auth: Auth,
    pub tls: Option<TlsSetup>,
    /// No URL was given: the node at the default URL may simply not be running.
    pub default_url: bool,
    pub connect_timeout: Duration,
    pub max_frame: usize,
}

/// A plain or TLS socket under the websocket.
pub struct Stream {
    inner: Inner,
    /// After the handshake, writes never wait: tungstenite flushes queued pongs before every
    /// read, and a node that never reads them would otherwise cost a write timeout per frame.
    /// What cannot be written now stays queued in tungstenite (one pong at most) for later.
    quick_writes: bool,
    /// Which messages were text, so that text that is not UTF-8 keeps its bytes.
    marks: TextMarks,
    /// When the last read from the socket returned (with data, a timeout or an error): the
    /// time of every frame taken from it, and the session's clock for pings and liveness.
    read_at: Instant,
    /// When every byte the node had sent was read and taken up: a row read back over REST
    /// waits for it, so that its live copy, in the kernel's buffer behind a reader that fell
    /// behind, takes its place.
    drain: Drain,
    /// Frames wait to be handed to the main thread: the next read that would wait on the
    /// socket returns `WouldBlock` instead, once, so that they are handed over first.
    hand_over: bool,
    /// During the handshake: when it must be over. Every socket read and write waits at most
    /// for what is left, so a node that drips its answer cannot stretch it.
    deadline: Option<Instant>,
    /// During the handshake: the answer's first bytes, kept where a failed handshake (which
    /// takes the stream with it) still finds them.
    head: Option<Arc<Mutex<Head>>>,
}

enum Inner {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    fn plain(tcp: TcpStream) -> Self {
        Stream {
            inner: Inner::Plain(tcp),
            quick_writes: false,
            marks: TextMarks::default(),
            read_at: Instant::now(),
            drain: Drain::new(),
            hand_over: false,
            deadline: None,
            head: None,
        }
    }

    fn tls(s: StreamOwned<ClientConnection, TcpStream>) -> Self {
        Stream {
            inner: Inner::Tls(Box::new(s)),
            quick_writes: false,
            marks: TextMarks::default(),
            read_at: Instant::now(),
            drain: Drain::new(),
            hand_over: false,
            deadline: None,
            head: None,
        }
    }

    /// A data message's payload and whether it was binary (see `TextMarks::data`).
    pub fn data(
        &mut self,
        msg: tungstenite::Message,
    ) -> Result<(tungstenite::Bytes, bool), tungstenite::Message> {
        self.marks.data(msg)
    }

    /// The payload of the node's first close frame, as sent (see `TextMarks`).
    pub fn close_payload(&self) -> Option<&[u8]> {
        self.marks.close_payload()
    }

    /// When the last socket read returned.
    pub fn read_at(&self) -> Instant {
        self.read_at
    }

    /// When everything the node had sent was last read and taken up.
    pub fn drained_at(&self) -> Instant {
        self.drain.at
    }

    /// Makes the next read that reaches the socket return `WouldBlock` first (see
    /// `hand_over`): tungstenite reads only when no whole frame is left in its buffer, so
    /// that is the moment the frames read so far are all there is.
    pub fn hand_over_before_reading(&mut self) {
        self.hand_over = true;
    }

    pub fn tcp(&self) -> &TcpStream {
        match &self.inner {
            Inner::Plain(s) => s,
            Inner::Tls(s) => &s.sock,
        }
    }

    fn write_inner(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Plain(s) => s.write(buf),
            Inner::Tls(s) if self.quick_writes => {
                let n = s.conn.writer().write(buf)?;
                send_tls(s)?;
                Ok(n)
            }
            Inner::Tls(s) => s.write(buf),
        }
    }

    fn flush_inner(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(s) => s.flush(),
            Inner::Tls(s) if self.quick_writes => send_tls(s),
            Inner::Tls(s) => s.flush(),
        }
    }

    /// Runs a write with the socket non-blocking, when quick writes are on.
    fn quick<T>(&mut self, f: impl FnOnce(&mut Self) -> io::Result<T>) -> io::Result<T> {
        if !self.quick_writes {
            return f(self);
        }
        self.tcp().set_nonblocking(true)?;
        let result = f(self);
        let restored = self.tcp().set_nonblocking(false);
        let value = result?;
        restored?;
        Ok(value)
    }
}

/// Writes the TLS records rustls holds, until done or the socket would block.
fn send_tls(s: &mut StreamOwned<ClientConnection, TcpStream>) -> io::Result<()> {
    while s.conn.wants_write() {
        s.conn.write_tls(&mut s.sock)?;
    }
    Ok(())
}

/// Reads plaintext, never waiting on a write: rustls' own stream first flushes what it has to
/// send, with the socket's full write timeout, which a node that never reads makes a stall.
fn read_tls_quick(
    s: &mut StreamOwned<ClientConnection, TcpStream>,
    buf: &mut [u8],
    deadline: Option<Instant>,
    drain: &mut Drain,
) -> io::Result<usize> {
    loop {
        match s.conn.reader().read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            done => return done,
        }
        if s.conn.wants_write() {
            s.sock.set_nonblocking(true)?;
            let sent = send_tls(s);
            s.sock.set_nonblocking(false)?;
            match sent {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => other?,
            }
        }
        if let Some(deadline) = deadline {
            bound(&s.sock, deadline)?;
        }
        // At the end of the stream, the reader above reports it on the next turn.
        s.conn.read_tls(&mut Noted {
            sock: &mut s.sock,
            drain,
        })?;
        s.conn
            .process_new_packets()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    }
}

/// When the socket was last read down to what the node had sent, with every byte taken up.
/// A read that comes back short found the kernel's buffer empty, but its bytes are taken up
/// (frames parsed and handed on) only by the time the next socket read is made: tungstenite
/// reads only when no whole frame is left, rustls only when its plaintext is gone.
#[derive(Debug, Clone, Copy)]
struct Drain {
    at: Instant,
    /// A short read, its bytes not yet all taken up.
    pending: Option<Instant>,
}

impl Drain {
    fn new() -> Self {
        Drain {
            at: Instant::now(),
            pending: None,
        }
    }

    /// A socket read is about to be made: the last one's bytes are all taken up.
    fn taken_up(&mut self) {
        if let Some(t) = self.pending.take() {
            self.at = t;
        }
    }

    /// A socket read came back with `n` of the `asked` bytes.
    fn read(&mut self, n: usize, asked: usize) {
        if n < asked {
            self.pending = Some(Instant::now());
        }
    }

    /// A read timed out: nothing was waiting.
    fn empty(&mut self, at: Instant) {
        self.pending = None;
        self.at = at;
    }
}

/// The socket under rustls, noting each read in the drain.
struct Noted<'a> {
    sock: &'a mut TcpStream,
    drain: &'a mut Drain,
}

impl Read for Noted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.drain.taken_up();
        let n = self.sock.read(buf)?;
        self.drain.read(n, buf.len());
        Ok(n)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if std::mem::take(&mut self.hand_over) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let deadline = self.deadline;
        let drain = &mut self.drain;
        let read = match &mut self.inner {
            Inner::Plain(s) => {
                drain.taken_up();
                match deadline {
                    Some(d) => bound(s, d).and_then(|_| s.read(buf)),
                    None => s.read(buf),
                }
                .inspect(|&n| drain.read(n, buf.len()))
            }
            // rustls' own stream reads the socket as often as it takes: one read at a time
            // here, each bounded by the deadline.
            Inner::Tls(s) if self.quick_writes || deadline.is_some() => {
                read_tls_quick(s, buf, deadline, drain)
            }
            Inner::Tls(s) => s.read(buf),
        };
        self.read_at = Instant::now();
        // EINTR (Ctrl-Z) says nothing about what is waiting.
        let timed_out = read.as_ref().is_err_and(|e| {
            matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            )
        });
        if timed_out {
            self.drain.empty(self.read_at);
        }
        let n = match read {
            // Ctrl-Z and fg: a read with a timeout returns EINTR on Linux. It is a tick like
            // a timeout, never a broken connection.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                return Err(io::ErrorKind::WouldBlock.into())
            }
            read => read?,
        };
        if let Some(read) = buf.get_mut(..n) {
            if let Some(head) = &self.head {
                head.lock().unwrap_or_else(|e| e.into_inner()).keep(read);
            }
            self.marks.scan(read);
        }
        Ok(n)
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(deadline) = self.deadline {
            bound(self.tcp(), deadline)?;
        }
        self.quick(|s| s.write_inner(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.quick(|s| s.flush_inner())
    }
}

/// Connects, with every step bounded by the connect timeout; reads then time out every `tick`.
/// A default cookie the node refuses is followed by the next one found.
pub fn connect(t: &Target, tick: Duration) -> Result<Ws, AttemptError> {
    let attempts = t.auth.attempts();
    let mut refused = Vec::new();
    for attempt in &attempts {
        match connect_with(t, attempt, tick) {
            Ok(ws) => {
                t.auth.accepted(attempt);
                return Ok(ws);
            }
            Err(Handshake::Refused(status)) => refused.push((status, attempt)),
            Err(Handshake::Failed(e)) => return Err(e),
        }
    }
    let status = refused.first().map_or(403, |(s, _)| *s);
    let tried: Vec<&Attempt> = refused.iter().map(|(_, a)| *a).collect();
    Err(AttemptError::Fatal(Failure::AuthRefused(refused_message(
        t, status, &tried,
    ))))
}

/// How one handshake ended, when it did not succeed.
enum Handshake {
    /// HTTP 401/403: the credentials of this attempt were refused.
    Refused(u16),
    Failed(AttemptError),
}

impl From<AttemptError> for Handshake {
    fn from(e: AttemptError) -> Self {
        Handshake::Failed(e)
    }
}

fn connect_with(t: &Target, attempt: &Attempt, tick: Duration) -> Result<Ws, Handshake> {
    let deadline = Instant::now() + t.connect_timeout;
    let mut stream = open_stream(t, deadline)?;
    let mut request =
        t.url.request().into_client_request().map_err(|e| {
            AttemptError::Fatal(Failure::usage(format!("{}: bad URL: {e}", t.shown)))
        })?;
    for (name, value) in &attempt.headers {
        request.headers_mut().append(name.clone(), value.clone());
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(t.max_frame))
        .max_frame_size(Some(t.max_frame))
        .read_buffer_size(READ_BUFFER);
    let head = Arc::new(Mutex::new(Head::default()));
    stream.deadline = Some(deadline);
    stream.head = Some(head.clone());
    let mut ws = match tungstenite::client::client_with_config(request, stream, Some(config)) {
        Ok((ws, answer)) => {
            unoffered_extension(t, &answer)?;
            ws
        }
        Err(HandshakeError::Interrupted(_)) => {
            return Err(timed_out("websocket handshake", t, deadline).into())
        }
        Err(HandshakeError::Failure(tungstenite::Error::Http(resp)))
            if matches!(resp.status().as_u16(), 401 | 403) =>
        {
            return Err(Handshake::Refused(resp.status().as_u16()))
        }
        Err(HandshakeError::Failure(e)) => {
            let head = head.lock().unwrap_or_else(|e| e.into_inner()).clone();
            return Err(handshake_failure(t, e, head.bytes(), deadline).into());
        }
    };
    let stream = ws.get_mut();
    stream.deadline = None;
    stream.head = None;
    stream.quick_writes = true;
    let tcp = ws.get_ref().tcp();
    let set = tcp
        .set_read_timeout(Some(tick))
        .and_then(|_| tcp.set_write_timeout(Some(tick)));
    set.map_err(|e| AttemptError::Retry(io_reason(&e)))?;
    Ok(ws)
}

/// Opens the TCP (and TLS) stream the websocket would run over, for a plain HTTP request to
/// the same node: the same address, timeouts and certificate checks by construction.
pub fn open_stream(t: &Target, deadline: Instant) -> Result<Stream, AttemptError> {
    let tcp = open_tcp(t, deadline)?;
    Ok(match &t.tls {
        Some(setup) => Stream::tls(tls_handshake(t, setup, tcp, deadline)?),
        None => Stream::plain(tcp),
    })
}

fn remaining(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}

/// A step that ran out of time, with the time that passed since the attempt began (it
/// ends by the `--connect-timeout` deadline, whatever the node drips).
fn timed_out(step: &str, t: &Target, deadline: Instant) -> AttemptError {
    AttemptError::Retry(format!("{step} timed out after {}", passed(t, deadline)))
}

/// The time since the attempt whose deadline this is began, in words.
fn passed(t: &Target, deadline: Instant) -> String {
    let began = deadline.checked_sub(t.connect_timeout).unwrap_or(deadline);
    crate::live::human(began.elapsed())
}

fn open_tcp(t: &Target, deadline: Instant) -> Result<TcpStream, AttemptError> {
    let addrs = (t.url.host.as_str(), t.url.port)
        .to_socket_addrs()
        .map_err(|_| {
            AttemptError::Permanent(format!(
                "cannot resolve the host name '{}': check it for a typo (a node on this \
                 machine is 127.0.0.1:4002)",
                t.url.host
            ))
        })?;
    let mut last = AttemptError::Retry(format!("no address for host '{}'", t.url.host));
    for addr in addrs {
        let Some(left) = remaining(deadline) else {
            return Err(timed_out("connection", t, deadline));
        };
        match TcpStream::connect_timeout(&addr, left) {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                let left = remaining(deadline).unwrap_or(Duration::from_millis(1));
                let set = tcp
                    .set_read_timeout(Some(left))
                    .and_then(|_| tcp.set_write_timeout(Some(left)));
                set.map_err(|e| AttemptError::Retry(io_reason(&e)))?;
                return Ok(tcp);
            }
            Err(e) if is_timeout(&e) => last = timed_out("connection", t, deadline),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                last = AttemptError::Retry(if t.default_url {
                    "connection refused (is openbazaar-go running? obtail --demo shows what \
                     obtail does)"
                        .into()
                } else {
                    "connection refused".into()
                })
            }
            Err(e) => last = AttemptError::Retry(io_reason(&e)),
        }
    }
    Err(last)
}

/// A socket call that found nothing yet: its timeout passed, or a signal (Ctrl-Z and `fg`)
/// interrupted it. The socket stays usable.
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

fn tls_handshake(
    t: &Target,
    setup: &TlsSetup,
    tcp: TcpStream,
    deadline: Instant,
) -> Result<StreamOwned<ClientConnection, TcpStream>, AttemptError> {
    let name = ServerName::try_from(t.url.host.clone()).map_err(|_| {
        AttemptError::Fatal(Failure::usage(format!(
            "{}: '{}' cannot be used as a TLS server name",
            t.shown, t.url.host
        )))
    })?;
    let mut conn = ClientConnection::new(setup.config.clone(), name)
        .map_err(|e| AttemptError::Retry(format!("TLS setup failed: {e}")))?;
    let mut io = Bounded::new(&tcp, deadline);
    while conn.is_handshaking() {
        match conn.complete_io(&mut io) {
            Ok(_) => {}
            Err(e) if is_timeout(&e) && remaining(deadline).is_some() => {}
            Err(e) if is_timeout(&e) => {
                return Err(AttemptError::Retry(format!(
                    "TLS handshake timed out after {} (if the node does not use TLS, use {})",
                    passed(t, deadline),
                    with_scheme(t, "ws")
                )))
            }
            Err(e) => return Err(tls_failure(t, setup, &e, io.head.bytes())),
        }
    }
    Ok(StreamOwned::new(conn, tcp))
}

/// The URL with another scheme, for a hint.
fn with_scheme(t: &Target, scheme: &str) -> String {
    let shown = t.url.shown();
    let rest = shown.split_once("://").map_or(shown.as_str(), |(_, r)| r);
    format!("{scheme}://{rest}")
}

fn tls_failure(t: &Target, setup: &TlsSetup, e: &io::Error, head: &[u8]) -> AttemptError {
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    let plain = || match answer::speaks(head) {
        Speaks::Other => AttemptError::Permanent(answer::not_http(t.url.port)),
        Speaks::Tls => AttemptError::Retry(format!("TLS handshake failed: {}", io_reason(e))),
        Speaks::Nothing | Speaks::Http => AttemptError::Permanent(format!(
            "the node does not speak TLS on port {}: use {}",
            t.url.port,
            with_scheme(t, "ws")
        )),
    };
    match inner {
        Some(rustls::Error::InvalidCertificate(why)) => AttemptError::Fatal(Failure::runtime(
            format!("{}: {}", t.shown, cert_problem(t, setup, why)),
        )),
        Some(rustls::Error::InvalidMessage(_)) => plain(),
        Some(other) => AttemptError::Retry(format!("TLS handshake failed: {other}")),
        // A plain HTTP server closes on a ClientHello it cannot parse.
        None if e.kind() == io::ErrorKind::UnexpectedEof => plain(),
        None => AttemptError::Retry(format!("TLS handshake failed: {}", io_reason(e))),
    }
}

/// A refused certificate in words, with the fix that applies.
fn cert_problem(t: &Target, setup: &TlsSetup, e: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    let host = &t.url.host;
    let skip = "or -k to skip verification (not advised)";
    let ca_as_own = matches!(e, C::Other(o) if o.to_string().contains("CaUsedAsEndEntity"));
    match e {
        _ if ca_as_own || matches!(e, C::UnknownIssuer) => match &setup.cacert {
            Some(file) => format!(
                "the node's TLS certificate is neither the one in --cacert {} nor signed by \
                 it: --cacert must name the node's current certificate (the SSLCert file of \
                 its config) or the CA that signed it",
                file.display()
            ),
            None if ca_as_own => format!(
                "the node presents a CA certificate as its own (as `openssl req -x509` \
                 makes): pin it with --cacert FILE, or give the node a certificate signed by \
                 that CA, {skip}"
            ),
            None => format!(
                "the node's TLS certificate is not signed by an authority obtail trusts \
                 (self-signed?): pass the node's certificate (the SSLCert file of its config) \
                 with --cacert FILE, {skip}"
            ),
        },
        C::NotValidForName | C::NotValidForNameContext { .. } => format!(
            "the node's TLS certificate is not valid for the name '{host}': connect with a \
             name the certificate lists, or give the node a certificate for '{host}'"
        ),
        C::Expired | C::ExpiredContext { .. } => format!(
            "the node's TLS certificate has expired: renew it on the node (and pass the new \
             one with --cacert if it is self-signed), {skip}"
        ),
        C::NotValidYet | C::NotValidYetContext { .. } => format!(
            "the node's TLS certificate is not valid yet: check the clocks of this machine \
             and of the node, {skip}"
        ),
        C::Revoked => "the node's TLS certificate has been revoked".into(),
        C::BadSignature => {
            "the node's TLS certificate has a bad signature: it is damaged or forged".into()
        }
        _ => format!(
            "the node's TLS certificate cannot be verified (it uses something obtail does \
             not support): pin it with --cacert FILE, {skip}"
        ),
    }
}

fn handshake_failure(
    t: &Target,
    e: tungstenite::Error,
    head: &[u8],
    deadline: Instant,
) -> AttemptError {
    use tungstenite::error::ProtocolError as P;
    use tungstenite::Error as E;
    match e {
        E::Http(resp) => http_answer(t, &resp),
        E::Io(e) if is_timeout(&e) => timed_out("websocket handshake", t, deadline),
        // The answer is not HTTP, or there was none: what its first bytes were decides.
        E::Protocol(P::WrongHttpVersion | P::HttparseError(_) | P::HandshakeIncomplete) => {
            not_websocket(t, head, deadline, &e)
        }
        E::Io(ref io) if is_closed(io) => not_websocket(t, head, deadline, &e),
        E::Io(e) => AttemptError::Retry(io_reason(&e)),
        E::Protocol(p) => AttemptError::Retry(format!("websocket handshake failed: {p}")),
        other => AttemptError::Retry(format!("websocket handshake failed: {other}")),
    }
}

/// The peer closed or reset the connection.
fn is_closed(e: &io::Error) -> bool {
    use io::ErrorKind as K;
    matches!(
        e.kind(),
        K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe
    )
}

/// An HTTP answer that is not the switch to a websocket. Retrying cannot turn a page (2xx),
/// a redirect (3xx) or a refusal (4xx) into a websocket: each names what to check. A
/// server error may pass.
fn http_answer(t: &Target, resp: &tungstenite::http::Response<Option<Vec<u8>>>) -> AttemptError {
    let s = resp.status();
    let answered = format!(
        "the node answered HTTP {} {} instead of a websocket",
        s.as_u16(),
        s.canonical_reason().unwrap_or("")
    );
    let body = resp.body().as_deref().unwrap_or_default();
    if s.as_u16() == 400 && contains(body, b"HTTPS server") {
        tls_port(t)
    } else if s.is_server_error() || s.is_informational() {
        AttemptError::Retry(answered)
    } else if t.url.path != "/ws" {
        AttemptError::Permanent(format!(
            "{answered}: is {} the websocket path? the node serves /ws",
            t.url.path
        ))
    } else {
        AttemptError::Permanent(format!(
            "{answered}: is port {} the node's API port (4002 unless its config says \
             otherwise)?",
            t.url.port
        ))
    }
}

fn tls_port(t: &Target) -> AttemptError {
    AttemptError::Permanent(format!(
        "the port speaks TLS (the node has \"SSL\": true): use {}",
        with_scheme(t, "wss")
    ))
}

/// A handshake answered with something that is not HTTP, or with nothing: TLS (a plain
/// request to a TLS port), another protocol (not the API port), a garbled HTTP answer, or a
/// silent close, after which the port is asked in TLS whether it speaks it (OpenSSL-based
/// servers close silently on a plain request).
fn not_websocket(
    t: &Target,
    head: &[u8],
    deadline: Instant,
    e: &tungstenite::Error,
) -> AttemptError {
    match answer::speaks(head) {
        Speaks::Tls if !t.url.secure => tls_port(t),
        Speaks::Other => AttemptError::Permanent(answer::not_http(t.url.port)),
        Speaks::Nothing if !t.url.secure => {
            let probe = || {
                let tcp = open_tcp(t, deadline).ok()?;
                let config = super::tls::client_config(None, true).ok()?.config;
                Some(answer::answers_tls(tcp, &t.url.host, config, deadline))
            };
            if probe() == Some(true) {
                return tls_port(t);
            }
            AttemptError::Retry(format!(
                "the node closed the connection without answering the websocket request (if \
                 the port speaks TLS, use {})",
                with_scheme(t, "wss")
            ))
        }
        Speaks::Nothing => AttemptError::Retry(
            "the node closed the connection during the websocket handshake".into(),
        ),
        Speaks::Tls | Speaks::Http => {
            use tungstenite::error::ProtocolError as P;
            use tungstenite::Error as E;
            match e {
                // Go's answer on a TLS port: "HTTP/1.0 400 Bad Request … HTTPS server".
                E::Protocol(P::WrongHttpVersion) if contains(head, b"HTTPS server") => tls_port(t),
                E::Protocol(P::WrongHttpVersion) => AttemptError::Permanent(format!(
                    "the node answered in HTTP/1.0, which cannot carry a websocket: is port {} \
                     the node's API port (4002 unless its config says otherwise)?",
                    t.url.port
                )),
                E::Protocol(P::HttparseError(e)) => {
                    AttemptError::Retry(format!("the node's answer is not valid HTTP ({e})"))
                }
                _ => AttemptError::Retry(format!("websocket handshake failed: {e}")),
            }
        }
    }
}

/// RFC 6455 4.1: a 101 that names an extension the client did not offer (obtail offers
/// none) must fail the connection; tungstenite leaves that check to its callers. Frames
/// compressed by `permessage-deflate` would otherwise be read as garbage.
fn unoffered_extension(
    t: &Target,
    answer: &tungstenite::handshake::client::Response,
) -> Result<(), AttemptError> {
    let named = answer
        .headers()
        .get_all("sec-websocket-extensions")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()))
        .find(|v| !v.trim().is_empty());
    match named {
        None => Ok(()),
        Some(ext) => Err(AttemptError::Permanent(format!(
            "the node answered with a websocket extension obtail did not ask for ({}): a \
             protocol error; is port {} an openbazaar-go node's API port?",
            crate::render::words::text(ext.trim(), 60),
            t.url.port
        ))),
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The refusal in words: what was sent (never its value) and what to try instead.
fn refused_message(t: &Target, status: u16, tried: &[&Attempt]) -> String {
    let auth = &t.auth;
    let dirs = auth.datadirs();
    let cookie_of = |d: Option<&std::path::PathBuf>| {
        d.map_or("<datadir>/.cookie".to_string(), |d| {
            auth.show_path(&d.join(".cookie"))
        })
    };
    let files: Vec<String> = tried
        .iter()
        .filter_map(|a| a.cookie_file.as_deref())
        .map(|p| auth.show_path(p))
        .collect();
    let g = auth.given;
    let sent = if g.basic && g.cookie {
        "the basic auth and cookie given were refused".to_string()
    } else if g.basic {
        "the user name or password given was refused".to_string()
    } else if g.cookie {
        "the cookie given was refused".to_string()
    } else if g.header {
        "the -H credentials given were refused".to_string()
    } else if !files.is_empty() {
        format!("it refused the cookie of {}", files.join(" and of "))
    } else if !auth.cookie_files.is_empty() {
        let looked: Vec<String> = auth
            .cookie_files
            .iter()
            .map(|p| auth.show_path(p))
            .collect();
        format!(
            "no credentials were given and no cookie was found in {}",
            looked.join(" or ")
        )
    } else if !t.url.is_local() {
        "no credentials were given; the node's cookie file is read for nodes on this machine \
         only"
            .to_string()
    } else {
        "no credentials were given".to_string()
    };
    let cookie_hint = if !files.is_empty() {
        "if the node keeps its data in another directory, name it with --datadir DIR".to_string()
    } else {
        format!(
            "for cookie auth use --cookie-file {}",
            cookie_of(dirs.first())
        )
    };
    format!(
        "{}: the node refused authentication (HTTP {status}; {sent}): {cookie_hint}; for basic \
         auth use -u USER --password-file FILE",
        t.shown
    )
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    use super::Stream;

    #[test]
    fn the_socket_is_read_down_once_a_short_reads_bytes_are_taken_up() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut node = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let mut stream = Stream::plain(tcp);
        let before = Instant::now();
        std::thread::sleep(Duration::from_millis(5));
        node.write_all(&[b'x'; 300]).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let mut buf = [0u8; 200];
        // A full read: more may be waiting.
        assert_eq!(stream.read(&mut buf).unwrap(), 200);
        assert!(stream.drained_at() <= before, "a full read proves nothing");
        // A short one: the kernel had no more, but its bytes are not taken up yet.
        assert_eq!(stream.read(&mut buf).unwrap(), 100);
        let short = Instant::now();
        assert!(
            stream.drained_at() < before,
            "said before its bytes were taken up"
        );
        // The next socket read means they were.
        node.write_all(&[b'y'; 10]).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(stream.read(&mut buf).unwrap(), 10);
        let at = stream.drained_at();
        assert!(at > before && at <= short, "{:?}", at - before);
        // A read that times out found nothing waiting.
        assert!(stream.read(&mut buf).is_err());
        assert!(stream.drained_at() > short);
    }
}
