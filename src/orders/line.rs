//! Pretty lines: one per order on the board, one per change while watching.
//!
//! What the user acts on comes first and is aligned (who acts next, by when), then what the
//! order is (the other party, the total, the state, unread chat, the title), so that a line
//! cut to the terminal's width loses the title before anything else. Every stranger's text
//! goes through `words` (entities decoded, controls escaped); names, amounts and states are
//! fields, shown whole or not at all.

use chrono::Local;

use super::assess::{Assessed, Deadline};
use super::board::{ChangeKind, Entry};
use super::row::Row;
use super::state::State;
use crate::frame::Stamp;
use crate::json;
use crate::memory::Lookalikes;
use crate::render::amount;
use crate::render::fit::{self, field};
use crate::render::words::{self, named, short_id};
use crate::style::Palette;

/// The widest the aligned columns grow.
const MAX_NEXT: usize = 40;
const MAX_DEADLINE: usize = 24;
/// Titles longer than this are cut even without a width.
const MAX_TITLE: usize = 80;

/// Column widths and the width lines are cut to.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Terminal columns; `None` in a pipe, a file, or with `--wrap`.
    pub width: Option<usize>,
    pub next: usize,
    pub deadline: usize,
    /// Node labels, padded to one width, when several nodes are shown.
    pub label: Option<usize>,
}

impl Layout {
    /// Widths that fit these orders' next steps and deadlines; on a narrow terminal the next
    /// step's column takes at most a third of it (a longer step pushes its own line on).
    pub fn fit(&mut self, rows: &[(&Entry, &Assessed)], now: Stamp) {
        let most = self.width.map_or(MAX_NEXT, |w| (w / 3).min(MAX_NEXT));
        for (_, a) in rows {
            let next = fit::width(&next_words(a));
            self.next = self.next.max(next.min(most));
            let deadline = fit::width(&deadline_words(&a.deadline, now));
            self.deadline = self.deadline.max(deadline.min(MAX_DEADLINE));
        }
    }
}

/// `you: fulfil or refund`.
pub fn next_words(a: &Assessed) -> String {
    format!("{}: {}", a.step.actor.name(), a.step.action)
}

/// `Jan 12 14:02, 44d left`, `passed`, `not known`, or `-` when the node tracks none.
pub fn deadline_words(d: &Deadline, now: Stamp) -> String {
    match d {
        Deadline::None => "-".into(),
        Deadline::NotKnown { .. } => "not known".into(),
        Deadline::At { when, .. } => {
            let local = when.with_timezone(&Local);
            let same_year = local.format("%Y").to_string()
                == now.with_timezone(&Local).format("%Y").to_string();
            let date = if same_year {
                local.format("%b %d %H:%M")
            } else {
                local.format("%b %d %Y")
            };
            let left = (*when - now).num_seconds();
            if left > 0 {
                format!("{date}, {} left", span(left))
            } else {
                format!("{date}, passed")
            }
        }
    }
}

/// A time left, short: `44d`, `36h`, `5m`, `<1m`.
fn span(secs: i64) -> String {
    match secs {
        s if s >= 2 * 86_400 => format!("{}d", s / 86_400),
        s if s >= 3_600 => format!("{}h", s / 3_600),
        s if s >= 60 => format!("{}m", s / 60),
        _ => "<1m".into(),
    }
}

/// What a line shows of a change, where the order's own line has the state.
pub struct Shown<'a> {
    pub entry: &'a Entry,
    pub assessed: &'a Assessed,
    /// The node's label, when several nodes are shown.
    pub label: Option<&'a str>,
    /// For a change: what it was, and the state before.
    pub change: Option<(ChangeKind, Option<&'a State>)>,
    /// The handles seen so far, to mark one that imitates another.
    pub lookalikes: Option<&'a Lookalikes>,
}

/// One line, without its newline, cut to the layout's width.
pub fn line(s: &Shown, layout: &Layout, now: Stamp, p: &Palette) -> String {
    let (row, a) = (&s.entry.row, s.assessed);
    let mut out = String::new();
    if let Some((kind, _)) = s.change {
        let at = now.with_timezone(&Local).format("%H:%M:%S");
        out.push_str(&format!("{}{at}{} {:<8} ", p.time, p.reset, kind.name()));
    }
    if let (Some(label), Some(w)) = (s.label, layout.label) {
        let label = crate::sanitize::escape(label);
        out.push_str(&format!("{}{label:<w$}{} ", p.dim, p.reset));
    }
    let needs = a.needs_you();
    let (mark, strong) = if needs { ("*", p.warn) } else { (" ", "") };
    out.push_str(&format!(
        "{strong}{mark}{} {:<8} ",
        p.reset,
        row.role.name()
    ));
    out.push_str(&format!("{:<10}  ", short_id(&row.id)));
    let next = pad(&next_words(a), layout.next);
    let next_color = if needs { p.amount } else { "" };
    out.push_str(&format!("{next_color}{next}{}  ", p.reset));
    let deadline = pad(&deadline_words(&a.deadline, now), layout.deadline);
    let urgent = crate::orders::assess::nearness(&a.deadline, now) >= 4;
    let deadline_color = if urgent { p.warn } else { "" };
    out.push_str(&format!("{deadline_color}{deadline}{}  ", p.reset));
    out.push_str(&what(row, s, p));
    let dim = if a.is_final { p.dim } else { "" };
    let mut out = format!("{dim}{out}");
    if let Some(w) = layout.width {
        fit::truncate(&mut out, w, p.reset);
    }
    fit::unmark(&mut out);
    out
}

/// The order itself: the other party, total, state (or its change), unread chat, title.
fn what(row: &Row, s: &Shown, p: &Palette) -> String {
    let change = s.change;
    let mut parts = vec![parties(row, s.lookalikes, p)];
    if let Some(total) = total(row, p) {
        parts.push(total);
    }
    let state = crate::sanitize::escape(row.state.name());
    let state = match change {
        Some((ChangeKind::State, Some(from))) => {
            format!("{} → {state}", crate::sanitize::escape(from.name()))
        }
        _ => state,
    };
    parts.push(field(&state));
    if row.unread_chat > 0 {
        parts.push(field(&format!("{} unread", row.unread_chat)));
    }
    parts.push(quoted(&row.title, p));
    parts.join("  ")
}

fn parties(row: &Row, lookalikes: Option<&Lookalikes>, p: &Palette) -> String {
    let show = |party: &super::row::Party| {
        let (handle, id) = (party.handle.as_deref(), party.id.as_deref());
        let why = handle.and_then(|h| lookalikes?.judge(h, id, true));
        let mark = why.map_or(String::new(), |w| {
            format!(
                " {}[{}]{}",
                p.warn,
                words::text(&w.words(true), 80),
                p.reset
            )
        });
        format!("{}{mark}", named(handle, id, p))
    };
    match row.other_disputant() {
        Some(other) => format!("{} vs {}", show(row.counterparty()), show(other)),
        None => show(row.counterparty()),
    }
}

/// The total, exact, as pretty output writes amounts; its raw text when it is no amount
/// obtail can read.
fn total(row: &Row, p: &Palette) -> Option<String> {
    let text = row.total.as_deref()?;
    let tree = json::parse(text).ok()?;
    let shown = match amount::money(&tree, None) {
        Some(m) => m.to_string(),
        None => words::text(text, 40),
    };
    Some(format!("{}{}{}", p.amount, field(&shown), p.reset))
}

/// A title in quotes: double ones when it holds a `'`.
fn quoted(title: &str, p: &Palette) -> String {
    let t = words::text(title, MAX_TITLE);
    let body = if t.contains('\'') && !t.contains('"') {
        format!("\"{t}\"")
    } else {
        format!("'{}'", t.replace('\'', "\\'"))
    };
    format!("{}{body}{}", p.title, p.reset)
}

/// `s` padded with spaces to `width` columns (longer is left as it is).
fn pad(s: &str, width: usize) -> String {
    let w = fit::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::parse_time;
    use crate::orders::assess::assess;
    use crate::orders::board::{Board, Key};
    use crate::orders::row::parse;
    use crate::orders::state::Role;

    fn board(body: &str, role: Role, now: Stamp) -> Board {
        let mut b = Board::default();
        b.whole_list(0, role, parse(body.as_bytes(), role).unwrap().rows, now);
        b
    }

    #[test]
    fn a_line_says_who_acts_by_when_and_on_what() {
        let now = parse_time("2026-01-02T00:00:00Z").unwrap();
        let b = board(
            r#"{"sales": [{"orderId": "QmbMY8sGFeAAAAAA", "state": "AWAITING_FULFILLMENT",
                "moderated": true, "timestamp": "2026-01-01T00:00:00Z", "buyerHandle": "alice",
                "buyerId": "QmB", "title": "Mo's mug", "unreadChatMessages": 1,
                "total": {"amount": "1834217", "currency": {"code": "BTC", "divisibility": 8}}}]}"#,
            Role::Sale,
            now,
        );
        let key = Key {
            node: 0,
            role: Role::Sale,
            id: "QmbMY8sGFeAAAAAA".into(),
        };
        let e = b.get(&key).unwrap();
        let a = assess(&e.row, now);
        let mut layout = Layout::default();
        layout.fit(&[(e, &a)], now);
        let shown = Shown {
            entry: e,
            assessed: &a,
            label: None,
            change: None,
            lookalikes: None,
        };
        let l = line(&shown, &layout, now, &Palette::plain());
        assert!(
            l.starts_with("* sale     QmbMY8sGFe  you: fulfil or refund  "),
            "{l}"
        );
        assert!(
            l.contains(
                ", 44d left  @alice  0.01834217 BTC  AWAITING_FULFILLMENT  1 unread  \"Mo's mug\""
            ),
            "{l}"
        );
        layout.width = Some(60);
        let cut = line(&shown, &layout, now, &Palette::plain());
        assert!(fit::width(&cut) <= 60 && cut.ends_with('…'), "{cut}");
        assert!(
            !cut.contains("@al…"),
            "names are shown whole or not at all: {cut}"
        );
        let changed = Shown {
            change: Some((ChangeKind::State, Some(&State::of("PENDING")))),
            ..shown
        };
        let l = line(&changed, &Layout::default(), now, &Palette::plain());
        assert!(l.contains(" state    * sale"), "{l}");
        assert!(l.contains("PENDING → AWAITING_FULFILLMENT"), "{l}");
    }

    #[test]
    fn strangers_text_is_escaped() {
        let now = parse_time("2026-01-02T00:00:00Z").unwrap();
        let b = board(
            r#"{"cases": [{"caseId": "Qm\u001b[31m", "state": "\u001b]0;pwned\u0007",
                "buyerOpened": false, "buyerHandle": "b\u202eob", "vendorHandle": "&#27;[2J",
                "title": "\u0000\u009b", "total": {"amount": "x\u001b"}}]}"#,
            Role::Case,
            now,
        );
        let (_, e, a) = b.sorted(now).into_iter().next().unwrap();
        let shown = Shown {
            entry: e,
            assessed: &a,
            label: Some("n\u{1b}1"),
            change: None,
            lookalikes: None,
        };
        let layout = Layout {
            label: Some(4),
            ..Layout::default()
        };
        let l = line(&shown, &layout, now, &Palette::ansi());
        let without_sgr = l
            .replace("\x1b[0m", "")
            .replace("\x1b[1;31m", "")
            .replace("\x1b[2m", "");
        let stripped: String = without_sgr
            .split("\x1b[")
            .enumerate()
            .map(|(i, s)| {
                if i == 0 {
                    s
                } else {
                    s.split_once('m').map_or(s, |x| x.1)
                }
            })
            .collect();
        assert!(!stripped.chars().any(|c| c.is_control()), "{l:?}");
        assert!(l.contains("unknown: a state obtail does not know"), "{l}");
    }

    #[test]
    fn deadlines_in_words() {
        let now = parse_time("2026-01-02T00:00:00Z").unwrap();
        assert_eq!(deadline_words(&Deadline::None, now), "-");
        let at = |s: &str| Deadline::At {
            when: parse_time(s).unwrap(),
            what: "",
        };
        assert!(deadline_words(&at("2026-01-03T12:00:00Z"), now).ends_with(", 36h left"));
        assert!(deadline_words(&at("2026-01-01T00:00:00Z"), now).ends_with(", passed"));
        assert!(deadline_words(&at("2027-03-01T00:00:00Z"), now).contains("2027"));
        assert_eq!(span(59), "<1m");
        assert_eq!(span(3 * 86_400 + 5), "3d");
    }
}
