//! Test harness for the live source: small websocket servers built with tungstenite's server
//! side (plain or TLS, with an auth check answering 403 as the node does), which also answer
//! the node's REST lists (`GET /ob/...`, empty unless a test serves its own), and the obtail
//! binary run as a child that is killed when the test ends.

#![allow(dead_code)]

pub mod sim;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::{Message, WebSocket};

/// A socket a test server speaks websocket over.
pub trait Conn: Read + Write + Send {
    fn tcp(&self) -> &TcpStream;
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Conn for StreamOwned<ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }
}

pub type Ws = WebSocket<Box<dyn Conn>>;

/// A TLS server socket whose writes never read (rustls' own stream reads, and refuses more
/// than 16 KiB of unread plaintext): a peer that never reads what the client sends.
pub struct WriteOnlyTls(StreamOwned<ServerConnection, TcpStream>);

impl Read for WriteOnlyTls {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for WriteOnlyTls {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.conn.writer().write(buf)?;
        self.flush()?;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        while self.0.conn.wants_write() {
            self.0.conn.write_tls(&mut self.0.sock)?;
        }
        Ok(())
    }
}

impl Conn for WriteOnlyTls {
    fn tcp(&self) -> &TcpStream {
        &self.0.sock
    }
}

/// What a test server does with each accepted connection (numbered from 0).
pub type Handler = dyn Fn(&mut Ws, usize, &Log) + Send + Sync;

/// What a server saw, in order ("connect 0", "403", "close frame", ...).
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, line: impl Into<String>) {
        self.0.lock().unwrap().push(line.into());
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.lines()
            .iter()
            .filter(|l| l.starts_with(prefix))
            .count()
    }

    /// Waits until a line starts with `prefix`.
    pub fn wait(&self, prefix: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.count(prefix) > 0)
    }
}

/// Answers a REST `GET` (path with query): status and JSON body.
pub type Rest = dyn Fn(&str) -> (u16, String) + Send + Sync;

/// Server settings.
#[derive(Default, Clone)]
pub struct ServerOpts {
    /// A header that must be present with this exact value, else 403 `403 - Forbidden`.
    pub require: Option<(String, String)>,
    pub tls: Option<Arc<ServerConfig>>,
    /// With `tls`: writes never read what the client sent (see `WriteOnlyTls`).
    pub write_only_tls: bool,
    /// The node's REST lists; by default those of a node with no notifications and no chat.
    pub rest: Option<Arc<Rest>>,
}

/// A websocket server on 127.0.0.1, stopped when dropped.
pub struct Server {
    pub port: u16,
    pub log: Log,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start(
        opts: ServerOpts,
        handler: impl Fn(&mut Ws, usize, &Log) + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Server::on(listener, opts, Arc::new(handler))
    }

    /// Serves on a port chosen earlier (a node that comes up late).
    pub fn start_on(
        port: u16,
        opts: ServerOpts,
        handler: impl Fn(&mut Ws, usize, &Log) + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        Server::on(listener, opts, Arc::new(handler))
    }

    fn on(listener: TcpListener, opts: ServerOpts, handler: Arc<Handler>) -> Server {
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let log = Log::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        let n = Arc::new(AtomicUsize::new(0));
        thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        tcp.set_nonblocking(false).unwrap();
                        let (opts, handler, log) = (opts.clone(), handler.clone(), log2.clone());
                        let n = n.clone();
                        thread::spawn(move || serve(tcp, &n, &opts, &*handler, &log));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Server { port, log, stop }
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

// tungstenite's callback type fixes the large error type.
#[allow(clippy::result_large_err)]
fn serve(tcp: TcpStream, n: &AtomicUsize, opts: &ServerOpts, handler: &Handler, log: &Log) {
    let mut conn: Box<dyn Conn> = match &opts.tls {
        Some(cfg) => {
            let mut s = StreamOwned::new(ServerConnection::new(cfg.clone()).unwrap(), tcp);
            while s.conn.is_handshaking() {
                if let Err(e) = s.conn.complete_io(&mut s.sock) {
                    log.push(format!("tls failed: {e}"));
                    return;
                }
            }
            if opts.write_only_tls {
                Box::new(WriteOnlyTls(s))
            } else {
                Box::new(s)
            }
        }
        None => Box::new(tcp),
    };
    // The request head decides: a REST GET is answered here, anything else is a websocket.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        match conn.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let path = text.split(' ').nth(1).unwrap_or("").to_string();
    if path.starts_with("/ob/") {
        answer_rest(conn, &text, &path, opts, log);
        return;
    }
    let index = n.fetch_add(1, Ordering::SeqCst);
    let conn: Box<dyn Conn> = Box::new(Prefixed { head, at: 0, conn });
    let require = opts.require.clone();
    let check = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        for (name, value) in req.headers() {
            log.push(format!("header {name}: {}", value.to_str().unwrap_or("?")));
        }
        if let Some((name, want)) = &require {
            let got = req
                .headers()
                .get(name.as_str())
                .and_then(|v| v.to_str().ok());
            if got != Some(want.as_str()) {
                log.push("403");
                let mut r = ErrorResponse::new(Some("403 - Forbidden".into()));
                *r.status_mut() = tungstenite::http::StatusCode::FORBIDDEN;
                return Err(r);
            }
        }
        Ok(resp)
    };
    let mut ws = match tungstenite::accept_hdr(conn, check) {
        Ok(ws) => ws,
        Err(e) => {
            log.push(format!("handshake failed: {e}"));
            return;
        }
    };
    log.push(format!("connect {index}"));
    handler(&mut ws, index, log);
}

/// A connection whose first bytes were already read.
struct Prefixed {
    head: Vec<u8>,
    at: usize,
    conn: Box<dyn Conn>,
}

impl Read for Prefixed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at < self.head.len() {
            let n = buf.len().min(self.head.len() - self.at);
            buf[..n].copy_from_slice(&self.head[self.at..self.at + n]);
            self.at += n;
            return Ok(n);
        }
        self.conn.read(buf)
    }
}

impl Write for Prefixed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.conn.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.conn.flush()
    }
}

impl Conn for Prefixed {
    fn tcp(&self) -> &TcpStream {
        self.conn.tcp()
    }
}

/// Answers a REST request as the node does: the same auth as its socket (else its exact 403),
/// then the test's lists, or empty ones.
fn answer_rest(mut conn: Box<dyn Conn>, head: &str, path: &str, opts: &ServerOpts, log: &Log) {
    log.push(format!("rest {path}"));
    let authorized = opts.require.as_ref().is_none_or(|(name, want)| {
        head.lines().any(|l| {
            l.split_once(':')
                .is_some_and(|(k, v)| k.trim().eq_ignore_ascii_case(name) && v.trim() == want)
        })
    });
    let (status, body) = if !authorized {
        (403, "403 - Forbidden".to_string())
    } else if let Some(rest) = &opts.rest {
        rest(path)
    } else if path.starts_with("/ob/notifications") {
        (
            200,
            "{\n    \"notifications\": [],\n    \"total\": 0,\n    \"unread\": 0\n}".into(),
        )
    } else if ["/ob/sales", "/ob/purchases", "/ob/cases"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        // The node's empty order list has no array (orders.md §2.1).
        (200, "{\n    \"queryCount\": 0\n}".into())
    } else {
        (200, "[]".into())
    };
    let reason = match status {
        200 => "OK",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    let answer = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.write_all(answer.as_bytes());
    let _ = conn.flush();
}

/// Sends a text frame.
pub fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text)).unwrap();
}

/// Reads until the client closes or goes away, logging a close frame when one comes.
pub fn drain(ws: &mut Ws, log: &Log) {
    loop {
        match ws.read() {
            Ok(Message::Close(_)) => log.push("close frame"),
            Ok(Message::Text(t)) => log.push(format!("text {t}")),
            Ok(Message::Binary(_)) => log.push("binary"),
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

/// Ends the TCP connection with no close frame, as the node drops a slow reader.
pub fn cut(ws: &mut Ws) {
    let _ = ws.flush();
    let _ = ws.get_ref().tcp().shutdown(Shutdown::Both);
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + timeout;
    while Instant::now() < until {
        if f() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    f()
}

/// The obtail binary running as a child, killed on drop.
pub struct Obtail {
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
    pub home: tempfile::TempDir,
}

impl Obtail {
    /// Runs obtail with a clean environment: an empty HOME, no OBTAIL_* variables, ndjson out.
    pub fn run(args: &[&str]) -> Obtail {
        Obtail::run_env(args, &[])
    }

    pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> Obtail {
        Obtail::run_gated(args, env, Arc::new(AtomicBool::new(true)))
    }

    /// Runs obtail with its stdout left unread until `gate` is set: a stalled reader.
    pub fn run_gated(args: &[&str], env: &[(&str, &str)], gate: Arc<AtomicBool>) -> Obtail {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_obtail"));
        cmd.args(args)
            .env_remove("OBTAIL_URL")
            .env_remove("OBTAIL_COOKIE")
            .env_remove("OBTAIL_PASSWORD")
            .env("HOME", home.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let out = collect(Gated(stdout, gate));
        let err = collect(child.stderr.take().unwrap());
        Obtail {
            child,
            out,
            err,
            home,
        }
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().unwrap()).into_owned()
    }

    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout().lines().map(String::from).collect()
    }

    pub fn wait_stdout(&self, timeout: Duration, f: impl Fn(&str) -> bool) -> bool {
        wait_until(timeout, || f(&self.stdout()))
    }

    pub fn wait_stderr(&self, timeout: Duration, f: impl Fn(&str) -> bool) -> bool {
        wait_until(timeout, || f(&self.stderr()))
    }

    /// The exit code, if obtail ended within `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let until = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader threads take the last output.
                thread::sleep(Duration::from_millis(50));
                return status.code();
            }
            if Instant::now() >= until {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGINT, as Ctrl-C does.
    pub fn interrupt(&self) {
        self.signal("INT");
    }

    /// Sends a signal by name (`TERM`, `HUP`, `STOP`, `CONT`).
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// The process's peak resident memory in KiB (Linux), as `VmHWM` in /proc says.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }
}

impl Drop for Obtail {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reader that reads nothing until its gate opens.
struct Gated<R>(R, Arc<AtomicBool>);

impl<R: Read> Read for Gated<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while !self.1.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(10));
        }
        self.0.read(buf)
    }
}

fn collect(mut r: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let b = buf.clone();
    thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            b.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    buf
}

/// A certificate and key for 127.0.0.1, as PEM files in `dir`, and the server config.
pub struct Tls {
    pub cert_pem: PathBuf,
    pub server: Arc<ServerConfig>,
}

/// A self-signed certificate for 127.0.0.1; `ca` marks it CA:TRUE, as `openssl req -x509` does.
pub fn self_signed(dir: &Path, ca: bool) -> Tls {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    let cert = params.self_signed(&key).unwrap();
    let cert_pem = dir.join(if ca { "ca-node.pem" } else { "node.pem" });
    std::fs::write(&cert_pem, cert.pem()).unwrap();
    let server = server_config(vec![cert.der().clone()], key.serialize_der());
    Tls { cert_pem, server }
}

/// A CA and a leaf for 127.0.0.1 signed by it; `cert_pem` is the CA's certificate.
pub fn ca_signed(dir: &Path) -> Tls {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let cert_pem = dir.join("ca.pem");
    std::fs::write(&cert_pem, ca_cert.pem()).unwrap();
    let server = server_config(vec![leaf.der().clone()], leaf_key.serialize_der());
    Tls { cert_pem, server }
}

fn server_config(
    chain: Vec<rustls_pki_types::CertificateDer<'static>>,
    key: Vec<u8>,
) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, rustls_pki_types::PrivateKeyDer::Pkcs8(key.into()))
        .unwrap();
    Arc::new(cfg)
}

/// A self-signed certificate (not CA-flagged) for `names`, expired when `expired`.
pub fn self_signed_for(dir: &Path, names: &[&str], expired: bool) -> Tls {
    use rcgen::{CertificateParams, KeyPair};
    let key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    if expired {
        params.not_before = rcgen::date_time_ymd(2001, 1, 1);
        params.not_after = rcgen::date_time_ymd(2002, 1, 1);
    }
    let cert = params.self_signed(&key).unwrap();
    let cert_pem = dir.join("pinned.pem");
    std::fs::write(&cert_pem, cert.pem()).unwrap();
    let server = server_config(vec![cert.der().clone()], key.serialize_der());
    Tls { cert_pem, server }
}

/// The books of `--stats=json`: every row must balance (received + recovered = printed +
/// filtered + invalid + dropped + duplicate + queued); returns the total row's numbers.
pub fn books(stderr: &str) -> [u64; 8] {
    const COLS: [&str; 8] = [
        "received",
        "recovered",
        "printed",
        "filtered",
        "invalid",
        "dropped",
        "duplicate",
        "queued",
    ];
    let line = stderr
        .lines()
        .find(|l| l.starts_with("{\"rows\":"))
        .expect(stderr);
    let books: serde_json::Value = serde_json::from_str(line).unwrap();
    let numbers = |v: &serde_json::Value| COLS.map(|c| v[c].as_u64().expect(c));
    for row in books["rows"].as_array().unwrap() {
        let n = numbers(row);
        assert_eq!(
            n[0] + n[1],
            n[2..].iter().sum::<u64>(),
            "this row does not balance: {row}\n{stderr}"
        );
    }
    numbers(&books["total"])
}
