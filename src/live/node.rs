//! One node's life: connect, read until the connection ends, wait, reconnect; at the first
//! connection and after every reconnect, the recovery worker reads back what the node stored
//! while obtail could not hear it, measured from the last moment the node was heard.
//!
//! Its status lines speak once: a lost connection that comes back at the first try is one
//! line; the first failed attempt is said, the same failure again is not, and a summary (how
//! long, how many tries, the last error) comes at a slow pace; with `-q` only what was lost.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::backoff::{Backoff, HEALTHY};
use super::connect::{connect, AttemptError, Target};
use super::flow::{Finish, Flow, FlowShared};
use super::recover::Why;
use super::session::{Ended, Session};
use super::{human, Liveness, Msg, TICK};
use crate::exit::Failure;
use crate::render::words::plural;

/// A failure that goes on is summed up after this long, then every `SUMMARY_EVERY`.
const FIRST_SUMMARY: Duration = Duration::from_secs(30);
const SUMMARY_EVERY: Duration = Duration::from_secs(300);

/// Runs one node until obtail stops (or, with `--no-reconnect`, until its connection ends).
pub(super) fn run_node(target: Target, live: Liveness, shared: FlowShared) {
    let tx = shared.tx.clone();
    let shown = target.shown.clone();
    let mut node = Node {
        flow: Flow::new(target, shared.clone()),
        shared,
        live,
        backoff: Backoff::new(live.max_backoff),
        reached: false,
        heard: None,
        lost: None,
        failing: None,
    };
    match node.run() {
        Some(Msg::Fatal(f)) => {
            let _ = tx.send(Msg::Fatal(f));
        }
        Some(Msg::Ended { clean, reason }) => {
            let reason = format!("{shown}: {reason}");
            let _ = tx.send(Msg::Ended { clean, reason });
        }
        _ => {}
    }
}

/// Attempts that keep failing, since the last connection (or obtail's start).
struct Failing {
    since: Instant,
    tries: u32,
    /// The last reason said, and when the last line was.
    said: String,
    said_at: Instant,
    summaries: u32,
}

struct Node {
    flow: Flow,
    shared: FlowShared,
    live: Liveness,
    backoff: Backoff,
    /// The node was connected once.
    reached: bool,
    /// When the node was last heard (a frame, a pong), once it was connected.
    heard: Option<Instant>,
    /// Why the last connection ended, not said yet: said with the reconnect, or with the
    /// failure that follows.
    lost: Option<String>,
    failing: Option<Failing>,
}

impl Node {
    /// Until obtail stops; the message to end with, if any.
    fn run(&mut self) -> Option<Msg> {
        loop {
            if self.stopping() {
                self.flow.finish(Finish::Stopping);
                return None;
            }
            let (clean, reason, attempt_failed) = match connect(&self.flow.target, TICK) {
                Ok(mut ws) => {
                    self.connected();
                    match self.session(&mut ws) {
                        None => return None,
                        Some((clean, why)) => (clean, why, false),
                    }
                }
                Err(AttemptError::Fatal(failure)) => {
                    self.flow.finish(Finish::NodeGone);
                    return Some(Msg::Fatal(failure));
                }
                // Before the node was ever reached, retrying cannot fix a typo.
                Err(AttemptError::Permanent(why)) if !self.reached => {
                    let line = format!("{}: {why}", self.flow.target.shown);
                    return Some(Msg::Fatal(Failure::runtime(line)));
                }
                Err(AttemptError::Permanent(why) | AttemptError::Retry(why)) => (false, why, true),
            };
            if !self.live.reconnect {
                self.flow.finish(Finish::NodeGone);
                return Some(Msg::Ended { clean, reason });
            }
            let delay = self.backoff.next_delay(fastrand::f64());
            // A lost connection is said with the reconnect, or with the failure after it.
            if attempt_failed {
                self.failed(&reason, delay);
            }
            self.wait(delay);
        }
    }

    /// Reads until the connection ends; `None` when obtail stops.
    fn session(&mut self, ws: &mut super::connect::Ws) -> Option<(bool, String)> {
        let began = Instant::now();
        let mut session = Session {
            source: &self.flow.target.shown.clone(),
            ping_interval: self.live.ping_interval,
            ping_timeout: self.live.ping_timeout,
            flow: &mut self.flow,
            stop: &self.shared.stop,
        };
        let (ended, heard) = session.run(ws);
        self.heard = Some(heard);
        if began.elapsed() >= HEALTHY {
            self.backoff.reset();
        }
        let (clean, why) = match ended {
            Ended::Stopped => {
                self.flow.finish(Finish::Stopping);
                return None;
            }
            Ended::Closed => (true, "the node closed the connection".to_string()),
            Ended::Lost(why) => (false, why),
        };
        self.lost = Some(why.clone());
        Some((clean, why))
    }

    /// A connection is open: says so when that is news, and asks for what was missed.
    fn connected(&mut self) {
        let first = !self.reached;
        self.reached = true;
        let troubled = self.failing.is_some();
        let tries = self.failing.take().map(|f| {
            format!(
                " ({}, {} in all)",
                plural(u64::from(f.tries), "failed try"),
                human(f.since.elapsed())
            )
        });
        let lost = self.lost.take();
        match self.heard {
            Some(heard) => {
                let mut line = lost.map(|l| format!("{l}; ")).unwrap_or_default();
                line.push_str(&format!(
                    "connected again after {}{}",
                    human(heard.elapsed()),
                    tries.unwrap_or_default()
                ));
                self.flow.recover(Why::Gap, line, true);
            }
            None => {
                if tries.is_some() || self.live.announce {
                    self.flow
                        .chatter(&format!("connected{}", tries.unwrap_or_default()));
                }
                if first {
                    // What came before the first connection comes first when there may be
                    // some: history, or a node that was not up at once.
                    let gate = self.shared.since.is_some() || troubled;
                    self.flow.recover(Why::Start, String::new(), gate);
                }
            }
        }
    }

    /// An attempt failed: the first failure is said (with how the connection before it
    /// ended, and the wait before the next), the same one again is not, and a summary comes
    /// at a slow pace.
    fn failed(&mut self, why: &str, delay: Duration) {
        let now = Instant::now();
        let lost = self.lost.take();
        let line = match &mut self.failing {
            None => {
                self.failing = Some(Failing {
                    since: now,
                    tries: 1,
                    said: why.to_string(),
                    said_at: now,
                    summaries: 0,
                });
                let before = lost.map(|l| format!("{l}; ")).unwrap_or_default();
                Some(format!("{before}{why}; retrying in {}", human(delay)))
            }
            Some(f) => {
                f.tries += 1;
                let pace = if f.summaries == 0 {
                    FIRST_SUMMARY
                } else {
                    SUMMARY_EVERY
                };
                if f.said != why {
                    f.said = why.to_string();
                    f.said_at = now;
                    Some(format!("{why}; retrying in {}", human(delay)))
                } else if now - f.said_at >= pace {
                    f.said_at = now;
                    f.summaries += 1;
                    Some(format!(
                        "still no connection after {} ({}): {why}; retrying",
                        human(now - f.since),
                        plural(u64::from(f.tries), "try"),
                    ))
                } else {
                    None
                }
            }
        };
        if let Some(line) = line {
            self.flow.chatter(&line);
        }
    }

    fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }

    /// Waits before the next attempt, printing what the recovery worker reads meanwhile.
    fn wait(&mut self, d: Duration) {
        let until = Instant::now() + d;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            // No socket: no live copy is on its way.
            self.flow.drained(Instant::now());
            if self.stopping() || !self.flow.tick() {
                return;
            }
            std::thread::sleep(left.min(TICK));
        }
    }
}
