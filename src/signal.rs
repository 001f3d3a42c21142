//! The signals that stop obtail: Ctrl-C (SIGINT), SIGTERM (`timeout`, systemd, `docker
//! stop`) and SIGHUP (a closed terminal) all end a live run the same polite way, with the
//! stop line and the books; the exit code says which (128 + its number, as a shell does).

use std::sync::atomic::{AtomicI32, Ordering};

/// SIGINT's number: Ctrl-C, and the stop of a run no signal ended.
const SIGINT: i32 = 2;

/// The signal that stopped obtail, once one did.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

/// Remembers the signal that stops obtail.
pub fn caught(signal: i32) {
    CAUGHT.store(signal, Ordering::SeqCst);
}

/// The exit code of a run a signal stopped: 130 for Ctrl-C, 143 for SIGTERM, 129 for
/// SIGHUP.
pub fn exit_code() -> u8 {
    let signal = match CAUGHT.load(Ordering::SeqCst) {
        0 => SIGINT,
        s => s,
    };
    u8::try_from(128 + signal).unwrap_or(130)
}
