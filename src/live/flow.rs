//! A node's frames after the socket: the byte-bounded queue to the main thread, the ids that
//! keep recovered events from printing twice, and the REST recovery after every gap (a
//! reconnect, or frames dropped while stdout was too slow).
//!
//! The socket is read at all times: when the queue holds `--buffer` bytes, live frames are
//! dropped and counted (a node cuts off a client that stops reading, which loses more), and
//! when it has drained to half, one line says what was dropped and the node's lists give the
//! notifications and chat among them back.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::connect::Target;
use super::recover::{self, Boundary, Collected, List, Live, Origin, Row, Seen};
use super::{rest, Msg};
use crate::classify::classify;
use crate::frame::{OwnedFrame, Stamp};
use crate::stats::{Col, Stats};

/// Bytes counted for each queued frame besides its payload, so that many tiny frames are
/// bounded too.
pub const OVERHEAD: usize = 128;
/// At most this many events are printed from one recovery; the rest is reported.
pub const RECOVER_MAX: usize = 5000;
/// The least a recovery may hold in memory, whatever `--buffer` says.
const RECOVER_BYTES: usize = 16 << 20;
/// `--since all` and long `--since` windows read at most this many rows per list.
const HISTORY_MAX: usize = 20_000;
/// Without an id known from before a gap, rows this much older than its start are not
/// missed ones (the node's clock against ours; notification times have whole seconds).
const CLOCK_MARGIN: Duration = Duration::from_secs(2);

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
}

/// Frames dropped while the queue was full.
struct Episode {
    /// `Seen` mark when it began: what was queued before is the boundary.
    mark: u64,
    began: Stamp,
    kinds: Vec<(String, u64)>,
    total: u64,
}

/// What one recovery gave.
#[derive(Debug, Default)]
pub struct Report {
    pub notifications: usize,
    pub chat: usize,
    /// One line per list that could not be read.
    pub warnings: Vec<String>,
    pub truncated: bool,
    /// Rows listed without an id: they cannot be told from what was printed, so they are
    /// left out, and said.
    pub unnamed: usize,
    /// The bytes this recovery could hold (the larger of --buffer and RECOVER_BYTES).
    pub held: usize,
}

impl Report {
    fn unnamed_words(&self) -> String {
        match self.unnamed {
            0 => String::new(),
            n => format!(" ({} listed without an id left out)", plural(n, "row")),
        }
    }

    /// `recovered 3 notifications and 1 chat message`.
    pub fn words(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut s = format!(
            "recovered {} and {}",
            plural(self.notifications, "notification", "notifications"),
            plural(self.chat, "chat message", "chat messages")
        );
        if self.truncated {
            s.push_str(&format!(
                " (more were missed than one recovery holds, {RECOVER_MAX} events or {} MiB: \
                 the oldest were left out)",
                self.held.max(RECOVER_BYTES) >> 20
            ));
        }
        s.push_str(&self.unnamed_words());
        if !self.warnings.is_empty() {
            s.push_str(" (some lists could not be read: see the warnings)");
        }
        s
    }
}

pub struct Flow {
    pub target: Target,
    shared: FlowShared,
    seen: Seen,
    /// The notification and direct-chat lists were read once: ids decide where a gap starts.
    notes_known: bool,
    direct_known: bool,
    /// Order ids met, newest last, and whether their chat list was read.
    orders: VecDeque<(String, bool)>,
    episode: Option<Episode>,
    /// Recovered events waiting for room in the queue (at most --buffer bytes of them).
    pending: VecDeque<OwnedFrame>,
    /// Frames for the main thread, handed over together (one channel message and one
    /// wake-up per socket read, not per frame); their bytes count as queued already.
    batch: Vec<OwnedFrame>,
    batch_bytes: usize,
}

impl Flow {
    pub fn new(target: Target, shared: FlowShared) -> Self {
        Flow {
            target,
            shared,
            seen: Seen::new(recover::SEEN_CAP),
            notes_known: false,
            direct_known: false,
            orders: VecDeque::new(),
            episode: None,
            pending: VecDeque::new(),
            batch: Vec::new(),
            batch_bytes: 0,
        }
    }

    /// Bytes waiting for the main thread: in the channel and in the batch.
    fn waiting(&self) -> usize {
        self.shared.queued.load(Ordering::Acquire) + self.batch_bytes
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

    /// The `Seen` mark: everything met from now on is after it.
    pub fn mark(&self) -> u64 {
        self.seen.mark()
    }

    fn note(&mut self, line: String) -> bool {
        // A line about what came before follows it.
        self.hand_over();
        self.shared
            .tx
            .send(Msg::Note(super::stamped(&self.target.shown, &line)))
            .is_ok()
    }

    /// Hands a frame read from the socket on; false when the main thread is gone.
    pub fn live(&mut self, frame: OwnedFrame) -> bool {
        let size = frame.bytes.len() + OVERHEAD;
        let live = if frame.defect.is_none() && !frame.binary {
            recover::inspect(&frame.bytes)
        } else {
            None
        };
        let (id, order) = match live {
            Some(Live::Notification { id, order }) => (Some(id), order),
            Some(Live::Message { id, subject }) => (Some(id), subject),
            None => (None, None),
        };
        if let Some(order) = order {
            remember_order(&mut self.orders, order);
        }
        if !self.flush_pending() {
            return false;
        }
        if self.episode.is_some() && !self.resume() {
            self.drop_frame(&frame, id);
            return !self.shared.stop.load(Ordering::Relaxed);
        }
        if self.waiting() + size > self.shared.cap || !self.pending.is_empty() {
            self.episode = Some(Episode {
                mark: self.seen.mark(),
                began: chrono::Utc::now(),
                kinds: Vec::new(),
                total: 0,
            });
            self.drop_frame(&frame, id);
            return true;
        }
        if let Some(id) = id {
            if let Some(e) = self.seen.note(id, Origin::Live) {
                if e.origin == Origin::Recovered {
                    self.count(&frame, Col::Duplicate);
                    return true;
                }
            }
        }
        self.send(frame, size)
    }

    /// Adds a frame to the batch. Always true: a closed channel shows at the hand-over.
    fn send(&mut self, frame: OwnedFrame, size: usize) -> bool {
        self.batch_bytes += size;
        self.batch.push(frame);
        true
    }

    /// Whenever the socket has nothing more to read (and on every read tick): hands the
    /// batch over, and ends a drop episode once the queue has drained.
    pub fn tick(&mut self) -> bool {
        if !self.hand_over() || !self.flush_pending() {
            return false;
        }
        if self.episode.is_some() {
            self.resume();
        }
        self.hand_over() && !self.shared.stop.load(Ordering::Relaxed)
    }

    /// Ends the episode when the queue is down to half; says what was lost and recovers.
    fn resume(&mut self) -> bool {
        if self.waiting() > self.shared.cap / 2 || !self.pending.is_empty() {
            return false;
        }
        let Some(ep) = self.episode.take() else {
            return true;
        };
        let mut line = dropped_words(&ep, self.shared.cap);
        if self.shared.recover {
            let report = self.recover(ep.mark, Some(ep.began), RECOVER_MAX);
            line.push_str(&format!(
                "; {}; typing, read receipts, unfollows, wallet and status frames among them cannot be recovered",
                report.words()
            ));
        } else {
            line.push_str("; not recovered (--no-recover)");
        }
        self.note(line);
        true
    }

    /// obtail is stopping: a drop episode still going on is said, unrecovered, and recovered
    /// events still waiting for room go into the books as queued at stop.
    pub fn finish(&mut self) {
        self.hand_over();
        if let Ok(mut t) = self.shared.tally.lock() {
            for f in self.pending.drain(..) {
                let kind = kind_of(&f);
                t.add(&f.source, &kind, Col::Recovered, 1);
                t.add(&f.source, &kind, Col::Queued, 1);
            }
        }
        if let Some(ep) = self.episode.take() {
            let line = dropped_words(&ep, self.shared.cap);
            let line = format!("{line}; obtail stopped before output resumed");
            let _ = self
                .shared
                .tx
                .send(Msg::Last(super::stamped(&self.target.shown, &line)));
        }
    }

    fn drop_frame(&mut self, frame: &OwnedFrame, id: Option<&[u8]>) {
        if let Some(id) = id {
            // Listed by an earlier REST call (while the frame was on its way): it was never
            // seen, so the recovery after this episode must not stop at it.
            self.seen.forget_listed(id);
        }
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

    /// Before the first connection: remembers the newest rows of the lists as seen, so a
    /// later gap knows where it starts. Read before the socket opens, none of them can still
    /// be on its way over the socket. Returns what could not be read.
    pub fn baseline(&mut self) -> Vec<String> {
        let target = &self.target;
        let timeout = self.shared.rest_timeout;
        let mut fetch = |p: &str| rest::get(target, p, timeout);
        let mut failed = Vec::new();
        match recover::baseline(List::Notifications, &mut fetch, &mut self.seen) {
            Ok(()) => self.notes_known = true,
            Err(e) => failed.push(format!("the notification list: {e}")),
        }
        match recover::baseline(List::Chat { subject: "" }, &mut fetch, &mut self.seen) {
            Ok(()) => self.direct_known = true,
            Err(e) => failed.push(format!("the chat list: {e}")),
        }
        failed
    }

    /// After the first connection: says which lists could not be read, or with `--since`
    /// prints the history from then on.
    pub fn start(&mut self, since: Option<Option<Stamp>>, failed: Vec<String>) {
        if let Some(cutoff) = since {
            let report = self.recover_lists(0, cutoff, HISTORY_MAX, true);
            for w in &report.warnings {
                self.note(format!("warning: --since: {w}"));
            }
            // A history longer than one read holds must not pass for the whole of it.
            let left_out = if report.truncated {
                format!(
                    " (it holds more than one read takes, {HISTORY_MAX} events or {} MiB: \
                     the oldest were left out)",
                    self.shared.cap.max(RECOVER_BYTES) >> 20
                )
            } else {
                String::new()
            };
            self.note(format!(
                "--since: read {} and {} from the node's history{left_out}{}",
                plural(report.notifications, "notification"),
                plural(report.chat, "chat message"),
                report.unnamed_words()
            ));
        }
        for f in failed {
            self.note(format!(
                "warning: cannot read {f}; events missed in a gap may not be recovered"
            ));
        }
    }

    /// After a reconnect: the gap began at `mark` and `lost_at`.
    pub fn recover(&mut self, mark: u64, lost_at: Option<Stamp>, max: usize) -> Report {
        let cutoff = lost_at.map(|t| t - CLOCK_MARGIN);
        let report = self.recover_lists(mark, cutoff, max, false);
        for w in &report.warnings {
            self.note(format!("warning: {w}"));
        }
        report
    }

    /// Reads every list back to the boundary and sends what was missed, oldest first.
    /// `fallback` is the time limit for lists with no id known from before (`force_cutoff`:
    /// for every list, as `--since` wants).
    fn recover_lists(
        &mut self,
        before: u64,
        fallback: Option<Stamp>,
        max: usize,
        force_cutoff: bool,
    ) -> Report {
        let mut report = Report::default();
        let target = &self.target;
        let timeout = self.shared.rest_timeout;
        let mut fetch = |p: &str| rest::get(target, p, timeout);
        let cut = |known: bool| {
            if known && !force_cutoff {
                None
            } else {
                fallback
            }
        };
        let mut rows: Vec<Row> = Vec::new();
        let take = |r: Result<Collected, String>, what: &str, report: &mut Report| match r {
            Ok(c) => {
                report.truncated |= c.truncated;
                report.unnamed += c.unnamed;
                Some(c.rows)
            }
            Err(e) => {
                report
                    .warnings
                    .push(format!("cannot read back {what}: {e}"));
                None
            }
        };
        // One budget for every list, so one recovery holds at most --buffer bytes (or
        // RECOVER_BYTES, for a small --buffer).
        let budget = std::cell::Cell::new(self.shared.cap.max(RECOVER_BYTES));
        report.held = budget.get();
        let b = |known: bool| Boundary {
            before,
            cutoff: cut(known),
            max,
            bytes: budget.get(),
        };
        let spend = |rows: &[Row]| {
            let used: usize = rows.iter().map(|r| r.frame.len()).sum();
            budget.set(budget.get().saturating_sub(used));
        };
        let got = recover::collect(
            List::Notifications,
            &mut fetch,
            &mut self.seen,
            b(self.notes_known),
        );
        if let Some(n) = take(got, "missed notifications", &mut report) {
            spend(&n);
            self.notes_known = true;
            report.notifications = n.len();
            for row in &n {
                if let Some(Live::Notification { order: Some(o), .. }) =
                    recover::inspect(&row.frame)
                {
                    remember_order(&mut self.orders, o);
                }
            }
            rows.extend(n);
        }
        let mut chat = Vec::new();
        // A node that did not answer (or too old to) will not answer the chat lists either:
        // the socket is not read meanwhile, so do not wait on it again.
        let lists = if report.warnings.is_empty() {
            self.orders.len() + 1
        } else {
            0
        };
        let got = (lists > 0).then(|| {
            recover::collect(
                List::Chat { subject: "" },
                &mut fetch,
                &mut self.seen,
                b(self.direct_known),
            )
        });
        if let Some(c) = got.and_then(|got| take(got, "missed chat messages", &mut report)) {
            spend(&c);
            self.direct_known = true;
            chat.extend(c);
        }
        for i in 0..lists.saturating_sub(1) {
            if !report.warnings.is_empty() {
                break;
            }
            let (order, known) = self.orders[i].clone();
            let got = recover::collect(
                List::Chat { subject: &order },
                &mut fetch,
                &mut self.seen,
                b(known),
            );
            match take(got, "missed order chat", &mut report) {
                Some(c) => {
                    spend(&c);
                    self.orders[i].1 = true;
                    chat.extend(c);
                }
                // One failure is enough to know the node will not answer the rest.
                None => break,
            }
        }
        chat.sort_by_key(|r| r.time);
        report.chat = chat.len();
        for row in merge_by_time(rows, chat) {
            self.pending.push_back(OwnedFrame {
                bytes: row.frame.into(),
                binary: false,
                time: row.time.unwrap_or_else(chrono::Utc::now),
                source: self.target.shown.clone(),
                defect: None,
                recovered: true,
            });
        }
        self.flush_pending();
        self.hand_over();
        report
    }

    /// Queues recovered events as room allows: they wait here rather than be dropped, and
    /// the socket goes on being read meanwhile (live frames that find them waiting are
    /// dropped and recovered later, so the order stays oldest first).
    fn flush_pending(&mut self) -> bool {
        while let Some(f) = self.pending.front() {
            let size = f.bytes.len() + OVERHEAD;
            let queued = self.waiting();
            if queued > 0 && queued + size > self.shared.cap {
                break;
            }
            let Some(f) = self.pending.pop_front() else {
                break;
            };
            if !self.send(f, size) {
                return false;
            }
        }
        true
    }
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

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Two lists, each oldest first, into one (notifications first on equal times).
fn merge_by_time(a: Vec<Row>, b: Vec<Row>) -> Vec<Row> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let pick_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.time <= y.time || y.time.is_none(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if pick_a { a.next() } else { b.next() });
    }
}

fn remember_order(orders: &mut VecDeque<(String, bool)>, id: &[u8]) {
    if let Some(i) = orders.iter().position(|(o, _)| o.as_bytes() == id) {
        if let Some(entry) = orders.remove(i) {
            orders.push_back(entry);
        }
        return;
    }
    let Ok(text) = std::str::from_utf8(id) else {
        return;
    };
    if text.len() > 128 {
        return;
    }
    if orders.len() >= recover::ORDERS_CAP {
        orders.pop_front();
    }
    orders.push_back((text.to_string(), false));
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
    use super::*;

    fn row(id: &str, t: &str) -> Row {
        Row {
            id: id.into(),
            time: crate::frame::parse_time(t),
            frame: Vec::new(),
            incoming: true,
        }
    }

    #[test]
    fn a_recovery_says_rows_left_out_for_want_of_an_id() {
        let mut r = Report {
            notifications: 2,
            ..Default::default()
        };
        assert_eq!(r.words(), "recovered 2 notifications and 0 chat messages");
        r.unnamed = 3;
        assert_eq!(
            r.words(),
            "recovered 2 notifications and 0 chat messages (3 rows listed without an id left out)"
        );
    }

    #[test]
    fn a_cut_recovery_names_the_bytes_it_could_hold() {
        let r = Report {
            truncated: true,
            held: 64 << 20,
            ..Default::default()
        };
        assert!(r.words().contains("5000 events or 64 MiB"), "{}", r.words());
    }

    #[test]
    fn recovered_events_come_oldest_first() {
        let n = vec![
            row("n1", "2026-01-01T00:00:01Z"),
            row("n2", "2026-01-01T00:00:03Z"),
        ];
        let c = vec![
            row("c1", "2026-01-01T00:00:02Z"),
            row("c2", "2026-01-01T00:00:03Z"),
        ];
        let ids: Vec<String> = merge_by_time(n, c).into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["n1", "c1", "n2", "c2"]);
    }

    #[test]
    fn order_memory_is_bounded_and_recent() {
        let mut o = VecDeque::new();
        for i in 0..100 {
            remember_order(&mut o, format!("Qm{i}").as_bytes());
        }
        remember_order(&mut o, b"Qm80");
        assert_eq!(o.len(), recover::ORDERS_CAP);
        assert_eq!(o.back().unwrap().0, "Qm80");
        remember_order(&mut o, &[b'x'; 500]);
        assert_eq!(o.back().unwrap().0, "Qm80");
    }

    #[test]
    fn reports_in_words() {
        let r = Report {
            notifications: 3,
            chat: 1,
            ..Report::default()
        };
        assert_eq!(r.words(), "recovered 3 notifications and 1 chat message");
    }
}
