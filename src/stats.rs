//! `--stats`: the books of a run, per source and kind. Every frame ends in exactly one of
//! printed, filtered, invalid, dropped, duplicate or queued, so
//! `received + recovered = printed + filtered + invalid + dropped + duplicate + queued` on
//! every row.

use std::fmt::Write as _;

use crate::cli::StatsFormat;
use crate::json::text::write_str;
use crate::render::{fit, label};
use crate::sanitize::escape;

/// The books fit a terminal of 80 columns.
const WIDTH: usize = 80;
/// The kind column's width at most, and the least it is given before headers are shortened.
const MAX_KIND: usize = 30;
const MIN_KIND: usize = 16;

/// `write!` into a byte buffer.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The first line, with how the columns shown add up on every row (`received = printed +
/// filtered`), on a line of its own when it does not fit beside the title.
fn heading(shown: &[usize], names: [&str; COLS]) -> String {
    let side = |range: std::ops::Range<usize>| {
        let terms: Vec<&str> = shown
            .iter()
            .filter(|c| range.contains(c))
            .map(|&c| names[c])
            .collect();
        if terms.is_empty() {
            "0".to_string()
        } else {
            terms.join(" + ")
        }
    };
    let sum = format!("{} = {}", side(0..2), side(2..COLS));
    let line = format!("obtail: stats per source and kind; on each row, {sum}\n");
    if line.len() <= WIDTH + 1 {
        line
    } else {
        format!("obtail: stats per source and kind; on each row:\n  {sum}\n")
    }
}

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
    /// Still waiting in the queue when obtail stopped (Ctrl-C, -n, --timeout, stdout closed).
    Queued,
}

const COLS: usize = 8;

/// Headers when room is short: every column is shown.
const SHORT_NAMES: [&str; COLS] = [
    "recv", "recov", "print", "filter", "inval", "drop", "dup", "queue",
];

const NAMES: [&str; COLS] = [
    "received",
    "recovered",
    "printed",
    "filtered",
    "invalid",
    "dropped",
    "duplicate",
    "queued",
];

#[derive(Debug, Clone, PartialEq)]
struct Row {
    source: String,
    kind: String,
    n: [u64; COLS],
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
                    n: [0; COLS],
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

    /// The rows sorted by source then kind, and the total of each column.
    fn sorted(&self) -> (Vec<Row>, [u64; COLS]) {
        let mut rows = self.rows.clone();
        rows.sort_by(|a, b| (&a.source, &a.kind).cmp(&(&b.source, &b.kind)));
        let mut total = [0u64; COLS];
        for r in &rows {
            for (t, n) in total.iter_mut().zip(r.n) {
                *t += n;
            }
        }
        (rows, total)
    }

    /// The books as `--stats` (a table) or `--stats=json` (one line) asks, on stderr.
    pub fn say(&self, format: StatsFormat) {
        let text = match format {
            StatsFormat::Table => self.table(),
            StatsFormat::Json => self.json(),
        };
        let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), text.as_bytes());
    }

    /// The books for people, in 80 columns: a block per source, only the columns that are
    /// not all zero, kinds abbreviated as pretty output does when room is short, and a total.
    pub fn table(&self) -> String {
        let (rows, total) = self.sorted();
        let shown: Vec<usize> = (0..COLS).filter(|&c| total[c] > 0).collect();
        let shown = if shown.is_empty() { vec![0] } else { shown };
        let digits = |c: usize| total[c].to_string().len();
        let long: usize = shown
            .iter()
            .map(|&c| NAMES[c].len().max(digits(c)) + 1)
            .sum();
        let names = if long + 2 + MIN_KIND <= WIDTH {
            NAMES
        } else {
            SHORT_NAMES
        };
        let mut out = heading(&shown, names);
        let cols: Vec<(usize, usize)> = shown
            .iter()
            .map(|&c| (c, names[c].len().max(digits(c)) + 1))
            .collect();
        let numbers: usize = cols.iter().map(|(_, w)| w).sum();
        let kw = WIDTH.saturating_sub(numbers + 2).clamp(4, MAX_KIND);
        let cells = |out: &mut String, label: &str, n: &[u64; COLS]| {
            out.push_str(label);
            for &(c, w) in &cols {
                let _ = write!(out, "{:>w$}", n[c]);
            }
            out.push('\n');
        };
        let mut source = None;
        for r in &rows {
            if source != Some(&r.source) {
                source = Some(&r.source);
                let mut head = escape(&r.source);
                fit::truncate(&mut head, WIDTH, "");
                let _ = write!(out, "{head}\n  {:<kw$}", "kind");
                for &(c, w) in &cols {
                    let _ = write!(out, "{:>w$}", names[c]);
                }
                out.push('\n');
            }
            let kind = label::fitted(&escape(&r.kind), kw, false);
            let pad = kw.saturating_sub(fit::width(&kind));
            cells(&mut out, &format!("  {kind}{}", " ".repeat(pad)), &r.n);
        }
        cells(&mut out, &format!("{:<w$}", "total", w = kw + 2), &total);
        out
    }

    /// The books for scripts: one JSON object on one line, every count in every row.
    pub fn json(&self) -> String {
        let (rows, total) = self.sorted();
        let counts = |out: &mut Vec<u8>, n: &[u64; COLS]| {
            for (c, name) in NAMES.iter().enumerate() {
                let _ = write!(Bytes(out), ",\"{name}\":{}", n[c]);
            }
        };
        let mut out = b"{\"rows\":[".to_vec();
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"source\":");
            write_str(&mut out, &r.source);
            out.extend_from_slice(b",\"kind\":");
            write_str(&mut out, &r.kind);
            counts(&mut out, &r.n);
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"total\":{\"frames\":");
        let _ = write!(Bytes(&mut out), "{}", total[0] + total[1]);
        counts(&mut out, &total);
        out.extend_from_slice(b"}}\n");
        String::from_utf8(out).unwrap_or_default()
    }

    /// Whether every row balances (the books' promise; tests check it on real runs).
    pub fn balanced(&self) -> bool {
        self.rows.iter().all(|r| {
            let n = r.n;
            n[0] + n[1] == n[2..].iter().sum::<u64>()
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
        s.add("ws://a", "walletUpdate", Col::Received, 1);
        assert!(!s.balanced());
        s.add("ws://a", "walletUpdate", Col::Queued, 1);
        assert!(s.balanced());
        assert_eq!(s.get("ws://a", "notification.follow", Col::Printed), 2);
        let t = s.table();
        let total = t.lines().last().unwrap();
        let nums: Vec<u64> = total
            .split_whitespace()
            .skip(1)
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(
            nums,
            [6, 1, 2, 1, 2, 1, 1],
            "no invalid column: all zero\n{t}"
        );
        assert!(t.lines().all(|l| l.chars().count() <= 80), "{t}");
        let json: serde_json::Value = serde_json::from_str(&s.json()).unwrap();
        assert_eq!(json["total"]["frames"], 7);
        assert_eq!(json["total"]["invalid"], 0);
        assert_eq!(json["rows"][0]["kind"], "notification.follow");
    }

    #[test]
    fn the_books_fit_80_columns_however_many_columns_and_long_kinds() {
        let mut s = Stats::default();
        let long =
            "ws://a-very-long-host-name.example.com:4002/ws?with=a&long=query&to=make&it=wide";
        for (i, kind) in ["notification.moderatorDisputeExpiry", "walletUpdate"]
            .iter()
            .enumerate()
        {
            for c in 0..COLS {
                s.add(
                    long,
                    kind,
                    [
                        Col::Received,
                        Col::Recovered,
                        Col::Printed,
                        Col::Filtered,
                        Col::Invalid,
                        Col::Dropped,
                        Col::Duplicate,
                        Col::Queued,
                    ][c],
                    1000 + i as u64,
                );
            }
        }
        let t = s.table();
        assert!(t.lines().all(|l| l.chars().count() <= 80), "{t}");
        assert!(
            t.contains("  dup "),
            "short headers when every column shows: {t}"
        );
        assert!(t.contains("n.moderatorDisputeExpiry"), "{t}");
        assert!(
            t.contains("\n  recv + recov = print + filter + inval + drop + dup + queue\n"),
            "{t}"
        );
        let mut few = Stats::default();
        few.add("ws://a", "walletUpdate", Col::Received, 3);
        few.add("ws://a", "walletUpdate", Col::Filtered, 3);
        let t = few.table();
        assert!(
            t.starts_with("obtail: stats per source and kind; on each row, received = filtered\n"),
            "{t}"
        );
    }
}
