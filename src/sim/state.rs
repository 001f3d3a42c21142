//! Whether the simulated node is running, stalled, down for a restart or stopping, and what
//! every thread waits on to notice a change.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Beats told at once when a restarted node comes back (it is busy from its first second).
pub const BURST_AFTER_RESTART: u32 = 3;
/// At most this many beats are told while a restarting node is down.
pub const MAX_WHILE_DOWN: u32 = 50;

#[derive(Default)]
pub struct Run {
    pub stopping: bool,
    /// Closing every client before stopping: no new stall may hold their close frames.
    pub ending: bool,
    /// Silent until then (`None`: not stalled; `Some(None)`: until resumed).
    stalled: Option<Option<Instant>>,
    stalled_since: Option<Instant>,
    /// Time spent stalled before the current stall: paced senders shift their clocks by it.
    paused: Duration,
    /// Down for a restart: the listener is closed and nobody is connected.
    pub down: bool,
    /// While down, the story goes on until it has stored a notification (so there is
    /// something for a recovering client to find), then waits.
    pub tell_while_down: u32,
    /// Beats to tell at once, without waiting for their time.
    pub burst: u32,
}

impl Run {
    /// Whether the node is silent now; ends a stall whose time is up.
    pub fn stalled(&mut self) -> bool {
        match self.stalled {
            Some(Some(until)) if Instant::now() >= until => {
                self.end_stall();
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    fn end_stall(&mut self) {
        if let Some(since) = self.stalled_since.take() {
            self.paused += since.elapsed();
        }
        self.stalled = None;
    }

    /// How long the node has been silent in all, the current stall included.
    pub fn paused(&self) -> Duration {
        self.paused + self.stalled_since.map_or(Duration::ZERO, |s| s.elapsed())
    }

    /// When the current stall ends by itself, if it does.
    fn stall_end(&self) -> Option<Instant> {
        self.stalled.flatten()
    }
}

/// The run state behind one lock, with one condition variable for every change.
#[derive(Default)]
pub struct State {
    run: Mutex<Run>,
    changed: Condvar,
}

impl State {
    pub fn lock(&self) -> MutexGuard<'_, Run> {
        self.run.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every waiter after a change made through [`State::lock`].
    pub fn notify(&self) {
        self.changed.notify_all();
    }

    /// Waits for a change, or until `deadline` (also bounded by the end of a stall).
    pub fn wait<'a>(
        &self,
        guard: MutexGuard<'a, Run>,
        deadline: Option<Instant>,
    ) -> MutexGuard<'a, Run> {
        let deadline = match (deadline, guard.stall_end()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // Bounded even with no deadline, so a missed wake-up costs a moment, not a hang.
        let wait = deadline.map_or(Duration::from_millis(200), |d| {
            d.saturating_duration_since(Instant::now())
                .min(Duration::from_millis(200))
        });
        self.changed
            .wait_timeout(guard, wait)
            .unwrap_or_else(|e| e.into_inner())
            .0
    }

    /// Returns when the node is not stalled (true) or is stopping (false).
    pub fn wait_while_stalled(&self) -> bool {
        let mut run = self.lock();
        loop {
            if run.stopping {
                return false;
            }
            if !run.stalled() {
                return true;
            }
            run = self.wait(run, None);
        }
    }

    /// Sleeps until `deadline` or until the node stops; true when it stops.
    pub fn sleep_until(&self, deadline: Instant) -> bool {
        let mut run = self.lock();
        while !run.stopping && Instant::now() < deadline {
            run = self.wait(run, Some(deadline));
        }
        run.stopping
    }

    /// Goes silent: for `d`, or until [`State::resume`] with `None`.
    pub fn stall(&self, d: Option<Duration>) {
        let mut run = self.lock();
        if run.ending {
            return;
        }
        if run.stalled_since.is_none() {
            run.stalled_since = Some(Instant::now());
        }
        run.stalled = Some(d.map(|d| Instant::now() + d));
        drop(run);
        self.notify();
    }

    pub fn resume(&self) {
        self.lock().end_stall();
        self.notify();
    }

    /// Ends any stall for good: the node is closing its clients.
    pub fn end(&self) {
        let mut run = self.lock();
        run.ending = true;
        run.end_stall();
        drop(run);
        self.notify();
    }

    pub fn paused(&self) -> Duration {
        self.lock().paused()
    }

    pub fn stop(&self) {
        self.lock().stopping = true;
        self.notify();
    }
}
