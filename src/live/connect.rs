//! One connection attempt: TCP with a timeout, TLS, the websocket handshake with the auth
//! headers. Failures are sorted into those worth retrying and those that never will succeed.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::{ClientConfig, ClientConnection, StreamOwned};
use rustls_pki_types::ServerName;
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::WebSocket;

use super::auth::Auth;
use super::url::NodeUrl;
use crate::exit::Failure;
use crate::source::replay::io_reason;

/// The socket is read in blocks of this size: tungstenite's 128 KiB default stays resident
/// in every node's connection, while a node's frames are rarely larger than a few KiB.
const READ_BUFFER: usize = 16 << 10;

/// An open connection to a node.
pub type Ws = WebSocket<Stream>;

/// The node's default cookie file, named in the advice when auth is refused.
#[cfg(target_os = "linux")]
const COOKIE_HINT: &str = "~/.openbazaar/.cookie";
#[cfg(target_os = "macos")]
const COOKIE_HINT: &str = "'~/Library/Application Support/openbazaar/.cookie'";
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
const COOKIE_HINT: &str = "~/openbazaar/.cookie";

/// Why an attempt failed.
#[derive(Debug)]
pub enum AttemptError {
    /// Retrying cannot help (refused auth, untrusted certificate): obtail stops.
    Fatal(Failure),
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
    pub tls: Option<Arc<ClientConfig>>,
    pub connect_timeout: Duration,
    pub max_frame: usize,
}

/// A plain or TLS socket under the websocket.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// Connects, with every step bounded by the connect timeout; reads then time out every `tick`.
pub fn connect(t: &Target, tick: Duration) -> Result<Ws, AttemptError> {
    let deadline = Instant::now() + t.connect_timeout;
    let tcp = open_tcp(t, deadline)?;
    let stream = match &t.tls {
        Some(cfg) => Stream::Tls(Box::new(tls_handshake(t, cfg.clone(), tcp, deadline)?)),
        None => Stream::Plain(tcp),
    };
    let mut request = t
        .url
        .request()
        .into_client_request()
        .map_err(|e| AttemptError::Fatal(Failure::usage(format!("{}: {e}", t.shown))))?;
    for (name, value) in &t.auth.headers {
        request.headers_mut().append(name.clone(), value.clone());
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(t.max_frame))
        .max_frame_size(Some(t.max_frame))
        .read_buffer_size(READ_BUFFER);
    let ws = match tungstenite::client::client_with_config(request, stream, Some(config)) {
        Ok((ws, _)) => ws,
        Err(HandshakeError::Interrupted(_)) => return Err(timed_out("websocket handshake", t)),
        Err(HandshakeError::Failure(e)) => return Err(handshake_failure(t, e)),
    };
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
        Some(cfg) => Stream::Tls(Box::new(tls_handshake(t, cfg.clone(), tcp, deadline)?)),
        None => Stream::Plain(tcp),
    })
}

fn remaining(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}

fn timed_out(step: &str, t: &Target) -> AttemptError {
    AttemptError::Retry(format!(
        "{step} timed out after {}",
        crate::live::human(t.connect_timeout)
    ))
}

fn open_tcp(t: &Target, deadline: Instant) -> Result<TcpStream, AttemptError> {
    let addrs = (t.url.host.as_str(), t.url.port)
        .to_socket_addrs()
        .map_err(|_| AttemptError::Retry(format!("cannot resolve host '{}'", t.url.host)))?;
    let mut last = AttemptError::Retry(format!("no address for host '{}'", t.url.host));
    for addr in addrs {
        let Some(left) = remaining(deadline) else {
            return Err(timed_out("connection", t));
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
            Err(e) if is_timeout(&e) => last = timed_out("connection", t),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                last = AttemptError::Retry("connection refused".into())
            }
            Err(e) => last = AttemptError::Retry(io_reason(&e)),
        }
    }
    Err(last)
}

pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn tls_handshake(
    t: &Target,
    cfg: Arc<ClientConfig>,
    mut tcp: TcpStream,
    deadline: Instant,
) -> Result<StreamOwned<ClientConnection, TcpStream>, AttemptError> {
    let name = ServerName::try_from(t.url.host.clone()).map_err(|_| {
        AttemptError::Fatal(Failure::usage(format!(
            "{}: '{}' cannot be used as a TLS server name",
            t.shown, t.url.host
        )))
    })?;
    let mut conn = ClientConnection::new(cfg, name)
        .map_err(|e| AttemptError::Retry(format!("TLS setup failed: {e}")))?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            if is_timeout(&e) && remaining(deadline).is_none() {
                return Err(timed_out("TLS handshake", t));
            }
            if !is_timeout(&e) {
                return Err(tls_failure(t, &e));
            }
        }
    }
    Ok(StreamOwned::new(conn, tcp))
}

fn tls_failure(t: &Target, e: &io::Error) -> AttemptError {
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(why)) => {
            AttemptError::Fatal(Failure::runtime(format!(
                "{}: the node's TLS certificate is not trusted ({}); pass the node's certificate \
             with --cacert FILE, or -k to skip verification",
                t.shown,
                cert_reason(why)
            )))
        }
        Some(rustls::Error::InvalidMessage(_)) => AttemptError::Retry(
            "TLS handshake failed: the node did not answer in TLS (is it serving plain ws://?)"
                .into(),
        ),
        Some(other) => AttemptError::Retry(format!("TLS handshake failed: {other}")),
        None if e.kind() == io::ErrorKind::UnexpectedEof => {
            AttemptError::Retry("the node closed the connection during the TLS handshake".into())
        }
        None => AttemptError::Retry(format!("TLS handshake failed: {}", io_reason(e))),
    }
}

fn cert_reason(e: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match e {
        C::UnknownIssuer => "unknown issuer".into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it is not valid for this host name".into()
        }
        C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".into(),
        other => format!("{other:?}"),
    }
}

fn handshake_failure(t: &Target, e: tungstenite::Error) -> AttemptError {
    use tungstenite::Error as E;
    match e {
        E::Http(resp) if matches!(resp.status().as_u16(), 401 | 403) => AttemptError::Fatal(
            Failure::AuthRefused(refused_message(t, resp.status().as_u16())),
        ),
        E::Http(resp) => {
            let s = resp.status();
            AttemptError::Retry(format!(
                "the node answered HTTP {} {} instead of a websocket (is {} its websocket \
                 path?)",
                s.as_u16(),
                s.canonical_reason().unwrap_or(""),
                t.url.path
            ))
        }
        E::Io(e) if is_timeout(&e) => timed_out("websocket handshake", t),
        E::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => AttemptError::Retry(
            "the node closed the connection during the websocket handshake".into(),
        ),
        E::Io(e) => AttemptError::Retry(io_reason(&e)),
        E::Protocol(p) => AttemptError::Retry(format!("websocket handshake failed: {p}")),
        other => AttemptError::Retry(format!("websocket handshake failed: {other}")),
    }
}

fn refused_message(t: &Target, status: u16) -> String {
    let names: Vec<&str> = t.auth.headers.iter().map(|(n, _)| n.as_str()).collect();
    let sent = match (names.contains(&"authorization"), names.contains(&"cookie")) {
        (true, true) => "the basic auth and cookie given were refused",
        (true, false) => "the user name or password given was refused",
        (false, true) => "the auth cookie given was refused",
        (false, false) => "no credentials were given",
    };
    format!(
        "{}: the node refused authentication (HTTP {status}; {sent}): use -u USER \
         --password-file FILE for basic auth, or the node's cookie with --cookie-file {} (or \
         --cookie VALUE)",
        t.shown, COOKIE_HINT
    )
}
