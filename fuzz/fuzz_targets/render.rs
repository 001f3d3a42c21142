//! Every renderer (pretty, json, ndjson, raw, each with and without --envelope, colors on and
//! off): no output holds a raw C0 (but newline, and tab in raw), C1, DEL, bidi or zero-width
//! character, whatever the frame and its source say; pretty is one line; ndjson and json of a
//! valid frame parse to a value equal to the frame, and of an invalid one keep its bytes; raw
//! to a pipe is the frame byte for byte; a pretty line cut to a terminal's width (which one
//! comes from the input) is no wider than it.
#![no_main]

use std::borrow::Cow;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use obtail::classify::{classify, invalid};
use obtail::cli::Format;
use obtail::frame::Frame;
use obtail::json;
use obtail::kind::Kind;
use obtail::render::{fit, Event, Renderer};
use obtail::style::Palette;
use obtail_fuzz::{
    assert_terminal_safe, assert_valid_json, same_json, strip_palette, verdict,
};
use serde_json::Value as J;

/// What a JSON rendering of the event must say about the frame itself.
fn check_frame_member(got: &J, kind: &Kind, bytes: &[u8], binary: bool, what: &str) {
    if *kind != Kind::Invalid {
        let input = verdict(bytes);
        assert!(input.is_valid(), "{what}: a valid kind on invalid JSON");
        if let Some(want) = input.value() {
            // Compared as values: re-printing and re-reading a float through serde_json
            // (whose float reader is approximate) could move its last digit.
            assert!(
                same_json(got, want),
                "{what}: output {got} differs from the input {want}"
            );
        }
        return;
    }
    let text = got.get("text").and_then(J::as_str);
    let b64 = got.get("base64").and_then(J::as_str);
    assert!(
        got.get("error").is_some_and(J::is_string),
        "{what}: no error member"
    );
    let kept = match (text, b64) {
        (Some(t), None) => t.as_bytes().to_vec(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_else(|e| panic!("{what}: bad base64: {e}")),
        _ => panic!("{what}: neither text nor base64: {got}"),
    };
    assert_eq!(
        kept, bytes,
        "{what}: the invalid frame's bytes were not kept"
    );
    if text.is_some() {
        assert!(!binary, "{what}: a binary frame shown as text");
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let opts = data[0];
    let src_len = usize::from(data[1] % 32).min(data.len() - 2);
    let source = String::from_utf8_lossy(&data[2..2 + src_len]).into_owned();
    let bytes = &data[2 + src_len..];
    let binary = opts & 1 != 0;
    let defect = (opts & 2 != 0).then(|| format!("cut short: {}", String::from_utf8_lossy(bytes)));
    let frame = Frame {
        bytes: Cow::Borrowed(bytes),
        binary,
        time: chrono::Utc::now(),
        source: Cow::Owned(source.clone()),
        defect: defect.clone(),
        kind: None,
        kind_validated: false,
        recovered: opts & 8 != 0,
    };
    let classified = match (&defect, binary) {
        (Some(d), _) => invalid(d.clone()),
        (None, true) => invalid(format!("binary frame of {} bytes", bytes.len())),
        (None, false) => classify(bytes),
    };
    let kind = classified.kind;
    // As the pipeline does, every other frame renders from the compactor's copy of its text.
    let mut compact = Vec::new();
    let compacted = kind != Kind::Invalid
        && opts & 16 != 0
        && json::compactor::compact_if_valid(&mut compact, bytes);
    let tree = (kind != Kind::Invalid)
        .then(|| std::str::from_utf8(bytes).ok())
        .flatten()
        .and_then(|t| json::parse(t).ok());
    for format in [Format::Pretty, Format::Json, Format::Ndjson, Format::Raw] {
        for envelope in [false, true] {
            for color in [false, true] {
                let what = format!("{format:?} envelope={envelope} color={color}");
                let width = [None, Some(40), Some(59), Some(79), Some(100), Some(12)]
                    [usize::from(opts >> 5) % 6];
                let mut r =
                    Renderer::new(format, envelope, Palette::new(color), true, opts & 4 != 0)
                        .with_width(width);
                let ev = Event {
                    frame: &frame,
                    kind: &kind,
                    error: classified.error.as_deref(),
                    tree: if r.needs_tree() { tree.as_ref() } else { None },
                    compact: compacted.then_some(compact.as_slice()),
                    memory: None,
                };
                let mut out = Vec::new();
                r.render(&ev, &mut out);
                assert_terminal_safe(&out, format == Format::Raw, color, &what);
                assert_eq!(out.last(), Some(&b'\n'), "{what}: no final newline");
                let body = &out[..out.len() - 1];
                match format {
                    Format::Pretty => {
                        assert!(!body.contains(&b'\n'), "{what}: more than one line");
                        if let Some(width) = width {
                            let line = String::from_utf8_lossy(body);
                            let shown = fit::width(&line);
                            assert!(shown <= width, "{what}: {shown} columns on {width}: {line}");
                        }
                    }
                    Format::Raw => {}
                    Format::Ndjson | Format::Json => {
                        if format == Format::Ndjson {
                            assert!(!body.contains(&b'\n'), "{what}: more than one line");
                        }
                        let plain = if color {
                            strip_palette(body)
                        } else {
                            body.to_vec()
                        };
                        assert_valid_json(&plain, &what);
                        // Beyond serde_json's depth limit, or a number beyond f64: the
                        // grammar check is all that can be said.
                        let Ok(got) = serde_json::from_slice::<J>(&plain) else {
                            continue;
                        };
                        if envelope {
                            assert_eq!(got["kind"], J::String(kind.name().into_owned()), "{what}");
                            assert_eq!(got["source"], J::String(source.clone()), "{what}");
                            let member = if kind == Kind::Invalid {
                                &got
                            } else {
                                &got["frame"]
                            };
                            check_frame_member(member, &kind, bytes, binary, &what);
                        } else if kind == Kind::Invalid {
                            check_frame_member(&got["invalid"], &kind, bytes, binary, &what);
                        } else {
                            check_frame_member(&got, &kind, bytes, binary, &what);
                        }
                    }
                }
            }
        }
    }
    // Raw to a pipe: the frame exactly as received.
    let mut r = Renderer::new(Format::Raw, false, Palette::plain(), false, false);
    let ev = Event {
        frame: &frame,
        kind: &kind,
        error: classified.error.as_deref(),
        tree: None,
        compact: None,
        memory: None,
    };
    let mut out = Vec::new();
    r.render(&ev, &mut out);
    assert_eq!(
        &out[..out.len() - 1],
        bytes,
        "raw output to a pipe changed the frame"
    );
});
