//! Standard output, buffered, and the policy for when it is flushed. A reader that goes away
//! is not an error: the pipeline ends quietly with exit 0.

use std::io::{self, Write};

const CAPACITY: usize = 64 * 1024;

pub struct Sink {
    out: io::BufWriter<Box<dyn Write>>,
}

impl Sink {
    pub fn stdout() -> Self {
        Self::new(Box::new(io::stdout().lock()))
    }

    pub fn new(w: Box<dyn Write>) -> Self {
        Sink {
            out: io::BufWriter::with_capacity(CAPACITY, w),
        }
    }

    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    /// Called whenever the source has nothing more ready, so a live tail is never held in
    /// the buffer, while a fast replay still writes in large blocks.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// True for the errors that mean "the reader of stdout went away".
pub fn is_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
    )
}
