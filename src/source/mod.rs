//! Where frames come from: a recorded stream, or live nodes. Sources do the input I/O and
//! nothing else: they never classify, filter or print.

pub mod replay;

use crate::exit::{Failure, Stop};
use crate::frame::Frame;

/// What a source has for the pipeline next.
#[derive(Debug)]
pub enum Next<'a> {
    Frame(Frame<'a>),
    /// Nothing is ready and the next call may block: flush what has been printed.
    Idle,
    /// The source is finished, for this reason.
    End(Stop),
}

/// A stream of frames, lent to the pipeline one at a time.
pub trait Source {
    fn next(&mut self) -> Result<Next<'_>, Failure>;
}
