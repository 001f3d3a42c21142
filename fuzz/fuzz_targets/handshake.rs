//! The reading under the handshake deadline: a node's answer to the websocket request, read by
//! tungstenite's client in any read sizes, with the first bytes kept as `live::connect` keeps
//! them (`live::answer::Head`) and judged by `live::answer::speaks`. The handshake's outcome
//! does not depend on the read boundaries (but for tungstenite refusing very many small reads
//! as an attack); the head is the answer's first bytes; what it says
//! the port speaks follows from those bytes alone (TLS only for a TLS record header, HTTP
//! only for `HTTP/` or a start of it). The deadline itself is a test (a drip server).
#![no_main]

use std::io::{self, Read, Write};

use libfuzzer_sys::fuzz_target;
use obtail::live::answer::{speaks, Head, Speaks, HEAD};
use obtail::live::frames::TextMarks;
use obtail_fuzz::Chunked;
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;

/// The node's side: its answer in reads of fuzzer-chosen sizes, kept and watched as
/// `connect::Stream` does during the handshake; what obtail writes is dropped.
struct Answer {
    data: Chunked,
    head: Head,
    marks: TextMarks,
    read: usize,
}

impl Read for Answer {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.data.read(buf)?;
        self.head.keep(&buf[..n]);
        self.marks.scan(&mut buf[..n]);
        self.read += n;
        Ok(n)
    }
}

impl Write for Answer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How the handshake ended, as `connect::handshake_failure` tells endings apart, and the head.
fn handshake(answer: &[u8], sizes: Vec<usize>) -> (String, Vec<u8>, usize) {
    let stream = Answer {
        data: Chunked::new(answer.to_vec(), sizes),
        head: Head::default(),
        marks: TextMarks::default(),
        read: 0,
    };
    let request = "ws://127.0.0.1:4002/ws".into_client_request().unwrap();
    match tungstenite::client::client(request, stream) {
        Ok((ws, resp)) => {
            let s = ws.get_ref();
            (format!("ok {}", resp.status()), s.head.bytes().to_vec(), s.read)
        }
        Err(HandshakeError::Interrupted(_)) => ("interrupted".into(), Vec::new(), 0),
        Err(HandshakeError::Failure(e)) => {
            let what = match e {
                tungstenite::Error::Http(r) => format!("http {}", r.status()),
                tungstenite::Error::Protocol(p) => format!("protocol {p:?}"),
                other => format!("{other:?}"),
            };
            (what, Vec::new(), 0)
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&size, answer)) = data.split_first() else {
        return;
    };
    let (whole, _, _) = handshake(answer, vec![answer.len().max(1)]);
    let (split, head, read) = handshake(answer, vec![usize::from(size % 17) + 1, 3]);
    // tungstenite refuses an answer in more than 64 reads averaging under 128 bytes as an
    // attack: the one outcome that depends on the read sizes, by design (the deadline ends
    // a slower drip first).
    if whole != "AttackAttempt" && split != "AttackAttempt" {
        assert_eq!(whole, split, "read boundaries changed the handshake");
    }
    if whole.starts_with("ok") {
        assert!(answer.starts_with(b"HTTP/1.1 101"), "a websocket without a 101");
        assert_eq!(head.len(), read.min(HEAD));
        assert_eq!(&head[..], &answer[..head.len()], "the head is not the answer's start");
    }
    // What the first bytes say, for any prefix of any answer.
    for n in [0, 1, 2, 4, 5, 16, answer.len()] {
        let start = &answer[..n.min(answer.len())];
        let verdict = speaks(start);
        let tls = matches!(start, [0x15 | 0x16] | [0x15 | 0x16, 0x03, ..]);
        let http = !start.is_empty()
            && (start.starts_with(b"HTTP/") || b"HTTP/".starts_with(start));
        match verdict {
            Speaks::Nothing => assert!(start.is_empty()),
            Speaks::Tls => assert!(tls, "{start:?} called TLS"),
            Speaks::Http => assert!(http, "{start:?} called HTTP"),
            Speaks::Other => assert!(!tls && !http && !start.is_empty(), "{start:?}"),
        }
    }
    let mut kept = Head::default();
    for piece in answer.chunks(usize::from(size % 7) + 1) {
        kept.keep(piece);
    }
    assert_eq!(kept.bytes(), &answer[..answer.len().min(HEAD)]);
});
