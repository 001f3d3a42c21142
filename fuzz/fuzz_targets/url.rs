//! Node URL parsing: whatever the URL, neither its shown form, its request form, its host,
//! its path, `redact` nor a parse error carries the password (raw or percent-decoded); the
//! shown form parses back to the same URL without user or password; and it is printable (no
//! controls).
#![no_main]

use libfuzzer_sys::fuzz_target;
use obtail::live::url::{redact, NodeUrl};
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
    // Any text at all: no panic, and what is shown is printable.
    if let Ok(u) = NodeUrl::parse(&text) {
        assert_terminal_safe(u.shown().as_bytes(), false, false, "shown URL");
    }
});
