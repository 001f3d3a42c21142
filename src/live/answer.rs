//! What a port said when it did not answer as a node's API port does: TLS, HTTP, something
//! else, or nothing at all. Judged from the first bytes it sent (never shown: they are a
//! stranger's), so that every such mistake ends the first connection with one fix, whichever
//! scheme was tried; a port that closed without a word is asked once more, in TLS.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConnection;
use rustls_pki_types::ServerName;

/// What the start of a port's answer shows it speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaks {
    /// It closed (or reset) without sending a byte.
    Nothing,
    /// A TLS record: a handshake or an alert, version 3.x.
    Tls,
    /// `HTTP/`, or as much of it as came.
    Http,
    /// Anything else: not a web server (the node's swarm port answers `/multistream/1.0.0`).
    Other,
}

/// The bytes kept from the start of an answer: a TLS record header, `HTTP/`, and the whole
/// of Go's plain-HTTP answer on a TLS port fit.
pub const HEAD: usize = 256;

/// The first bytes a port sent, as they are read.
#[derive(Debug, Default, Clone)]
pub struct Head(Vec<u8>);

impl Head {
    /// Keeps what is still missing of the first `HEAD` bytes.
    pub fn keep(&mut self, read: &[u8]) {
        let room = HEAD.saturating_sub(self.0.len()).min(read.len());
        self.0
            .extend_from_slice(read.get(..room).unwrap_or_default());
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// What `head`, the first bytes of an answer, shows the port speaks.
pub fn speaks(head: &[u8]) -> Speaks {
    match head {
        [] => Speaks::Nothing,
        [0x15 | 0x16] | [0x15 | 0x16, 0x03, ..] => Speaks::Tls,
        h if h.len() >= 5 && h.starts_with(b"HTTP/") => Speaks::Http,
        h if h.len() < 5 && b"HTTP/".starts_with(h) => Speaks::Http,
        _ => Speaks::Other,
    }
}

/// The fix for a port that is not the node's API port at all.
pub fn not_http(port: u16) -> String {
    format!(
        "port {port} does not speak HTTP (the node's swarm port answers like that): is it the \
         node's API port (4002 unless its config says otherwise)?"
    )
}

/// Whether the server behind `tcp` answers a TLS hello as a TLS server does (a handshake or
/// an alert record), within the deadline. `config` is any client configuration: the hello
/// only has to be one, nothing is verified.
pub fn answers_tls(
    tcp: TcpStream,
    host: &str,
    config: Arc<rustls::ClientConfig>,
    deadline: Instant,
) -> bool {
    let name = ServerName::try_from(host.to_string())
        .unwrap_or_else(|_| ServerName::try_from("localhost").expect("a valid name"));
    let Ok(mut conn) = ClientConnection::new(config, name) else {
        return false;
    };
    let mut io = Bounded::new(&tcp, deadline);
    while conn.wants_write() {
        if conn.write_tls(&mut io).is_err() {
            return false;
        }
    }
    let mut buf = [0u8; 5];
    let n = io.read(&mut buf).unwrap_or(0);
    speaks(buf.get(..n).unwrap_or_default()) == Speaks::Tls
}

/// A socket whose every read and write ends by the deadline, however the peer drips: each
/// one waits at most for what is left of it, and none starts once it has passed. It keeps
/// the first bytes read.
pub struct Bounded<'a> {
    tcp: &'a TcpStream,
    deadline: Instant,
    pub head: Head,
}

impl<'a> Bounded<'a> {
    pub fn new(tcp: &'a TcpStream, deadline: Instant) -> Self {
        Bounded {
            tcp,
            deadline,
            head: Head::default(),
        }
    }
}

/// Sets the socket's timeouts to what is left before `deadline`; `TimedOut` once it passed.
pub fn bound(tcp: &TcpStream, deadline: Instant) -> io::Result<()> {
    let left = deadline
        .checked_duration_since(Instant::now())
        .filter(|d| *d >= Duration::from_millis(1))
        .ok_or(io::ErrorKind::TimedOut)?;
    tcp.set_read_timeout(Some(left))?;
    tcp.set_write_timeout(Some(left))
}

impl Read for Bounded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        bound(self.tcp, self.deadline)?;
        let mut tcp = self.tcp;
        let n = tcp.read(buf)?;
        self.head.keep(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

impl Write for Bounded<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        bound(self.tcp, self.deadline)?;
        let mut tcp = self.tcp;
        tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bytes_tell_what_a_port_speaks() {
        for (head, want) in [
            (&b""[..], Speaks::Nothing),
            (b"\x15\x03\x01\x00\x02\x02\x46", Speaks::Tls),
            (b"\x16\x03\x03\x00\x7a", Speaks::Tls),
            (b"\x16", Speaks::Tls),
            (b"HTTP/1.1 400 Bad Request", Speaks::Http),
            (b"HTT", Speaks::Http),
            (b"\x13/multistream/1.0.0\n", Speaks::Other),
            (b"\x16\x01", Speaks::Other),
            (b"SSH-2.0-OpenSSH_9.2", Speaks::Other),
            (b"http/1.1 200", Speaks::Other),
        ] {
            assert_eq!(speaks(head), want, "{head:?}");
        }
    }

    #[test]
    fn a_head_keeps_the_first_bytes_whatever_the_reads() {
        let answer = b"HTTP/1.1 101 Switching Protocols\r\n";
        for step in [1, 3, 7, 100] {
            let mut head = Head::default();
            for piece in answer.chunks(step) {
                head.keep(piece);
            }
            assert_eq!(head.bytes(), &answer[..], "{step}");
        }
        let long = [b'x'; 1000];
        for step in [1, 100, 1000] {
            let mut head = Head::default();
            for piece in long.chunks(step) {
                head.keep(piece);
            }
            assert_eq!(head.bytes(), &long[..HEAD], "{step}");
        }
    }
}
