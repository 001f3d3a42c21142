//! The node's HTML sanitizer, as far as text goes: every string it returns, in a frame or a
//! REST answer, has `&`, `'`, `<`, `>` and `"` escaped (protocol.md §7, §9.4). Its database
//! keeps what peers sent, raw; the story writes frames as the node sends them, so what it
//! stores is unescaped first.

use serde_json::Value;

const ENTITIES: [(char, &str); 5] = [
    ('&', "&amp;"),
    ('\'', "&#39;"),
    ('<', "&lt;"),
    ('>', "&gt;"),
    ('"', "&#34;"),
];

/// Go's `html.EscapeString`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match ENTITIES.iter().find(|(raw, _)| *raw == c) {
            Some((_, entity)) => out.push_str(entity),
            None => out.push(c),
        }
    }
    out
}

/// The text that [`escape`] turns into `s` (only its five entities are read back).
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match ENTITIES.iter().find(|(_, e)| tail.starts_with(e)) {
            Some((raw, entity)) => {
                out.push(*raw);
                rest = &tail[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Escapes every string value (not the keys), as `SanitizeJSON` does.
pub fn sanitize(v: &mut Value) {
    map_strings(v, &escape);
}

/// What the node stored for a value it sent sanitized.
pub fn unsanitized(v: &Value) -> Value {
    let mut raw = v.clone();
    map_strings(&mut raw, &unescape);
    raw
}

fn map_strings(v: &mut Value, f: &dyn Fn(&str) -> String) {
    match v {
        Value::String(s) => *s = f(s),
        Value::Array(items) => items.iter_mut().for_each(|x| map_strings(x, f)),
        Value::Object(map) => map.values_mut().for_each(|x| map_strings(x, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_go_and_reads_back() {
        let raw = "it's <b>\"R&D\"</b> &#39;";
        let escaped = escape(raw);
        assert_eq!(
            escaped,
            "it&#39;s &lt;b&gt;&#34;R&amp;D&#34;&lt;/b&gt; &amp;#39;"
        );
        assert_eq!(unescape(&escaped), raw);
        assert_eq!(unescape("a & b &amp c"), "a & b &amp c");
        let mut v = serde_json::json!({"a'": ["x<y", {"k": "&"}], "n": 1});
        sanitize(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a'": ["x&lt;y", {"k": "&amp;"}], "n": 1})
        );
        assert_eq!(
            unsanitized(&v),
            serde_json::json!({"a'": ["x<y", {"k": "&"}], "n": 1})
        );
    }
}
