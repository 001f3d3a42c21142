//! Recovery's REST reader ( `live::rest::read_response`, `live::recover`'s
//! list parsers and `inspect`): an HTTP answer read in any read sizes gives the same status,
//! body or error; a well-framed answer (Content-Length or chunked, any chunk sizes) gives back
//! exactly its body; a body never exceeds the cap; errors are printable; every row parsed from
//! a notification or chat list is a valid JSON frame `{"notification"|"message": …}` with a
//! non-empty id, which `inspect` (when it reads it) agrees with.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use obtail::live::recover::{inspect, parse_chat, parse_notifications, Live};
use obtail::live::rest::read_response;
use obtail_fuzz::{assert_terminal_safe, check_grammar, Chunked};

const CAP: usize = 16 * 1024;

fn read(bytes: &[u8], sizes: Vec<usize>) -> Result<(u16, Vec<u8>), String> {
    let mut r = Chunked::new(bytes.to_vec(), sizes);
    read_response(&mut r, CAP, || Some(())).map(|r| (r.status, r.body))
}

fuzz_target!(|data: &[u8]| {
    let Some((&opts, body)) = data.split_first() else {
        return;
    };
    let sizes = vec![usize::from(opts & 0x3f) + 1, 3, 8192];

    // The fuzzer's bytes as a whole answer.
    let whole = read_response(&mut Cursor::new(body.to_vec()), CAP, || Some(()))
        .map(|r| (r.status, r.body));
    let split = read(body, sizes.clone());
    assert_eq!(whole, split, "read sizes changed the answer");
    match &whole {
        Ok((_, b)) => assert!(b.len() <= CAP, "a body of {} bytes over the cap", b.len()),
        Err(e) => assert_terminal_safe(e.as_bytes(), false, false, "REST error"),
    }

    // The fuzzer's bytes as the body of a well-framed answer.
    if body.len() <= CAP {
        let mut answer = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        answer.extend_from_slice(body);
        assert_eq!(read(&answer, sizes.clone()), Ok((200, body.to_vec())), "Content-Length body");
        let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        let step = usize::from(opts % 7) + 1;
        for piece in body.chunks(step) {
            answer.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            answer.extend_from_slice(piece);
            answer.extend_from_slice(b"\r\n");
        }
        answer.extend_from_slice(b"0\r\n\r\n");
        assert_eq!(read(&answer, sizes), Ok((200, body.to_vec())), "chunked body");
    }

    // The fuzzer's bytes as a list.
    let lists = [("notification", parse_notifications(body)), ("message", parse_chat(body))];
    for (key, parsed) in lists {
        let Ok((rows, _unnamed)) = parsed else {
            continue;
        };
        for row in rows {
            assert!(!row.id.is_empty());
            if let Err(e) = check_grammar(&row.frame) {
                panic!("a {key} row is not a JSON frame ({e}): {:?}", String::from_utf8_lossy(&row.frame));
            }
            let frame: serde_json::Value = match serde_json::from_slice(&row.frame) {
                Ok(v) => v,
                Err(_) => continue,
            };
            assert!(frame.get(key).is_some_and(|v| v.is_object()), "row frame without {key}");
            match inspect(&row.frame) {
                Some(Live::Notification { id }) | Some(Live::Message { id, .. }) => {
                    assert_eq!(id, row.id, "inspect reads another id")
                }
                None => {}
            }
        }
    }
    let _ = inspect(body);
});
