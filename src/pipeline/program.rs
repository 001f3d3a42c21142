//! The `-f` program's turn: each output printed in place of the frame, what the program
//! writes to stderr passed on after the output before it, and its errors said once each.

use std::io::{self, Write};
use std::ops::ControlFlow;

use super::{warn, Pipeline};
use crate::classify::classify;
use crate::exit::{Failure, Stop};
use crate::frame::Frame;
use crate::jq::{self, FrameVars, Outcome, Program};
use crate::kind::Kind;
use crate::memory::Suspect;
use crate::render::Event;
use crate::sink::stopped_by;

impl Pipeline {
    /// The line to end with when the program failed on some frames.
    pub(super) fn program_error_summary(&self) -> Option<String> {
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

    /// Prints each output of the program in place of the frame; a frame that is not JSON, or
    /// on which the program fails, is a warning, and obtail goes on with the next one.
    pub(super) fn run_program(
        &mut self,
        program: &Program,
        frame: &Frame,
        kind: &Kind,
        error: Option<&str>,
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
            memory: None,
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
                self.unreadable(frame, &name, &why);
                None
            }
        };
        self.relay_messages(program, stop)
    }

    /// A frame the program's reader could not read: said, as the `invalid` frame it is when
    /// nothing validated it before (the program's route).
    fn unreadable(&mut self, frame: &Frame, name: &str, why: &str) {
        let unvalidated = self.route.program_reads() && !frame.kind_validated;
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
            return stopped_by(e).map(Some);
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
}
