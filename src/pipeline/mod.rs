//! The flow of events: source ─► read (its route) ─► record ─► filter ─► program or render ─►
//! sink, until a stop.
//!
//! Each frame goes down the run's one route (`route`), read and validated once; the tree is
//! built only for id filters, pretty output and what the stream teaches (`memory`, which the
//! pipeline feeds and the filters and renderers read).

use std::cell::OnceCell;
use std::io::{self, Write};
use std::time::Instant;

mod program;
mod route;

pub use route::{Reading, Route};

use crate::cli::Format;
use crate::exit::{Failure, Stop};
use crate::filter::Filter;
use crate::frame::Frame;
use crate::jq::Program;
use crate::json::{self, Value};
use crate::kind::Kind;
use crate::memory::{Memory, Wants};
use crate::record::Recorder;
use crate::render::{Event, Renderer};
use crate::sink::{stopped_by, Sink};
use crate::source::{Next, Source};
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
    /// How every frame is read, chosen when the run starts.
    route: Route,
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
    /// What the stream teaches (handles, `--peer` ids, look-alikes), for the filters and
    /// renderers to read.
    memory: Memory,
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
            route: Route::OnePass,
            value: Vec::with_capacity(1024),
            compact: Vec::with_capacity(64 * 1024),
            stats: None,
            counted_invalid: false,
            unprinted: 0,
            follow_width: false,
            memory: Memory::default(),
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
        self.settle();
        let stop = self.pump(source)?;
        if stop == Stop::ReaderGone {
            return Ok(stop);
        }
        match self.sink.flush() {
            Ok(()) => Ok(stop),
            Err(e) => stopped_by(e),
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
                        return stopped_by(e);
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

    /// Settles what the run's frames need, once: their route, and what the stream's memory
    /// learns for the stages that read it.
    fn settle(&mut self) {
        let drop_unread = self.recorder.is_none() && !self.filter.kind_passes(&Kind::Invalid);
        let program_reads =
            self.program.is_some() && self.recorder.is_none() && !self.filter.needs_content();
        self.route = Route::choose(drop_unread, program_reads);
        self.memory = Memory::new(Wants {
            handles: self.renderer.reads_names(),
            lookalikes: self.renderer.reads_names()
                || self.program.as_ref().is_some_and(|p| p.mentions_suspect()),
            peer_handle: self.filter.peer_handle(),
        });
    }

    /// Takes one frame down its route through every stage; `Some` when obtail should stop.
    fn process_frame(&mut self, frame: &Frame) -> Result<Option<Stop>, Failure> {
        let filter = &mut self.filter;
        let reading = self
            .route
            .read(frame, &mut self.compact, |k| !filter.kind_passes(k));
        let Reading {
            kind,
            error,
            unread,
            compacted,
        } = reading;
        self.count_in(frame, &kind);
        if unread {
            self.overhear(&frame.bytes, &kind);
            return Ok(None);
        }
        let compact = compacted.then_some(self.compact.as_slice());
        if let Some(recorder) = &mut self.recorder {
            recorder.record(&Event {
                frame,
                kind: &kind,
                error: error.as_deref(),
                tree: None,
                compact,
                memory: None,
            })?;
        }
        if !self.filter.kind_passes(&kind) {
            self.overhear(&frame.bytes, &kind);
            self.report_unread(frame);
            return Ok(None);
        }
        let tree: OnceCell<Option<Value>> = OnceCell::new();
        let tree_of = || tree.get_or_init(|| parse_valid(frame, &kind)).as_ref();
        let suspects = match self.memory.learns_from(&kind) {
            true => tree_of().map_or(Vec::new(), |t| self.memory.learn(t)),
            false => Vec::new(),
        };
        let content = self.filter.needs_content().then(tree_of);
        if content.is_some_and(|t| !self.filter.content_passes(t, &self.memory.peer_ids)) {
            self.report_unread(frame);
            return Ok(None);
        }
        if let Some(program) = self.program.take() {
            let stop = self.run_program(&program, frame, &kind, error.as_deref(), &suspects);
            self.program = Some(program);
            return stop;
        }
        self.warn_raw_defect(frame);
        let tree = self.renderer.needs_tree().then(tree_of).flatten();
        let ev = Event {
            frame,
            kind: &kind,
            error: error.as_deref(),
            tree,
            compact: compacted.then_some(self.compact.as_slice()),
            memory: Some(&self.memory),
        };
        self.buf.clear();
        self.renderer.render(&ev, &mut self.buf);
        self.emit()
    }

    /// Raw output has no room for why a frame is only partly there (too large, unreadable):
    /// its line alone would pass for the frame.
    fn warn_raw_defect(&mut self, frame: &Frame) {
        if self.renderer.format != Format::Raw {
            return;
        }
        if let Some(defect) = &frame.defect {
            // After the lines before it; a failed flush shows again at the next write.
            let _ = self.sink.flush();
            warn(defect);
        }
    }

    /// Learns what a frame the filters drop teaches: the handles it pairs with peer ids (for
    /// names and `--peer`), and its handles and names, so that a later look-alike is told.
    fn overhear(&mut self, bytes: &[u8], kind: &Kind) {
        if !self.memory.learns_from(kind) {
            return;
        }
        let tree = std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| json::parse(text).ok());
        if let Some(tree) = tree {
            self.memory.learn(&tree);
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

    /// Writes the rendered event and counts it.
    fn emit(&mut self) -> Result<Option<Stop>, Failure> {
        if let Err(e) = self.sink.write(&self.buf) {
            return stopped_by(e).map(Some);
        }
        self.printed += 1;
        if self.count.is_some_and(|n| self.printed >= n) {
            return Ok(Some(Stop::CountReached));
        }
        Ok(None)
    }
}

/// A valid frame's tree, built only when a stage reads it.
fn parse_valid<'f>(frame: &'f Frame, kind: &Kind) -> Option<Value<'f>> {
    if *kind == Kind::Invalid {
        return None;
    }
    std::str::from_utf8(&frame.bytes)
        .ok()
        .and_then(|text| json::parse(text).ok())
}

/// One line on stderr about a frame obtail could not handle; it goes on with the next.
fn warn(msg: &str) {
    let msg = crate::sanitize::escape(msg);
    let _ = writeln!(io::stderr().lock(), "obtail: warning: {msg}");
}

#[cfg(test)]
mod tests;
