//! The watch on the bytes from the node (`live::frames::TextMarks`): after a `101` answer it
//! changes nothing but the opcode of text frames (a header's first byte with low nibble 1
//! becomes 2), never panics, and gives the same bytes, the same text marks and the same
//! first close frame's payload (at most 125 bytes) whatever the read boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obtail::live::frames::TextMarks;
use tungstenite::Message;

const ANSWER: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";

/// Scans `stream` in pieces of the given sizes (cycled); the bytes after and the marks.
fn scan(stream: &[u8], sizes: &[usize]) -> (Vec<u8>, Vec<bool>, Option<Vec<u8>>) {
    let mut marks = TextMarks::default();
    let mut out = stream.to_vec();
    let mut at = 0;
    let mut turn = 0;
    while at < out.len() {
        let n = sizes[turn % sizes.len()].min(out.len() - at);
        turn += 1;
        marks.scan(&mut out[at..at + n]);
        at += n;
    }
    let close = marks.close_payload().map(<[u8]>::to_vec);
    assert!(close.as_ref().is_none_or(|c| c.len() <= 125));
    // Each binary message handed back says whether it was text; a message that was never
    // marked stays binary.
    let mut seen = Vec::new();
    for _ in 0..=stream.len() {
        match marks.restore(Message::Binary(b"x".to_vec().into())) {
            Message::Text(_) => seen.push(true),
            Message::Binary(_) => seen.push(false),
            other => panic!("restore made {other:?} of valid UTF-8"),
        }
    }
    while seen.last() == Some(&false) {
        seen.pop();
    }
    (out, seen, close)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (sizes, body) = rest.split_at(rest.len().min(3));
    let mut sizes: Vec<usize> = sizes.iter().map(|&b| usize::from(b % 32) + 1).collect();
    if sizes.is_empty() {
        sizes.push(1);
    }
    // Mostly after a real answer; sometimes the raw bytes, answer or not.
    let stream: Vec<u8> = if mode & 1 == 0 {
        ANSWER.iter().chain(body).copied().collect()
    } else {
        body.to_vec()
    };
    let (whole, whole_marks, whole_close) = scan(&stream, &[stream.len().max(1)]);
    let (split, split_marks, split_close) = scan(&stream, &sizes);
    assert_eq!(whole_close, split_close, "read boundaries changed the close payload");
    assert_eq!(whole, split, "read boundaries changed the bytes");
    assert_eq!(
        whole_marks, split_marks,
        "read boundaries changed the marks"
    );
    assert_eq!(whole.len(), stream.len());
    for (i, (a, b)) in stream.iter().zip(&whole).enumerate() {
        if a != b {
            assert!(
                a & 0x0f == 1 && *b == (a & 0xf0) | 2,
                "byte {i} changed from {a:#04x} to {b:#04x}"
            );
        }
    }
    let changed = stream.iter().zip(&whole).filter(|(a, b)| a != b).count();
    assert_eq!(
        changed,
        whole_marks.iter().filter(|t| **t).count(),
        "a changed opcode without a mark"
    );
});
