//! The terminal's width as it changes: a resize (SIGWINCH) sets a flag, and the pipeline
//! measures the new width before its next line. Only the flag is touched in the handler.

use std::sync::atomic::{AtomicBool, Ordering};

static RESIZED: AtomicBool = AtomicBool::new(false);

/// Starts watching for resizes of the terminal stdout writes to.
pub fn watch() {
    #[cfg(unix)]
    // SAFETY: a zeroed sigaction is a valid empty one; the handler only stores to an atomic,
    // which is async-signal-safe. SA_RESTART: a read or write under way goes on as if the
    // signal had not come.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = resized as extern "C" fn(libc::c_int) as libc::sighandler_t;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGWINCH, &sa, std::ptr::null_mut());
    }
}

#[cfg(unix)]
extern "C" fn resized(_: libc::c_int) {
    RESIZED.store(true, Ordering::Relaxed);
}

/// The width of stdout's terminal, if it is one.
pub fn measure() -> Option<usize> {
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
}

/// The new width when the terminal was resized since the last call.
pub fn new_width() -> Option<Option<usize>> {
    RESIZED.swap(false, Ordering::Relaxed).then(measure)
}
