//! A node's frames after the socket: the byte-bounded queue to the main thread, the live
//! frames noted in the ledger (so what is read back is printed once), the rows the recovery
//! worker reads back, held a moment and then printed, and the notes that say what a gap or
//! a drop cost.
//!
//! The socket is read at all times: when the queue holds `--buffer` bytes, live frames are
//! dropped and counted (a node cuts off a client that stops reading, which loses more), and
//! when it has drained to half, one line says what was dropped and the worker reads the
//! notifications and chat among them back.

use std::collections::VecDeque;

use chrono::Timelike;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::connect::Target;
use super::recover::{self, inspect, Ledger, ListKey, Live, Outcome, Verdict, Why, Worker};
use super::Msg;
use crate::classify::classify;
use crate::frame::{OwnedFrame, Stamp};
use crate::stats::{Col, Stats};

/// Bytes counted for each queued frame besides its payload, so that many tiny frames are
/// bounded too.
pub const OVERHEAD: usize = 128;
/// A row read back waits this long after its list was read before it is printed: a live
/// copy still on its way over the socket takes its place (live wins).
const SETTLE: Duration = Duration::from_millis(500);
/// Past its moment, a row also waits for a socket read that took all the node had sent (a
/// reader behind on a busy machine has the live copy in its buffer), but no longer than
/// this: a node that never pauses still gets its rows printed.
const DRAIN_MAX: Duration = Duration::from_secs(3);
/// After a (re)connection, live frames wait at most this long for what the pass reads back,
/// so that the missed events come first; beyond it (a slow REST API) they go on.
const GATE_MAX: Duration = Duration::from_secs(3);
/// A reconnect or drop line waits this long for its pass's report, to say both in one line.
const NOTE_WAIT: Duration = Duration::from_secs(3);
/// The flow ticks at least this often, however busy the socket.
const TICK_EVERY: Duration = Duration::from_millis(50);
/// A tidy pass at most this often.
const TIDY_EVERY: Duration = Duration::from_secs(60);

/// The drop line names the kinds dropped most; `--stats` has them all.
const KINDS_SHOWN: usize = 6;

/// What cannot be read back from a node (protocol §9.1: not stored).
pub const UNRECOVERABLE: &str =
    "typing, read receipts, unfollows, wallet and status frames sent in the gap cannot be recovered";

/// Settings shared by every node's flow.
#[derive(Clone)]
pub struct FlowShared {
    pub tx: Sender<Msg>,
    /// Bytes waiting in the queue (frames sent and not yet taken by the main thread).
    pub queued: Arc<AtomicUsize>,
    /// `--buffer`.
    pub cap: usize,
    pub stop: Arc<AtomicBool>,
    /// Counts kept off the main thread: dropped and duplicate frames.
    pub tally: Arc<Mutex<Stats>>,
    /// `--no-recover` turns this off.
    pub recover: bool,
    /// How long one REST call may take.
    pub rest_timeout: Duration,
    /// `--since`: the oldest time to print history from (`Some(None)`: all of it).
    pub since: Option<Option<Stamp>>,
    /// When obtail started: what a node stored before is not the user's to see.
    pub started: Stamp,
    /// `-q`: say only errors and what was lost.
    pub quiet: bool,
}

/// Frames dropped while the queue was full.
struct Episode {
    kinds: Vec<(String, u64)>,
    total: u64,
}

/// A row read back, waiting for its moment.
struct Held {
    list: ListKey,
    id: String,
    frame: OwnedFrame,
    at: Instant,
}

/// A line waiting for the report of the pass it asked for.
struct Pending {
    line: String,
    asked: Instant,
    /// Said without the report after this; `None` once said.
    until: Option<Instant>,
}

/// A pass's report, said once its rows are printed: a row whose live copy came meanwhile
/// is taken off its counts.
struct Announce {
    why: Why,
    /// The lines that asked for the pass and were not said yet, joined.
    lines: String,
    report: recover::Report,
    /// Rows of the pass still held.
    left: usize,
}

impl Announce {
    /// One of the pass's rows left the hold: a row not printed comes off its counts.
    fn account(&mut self, list: &ListKey, printed: bool) {
        match (printed, list) {
            (true, _) => {}
            (false, ListKey::Notifications) => self.report.notifications -= 1,
            (false, _) => self.report.chat -= 1,
        }
    }
}

/// How a node's flow ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// obtail stops: nothing more is printed.
    Stopping,
    /// The connection ended for good (`--no-reconnect`): obtail goes on with other nodes, or
    /// ends once it has printed what it has.
    NodeGone,
}

/// Live frames held back while the pass of a (re)connection reads what came before them.
struct Gate {
    asked: Instant,
    until: Instant,
    /// The pass that answers it came: the gate opens once its rows are printed.
    answered: bool,
    frames: Vec<(OwnedFrame, usize)>,
    bytes: usize,
}

/// The recovery side of a node: its ledger and worker.
struct Recovery {
    ledger: Arc<Mutex<Ledger>>,
    worker: Worker,
    last_tidy: Instant,
}

pub struct Flow {
    pub target: Target,
    shared: FlowShared,
    recovery: Option<Recovery>,
    episode: Option<Episode>,
    held: VecDeque<Held>,
    notes: VecDeque<Pending>,
    announces: VecDeque<Announce>,
    /// The last failure to read the lists that was said: a retry that fails the same way
    /// says nothing.
    trouble: Option<String>,
    gate: Option<Gate>,
    /// Frames for the main thread, handed over together (one channel message and one
    /// wake-up per socket read, not per frame); their bytes count as queued already.
    batch: Vec<OwnedFrame>,
    batch_bytes: usize,
    /// obtail is stopping: lines go as last words.
    last_words: bool,
    /// The last tick.
    ticked: Instant,
    /// When the socket was last read down to what the node had sent (now, while it is away).
    drained: Instant,
    /// What the node cannot give back was said.
    told_unrecoverable: bool,
}

impl Flow {
    pub fn new(target: Target, shared: FlowShared) -> Self {
        let recovery = shared.recover.then(|| {
            // The node stamps notifications in whole seconds: one stored in the second obtail
            // started, after it, is listed with that second.
            let origin = match shared.since {
                Some(since) => since,
                None => shared.started.with_nanosecond(0),
            };
            let ledger = Arc::new(Mutex::new(Ledger::new(origin)));
            let settings = recover::Settings {
                bytes: shared.cap,
                call_timeout: shared.rest_timeout,
                since: shared.since.is_some(),
            };
            Worker::spawn(
                target.clone(),
                settings,
                ledger.clone(),
                shared.stop.clone(),
            )
            .ok()
            .map(|worker| Recovery {
                ledger,
                worker,
                last_tidy: Instant::now(),
            })
        });
        Flow {
            target,
            shared,
            recovery: recovery.flatten(),
            episode: None,
            held: VecDeque::new(),
            notes: VecDeque::new(),
            announces: VecDeque::new(),
            trouble: None,
            gate: None,
            batch: Vec::new(),
            batch_bytes: 0,
            last_words: false,
            ticked: Instant::now(),
            drained: Instant::now(),
            told_unrecoverable: false,
        }
    }

    /// Bytes waiting for the main thread: in the channel, in the batch and at the gate.
    fn waiting(&self) -> usize {
        let gated = self.gate.as_ref().map_or(0, |g| g.bytes);
        self.shared.queued.load(Ordering::Acquire) + self.batch_bytes + gated
    }

    /// A socket read at `at` took all the node had sent (or the node is away).
    pub fn drained(&mut self, at: Instant) {
        self.drained = self.drained.max(at);
    }

    /// Frames wait in the batch.
    pub fn holding(&self) -> bool {
        !self.batch.is_empty()
    }

    /// Sends the batch to the main thread; false when it is gone.
    pub fn hand_over(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let batch = std::mem::take(&mut self.batch);
        let bytes = std::mem::take(&mut self.batch_bytes);
        // Counted before the send, so the main thread's subtraction never comes first.
        self.shared.queued.fetch_add(bytes, Ordering::AcqRel);
        self.shared.tx.send(Msg::Frames(batch, bytes)).is_ok()
    }

    /// A status line that is not about a loss: left out with `-q`.
    pub fn chatter(&mut self, line: &str) -> bool {
        self.shared.quiet || self.note(line)
    }

    /// Sends a status line now (after the frames before it).
    pub fn note(&mut self, line: &str) -> bool {
        // Made before the frames before it are handed over: obtail stopping at one of them
        // still says the line.
        let made = Instant::now();
        self.hand_over();
        let line = super::stamped(&self.target.shown, line);
        let msg = if self.last_words {
            Msg::Last(line)
        } else {
            Msg::Note(line, made)
        };
        self.shared.tx.send(msg).is_ok()
    }

    /// Asks for a pass, and holds `line` until its report can join it (or says that
    /// recovery is off). `gate`: live frames wait for what the pass reads back (after a
    /// gap, and for history), so the missed events come first.
    pub fn recover(&mut self, why: Why, line: String, gate: bool) {
        match &self.recovery {
            Some(r) => {
                // Before asking: the pass may begin at once, and it answers what came before.
                let now = Instant::now();
                r.worker.ask(why);
                if gate && self.gate.is_none() {
                    self.gate = Some(Gate {
                        asked: now,
                        until: now + GATE_MAX,
                        answered: false,
                        frames: Vec::new(),
                        bytes: 0,
                    });
                }
                self.notes.push_back(Pending {
                    line,
                    asked: now,
                    until: Some(now + NOTE_WAIT),
                });
            }
            None if line.is_empty() => {}
            None => {
                let off = match why {
                    Why::Drops => "not recovered (--no-recover)",
                    _ => "events sent in the gap are not recovered (--no-recover)",
                };
                self.note(&format!("{line}; {off}"));
            }
        }
    }

    /// Hands a frame read from the socket on; false when the main thread is gone.
    pub fn live(&mut self, frame: OwnedFrame) -> bool {
        let size = frame.bytes.len() + OVERHEAD;
        if self.episode.is_some() && !self.resume() {
            self.drop_frame(&frame);
            return !self.shared.stop.load(Ordering::Relaxed);
        }
        if self.waiting() + size > self.shared.cap {
            self.episode = Some(Episode {
                kinds: Vec::new(),
                total: 0,
            });
            self.drop_frame(&frame);
            return true;
        }
        if self.noted(&frame) == Verdict::Double {
            self.count(&frame, Col::Duplicate);
            return true;
        }
        match &mut self.gate {
            Some(g) => {
                g.bytes += size;
                g.frames.push((frame, size));
            }
            None => self.send(frame, size),
        }
        true
    }

    /// Notes a live frame that is about to be printed in the ledger.
    fn noted(&self, frame: &OwnedFrame) -> Verdict {
        let Some(r) = &self.recovery else {
            return Verdict::Print;
        };
        if frame.defect.is_some() || frame.binary {
            return Verdict::Print;
        }
        let (list, id) = match inspect(&frame.bytes) {
            Some(Live::Notification { id }) => (Some(ListKey::Notifications), id),
            Some(Live::Message { id, subject }) => (ListKey::of_message(subject.as_deref()), id),
            None => return Verdict::Print,
        };
        match list {
            Some(list) => lock(&r.ledger).live(list, &id),
            None => Verdict::Print,
        }
    }

    /// Adds a frame to the batch.
    fn send(&mut self, frame: OwnedFrame, size: usize) {
        self.batch_bytes += size;
        self.batch.push(frame);
    }

    /// It is time for a tick even though the socket never paused (held rows, the gate,
    /// notes and the worker's passes run on ticks).
    pub fn tick_due(&self) -> bool {
        self.ticked.elapsed() >= TICK_EVERY
    }

    /// Whenever the socket has nothing more to read, on every read tick, and while the node
    /// is away: takes the worker's passes, prints held rows whose moment came, says what is
    /// due, and hands the batch over. False when obtail is stopping.
    pub fn tick(&mut self) -> bool {
        self.ticked = Instant::now();
        self.take_outcomes();
        self.release(false);
        self.open_gate(false);
        if self.episode.is_some() {
            self.resume();
        }
        self.due_notes();
        self.tidy();
        self.hand_over() && !self.shared.stop.load(Ordering::Relaxed)
    }

    /// Ends the episode when the queue is down to half; says what was lost and recovers.
    fn resume(&mut self) -> bool {
        if self.waiting() > self.shared.cap / 2 {
            return false;
        }
        let Some(ep) = self.episode.take() else {
            return true;
        };
        let line = dropped_words(&ep, self.shared.cap);
        self.recover(Why::Drops, line, false);
        true
    }

    /// Lets the live frames held at the gate go, once what the pass read back is printed
    /// (or it took too long, or obtail stops).
    fn open_gate(&mut self, now: bool) {
        let Some(g) = &self.gate else {
            return;
        };
        if !(now || (g.answered && self.held.is_empty()) || Instant::now() >= g.until) {
            return;
        }
        if let Some(g) = self.gate.take() {
            for (frame, size) in g.frames {
                self.send(frame, size);
            }
        }
    }

    /// Takes the passes the worker finished: their rows wait their moment, their reports
    /// join the lines that asked for them.
    fn take_outcomes(&mut self) {
        let Some(r) = &self.recovery else {
            return;
        };
        let mut outcomes = Vec::new();
        while let Some(o) = r.worker.outcome() {
            outcomes.push(o);
        }
        for o in outcomes {
            self.outcome(o);
        }
    }

    fn outcome(&mut self, mut o: Outcome) {
        let at = o.read_at + SETTLE;
        if let Some(g) = &mut self.gate {
            if g.asked <= o.began {
                g.answered = true;
                // Its rows may wait for a reader behind: the live frames wait with them.
                if !o.rows.is_empty() {
                    g.until = g.until.max(at + DRAIN_MAX);
                }
            }
        }
        let held_before = self.held.len();
        for (list, row) in std::mem::take(&mut o.rows) {
            let frame = OwnedFrame {
                bytes: row.frame.into(),
                binary: false,
                time: row.time.unwrap_or_else(chrono::Utc::now),
                source: self.target.shown.clone(),
                defect: None,
                recovered: true,
            };
            self.held.push_back(Held {
                list,
                id: row.id,
                frame,
                at,
            });
        }
        // A pass answers every line asked before it began (passes asked for meanwhile
        // were read as one).
        let (answered, rest): (Vec<Pending>, Vec<Pending>) =
            self.notes.drain(..).partition(|p| p.asked <= o.began);
        self.notes = rest.into();
        let lines: Vec<String> = answered
            .into_iter()
            .map(|p| p.line)
            .filter(|l| !l.is_empty())
            .collect();
        let left = self.held.len() - held_before;
        self.announces.push_back(Announce {
            why: o.why,
            lines: lines.join("; "),
            report: o.report,
            left,
        });
        self.announce();
    }

    /// Says the reports whose rows are all printed, in order.
    fn announce(&mut self) {
        while self.announces.front().is_some_and(|a| a.left == 0) {
            let Some(a) = self.announces.pop_front() else {
                break;
            };
            let line = self.announce_line(&a);
            if let Some(line) = line {
                self.note(&line);
            }
        }
    }

    /// The words for a finished pass; `None` when there is nothing worth saying.
    fn announce_line(&mut self, a: &Announce) -> Option<String> {
        let r = &a.report;
        let trouble = r.trouble();
        let new_trouble = trouble.is_some() && trouble != self.trouble;
        if trouble.is_some() {
            if new_trouble {
                self.trouble.clone_from(&trouble);
            }
        } else {
            self.trouble = None;
        }
        // With -q, only what may be lost: a read that failed or left events out, a drop.
        let lossy = trouble.is_some() || r.left_out > 0 || a.why == Why::Drops;
        if self.shared.quiet && !lossy {
            return None;
        }
        let found = r.notifications + r.chat > 0 || !r.limits().is_empty();
        let not_all = trouble
            .as_deref()
            .map(|t| format!(", not all: cannot read {t}"))
            .unwrap_or_default();
        let words = format!("recovered {}{}{not_all}", r.counts(), r.limits());
        let since = self.shared.since.is_some();
        Some(match a.why {
            Why::Start => return start_words(r, since, trouble.as_deref(), found),
            Why::Gap if a.lines.is_empty() => format!("read back what the gap hid: {words}"),
            Why::Gap => format!("{}; {words}{}", a.lines, self.unrecoverable(UNRECOVERABLE)),
            Why::Drops if a.lines.is_empty() => format!("read back what was dropped: {words}"),
            Why::Drops => format!(
                "{}; {words}{}",
                a.lines,
                self.unrecoverable(
                    "typing, read receipts, unfollows, wallet and status frames among them \
                     cannot be recovered"
                )
            ),
            Why::Retry | Why::Tidy => match trouble {
                Some(t) if new_trouble => format!("warning: still cannot read {t}"),
                Some(_) => return None,
                None if found => format!("read back what could not be read before: {words}"),
                None => return None,
            },
        })
    }

    /// What the node cannot give back, said with the first gap or drop only.
    fn unrecoverable(&mut self, words: &str) -> String {
        if std::mem::replace(&mut self.told_unrecoverable, true) {
            String::new()
        } else {
            format!("; {words}")
        }
    }

    /// Lines whose pass takes long are said without its report, which comes later alone.
    fn due_notes(&mut self) {
        let now = Instant::now();
        let mut due = Vec::new();
        for p in self.notes.iter_mut() {
            if p.until.is_some_and(|u| u <= now) {
                p.until = None;
                if !p.line.is_empty() {
                    due.push(std::mem::take(&mut p.line));
                }
            }
        }
        for line in due {
            self.note(&format!("{line}; reading back what it hid"));
        }
    }

    /// Prints held rows whose moment came and whose live copy cannot be waiting unread in
    /// the socket, as room in the queue allows; a row whose live copy came meanwhile is let go.
    /// `flush`: the node is gone for good, so no live copy can come: every row goes at once.
    fn release(&mut self, flush: bool) {
        let Some(r) = &self.recovery else {
            return;
        };
        let at = Instant::now();
        let mut out = Vec::new();
        let mut freed = 0;
        let mut waiting = self.waiting();
        while let Some(h) = self.held.front() {
            let size = h.frame.bytes.len() + OVERHEAD;
            let unread = self.drained < h.at && at < h.at + DRAIN_MAX;
            let full = waiting > 0 && waiting + size > self.shared.cap;
            if !flush && (h.at > at || unread || full) {
                break;
            }
            let Some(h) = self.held.pop_front() else {
                break;
            };
            freed += h.frame.bytes.len();
            let printed = lock(&r.ledger).release(&h.list, &h.id);
            if let Some(a) = announced(&mut self.announces) {
                a.account(&h.list, printed);
            }
            if printed {
                waiting += size;
                out.push((h.frame, size));
            }
        }
        r.worker.released(freed);
        for (frame, size) in out {
            self.send(frame, size);
        }
        self.announce();
    }

    /// Asks for a pass that lets old ids go, when the ledger holds too many; keeps it
    /// under its hard cap meanwhile.
    fn tidy(&mut self) {
        let Some(r) = &mut self.recovery else {
            return;
        };
        let mut l = lock(&r.ledger);
        if !l.wants_tidy() || r.last_tidy.elapsed() < TIDY_EVERY {
            return;
        }
        let forgotten = l.trim();
        drop(l);
        r.last_tidy = Instant::now();
        r.worker.ask(Why::Tidy);
        if forgotten > 0 {
            let line = format!(
                "warning: the node's lists could not be read for a while and other clients \
                 sent {forgotten} ids the node never listed: obtail forgot them; an event \
                 among them read back later could be printed twice"
            );
            self.note(&line);
        }
    }

    /// The node's flow ends: obtail is stopping (rows read back and still held are not
    /// printed: they come off their pass's counts and into the books as queued), or the node is
    /// gone for good (they are printed first: no live copy can come any more). Either way, what
    /// could not be read back or was dropped is said.
    pub fn finish(&mut self, end: Finish) {
        // The node went away as obtail stops: nothing more is printed.
        let end = match self.shared.stop.load(Ordering::Relaxed) {
            true => Finish::Stopping,
            false => end,
        };
        if end == Finish::NodeGone {
            // Before the gate opens: what was missed comes before what came live after it.
            self.print_read_back();
        }
        self.open_gate(true);
        self.hand_over();
        // Said even as obtail stops (the main thread prints only last words then).
        self.last_words = true;
        self.take_outcomes();
        match end {
            Finish::Stopping => self.unprinted_at_stop(),
            Finish::NodeGone => {
                self.release(true);
                self.hand_over();
            }
        }
        for a in self.announces.iter_mut() {
            a.left = 0;
        }
        self.announce();
        let (unread, dropped) = match end {
            Finish::Stopping => (
                "obtail stopped before it read back what it hid",
                "obtail stopped before output resumed",
            ),
            Finish::NodeGone => (
                "the connection ended (--no-reconnect) before it was read back",
                "not read back: the connection ended (--no-reconnect)",
            ),
        };
        for p in std::mem::take(&mut self.notes) {
            if !p.line.is_empty() {
                self.note(&format!("{}; {unread}", p.line));
            }
        }
        if let Some(ep) = self.episode.take() {
            let line = dropped_words(&ep, self.shared.cap);
            self.note(&format!("{line}; {dropped}"));
        }
    }

    /// The node is gone for good (`--no-reconnect`): a pass under way gets a moment to
    /// finish, and every row read back is printed, since no live copy can come any more.
    fn print_read_back(&mut self) {
        let until = Instant::now() + NOTE_WAIT;
        loop {
            self.take_outcomes();
            self.release(true);
            let done = self.notes.is_empty() || Instant::now() >= until;
            if !self.hand_over() || done || self.shared.stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Rows still held as obtail stops are never printed: they come off their pass's counts
    /// (which say what was printed) and join the frames read but not printed, in the books and
    /// in the stop line; a row whose live copy came was printed as that copy.
    fn unprinted_at_stop(&mut self) {
        let Some(r) = &self.recovery else {
            return;
        };
        let mut unprinted = Vec::new();
        for h in std::mem::take(&mut self.held) {
            let live_came = !lock(&r.ledger).release(&h.list, &h.id);
            if let Some(a) = announced(&mut self.announces) {
                a.account(&h.list, false);
            }
            if !live_came {
                unprinted.push(h.frame);
            }
        }
        if !unprinted.is_empty() {
            let _ = self.shared.tx.send(Msg::Frames(unprinted, 0));
        }
    }

    fn drop_frame(&mut self, frame: &OwnedFrame) {
        let kind = self.count(frame, Col::Dropped);
        if let Some(ep) = &mut self.episode {
            ep.total += 1;
            match ep.kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => ep.kinds.push((kind, 1)),
            }
        }
    }

    /// Counts a frame that does not reach the main thread; returns its kind.
    fn count(&self, frame: &OwnedFrame, col: Col) -> String {
        let kind = kind_of(frame);
        if let Ok(mut t) = self.shared.tally.lock() {
            t.add(&frame.source, &kind, Col::Received, 1);
            t.add(&frame.source, &kind, col, 1);
        }
        kind
    }
}

/// The report of the oldest pass with rows still held, the one the next held row belongs
/// to, with that row counted off the rows it waits for.
fn announced(announces: &mut VecDeque<Announce>) -> Option<&mut Announce> {
    let a = announces.iter_mut().find(|a| a.left > 0)?;
    a.left -= 1;
    Some(a)
}

fn lock(ledger: &Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(|e| e.into_inner())
}

/// The first pass's line: `--since` history, or what the node stored between obtail's start
/// and its first connection (said only when there was some, or the lists could not be read).
fn start_words(
    r: &recover::Report,
    since: bool,
    trouble: Option<&str>,
    found: bool,
) -> Option<String> {
    let not_all = trouble
        .map(|t| format!(", not all: cannot read {t}"))
        .unwrap_or_default();
    let (counts, limits) = (r.counts(), r.limits());
    Some(match (since, trouble) {
        (true, None) => format!("--since: read {counts} from the node's history{limits}"),
        (true, Some(_)) => {
            format!("warning: --since: read {counts} from the node's history{limits}{not_all}")
        }
        (false, None) if !found => return None,
        (false, None) => format!(
            "read back {counts} the node stored since obtail started, before it connected{limits}"
        ),
        (false, Some(t)) => format!(
            "warning: cannot read the node's lists ({t}): what a gap hides is read back once \
             they answer"
        ),
    })
}

/// A frame's kind as the books count it off the main thread (the pipeline's for the rest).
pub fn kind_of(frame: &OwnedFrame) -> String {
    if frame.defect.is_some() || frame.binary {
        "invalid".to_string()
    } else {
        classify(&frame.bytes).kind.name().into_owned()
    }
}

/// `output was too slow: dropped 1500 frames while 64 MiB were waiting (--buffer) (…)`.
fn dropped_words(ep: &Episode, cap: usize) -> String {
    let mut kinds = ep.kinds.clone();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut list: Vec<String> = kinds
        .iter()
        .take(KINDS_SHOWN)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    if kinds.len() > KINDS_SHOWN {
        let rest: u64 = kinds[KINDS_SHOWN..].iter().map(|(_, n)| n).sum();
        list.push(format!(
            "{rest} of {} other kinds",
            kinds.len() - KINDS_SHOWN
        ));
    }
    format!(
        "output was too slow: dropped {} frame{} while {} were waiting (--buffer) ({})",
        ep.total,
        if ep.total == 1 { "" } else { "s" },
        size_words(cap),
        list.join(", ")
    )
}

/// The time at which `elapsed` ago was, for a gap's start.
pub fn ago(elapsed: Duration) -> Stamp {
    chrono::Utc::now() - elapsed
}

/// `64 MiB`, `512 KiB`, `100 bytes`.
fn size_words(n: usize) -> String {
    const MIB: usize = 1 << 20;
    match n {
        n if n >= MIB && n % MIB == 0 => format!("{} MiB", n / MIB),
        n if n >= MIB => format!("{:.1} MiB", n as f64 / MIB as f64),
        n if n >= 1024 => format!("{} KiB", n / 1024),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{self, Receiver};

    use super::*;
    use crate::live::recover::{Report, Row};

    fn flow() -> (Flow, Receiver<super::Msg>) {
        let urls = ["ws://127.0.0.1:9/ws".to_string()];
        let settings = crate::config::LiveSettings::default();
        let env = crate::env::Env::default();
        let target = crate::live::targets(&urls, &settings, 1 << 20, &env)
            .unwrap()
            .remove(0);
        let (tx, rx) = mpsc::channel();
        let shared = FlowShared {
            tx,
            queued: Arc::new(AtomicUsize::new(0)),
            cap: 1 << 20,
            stop: Arc::new(AtomicBool::new(false)),
            tally: Arc::new(Mutex::new(Stats::default())),
            recover: true,
            rest_timeout: Duration::from_secs(1),
            since: None,
            started: chrono::Utc::now(),
            quiet: false,
        };
        (Flow::new(target, shared), rx)
    }

    /// A pass after a gap that read back one notification, its list read at `read_at`.
    fn read_back(flow: &mut Flow, id: &str, read_at: Instant) {
        pass(flow, Why::Gap, id, read_at);
    }

    fn pass(flow: &mut Flow, why: Why, id: &str, read_at: Instant) {
        let list = ListKey::Notifications;
        let r = flow.recovery.as_ref().expect("a recovery worker");
        lock(&r.ledger).begin();
        lock(&r.ledger).take(&list, id, None, true, true);
        let frame = format!(r#"{{"notification":{{"notificationId":"{id}","type":"follow"}}}}"#);
        let row = Row {
            id: id.into(),
            time: None,
            frame: frame.into_bytes(),
            incoming: true,
            order: None,
        };
        flow.outcome(Outcome {
            why,
            rows: vec![(list, row)],
            began: read_at,
            read_at,
            report: Report {
                notifications: 1,
                ..Report::default()
            },
        });
    }

    /// The ids of the frames handed to the main thread so far.
    fn printed(rx: &Receiver<super::Msg>) -> Vec<String> {
        handed(rx).0
    }

    /// The ids of the frames handed to the main thread so far, and the lines.
    fn handed(rx: &Receiver<super::Msg>) -> (Vec<String>, Vec<String>) {
        let (mut ids, mut lines) = (Vec::new(), Vec::new());
        while let Ok(msg) = rx.try_recv() {
            match msg {
                super::Msg::Frames(frames, _) => {
                    for f in frames {
                        let v: serde_json::Value = serde_json::from_slice(&f.bytes).unwrap();
                        let id = &v["notification"]["notificationId"];
                        ids.push(id.as_str().unwrap().into());
                    }
                }
                super::Msg::Note(line, _) | super::Msg::Last(line) => lines.push(line),
                _ => {}
            }
        }
        (ids, lines)
    }

    #[test]
    fn a_row_still_held_as_obtail_stops_is_not_said_to_be_read_back() {
        let (mut flow, rx) = flow();
        pass(&mut flow, Why::Start, "QmD", Instant::now());
        assert!(flow.tick());
        flow.finish(Finish::Stopping);
        let (ids, lines) = handed(&rx);
        // Handed over only to be counted as read and never printed (obtail is stopping).
        assert_eq!(ids, ["QmD"]);
        assert!(lines.is_empty(), "{lines:?}");
    }

    #[test]
    fn a_node_gone_for_good_has_its_rows_printed_at_once() {
        let (mut flow, rx) = flow();
        pass(&mut flow, Why::Start, "QmE", Instant::now());
        assert!(flow.tick());
        assert!(printed(&rx).is_empty(), "printed before its moment");
        flow.finish(Finish::NodeGone);
        let (ids, lines) = handed(&rx);
        assert_eq!(ids, ["QmE"]);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("read back 1 notification and 0 chat messages"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_row_waits_for_the_socket_to_be_read_down_before_it_is_printed() {
        let (mut flow, rx) = flow();
        let now = Instant::now();
        let Some(moment) = now.checked_sub(SETTLE + Duration::from_millis(10)) else {
            return;
        };
        read_back(&mut flow, "QmA", moment);
        // Its moment came, but the reader has been behind since before it.
        flow.drained = moment;
        assert!(flow.tick());
        assert!(
            printed(&rx).is_empty(),
            "printed before the socket was read down"
        );
        flow.drained(Instant::now());
        assert!(flow.tick());
        assert_eq!(printed(&rx), ["QmA"]);
    }

    #[test]
    fn a_live_copy_read_from_behind_takes_the_rows_place() {
        let (mut flow, rx) = flow();
        let Some(moment) = Instant::now().checked_sub(SETTLE + Duration::from_millis(10)) else {
            return;
        };
        read_back(&mut flow, "QmB", moment);
        flow.drained = moment;
        assert!(flow.tick());
        let live = br#"{"notification":{"notificationId":"QmB","type":"follow"}}"#;
        let frame = OwnedFrame {
            bytes: live.to_vec().into(),
            binary: false,
            time: chrono::Utc::now(),
            source: flow.target.shown.clone(),
            defect: None,
            recovered: false,
        };
        assert_eq!(flow.noted(&frame), Verdict::Print);
        flow.drained(Instant::now());
        assert!(flow.tick());
        assert!(
            printed(&rx).is_empty(),
            "the row was printed after its live copy"
        );
    }

    #[test]
    fn a_node_that_never_pauses_still_gets_its_rows_printed() {
        let (mut flow, rx) = flow();
        // Just past both waits (a machine up for less than that has no such past).
        let wait = SETTLE + DRAIN_MAX + Duration::from_millis(10);
        let Some(long_ago) = Instant::now().checked_sub(wait) else {
            return;
        };
        read_back(&mut flow, "QmC", long_ago);
        flow.drained = long_ago;
        assert!(flow.tick());
        assert_eq!(printed(&rx), ["QmC"]);
    }
}
