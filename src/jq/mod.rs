//! jq programs on the event stream, run with jaq: compiled once from `JqSettings`, then run
//! on each frame that passed the other filters.
//!
//! This module owns the program and its variables, the reading of a frame into jaq's value,
//! and the turning of jaq's outcomes (outputs, errors, `halt`) into plain data. It does no
//! output itself: the pipeline decides where values, warnings and messages go.

mod compile;
mod read;
mod report;
mod run;
mod shape;
mod write;

use std::cell::RefCell;

use jaq_core::data::HasLut;
use jaq_core::{DataT, Lut, Vars};
use jaq_json::Val;

use run::VarsKey;
pub use run::{FrameVars, Outcome};
pub use write::{write_value, MAX_DEPTH as MAX_OUTPUT_DEPTH};

/// The compiled program and everything a run needs besides the frame.
pub struct Program {
    filter: jaq_core::Filter<Jq>,
    /// Values of `$ENV`, `--arg` and `--argjson` variables, after the frame's own.
    fixed: Vec<Val>,
    /// What the program can see of a frame: the reader builds only that.
    shape: shape::Shape,
    /// Which of the frame's variables (`FRAME_VARS`) the program mentions: the others are
    /// bound to `null`, so a frame's variables need not be built for each frame.
    mentions: [bool; 5],
    /// The variables bound for the last frame, reused while the mentioned ones are the same.
    last_vars: RefCell<Option<(VarsKey, Vars<Val>)>>,
    /// `-r`: string outputs print bare.
    raw_output: bool,
    /// Text that `stderr`, `debug` and `halt_error` produced, until the pipeline takes it.
    messages: RefCell<Vec<u8>>,
}

/// The kind of data our programs run on: jaq's JSON values, plus a place for messages.
pub struct Jq;

impl DataT for Jq {
    type V<'a> = Val;
    type Data<'a> = Data<'a>;
}

/// What native filters can reach while a program runs.
#[derive(Clone, Copy)]
pub struct Data<'a> {
    lut: &'a Lut<Jq>,
    messages: &'a RefCell<Vec<u8>>,
}

impl<'a> HasLut<'a, Jq> for Data<'a> {
    fn lut(&self) -> &'a Lut<Jq> {
        self.lut
    }
}

impl Program {
    /// Whether the program reads `$suspect`: only then are a frame's names judged for it.
    pub fn mentions_suspect(&self) -> bool {
        self.mentions[4]
    }

    /// Takes the text the program sent to stderr since the last call (usually nothing).
    pub fn take_messages(&self) -> Option<Vec<u8>> {
        let mut messages = self.messages.borrow_mut();
        (!messages.is_empty()).then(|| std::mem::take(&mut *messages))
    }
}

#[cfg(test)]
mod shape_tests;
#[cfg(test)]
mod tests;
