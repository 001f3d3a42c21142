//! One node's life: connect, read until the connection ends, wait, reconnect; at the first
//! connection and after every reconnect, the recovery worker reads back what the node stored
//! while obtail could not hear it, measured from the last moment the node was heard.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::backoff::{Backoff, HEALTHY};
use super::connect::{connect, AttemptError, Target};
use super::flow::{Flow, FlowShared};
use super::recover::Why;
use super::session::{Ended, Session};
use super::{human, Liveness, Msg, TICK};
use crate::exit::Failure;

/// Runs one node until obtail stops (or, with `--no-reconnect`, until its connection ends).
pub(super) fn run_node(target: Target, live: Liveness, shared: FlowShared) {
    let tx = shared.tx.clone();
    let shown = target.shown.clone();
    let mut node = Node {
        flow: Flow::new(target, shared.clone()),
        shared,
        live,
        backoff: Backoff::new(live.max_backoff),
        troubled: false,
        reached: false,
        heard: None,
    };
    let ended = node.run();
    match ended {
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

struct Node {
    flow: Flow,
    shared: FlowShared,
    live: Liveness,
    backoff: Backoff,
    /// A failure was said since the last connection: the next one is said too.
    troubled: bool,
    /// The node was connected once.
    reached: bool,
    /// When the node was last heard (a frame, a pong), once it was connected.
    heard: Option<Instant>,
}

impl Node {
    /// Until obtail stops; the message to end with, if any.
    fn run(&mut self) -> Option<Msg> {
        loop {
            if self.stopping() {
                return None;
            }
            let (clean, reason) = match connect(&self.flow.target, TICK) {
                Ok(mut ws) => {
                    self.connected();
                    let began = Instant::now();
                    let mut session = Session {
                        source: &self.flow.target.shown.clone(),
                        ping_interval: self.live.ping_interval,
                        ping_timeout: self.live.ping_timeout,
                        flow: &mut self.flow,
                        stop: &self.shared.stop,
                    };
                    let (ended, heard) = session.run(&mut ws);
                    self.heard = Some(heard);
                    if began.elapsed() >= HEALTHY {
                        self.backoff.reset();
                    }
                    match ended {
                        Ended::Stopped => {
                            self.flow.finish();
                            return None;
                        }
                        Ended::Closed => (true, "the node closed the connection".to_string()),
                        Ended::Lost(why) => (false, why),
                    }
                }
                Err(AttemptError::Fatal(failure)) => return Some(Msg::Fatal(failure)),
                // Before the node was ever reached, retrying cannot fix a typo.
                Err(AttemptError::Permanent(why)) if !self.reached => {
                    let line = format!("{}: {why}", self.flow.target.shown);
                    return Some(Msg::Fatal(Failure::runtime(line)));
                }
                Err(AttemptError::Permanent(why) | AttemptError::Retry(why)) => (false, why),
            };
            if !self.live.reconnect {
                self.flow.finish();
                return Some(Msg::Ended { clean, reason });
            }
            let delay = self.backoff.next_delay(fastrand::f64());
            if !self
                .flow
                .note(&format!("{reason}; retrying in {}", human(delay)))
            {
                return None;
            }
            self.troubled = true;
            self.wait(delay);
        }
    }

    /// A connection is open: says so when that is news, and asks for what was missed.
    fn connected(&mut self) {
        let first = !self.reached;
        self.reached = true;
        match self.heard {
            Some(heard) => {
                let line = format!("connected again after {}", human(heard.elapsed()));
                self.flow.recover(Why::Gap, line, true);
            }
            None => {
                if self.troubled || self.live.announce {
                    self.flow.note("connected");
                }
                if first {
                    // What came before the first connection comes first when there may be
                    // some: history, or a node that was not up at once.
                    let gate = self.shared.since.is_some() || self.troubled;
                    self.flow.recover(Why::Start, String::new(), gate);
                }
            }
        }
        self.troubled = false;
    }

    fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }

    /// Waits before the next attempt, printing what the recovery worker reads meanwhile.
    fn wait(&mut self, d: Duration) {
        let until = Instant::now() + d;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            if self.stopping() || !self.flow.tick() {
                return;
            }
            std::thread::sleep(left.min(TICK));
        }
    }
}
