//! The live frame path: bytes a node sends on the wire, read by tungstenite as obtail's client
//! is configured (--max-frame-size as message and frame limit), turned into frames the way the
//! session does, then taken through the real pipeline in every format with colors on. Nothing
//! received is lost (a text message's frame holds its exact bytes; ndjson of a valid frame
//! equals it; an unreadable one is still reported) and no output holds a raw control
//! character.
//!
//! The reads go through `live::frames::TextMarks` as in `live::connect::Stream`; the
//! message-to-frame step mirrors `live::session::take` (private to the connection thread).
#![no_main]

use std::io::{self, Read, Write};
use std::sync::Arc;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use obtail::cli::Format;
use obtail::exit::{Failure, Stop};
use obtail::filter::Filter;
use obtail::frame::OwnedFrame;
use obtail::live::frames::TextMarks;
use obtail::pipeline::Pipeline;
use obtail::render::Renderer;
use obtail::sink::Sink;
use obtail::source::{Next, Source};
use obtail::style::Palette;
use obtail_fuzz::{
    assert_json_equal, assert_terminal_safe, assert_valid_json, check_grammar, strip_palette,
    valid_json, Chunked, Shared,
};
use tungstenite::error::CapacityError;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Bytes, Error, WebSocket};

/// The node's side of the socket after the handshake: what it sent, in reads of
/// fuzzer-chosen sizes, each watched by `TextMarks` as `connect::Stream` does; then EOF. What
/// obtail writes is dropped.
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

struct Frames {
    frames: Vec<OwnedFrame>,
    next: usize,
}

impl Source for Frames {
    fn next(&mut self) -> Result<Next<'_>, Failure> {
        let i = self.next;
        self.next += 1;
        Ok(match self.frames.get(i) {
            Some(f) => Next::Frame(f.borrow()),
            None => Next::End(Stop::InputEnded),
        })
    }
}

fn frame(bytes: Bytes, binary: bool, defect: Option<String>) -> OwnedFrame {
    OwnedFrame {
        bytes,
        binary,
        time: chrono::Utc::now(),
        source: Arc::from("ws://127.0.0.1:4002/ws"),
        defect,
        recovered: false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&opts, wire)) = data.split_first() else {
        return;
    };
    let max_frame = if opts & 1 != 0 { 32 } else { 16 << 20 };
    let config = WebSocketConfig::default()
        .max_message_size(Some(max_frame))
        .max_frame_size(Some(max_frame));
    let mut marks = TextMarks::default();
    marks.scan(&mut b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec());
    let sizes = vec![usize::from(opts >> 3) + 1, 4096];
    let wire_in = Wire {
        data: Chunked::new(wire.to_vec(), sizes),
        marks,
    };
    let mut ws = WebSocket::from_raw_socket(wire_in, Role::Client, Some(config));
    let mut frames = Vec::new();
    for _ in 0..wire.len() + 2 {
        let read = ws.read().map(|m| ws.get_mut().marks.data(m));
        match read {
            // Text that is not UTF-8 keeps every byte too.
            Ok(Ok((bytes, binary))) => frames.push(frame(bytes, binary, None)),
            // The closing handshake ends the session, whatever the close frame's reason.
            Ok(Err(tungstenite::Message::Close(_))) | Err(Error::Utf8(_)) => break,
            Ok(Err(_)) => {}
            Err(Error::Capacity(CapacityError::MessageTooLong { size, max_size })) => {
                frames.push(frame(Bytes::new(), false, Some(format!("frame of {size} bytes is larger than --max-frame-size ({max_size} bytes); skipped"))));
                break;
            }
            Err(_) => break,
        }
    }
    if frames.is_empty() {
        return;
    }
    for format in [Format::Pretty, Format::Json, Format::Ndjson, Format::Raw] {
        for color in [false, true] {
            let out = Shared::default();
            let renderer = Renderer::new(
                format,
                opts & 2 != 0,
                Palette::new(color),
                true,
                opts & 4 != 0,
            );
            let mut pipeline = Pipeline::new(
                Filter::default(),
                renderer,
                Sink::new(Box::new(out.clone())),
            );
            let mut source = Frames {
                frames: frames.clone(),
                next: 0,
            };
            pipeline
                .run(&mut source)
                .expect("the pipeline fails on in-memory frames");
            drop(pipeline);
            let out = out.take();
            let what = format!("{format:?} color={color} envelope={}", opts & 2 != 0);
            assert_terminal_safe(&out, format == Format::Raw, color, &what);
            let lines = out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
            if format != Format::Json && format != Format::Raw {
                assert_eq!(
                    lines,
                    frames.len(),
                    "{what}: {} frames gave {lines} lines",
                    frames.len()
                );
            }
            if format == Format::Ndjson && opts & 2 == 0 {
                let parsed: Vec<_> = out
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(|l| if color { strip_palette(l) } else { l.to_vec() })
                    .collect();
                for (line, f) in parsed.iter().zip(&frames) {
                    let readable = f.defect.is_none() && !f.binary;
                    let valid = check_grammar(&f.bytes).is_ok_and(|depth| depth <= 127);
                    if readable && valid {
                        assert_valid_json(line, &what);
                        if let Some(want) = valid_json(&f.bytes) {
                            assert_json_equal(line, &want, &what);
                        }
                        continue;
                    }
                    let v: serde_json::Value = serde_json::from_slice(line)
                        .unwrap_or_else(|e| panic!("{what}: not JSON ({e})"));
                    let inv = &v["invalid"];
                    assert!(
                        inv["error"].is_string(),
                        "{what}: an unreadable frame is not reported: {v}"
                    );
                    if f.defect.is_none() {
                        let kept = match (inv["text"].as_str(), inv["base64"].as_str()) {
                            (Some(t), None) => t.as_bytes().to_vec(),
                            (None, Some(b)) => base64::engine::general_purpose::STANDARD
                                .decode(b)
                                .unwrap_or_else(|e| panic!("{what}: bad base64 ({e})")),
                            _ => panic!("{what}: neither text nor base64: {v}"),
                        };
                        assert_eq!(kept, f.bytes, "{what}: a frame lost its bytes");
                    }
                }
            }
        }
    }
});
