//! The sanitizer and entity decoding: `is_unsafe` flags every character a terminal would obey
//! (checked against an independent list); `escape` and `words::text` leave none, nor any line
//! break; `escape_bytes_keep_lines` leaves only newlines and tabs; entity decoding never
//! panics and undoes HTML escaping exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obtail::render::words::{decode_entities, short_id, text};
use obtail::sanitize::{escape, escape_bytes_keep_lines, is_unsafe};
use obtail_fuzz::{assert_terminal_safe, is_dangerous};

/// What the node's sanitizer does to text before sending it.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    for c in s.chars() {
        assert!(
            !is_dangerous(c, false) || is_unsafe(c),
            "is_unsafe lets U+{:04X} through",
            c as u32
        );
    }
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
