//! `--stats`: the books of a run, per source and kind. Every frame ends in exactly one of
//! printed, filtered, invalid, dropped or duplicate, so
//! `received + recovered = printed + filtered + invalid + dropped + duplicate` on every row.

use std::fmt::Write as _;

use crate::sanitize::escape;

/// The columns, in the order they are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// Read from the socket.
    Received = 0,
    /// Read back over REST after a gap or for `--since`.
    Recovered,
    /// Printed at least once (a `-f` program may print several outputs for one frame).
    Printed,
    /// Rejected by -t/-T/--order/--peer/--id, or no output from -f (or an error in it).
    Filtered,
    /// Not a valid frame (reported, or filtered out with its kind `invalid`).
    Invalid,
    /// Thrown away because the --buffer queue was full.
    Dropped,
    /// Already printed as recovered when the socket delivered it.
    Duplicate,
}

const NAMES: [&str; 7] = [
    "received",
    "recovered",
    "printed",
    "filtered",
    "invalid",
    "dropped",
    "duplicate",
];

#[derive(Debug, Clone, PartialEq)]
struct Row {
    source: String,
    kind: String,
    n: [u64; 7],
}

/// Counts per (source, kind); a handful of rows, searched from the last one used.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    rows: Vec<Row>,
    last: usize,
}

impl Stats {
    pub fn add(&mut self, source: &str, kind: &str, col: Col, n: u64) {
        let i = self.row(source, kind);
        self.rows[i].n[col as usize] += n;
    }

    /// Counts one frame into the row it was first counted in (`begin`).
    pub fn end(&mut self, col: Col) {
        if let Some(r) = self.rows.get_mut(self.last) {
            r.n[col as usize] += 1;
        }
    }

    /// Counts a frame arriving; `end` then counts how it ended.
    pub fn begin(&mut self, source: &str, kind: &str, recovered: bool) {
        let col = if recovered {
            Col::Recovered
        } else {
            Col::Received
        };
        self.add(source, kind, col, 1);
    }

    fn row(&mut self, source: &str, kind: &str) -> usize {
        let hit = |r: &Row| r.source == source && r.kind == kind;
        if self.rows.get(self.last).is_some_and(hit) {
            return self.last;
        }
        self.last = match self.rows.iter().position(hit) {
            Some(i) => i,
            None => {
                self.rows.push(Row {
                    source: source.to_string(),
                    kind: kind.to_string(),
                    n: [0; 7],
                });
                self.rows.len() - 1
            }
        };
        self.last
    }

    pub fn merge(&mut self, other: &Stats) {
        for r in &other.rows {
            for (c, n) in r.n.iter().enumerate() {
                if *n > 0 {
                    let i = self.row(&r.source, &r.kind);
                    self.rows[i].n[c] += n;
                }
            }
        }
    }

    pub fn get(&self, source: &str, kind: &str, col: Col) -> u64 {
        self.rows
            .iter()
            .find(|r| r.source == source && r.kind == kind)
            .map_or(0, |r| r.n[col as usize])
    }

    /// The table printed at exit, sorted by source then kind, with a total line.
    pub fn table(&self) -> String {
        let mut rows = self.rows.clone();
        rows.sort_by(|a, b| (&a.source, &a.kind).cmp(&(&b.source, &b.kind)));
        let mut total = [0u64; 7];
        for r in &rows {
            for (t, n) in total.iter_mut().zip(r.n) {
                *t += n;
            }
        }
        let cells: Vec<(String, String, [u64; 7])> = rows
            .iter()
            .map(|r| (escape(&r.source), escape(&r.kind), r.n))
            .chain(std::iter::once(("total".into(), String::new(), total)))
            .collect();
        let sw = cells
            .iter()
            .map(|c| c.0.chars().count())
            .max()
            .unwrap_or(0)
            .max(6);
        let kw = cells
            .iter()
            .map(|c| c.1.chars().count())
            .max()
            .unwrap_or(0)
            .max(4);
        let mut out = String::from(
            "obtail: stats (received + recovered = printed + filtered + invalid + dropped + duplicate)\n",
        );
        let _ = write!(out, "{:<sw$}  {:<kw$}", "source", "kind");
        for name in NAMES {
            let _ = write!(out, " {name:>9}");
        }
        out.push('\n');
        for (source, kind, n) in cells {
            let _ = write!(out, "{source:<sw$}  {kind:<kw$}");
            for v in n {
                let _ = write!(out, " {v:>9}");
            }
            out.push('\n');
        }
        out
    }

    /// Whether every row balances (the books' promise; tests check it on real runs).
    pub fn balanced(&self) -> bool {
        self.rows.iter().all(|r| {
            let n = r.n;
            n[0] + n[1] == n[2] + n[3] + n[4] + n[5] + n[6]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_count_and_balance() {
        let mut s = Stats::default();
        s.begin("ws://a", "notification.follow", false);
        s.end(Col::Printed);
        s.begin("ws://a", "walletUpdate", false);
        s.end(Col::Filtered);
        s.begin("ws://a", "notification.follow", true);
        s.end(Col::Printed);
        assert!(s.balanced());
        let mut other = Stats::default();
        other.add("ws://a", "walletUpdate", Col::Received, 3);
        other.add("ws://a", "walletUpdate", Col::Dropped, 2);
        s.merge(&other);
        assert!(!s.balanced());
        s.add("ws://a", "walletUpdate", Col::Duplicate, 1);
        assert!(s.balanced());
        assert_eq!(s.get("ws://a", "notification.follow", Col::Printed), 2);
        let t = s.table();
        assert!(t.contains("total"), "{t}");
        let total = t.lines().last().unwrap();
        let nums: Vec<u64> = total
            .split_whitespace()
            .skip(1)
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(nums, [5, 1, 2, 1, 0, 2, 1]);
    }
}
