//! The recorded fixtures, split into frames, for the unit tests of every stage. Splitting is
//! deliberately naive (each frame starts with `{` at column 0) so stage tests do not depend on
//! the replay source.

pub const SESSION_014: &str = include_str!("../tests/fixtures/session-0.14.json");
pub const GUIDE_013: &str = include_str!("../tests/fixtures/guide-0.13.json");

/// The frames of a fixture, as the node wrote them (pretty, trimmed).
pub fn frames(fixture: &str) -> Vec<String> {
    fixture
        .split("\n{")
        .map(|v| {
            let v = v.trim();
            if v.starts_with('{') {
                v.to_string()
            } else {
                format!("{{{v}")
            }
        })
        .collect()
}

/// A frame without its insignificant whitespace.
pub fn compact(frame: &str) -> String {
    let mut out = Vec::new();
    crate::json::text::write_compact(&mut out, frame.as_bytes());
    String::from_utf8(out).expect("compact JSON of UTF-8 is UTF-8")
}
