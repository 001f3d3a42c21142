//! The pretty line: receive time, source (when several nodes feed one stream), kind, summary.
//!
//! The kind column has one width, so summaries line up while scanning: a kind longer than it
//! writes its family as an initial (`n.vendorFinalizedPayment`). On a terminal each line fits its width: a narrow terminal gets a narrower kind
//! column (a long kind writes its family as an initial, `n.vendorFinalizedPayment`) and whole
//! seconds, and the summary, never the time or the kind, is cut with `…`. Events from another day than today
//! show their date.

use chrono::{Local, NaiveDate};

use crate::frame::Frame;
use crate::json::Value;
use crate::kind::Kind;
use crate::lookalike::Lookalikes;
use crate::render::fit;
use crate::render::summary::{summary, Memory};
use crate::render::words::text;
use crate::sanitize;
use crate::style::Palette;

/// Fits every kind in the catalog but five dispute-timer notifications, which write their
/// family as an initial (`n.vendorFinalizedPayment`) rather than push their summary along.
const KIND_WIDTH: usize = 30;
/// The kind column on terminals narrower than `WIDE`.
const NARROW_KIND_WIDTH: usize = 24;
/// Terminals at least this wide get the full kind column.
const WIDE: usize = 120;
const PREVIEW_MAX: usize = 160;
/// The fewest columns a summary is cut to, however narrow the terminal.
const MIN_SUMMARY: usize = 12;

#[derive(Debug)]
pub struct Pretty {
    /// Show each frame's source (several nodes merged into one stream).
    pub show_source: bool,
    /// The terminal's width in columns: each line is cut to fit. `None`: no limit.
    pub width: Option<usize>,
    /// Today, in local time: events of other days show their date.
    pub today: NaiveDate,
    memory: Memory,
    /// The widest source label: shorter ones are padded so that the kind column stays put.
    pub source_width: usize,
}

impl Pretty {
    pub fn new(show_source: bool, width: Option<usize>) -> Self {
        Pretty {
            show_source,
            width,
            today: Local::now().date_naive(),
            memory: Memory::default(),
            source_width: 0,
        }
    }

    fn kind_width(&self) -> usize {
        match self.width {
            Some(w) if w < WIDE => NARROW_KIND_WIDTH,
            _ => KIND_WIDTH,
        }
    }

    pub fn learn_handles(&mut self, tree: &Value) {
        self.memory.handles.learn(tree);
    }

    /// Writes the time, source and kind columns.
    pub fn head(&mut self, out: &mut String, frame: &Frame, kind: &Kind, p: &Palette) {
        let local = frame.time.with_timezone(&Local);
        if local.date_naive() > self.today {
            // A tail that runs past midnight: today is a new day, not the event's.
            self.today = Local::now().date_naive();
        }
        let narrow = self.kind_width() < KIND_WIDTH;
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
        let cols = self.kind_width();
        let name = kind_label(&sanitize::escape(&kind.name()), cols);
        out.push_str(p.family(kind.family()));
        out.push_str(&name);
        out.push_str(p.reset);
        out.extend(std::iter::repeat_n(' ', cols - fit::width(&name) + 1));
        if frame.recovered {
            // Read back over REST after a gap: its time is the node's, not a receive time.
            out.push_str(p.dim);
            out.push_str("(recovered) ");
            out.push_str(p.reset);
        }
    }

    /// Cuts the part of `line` after the first `head_len` bytes (the head) to the terminal's
    /// width, and ends the line. On a terminal too narrow for the head and `MIN_SUMMARY`
    /// columns of summary, the line is cut as a whole: a line that wraps would break the
    /// one-event-a-line layout.
    pub fn finish(&self, line: &mut String, head_len: usize, p: &Palette) {
        if let Some(width) = self.width {
            let head = line.get(..head_len).map_or(0, fit::width);
            let room = width.saturating_sub(head).max(MIN_SUMMARY);
            let mut body = line.split_off(head_len.min(line.len()));
            fit::truncate(&mut body, room, p.reset);
            line.push_str(&body);
            fit::truncate(line, width, p.reset);
        }
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
        lookalikes: Option<&Lookalikes>,
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
                let memory = &mut self.memory;
                out.push_str(&summary(kind, tree, &frame.source, p, memory, lookalikes))
            }
        }
        self.finish(&mut out, head_len, p);
        out
    }
}

/// A kind name in at most `cols` columns: whole when it fits, else with its family as an
/// initial (`n.vendorFinalizedPayment`), else cut with `…`.
fn kind_label(name: &str, cols: usize) -> String {
    if fit::width(name) <= cols {
        return name.to_string();
    }
    let mut label = match name.split_once('.') {
        Some((family, rest)) => {
            format!("{}.{rest}", family.chars().next().unwrap_or_default())
        }
        None => name.to_string(),
    };
    fit::truncate(&mut label, cols, "");
    label
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
    fn long_kinds_keep_their_column() {
        for name in crate::kind::CATALOG.iter().map(|(n, _)| *n) {
            if name.len() <= KIND_WIDTH {
                assert_eq!(kind_label(name, KIND_WIDTH), name);
            }
            assert!(fit::width(&kind_label(name, KIND_WIDTH)) <= KIND_WIDTH);
            assert!(fit::width(&kind_label(name, NARROW_KIND_WIDTH)) <= NARROW_KIND_WIDTH);
        }
        assert_eq!(
            kind_label("notification.moderatorDisputeExpiry", KIND_WIDTH),
            "n.moderatorDisputeExpiry"
        );
        assert_eq!(
            kind_label("notification.vendorFinalizedPayment", NARROW_KIND_WIDTH),
            "n.vendorFinalizedPayment"
        );
        assert_eq!(
            kind_label("notification.order", NARROW_KIND_WIDTH),
            "notification.order"
        );
        assert_eq!(
            kind_label(
                "notification.aVeryLongFutureNotificationType",
                NARROW_KIND_WIDTH
            ),
            "n.aVeryLongFutureNotifi…"
        );
    }
}
