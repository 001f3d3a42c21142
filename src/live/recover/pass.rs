//! One read-back pass over a node's lists: the notifications, the direct chat, then the chat
//! of every order the node names (its order lists, its stored notifications), each down to
//! what was accounted for; the new rows, oldest first, with what could not be done.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::ledger::{Ledger, Take};
use super::lists::{parse_orders, ListKey, Row, ORDER_LISTS};
use super::pager::{read_list, Answer, End};
use super::{Outcome, Report, Why};
use crate::frame::Stamp;

/// One pass never takes longer than this, whatever the node's API does.
pub const PASS_DEADLINE: Duration = Duration::from_secs(60);
/// Order chats read per pass at most (the most recent and those with unread chat first).
pub const ORDERS_PER_PASS: usize = 1000;
/// Rows read from one list in one pass at most.
const READ_MAX: usize = 100_000;

/// What a pass may hold: rows to print, and their bytes.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub rows: usize,
    pub bytes: usize,
}

/// Fetches a path from the node (`GET`), within what is left of the pass.
pub type Fetch<'a> = dyn FnMut(&str, Instant) -> Result<Answer, String> + 'a;

/// Runs one pass.
pub fn run(why: Why, ledger: &Mutex<Ledger>, fetch: &mut Fetch, budget: Budget) -> Outcome {
    let began = Instant::now();
    let deadline = began + PASS_DEADLINE;
    let mut pass = Pass {
        ledger,
        budget,
        report: Report::default(),
        rows: Vec::new(),
        bytes: 0,
        began,
        deadline,
        down: None,
    };
    lock(ledger).begin();
    let mut get = |path: &str| fetch(path, deadline);
    pass.report.max_rows = budget.rows;
    pass.report.max_bytes = budget.bytes;
    pass.list(&ListKey::Notifications, &mut get);
    pass.list(&ListKey::Direct, &mut get);
    let orders = match why {
        Why::Tidy => lock(ledger).fresh_orders(),
        _ => pass.orders(&mut get),
    };
    let over = orders.len().saturating_sub(ORDERS_PER_PASS);
    pass.report.orders_not_read += over;
    for list in orders.iter().take(ORDERS_PER_PASS) {
        pass.list(list, &mut get);
    }
    let mut rows = pass.rows;
    // Oldest first; notifications before chat of the same instant.
    rows.sort_by_key(|(list, row)| (row.time, list.is_chat()));
    Outcome {
        why,
        rows,
        began,
        read_at: Instant::now(),
        report: pass.report,
    }
}

fn lock(ledger: &Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(|e| e.into_inner())
}

struct Pass<'a> {
    ledger: &'a Mutex<Ledger>,
    budget: Budget,
    report: Report,
    rows: Vec<(ListKey, Row)>,
    bytes: usize,
    began: Instant,
    deadline: Instant,
    /// The node's API failed: the lists not read yet are not asked for.
    down: Option<String>,
}

impl Pass<'_> {
    /// Reads one list down to its floor, holding its new rows.
    fn list(&mut self, list: &ListKey, get: &mut dyn FnMut(&str) -> Result<Answer, String>) {
        if self.down.is_some() {
            self.report.lists_not_read += 1;
            return;
        }
        let floor = lock(self.ledger).floor(list);
        let mut failed = None;
        let mut fetch = |path: &str| get(path).inspect_err(|e| failed = Some(e.clone()));
        let (ledger, budget) = (self.ledger, self.budget);
        let held = self.rows.len();
        let mut rows = Vec::new();
        let (bytes, report) = (&mut self.bytes, &mut self.report);
        let mut meet = |row: &Row| {
            let room = held + rows.len() < budget.rows && *bytes + row.frame.len() <= budget.bytes;
            let mut l = lock(ledger);
            if let Some(order) = &row.order {
                l.name_order(order);
            }
            match l.take(list, &row.id, row.time, row.incoming, room) {
                Take::Print => {
                    drop(l);
                    *bytes += row.frame.len();
                    rows.push((list.clone(), row.clone()));
                    match list {
                        ListKey::Notifications => report.notifications += 1,
                        _ => report.chat += 1,
                    }
                }
                Take::NoRoom => report.left_out += 1,
                Take::Skip => {}
            }
        };
        let listing = read_list(list, floor, &mut fetch, &mut meet, self.deadline, READ_MAX);
        // Read newest first; printed oldest first.
        rows.reverse();
        self.rows.extend(rows);
        self.report.unnamed += listing.unnamed;
        match listing.end {
            End::Floor | End::ListEnd => {
                let node_now = listing.node_now.unwrap_or_else(chrono::Utc::now);
                let unmet = lock(self.ledger).settle(
                    list,
                    listing.newest,
                    listing.oldest,
                    node_now,
                    self.began,
                );
                if unmet > 0 && listing.end == End::ListEnd {
                    self.report.short.push(format!(
                        "{} ended short of {unmet} row{} read before (deleted, or the node \
                         stopped paging)",
                        list.words(),
                        if unmet == 1 { "" } else { "s" }
                    ));
                }
            }
            End::Cut(why) => {
                self.report
                    .unfinished
                    .push(format!("{}: {}", list.words(), why));
                if failed.is_some() {
                    self.down = failed;
                }
            }
        }
    }

    /// The orders whose chat to read: every order of the node's three order lists (those
    /// with unread chat first, then the newest), then those its notifications named.
    fn orders(&mut self, get: &mut dyn FnMut(&str) -> Result<Answer, String>) -> Vec<ListKey> {
        let mut found: Vec<(bool, Option<Stamp>, String)> = Vec::new();
        for (path, key, id_key) in ORDER_LISTS {
            if self.down.is_some() {
                break;
            }
            match get(path).and_then(|a| parse_orders(&a.body, key, id_key)) {
                Ok(rows) => {
                    found.extend(rows.into_iter().map(|r| (r.unread_chat > 0, r.time, r.id)))
                }
                // A node too old to list orders: its notifications name them.
                Err(e) if e.contains("HTTP 404") => {}
                Err(e) => {
                    self.report.unfinished.push(format!("{path}: {e}"));
                }
            }
        }
        // Named oldest first, so the newest end up the most recently named.
        found.sort_by_key(|(unread, time, _)| (*unread, *time));
        let mut l = lock(self.ledger);
        for (_, _, id) in &found {
            l.name_order(id);
        }
        l.named_orders()
    }
}
