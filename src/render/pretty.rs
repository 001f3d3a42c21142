//! The pretty line: receive time, source (when several nodes feed one stream), kind, summary.
//!
//! The kind column has one width, so summaries line up while scanning. On a terminal each
//! line fits its width, and the narrower the terminal the narrower the kind column, so that
//! even at 40 columns a summary shows who did what to which order: below 120 columns whole
//! seconds and 24 columns of kind, below 80 the families abbreviated (`n.order`), below 60
//! one sign per family (`n`, `+`, `-`). The summary, never the time or the kind, is cut with
//! `…`, between fields. Events from another day than today show their date.

use chrono::{Local, NaiveDate};

use crate::frame::Frame;
use crate::json::Value;
use crate::kind::Kind;
use crate::memory::Memory;
use crate::render::summary::{summary, Balances};
use crate::render::words::text;
use crate::render::{fit, label};
use crate::sanitize;
use crate::style::Palette;

/// Fits every kind in the catalog but five dispute-timer notifications, which write their
/// family as an initial (`n.vendorFinalizedPayment`) rather than push their summary along.
const KIND_WIDTH: usize = 30;
/// Terminals at least this wide get the full kind column and milliseconds.
const WIDE: usize = 120;
/// The kind column below `WIDE`.
const NARROW_KIND_WIDTH: usize = 24;
/// Below this, families are abbreviated (`n.order`) in a column of `SHORT_KIND_WIDTH`.
const MEDIUM: usize = 80;
const SHORT_KIND_WIDTH: usize = 19;
/// Below this, a kind is one sign of its family.
const NARROW: usize = 60;
const PREVIEW_MAX: usize = 160;
/// The fewest columns a summary is cut to, however narrow the terminal.
const MIN_SUMMARY: usize = 12;

/// How the kind column is written at a terminal's width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KindColumn {
    /// This many columns: names whole, or with the family abbreviated when longer.
    Names(usize),
    /// This many columns, every family abbreviated.
    Short(usize),
    /// One sign per family.
    Sign,
}

impl KindColumn {
    fn at(width: Option<usize>) -> KindColumn {
        match width {
            None => KindColumn::Names(KIND_WIDTH),
            Some(w) if w >= WIDE => KindColumn::Names(KIND_WIDTH),
            Some(w) if w >= MEDIUM => KindColumn::Names(NARROW_KIND_WIDTH),
            Some(w) if w >= NARROW => KindColumn::Short(SHORT_KIND_WIDTH),
            Some(_) => KindColumn::Sign,
        }
    }

    fn cols(self) -> usize {
        match self {
            KindColumn::Names(n) | KindColumn::Short(n) => n,
            KindColumn::Sign => 1,
        }
    }

    fn label(self, kind: &Kind) -> String {
        match self {
            KindColumn::Names(n) => label::fitted(&sanitize::escape(&kind.name()), n, false),
            KindColumn::Short(n) => label::fitted(&sanitize::escape(&kind.name()), n, true),
            KindColumn::Sign => label::sign(kind.family()).to_string(),
        }
    }
}

#[derive(Debug)]
pub struct Pretty {
    /// Show each frame's source (several nodes merged into one stream).
    pub show_source: bool,
    /// The terminal's width in columns: each line is cut to fit. `None`: no limit.
    pub width: Option<usize>,
    /// Today, in local time: events of other days show their date.
    pub today: NaiveDate,
    /// The last balance shown of each wallet: a tick shows only what changed.
    balances: Balances,
    /// The widest source label: shorter ones are padded so that the kind column stays put.
    pub source_width: usize,
}

impl Pretty {
    pub fn new(show_source: bool, width: Option<usize>) -> Self {
        Pretty {
            show_source,
            width,
            today: Local::now().date_naive(),
            balances: Balances::default(),
            source_width: 0,
        }
    }

    /// Writes the time, source and kind columns.
    pub fn head(&mut self, out: &mut String, frame: &Frame, kind: &Kind, p: &Palette) {
        let local = frame.time.with_timezone(&Local);
        if local.date_naive() > self.today {
            // A tail that runs past midnight: today is a new day, not the event's.
            self.today = Local::now().date_naive();
        }
        let column = KindColumn::at(self.width);
        let narrow = column != KindColumn::Names(KIND_WIDTH);
        let time = match (local.date_naive() == self.today, narrow) {
            (true, false) => local.format("%H:%M:%S%.3f"),
            (true, true) => local.format("%H:%M:%S"),
            (false, false) => local.format("%Y-%m-%d %H:%M:%S%.3f"),
            (false, true) => local.format("%Y-%m-%d %H:%M:%S"),
        };
        out.push_str(&format!("{}{time}{} ", p.time, p.reset));
        if self.show_source {
            let source = sanitize::escape(&frame.source);
            let pad = self.source_width.saturating_sub(source.chars().count());
            out.push_str(&format!("{}[{source}]{} ", p.dim, p.reset));
            out.extend(std::iter::repeat_n(' ', pad));
        }
        let name = column.label(kind);
        out.push_str(p.family(kind.family()));
        out.push_str(&name);
        out.push_str(p.reset);
        let pad = column.cols().saturating_sub(fit::width(&name)) + 1;
        out.extend(std::iter::repeat_n(' ', pad));
        if frame.recovered {
            // Read back over REST after a gap: its time is the node's, not a receive time.
            out.push_str(p.dim);
            out.push_str("(recovered) ");
            out.push_str(p.reset);
        }
    }

    /// Cuts the part of `line` after the first `head_len` bytes (the head) to the terminal's
    /// width, between fields, and ends the line. On a terminal too narrow for the head and
    /// `MIN_SUMMARY` columns of summary, the line is cut as a whole: a line that wraps would
    /// break the one-event-a-line layout.
    pub fn finish(&self, line: &mut String, head_len: usize, p: &Palette) {
        if let Some(width) = self.width {
            let head = line.get(..head_len).map_or(0, fit::width);
            let room = width.saturating_sub(head).max(MIN_SUMMARY);
            let mut body = line.split_off(head_len.min(line.len()));
            fit::truncate(&mut body, room, p.reset);
            line.push_str(&body);
            fit::truncate(line, width, p.reset);
        }
        fit::unmark(line);
        line.push('\n');
    }

    /// One line for an event: its summary, or for frames that are not events, what they are.
    pub fn line(
        &mut self,
        frame: &Frame,
        kind: &Kind,
        error: Option<&str>,
        tree: Option<&Value>,
        p: &Palette,
        memory: Option<&Memory>,
    ) -> String {
        let mut out = String::with_capacity(160);
        self.head(&mut out, frame, kind, p);
        let head_len = out.len();
        match (kind, tree) {
            (Kind::Invalid, _) => {
                out.push_str(p.warn);
                out.push_str(&sanitize::escape(error.unwrap_or("unreadable frame")));
                out.push_str(p.reset);
                if !frame.bytes.is_empty() {
                    out.push_str(": ");
                    out.push_str(&preview(frame, false));
                }
            }
            (Kind::Unknown, _) | (_, None) => out.push_str(&preview(frame, true)),
            (kind, Some(tree)) => {
                let balances = &mut self.balances;
                out.push_str(&summary(kind, tree, &frame.source, p, balances, memory))
            }
        }
        self.finish(&mut out, head_len, p);
        out
    }
}

/// The frame's own text on one line, safe and cut short; `json` says it is valid JSON.
fn preview(frame: &Frame, json: bool) -> String {
    if frame.binary {
        let hex: String = frame
            .bytes
            .iter()
            .take(32)
            .map(|b| format!("{b:02x}"))
            .collect();
        let more = if frame.bytes.len() > 32 { "…" } else { "" };
        return format!("{} bytes: {hex}{more}", frame.bytes.len());
    }
    let mut compact = Vec::with_capacity(frame.bytes.len());
    if json {
        crate::json::text::write_compact(&mut compact, &frame.bytes);
    } else {
        compact.extend_from_slice(&frame.bytes);
    }
    text(&String::from_utf8_lossy(&compact), PREVIEW_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_column_narrows_with_the_terminal() {
        let order = Kind::Notification("order".into());
        let label = |w| KindColumn::at(Some(w)).label(&order);
        assert_eq!(label(120), "notification.order");
        assert_eq!(label(80), "notification.order");
        assert_eq!(label(79), "n.order");
        assert_eq!(label(60), "n.order");
        assert_eq!(label(59), "n");
        assert_eq!(KindColumn::at(Some(59)).label(&Kind::WalletOutgoing), "-");
        assert_eq!(KindColumn::at(None), KindColumn::Names(KIND_WIDTH));
        let kinds =
            crate::kind::CATALOG
                .iter()
                .map(|(n, _)| match n.strip_prefix("notification.") {
                    Some(t) => Kind::Notification((*t).into()),
                    None => Kind::ReplyRatingError,
                });
        for kind in kinds {
            for w in [40, 60, 80, 120] {
                let column = KindColumn::at(Some(w));
                assert!(
                    fit::width(&column.label(&kind)) <= column.cols(),
                    "{kind} at {w}"
                );
            }
        }
    }
}
