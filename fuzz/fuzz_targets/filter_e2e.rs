//! `-f` end to end: replayed bytes through the real pipeline (replay source, classification,
//! the program, the renderer, the sink). With `-f '$kind'` the program sees, frame by frame,
//! exactly the kinds the pipeline gives the same frames without `-f` (so `invalid` frames
//! never reach it); with `-f .` every ndjson line is valid JSON equal to its frame; and every
//! program's output, in every format, colors on, holds no raw control character.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use obtail::cli::Format;
use obtail::config::JqSettings;
use obtail::filter::Filter;
use obtail::jq::Program;
use obtail::kind::Kind;
use obtail::pipeline::Pipeline;
use obtail::render::Renderer;
use obtail::sink::Sink;
use obtail::source::replay::Replay;
use obtail::source::{Next, Source};
use obtail::style::Palette;
use obtail_fuzz::{
    assert_json_equal, assert_terminal_safe, assert_valid_json, strip_palette, verdict, Shared,
    Verdict,
};
use serde_json::Value as J;

/// Programs, with `-r` or not.
const PROGRAMS: &[(&str, bool)] = &[
    ("$kind", false),
    (".", false),
    (".. | strings", true),
    ("select(.message) | .message", false),
    ("tojson", true),
    ("{k: $kind, s: $source, v: .}", false),
    ("debug | empty", false),
];

thread_local! {
    static COMPILED: std::cell::RefCell<Vec<Option<Box<Program>>>> = std::cell::RefCell::new(
        PROGRAMS
            .iter()
            .map(|(code, raw)| {
                let settings = JqSettings {
                    program: code.to_string(),
                    origin: None,
                    args: vec![],
                    argjson: vec![],
                    raw_output: *raw,
                };
                let p = Program::compile(&settings, &[], false)
                    .unwrap_or_else(|_| panic!("{code} does not compile"));
                Some(Box::new(p))
            })
            .collect(),
    );
}

/// The frames obtail prints without `-f` (ndjson, no filters): their kinds and JSON.
fn plain_run(stream: &[u8], max_frame: usize) -> Vec<(Kind<'static>, Verdict)> {
    let mut replay = Replay::new(
        Box::new(Cursor::new(stream.to_vec())),
        "fuzz".into(),
        max_frame,
    );
    let mut frames = Vec::new();
    loop {
        match replay.next().expect("in-memory reads do not fail") {
            Next::End(_) => return frames,
            Next::Idle => {}
            Next::Frame(f) => {
                let kind = if f.defect.is_some() || f.binary {
                    Kind::Invalid
                } else {
                    obtail::classify::classify(&f.bytes).kind.into_owned()
                };
                frames.push((kind, verdict(&f.bytes)));
            }
        }
    }
}

fn run_pipeline(
    stream: &[u8],
    max_frame: usize,
    program: Box<Program>,
    format: Format,
    color: bool,
) -> (Vec<u8>, Box<Program>) {
    let out = Shared::default();
    let renderer = Renderer::new(format, false, Palette::new(color), true, false);
    let mut pipeline = Pipeline::new(
        Filter::default(),
        renderer,
        Sink::new(Box::new(out.clone())),
    );
    pipeline.program = Some(program);
    pipeline.stderr_terminal = true;
    let mut replay = Replay::new(
        Box::new(Cursor::new(stream.to_vec())),
        "fuzz".into(),
        max_frame,
    );
    pipeline
        .run(&mut replay)
        .expect("the pipeline fails on an in-memory replay");
    let program = pipeline
        .program
        .take()
        .expect("the pipeline lost its program");
    drop(pipeline);
    (out.take(), program)
}

fuzz_target!(|data: &[u8]| {
    let Some((&opts, stream)) = data.split_first() else {
        return;
    };
    let index = usize::from(opts & 0x0f) % PROGRAMS.len();
    let format =
        [Format::Ndjson, Format::Json, Format::Raw, Format::Pretty][usize::from(opts >> 4) & 3];
    let color = opts & 0x40 != 0;
    let max_frame = if opts & 0x80 != 0 { 64 } else { 16 << 20 };
    let program = COMPILED
        .with(|c| c.borrow_mut()[index].take())
        .expect("program in use");
    // Property checks below may panic: the program is put back first.
    let (kind_out, program) = run_pipeline(stream, max_frame, program, Format::Ndjson, false);
    let (out, program) = if index == 0 {
        (kind_out.clone(), program)
    } else {
        run_pipeline(stream, max_frame, program, format, color)
    };
    COMPILED.with(|c| c.borrow_mut()[index] = Some(program));

    let (code, raw) = PROGRAMS[index];
    let what = format!("-f {code:?} raw={raw} {format:?} color={color}");
    // Raw output and `-r` strings keep tabs, as jq -r does.
    assert_terminal_safe(&out, format == Format::Raw || raw, color, &what);
    let frames = plain_run(stream, max_frame);
    if index == 0 {
        let seen: Vec<J> = kind_out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("$kind output is not JSON"))
            .collect();
        let want: Vec<J> = frames
            .iter()
            .filter(|(k, _)| *k != Kind::Invalid)
            .map(|(k, _)| J::String(k.name().into_owned()))
            .collect();
        assert_eq!(seen, want, "kinds differ with and without -f");
    }
    if index == 1 && format == Format::Ndjson {
        let lines: Vec<&[u8]> = out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        let want: Vec<&Verdict> = frames
            .iter()
            .filter(|(k, _)| *k != Kind::Invalid)
            .map(|(_, v)| v)
            .collect();
        assert_eq!(
            lines.len(),
            want.len(),
            "-f . printed {} values for {} valid frames",
            lines.len(),
            want.len()
        );
        for (line, want) in lines.iter().zip(want) {
            let line = if color {
                strip_palette(line)
            } else {
                line.to_vec()
            };
            assert_valid_json(&line, "-f . ndjson");
            if let Some(want) = want.value() {
                assert_json_equal(&line, want, "-f . ndjson");
            }
        }
    }
});
