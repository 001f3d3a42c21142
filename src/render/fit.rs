//! Terminal columns: how wide a rendered piece is, and cutting it to fit.
//!
//! Pieces hold sanitized text and the palette's SGR sequences (`ESC [ … m`), nothing else that
//! starts with ESC (the sanitizer shows a peer's ESC as `\x1b`), so skipping those sequences
//! measures exactly what the terminal shows. Wide characters (CJK, emoji) take two columns.
//!
//! A summary marks the fields that mean nothing in part (an amount, an id, a name) so that a
//! cut falls between fields, never inside one: `balance 0.01834217 BTC, …`, not `…, 1…` where
//! the `1` began `18.44 ETH`. The marks are C0 controls, which sanitized text never holds (a
//! peer's own are shown as `\x01`), and they take no columns.

use unicode_width::UnicodeWidthChar;

/// Opens a field that is shown whole or not at all.
pub const FIELD_START: char = '\u{1}';
/// Closes it.
pub const FIELD_END: char = '\u{2}';

/// `s` marked as one field.
pub fn field(s: &str) -> String {
    format!("{FIELD_START}{s}{FIELD_END}")
}

/// Takes the field marks out, once a line is cut.
pub fn unmark(s: &mut String) {
    if s.contains([FIELD_START, FIELD_END]) {
        s.retain(|c| c != FIELD_START && c != FIELD_END);
    }
}

/// Calls `f` with each character and the columns it takes; SGR sequences take none.
fn each_column(s: &str, mut f: impl FnMut(usize, usize, char) -> bool) {
    let mut in_sgr = false;
    for (i, c) in s.char_indices() {
        let w = if in_sgr {
            in_sgr = c != 'm';
            0
        } else if c == '\x1b' {
            in_sgr = true;
            0
        } else {
            c.width().unwrap_or(0)
        };
        if !f(i, w, c) {
            return;
        }
    }
}

/// The columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    let mut total = 0;
    each_column(s, |_, w, _| {
        total += w;
        true
    });
    total
}

/// Cuts `s` to at most `max` columns, ending it with `…` when something was cut, and `reset`
/// after that so a color cut short does not run on. A marked field that does not fit whole is
/// left out whole.
pub fn truncate(s: &mut String, max: usize, reset: &str) {
    if width(s) <= max {
        return;
    }
    let budget = max.saturating_sub(1);
    let mut used = 0;
    let mut cut = s.len();
    // Fields may hold fields (`order <id>`): a cut inside one goes before the outermost.
    let (mut open_field, mut depth) = (None, 0usize);
    each_column(s, |i, w, c| {
        match c {
            FIELD_START => {
                if depth == 0 {
                    open_field = Some(i);
                }
                depth += 1;
            }
            FIELD_END => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    open_field = None;
                }
            }
            _ => {}
        }
        if used + w > budget {
            cut = open_field.unwrap_or(i);
            return false;
        }
        used += w;
        true
    });
    s.truncate(cut);
    // A joiner kept for the emoji after it joins nothing once that is cut off.
    while s.ends_with('\u{200d}') {
        s.pop();
    }
    if max > 0 {
        s.push('…');
    }
    s.push_str(reset);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_take_no_columns_and_wide_characters_two() {
        assert_eq!(width("\x1b[1;31mabc\x1b[0m"), 3);
        assert_eq!(width("日本茶 tea"), 10);
        assert_eq!(
            width("\\x1b[2J"),
            7,
            "an escaped ESC is seven visible characters"
        );
    }

    #[test]
    fn a_cut_inside_an_emoji_sequence_leaves_no_joiner() {
        let mut s = "ab👩\u{200d}💻".to_string();
        truncate(&mut s, 5, "");
        assert_eq!(s, "ab👩…");
    }

    #[test]
    fn cuts_at_a_character_and_column_boundary() {
        let mut s = "abcdef".to_string();
        truncate(&mut s, 4, "");
        assert_eq!(s, "abc…");
        let mut s = "日本茶 sampler".to_string();
        truncate(&mut s, 4, "");
        assert_eq!(
            s, "日…",
            "a wide character that does not fit whole is left out"
        );
        assert_eq!(width(&s), 3);
        let mut s = "\x1b[1mbold text\x1b[0m".to_string();
        truncate(&mut s, 5, "\x1b[0m");
        assert_eq!(s, "\x1b[1mbold…\x1b[0m");
        let mut s = "fits".to_string();
        truncate(&mut s, 4, "\x1b[0m");
        assert_eq!(s, "fits", "nothing cut, nothing added");
    }

    #[test]
    fn fields_are_cut_whole_or_not_at_all() {
        let mut s = format!(
            "balance {}, {}",
            field("0.01834217 BTC"),
            field("18.44 ETH")
        );
        truncate(&mut s, 28, "");
        unmark(&mut s);
        assert_eq!(s, "balance 0.01834217 BTC, …");
        let mut s = format!("{} purchased", field("@alice"));
        truncate(&mut s, 4, "");
        unmark(&mut s);
        assert_eq!(s, "…", "a name that does not fit is not shown in part");
        let mut s = format!(
            "paid for {}",
            field(&format!("order {}", field("QmbMY8sGFe")))
        );
        truncate(&mut s, 16, "");
        unmark(&mut s);
        assert_eq!(
            s, "paid for …",
            "a field inside a field: the outer one goes whole"
        );
        let mut s = format!("order {}", field("QmbMY8sGFe"));
        truncate(&mut s, 40, "");
        unmark(&mut s);
        assert_eq!(s, "order QmbMY8sGFe", "nothing cut, marks gone");
    }

    #[test]
    fn any_text_fits_and_keeps_its_prefix() {
        let pieces = [
            "a",
            "日",
            "\x1b[1m",
            "\x1b[0m",
            "é",
            "\u{200b}",
            "🦀",
            " ",
            "\\x1b",
            "\u{1}12.5 BTC\u{2}",
            "\u{1}@日本\u{2}",
        ];
        let mut rng = fastrand::Rng::with_seed(13);
        for _ in 0..2000 {
            let text: String = (0..rng.usize(0..30))
                .map(|_| pieces[rng.usize(..pieces.len())])
                .collect();
            let max = rng.usize(0..20);
            let mut cut = text.clone();
            truncate(&mut cut, max, "\x1b[0m");
            assert!(width(&cut) <= max.max(1), "{text:?} to {max}: {cut:?}");
            if cut != text {
                let kept = cut.trim_end_matches("\x1b[0m").trim_end_matches('…');
                assert!(text.starts_with(kept), "{text:?} → {cut:?}");
                // Every field kept is kept whole.
                let opened = kept.matches(FIELD_START).count();
                // (The pieces hold no nested fields, so starts and ends pair up.)
                assert_eq!(
                    opened,
                    kept.matches(FIELD_END).count(),
                    "{text:?} → {cut:?}"
                );
            }
        }
    }
}
