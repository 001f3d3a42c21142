//! The board: every order obtail has read, per node and list, and what changed each time a
//! list or a row is read again. Pure data: reads come in, changes come out; nothing here does
//! I/O or knows about output.
//!
//! The first read of a list fills the board without a word (that is the board itself); after
//! it, an order not seen before is new, a state that differs is a change, more unread chat is
//! news, and a deadline that crosses one of `assess`'s thresholds is announced once.

use std::collections::{HashMap, HashSet};

use super::assess::{assess, nearness, Assessed};
use super::row::Row;
use super::state::{Role, State};
use crate::frame::Stamp;

/// Where an order is listed: the node (its index among those given), the list, its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub node: usize,
    pub role: Role,
    pub id: String,
}

/// One order on the board.
#[derive(Debug, Clone)]
pub struct Entry {
    pub row: Row,
    /// When obtail saw the order become as it is: for orders of the first read, when the
    /// order was made (the node keeps no time of a row's last change).
    pub updated: Stamp,
    /// How many of the deadline's thresholds had been crossed when it was last looked at.
    near: usize,
}

/// What a change was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    New,
    State,
    Deadline,
    Chat,
}

impl ChangeKind {
    /// As `-o ndjson` writes `change`.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::State => "state",
            ChangeKind::Deadline => "deadline",
            ChangeKind::Chat => "chat",
        }
    }
}

/// One change to announce.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    /// The state before (for a new order, none).
    pub from: Option<State>,
    pub key: Key,
}

#[derive(Default)]
pub struct Board {
    entries: HashMap<Key, Entry>,
    /// Lists read whole at least once: only after that is an order new.
    loaded: HashSet<(usize, Role)>,
}

impl Board {
    /// A whole list as read: its rows go on the board, orders it no longer lists leave it.
    pub fn whole_list(
        &mut self,
        node: usize,
        role: Role,
        rows: Vec<Row>,
        now: Stamp,
    ) -> Vec<Change> {
        let announce = !self.loaded.insert((node, role));
        let listed: HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
        self.entries
            .retain(|k, _| k.node != node || k.role != role || listed.contains(&k.id));
        self.put(node, rows, now, announce)
    }

    /// Rows read again for some orders (a notification named them): each goes on the board.
    pub fn some_rows(&mut self, node: usize, rows: Vec<Row>, now: Stamp) -> Vec<Change> {
        let mut changes = Vec::new();
        for row in rows {
            let announce = self.loaded.contains(&(node, row.role));
            changes.extend(self.put(node, vec![row], now, announce));
        }
        changes
    }

    fn put(&mut self, node: usize, rows: Vec<Row>, now: Stamp, announce: bool) -> Vec<Change> {
        let mut changes = Vec::new();
        for row in rows {
            let key = Key {
                node,
                role: row.role,
                id: row.id.clone(),
            };
            let change = match self.entries.get_mut(&key) {
                Some(e) => e.update(row, now),
                None => {
                    let entry = Entry::new(row, now, announce);
                    self.entries.insert(key.clone(), entry);
                    announce.then_some((ChangeKind::New, None))
                }
            };
            if let Some((kind, from)) = change.filter(|_| announce) {
                changes.push(Change { kind, from, key });
            }
        }
        changes
    }

    /// Deadlines that came nearer since the last look, one change each.
    pub fn tick(&mut self, now: Stamp) -> Vec<Change> {
        let mut changes = Vec::new();
        for (key, e) in &mut self.entries {
            let near = nearness(&assess(&e.row, now).deadline, now);
            if near > e.near {
                e.near = near;
                changes.push(Change {
                    kind: ChangeKind::Deadline,
                    from: Some(e.row.state.clone()),
                    key: key.clone(),
                });
            }
        }
        changes.sort_by(|a, b| a.key.cmp(&b.key));
        changes
    }

    pub fn get(&self, key: &Key) -> Option<&Entry> {
        self.entries.get(key)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every order with its assessment at `now`, most urgent first: those waiting on the
    /// user, then by deadline (soonest first), then the oldest first.
    pub fn sorted(&self, now: Stamp) -> Vec<(&Key, &Entry, Assessed)> {
        let mut all: Vec<(&Key, &Entry, Assessed)> = self
            .entries
            .iter()
            .map(|(k, e)| (k, e, assess(&e.row, now)))
            .collect();
        all.sort_by(|(ka, ea, a), (kb, eb, b)| {
            let rank = |a: &Assessed| (!a.needs_you(), a.is_final, a.deadline.when().is_none());
            rank(a)
                .cmp(&rank(b))
                .then(a.deadline.when().cmp(&b.deadline.when()))
                .then(ea.row.created.cmp(&eb.row.created))
                .then(ka.cmp(kb))
        });
        all
    }
}

impl Entry {
    fn new(row: Row, now: Stamp, announced: bool) -> Entry {
        let near = nearness(&assess(&row, now).deadline, now);
        let updated = match announced {
            true => now,
            false => row.created.unwrap_or(now),
        };
        Entry { row, updated, near }
    }

    /// Takes the row as read again; says what changed that is worth a line.
    fn update(&mut self, row: Row, now: Stamp) -> Option<(ChangeKind, Option<State>)> {
        let old = std::mem::replace(&mut self.row, row);
        let change = if old.state != self.row.state {
            // The new state's deadline starts where it is, without a line of its own.
            self.near = nearness(&assess(&self.row, now).deadline, now);
            Some((ChangeKind::State, Some(old.state)))
        } else if self.row.unread_chat > old.unread_chat {
            Some((ChangeKind::Chat, Some(old.state)))
        } else {
            None
        };
        if change.is_some() {
            self.updated = now;
        }
        change
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::parse_time;

    fn row(id: &str, role: Role, state: &str, created: &str) -> Row {
        Row::sample(id, role, state, created)
    }

    fn t(s: &str) -> Stamp {
        parse_time(s).unwrap()
    }

    const DAY0: &str = "2026-01-01T00:00:00Z";

    #[test]
    fn the_first_read_is_the_board_and_later_ones_are_news() {
        let mut b = Board::default();
        let now = t("2026-01-02T00:00:00Z");
        let first = vec![row("A", Role::Sale, "AWAITING_PAYMENT", DAY0)];
        assert!(b.whole_list(0, Role::Sale, first, now).is_empty());
        let a = Key {
            node: 0,
            role: Role::Sale,
            id: "A".into(),
        };
        assert_eq!(
            b.get(&a).unwrap().updated,
            t(DAY0),
            "its creation, until seen changing"
        );
        let later = t("2026-01-03T00:00:00Z");
        let moved = vec![
            row("A", Role::Sale, "AWAITING_FULFILLMENT", DAY0),
            row("B", Role::Sale, "AWAITING_PAYMENT", DAY0),
        ];
        let changes = b.whole_list(0, Role::Sale, moved, later);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].kind, ChangeKind::State);
        assert_eq!(changes[0].from, Some(State::of("AWAITING_PAYMENT")));
        assert_eq!(
            (changes[1].kind, changes[1].key.id.as_str()),
            (ChangeKind::New, "B")
        );
        assert_eq!(b.get(&a).unwrap().updated, later);
        // Read again unchanged: nothing to say.
        let same = vec![row("A", Role::Sale, "AWAITING_FULFILLMENT", DAY0)];
        assert!(b.whole_list(0, Role::Sale, same, later).is_empty());
        assert_eq!(b.len(), 1, "B is no longer listed");
    }

    #[test]
    fn rows_of_a_list_never_read_whole_are_not_news() {
        let mut b = Board::default();
        let now = t("2026-01-02T00:00:00Z");
        let found = vec![row("C", Role::Case, "DISPUTED", DAY0)];
        assert!(b.some_rows(0, found, now).is_empty());
        b.whole_list(0, Role::Case, vec![], now);
        let found = vec![row("D", Role::Case, "DISPUTED", DAY0)];
        assert_eq!(b.some_rows(0, found, now)[0].kind, ChangeKind::New);
    }

    #[test]
    fn more_unread_chat_is_news_and_less_is_not() {
        let mut b = Board::default();
        let now = t("2026-01-02T00:00:00Z");
        b.whole_list(
            1,
            Role::Purchase,
            vec![row("P", Role::Purchase, "PENDING", DAY0)],
            now,
        );
        let mut chatty = row("P", Role::Purchase, "PENDING", DAY0);
        chatty.unread_chat = 2;
        let c = b.some_rows(1, vec![chatty.clone()], now);
        assert_eq!(c[0].kind, ChangeKind::Chat);
        chatty.unread_chat = 0;
        assert!(b.some_rows(1, vec![chatty], now).is_empty());
    }

    #[test]
    fn deadlines_are_announced_once_per_threshold() {
        let mut b = Board::default();
        let case = row("K", Role::Case, "DISPUTED", DAY0);
        b.whole_list(0, Role::Case, vec![case], t("2026-02-13T12:00:00Z"));
        assert!(b.tick(t("2026-02-13T23:00:00Z")).is_empty());
        let c = b.tick(t("2026-02-14T00:00:01Z"));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ChangeKind::Deadline);
        assert!(b.tick(t("2026-02-14T00:00:02Z")).is_empty());
        assert_eq!(
            b.tick(t("2026-02-15T00:00:00Z")).len(),
            1,
            "an hour and passed, at once"
        );
    }

    #[test]
    fn the_most_urgent_come_first() {
        let mut b = Board::default();
        let now = t("2026-01-10T00:00:00Z");
        let rows = vec![
            row(
                "waits-on-buyer",
                Role::Sale,
                "AWAITING_PAYMENT",
                "2026-01-01T00:00:00Z",
            ),
            row("done", Role::Sale, "COMPLETED", "2026-01-01T00:00:00Z"),
            row(
                "ship-late",
                Role::Sale,
                "AWAITING_FULFILLMENT",
                "2026-01-05T00:00:00Z",
            ),
            row(
                "ship-soon",
                Role::Sale,
                "AWAITING_FULFILLMENT",
                "2026-01-02T00:00:00Z",
            ),
        ];
        b.whole_list(0, Role::Sale, rows, now);
        let ids: Vec<&str> = b
            .sorted(now)
            .iter()
            .map(|(k, _, _)| k.id.as_str())
            .collect();
        assert_eq!(ids, ["ship-soon", "ship-late", "waits-on-buyer", "done"]);
    }
}
