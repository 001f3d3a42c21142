//! Makes untrusted text safe for a terminal: every control sequence is shown, never obeyed.
//!
//! Frames come from strangers. ESC, CSI, OSC 8, BEL, C1, DEL, bidi overrides and isolates and
//! line separators could rewrite the screen or reorder what the user reads, so they are
//! rendered as visible escapes. This module decides what is unsafe; callers decide where.

/// True for characters that must never reach a terminal raw (tab and newline included: a
/// one-line summary must stay one line): controls, bidi overrides and isolates, line
/// separators, and invisible characters that would let `@ali\u{200b}ce` pass for `@alice`.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
        || is_invisible(c)
}

/// Characters that draw nothing (or nothing a reader would notice): zero-width spaces and
/// joiners, the word joiner and invisible operators, soft hyphen, fillers, tags.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{034f}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}'
        | '\u{206a}'..='\u{206f}' | '\u{3164}' | '\u{ffa0}' | '\u{fff9}'..='\u{fffb}'
        | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e007f}')
}

/// Whether `c` can stand on either side of a zero-width joiner in an emoji sequence
/// (`👩‍💻`): pictographs, skin tones and the emoji presentation selector.
fn joins_emoji(c: Option<char>) -> bool {
    matches!(
        c,
        Some(
            '\u{2600}'..='\u{27bf}'
            | '\u{2b00}'..='\u{2bff}'
            | '\u{fe0f}'
            | '\u{1f000}'..='\u{1faff}',
        )
    )
}

/// `is_unsafe`, except for a zero-width joiner inside an emoji sequence: it only joins two
/// pictures into one, and escaping it would break every such emoji.
pub fn is_unsafe_between(prev: Option<char>, c: char, next: Option<char>) -> bool {
    is_unsafe(c) && !(c == '\u{200d}' && joins_emoji(prev) && joins_emoji(next))
}

/// Calls `each` with every character of `s` and whether it must be escaped there.
pub fn for_each_char(s: &str, mut each: impl FnMut(char, bool) -> bool) {
    let mut prev = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let unsafe_here = is_unsafe_between(prev, c, chars.peek().copied());
        if !each(c, unsafe_here) {
            return;
        }
        prev = Some(c);
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
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if is_unsafe(c) && c != '\n' && c != '\t' {
                push_escaped(&mut s, c);
            } else {
                s.push(c);
            }
        }
        for b in chunk.invalid() {
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
}
