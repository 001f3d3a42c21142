//! `--watch`: the board kept current. The socket (`LiveSource`: the same connection,
//! reconnects and recovery as tailing) says which orders changed, and each such order's row
//! is read again; the whole lists are read every `--poll` for what the node changes without a
//! word (everything done through its own API, orders.md §3); deadlines are looked at every
//! second. Each change is one line, or one object.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::board::{Board, Change};
use super::books::{unreadable, Failures, Reads};
use super::print::{warn, Printer};
use super::reader::{Ask, Read, Readers};
use super::settings::Settings;
use super::state::Role;
use super::trigger::orders_named;
use crate::exit::{Failure, Stop};
use crate::frame::Frame;
use crate::live::{LiveSource, Target};
use crate::source::{Next, Source};
use crate::stats::{Col, Stats};

/// How often deadlines are looked at.
const TICK: Duration = Duration::from_secs(1);

pub fn watch(s: &Settings, targets: Vec<Target>, printer: &mut Printer) -> Result<Stop, Failure> {
    let started = chrono::Utc::now();
    let readers = Readers::spawn(&targets, s.cfg.live.connect_timeout);
    readers.ask_all(&Ask::Lists);
    let mut source = LiveSource::from_targets(targets.clone(), &s.cfg.live, started)?;
    let mut w = Watch::new(s, &targets);
    let stop = w.run(&mut source, &readers, printer);
    source.stop();
    if let Some(format) = s.cfg.stats {
        let mut books = w.stats.take().unwrap_or_default();
        books.merge(&source.stats());
        books.say(format);
    }
    w.reads.print(s.cfg.stats, printer);
    stop
}

struct Watch {
    board: Board,
    /// Each node's index, by its label (a frame's source).
    nodes: HashMap<Arc<str>, usize>,
    /// Nodes whose lists have been read whole once: the board is printed when all have.
    loaded: Vec<bool>,
    shown: bool,
    poll: Duration,
    next_poll: Instant,
    next_tick: Instant,
    /// `--timeout`, and whether it is a wait for `-n` (exit 4) or a time limit (exit 0).
    deadline: Option<(Instant, bool)>,
    /// The socket's books, with `--stats`.
    stats: Option<Stats>,
    reads: Reads,
    /// What was said of lists that could not be read.
    failures: Failures,
    /// Lists with rows that were no orders, said once.
    said_unreadable: HashSet<(usize, Role)>,
}

impl Watch {
    fn new(s: &Settings, targets: &[Target]) -> Watch {
        let now = Instant::now();
        Watch {
            board: Board::default(),
            nodes: targets
                .iter()
                .enumerate()
                .map(|(i, t)| (t.shown.clone(), i))
                .collect(),
            loaded: vec![false; targets.len()],
            shown: false,
            poll: s.poll,
            next_poll: now + s.poll,
            next_tick: now + TICK,
            deadline: s.cfg.timeout.map(|t| (now + t, s.cfg.count.is_some())),
            stats: s.cfg.stats.map(|_| Stats::default()),
            reads: Reads::default(),
            failures: Failures::default(),
            said_unreadable: HashSet::new(),
        }
    }

    fn run(
        &mut self,
        source: &mut LiveSource,
        readers: &Readers,
        printer: &mut Printer,
    ) -> Result<Stop, Failure> {
        loop {
            if let Some((at, waits)) = self.deadline {
                if Instant::now() >= at {
                    return Ok(if waits {
                        Stop::TimedOut
                    } else {
                        Stop::InputEnded
                    });
                }
            }
            while let Ok(read) = readers.reads.try_recv() {
                if let Some(stop) = self.take(read, printer)? {
                    return Ok(stop);
                }
            }
            if let Some(stop) = self.on_time(readers, printer)? {
                return Ok(stop);
            }
            match source.next()? {
                Next::End(stop) => return Ok(stop),
                Next::Idle => {
                    if let Some(stop) = printer.flush()? {
                        return Ok(stop);
                    }
                }
                Next::Frame(f) => self.frame(&f, readers),
            }
        }
    }

    /// A frame from the socket: a cue to read again the rows of the orders it names.
    fn frame(&mut self, f: &Frame, readers: &Readers) {
        let ids = orders_named(&f.bytes);
        if let Some(stats) = &mut self.stats {
            let kind = crate::classify::classify(&f.bytes).kind.name().into_owned();
            stats.begin(&f.source, &kind, f.recovered);
            stats.end(if ids.is_empty() {
                Col::Filtered
            } else {
                Col::Printed
            });
        }
        if ids.is_empty() {
            return;
        }
        if let Some(&node) = self.nodes.get(&*f.source) {
            readers.ask(node, Ask::Rows(ids.into_iter().collect()));
        }
    }

    /// The polls and the deadlines, when due.
    fn on_time(
        &mut self,
        readers: &Readers,
        printer: &mut Printer,
    ) -> Result<Option<Stop>, Failure> {
        let now = Instant::now();
        if self.shown && now >= self.next_poll {
            readers.ask_all(&Ask::Lists);
            self.next_poll = now + self.poll;
        }
        if now >= self.next_tick {
            self.next_tick = now + TICK;
            let changes = self.board.tick(chrono::Utc::now());
            return self.announce(&changes, printer);
        }
        Ok(None)
    }

    /// What a node's reader found: onto the board, and the changes printed (once the board
    /// itself has been).
    fn take(&mut self, read: Read, printer: &mut Printer) -> Result<Option<Stop>, Failure> {
        let now = chrono::Utc::now();
        let mut changes = Vec::new();
        match read.whole {
            true => self.reads.lists += read.lists.len() as u64,
            false => self.reads.searches += 1,
        }
        let label = self.label(read.node).to_string();
        for words in self.failures.of(read.node, &label, &read.lists)? {
            warn(&words);
        }
        for (role, result) in read.lists {
            let Ok(listed) = result else {
                continue;
            };
            self.reads.rows += listed.rows.len() as u64;
            if listed.unreadable > 0 && self.said_unreadable.insert((read.node, role)) {
                unreadable(self.label(read.node), role, listed.unreadable);
            }
            changes.extend(match read.whole {
                true => self.board.whole_list(read.node, role, listed.rows, now),
                false => self.board.some_rows(read.node, listed.rows, now),
            });
        }
        if let Some(loaded) = self.loaded.get_mut(read.node) {
            *loaded |= read.whole;
        }
        if !self.shown {
            if !self.loaded.iter().all(|l| *l) {
                return Ok(None);
            }
            self.shown = true;
            self.next_poll = Instant::now() + self.poll;
            return printer.board(&self.board, now);
        }
        self.announce(&changes, printer)
    }

    fn announce(
        &mut self,
        changes: &[Change],
        printer: &mut Printer,
    ) -> Result<Option<Stop>, Failure> {
        if !self.shown {
            return Ok(None);
        }
        let now = chrono::Utc::now();
        for c in changes {
            if let Some(stop) = printer.change(c, &self.board, now)? {
                return Ok(Some(stop));
            }
        }
        if changes.is_empty() {
            return Ok(None);
        }
        printer.flush()
    }

    fn label(&self, node: usize) -> &str {
        self.nodes
            .iter()
            .find(|(_, &i)| i == node)
            .map_or("", |(l, _)| l)
    }
}
