//! One REST call to a node: `GET … HTTP/1.1` with `Connection: close` over the same TCP, TLS
//! and auth as its websocket, and the answer read with a size cap and a deadline on every
//! read. The answer is untrusted input: every failure is a reason in words, never a panic.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::connect::{is_timeout, open_stream, AttemptError, Target};
use crate::source::replay::io_reason;

/// The largest response head obtail reads.
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;
/// The largest body of one REST answer; pages are asked for in small `limit`s.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// GETs `path` (with its query) and returns the body of a 200 answer.
pub fn get(t: &Target, path: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let deadline = Instant::now() + timeout;
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
    for (name, value) in &t.auth.headers {
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
    let (status, body) = read_response(&mut stream, MAX_BODY, || {
        let left = deadline.checked_duration_since(Instant::now())?;
        tcp.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()
    })?;
    match status {
        200 => Ok(body),
        s => Err(status_reason(s, &body)),
    }
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

/// Reads one HTTP/1.1 answer: the head, then the body by `Content-Length`, chunked, or to the
/// end of the stream. `before_read` runs before every read (it sets the socket's read timeout
/// to what is left of the deadline) and says `None` once the deadline has passed.
pub fn read_response(
    r: &mut impl Read,
    cap: usize,
    mut before_read: impl FnMut() -> Option<()>,
) -> Result<(u16, Vec<u8>), String> {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    let mut read_more = |buf: &mut Vec<u8>, limit: usize| -> Result<bool, String> {
        before_read().ok_or("the node did not answer in time")?;
        let n = r.read(&mut chunk).map_err(|e| io_error(&e))?;
        if buf.len() + n > limit {
            return Err(format!("the answer is larger than {}", limit));
        }
        buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    };
    let (status, head_len, framing) = loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let status = resp.code.unwrap_or(0);
                break (status, len, framing(resp.headers)?);
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Err(format!("the node's answer is not HTTP: {e}")),
        }
        if !read_more(&mut buf, MAX_HEAD + cap)? {
            return Err("the node closed the connection before answering".into());
        }
        if buf.len() > MAX_HEAD && !head_complete(&buf) {
            return Err(format!("the answer's head is larger than {MAX_HEAD} bytes"));
        }
    };
    let limit = head_len.saturating_add(cap).saturating_add(64 * 1024);
    let body = match framing {
        Framing::Length(n) => {
            if n > cap as u64 {
                return Err(format!("the answer is larger than {cap} bytes"));
            }
            let end = head_len + n as usize;
            while buf.len() < end {
                if !read_more(&mut buf, limit)? {
                    return Err("the answer was cut short".into());
                }
            }
            buf[head_len..end].to_vec()
        }
        Framing::Chunked => loop {
            match dechunk(&buf[head_len..], cap)? {
                Some(body) => break body,
                None => {
                    if !read_more(&mut buf, limit)? {
                        return Err("the answer was cut short".into());
                    }
                }
            }
        },
        Framing::ToEnd => {
            while read_more(&mut buf, head_len.saturating_add(cap))? {}
            buf[head_len..].to_vec()
        }
    };
    Ok((status, body))
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

/// Decodes a chunked body; `None` while it is incomplete.
fn dechunk(mut data: &[u8], cap: usize) -> Result<Option<Vec<u8>>, String> {
    let mut body = Vec::new();
    loop {
        let Some(eol) = memchr::memmem::find(data, b"\r\n") else {
            return if data.len() > 1024 {
                Err("a chunk size line is too long".into())
            } else {
                Ok(None)
            };
        };
        let line = &data[..eol];
        let size_text = line.split(|&b| b == b';').next().unwrap_or_default();
        let size_text = std::str::from_utf8(size_text).unwrap_or("").trim();
        let size = u64::from_str_radix(size_text, 16)
            .map_err(|_| "the answer's chunk size is not a number".to_string())?;
        data = &data[eol + 2..];
        if size == 0 {
            // Trailers are not used; the body is complete once its size-0 line has come.
            return Ok(Some(body));
        }
        if size > (cap - body.len().min(cap)) as u64 {
            return Err(format!("the answer is larger than {cap} bytes"));
        }
        let size = size as usize;
        if data.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[..size]);
        if &data[size..size + 2] != b"\r\n" {
            return Err("the answer's chunks are malformed".into());
        }
        data = &data[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        read_response(&mut &bytes[..], cap, || Some(()))
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
            let slow = read_response(&mut Trickle(&bytes), MAX_BODY, || Some(())).unwrap();
            assert_eq!(slow, (200, body), "{name} one byte at a time");
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
        let slow = read_response(&mut Trickle(&http), MAX_BODY, || Some(())).unwrap();
        assert_eq!(slow.1, body);
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
