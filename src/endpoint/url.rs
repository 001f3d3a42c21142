//! Node URLs as users type them (CLI.md): schemes, bare `HOST:PORT`, the default `/ws` path,
//! and `user:pass@` taken out so that no URL shown to anyone carries a credential, not even
//! the user name.
//!
//! The authority ends at the first `/`, `?` or `#` (RFC 3986), as in every other URL parser,
//! so an `@` after it can never move the connection to another host. A raw `@` there is
//! refused all the same: it may end a password that holds `/`, `?` or `#` unescaped, which
//! must then never be read as a host, a port or a path, nor be echoed in an error.

use super::secret::Secret;

/// The URL used when none is given.
pub const DEFAULT_URL: &str = "ws://127.0.0.1:4002/ws";
/// The node's API port, assumed for a bare host name.
const NODE_PORT: u16 = 4002;

/// One node's websocket endpoint, split into what the connection needs.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeUrl {
    pub secure: bool,
    /// Host name or IP address, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// Path and query, at least `/`.
    pub path: String,
    /// `user` of `user:pass@`, percent-decoded.
    pub user: Option<String>,
    /// `pass` of `user:pass@`, percent-decoded.
    pub password: Option<Secret>,
}

impl NodeUrl {
    /// Parses one URL by RFC 3986: the authority ends at the first `/`, `?` or `#`, so an `@`
    /// after it never changes the host; a URL a user may have meant otherwise (a raw `@`
    /// there, a scheme without its `://`) is an error that says how to write it.
    pub fn parse(text: &str) -> Result<NodeUrl, String> {
        let t = text.trim();
        let (secure, rest) = split_scheme(t)?;
        let bare = !t.contains("://");
        let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, after) = rest.split_at(split);
        if after.contains('@') {
            return Err(AT_AFTER_HOST.into());
        }
        let (userinfo, hostport) = split_userinfo(authority);
        let path = after.split('#').next().unwrap_or("");
        let (host, port) = split_host_port(hostport)?;
        let port = match port {
            Some(p) => p,
            None if bare => NODE_PORT,
            None if secure => 443,
            None => 80,
        };
        let (user, password) = credentials(userinfo)?;
        Ok(NodeUrl {
            secure,
            host,
            port,
            path: request_path(path)?,
            user,
            password,
        })
    }

    /// `host:port` as it goes into a URL (IPv6 in brackets).
    fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn scheme(&self) -> &'static str {
        if self.secure {
            "wss"
        } else {
            "ws"
        }
    }

    /// The URL for the handshake request: never any credentials.
    pub fn request(&self) -> String {
        format!("{}://{}{}", self.scheme(), self.authority(), self.path)
    }

    /// The URL shown to the user and used as the frame `source`: no user name, no password.
    pub fn shown(&self) -> String {
        self.request()
    }

    /// A node on this machine, whose cookie file obtail may read.
    pub fn is_local(&self) -> bool {
        let h = self.host.to_ascii_lowercase();
        h == "localhost" || h == "::1" || h.starts_with("127.")
    }
}

/// Why a raw `@` after the host is refused: RFC 3986 and every URL parser read it as part
/// of the path, while the user may have meant it to end a password.
const AT_AFTER_HOST: &str = "an '@' after the host (in the path, query or fragment) is \
    ambiguous: if it ends a password holding '/', '?' or '#', write those as %2F, %3F and %23 \
    (or give the password with --password-file, -u USER:PASS or OBTAIL_PASSWORD); if it \
    belongs to the path, write it as %40";

/// The schemes obtail takes, and whether each is secure.
const SCHEMES: [(&str, bool); 4] = [
    ("ws", false),
    ("wss", true),
    ("http", false),
    ("https", true),
];

/// Whether the URL is secure, and what follows its `SCHEME://` (all of a bare `HOST:PORT`).
fn split_scheme(t: &str) -> Result<(bool, &str), String> {
    let Some((scheme, rest)) = t.split_once("://") else {
        if let Some(near) = mistyped_scheme(t) {
            return Err(format!(
                "the scheme is missing its '://': write it as {near}://HOST:PORT"
            ));
        }
        return Ok((false, t));
    };
    let lower = scheme.to_ascii_lowercase();
    if let Some((_, secure)) = SCHEMES.iter().find(|(s, _)| *s == lower) {
        return Ok((*secure, rest));
    }
    let word = |c: char| c.is_ascii_alphanumeric() || "+-.".contains(c);
    Err(match near_scheme(&lower) {
        // A scheme of odd characters may be a password typed without one: never echoed.
        _ if !scheme.chars().all(word) => {
            "bad scheme: use ws://, wss://, http:// or https://".to_string()
        }
        Some(near) => format!("bad scheme '{scheme}': did you mean {near}://?"),
        None => format!("bad scheme '{scheme}': use ws://, wss://, http:// or https://"),
    })
}

/// The scheme a URL without `://` was meant to have: `wss//h`, `ws:/h`, `https:h`.
fn mistyped_scheme(t: &str) -> Option<&'static str> {
    let end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .unwrap_or(t.len());
    let (word, after) = t.split_at(end);
    let near = near_scheme(&word.to_ascii_lowercase())?;
    let exact = SCHEMES.iter().any(|(s, _)| s.eq_ignore_ascii_case(word));
    let slashes = after.starts_with("//") || after.starts_with(":/") || after.starts_with(":\\");
    // `ws:4002` is host `ws`, port 4002; `wss:host` cannot be a host and port.
    let colon_word = exact
        && after
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && !p.starts_with(|c: char| c.is_ascii_digit()));
    (slashes || colon_word).then_some(near)
}

/// The known scheme `word` is, or is one typo away from.
fn near_scheme(word: &str) -> Option<&'static str> {
    // `wws` is one typo from `ws` and from `wss`: a swapped letter is likelier than a
    // doubled one, so a scheme of the same length wins.
    SCHEMES
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| distance(word, s) <= 1)
        .min_by_key(|s| (distance(word, s), s.len().abs_diff(word.len())))
}

/// The path and query for the request: `/ws` when none is given.
fn request_path(path: &str) -> Result<String, String> {
    // Shown in every label and message: only what a URL may carry, so it always prints.
    if !path.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(
            "the path has a space, a control or a non-ASCII character: write it as %XX".into(),
        );
    }
    Ok(match path {
        "" => "/ws".to_string(),
        p if p.starts_with('?') => format!("/ws{p}"),
        p => p.to_string(),
    })
}

/// The user name and password of `user:pass`, percent-decoded.
fn credentials(userinfo: Option<&str>) -> Result<(Option<String>, Option<Secret>), String> {
    let Some(info) = userinfo else {
        return Ok((None, None));
    };
    let (u, p) = match info.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (info, None),
    };
    if u.is_empty() {
        return Err("empty user name before '@'".into());
    }
    Ok((
        Some(decode(u)?),
        p.map(|p| decode(p).map(Secret::new)).transpose()?,
    ))
}

fn split_host_port(hostport: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or("unclosed '[' in IPv6 address")?;
        match after {
            "" => (host, None),
            a => match a.strip_prefix(':') {
                Some(p) => (host, Some(p)),
                None => return Err(format!("unexpected '{a}' after the IPv6 address")),
            },
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err("missing host".into());
    }
    // DNS and TLS take ASCII names only, and every message shows the host.
    if !host.is_ascii() {
        return Err(
            "the host is not ASCII: write an international name in its ASCII form (xn--…)".into(),
        );
    }
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')))
    {
        return Err(format!("bad character '{bad}' in host '{host}'"));
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err(format!("bad port '{p}': use a number from 1 to 65535")),
        },
    };
    Ok((host.to_string(), port))
}

/// Percent-decodes a user name or password.
fn decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(hex.ok_or("bad percent-escape in the user or password part")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the user or password part is not UTF-8".to_string())
}

/// `NAME=URL` split into the label and the URL; a URL alone has no label. A name is a short
/// word (letters, digits, `_`, `-`, `.`), so a `=` in a URL's query is never taken for one.
pub fn split_label(arg: &str) -> (Option<&str>, &str) {
    match arg.split_once('=') {
        Some((name, url))
            if !name.is_empty()
                && name.len() <= 32
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) =>
        {
            (Some(name), url)
        }
        _ => (None, arg),
    }
}

/// The subcommand a bare word on the command line was probably meant to be (`simm`, `kind`),
/// rather than a host name to connect to.
pub fn near_command(word: &str) -> Option<String> {
    if word.is_empty() || !word.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
        return None;
    }
    let word = word.to_ascii_lowercase();
    let command = <crate::cli::Args as clap::CommandFactory>::command();
    let names: Vec<String> = command
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect();
    names.into_iter().find(|name| {
        let limit = if name.len() <= 4 { 1 } else { 2 };
        distance(&word, name) <= limit
    })
}

/// Levenshtein distance over bytes (ASCII words).
fn distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// `user:pass` (up to the last `@`) and what follows it: of an authority when parsing (a raw
/// `@` in a password is read as WHATWG's parser does), of a whole URL when redacting.
fn split_userinfo(rest: &str) -> (Option<&str>, &str) {
    match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    }
}

/// A URL as typed, for an error message: any userinfo (user name and password) replaced.
pub fn redact(url: &str) -> String {
    let t = url.trim();
    let (scheme, rest) = match t.split_once("://") {
        Some((s, r))
            if s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (format!("{s}://"), r)
        }
        Some((_, r)) => ("***://".to_string(), r),
        None => (String::new(), t),
    };
    match split_userinfo(rest) {
        (Some(_), after) => format!("{scheme}***@{after}"),
        (None, _) => format!("{scheme}{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(t: &str) -> String {
        NodeUrl::parse(t).unwrap().request()
    }

    #[test]
    fn forms_users_type() {
        assert_eq!(req(DEFAULT_URL), DEFAULT_URL);
        assert_eq!(req("http://node:4102"), "ws://node:4102/ws");
        assert_eq!(req("HTTPS://node"), "wss://node:443/ws");
        assert_eq!(req("127.0.0.1:4102"), "ws://127.0.0.1:4102/ws");
        assert_eq!(req("localhost"), "ws://localhost:4002/ws");
        assert_eq!(req("ws://h:1/other?x=1#frag"), "ws://h:1/other?x=1");
        assert_eq!(req("ws://[::1]:4002"), "ws://[::1]:4002/ws");
        assert_eq!(req("wss://h:9?q"), "wss://h:9/ws?q");
    }

    #[test]
    fn credentials_are_taken_out() {
        let u = NodeUrl::parse("ws://bob:s%40cret@h:4002/ws").unwrap();
        assert_eq!(u.user.as_deref(), Some("bob"));
        assert_eq!(u.password.as_ref().unwrap().expose(), "s@cret");
        assert_eq!(u.request(), "ws://h:4002/ws");
        assert_eq!(u.shown(), "ws://h:4002/ws", "not even the user name");
        assert!(!format!("{u:?}").contains("s@cret"));
    }

    #[test]
    fn the_authority_ends_at_the_first_slash_question_mark_or_hash() {
        // Percent-encoded delimiters in a password, a raw '@' in it (the last '@' of the
        // authority ends the userinfo, as WHATWG's parser reads it).
        for (url, pass, shown) in [
            (
                "ws://admin:pa%2Fss@127.0.0.1:9/ws",
                "pa/ss",
                "ws://127.0.0.1:9/ws",
            ),
            ("ws://admin:a%3Fb%23c@h:1", "a?b#c", "ws://h:1/ws"),
            (
                "admin:p@ss%2Fw%23rd@h:2/ws?x#f",
                "p@ss/w#rd",
                "ws://h:2/ws?x",
            ),
            ("wss://u:x:y@[::1]:3/", "x:y", "wss://[::1]:3/"),
        ] {
            let u = NodeUrl::parse(url).unwrap();
            assert_eq!(
                u.user.as_deref(),
                Some(if url.contains("u:") { "u" } else { "admin" })
            );
            assert_eq!(u.password.as_ref().unwrap().expose(), pass, "{url}");
            assert_eq!(u.shown(), shown, "{url}");
        }
        assert_eq!(req("ws://h:1/a%40b"), "ws://h:1/a%40b");
    }

    #[test]
    fn an_at_sign_after_the_host_never_changes_it() {
        for url in [
            "ws://127.0.0.1:49870/node@127.0.0.1:49871/ws",
            "ws://admin:pa/ss@127.0.0.1:9/ws",
            "ws://admin:a?b#c@h:1",
            "admin:p@ss/w#rd@h:2/ws?x#f",
            "ws://h:1/ws?user=a@b",
            "ws://h:1/ws#x@y",
            "ws://u:1234/x@other:4002/ws",
        ] {
            let err = NodeUrl::parse(url).unwrap_err();
            assert!(err.contains("an '@' after the host"), "{url}: {err}");
            assert!(
                err.contains("%2F") && err.contains("--password-file"),
                "{err}"
            );
            for secret in ["pa/ss", "admin", "p@ss", "1234", "49871"] {
                assert!(!err.contains(secret), "{url}: {err}");
            }
        }
    }

    #[test]
    fn scheme_typos_are_named_with_the_fix() {
        for (url, fix) in [
            ("wss//user:pw@host", "write it as wss://HOST:PORT"),
            ("ws//127.0.0.1:4002", "write it as ws://HOST:PORT"),
            ("wss:/host:4002", "write it as wss://HOST:PORT"),
            ("https:host", "write it as https://HOST:PORT"),
            ("htps//host", "write it as https://HOST:PORT"),
            ("WSS//h", "write it as wss://HOST:PORT"),
            ("wws://h:1", "did you mean wss://?"),
            ("htp://h:1", "did you mean http://?"),
        ] {
            let err = NodeUrl::parse(url).unwrap_err();
            assert!(err.contains(fix), "{url}: {err}");
            assert!(!err.contains("pw") && !err.contains("user"), "{url}: {err}");
        }
        // Still a host and a port.
        assert_eq!(req("ws:4002"), "ws://ws:4002/ws");
        assert_eq!(req("wss.example:4002"), "ws://wss.example:4002/ws");
    }

    #[test]
    fn errors_never_echo_credentials() {
        for url in [
            "ws://admin:pa/ss@127.0.0.1:x/ws",
            "ws://admin:s3cret@h h:1",
            "ws://admin:s3cret@h:1%",
            "ad:s3/cret://x@h",
            "n:s3%xa://s:40.example:44@",
        ] {
            let err = NodeUrl::parse(url).map(|_| ()).unwrap_err();
            let shown = redact(url);
            for text in [&err, &shown] {
                assert!(
                    !text.contains("pa/ss") && !text.contains("s3"),
                    "{url}: {text}"
                );
                assert!(!text.contains("admin"), "{url}: {text}");
            }
        }
        assert_eq!(redact("ftp://u:pw@h:1/ws"), "ftp://***@h:1/ws");
        assert_eq!(redact("u:p@w@h"), "***@h");
        assert_eq!(redact("ws://h:1/ws"), "ws://h:1/ws");
    }

    #[test]
    fn mistakes_are_named() {
        for (url, needle) in [
            ("ftp://h:1", "bad scheme"),
            ("ws://:4002/ws", "missing host"),
            ("ws://h:99999", "bad port"),
            ("ws://h:x", "bad port"),
            ("h:", "bad port"),
            ("ws://[::1", "unclosed"),
            ("ws://h h:1", "bad character"),
            ("ws://@h", "empty user"),
            ("ws://h:1/\u{0}\u{1}", "the path has"),
            ("ws://h:1/a b", "the path has"),
            ("ws://h:1/\u{1b}[2J", "the path has"),
            ("ws://b\u{fc}cher.example:1", "its ASCII form (xn--"),
            (
                "ws://H\u{1082}\u{1082}\u{1082}\u{1082}\u{1082}:1",
                "not ASCII",
            ),
        ] {
            let err = NodeUrl::parse(url).unwrap_err();
            assert!(err.contains(needle), "{url}: {err}");
        }
    }

    #[test]
    fn bare_words_close_to_a_command() {
        for (word, near) in [
            ("simm", Some("sim")),
            ("sm", Some("sim")),
            ("kind", Some("kinds")),
            ("knids", Some("kinds")),
            ("localhost", None),
            ("node", Some("nodes")),
            ("mynode", None),
            ("127.0.0.1", None),
            ("sim.example", None),
            ("generate-doc", None),
        ] {
            assert_eq!(near_command(word).as_deref(), near, "{word}");
        }
    }

    #[test]
    fn labels_in_front_of_urls() {
        assert_eq!(split_label("shop=ws://h:1"), (Some("shop"), "ws://h:1"));
        assert_eq!(
            split_label("t-2=127.0.0.1:4102"),
            (Some("t-2"), "127.0.0.1:4102")
        );
        assert_eq!(split_label("ws://h:1/ws?a=b"), (None, "ws://h:1/ws?a=b"));
        assert_eq!(split_label("u:p=w@h"), (None, "u:p=w@h"));
        assert_eq!(split_label("=ws://h"), (None, "=ws://h"));
    }

    #[test]
    fn local_hosts() {
        for (url, local) in [
            ("127.0.0.1:4002", true),
            ("ws://localhost:1", true),
            ("ws://[::1]:1", true),
            ("ws://node.example:1", false),
        ] {
            assert_eq!(NodeUrl::parse(url).unwrap().is_local(), local, "{url}");
        }
    }
}
