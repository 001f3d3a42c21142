//! JSON text minify and indent: for valid JSON, the compact and the indented output (plain and
//! colored) parse to a value equal to the input and hold no raw control, C1, DEL, bidi or
//! zero-width character; the compact form is one line. Any other input must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obtail::json::text::{write_compact, write_indented, write_str};
use obtail::style::Palette;
use obtail_fuzz::{
    assert_json_equal, assert_terminal_safe, assert_valid_json, strip_palette, verdict,
};

fuzz_target!(|data: &[u8]| {
    let mut compact = Vec::new();
    write_compact(&mut compact, data);
    let mut plain = Vec::new();
    write_indented(&mut plain, data, &Palette::plain());
    let mut colored = Vec::new();
    write_indented(&mut colored, data, &Palette::ansi());

    let input = verdict(data);
    if input.is_valid() {
        assert_valid_json(&compact, "write_compact");
        assert_terminal_safe(&compact, false, false, "write_compact");
        assert!(!compact.contains(&b'\n'), "compact output spans lines");
        assert_valid_json(&plain, "write_indented");
        assert_terminal_safe(&plain, false, false, "write_indented");
        assert_valid_json(&strip_palette(&colored), "write_indented colored");
        assert_terminal_safe(&colored, false, true, "write_indented colored");
    }
    if let Some(want) = input.value() {
        assert_json_equal(&compact, want, "write_compact");
        assert_json_equal(&plain, want, "write_indented");
        assert_json_equal(&strip_palette(&colored), want, "write_indented colored");
    }

    // Any string becomes a JSON string literal of the same text, safe to print.
    let text = String::from_utf8_lossy(data);
    let mut lit = Vec::new();
    write_str(&mut lit, &text);
    assert_json_equal(
        &lit,
        &serde_json::Value::String(text.into_owned()),
        "write_str",
    );
    assert_terminal_safe(&lit, false, false, "write_str");
});
