//! HTTP/1.1 as the node's Go server speaks it: request heads and bodies in, its exact
//! refusals and plain-text answers out, over plain TCP or TLS.

use std::io::{self, Read, Write};

use base64::Engine as _;
use rustls::{ServerConnection, StreamOwned};

use super::SimAuth;

const HEAD_LIMIT: usize = 16 * 1024;
/// The largest request body read (the lists' POST form is a few hundred bytes).
const BODY_LIMIT: usize = 1 << 20;

/// A byte stream with or without TLS on top of `S`.
pub enum Io<S: Read + Write> {
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

pub struct Request {
    pub method: String,
    /// The request target exactly as sent.
    pub target: String,
    pub path: String,
    pub query: String,
    headers: Vec<(String, String)>,
}

impl Request {
    pub fn header<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.header(name)
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

/// Reads up to the blank line, starting with `buf` (what came after the previous request);
/// leaves in `buf` whatever came after this head. `None` when the client closed first.
pub fn read_head(io: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<Option<String>> {
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

/// The request's body (`Content-Length` bytes, starting with what `buf` holds); `None` when
/// it cannot be read here (chunked, or too large), so the connection must end after the answer.
pub fn read_body(
    io: &mut impl Read,
    buf: &mut Vec<u8>,
    req: &Request,
) -> io::Result<Option<Vec<u8>>> {
    if req.header("Transfer-Encoding").next().is_some() {
        return Ok(None);
    }
    let length = match req.header("Content-Length").next() {
        None => return Ok(Some(Vec::new())),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n <= BODY_LIMIT => n,
            _ => return Ok(None),
        },
    };
    let mut chunk = [0u8; 4096];
    while buf.len() < length {
        let n = io.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let rest = buf.split_off(length);
    Ok(Some(std::mem::replace(buf, rest)))
}

pub fn parse_head(head: &str) -> Option<Request> {
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
        target: target.into(),
        path: path.into(),
        query: query.into(),
        headers,
    })
}

/// The node's check (api/ws.go): basic auth compares user and password, cookie mode the
/// `OpenBazaar_Auth_Cookie` value; nothing else is looked at.
pub fn authorized(auth: &SimAuth, req: &Request) -> bool {
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

pub fn http_date() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// The node's refusal, exactly: `403 - Forbidden`, no newline, no `WWW-Authenticate`.
pub fn respond_forbidden(io: &mut impl Write) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 403 Forbidden\r\nDate: {}\r\nContent-Length: 15\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n403 - Forbidden",
        http_date()
    );
    io.write_all(head.as_bytes())?;
    io.flush()
}

/// Go's plain-text answers (`404 page not found`, `400 Bad Request`).
pub fn respond_text(io: &mut impl Write, status: &str, body: &[u8]) -> io::Result<()> {
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

/// A JSON answer of the sim's own (not the node's), whole.
pub fn respond_own_json(io: &mut impl Write, body: &str) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: {}\r\nContent-Length: {}\r\n\r\n",
        http_date(),
        body.len()
    );
    io.write_all(head.as_bytes())?;
    io.write_all(body.as_bytes())?;
    io.flush()
}

/// One chunk of a chunked answer (an empty one ends it).
pub fn write_chunk(io: &mut impl Write, data: &[u8]) -> io::Result<()> {
    write!(io, "{:x}\r\n", data.len())?;
    io.write_all(data)?;
    io.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_read_by_their_length_and_keep_what_follows() {
        let req = parse_head("POST /ob/sales?x=1 HTTP/1.1\r\nContent-Length: 4").unwrap();
        assert_eq!(
            (req.target.as_str(), req.path.as_str()),
            ("/ob/sales?x=1", "/ob/sales")
        );
        let mut buf = b"{}".to_vec();
        let mut rest: &[u8] = b"  GET / HTTP/1.1";
        assert_eq!(
            read_body(&mut rest, &mut buf, &req).unwrap().unwrap(),
            b"{}  "
        );
        assert_eq!(buf, b"GET / HTTP/1.1".to_vec());
        let chunked = parse_head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked").unwrap();
        assert!(read_body(&mut rest, &mut buf, &chunked).unwrap().is_none());
        let huge = parse_head("POST / HTTP/1.1\r\nContent-Length: 99999999").unwrap();
        assert!(read_body(&mut rest, &mut buf, &huge).unwrap().is_none());
        assert!(parse_head("GET / SPDY/3").is_none());
    }
}
