//! The sanitizer and entity decoding: the character classes are the Unicode data's, code point
//! for code point, by an independent source (ICU4X: unsafe, combining mark, emoji); `escape`
//! and `words::text` leave no unsafe character, no line break and no run of more than four
//! marks; `escape_bytes_keep_lines` leaves only newlines and tabs; entity decoding never
//! panics and undoes HTML escaping exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obtail::render::words::{decode_entities, short_id, text};
use obtail::sanitize::{class, escape, escape_bytes_keep_lines, is_unsafe, Class};
use obtail_fuzz::{assert_terminal_safe, unicode_emoji, unicode_mark, unicode_unsafe};

/// Every code point, once: obtail's classes are the Unicode data's.
fn classes_are_the_unicode_data() {
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        assert_eq!(is_unsafe(c), unicode_unsafe(c), "unsafe U+{:04X}", c as u32);
        let mark = class(c) == Class::Mark;
        assert_eq!(mark, unicode_mark(c), "mark U+{:04X}", c as u32);
        // The presentation selector stays after an emoji, and only there.
        if !c.is_ascii() && !unicode_unsafe(c) {
            let styled = format!("{c}\u{fe0f}");
            let kept = escape(&styled) == styled;
            assert_eq!(kept, unicode_emoji(c), "emoji U+{:04X}", c as u32);
        }
    }
}

static CLASSES: std::sync::Once = std::sync::Once::new();

/// What the node's sanitizer does to text before sending it.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fuzz_target!(|data: &[u8]| {
    CLASSES.call_once(classes_are_the_unicode_data);
    let s = String::from_utf8_lossy(data);
    assert_terminal_safe(escape(&s).as_bytes(), false, false, "escape");
    assert!(!escape(&s).contains('\n'), "escape kept a newline");

    let mut kept = Vec::new();
    escape_bytes_keep_lines(&mut kept, data);
    assert_terminal_safe(&kept, true, false, "escape_bytes_keep_lines");

    let decoded = decode_entities(&s);
    let max = usize::from(data.first().copied().unwrap_or(0) % 64);
    for shown in [text(&s, max), text(&s, 10_000), short_id(&s)] {
        assert_terminal_safe(shown.as_bytes(), false, false, "words::text");
        assert!(!shown.contains('\n'), "words::text kept a newline");
    }
    let shown = text(&s, max);
    assert!(
        shown.chars().count() <= max * 10 + 1,
        "words::text({max}) gave {} characters",
        shown.chars().count()
    );
    // Entities can only shorten: `&...;` becomes one character.
    assert!(decoded.chars().count() <= s.chars().count());
    assert_eq!(
        decode_entities(&html_escape(&s)),
        s,
        "decode_entities(html_escape(s)) != s"
    );
});
