//! The closing handshake: any close payload is judged by RFC 6455 (`live::frames::judge_close`:
//! no payload, or a code an endpoint may send and a UTF-8 reason; anything else a protocol
//! error whose words are one printable line that never quotes the reason), and on the wire,
//! read by tungstenite in any read sizes with `TextMarks` watching, the session ends at the
//! close frame: nothing after it is read, the payload `TextMarks` keeps is the one sent, and
//! whenever tungstenite refuses it as not UTF-8 the judge does too (the session takes that
//! error for the close it is).
#![no_main]

use std::io::{self, Read, Write};

use libfuzzer_sys::fuzz_target;
use obtail::live::frames::{judge_close, TextMarks};
use obtail_fuzz::{assert_terminal_safe, Chunked};
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Error, Message, WebSocket};

struct Wire {
    data: Chunked,
    marks: TextMarks,
}

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.data.read(buf)?;
        self.marks.scan(&mut buf[..n]);
        Ok(n)
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Codes an endpoint may send (RFC 6455 7.4 and the IANA registry), written out apart from
/// obtail's own list.
fn may_send(code: u16) -> bool {
    (1000..=1003).contains(&code) || (1007..=1014).contains(&code) || (3000..5000).contains(&code)
}

fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x80 | opcode];
    if payload.len() < 126 {
        f.push(payload.len() as u8);
    } else {
        f.push(126);
        f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    f.extend_from_slice(payload);
    f
}

/// Reads the wire until the session would end; the data messages read, and how it ended.
fn session(wire: Vec<u8>, sizes: Vec<usize>) -> (Vec<Vec<u8>>, String, Option<Vec<u8>>) {
    let mut marks = TextMarks::default();
    marks.scan(&mut b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec());
    let stream = Wire {
        data: Chunked::new(wire, sizes),
        marks,
    };
    let mut ws = WebSocket::from_raw_socket(stream, Role::Client, Some(WebSocketConfig::default()));
    let mut read = Vec::new();
    let end = loop {
        let msg = ws.read().map(|m| ws.get_mut().marks.data(m));
        match msg {
            Ok(Ok((bytes, _))) => read.push(bytes.to_vec()),
            Ok(Err(Message::Close(_))) => break "close".to_string(),
            Ok(Err(_)) => {}
            Err(Error::Utf8(_)) => break "utf8".to_string(),
            Err(e) => break format!("error {e}"),
        }
    };
    let close = ws.get_ref().marks.close_payload().map(<[u8]>::to_vec);
    (read, end, close)
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let (payload, before) = rest.split_at(usize::from(n % 126).min(rest.len()));
    match judge_close(payload) {
        Ok(None) => assert!(payload.is_empty()),
        Ok(Some((code, reason))) => {
            assert!(payload.len() >= 2 && may_send(code), "{payload:?} passed");
            assert_eq!(reason.as_bytes(), &payload[2..]);
        }
        Err(why) => {
            let good = payload.len() >= 2
                && may_send(u16::from_be_bytes([payload[0], payload[1]]))
                && std::str::from_utf8(&payload[2..]).is_ok();
            assert!(!payload.is_empty() && !good, "{payload:?} refused: {why}");
            assert_terminal_safe(why.as_bytes(), false, false, "close verdict");
            assert!(!why.contains('\n'));
            // The words depend on the code and on whether the reason is text, never on
            // the reason itself: it is a stranger's.
            if payload.len() >= 2 {
                let mut other = payload[..2].to_vec();
                let text = std::str::from_utf8(&payload[2..]).is_ok();
                other.extend_from_slice(if text { b"-" } else { b"\xff" });
                assert_eq!(judge_close(&other).err(), Some(why), "the words quote the reason");
            }
        }
    }
    // On the wire: some text frames, the close frame, then a frame that must never be read.
    let mut wire = Vec::new();
    for chunk in before.chunks(40).take(3) {
        wire.extend(frame(1, chunk));
    }
    wire.extend(frame(8, payload));
    wire.extend(frame(1, b"AFTER THE CLOSE"));
    let whole = session(wire.clone(), vec![wire.len()]);
    let split = session(wire, vec![usize::from(n % 13) + 1, 7]);
    assert_eq!(whole, split, "read boundaries changed the session");
    let (read, end, close) = whole;
    assert!(!read.iter().any(|m| m == b"AFTER THE CLOSE"), "read after the close");
    if end == "close" || end == "utf8" {
        assert_eq!(close.as_deref(), Some(payload), "the kept close payload");
    }
    if end == "utf8" {
        assert!(
            judge_close(payload).is_err(),
            "tungstenite refused a reason the judge takes"
        );
    }
});
