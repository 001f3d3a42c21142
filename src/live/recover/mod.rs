//! Reading back what the socket missed, beside it: each node has a recovery worker, a thread
//! of its own that reads the node's lists over REST while the node's thread goes on reading
//! the socket, whatever the REST API does (hangs, drips, pages without end).
//!
//! The narrow interface: the node thread notes what it prints (`Ledger::live`), asks for a
//! pass (`Worker::ask`) at its first connection, after every reconnect and after frames were
//! dropped, and takes each pass's `Outcome` (the rows the user has not seen, oldest first,
//! and a report in words) when it is ready. The ledger decides, under one lock, what was
//! seen; the worker never prints and the node thread never waits on REST.

mod inspect;
mod ledger;
mod lists;
mod pager;
mod pass;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use inspect::{inspect, Live};
pub use ledger::{Ledger, Take, Verdict};
pub use lists::{is_node_id, parse_chat, parse_notifications, ListKey, Row};
pub use pager::{read_list, Answer, End, Listing, PAGE};
pub use pass::{Budget, PASS_DEADLINE};

use super::connect::Target;
use super::rest;
use crate::render::words::plural;

/// Why a pass is read, in the order one asked for meanwhile is preferred to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Why {
    /// The lists hold more ids than needed: a pass lets old ones go.
    Tidy,
    /// An earlier pass could not finish.
    Retry,
    /// Frames were dropped while stdout was too slow.
    Drops,
    /// The connection was lost and is back.
    Gap,
    /// The first connection: what the node stored since obtail started (or `--since`).
    Start,
}

/// What one pass read back.
#[derive(Debug)]
pub struct Outcome {
    pub why: Why,
    /// The rows the user has not seen, oldest first, each with its list.
    pub rows: Vec<(ListKey, Row)>,
    /// When the pass began: it answers every request made before.
    pub began: Instant,
    /// When the last answer came: a live copy still on its way has until a moment later.
    pub read_at: Instant,
    pub report: Report,
}

/// What a pass did and could not do, for the notes.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub notifications: usize,
    pub chat: usize,
    /// New rows beyond what one pass holds.
    pub left_out: usize,
    /// Rows listed without an id (they cannot be told from what was printed).
    pub unnamed: usize,
    /// Lists not read down to what was accounted for, each with why.
    pub unfinished: Vec<String>,
    /// Lists not asked for once the node's API failed.
    pub lists_not_read: usize,
    /// Lists that ended short of rows read before.
    pub short: Vec<String>,
    /// Order chats beyond what one pass reads.
    pub orders_not_read: usize,
    pub max_rows: usize,
    pub max_bytes: usize,
    /// When the worker tries again, for an unfinished pass.
    pub retry_in: Option<Duration>,
}

impl Report {
    /// Every list was read down to what was accounted for.
    pub fn complete(&self) -> bool {
        self.unfinished.is_empty()
    }

    /// `3 notifications and 1 chat message`.
    pub fn counts(&self) -> String {
        format!(
            "{} and {}",
            plural(self.notifications as u64, "notification"),
            plural(self.chat as u64, "chat message")
        )
    }

    /// `recovered 3 notifications and 1 chat message`, and what was left out.
    pub fn words(&self) -> String {
        format!("recovered {}{}", self.counts(), self.limits())
    }

    /// What was left out, each part starting with ` (` or `; `; empty when nothing was.
    pub fn limits(&self) -> String {
        let mut s = String::new();
        if self.left_out > 0 {
            s.push_str(&format!(
                " ({} left out: one read holds {} events or {} MiB, the newest first)",
                plural(self.left_out as u64, "older event"),
                self.max_rows,
                self.max_bytes >> 20
            ));
        }
        if self.unnamed > 0 {
            s.push_str(&format!(
                " ({} listed without an id left out)",
                plural(self.unnamed as u64, "row")
            ));
        }
        for short in &self.short {
            s.push_str(&format!("; {short}"));
        }
        if self.orders_not_read > 0 {
            s.push_str(&format!(
                "; the chat of {} was not read (at most {} per read)",
                plural(self.orders_not_read as u64, "more order"),
                pass::ORDERS_PER_PASS
            ));
        }
        s
    }

    /// What could not be read, and when the worker tries again: `the notification list:
    /// the node answered HTTP 503 (and 1 more list); trying again in 5s`.
    pub fn trouble(&self) -> Option<String> {
        let first = self.unfinished.first()?;
        let more = self.unfinished.len() - 1 + self.lists_not_read;
        let mut s = first.clone();
        if more > 0 {
            s.push_str(&format!(" (and {})", plural(more as u64, "more list")));
        }
        if let Some(retry) = self.retry_in {
            s.push_str(&format!("; trying again in {}", super::human(retry)));
        }
        Some(s)
    }
}

/// How the worker is set up.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The bytes a pass may hold (the larger of `--buffer` and `MIN_BYTES`).
    pub bytes: usize,
    /// How long one REST call may take.
    pub call_timeout: Duration,
    /// The first pass prints `--since` history (and may hold more rows).
    pub since: bool,
}

/// At most this many events are printed from one pass after a gap; the rest is reported.
pub const GAP_ROWS: usize = 5000;
/// ... and from `--since` history.
pub const HISTORY_ROWS: usize = 20_000;
/// The least a pass may hold in memory, whatever `--buffer` says.
pub const MIN_BYTES: usize = 16 << 20;
/// The first wait before an unfinished pass is tried again, doubling up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_secs(5);
const RETRY_MAX: Duration = Duration::from_secs(300);
const TICK: Duration = Duration::from_millis(100);

/// The node thread's handle on its recovery worker.
pub struct Worker {
    jobs: Sender<Why>,
    outcomes: Receiver<Outcome>,
    /// Bytes of rows handed over and not yet printed (or let go) by the node thread: the
    /// next pass waits for them, so memory holds one pass at most.
    held: Arc<AtomicUsize>,
}

impl Worker {
    /// Starts the worker thread for one node.
    pub fn spawn(
        target: Target,
        settings: Settings,
        ledger: Arc<Mutex<Ledger>>,
        stop: Arc<AtomicBool>,
    ) -> std::io::Result<Worker> {
        let (jobs, job_rx) = mpsc::channel();
        let (out_tx, outcomes) = mpsc::channel();
        let held = Arc::new(AtomicUsize::new(0));
        let w = Work {
            target,
            settings,
            ledger,
            stop,
            held: held.clone(),
            jobs: job_rx,
            outcomes: out_tx,
        };
        std::thread::Builder::new()
            .name("recovery".into())
            .spawn(move || w.run())?;
        Ok(Worker {
            jobs,
            outcomes,
            held,
        })
    }

    /// Asks for a pass (passes asked for while one runs make one more).
    pub fn ask(&self, why: Why) {
        let _ = self.jobs.send(why);
    }

    /// A finished pass, if one is ready.
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcomes.try_recv().ok()
    }

    /// The node thread printed (or let go of) `bytes` of held rows.
    pub fn released(&self, bytes: usize) {
        let _ = self
            .held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |h| {
                Some(h.saturating_sub(bytes))
            });
    }
}

struct Work {
    target: Target,
    settings: Settings,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
    held: Arc<AtomicUsize>,
    jobs: Receiver<Why>,
    outcomes: Sender<Outcome>,
}

impl Work {
    fn run(self) {
        let mut wanted: Option<Why> = None;
        let mut retry: Option<(Instant, Duration)> = None;
        let mut started = false;
        loop {
            match self.jobs.recv_timeout(TICK) {
                Ok(why) => wanted = wanted.max(Some(why)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            while let Ok(why) = self.jobs.try_recv() {
                wanted = wanted.max(Some(why));
            }
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            if wanted.is_none() && retry.is_some_and(|(at, _)| Instant::now() >= at) {
                wanted = Some(Why::Retry);
            }
            // The last pass's rows are still being printed.
            if self.held.load(Ordering::Acquire) > 0 {
                continue;
            }
            let Some(why) = wanted.take() else {
                continue;
            };
            let first = !started;
            started = true;
            let mut outcome = self.pass(why, first);
            retry = match (outcome.report.complete(), retry) {
                (true, _) => None,
                (false, None) => Some((Instant::now() + RETRY_FIRST, RETRY_FIRST)),
                (false, Some((_, last))) => {
                    let next = (last * 2).min(RETRY_MAX);
                    Some((Instant::now() + next, next))
                }
            };
            outcome.report.retry_in = retry.map(|(_, d)| d);
            let bytes: usize = outcome.rows.iter().map(|(_, r)| r.frame.len()).sum();
            self.held.fetch_add(bytes, Ordering::AcqRel);
            if self.outcomes.send(outcome).is_err() {
                return;
            }
        }
    }

    fn pass(&self, why: Why, first: bool) -> Outcome {
        let rows = if first && self.settings.since {
            HISTORY_ROWS
        } else {
            GAP_ROWS
        };
        let budget = Budget {
            rows,
            bytes: self.settings.bytes.max(MIN_BYTES),
        };
        let (target, timeout) = (&self.target, self.settings.call_timeout);
        let mut fetch = |path: &str, deadline: Instant| {
            let left = deadline
                .checked_duration_since(Instant::now())
                .ok_or("out of time")?;
            rest::get(target, path, timeout.min(left))
        };
        pass::run(why, &self.ledger, &mut fetch, budget)
    }
}

#[cfg(test)]
mod tests;
