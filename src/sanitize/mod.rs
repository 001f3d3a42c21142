//! Makes untrusted text safe for a terminal: every control sequence is shown, never obeyed.
//!
//! Frames come from strangers. ESC, CSI, OSC 8, BEL, C1, DEL, bidi overrides and isolates and
//! line separators could rewrite the screen or reorder what the user reads, so they are
//! rendered as visible escapes. This module decides what is unsafe; callers decide where.
//!
//! What is unsafe comes from the Unicode data (`table.rs`, generated): every control, format
//! character and default-ignorable code point, so nothing a terminal draws as nothing can
//! make `ali` + U+E0100 + `ce` read as `alice`. Combining marks are text, but a run of more
//! than `MAX_MARKS` draws over the lines around it: the rest of the run is escaped.

#[cfg(test)]
mod generate;
mod table;

/// How many combining marks in a row are drawn; the rest of a run is escaped. Enough for
/// the stacks real scripts make (Vietnamese two, Hebrew with cantillation four), not for the
/// hundreds that climb over the lines around them.
pub const MAX_MARKS: usize = 4;

/// What a character is to a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Drawn as it is.
    Text,
    /// A combining mark: drawn on the character before it.
    Mark,
    /// Obeyed or drawn as nothing: always escaped (but a joiner inside an emoji, see
    /// `for_each_char`).
    Unsafe,
}

/// The class of `c`, from the Unicode data.
#[inline]
pub fn class(c: char) -> Class {
    let cp = c as u32;
    if cp < 0x80 {
        return if cp < 0x20 || cp == 0x7f {
            Class::Unsafe
        } else {
            Class::Text
        };
    }
    // Most text sits in chunks of one class (a CJK, Cyrillic or emoji chunk holds no mark
    // and nothing unsafe): one load, and the tables are searched only in mixed chunks.
    match CHUNK_CLASS.get((cp / CHUNK) as usize).copied() {
        Some(TEXT) => Class::Text,
        Some(UNSAFE) => Class::Unsafe,
        Some(MARKS) => Class::Mark,
        _ if within(table::UNSAFE, cp) => Class::Unsafe,
        _ if within(table::MARKS, cp) => Class::Mark,
        _ => Class::Text,
    }
}

/// Code points per chunk of `CHUNK_CLASS`.
const CHUNK: u32 = 64;
const CHUNKS: usize = 0x110000 / CHUNK as usize;
const TEXT: u8 = 0;
const UNSAFE: u8 = 1;
const MARKS: u8 = 2;
const MIXED: u8 = 3;

/// For each chunk of 64 code points, the class all of them share, or `MIXED`: built from the
/// tables when obtail is compiled.
static CHUNK_CLASS: [u8; CHUNKS] = chunk_classes();

const fn chunk_classes() -> [u8; CHUNKS] {
    let unsafe_count = count_per_chunk(table::UNSAFE);
    let mark_count = count_per_chunk(table::MARKS);
    let mut classes = [MIXED; CHUNKS];
    let mut i = 0;
    while i < CHUNKS {
        classes[i] = match (unsafe_count[i], mark_count[i]) {
            (0, 0) => TEXT,
            (64, _) => UNSAFE,
            (_, 64) => MARKS,
            _ => MIXED,
        };
        i += 1;
    }
    classes
}

/// How many code points of each chunk the ranges hold.
const fn count_per_chunk(ranges: &[(u32, u32)]) -> [u8; CHUNKS] {
    let mut counts = [0u8; CHUNKS];
    let mut r = 0;
    while r < ranges.len() {
        let mut cp = ranges[r].0;
        while cp <= ranges[r].1 {
            counts[(cp / CHUNK) as usize] += 1;
            cp += 1;
        }
        r += 1;
    }
    counts
}

fn within(ranges: &[(u32, u32)], cp: u32) -> bool {
    let i = ranges.partition_point(|&(_, hi)| hi < cp);
    ranges.get(i).is_some_and(|&(lo, _)| lo <= cp)
}

/// True for characters that must never reach a terminal raw (tab and newline included: a
/// one-line summary must stay one line): controls, bidi overrides and isolates, line
/// separators, and everything a terminal draws as nothing, which would let
/// `@ali\u{200b}ce` pass for `@alice`.
#[inline]
pub fn is_unsafe(c: char) -> bool {
    class(c) == Class::Unsafe
}

/// Counts a run of combining marks: says which of them are past `MAX_MARKS`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MarkRun(usize);

impl MarkRun {
    /// Whether `c`, of class `class`, is to be escaped as part of a run that is too long;
    /// any character but a mark ends the run.
    #[inline]
    pub fn too_long(&mut self, class: Class) -> bool {
        if class == Class::Mark {
            self.0 += 1;
            self.0 > MAX_MARKS
        } else {
            self.0 = 0;
            false
        }
    }

    /// Ends the run (text that is not a character of the input, such as an escape, came).
    pub fn end(&mut self) {
        self.0 = 0;
    }
}

/// Whether `c` can stand before a zero-width joiner in an emoji sequence (`👩‍💻`): an emoji
/// (skin tones among them), or the presentation selector after one. After the joiner comes
/// an emoji proper.
fn joins_emoji(c: Option<char>) -> bool {
    c.is_some_and(|c| c == '\u{fe0f}' || is_emoji(c))
}

fn is_emoji(c: char) -> bool {
    !c.is_ascii() && within(table::EMOJI, c as u32)
}

/// An emoji the presentation selector U+FE0F may follow (`❤️`), or a keycap base before
/// U+FE0F U+20E3 (`1️⃣`).
fn takes_emoji_style(prev: Option<char>, next: Option<char>) -> bool {
    let keycap = matches!(prev, Some('0'..='9' | '#' | '*')) && next == Some('\u{20e3}');
    keycap || prev.is_some_and(is_emoji)
}

/// `is_unsafe`, except for what only shapes an emoji: a zero-width joiner between two
/// pictures (`👩‍💻`) and the emoji presentation selector after one (`❤️`). Escaping them
/// would break every such emoji; alone they draw nothing, and are escaped.
pub fn is_unsafe_between(prev: Option<char>, c: char, next: Option<char>) -> bool {
    is_unsafe(c)
        && !(c == '\u{200d}' && joins_emoji(prev) && next.is_some_and(is_emoji))
        && !(c == '\u{fe0f}' && takes_emoji_style(prev, next))
}

/// Calls `each` with every character of `s` and whether it must be escaped there: unsafe
/// characters (but the emoji's own, `is_unsafe_between`) and combining marks past the first
/// `MAX_MARKS` of a run.
pub fn for_each_char(s: &str, mut each: impl FnMut(char, bool) -> bool) {
    // The character before, as shown: an escaped one shapes no emoji.
    let mut prev = None;
    let mut marks = MarkRun::default();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let escape = match class(c) {
            Class::Unsafe => {
                marks.end();
                is_unsafe_between(prev, c, chars.peek().copied())
            }
            class => marks.too_long(class),
        };
        if !each(c, escape) {
            return;
        }
        prev = (!escape).then_some(c);
    }
}

/// Quick test that a byte string holds nothing `is_unsafe` could flag except C0 controls,
/// which callers that handle C0 themselves (JSON escapes) can rely on.
pub fn is_plain_ascii(bytes: &[u8]) -> bool {
    bytes.is_ascii() && memchr::memchr(0x7f, bytes).is_none()
}

/// True when every byte is printable ASCII (space to `~`): nothing to escape, whatever the
/// context. Folded without an early exit so that it compiles to vector code.
pub fn is_printable_ascii(bytes: &[u8]) -> bool {
    bytes.chunks(64).all(|chunk| {
        chunk
            .iter()
            .fold(true, |ok, &b| ok & (b.wrapping_sub(0x20) < 0x5f))
    })
}

/// Appends `c` as a visible escape.
pub fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// Appends `s` with every unsafe character escaped.
pub fn escape_into(out: &mut String, s: &str) {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        out.push_str(s);
        return;
    }
    for_each_char(s, |c, unsafe_here| {
        if unsafe_here {
            push_escaped(out, c);
        } else {
            out.push(c);
        }
        true
    });
}

/// `s` with every unsafe character escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// Escapes arbitrary bytes for a terminal, keeping newlines and tabs (for multi-line raw
/// output); bytes that are not UTF-8 show as `\xNN`.
pub fn escape_bytes_keep_lines(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut s = String::new();
    let mut marks = MarkRun::default();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let class = class(c);
            let unsafe_here = class == Class::Unsafe && c != '\n' && c != '\t';
            if marks.too_long(class) || unsafe_here {
                push_escaped(&mut s, c);
            } else {
                s.push(c);
            }
        }
        for b in chunk.invalid() {
            marks.end();
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_become_visible() {
        let hostile = "a\u{1b}[2J\u{7}b\u{9b}31m\u{202e}evil\u{2066}x\u{7f}\r\n";
        let safe = escape(hostile);
        assert_eq!(
            safe,
            "a\\x1b[2J\\x07b\\u{9b}31m\\u{202e}evil\\u{2066}x\\x7f\\r\\n"
        );
        assert!(!safe.chars().any(is_unsafe));
    }

    #[test]
    fn printable_ascii_is_only_space_to_tilde() {
        assert!(is_printable_ascii(b" ~abc{}\"\\"));
        assert!(is_printable_ascii(b""));
        for b in (0u8..0x20).chain(0x7f..=0xff) {
            let mut long = vec![b'a'; 200];
            long[150] = b;
            assert!(!is_printable_ascii(&long), "{b:#x}");
        }
    }

    #[test]
    fn invisible_characters_are_shown() {
        assert_eq!(escape("@ali\u{200b}ce"), "@ali\\u{200b}ce");
        for c in [
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{feff}',
            '\u{ad}',
            '\u{2064}',
            '\u{3164}',
            '\u{e0041}',
            '\u{180e}',
            '\u{034f}',
        ] {
            let s = format!("ali{c}ce");
            assert_eq!(escape(&s), format!("ali\\u{{{:x}}}ce", c as u32));
        }
        // A joiner between letters, or at an edge, is shown; inside an emoji it joins.
        assert_eq!(escape("a\u{200d}b"), "a\\u{200d}b");
        assert_eq!(escape("\u{200d}👩"), "\\u{200d}👩");
        assert_eq!(escape("👩\u{200d}"), "👩\\u{200d}");
        for emoji in ["👩‍💻", "❤️‍🔥", "🏳️‍🌈", "👨🏽‍🚀"] {
            assert_eq!(escape(emoji), emoji);
        }
    }

    #[test]
    fn osc8_hyperlinks_are_neutralised() {
        let link = "\u{1b}]8;;http://evil\u{1b}\\click\u{1b}]8;;\u{1b}\\";
        assert!(!escape(link).contains('\u{1b}'));
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for s in ["café 日本茶 🚀 ½ kg €20", "plain ascii", "👩‍💻"] {
            assert_eq!(escape(s), s);
        }
    }

    #[test]
    fn raw_bytes_keep_lines_but_not_escapes() {
        let mut out = Vec::new();
        escape_bytes_keep_lines(&mut out, b"{\n\t\"a\": \"\x1b[31m\xff\"\n}");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n\t\"a\": \"\\x1b[31m\\xff\"\n}"
        );
    }

    /// What the adversarial pass of issue 19 found drawn as nothing.
    const ISSUE_19: [char; 14] = [
        '\u{fe00}',
        '\u{fe0e}',
        '\u{e0100}',
        '\u{e01ef}',
        '\u{2065}',
        '\u{fff0}',
        '\u{fff8}',
        '\u{1bca0}',
        '\u{1bca3}',
        '\u{13430}',
        '\u{1343f}',
        '\u{600}',
        '\u{605}',
        '\u{fe0f}',
    ];

    #[test]
    fn what_terminals_draw_as_nothing_is_escaped() {
        for c in ISSUE_19 {
            assert!(is_unsafe(c), "U+{:04X}", c as u32);
            let s = format!("ali{c}ce");
            assert_eq!(escape(&s), format!("ali\\u{{{:x}}}ce", c as u32));
        }
        // Ordinary text, marks and symbols are not.
        for c in [
            'é', 'ß', '日', '\u{301}', '€', '🚀', '\u{fffd}', ' ', '\u{a0}',
        ] {
            assert!(!is_unsafe(c), "U+{:04X}", c as u32);
        }
        assert_eq!(class('\u{301}'), Class::Mark);
        assert_eq!(class('\u{34f}'), Class::Unsafe, "a mark that draws nothing");
        assert_eq!(class('a'), Class::Text);
    }

    #[test]
    fn long_runs_of_combining_marks_are_cut_to_a_few() {
        let zalgo = format!("a{}b", "\u{301}".repeat(300));
        let shown = escape(&zalgo);
        let raw = shown.chars().filter(|&c| c == '\u{301}').count();
        assert_eq!(raw, MAX_MARKS);
        assert_eq!(shown.matches("\\u{301}").count(), 300 - MAX_MARKS);
        assert!(shown.starts_with(&format!("a{}\\u{{301}}", "\u{301}".repeat(MAX_MARKS))));
        // Each base starts a new run; a mark run that real scripts make is untouched.
        for s in ["Việt Nam", "ལྷ་སྐྱིད", "שָׁלוֹם", "e\u{301}e\u{301}e\u{301}"]
        {
            assert_eq!(escape(s), s);
        }
        let mut kept = Vec::new();
        escape_bytes_keep_lines(&mut kept, zalgo.as_bytes());
        let kept = String::from_utf8(kept).unwrap();
        assert_eq!(kept.chars().filter(|&c| c == '\u{301}').count(), MAX_MARKS);
    }

    #[test]
    fn emoji_keep_their_joiners_and_presentation_selectors() {
        for emoji in ["❤️", "1️⃣", "#️⃣", "☺️", "👩‍💻", "❤️‍🔥", "🏳️‍🌈", "👨🏽‍🚀"]
        {
            assert_eq!(escape(emoji), emoji);
        }
        // After a letter, or alone, the selector draws nothing: shown.
        assert_eq!(escape("a\u{fe0f}"), "a\\u{fe0f}");
        assert_eq!(escape("\u{fe0f}"), "\\u{fe0f}");
        assert_eq!(
            escape("1\u{fe0f}"),
            "1\\u{fe0f}",
            "not a keycap without U+20E3"
        );
        assert_eq!(escape("❤\u{fe0e}"), "❤\\u{fe0e}");
        // A joiner after a selector that was shown as an escape joins nothing.
        assert_eq!(escape("G\u{fe0f}\u{200d}🌈"), "G\\u{fe0f}\\u{200d}🌈");
        assert_eq!(escape("👩\u{200d}\u{fe0f}"), "👩\\u{200d}\\u{fe0f}");
    }

    #[test]
    fn the_chunk_shortcut_agrees_with_the_tables() {
        for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
            let cp = c as u32;
            let searched = if within(table::UNSAFE, cp) {
                Class::Unsafe
            } else if within(table::MARKS, cp) {
                Class::Mark
            } else {
                Class::Text
            };
            assert_eq!(class(c), searched, "U+{cp:04X}");
        }
    }
}
