//! The flow of events: source ─► classify ─► filter ─► render ─► sink, until a stop.
//!
//! Each frame is taken only as deep as the stages that run need: the skim reads the few keys
//! a kind needs where kind filters may drop a frame unread, one pass of the compactor
//! validates a printed or recorded frame and writes the compact text that ndjson, json,
//! envelopes and recordings reuse (and finds a live frame's kind itself when every frame is
//! validated anyway; the classifier only explains a frame that is not JSON), and the tree is
//! built only for id filters and pretty output.

use std::cell::OnceCell;
use std::io::{self, Write};
use std::ops::ControlFlow;
use std::time::Instant;

use crate::classify::{classify, compact_classified, invalid, skim, Classified, OnePass};
use crate::cli::Format;
use crate::exit::{Failure, Stop};
use crate::filter::Filter;
use crate::frame::Frame;
use crate::jq::{self, FrameVars, Outcome, Program};
use crate::json::compactor::compact_if_valid;
use crate::json::{self, Value};
use crate::kind::Kind;
use crate::lookalike::{carries_names, Lookalikes, Suspect};
use crate::record::Recorder;
use crate::render::{Event, Renderer};
use crate::sink::{is_gone, Sink};
use crate::source::{replay::io_reason, Next, Source};
use crate::stats::{Col, Stats};

pub struct Pipeline {
    pub filter: Filter,
    pub renderer: Renderer,
    pub count: Option<u64>,
    /// When `--timeout` runs out; with `count` it is a failure to wait, without it a time limit.
    pub deadline: Option<Instant>,
    pub recorder: Option<Recorder>,
    pub sink: Sink,
    /// The `--filter` program; its outputs are printed in place of the frames.
    pub program: Option<Box<Program>>,
    /// Stderr is a terminal: text a program sends there is escaped.
    pub stderr_terminal: bool,
    printed: u64,
    /// Frames on which the program raised an error.
    program_errors: u64,
    /// Frames the program ran on (jq's exit 5 is for a run where every one failed).
    program_frames: u64,
    /// Frames read, and those of them that were not JSON.
    pub frames: u64,
    pub not_json: u64,
    /// The error messages already shown: the same error on every frame (a regex jaq cannot
    /// compile) is one warning and a count, not a flood.
    shown_errors: std::collections::HashSet<String>,
    buf: Vec<u8>,
    /// Frames of a kind the filters reject may be dropped before validation: set when neither
    /// `invalid` is asked for nor a recording needs every frame's real kind.
    drop_unread: bool,
    /// A program output as JSON, before rendering.
    value: Vec<u8>,
    /// The frame's text as the validating compactor wrote it, when it did: the recorder
    /// and the renderer reuse it.
    compact: Vec<u8>,
    /// `--stats`: the books, counted only when asked for.
    pub stats: Option<Box<Stats>>,
    /// The frame being processed is `invalid` (for the books).
    counted_invalid: bool,
    /// Frames whose write was given up at Ctrl-C while stdout was blocked.
    pub unprinted: u64,
    /// Pretty lines follow the terminal's width as it is resized.
    pub follow_width: bool,
    /// The handles and names seen so far, to tell those that imitate others.
    lookalikes: Lookalikes,
    /// Someone reads what `lookalikes` says: pretty output, or a program naming `$suspect`.
    learns_lookalikes: bool,
}

impl Pipeline {
    pub fn new(filter: Filter, renderer: Renderer, sink: Sink) -> Self {
        Pipeline {
            filter,
            renderer,
            count: None,
            deadline: None,
            recorder: None,
            sink,
            program: None,
            stderr_terminal: false,
            printed: 0,
            program_errors: 0,
            program_frames: 0,
            frames: 0,
            not_json: 0,
            shown_errors: std::collections::HashSet::new(),
            buf: Vec::with_capacity(64 * 1024),
            drop_unread: false,
            value: Vec::with_capacity(1024),
            compact: Vec::with_capacity(64 * 1024),
            stats: None,
            counted_invalid: false,
            unprinted: 0,
            follow_width: false,
            lookalikes: Lookalikes::default(),
            learns_lookalikes: false,
        }
    }

    /// The line to end with when the program failed on some frames.
    fn program_error_summary(&self) -> Option<String> {
        let repeats = self.program_errors > self.shown_errors.len() as u64;
        match self.program_errors {
            0 => None,
            1 => Some("1 frame raised an error in the filter".to_string()),
            n if repeats => Some(format!(
                "{n} frames raised errors in the filter (each different error was shown once)"
            )),
            n => Some(format!("{n} frames raised errors in the filter")),
        }
    }

    /// Whether the program raised an error on every frame it ran on (at least one): jq
    /// exits 5 then.
    pub fn program_failed_everywhere(&self) -> bool {
        self.program_frames > 0 && self.program_errors == self.program_frames
    }

    /// Warns about a program error, unless the same one was shown already.
    fn program_error(&mut self, name: &str, msg: String) {
        self.program_errors += 1;
        /// Distinct messages remembered; past that, every error is shown.
        const REMEMBERED: usize = 1000;
        if self.shown_errors.contains(&msg) {
            return;
        }
        warn(&format!("filter error ({name} frame): {msg}"));
        if self.shown_errors.len() < REMEMBERED {
            self.shown_errors.insert(msg);
        }
    }

    /// Runs until the source ends, the count is reached, or the reader goes away; then says
    /// how many frames the program failed on, if any.
    pub fn run(&mut self, source: &mut dyn Source) -> Result<Stop, Failure> {
        let result = self.run_to_end(source);
        if let Some(summary) = self.program_error_summary() {
            let _ = writeln!(io::stderr().lock(), "obtail: {summary}");
        }
        result
    }

    fn run_to_end(&mut self, source: &mut dyn Source) -> Result<Stop, Failure> {
        if self.count == Some(0) {
            return Ok(Stop::CountReached);
        }
        self.drop_unread = self.recorder.is_none() && !self.filter.kind_passes(&Kind::Invalid);
        self.learns_lookalikes = self.renderer.learns_handles()
            || self.program.as_ref().is_some_and(|p| p.mentions_suspect());
        let stop = self.pump(source)?;
        if stop == Stop::ReaderGone {
            return Ok(stop);
        }
        match self.sink.flush() {
            Ok(()) => Ok(stop),
            Err(e) => gone_or_fail(e),
        }
    }

    fn pump(&mut self, source: &mut dyn Source) -> Result<Stop, Failure> {
        loop {
            if let Some(stop) = self.deadline_passed() {
                return Ok(stop);
            }
            match source.next()? {
                Next::End(stop) => return Ok(stop),
                Next::Idle => {
                    if let Err(e) = self.sink.flush() {
                        return gone_or_fail(e);
                    }
                }
                Next::Frame(frame) => {
                    if let Some(stop) = self.process(&frame)? {
                        return Ok(stop);
                    }
                }
            }
        }
    }

    fn deadline_passed(&self) -> Option<Stop> {
        let deadline = self.deadline?;
        (Instant::now() >= deadline).then_some(if self.count.is_some() {
            Stop::TimedOut
        } else {
            Stop::InputEnded
        })
    }

    /// Takes one frame through every stage, and with `--stats` counts how it ended.
    fn process(&mut self, frame: &Frame) -> Result<Option<Stop>, Failure> {
        if self.follow_width {
            if let Some(width) = crate::resize::new_width() {
                self.renderer.set_width(width);
            }
        }
        let printed = self.printed;
        if self.stats.is_none() {
            let result = self.process_frame(frame);
            self.given_up(&result, printed);
            return result;
        }
        self.counted_invalid = false;
        let result = self.process_frame(frame);
        let col = if self.counted_invalid {
            Col::Invalid
        } else if self.given_up(&result, printed) {
            Col::Queued
        } else if self.printed > printed {
            Col::Printed
        } else {
            Col::Filtered
        };
        if let Some(stats) = &mut self.stats {
            stats.end(col);
        }
        result
    }

    /// Whether the frame's write was given up (Ctrl-C while stdout was blocked, the reader
    /// gone, a failed write): it was not printed, nor filtered out.
    fn given_up(&mut self, result: &Result<Option<Stop>, Failure>, printed: u64) -> bool {
        let gave_up = self.printed == printed
            && matches!(
                result,
                Ok(Some(Stop::Interrupted | Stop::ReaderGone)) | Err(_)
            );
        self.unprinted += u64::from(gave_up);
        gave_up
    }

    /// Counts a frame arriving, under its kind.
    fn count_in(&mut self, frame: &Frame, kind: &Kind) {
        self.frames += 1;
        self.not_json += u64::from(*kind == Kind::Invalid);
        if let Some(stats) = &mut self.stats {
            self.counted_invalid = *kind == Kind::Invalid;
            stats.begin(&frame.source, &kind.name(), frame.recovered);
        }
    }

    /// Takes one frame through every stage; `Some` when obtail should stop.
    fn process_frame(&mut self, frame: &Frame) -> Result<Option<Stop>, Failure> {
        // Set when the kind is the skim's and the frame has not been validated: the program's
        // own reader validates it, so the serde pass is spared.
        let mut unvalidated = false;
        // Set when the compactor validated the frame and `self.compact` holds its text.
        let mut compacted = false;
        // Live frames come without a kind: the skim's lets them take the replayed frames'
        // shortcuts (unread when the filters reject it, validated by the program's reader,
        // or by the compactor rather than the classifier). When every frame is validated
        // whatever its kind, the skim would be a second reading: the compactor finds the
        // kind itself.
        let read_once = self.validates_every_frame();
        let skimmed;
        let hint = match &frame.kind {
            None if frame.defect.is_none() && !frame.binary && !read_once => {
                skimmed = skim_whole(&frame.bytes);
                skimmed.as_ref()
            }
            kind => kind.as_ref(),
        };
        let Classified { kind, error } = match (&frame.defect, frame.binary, hint) {
            (Some(defect), _, _) => invalid(defect.clone()),
            (None, true, _) => invalid(format!("binary frame of {} bytes", frame.bytes.len())),
            (None, false, Some(kind)) if frame.kind_validated => Classified {
                kind: kind.clone(),
                error: None,
            },
            (None, false, Some(kind)) => {
                // Unvalidated, the frame is this kind or invalid: when the filters reject
                // both, it can go unread.
                if self.drop_unread && !self.filter.kind_passes(kind) {
                    self.overhear(&frame.bytes, kind);
                    self.count_in(frame, kind);
                    return Ok(None);
                }
                if self.program.is_some() && self.recorder.is_none() && !self.filter.needs_content()
                {
                    unvalidated = true;
                    Classified {
                        kind: kind.clone(),
                        error: None,
                    }
                } else {
                    // The skim's kind stands if the frame is JSON; the one pass that says so
                    // also writes the compact text. The classifier only says why it is not.
                    self.compact.clear();
                    compacted = compact_if_valid(&mut self.compact, &frame.bytes);
                    if compacted {
                        Classified {
                            kind: kind.clone(),
                            error: None,
                        }
                    } else {
                        classify(&frame.bytes)
                    }
                }
            }
            (None, false, None) if read_once => {
                let (classified, compact) = self.read_once(&frame.bytes);
                compacted = compact;
                classified
            }
            (None, false, None) => classify(&frame.bytes),
        };
        self.count_in(frame, &kind);
        if let Some(recorder) = &mut self.recorder {
            let ev = Event {
                frame,
                kind: &kind,
                error: error.as_deref(),
                tree: None,
                compact: compacted.then_some(self.compact.as_slice()),
                lookalikes: None,
            };
            recorder.record(&ev)?;
        }
        if !self.filter.kind_passes(&kind) {
            self.overhear(&frame.bytes, &kind);
            self.report_unread(frame);
            return Ok(None);
        }
        let tree: OnceCell<Option<Value>> = OnceCell::new();
        let valid = kind != Kind::Invalid;
        let tree_of = || {
            tree.get_or_init(|| {
                valid
                    .then(|| std::str::from_utf8(&frame.bytes).ok())
                    .flatten()
                    .and_then(|text| json::parse(text).ok())
            })
            .as_ref()
        };
        let suspects = self.judge_names(&kind, tree_of);
        if self.filter.needs_content() && !self.filter.content_passes(tree_of()) {
            self.report_unread(frame);
            return Ok(None);
        }
        if let Some(program) = self.program.take() {
            let stop = self.run_program(
                &program,
                frame,
                &kind,
                error.as_deref(),
                unvalidated,
                &suspects,
            );
            self.program = Some(program);
            return stop;
        }
        if self.renderer.format == Format::Raw {
            // Raw output has no room for why a frame is only partly there (too large,
            // unreadable): its line alone would pass for the frame.
            if let Some(defect) = &frame.defect {
                // After the lines before it; a failed flush shows again at the next write.
                let _ = self.sink.flush();
                warn(defect);
            }
        }
        let ev = Event {
            frame,
            kind: &kind,
            error: error.as_deref(),
            tree: if self.renderer.needs_tree() {
                tree_of()
            } else {
                None
            },
            compact: compacted.then_some(self.compact.as_slice()),
            lookalikes: self.learns_lookalikes.then_some(&self.lookalikes),
        };
        self.buf.clear();
        self.renderer.render(&ev, &mut self.buf);
        self.emit()
    }

    /// Whether every frame is validated, whatever its kind: no kind filter drops frames
    /// unread after the skim, and no program's reader validates them in place of the
    /// compactor.
    fn validates_every_frame(&self) -> bool {
        let program_reads =
            self.program.is_some() && self.recorder.is_none() && !self.filter.needs_content();
        !self.drop_unread && !program_reads
    }

    /// Validates a frame, writes its compact text and finds its kind in one pass; the
    /// classifier only explains an invalid frame, or decides a kind the pass left open.
    /// Also says whether `self.compact` holds the frame's text.
    fn read_once<'f>(&mut self, bytes: &'f [u8]) -> (Classified<'f>, bool) {
        self.compact.clear();
        match compact_classified(&mut self.compact, bytes) {
            OnePass::Valid(Some(kind)) => (Classified { kind, error: None }, true),
            OnePass::Valid(None) => {
                let c = classify(bytes);
                let valid = c.kind != Kind::Invalid;
                (c, valid)
            }
            OnePass::Invalid => (classify(bytes), false),
        }
    }

    /// A frame too large to read cannot be matched by any filter, nor dropped without a
    /// word: the user may be waiting for it.
    fn report_unread(&mut self, frame: &Frame) {
        if let Some(defect) = frame.defect.as_deref() {
            if defect.contains("--max-frame-size") {
                // After the lines before it; a failed flush shows again at the next write.
                let _ = self.sink.flush();
                warn(defect);
            }
        }
    }

    /// Prints each output of the program in place of the frame; a frame that is not JSON, or
    /// on which the program fails, is a warning, and obtail goes on with the next one.
    fn run_program(
        &mut self,
        program: &Program,
        frame: &Frame,
        kind: &Kind,
        error: Option<&str>,
        unvalidated: bool,
        suspects: &[Suspect],
    ) -> Result<Option<Stop>, Failure> {
        let name = kind.name();
        if *kind == Kind::Invalid {
            let why = error.unwrap_or("not JSON");
            warn(&format!("frame not given to the filter (invalid): {why}"));
            return Ok(None);
        }
        let ev = Event {
            frame,
            kind,
            error,
            tree: None,
            compact: None,
            lookalikes: None,
        };
        self.program_frames += 1;
        let vars = FrameVars {
            kind: &name,
            time: &frame.time,
            source: &frame.source,
            recovered: frame.recovered,
            suspects,
        };
        let outcome = program.run(&frame.bytes, &vars, |out| {
            let json: &[u8] = if out.is_input {
                &frame.bytes
            } else {
                self.value.clear();
                if jq::write_value(&mut self.value, out.value).is_err() {
                    return ControlFlow::Break(Err(format!(
                        "an output is nested more than {} levels deep",
                        jq::MAX_OUTPUT_DEPTH
                    )));
                }
                &self.value
            };
            let raw = program.raw_output().then(|| out.raw_string()).flatten();
            self.buf.clear();
            self.renderer
                .render_value(&ev, json, raw.as_deref(), &mut self.buf);
            match self
                .emit()
                .and_then(|stop| self.relay_messages(program, stop))
            {
                Ok(None) => ControlFlow::Continue(()),
                Ok(Some(stop)) => ControlFlow::Break(Ok(Ok(stop))),
                Err(failure) => ControlFlow::Break(Ok(Err(failure))),
            }
        });
        let stop = match outcome {
            Outcome::Done => None,
            Outcome::Stopped(Ok(result)) => return result.map(Some),
            Outcome::Stopped(Err(msg)) | Outcome::Failed(msg) => {
                // What the program wrote to stderr before it failed comes before the failure.
                if let Some(stop) = self.relay_messages(program, None)? {
                    return Ok(Some(stop));
                }
                self.program_error(&name, msg);
                None
            }
            Outcome::Halted(code) => Some(Stop::Halted(code)),
            Outcome::Unreadable(why) => {
                self.unreadable(frame, &name, &why, unvalidated);
                None
            }
        };
        self.relay_messages(program, stop)
    }

    /// A frame the program's reader could not read: said, as the `invalid` frame it is when
    /// it was not validated before.
    fn unreadable(&mut self, frame: &Frame, name: &str, why: &str, unvalidated: bool) {
        match unvalidated.then(|| classify(&frame.bytes)) {
            Some(c) if c.kind == Kind::Invalid => {
                if self.filter.kind_passes(&Kind::Invalid) {
                    let why = c.error.as_deref().unwrap_or("not JSON");
                    warn(&format!("frame not given to the filter (invalid): {why}"));
                }
            }
            _ => warn(&format!("frame not given to the filter ({name}): {why}")),
        }
    }

    /// Passes on what the program wrote to stderr (`debug`, `stderr`, `halt_error`), after
    /// the output printed before it.
    fn relay_messages(
        &mut self,
        program: &Program,
        stop: Option<Stop>,
    ) -> Result<Option<Stop>, Failure> {
        let Some(text) = program.take_messages() else {
            return Ok(stop);
        };
        if let Err(e) = self.sink.flush() {
            return gone_or_fail(e).map(Some);
        }
        let mut escaped = Vec::new();
        let text = if self.stderr_terminal {
            crate::sanitize::escape_bytes_keep_lines(&mut escaped, &text);
            &escaped
        } else {
            &text
        };
        let _ = io::stderr().lock().write_all(text);
        Ok(stop)
    }

    /// Writes the rendered event and counts it.
    fn emit(&mut self) -> Result<Option<Stop>, Failure> {
        if let Err(e) = self.sink.write(&self.buf) {
            return gone_or_fail(e).map(Some);
        }
        self.printed += 1;
        if self.count.is_some_and(|n| self.printed >= n) {
            return Ok(Some(Stop::CountReached));
        }
        Ok(None)
    }
}

impl Pipeline {
    /// The frame's suspect handles and names, once learned, when anyone reads them.
    fn judge_names<'t>(
        &mut self,
        kind: &Kind,
        tree: impl FnOnce() -> Option<&'t Value<'t>>,
    ) -> Vec<Suspect> {
        if !self.learns_lookalikes || !carries_names(kind) {
            return Vec::new();
        }
        tree().map_or(Vec::new(), |t| self.lookalikes.learn(t))
    }

    /// Learns what a frame the filters drop teaches: the handles it pairs with peer ids (for
    /// names and `--peer`), and its handles and names, so that a later look-alike is told.
    fn overhear(&mut self, bytes: &[u8], kind: &Kind) {
        crate::peers::overhear(bytes, kind, &mut self.filter, &mut self.renderer);
        if !self.learns_lookalikes || !carries_names(kind) {
            return;
        }
        let tree = std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| json::parse(text).ok());
        if let Some(tree) = tree {
            self.lookalikes.learn(&tree);
        }
    }
}

/// The skim's kind of a frame that is one object and nothing more (JSON whitespace aside),
/// as the replay source's frames are.
fn skim_whole(bytes: &[u8]) -> Option<Kind<'_>> {
    let (kind, len) = skim(bytes)?;
    let rest = bytes.get(len..)?;
    rest.iter()
        .all(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        .then_some(kind)
}

/// One line on stderr about a frame obtail could not handle; it goes on with the next.
fn warn(msg: &str) {
    let msg = crate::sanitize::escape(msg);
    let _ = writeln!(io::stderr().lock(), "obtail: warning: {msg}");
}

fn gone_or_fail(e: io::Error) -> Result<Stop, Failure> {
    if is_gone(&e) {
        Ok(Stop::ReaderGone)
    } else if crate::sink::is_given_up(&e) {
        Ok(Stop::Interrupted)
    } else {
        Err(write_failure(e))
    }
}

fn write_failure(e: io::Error) -> Failure {
    Failure::runtime(format!("cannot write output: {}", io_reason(&e)))
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
