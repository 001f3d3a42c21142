//! Replay splitting over arbitrary read boundaries: the same bytes read in one piece and in
//! fuzzer-chosen chunks give the same frames (bytes, defect, source, recorded time), the
//! source always reaches its end, and a kind it hands over with a frame is the validating
//! pass's kind (or, unvalidated, that kind or `invalid`).
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use obtail::classify::classify;
use obtail::kind::Kind;
use obtail::source::replay::Replay;
use obtail::source::{Next, Source};
use obtail_fuzz::Chunked;

const LABEL: &str = "fuzz-replay";

#[derive(Debug, PartialEq)]
struct Seen {
    bytes: Vec<u8>,
    binary: bool,
    defect: Option<String>,
    source: String,
    /// Only for frames whose time came from a record line.
    time: Option<String>,
}

fn frames(mut r: Replay, input_len: usize) -> Vec<Seen> {
    let mut seen = Vec::new();
    // Each call consumes a byte or reads; far more than that is a source that never ends.
    for _ in 0..(input_len + 16) * 8 {
        match r.next().expect("in-memory reads do not fail") {
            Next::End(_) => return seen,
            Next::Idle => {}
            Next::Frame(f) => {
                if let Some(kind) = &f.kind {
                    let real = classify(&f.bytes).kind;
                    if f.kind_validated {
                        assert_eq!(*kind, real, "validated hint differs from classify");
                    } else {
                        assert!(
                            real == *kind || real == Kind::Invalid,
                            "unvalidated hint {kind:?} but classify says {real:?}"
                        );
                    }
                }
                let recorded = f.source != LABEL;
                seen.push(Seen {
                    bytes: f.bytes.to_vec(),
                    binary: f.binary,
                    defect: f.defect.clone(),
                    source: f.source.to_string(),
                    time: recorded.then(|| obtail::frame::format_time(&f.time)),
                });
            }
        }
    }
    panic!("the replay source did not end");
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (head, stream) = data.split_at(4);
    // A small --max-frame-size now and then, to reach the oversized-frame paths.
    let max_frame = if head[0] & 0x80 != 0 {
        usize::from(head[0] & 0x7f) + 1
    } else {
        16 << 20
    };
    let sizes: Vec<usize> = head[1..].iter().map(|&b| usize::from(b % 64) + 1).collect();
    let whole = Replay::new(
        Box::new(Cursor::new(stream.to_vec())),
        LABEL.into(),
        max_frame,
    );
    let expected = frames(whole, stream.len());
    let chunked = Chunked::new(stream.to_vec(), sizes);
    let got = frames(
        Replay::new(Box::new(chunked), LABEL.into(), max_frame),
        stream.len(),
    );
    assert_eq!(expected, got, "read boundaries changed the frames");
});
