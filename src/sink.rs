//! Standard output, buffered, and the policy for when it is flushed. A reader that goes away
//! is not an error: the pipeline ends quietly with exit 0.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::exit::{io_reason, Failure, Stop};

const CAPACITY: usize = 64 * 1024;

pub struct Sink {
    out: io::BufWriter<Box<dyn Write>>,
}

impl Sink {
    pub fn stdout() -> Self {
        #[cfg(unix)]
        return Self::new(Box::new(RawStdout));
        #[cfg(not(unix))]
        return Self::new(Box::new(io::stdout().lock()));
    }

    /// Output handed over but never written (stdout was blocked when obtail gave up on it).
    pub fn unwritten(&self) -> usize {
        if GAVE_UP.load(Ordering::SeqCst) {
            self.out.buffer().len()
        } else {
            0
        }
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

/// Set while a write to stdout is under way (it may be blocked: a paused pager).
static WRITING: AtomicBool = AtomicBool::new(false);
/// Set at Ctrl-C: a write interrupted from then on is given up, not retried.
static GIVE_UP: AtomicBool = AtomicBool::new(false);
/// A write was given up: stdout is not written to again.
static GAVE_UP: AtomicBool = AtomicBool::new(false);

/// Whether a write to stdout is under way now.
pub fn writing() -> bool {
    WRITING.load(Ordering::SeqCst)
}

/// From now on a blocked write to stdout that a signal interrupts ends with `is_given_up`.
pub fn give_up_blocked_writes() {
    GIVE_UP.store(true, Ordering::SeqCst);
}

/// The error of a write given up at Ctrl-C.
pub fn is_given_up(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Other && e.to_string() == GIVEN_UP
}

const GIVEN_UP: &str = "stdout was blocked at Ctrl-C";

/// File descriptor 1 without std's retry on EINTR, so that Ctrl-C can end a write that a
/// reader which stopped reading (a paused pager) would hold for ever.
#[cfg(unix)]
struct RawStdout;

#[cfg(unix)]
impl Write for RawStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            if GAVE_UP.load(Ordering::SeqCst) {
                return Err(io::Error::other(GIVEN_UP));
            }
            let len = buf.len().min(isize::MAX as usize);
            WRITING.store(true, Ordering::SeqCst);
            // SAFETY: the pointer and length describe `buf`, valid for the call.
            let n = unsafe { libc::write(1, buf.as_ptr().cast(), len) };
            WRITING.store(false, Ordering::SeqCst);
            if let Ok(n) = usize::try_from(n) {
                return Ok(n);
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                // A closed stdout swallows output, as std's stdout does.
                Some(libc::EBADF) => return Ok(buf.len()),
                Some(libc::EINTR) if GIVE_UP.load(Ordering::SeqCst) => {
                    GAVE_UP.store(true, Ordering::SeqCst);
                }
                Some(libc::EINTR) => {}
                _ => return Err(e),
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What a failed write to stdout means: a reader that went away ends obtail quietly, and so
/// does Ctrl-C during a blocked write; anything else is an error that says why.
pub fn stopped_by(e: io::Error) -> Result<Stop, Failure> {
    if is_gone(&e) {
        Ok(Stop::ReaderGone)
    } else if is_given_up(&e) {
        Ok(Stop::Interrupted)
    } else {
        Err(Failure::runtime(format!(
            "cannot write output: {}",
            io_reason(&e)
        )))
    }
}

#[cfg(test)]
mod given_up_tests {
    use super::*;

    #[test]
    fn only_a_write_given_up_at_ctrl_c_reads_as_given_up() {
        assert!(is_given_up(&io::Error::other(GIVEN_UP)));
        assert!(!is_given_up(&io::Error::other("disk full")));
        assert!(!is_given_up(&io::Error::from(io::ErrorKind::Interrupted)));
        assert!(!is_given_up(&io::Error::from(io::ErrorKind::BrokenPipe)));
    }
}
