//! Turning frame fields into words a person reads: entities decoded, controls escaped, ids
//! shortened (still usable with `--order`/`--peer`), parties named and colored.

use std::borrow::Cow;

use crate::json::Value;
use crate::sanitize;
use crate::style::Palette;

/// How many characters of an id pretty output shows; more than `--order`'s 6-character
/// minimum, so a shown id can be pasted back as a filter.
pub const SHORT_ID: usize = 10;

/// Decodes the HTML entities the node's sanitizer writes. Done before escaping controls, so
/// `&#27;` becomes a visible `\x1b`, never a raw ESC.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // Searched as bytes: a cut at byte 12 of `&str` can fall inside a character.
        let end = memchr::memchr(b';', &rest.as_bytes()[..rest.len().min(12)]);
        let decoded = end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Peer-supplied text made safe and readable, cut to `max` characters.
pub fn text(s: &str, max: usize) -> String {
    let decoded = decode_entities(s);
    let mut out = String::new();
    let mut count = 0;
    sanitize::for_each_char(&decoded, |c, unsafe_here| {
        if count == max {
            // A joiner kept for the emoji after it joins nothing once that is cut off.
            if out.ends_with('\u{200d}') {
                out.pop();
            }
            out.push('…');
            return false;
        }
        count += 1;
        if unsafe_here {
            sanitize::push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
        true
    });
    out
}

/// The first characters of an id.
pub fn short_id(id: &str) -> String {
    text(&id.chars().take(SHORT_ID).collect::<String>(), SHORT_ID)
}

/// A party: `@handle` when the frame has one, else its short peer id; colored per peer.
pub fn party(tree: &Value, handle_key: &str, id_key: &str, p: &Palette) -> String {
    let id = tree.str_at(id_key);
    let handle = tree.str_at(handle_key);
    named(handle.as_deref(), id.as_deref(), p)
}

/// A party from its handle and peer id, either of which may be missing; marked as one field,
/// so a cut line never shows half a name.
pub fn named(handle: Option<&str>, id: Option<&str>, p: &Palette) -> String {
    let color = p.party(id.or(handle).unwrap_or(""));
    let name = match (handle, id) {
        (Some(h), _) => format!("@{}", text(h.trim_start_matches('@'), 40)),
        (None, Some(id)) => short_id(id),
        (None, None) => "someone".to_string(),
    };
    format!("{color}{}{}", crate::render::fit::field(&name), p.reset)
}

/// `N unit` or `N units` (`1 try`, `2 tries`; `2 days`).
pub fn plural(n: u64, unit: &str) -> String {
    let consonant_y = unit
        .strip_suffix('y')
        .filter(|stem| !stem.ends_with(['a', 'e', 'i', 'o', 'u']));
    match (n, consonant_y) {
        (1, _) => format!("1 {unit}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {unit}s"),
    }
}

/// A duration in seconds as people say it: `30 days`, `5 hours`, `90 seconds`.
pub fn duration(secs: u64) -> String {
    match secs {
        s if s >= 86400 && s % 86400 == 0 => plural(s / 86400, "day"),
        s if s >= 3600 && s % 3600 == 0 => plural(s / 3600, "hour"),
        s if s >= 60 && s % 60 == 0 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_as_people_write_them() {
        assert_eq!(plural(1, "try"), "1 try");
        assert_eq!(plural(3, "failed try"), "3 failed tries");
        assert_eq!(plural(2, "day"), "2 days");
        assert_eq!(plural(0, "chat message"), "0 chat messages");
    }

    #[test]
    fn entities_decode_before_escaping() {
        assert_eq!(
            decode_entities("A &amp; B &#39;x&#39; &lt;b&gt; &#34;q&#34;"),
            "A & B 'x' <b> \"q\""
        );
        assert_eq!(text("bad &#27;[31m", 50), "bad \\x1b[31m");
        assert_eq!(decode_entities("AT&T &bogus; &"), "AT&T &bogus; &");
    }

    #[test]
    fn entities_next_to_wide_characters_do_not_panic() {
        // Byte 12 after the `&` falls inside a character in each of these.
        for s in [
            "&日本語日本語",
            "&amp;ééééé",
            "&#x1F680;🚀🚀🚀",
            "x&é;",
            "&&&&&&&&&&&é",
        ] {
            let decoded = decode_entities(s);
            assert!(decoded.len() <= s.len(), "{s}");
        }
        assert_eq!(decode_entities("&amp;ééééé"), "&ééééé");
        assert_eq!(decode_entities("&日本語日本語"), "&日本語日本語");
        for cut in 0..="&amp;日本語;".len() {
            let s = "&amp;日本語;&#12354;";
            if s.is_char_boundary(cut) {
                let _ = text(&s[cut..], 50);
            }
        }
    }

    #[test]
    fn text_is_cut_and_escaped() {
        assert_eq!(text("line\nbreak", 50), "line\\nbreak");
        assert_eq!(text("abcdef", 3), "abc…");
        assert_eq!(text("\u{202e}evil", 50), "\\u{202e}evil");
        assert_eq!(text("ali\u{200b}ce", 50), "ali\\u{200b}ce");
        assert_eq!(
            text("ali&#8203;ce &#x2060;", 50),
            "ali\\u{200b}ce \\u{2060}"
        );
        assert_eq!(text("👩‍💻 ok", 50), "👩‍💻 ok");
        assert_eq!(text("👩‍💻", 2), "👩…", "no joiner left before the cut");
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration(2592000), "30 days");
        assert_eq!(duration(86400), "1 day");
        assert_eq!(duration(7200), "2 hours");
        assert_eq!(duration(61), "61 seconds");
    }

    #[test]
    fn parties_prefer_handles() {
        let p = Palette::plain();
        let t = crate::json::parse(r#"{"buyerHandle":"@alice","buyerId":"QmAAAAAAAAAAAAAA","vendorId":"QmBBBBBBBBBBBBBBBB","vendorHandle":""}"#).unwrap();
        let shown = |handle_key, id_key| {
            let mut s = party(&t, handle_key, id_key, &p);
            crate::render::fit::unmark(&mut s);
            s
        };
        assert_eq!(shown("buyerHandle", "buyerId"), "@alice");
        assert_eq!(shown("vendorHandle", "vendorId"), "QmBBBBBBBB");
    }
}
