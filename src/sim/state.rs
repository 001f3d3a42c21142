//! Whether the simulated node is running, stalled, down for a restart or stopping, and what
//! every thread waits on to notice a change.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::faults::Fault;

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
    /// Cut off from every client until then (`POST /obtail-sim/partition`); the node itself
    /// goes on.
    partition: Option<Instant>,
    /// The REST fault in force, and when it ends (`None`: when ended on demand).
    fault: Option<(Fault, Option<Instant>)>,
    /// The listener is open (not yet while the story runs ahead, `--up-before`).
    pub listening: bool,
    /// At `--speed 0`, the story has told what it tells before the listener opens.
    pub told_ahead: bool,
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

    /// When the current partition ends (it is ended by whoever started it).
    pub fn partition_end(&self) -> Option<Instant> {
        self.partition
    }

    /// Whether clients hear nothing now: the node is stalled or cut off.
    fn silent(&mut self) -> bool {
        self.stalled() || self.partition.is_some()
    }

    /// The REST fault in force now; ends one whose time is up.
    pub fn fault(&mut self) -> Option<Fault> {
        match self.fault {
            Some((_, Some(until))) if Instant::now() >= until => {
                self.fault = None;
                None
            }
            other => other.map(|(f, _)| f),
        }
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

    /// Returns when clients can be answered again (true) or the node is stopping (false):
    /// not while it is stalled or cut off.
    pub fn wait_while_silent(&self) -> bool {
        let mut run = self.lock();
        loop {
            if run.stopping {
                return false;
            }
            if !run.silent() {
                return true;
            }
            run = self.wait(run, None);
        }
    }

    /// Returns when the partition is over (true) or the node is stopping (false).
    pub fn wait_while_partitioned(&self) -> bool {
        let mut run = self.lock();
        while run.partition.is_some() {
            if run.stopping {
                return false;
            }
            run = self.wait(run, None);
        }
        !run.stopping
    }

    /// Cuts every client off until `until` (a later end extends the current partition).
    /// True when this starts a partition rather than extending one.
    pub fn partition(&self, until: Instant) -> bool {
        let mut run = self.lock();
        if run.ending || run.stopping {
            return false;
        }
        let fresh = run.partition.is_none();
        run.partition = Some(run.partition.map_or(until, |u| u.max(until)));
        drop(run);
        self.notify();
        fresh
    }

    /// The partition is over: clients are answered again.
    pub fn heal(&self) {
        self.lock().partition = None;
        self.notify();
    }

    /// Puts a REST fault in force, for `length` or until changed; `None` ends it.
    pub fn set_fault(&self, fault: Option<Fault>, length: Option<Duration>) {
        self.lock().fault = fault.map(|f| (f, length.map(|d| Instant::now() + d)));
        self.notify();
    }

    pub fn fault(&self) -> Option<Fault> {
        self.lock().fault()
    }

    /// Returns when `fault` is no longer in force (true) or the node is stopping (false).
    pub fn wait_while_fault(&self, fault: Fault) -> bool {
        let mut run = self.lock();
        loop {
            if run.stopping {
                return false;
            }
            if run.fault() != Some(fault) {
                return true;
            }
            run = self.wait(run, None);
        }
    }

    /// Waits until the story has told what it tells before listening (`--up-before` at
    /// `--speed 0`); true when the node stops first.
    pub fn wait_told_ahead(&self) -> bool {
        let mut run = self.lock();
        while !run.told_ahead && !run.stopping {
            run = self.wait(run, None);
        }
        run.stopping
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

    /// Ends any stall or partition for good: the node is closing its clients.
    pub fn end(&self) {
        let mut run = self.lock();
        run.ending = true;
        run.end_stall();
        run.partition = None;
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
