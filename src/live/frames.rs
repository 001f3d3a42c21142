//! Text frames whose bytes are not UTF-8 keep their bytes.
//!
//! tungstenite checks a text message's UTF-8 itself and, when it fails, returns an error that
//! has lost the bytes; a node's peer text could then vanish as `"text":""`. So the bytes from
//! the node are watched on their way in: every text frame's opcode is turned into binary
//! (tungstenite then hands the payload over untouched), and which data messages were text is
//! remembered in order. `restore` turns them back: valid UTF-8 into a text message, anything
//! else into a raw text frame that still holds every byte.
//!
//! The watch starts after a `101` handshake answer and follows frame headers through reads of
//! any size; it never looks inside a payload but the node's first close frame's, which it keeps
//! as sent: tungstenite replaces a reserved close code by 1002 before obtail sees it, and
//! refuses a reason that is not UTF-8 with an error that leaves the connection open, so the
//! closing handshake is judged from the wire (`judge_close`).

use std::collections::VecDeque;

use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::{Frame, Utf8Bytes};
use tungstenite::{Bytes, Message};

/// Where the next byte from the node falls.
#[derive(Debug)]
enum At {
    /// The handshake answer: its first bytes (to see `101`), then up to the blank line.
    Answer { status: Vec<u8>, crlf: u8 },
    /// A frame header: the bytes so far.
    Header { bytes: [u8; 14], have: usize },
    /// Inside a payload, with this many bytes left; `close` for the first close frame's.
    Payload { left: u64, close: bool },
    /// Not a websocket stream (a refused handshake): nothing to watch.
    Off,
}

/// Follows the node's frames and remembers which messages were text.
#[derive(Debug)]
pub struct TextMarks {
    at: At,
    /// For each data message begun and not yet returned: was it text?
    text: VecDeque<bool>,
    /// The payload of the first close frame from the node, as sent (a control frame's
    /// payload is at most 125 bytes; more is a protocol error, and not kept).
    close: Option<Vec<u8>>,
}

impl Default for TextMarks {
    fn default() -> Self {
        TextMarks {
            at: At::Answer {
                status: Vec::with_capacity(12),
                crlf: 0,
            },
            text: VecDeque::new(),
            close: None,
        }
    }
}

/// The most of a close frame's payload kept: a control frame's payload limit.
const CLOSE_MAX: usize = 125;

impl TextMarks {
    /// Watches bytes just read from the node, turning text opcodes into binary in place.
    pub fn scan(&mut self, bytes: &mut [u8]) {
        let mut i = 0;
        while i < bytes.len() {
            match &mut self.at {
                At::Off => return,
                At::Answer { status, crlf } => {
                    let b = bytes[i];
                    i += 1;
                    if status.len() < 12 {
                        status.push(b);
                    }
                    // "\r\n\r\n": 1, 2, 3, 4 bytes of it seen.
                    *crlf = match (*crlf, b) {
                        (0 | 2, b'\r') => *crlf + 1,
                        (1 | 3, b'\n') => *crlf + 1,
                        (_, b'\r') => 1,
                        _ => 0,
                    };
                    if *crlf == 4 {
                        let switching = status.get(8..12) == Some(b" 101");
                        self.at = if switching {
                            At::Header {
                                bytes: [0; 14],
                                have: 0,
                            }
                        } else {
                            At::Off
                        };
                    }
                }
                At::Header { bytes: head, have } => {
                    if *have == 0 {
                        match bytes[i] & 0x0f {
                            1 => {
                                bytes[i] = (bytes[i] & 0xf0) | 2;
                                self.text.push_back(true);
                            }
                            2 => self.text.push_back(false),
                            _ => {}
                        }
                    }
                    head[*have] = bytes[i];
                    *have += 1;
                    i += 1;
                    if let Some(payload) = header_done(&head[..*have]) {
                        let close = head[0] & 0x0f == 8 && self.close.is_none();
                        if close {
                            self.close = Some(Vec::new());
                        }
                        self.at = if payload == 0 {
                            At::Header {
                                bytes: [0; 14],
                                have: 0,
                            }
                        } else {
                            At::Payload {
                                left: payload,
                                close,
                            }
                        };
                    }
                }
                At::Payload { left, close } => {
                    let (left, close) = (*left, *close);
                    i += self.payload(left, close, bytes.get(i..).unwrap_or_default());
                }
            }
        }
    }

    /// A message as the node sent it: text again when it was text.
    pub fn restore(&mut self, msg: Message) -> Message {
        match self.data(msg) {
            Ok((data, false)) => match Utf8Bytes::try_from(data.clone()) {
                Ok(text) => Message::Text(text),
                Err(_) => Message::Frame(Frame::message(data, OpCode::Data(Data::Text), true)),
            },
            Ok((data, true)) => Message::Binary(data),
            Err(other) => other,
        }
    }

    /// A data message's payload and whether the node sent it as binary; any other message
    /// back as it was. Text is not checked for UTF-8 here: the pipeline reads every byte of
    /// a frame anyway, and a frame that is not UTF-8 keeps its bytes either way.
    pub fn data(&mut self, msg: Message) -> Result<(Bytes, bool), Message> {
        match msg {
            Message::Binary(data) => Ok((data, self.text.pop_front() != Some(true))),
            // Not met after `scan` (text opcodes arrive as binary), but text all the same.
            Message::Text(text) => Ok((text.into(), false)),
            other => Err(other),
        }
    }
}

impl TextMarks {
    /// Steps over the payload bytes at the start of `rest` (`left` of them still to come),
    /// keeping the first close frame's; returns how many it took.
    fn payload(&mut self, left: u64, close: bool, rest: &[u8]) -> usize {
        let take = usize::try_from(left).unwrap_or(usize::MAX).min(rest.len());
        if let (true, Some(kept)) = (close, self.close.as_mut()) {
            let room = CLOSE_MAX.saturating_sub(kept.len()).min(take);
            kept.extend_from_slice(rest.get(..room).unwrap_or_default());
        }
        let left = left - take as u64;
        self.at = if left == 0 {
            At::Header {
                bytes: [0; 14],
                have: 0,
            }
        } else {
            At::Payload { left, close }
        };
        take
    }

    /// The payload of the node's first close frame, as sent, once one has been read.
    pub fn close_payload(&self) -> Option<&[u8]> {
        self.close.as_deref()
    }
}

/// What a close frame from the node said: its code and reason, if it had any.
pub type Closing = Option<(u16, String)>;

/// Judges a close frame's payload by RFC 6455 (5.5.1, 7.4): none, or a code obtail may
/// receive and a UTF-8 reason. Otherwise the protocol error in words (for a status line:
/// the reason's bytes are never shown, only whether they are text).
pub fn judge_close(payload: &[u8]) -> Result<Closing, String> {
    let (code, reason) = match payload {
        [] => return Ok(None),
        [_] => return Err("the node's close frame has one byte where a code takes two".into()),
        [hi, lo, reason @ ..] => (u16::from_be_bytes([*hi, *lo]), reason),
    };
    if !may_receive(code) {
        return Err(format!(
            "the node's close frame has code {code}, which no endpoint may send (RFC 6455 7.4)"
        ));
    }
    match std::str::from_utf8(reason) {
        Ok(text) => Ok(Some((code, text.to_string()))),
        Err(_) => Err(format!(
            "the node's close frame (code {code}) has a reason that is not UTF-8"
        )),
    }
}

/// Close codes an endpoint may put on the wire: those RFC 6455 defines for use, those IANA
/// registered since (1012 to 1014), and the ranges for libraries and applications. 1004 to
/// 1006 and 1015 are reserved (1005 and 1006 only ever stand for "no code" and "no close
/// frame" inside an endpoint), and so is everything below 1000, from 1016 to 2999, and past
/// 4999.
fn may_receive(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// The payload length once `head` is a whole frame header, else `None`.
fn header_done(head: &[u8]) -> Option<u64> {
    let b1 = *head.get(1)?;
    let mask = if b1 & 0x80 != 0 { 4 } else { 0 };
    let (ext, len) = match b1 & 0x7f {
        126 => (2, None),
        127 => (8, None),
        n => (0, Some(u64::from(n))),
    };
    if head.len() < 2 + ext + mask {
        return None;
    }
    let len = len.unwrap_or_else(|| {
        head[2..2 + ext]
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
    });
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";

    fn frame(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![opcode | if fin { 0x80 } else { 0 }];
        match payload.len() {
            n if n < 126 => f.push(n as u8),
            n if n < 65536 => {
                f.push(126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        f.extend_from_slice(payload);
        f
    }

    /// Scans `stream` in pieces of `step` bytes; returns what came out.
    fn scan_in_pieces(marks: &mut TextMarks, stream: &[u8], step: usize) -> Vec<u8> {
        let mut out = stream.to_vec();
        for piece in out.chunks_mut(step) {
            marks.scan(piece);
        }
        out
    }

    #[test]
    fn text_opcodes_become_binary_whatever_the_read_boundaries() {
        let big = vec![b'x'; 70_000];
        let mut stream = ANSWER.to_vec();
        stream.extend(frame(1, true, b"{\"a\":1}"));
        stream.extend(frame(9, true, b"ping"));
        stream.extend(frame(2, true, b"\x00\x01"));
        stream.extend(frame(1, false, b"\xffpart"));
        stream.extend(frame(0, true, b"two"));
        stream.extend(frame(1, true, &big));
        stream.extend(frame(1, true, b""));
        for step in [1, 2, 3, 7, 64, 100_000] {
            let mut marks = TextMarks::default();
            let out = scan_in_pieces(&mut marks, &stream, step);
            let mut want = stream.clone();
            let mut at = ANSWER.len();
            for (len, text) in [(7, true), (4, false), (2, false), (5, true), (3, false)] {
                if text {
                    want[at] = (want[at] & 0xf0) | 2;
                }
                at += 2 + len;
            }
            want[at] = 0x82;
            at += 2 + 8 + big.len();
            want[at] = 0x82;
            assert_eq!(out, want, "step {step}");
            assert_eq!(
                marks.text.iter().copied().collect::<Vec<_>>(),
                [true, false, true, true, true],
                "step {step}"
            );
        }
    }

    #[test]
    fn a_refused_handshake_is_left_alone() {
        let mut marks = TextMarks::default();
        let mut answer = b"HTTP/1.1 403 Forbidden\r\n\r\n1\x81\x01".to_vec();
        let before = answer.clone();
        marks.scan(&mut answer);
        assert_eq!(answer, before);
        assert!(marks.text.is_empty());
    }

    #[test]
    fn text_comes_back_as_text_with_every_byte() {
        let mut marks = TextMarks::default();
        marks.text.extend([true, false, true]);
        let valid = marks.restore(Message::Binary("héllo".into()));
        assert_eq!(valid, Message::text("héllo"));
        let binary = marks.restore(Message::Binary(vec![0xff].into()));
        assert_eq!(binary, Message::Binary(vec![0xff].into()));
        match marks.restore(Message::Binary(vec![b'a', 0xff].into())) {
            Message::Frame(f) => assert_eq!(f.into_payload().as_ref(), b"a\xff"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            marks.restore(Message::Pong(vec![].into())),
            Message::Pong(vec![].into())
        );
    }

    #[test]
    fn data_is_the_payload_and_whether_it_was_binary() {
        let mut marks = TextMarks::default();
        marks.text.extend([true, false, true]);
        let text = marks.data(Message::Binary(b"{}".to_vec().into()));
        assert_eq!(text, Ok((Bytes::from_static(b"{}"), false)));
        let binary = marks.data(Message::Binary(vec![0xff].into()));
        assert_eq!(binary, Ok((Bytes::from_static(b"\xff"), true)));
        // Not UTF-8, and text all the same, every byte kept.
        let bad = marks.data(Message::Binary(vec![b'a', 0xff].into()));
        assert_eq!(bad, Ok((Bytes::from_static(b"a\xff"), false)));
        assert!(marks.text.is_empty());
        let ping = Message::Ping(vec![1].into());
        assert_eq!(marks.data(ping.clone()), Err(ping));
    }

    #[test]
    fn the_first_close_frame_is_kept_as_sent_whatever_the_read_boundaries() {
        let mut stream = ANSWER.to_vec();
        stream.extend(frame(1, true, b"{}"));
        stream.extend(frame(8, true, b"\x03\xe8bye \xff"));
        stream.extend(frame(8, true, b"\x03\xe9"));
        stream.extend(frame(1, true, b"after"));
        for step in [1, 2, 5, 100] {
            let mut marks = TextMarks::default();
            scan_in_pieces(&mut marks, &stream, step);
            assert_eq!(
                marks.close_payload(),
                Some(&b"\x03\xe8bye \xff"[..]),
                "{step}"
            );
        }
        let mut marks = TextMarks::default();
        scan_in_pieces(&mut marks, ANSWER, 7);
        assert_eq!(marks.close_payload(), None);
        // An empty close frame is a close frame too; an oversized one keeps 125 bytes.
        let mut marks = TextMarks::default();
        let mut empty = ANSWER.to_vec();
        empty.extend(frame(8, true, b""));
        scan_in_pieces(&mut marks, &empty, 3);
        assert_eq!(marks.close_payload(), Some(&b""[..]));
        let mut marks = TextMarks::default();
        let mut big = ANSWER.to_vec();
        big.extend(frame(8, true, &[b'x'; 300]));
        scan_in_pieces(&mut marks, &big, 64);
        assert_eq!(marks.close_payload().map(<[u8]>::len), Some(CLOSE_MAX));
    }

    #[test]
    fn close_frames_are_judged_by_rfc_6455() {
        let with = |code: u16, reason: &[u8]| {
            let mut p = code.to_be_bytes().to_vec();
            p.extend_from_slice(reason);
            judge_close(&p)
        };
        assert_eq!(judge_close(b""), Ok(None));
        assert_eq!(with(1000, b"bye"), Ok(Some((1000, "bye".into()))));
        for code in [1001, 1002, 1003, 1007, 1011, 1012, 1014, 3000, 4999] {
            assert_eq!(with(code, b""), Ok(Some((code, String::new()))), "{code}");
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            let err = with(code, b"").unwrap_err();
            assert!(err.contains(&format!("code {code}")), "{err}");
        }
        let err = with(1000, b"ok \xff").unwrap_err();
        assert!(err.contains("not UTF-8") && !err.contains("ok"), "{err}");
        assert!(judge_close(b"\x03").unwrap_err().contains("one byte"));
    }
}
