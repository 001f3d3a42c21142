//! What the user has seen: for each list the node keeps (notifications, direct chat, each
//! order's chat), the ids accounted for (printed live, printed as recovered, or listed and
//! deliberately not printed) and the floor below which every row is accounted for.
//!
//! The node thread notes each live notification and chat message here; the recovery worker
//! asks, for each row it reads back, whether it is new. That one lock is where "live or
//! recovered" is decided, so an event is printed once whatever the order the two copies come
//! in: a row read back waits (`Held`) before it is printed, and a live frame that arrives
//! meanwhile takes its place (live wins); a live frame whose row was printed first is a
//! double and is only counted.
//!
//! Memory does not depend on how long obtail runs nor on what other clients send: after each
//! complete read of a list, the floor rises to its newest row less a margin, ids below the
//! floor are forgotten (no later read goes below it), and live ids the read did not find are
//! forgotten a minute later (another client's made-up ids, or a row the node never stored).

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::time::{Duration, Instant};

use super::lists::ListKey;
use crate::frame::Stamp;

/// How far below the newest notification a later read looks again: notifications are kept in
/// insertion order and stamped by the node when made, so only a clock step moves one back.
pub const NOTES_MARGIN: Duration = Duration::from_secs(120);
/// ... and below the newest chat message: a message a peer left in the offline store keeps
/// the peer's timestamp and is fetched up to an hour later (the node asks the DHT hourly).
pub const CHAT_MARGIN: Duration = Duration::from_secs(70 * 60);
/// A live id that a complete read did not list is kept this long after the read began, for a
/// frame that reaches the socket before its row is stored; then it is taken for another
/// client's invention.
pub const LIVE_KEEP: Duration = Duration::from_secs(60);
/// Above this many ids the worker is asked for a read that lets it forget the old ones.
pub const SOFT_CAP: usize = 50_000;
/// Never more than this many ids per node: beyond it, the oldest live ids that no read has
/// listed are forgotten first (see docs/nothing-lost.md's limits).
pub const HARD_CAP: usize = 500_000;
/// Orders whose chat is read, per node; the least recently named go first.
pub const ORDERS_CAP: usize = 10_000;

/// How an id was accounted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Printed from the socket.
    Live,
    /// Read back and waiting to be printed; a live copy arriving now takes its place.
    Held,
    /// Printed as recovered: a live copy arriving now is a double.
    Recovered,
    /// Listed, and not for printing (the node's own outgoing chat).
    Quiet,
}

#[derive(Debug, Clone, Copy)]
struct Mark {
    how: How,
    noted: Instant,
    /// The row's time, once a read of the list has met it.
    listed: Option<Stamp>,
    /// The read that last met it.
    pass: u32,
}

#[derive(Default)]
struct Book {
    /// Every row older than this is accounted for; `None` until the list was read whole.
    floor: Option<Stamp>,
    marks: HashMap<u64, Mark, BuildHasherDefault<KeyHasher>>,
    /// Ids were noted live since the last complete read.
    fresh: bool,
}

/// What to do with a live frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Print,
    /// Its row was printed as recovered already.
    Double,
}

/// What to do with a row read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// New: held, to be printed as recovered.
    Print,
    /// Accounted for already, or not the user's to see.
    Skip,
    /// New, but there is no room left in this read: not marked, so a later read that
    /// stops above it says it was left out, and one that does not, prints it.
    NoRoom,
}

/// Every list's book, for one node.
pub struct Ledger {
    books: HashMap<ListKey, Book>,
    keys: RandomState,
    /// Rows older than this were never the user's to see (obtail's start, or `--since`);
    /// `None`: all of them are (`--since all`).
    origin: Option<Stamp>,
    ids: usize,
    /// Orders the node named (its order lists, its stored notifications), oldest first.
    named: VecDeque<ListKey>,
    pass: u32,
}

impl Ledger {
    pub fn new(origin: Option<Stamp>) -> Self {
        Ledger {
            books: HashMap::new(),
            keys: RandomState::new(),
            origin,
            ids: 0,
            named: VecDeque::new(),
            pass: 0,
        }
    }

    fn key(&self, id: &str) -> u64 {
        self.keys.hash_one(id.as_bytes())
    }

    /// Rows older than this need not be read: `None` for all of them.
    pub fn floor(&self, list: &ListKey) -> Option<Stamp> {
        let book = self.books.get(list).and_then(|b| b.floor);
        match (book, self.origin) {
            (Some(b), Some(o)) => Some(b.max(o)),
            (b, o) => b.or(o),
        }
    }

    /// A row older than this is not the user's to see (it predates obtail or `--since`).
    pub fn origin(&self) -> Option<Stamp> {
        self.origin
    }

    /// A notification or chat message read from the socket.
    pub fn live(&mut self, list: ListKey, id: &str) -> Verdict {
        let key = self.key(id);
        let now = Instant::now();
        let book = self.books.entry(list).or_default();
        book.fresh = true;
        match book.marks.get_mut(&key) {
            Some(m) if m.how == How::Recovered => Verdict::Double,
            Some(m) => {
                // Held: the row read back will not be printed; this copy is.
                m.how = How::Live;
                Verdict::Print
            }
            None => {
                book.marks.insert(
                    key,
                    Mark {
                        how: How::Live,
                        noted: now,
                        listed: None,
                        pass: 0,
                    },
                );
                self.ids += 1;
                Verdict::Print
            }
        }
    }

    /// Starts a read of the lists: rows met from now on belong to it.
    pub fn begin(&mut self) -> u32 {
        self.pass = self.pass.wrapping_add(1).max(1);
        self.pass
    }

    /// A row read back above the floor. `wanted`: it is the user's to see (incoming);
    /// `room`: the read can hold one more row.
    pub fn take(
        &mut self,
        list: &ListKey,
        id: &str,
        time: Option<Stamp>,
        wanted: bool,
        room: bool,
    ) -> Take {
        let key = self.key(id);
        let pass = self.pass;
        let book = match self.books.get_mut(list) {
            Some(b) => b,
            None => self.books.entry(list.clone()).or_default(),
        };
        if let Some(m) = book.marks.get_mut(&key) {
            m.listed = time.or(m.listed);
            m.pass = pass;
            return Take::Skip;
        }
        if wanted && !room {
            return Take::NoRoom;
        }
        let how = if wanted { How::Held } else { How::Quiet };
        book.marks.insert(
            key,
            Mark {
                how,
                noted: Instant::now(),
                listed: time,
                pass,
            },
        );
        self.ids += 1;
        if wanted {
            Take::Print
        } else {
            Take::Skip
        }
    }

    /// A held row's turn to be printed: false when a live copy took its place.
    pub fn release(&mut self, list: &ListKey, id: &str) -> bool {
        let key = self.key(id);
        match self.books.get_mut(list).and_then(|b| b.marks.get_mut(&key)) {
            Some(m) if m.how == How::Held => {
                m.how = How::Recovered;
                true
            }
            _ => false,
        }
    }

    /// A complete read of `list` (begun at `began`) met rows down to the floor or the list's
    /// end; `newest` is its newest row's time and `node_now` the node's clock then. Returns
    /// how many rows accounted for at or above the rows read were not met again (a list that
    /// ended short: rows deleted, or paging that stopped early).
    pub fn settle(
        &mut self,
        list: &ListKey,
        newest: Option<Stamp>,
        oldest: Option<Stamp>,
        node_now: Stamp,
        began: Instant,
    ) -> usize {
        let margin = if list.is_chat() {
            CHAT_MARGIN
        } else {
            NOTES_MARGIN
        };
        let origin = self.origin;
        let pass = self.pass;
        let Some(book) = self.books.get_mut(list) else {
            return 0;
        };
        // A stranger's clock may date a row in the future: never above the node's own now.
        let top = newest.map_or(node_now, |n| n.min(node_now));
        let margin = chrono::TimeDelta::from_std(margin).unwrap_or_default();
        let floor = [book.floor, Some(top - margin), origin]
            .into_iter()
            .flatten()
            .max();
        book.floor = floor;
        book.fresh = false;
        let unmet = book
            .marks
            .values()
            .filter(|m| {
                m.pass != pass
                    && m.how != How::Live
                    && m.listed.zip(oldest).is_some_and(|(l, o)| l >= o)
            })
            .count();
        let keep_live = began.checked_sub(LIVE_KEEP);
        let before = book.marks.len();
        book.marks.retain(|_, m| {
            m.how == How::Held
                || match m.listed {
                    Some(t) => floor.is_none_or(|f| t >= f),
                    None => keep_live.is_none_or(|k| m.noted >= k),
                }
        });
        self.ids -= before - book.marks.len();
        unmet
    }

    /// An order the node names: its chat is one of the lists to read.
    pub fn name_order(&mut self, id: &str) {
        let Some(list) = ListKey::order(id) else {
            return;
        };
        if let Some(i) = self.named.iter().position(|l| *l == list) {
            self.named.remove(i);
        } else if self.named.len() >= ORDERS_CAP {
            self.named.pop_front();
        }
        self.named.push_back(list);
    }

    /// The orders named so far, most recently named first.
    pub fn named_orders(&self) -> Vec<ListKey> {
        self.named.iter().rev().cloned().collect()
    }

    /// Order chat lists with live ids noted since they were last read whole (a tidy read
    /// needs only those).
    pub fn fresh_orders(&self) -> Vec<ListKey> {
        self.books
            .iter()
            .filter(|(k, b)| b.fresh && matches!(k, ListKey::Order(_)))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Too many ids held: a read would let the oldest go.
    pub fn wants_tidy(&self) -> bool {
        self.ids > SOFT_CAP
    }

    /// Keeps the memory under `HARD_CAP` when reads cannot help (the node's lists do not
    /// answer, and another client floods the socket with made-up ids): forgets the oldest
    /// live ids no read has listed, then empty books. Returns how many ids were forgotten.
    pub fn trim(&mut self) -> usize {
        if self.ids <= HARD_CAP {
            return 0;
        }
        let target = HARD_CAP - HARD_CAP / 10;
        let mut unlisted: Vec<(Instant, ListKey, u64)> = self
            .books
            .iter()
            .flat_map(|(list, b)| {
                b.marks
                    .iter()
                    .filter(|(_, m)| m.listed.is_none() && m.how == How::Live)
                    .map(move |(k, m)| (m.noted, list.clone(), *k))
            })
            .collect();
        unlisted.sort_by_key(|(noted, _, _)| *noted);
        let mut forgotten = 0;
        for (_, list, key) in unlisted {
            if self.ids <= target {
                break;
            }
            if let Some(b) = self.books.get_mut(&list) {
                if b.marks.remove(&key).is_some() {
                    self.ids -= 1;
                    forgotten += 1;
                }
            }
        }
        self.books
            .retain(|_, b| !b.marks.is_empty() || b.floor.is_some());
        forgotten
    }

    /// Ids held, in every book.
    pub fn len(&self) -> usize {
        self.ids
    }

    pub fn is_empty(&self) -> bool {
        self.ids == 0
    }
}

/// The ledger's keys are keyed hashes of the ids already: hashing them again buys nothing.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
