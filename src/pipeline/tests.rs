use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use super::*;
use crate::classify::{classify, skim};
use crate::fixtures;
use crate::frame::parse_time;
use crate::record::Recorder;
use crate::render::write_envelope;
use crate::style::Palette;

/// Frames handed over as a live node's (no kind) or as the replay source's (the skim's kind,
/// unvalidated).
struct Frames {
    frames: Vec<Vec<u8>>,
    next: usize,
    as_replayed: bool,
}

impl Source for Frames {
    fn next(&mut self) -> Result<Next<'_>, Failure> {
        let Some(bytes) = self.frames.get(self.next) else {
            return Ok(Next::End(Stop::InputEnded));
        };
        self.next += 1;
        Ok(Next::Frame(Frame {
            bytes: Cow::Borrowed(bytes),
            binary: false,
            time: time(),
            source: Cow::Borrowed("ws://127.0.0.1:4002/ws"),
            defect: None,
            kind: if self.as_replayed {
                skim_whole(bytes)
            } else {
                None
            },
            kind_validated: false,
            recovered: false,
        }))
    }
}

/// The skim's kind of a frame that is one object and nothing more, as a replay gives it.
fn skim_whole(bytes: &[u8]) -> Option<Kind<'_>> {
    let (kind, len) = skim(bytes)?;
    bytes
        .get(len..)?
        .iter()
        .all(|b| b.is_ascii_whitespace())
        .then_some(kind)
}

fn time() -> crate::frame::Stamp {
    parse_time("2026-12-02T07:00:00.5Z").unwrap()
}

#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Node frames, pretty and compact, and mutants of them with bytes that matter to the
/// grammar, to UTF-8 and to terminals: most valid, many not.
fn frames() -> Vec<Vec<u8>> {
    let mut frames: Vec<Vec<u8>> = Vec::new();
    for f in fixtures::frames(fixtures::SESSION_014) {
        frames.push(fixtures::compact(&f).into_bytes());
        frames.push(f.into_bytes());
    }
    frames.push("{\"message\":{\"message\":\"é\u{202e}\u{7f}\u{200b}\",\"subject\":\"\"}}".into());
    frames.push(b"{\"a\":1e400, \"b\":\"\\ud800\"}".to_vec());
    let mut rng = fastrand::Rng::with_seed(20261202);
    let alphabet = b"{}[]\":,\\ \t-01e.tfnu\xc3\xa9\x7f\xe2\x80\xae\x1b";
    let originals = frames.clone();
    for _ in 0..3000 {
        frames.push(fixtures::mutant(&mut rng, &originals, alphabet));
    }
    frames
}

/// What obtail printed and recorded before the compactor: each frame classified by the serde
/// pass, then rendered and recorded from its own text.
fn expected(frames: &[Vec<u8>], renderer: &mut Renderer) -> (Vec<u8>, Vec<u8>) {
    let (mut printed, mut recorded) = (Vec::new(), Vec::new());
    for bytes in frames {
        let frame = Frame {
            bytes: Cow::Borrowed(bytes),
            binary: false,
            time: time(),
            source: Cow::Borrowed("ws://127.0.0.1:4002/ws"),
            defect: None,
            kind: None,
            kind_validated: false,
            recovered: false,
        };
        let c = classify(bytes);
        let ev = Event {
            frame: &frame,
            kind: &c.kind,
            error: c.error.as_deref(),
            tree: None,
            compact: None,
            memory: None,
        };
        renderer.render(&ev, &mut printed);
        write_envelope(&ev, &mut recorded);
        recorded.push(b'\n');
    }
    (printed, recorded)
}

/// Live or replayed, in every format that prints the frame's text, and in the recording:
/// the same bytes as the classifier and `write_compact` gave, valid frames and invalid ones.
#[test]
fn printed_and_recorded_frames_are_as_before_the_compactor() {
    let frames = frames();
    let dir = tempfile::tempdir().unwrap();
    for (format, envelope) in [
        (Format::Ndjson, false),
        (Format::Ndjson, true),
        (Format::Json, false),
    ] {
        let renderer = || Renderer::new(format, envelope, Palette::plain(), false, false);
        let (want_printed, want_recorded) = expected(&frames, &mut renderer());
        for as_replayed in [false, true] {
            let what = format!("{format:?} envelope={envelope} replayed={as_replayed}");
            let out = Shared::default();
            let mut p = Pipeline::new(
                Filter::default(),
                renderer(),
                Sink::new(Box::new(out.clone())),
            );
            let path = dir
                .path()
                .join(format!("{format:?}-{envelope}-{as_replayed}.ndjson"));
            p.recorder = Some(Recorder::open(&path).unwrap());
            let mut source = Frames {
                frames: frames.clone(),
                next: 0,
                as_replayed,
            };
            assert_eq!(p.run(&mut source).unwrap(), Stop::InputEnded, "{what}");
            assert!(
                *out.0.borrow() == want_printed,
                "{what}: printed output differs"
            );
            let recorded = std::fs::read(&path).unwrap();
            assert!(recorded == want_recorded, "{what}: recording differs");
        }
    }
}

/// Without a recording or a filter, every frame is printed whatever its kind: live frames are
/// read once (validated, compacted and given their kind by one pass). The lines, kinds and
/// errors included, are what the classifier and `write_compact` gave.
#[test]
fn frames_read_once_print_as_the_classifier_saw_them() {
    let frames = frames();
    for (format, envelope) in [(Format::Ndjson, true), (Format::Json, false)] {
        let renderer = || Renderer::new(format, envelope, Palette::plain(), false, false);
        let (want_printed, _) = expected(&frames, &mut renderer());
        let out = Shared::default();
        let mut p = Pipeline::new(
            Filter::default(),
            renderer(),
            Sink::new(Box::new(out.clone())),
        );
        let mut source = Frames {
            frames: frames.clone(),
            next: 0,
            as_replayed: false,
        };
        assert_eq!(p.run(&mut source).unwrap(), Stop::InputEnded);
        assert_eq!(p.route, Route::OnePass);
        assert!(
            *out.0.borrow() == want_printed,
            "{format:?} envelope={envelope}: printed output differs"
        );
    }
}
