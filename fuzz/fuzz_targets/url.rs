//! Node URL parsing: whatever the URL, neither its shown form, its request form, its host,
//! its path, `redact` nor a parse error carries the password (raw or percent-decoded); the
//! shown form parses back to the same URL without user or password; and it is printable (no
//! controls). The authority is RFC 3986's: the host is always the one between the userinfo
//! and the first `/`, `?` or `#` (an `@` after it never moves it, and a raw one there is
//! refused); a password percent-encoded comes back as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obtail::endpoint::url::{redact, NodeUrl};
use obtail_fuzz::assert_terminal_safe;

/// Passwords start with this, so their presence anywhere is unmistakable.
const MARK: &str = "Pw7Q";

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // `BEFORE:MARK...@REST` from `BEFORE\x01PASS\x01REST`, as a user could type it.
    let mut parts = text.splitn(3, '\u{1}');
    let (Some(before), Some(pass), rest) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let rest = rest.unwrap_or("");
    // Only URLs whose `user:password@` part is unambiguous: the user part (after any scheme)
    // holds no '/', '?', '#' or '@', and the host and path after the password no '@'. The
    // password itself may hold anything.
    let user = before.split_once("://").map_or(before, |(_, u)| u);
    if before.contains(MARK)
        || rest.contains(MARK)
        || rest.contains('@')
        || user.contains(['/', '?', '#', '@'])
    {
        return;
    }
    let password = format!("{MARK}{pass}");
    let url = format!("{before}:{password}@{rest}");
    let decoded = percent_decode(&password);
    let leaks = |s: &str| s.contains(MARK) || s.contains(&password) || s.contains(&decoded);
    let redacted = redact(&url);
    assert!(
        !leaks(&redacted),
        "redact({url:?}) shows the password: {redacted}"
    );
    match NodeUrl::parse(&url) {
        Err(msg) => assert!(
            !leaks(&msg),
            "the error for {url:?} shows the password: {msg}"
        ),
        Ok(u) => {
            for (what, s) in [
                ("shown", u.shown()),
                ("request", u.request()),
                ("host", u.host.clone()),
                ("path", u.path.clone()),
                ("debug", format!("{u:?}")),
            ] {
                assert!(!leaks(&s), "{what} of {url:?} shows the password: {s}");
            }
            let again = NodeUrl::parse(&u.shown())
                .unwrap_or_else(|e| panic!("shown form {:?} does not parse: {e}", u.shown()));
            assert_eq!(
                (again.secure, &again.host, again.port, &again.path),
                (u.secure, &u.host, u.port, &u.path),
                "shown form {:?} parses differently",
                u.shown()
            );
            assert!(again.user.is_none() && again.password.is_none());
            assert_terminal_safe(u.shown().as_bytes(), false, false, "shown URL");
        }
    }
    // Any text at all: no panic, and what is shown is printable; the host is the authority's.
    if let Ok(u) = NodeUrl::parse(&text) {
        assert_terminal_safe(u.shown().as_bytes(), false, false, "shown URL");
        let (authority, after) = rfc3986_authority(&text);
        assert!(!after.contains('@'), "{text:?}: a raw '@' after the host was taken");
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = hostport.trim_start_matches('[');
        assert!(
            host.starts_with(u.host.as_str()),
            "{text:?}: host {:?} is not the authority's {hostport:?}",
            u.host
        );
    }
    // Any password, percent-encoded whole: it comes back as it was, and the host with it.
    let encoded: String = pass
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let url = format!("ws://user:{encoded}@node.example:4002/ws");
    let u = NodeUrl::parse(&url).unwrap_or_else(|e| panic!("{url:?}: {e}"));
    assert_eq!(u.password.as_ref().map(|p| p.expose().to_string()).as_deref(), Some(pass));
    assert_eq!((u.host.as_str(), u.port), ("node.example", 4002));
});

/// RFC 3986 3.2: after `scheme://` (or from the start), the authority runs to the first
/// `/`, `?` or `#`; what follows is the path, query and fragment.
fn rfc3986_authority(text: &str) -> (&str, &str) {
    let t = text.trim();
    let rest = t.split_once("://").map_or(t, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    rest.split_at(end)
}
