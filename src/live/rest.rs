//! One REST call to a node: `GET … HTTP/1.1` with `Connection: close` over the same TCP, TLS
//! and auth as its websocket, and the answer read with a size cap and a deadline on every
//! read. The answer is untrusted input: every failure is a reason in words, never a panic.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use tungstenite::http::{HeaderName, HeaderValue};

use super::connect::{is_timeout, open_stream, AttemptError, Target};
pub use super::recover::Answer;
use crate::exit::io_reason;
use crate::frame::Stamp;

/// The largest response head obtail reads.
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;
/// The largest body of one REST answer; pages are asked for in small `limit`s.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// GETs `path` (with its query) with the credentials the socket uses (a cookie found on disk
/// included: each candidate in turn, the one the node took last first) and returns the body
/// of a 200 answer with the node's clock.
pub fn get(t: &Target, path: &str, timeout: Duration) -> Result<Answer, String> {
    get_status(t, path, timeout).map_err(|(_, why)| why)
}

/// `get`, with the HTTP status of a refusal (`None` when no answer came at all).
pub fn get_status(
    t: &Target,
    path: &str,
    timeout: Duration,
) -> Result<Answer, (Option<u16>, String)> {
    let deadline = Instant::now() + timeout;
    let attempts = t.auth.attempts();
    let mut refused = None;
    for attempt in &attempts {
        let response = get_with(t, path, &attempt.headers, deadline).map_err(|e| (None, e))?;
        match response.status {
            200 => {
                t.auth.accepted(attempt);
                return Ok(Answer {
                    body: response.body,
                    date: response.date,
                });
            }
            401 | 403 => refused = Some(response),
            s => return Err((Some(s), status_reason(s, &response.body))),
        }
    }
    let r = refused.unwrap_or_default();
    Err((Some(r.status), status_reason(r.status, &r.body)))
}

fn get_with(
    t: &Target,
    path: &str,
    headers: &[(HeaderName, HeaderValue)],
    deadline: Instant,
) -> Result<Response, String> {
    let mut stream = open_stream(t, deadline).map_err(|e| match e {
        AttemptError::Retry(why) | AttemptError::Permanent(why) => why,
        AttemptError::Fatal(f) => f.to_string(),
    })?;
    let mut request = format!(
        "GET {}{path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\
         User-Agent: obtail/{}\r\nConnection: close\r\n",
        prefix(&t.url.path),
        authority(&t.url.host, t.url.port),
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes();
    for (name, value) in headers {
        request.extend_from_slice(name.as_str().as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value.as_bytes());
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    stream
        .write_all(&request)
        .and_then(|()| stream.flush())
        .map_err(|e| io_error(&e))?;
    let tcp = stream.tcp().try_clone().map_err(|e| io_reason(&e))?;
    read_response(&mut stream, MAX_BODY, || {
        let left = deadline.checked_duration_since(Instant::now())?;
        tcp.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()
    })
}

/// The path before the websocket's `/ws`: a node behind a proxy at `/node1/ws` answers REST
/// under `/node1/`.
fn prefix(ws_path: &str) -> &str {
    let path = ws_path.split('?').next().unwrap_or("");
    let path = path.trim_end_matches('/');
    path.strip_suffix("/ws").unwrap_or("")
}

fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn io_error(e: &std::io::Error) -> String {
    if is_timeout(e) {
        "the node did not answer in time".into()
    } else {
        io_reason(e)
    }
}

/// What a failed answer means, with the node's own reason when it gave one.
fn status_reason(status: u16, body: &[u8]) -> String {
    let reason = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("reason")?.as_str().map(str::to_string));
    let what = match status {
        401 | 403 => format!("authentication refused (HTTP {status})"),
        404 | 405 => {
            format!("the node does not have this endpoint (HTTP {status}; too old a node?)")
        }
        s => format!("the node answered HTTP {s}"),
    };
    match reason {
        Some(r) => format!("{what}: {}", crate::sanitize::escape(&cut(&r, 200))),
        None => what,
    }
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// One HTTP answer: its status, the node's clock and the body.
#[derive(Debug, Default, PartialEq)]
pub struct Response {
    pub status: u16,
    /// The `Date` header: the node's clock when it answered.
    pub date: Option<Stamp>,
    pub body: Vec<u8>,
}

/// Reads one HTTP/1.1 answer: the head, then the body by `Content-Length`, chunked, or to the
/// end of the stream. `before_read` runs before every read (it sets the socket's read timeout
/// to what is left of the deadline) and says `None` once the deadline has passed.
pub fn read_response(
    r: &mut impl Read,
    cap: usize,
    before_read: impl FnMut() -> Option<()>,
) -> Result<Response, String> {
    let mut reader = Reader {
        r,
        before_read,
        chunk: [0; 8192],
    };
    let mut buf = Vec::with_capacity(8192);
    let head = reader.head(&mut buf, cap)?;
    buf.drain(..head.len);
    let body = reader.body(buf, head.framing, cap)?;
    Ok(Response {
        status: head.status,
        date: head.date,
        body,
    })
}

/// An answer's head, read.
struct Head {
    status: u16,
    date: Option<Stamp>,
    len: usize,
    framing: Framing,
}

/// Reads an answer under a deadline, a block at a time.
struct Reader<'r, R, F> {
    r: &'r mut R,
    before_read: F,
    chunk: [u8; 8192],
}

impl<R: Read, F: FnMut() -> Option<()>> Reader<'_, R, F> {
    /// Reads more into `buf`, which may hold at most `limit` bytes; false at the end.
    fn more(&mut self, buf: &mut Vec<u8>, limit: usize) -> Result<bool, String> {
        loop {
            (self.before_read)().ok_or("the node did not answer in time")?;
            let n = match self.r.read(&mut self.chunk) {
                // A read timeout, or a stopped and continued obtail (Ctrl-Z, fg: the stream
                // turns EINTR into a timeout): `before_read` says whether time is left.
                Err(e) if is_timeout(&e) => continue,
                other => other.map_err(|e| io_error(&e))?,
            };
            if buf.len() + n > limit {
                return Err(format!("the answer is larger than {limit} bytes"));
            }
            buf.extend_from_slice(self.chunk.get(..n).unwrap_or_default());
            return Ok(n > 0);
        }
    }

    fn head(&mut self, buf: &mut Vec<u8>, cap: usize) -> Result<Head, String> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(buf) {
                Ok(httparse::Status::Complete(len)) => {
                    return Ok(Head {
                        status: resp.code.unwrap_or(0),
                        date: date(resp.headers),
                        len,
                        framing: framing(resp.headers)?,
                    })
                }
                Ok(httparse::Status::Partial) => {}
                Err(e) => return Err(format!("the node's answer is not HTTP: {e}")),
            }
            if !self.more(buf, MAX_HEAD + cap)? {
                return Err("the node closed the connection before answering".into());
            }
            if buf.len() > MAX_HEAD && !head_complete(buf) {
                return Err(format!("the answer's head is larger than {MAX_HEAD} bytes"));
            }
        }
    }

    /// The body, from what followed the head in `buf` on.
    fn body(&mut self, mut buf: Vec<u8>, framing: Framing, cap: usize) -> Result<Vec<u8>, String> {
        match framing {
            Framing::Length(n) => {
                if n > cap as u64 {
                    return Err(format!("the answer is larger than {cap} bytes"));
                }
                let end = n as usize;
                while buf.len() < end {
                    if !self.more(&mut buf, cap)? {
                        return Err("the answer was cut short".into());
                    }
                }
                buf.truncate(end);
                Ok(buf)
            }
            Framing::Chunked => {
                let mut body = Dechunk::new(cap);
                // Chunks are taken out of `buf` as they complete: a body sent in tiny chunks
                // costs one pass, and `buf` holds one chunk at most.
                while !body.feed(&mut buf)? {
                    if !self.more(&mut buf, cap.saturating_add(CHUNK_SLACK))? {
                        return Err("the answer was cut short".into());
                    }
                }
                Ok(body.body)
            }
            Framing::ToEnd => {
                while self.more(&mut buf, cap)? {}
                Ok(buf)
            }
        }
    }
}

/// Bytes a chunked answer may hold beyond its body while a chunk is being read: its size
/// line and the chunk's own framing.
const CHUNK_SLACK: usize = 64 * 1024;

/// The node's clock, from the `Date` header (`Sun, 06 Dec 2026 21:38:08 GMT`).
fn date(headers: &[httparse::Header]) -> Option<Stamp> {
    let h = headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("date"))?;
    let text = std::str::from_utf8(h.value).ok()?;
    chrono::DateTime::parse_from_rfc2822(text.trim())
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

fn head_complete(buf: &[u8]) -> bool {
    memchr::memmem::find(buf, b"\r\n\r\n").is_some()
}

enum Framing {
    Length(u64),
    Chunked,
    ToEnd,
}

fn framing(headers: &[httparse::Header]) -> Result<Framing, String> {
    let value = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    if let Some(te) = value("transfer-encoding") {
        return if te.ends_with("chunked") {
            Ok(Framing::Chunked)
        } else {
            Err(format!(
                "the answer's Transfer-Encoding '{}' is not supported",
                crate::sanitize::escape(&cut(&te, 40))
            ))
        };
    }
    match value("content-length") {
        Some(n) => n
            .parse()
            .map(Framing::Length)
            .map_err(|_| "the answer's Content-Length is not a number".to_string()),
        None => Ok(Framing::ToEnd),
    }
}

/// A chunked body decoded as it comes.
struct Dechunk {
    body: Vec<u8>,
    cap: usize,
}

impl Dechunk {
    fn new(cap: usize) -> Self {
        Dechunk {
            body: Vec::new(),
            cap,
        }
    }

    /// Takes every whole chunk from the front of `data`; true once the last one has come.
    fn feed(&mut self, data: &mut Vec<u8>) -> Result<bool, String> {
        let mut used = 0;
        let done = loop {
            let rest = data.get(used..).unwrap_or_default();
            let Some(eol) = memchr::memmem::find(rest, b"\r\n") else {
                if rest.len() > 1024 {
                    return Err("a chunk size line is too long".into());
                }
                break false;
            };
            let line = rest.get(..eol).unwrap_or_default();
            let size_text = line.split(|&b| b == b';').next().unwrap_or_default();
            let size_text = std::str::from_utf8(size_text).unwrap_or("").trim();
            let size = u64::from_str_radix(size_text, 16)
                .map_err(|_| "the answer's chunk size is not a number".to_string())?;
            if size == 0 {
                // Trailers are not used; the body is complete once its size-0 line has come.
                break true;
            }
            if size > (self.cap - self.body.len().min(self.cap)) as u64 {
                return Err(format!("the answer is larger than {} bytes", self.cap));
            }
            let size = size as usize;
            let Some(chunk) = rest.get(eol + 2..eol + 2 + size) else {
                break false;
            };
            match rest.get(eol + 2 + size..eol + 4 + size) {
                None => break false,
                Some(b"\r\n") => {}
                Some(_) => return Err("the answer's chunks are malformed".into()),
            }
            self.body.extend_from_slice(chunk);
            used += eol + 4 + size;
        };
        data.drain(..used);
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that times out (or is stopped and continued) before every piece it gives.
    struct Stalling<'a>(&'a [u8], bool);

    impl Read for Stalling<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.1 = !self.1;
            if self.1 {
                return Err(std::io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.0.len()).min(7);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_read_that_times_out_goes_on_while_the_deadline_allows() {
        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]";
        let r = read_response(&mut Stalling(answer, false), 1024, || Some(())).unwrap();
        assert_eq!((r.status, &r.body[..]), (200, &b"[]"[..]));
        let mut reads = 0;
        let late = read_response(&mut Stalling(answer, false), 1024, || {
            reads += 1;
            (reads < 3).then_some(())
        });
        assert_eq!(late.unwrap_err(), "the node did not answer in time");
    }
    use std::path::Path;

    const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real-node/rest");

    fn real(name: &str) -> Vec<u8> {
        let dir = Path::new(REAL);
        let raw = dir.join(format!("{name}.raw"));
        if raw.exists() {
            return std::fs::read(raw).unwrap();
        }
        let mut v = std::fs::read(dir.join(format!("{name}.headers"))).unwrap();
        v.extend(std::fs::read(dir.join(format!("{name}.body"))).unwrap());
        v
    }

    fn read(bytes: &[u8], cap: usize) -> Result<(u16, Vec<u8>), String> {
        read_response(&mut &bytes[..], cap, || Some(())).map(|r| (r.status, r.body))
    }

    fn read_slowly(bytes: &[u8]) -> (u16, Vec<u8>) {
        let r = read_response(&mut Trickle(bytes), MAX_BODY, || Some(())).unwrap();
        (r.status, r.body)
    }

    /// A reader that hands out one byte at a time, as a slow network might.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn real_answers_are_read_byte_for_byte() {
        for name in [
            "n01-notifications-all",
            "n03-notifications-after-restart",
            "c02-chatmessages-all",
        ] {
            let bytes = real(name);
            let body = std::fs::read(Path::new(REAL).join(format!("{name}.body"))).unwrap();
            assert_eq!(
                read(&bytes, MAX_BODY).unwrap(),
                (200, body.clone()),
                "{name}"
            );
            assert_eq!(
                read_slowly(&bytes),
                (200, body),
                "{name} one byte at a time"
            );
        }
    }

    #[test]
    fn refusals_and_errors_are_reasons_in_words() {
        let (status, body) = read(&real("n12-notifications-noauth"), MAX_BODY).unwrap();
        assert_eq!((status, &body[..]), (403, &b"403 - Forbidden"[..]));
        assert_eq!(
            status_reason(status, &body),
            "authentication refused (HTTP 403)"
        );
        let (status, body) = read(&real("n08-notifications-badlimit"), MAX_BODY).unwrap();
        assert_eq!(
            status_reason(status, &body),
            "the node answered HTTP 500: strconv.Atoi: parsing 'abc': invalid syntax"
        );
        assert!(status_reason(404, b"404 page not found").contains("too old a node"));
        // The status once, not `HTTP 503 (HTTP 503)`.
        assert_eq!(status_reason(503, b""), "the node answered HTTP 503");
    }

    #[test]
    fn chunked_answers_are_joined() {
        let body =
            std::fs::read(Path::new(REAL).join("n03-notifications-after-restart.body")).unwrap();
        let mut http = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for part in body.chunks(300) {
            http.extend(format!("{:x};ext=1\r\n", part.len()).bytes());
            http.extend(part);
            http.extend(b"\r\n");
        }
        http.extend(b"0\r\n\r\n");
        assert_eq!(read(&http, MAX_BODY).unwrap(), (200, body.clone()));
        assert_eq!(read_slowly(&http).1, body);
        assert!(read(&http, 100).unwrap_err().contains("larger than 100"));
    }

    #[test]
    fn hostile_answers_are_errors_not_panics() {
        let cases: &[&[u8]] = &[
            b"",
            b"garbage\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab",
        ];
        for case in cases {
            assert!(
                read(case, 1024).is_err(),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
        let mut huge_head = b"HTTP/1.1 200 OK\r\n".to_vec();
        huge_head.extend(std::iter::repeat_n(b'a', MAX_HEAD * 2));
        assert!(read(&huge_head, 1024).is_err());
        // Without a length the body runs to the end of the stream, within the cap.
        let to_end = b"HTTP/1.1 200 OK\r\n\r\n[]";
        assert_eq!(read(to_end, 1024).unwrap(), (200, b"[]".to_vec()));
        let big = [&b"HTTP/1.1 200 OK\r\n\r\n"[..], &[b' '; 4096]].concat();
        assert!(read(&big, 1024).is_err());
    }

    #[test]
    fn a_body_in_tiny_chunks_is_read_in_one_pass() {
        // 2 MB in 1-byte chunks: decoding from the start after every read was quadratic.
        let body: Vec<u8> = (0..2_000_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let mut http = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for b in &body {
            http.extend(b"1\r\n");
            http.push(*b);
            http.extend(b"\r\n");
        }
        http.extend(b"0\r\n\r\n");
        let r = read_response(&mut &http[..], MAX_BODY, || Some(())).unwrap();
        assert_eq!(r.body, body);
        // Whole chunks leave the buffer as they come, so nothing is decoded twice: fed
        // seven bytes at a time, it never holds more than one chunk's worth.
        let mut d = Dechunk::new(MAX_BODY);
        let mut pending = Vec::new();
        let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".len();
        let mut done = false;
        for piece in http[head..].chunks(7) {
            pending.extend_from_slice(piece);
            done = d.feed(&mut pending).unwrap();
            assert!(pending.len() < 12, "{} bytes left undecoded", pending.len());
        }
        assert!(done);
        assert_eq!(d.body, body);
    }

    #[test]
    fn the_nodes_clock_comes_from_its_date_header() {
        let http = b"HTTP/1.1 200 OK\r\nDate: Sun, 06 Dec 2026 21:38:08 GMT\r\nContent-Length: 2\r\n\r\n[]";
        let r = read_response(&mut &http[..], MAX_BODY, || Some(())).unwrap();
        assert_eq!(r.date, crate::frame::parse_time("2026-12-06T21:38:08Z"));
        assert_eq!(r.body, b"[]");
    }

    #[test]
    fn a_passed_deadline_ends_the_read() {
        let bytes = real("n01-notifications-all");
        let err = read_response(&mut &bytes[..], MAX_BODY, || None).unwrap_err();
        assert!(err.contains("in time"), "{err}");
    }

    #[test]
    fn rest_paths_sit_beside_the_websocket() {
        assert_eq!(prefix("/ws"), "");
        assert_eq!(prefix("/"), "");
        assert_eq!(prefix("/node1/ws"), "/node1");
        assert_eq!(prefix("/node1/ws/?x=1"), "/node1");
        assert_eq!(authority("::1", 4002), "[::1]:4002");
    }
}
