//! Reading one list back, newest first, page by page, down to its floor (or its end).
//!
//! A page's offset is a row of the page before it, chosen so that no row can be skipped and
//! no stranger's id is sent: a chat list pages by `timestamp < (the offset row's timestamp)`
//! (repo/db/chat.go), so the offset is the oldest row whose id is a node id and whose time is
//! strictly newer than the page's oldest row: rows tied with that one come again on the next
//! page, and are met once. When a page has no such row (every id a stranger's, or every row
//! of one instant), the same page is asked for again, twice as long.

use std::collections::HashSet;
use std::time::Instant;

use super::lists::{is_node_id, ListKey, Row};
use crate::frame::Stamp;

/// Rows asked for per page.
pub const PAGE: usize = 50;
/// The longest page asked for when rows offer no offset to page by.
const WIDEST: usize = 3200;

/// One answer of the node: its body and its clock (the HTTP `Date`).
pub struct Answer {
    pub body: Vec<u8>,
    pub date: Option<Stamp>,
}

/// How a read ended.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// It met a row older than the floor: everything above was read.
    Floor,
    /// The list ended.
    ListEnd,
    /// It stopped short; the reason in words. Nothing is settled: the next read covers it.
    Cut(String),
}

/// What one read of a list met.
#[derive(Debug)]
pub struct Listing {
    pub end: End,
    /// The newest and oldest rows' times (of every row read above the floor).
    pub newest: Option<Stamp>,
    pub oldest: Option<Stamp>,
    /// The node's clock at the first answer.
    pub node_now: Option<Stamp>,
    /// Rows read above the floor.
    pub read: usize,
    /// Rows listed without an id.
    pub unnamed: usize,
    /// The requests made.
    pub requests: usize,
}

/// Reads `list` down to `floor`. `fetch` GETs a path; `meet` is given each row read above
/// the floor, once. `max_rows` bounds the rows read in one go.
pub fn read_list(
    list: &ListKey,
    floor: Option<Stamp>,
    fetch: &mut dyn FnMut(&str) -> Result<Answer, String>,
    meet: &mut dyn FnMut(&Row),
    deadline: Instant,
    max_rows: usize,
) -> Listing {
    let mut r = Reader {
        list,
        floor,
        out: Listing {
            end: End::ListEnd,
            newest: None,
            oldest: None,
            node_now: None,
            read: 0,
            unnamed: 0,
            requests: 0,
        },
        met: HashSet::new(),
        offset: None,
        limit: PAGE,
    };
    r.out.end = loop {
        if Instant::now() >= deadline {
            break End::Cut("out of time".into());
        }
        if r.out.read >= max_rows {
            break End::Cut(format!("more than {max_rows} rows to read"));
        }
        r.out.requests += 1;
        let page = fetch(&list.path(r.limit, r.offset.as_deref())).and_then(|a| {
            r.out.node_now = r.out.node_now.or(a.date);
            list.parse(&a.body)
        });
        match page {
            Ok((rows, unnamed)) => {
                if let Some(end) = r.page(&rows, unnamed, meet) {
                    break end;
                }
            }
            Err(e) => break End::Cut(e),
        }
    };
    r.out
}

/// One read of a list, between pages.
struct Reader<'a> {
    list: &'a ListKey,
    floor: Option<Stamp>,
    out: Listing,
    /// Ids met so far: pages overlap.
    met: HashSet<String>,
    offset: Option<String>,
    limit: usize,
}

impl Reader<'_> {
    /// Takes one page; `Some` when the read is over.
    fn page(&mut self, rows: &[Row], unnamed: usize, meet: &mut dyn FnMut(&Row)) -> Option<End> {
        let short = rows.len() + unnamed < self.limit;
        let mut fresh = 0;
        for row in rows {
            if !self.met.insert(row.id.clone()) {
                continue;
            }
            fresh += 1;
            if self.floor.is_some_and(|f| row.time.is_some_and(|t| t < f)) {
                return Some(End::Floor);
            }
            self.out.read += 1;
            self.out.newest = self.out.newest.max(row.time);
            self.out.oldest = match (self.out.oldest, row.time) {
                (Some(o), Some(t)) => Some(o.min(t)),
                (o, t) => o.or(t),
            };
            meet(row);
        }
        if self.offset.is_none() || fresh > 0 {
            self.out.unnamed += unnamed;
        }
        if short {
            return Some(End::ListEnd);
        }
        if fresh == 0 {
            return Some(End::Cut(
                "the node answered the same page again (it does not page on)".into(),
            ));
        }
        match next_offset(self.list, rows) {
            Some(id) => {
                self.offset = Some(id);
                self.limit = PAGE;
            }
            None if self.limit >= WIDEST => {
                return Some(End::Cut(format!(
                    "{} rows in a row whose ids obtail will not send to the node",
                    self.limit
                )))
            }
            None => self.limit *= 2,
        }
        None
    }
}

/// The row the next page starts below (see the module's doc), if the page offers one.
fn next_offset(list: &ListKey, rows: &[Row]) -> Option<String> {
    let last = rows.last()?;
    rows.iter()
        .rev()
        .find(|r| {
            is_node_id(&r.id)
                && (!list.is_chat() || r.time.zip(last.time).is_some_and(|(t, l)| t > l))
        })
        .map(|r| r.id.clone())
}
