//! Credentials: where they come from (options, files, environment, the terminal, the node's
//! own cookie file) and the handshake headers they become. Nothing here ever prints them.

use std::fmt;
use std::path::{Path, PathBuf};

use tungstenite::http::header::{HeaderName, HeaderValue, AUTHORIZATION, COOKIE};

use super::url::NodeUrl;
use crate::config::{Env, LiveSettings};
use crate::exit::Failure;
use crate::source::replay::io_reason;

/// The node's cookie name (protocol.md §1.3).
pub const COOKIE_NAME: &str = "OpenBazaar_Auth_Cookie";

/// A password or cookie value: its Debug and Display never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, only for building a header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<hidden>")
    }
}

/// The handshake headers for one node.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// Auth options resolved once for every node; `for_node` adds what depends on the URL.
#[derive(Debug)]
pub struct AuthOptions {
    user: Option<String>,
    /// `-u USER:PASS`.
    inline_password: Option<Secret>,
    /// `--password-file`, else `OBTAIL_PASSWORD`.
    password: Option<Secret>,
    password_from_file: bool,
    /// `--cookie`, `--cookie-file` or `--datadir`.
    cookie: Option<Secret>,
    extra: Vec<(HeaderName, HeaderValue)>,
    /// Where to look for a local node's cookie when no auth option is given.
    default_cookie_files: Vec<PathBuf>,
    can_prompt: bool,
    prompted: Option<(String, Secret)>,
}

impl AuthOptions {
    pub fn resolve(s: &LiveSettings, env: &Env) -> Result<Self, Failure> {
        let (user, inline_password) = match s.user.as_deref() {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((u, p)) => (Some(u.to_string()), Some(Secret::new(p))),
                None => (Some(u.to_string()), None),
            },
        };
        if user.as_deref() == Some("") {
            return Err(Failure::usage("-u/--user: the user name is empty"));
        }
        let password = match &s.password_file {
            Some(path) => Some(read_first_line(path, "--password-file")?),
            None => env.var("OBTAIL_PASSWORD").map(Secret::new),
        };
        let cookie = if let Some(v) = &s.cookie {
            Some(cookie_value(v, "--cookie")?)
        } else if let Some(path) = &s.cookie_file {
            Some(read_cookie_file(path, "--cookie-file")?)
        } else if let Some(dir) = &s.datadir {
            Some(read_cookie_file(&dir.join(".cookie"), "--datadir")?)
        } else {
            None
        };
        let extra = s
            .headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AuthOptions {
            user,
            inline_password,
            password,
            password_from_file: s.password_file.is_some(),
            cookie,
            extra,
            default_cookie_files: default_cookie_files(env),
            can_prompt: env.stdin_terminal,
            prompted: None,
        })
    }

    /// The headers for one node. Asks for a missing password on the terminal once.
    pub fn for_node(&mut self, url: &NodeUrl) -> Result<Auth, Failure> {
        let mut headers = self.extra.clone();
        let user = self.user.clone().or_else(|| url.user.clone());
        match &user {
            Some(user) => {
                let pass = self.password_for(user, url)?;
                headers.push((AUTHORIZATION, basic(user, &pass)?));
            }
            None if self.password_from_file => {
                return Err(Failure::usage(
                    "--password-file needs a user name: add -u USER (or user@ in the URL)",
                ))
            }
            None => {}
        }
        let explicit = user.is_some()
            || self
                .extra
                .iter()
                .any(|(n, _)| n == AUTHORIZATION || n == COOKIE);
        let cookie = match &self.cookie {
            Some(c) => Some(c.clone()),
            None if !explicit && url.is_local() => self.default_cookie(),
            None => None,
        };
        if let Some(c) = cookie {
            let mut v =
                HeaderValue::from_str(&format!("{COOKIE_NAME}={}", c.expose())).map_err(|_| {
                    Failure::usage("the auth cookie has characters a header cannot carry")
                })?;
            v.set_sensitive(true);
            headers.push((COOKIE, v));
        }
        Ok(Auth { headers })
    }

    fn password_for(&mut self, user: &str, url: &NodeUrl) -> Result<Secret, Failure> {
        let from_url = url
            .password
            .clone()
            .filter(|_| url.user.as_deref() == Some(user));
        if let Some(p) = self
            .inline_password
            .clone()
            .or(from_url)
            .or(self.password.clone())
        {
            return Ok(p);
        }
        if let Some((u, p)) = &self.prompted {
            if u == user {
                return Ok(p.clone());
            }
        }
        if !self.can_prompt {
            return Err(Failure::usage(format!(
                "no password for user '{user}': use -u USER:PASSWORD, --password-file FILE or \
                 the OBTAIL_PASSWORD variable"
            )));
        }
        let prompt = format!("Password for {user}@{}: ", url.request());
        let p = rpassword::prompt_password(prompt)
            .map(Secret::new)
            .map_err(|e| {
                Failure::runtime(format!("cannot read the password: {}", io_reason(&e)))
            })?;
        self.prompted = Some((user.to_string(), p.clone()));
        Ok(p)
    }

    /// The first cookie file found in the node's default data directories.
    fn default_cookie(&self) -> Option<Secret> {
        self.default_cookie_files
            .iter()
            .find_map(|p| read_cookie_file(p, "").ok())
    }
}

/// `Authorization: Basic base64(user:pass)`, marked sensitive.
fn basic(user: &str, pass: &Secret) -> Result<HeaderValue, Failure> {
    use base64::Engine;
    let token =
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", pass.expose()));
    let mut v = HeaderValue::from_str(&format!("Basic {token}"))
        .map_err(|_| Failure::usage("the user name cannot be sent in a header"))?;
    v.set_sensitive(true);
    Ok(v)
}

/// `-H 'Name: value'`.
pub fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), Failure> {
    let bad = |why: &str| Failure::usage(format!("-H/--header: {why}: use -H 'Name: value'"));
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| bad("no ':' after the name"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| bad("the name is not a valid header name"))?;
    let mut value = HeaderValue::from_str(value.trim())
        .map_err(|_| bad("the value has characters a header cannot carry"))?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// A cookie given as a value, with or without the `OpenBazaar_Auth_Cookie=` prefix.
fn cookie_value(text: &str, origin: &str) -> Result<Secret, Failure> {
    let t = text.trim();
    let v = t
        .strip_prefix(COOKIE_NAME)
        .and_then(|r| r.strip_prefix('='))
        .unwrap_or(t);
    if v.is_empty() {
        return Err(Failure::usage(format!("{origin}: the cookie is empty")));
    }
    Ok(Secret::new(v))
}

fn read_cookie_file(path: &Path, origin: &str) -> Result<Secret, Failure> {
    let line = read_first_line(path, origin)?;
    cookie_value(line.expose(), origin)
}

/// The first line of a file, without its line ending.
fn read_first_line(path: &Path, origin: &str) -> Result<Secret, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "{origin}: cannot read {}: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    let line = text.lines().next().unwrap_or("");
    Ok(Secret::new(line.strip_suffix('\r').unwrap_or(line)))
}

/// `<datadir>/.cookie` for the node's default data directories, mainnet first.
fn default_cookie_files(env: &Env) -> Vec<PathBuf> {
    let Some(home) = env.var("HOME").filter(|h| !h.is_empty()) else {
        return Vec::new();
    };
    let base = if cfg!(target_os = "macos") {
        Path::new(home).join("Library/Application Support/openbazaar")
    } else if cfg!(target_os = "linux") {
        Path::new(home).join(".openbazaar")
    } else {
        Path::new(home).join("openbazaar")
    };
    let testnet = format!("{}-testnet", base.display());
    vec![base.join(".cookie"), Path::new(&testnet).join(".cookie")]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn settings() -> LiveSettings {
        LiveSettings {
            connect_timeout: Duration::from_secs(1),
            ping_interval: Duration::from_secs(1),
            ping_timeout: Duration::from_secs(1),
            reconnect: true,
            max_backoff: Duration::from_secs(5),
            recover: true,
            buffer: 1 << 20,
            since: None,
            cacert: None,
            insecure: false,
            user: None,
            password_file: None,
            cookie: None,
            cookie_file: None,
            datadir: None,
            headers: vec![],
        }
    }

    fn env(home: &Path) -> Env {
        Env {
            vars: vec![("HOME".into(), home.display().to_string())],
            ..Env::default()
        }
    }

    fn header(auth: &Auth, name: HeaderName) -> Option<String> {
        auth.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_str().unwrap().to_string())
    }

    fn url(u: &str) -> NodeUrl {
        NodeUrl::parse(u).unwrap()
    }

    #[test]
    fn basic_from_user_option_and_url() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings();
        s.user = Some("alice:pw".into());
        let mut o = AuthOptions::resolve(&s, &env(dir.path())).unwrap();
        let a = o.for_node(&url("ws://node:1")).unwrap();
        assert_eq!(header(&a, AUTHORIZATION).unwrap(), "Basic YWxpY2U6cHc=");
        let mut o = AuthOptions::resolve(&settings(), &env(dir.path())).unwrap();
        let a = o.for_node(&url("ws://alice:pw@node:1")).unwrap();
        assert_eq!(header(&a, AUTHORIZATION).unwrap(), "Basic YWxpY2U6cHc=");
        assert!(!format!("{o:?}{a:?}").contains("pw"));
    }

    #[test]
    fn password_file_and_missing_password() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "pw\nignored\n").unwrap();
        let mut s = settings();
        s.user = Some("alice".into());
        let mut o = AuthOptions::resolve(&s, &env(dir.path())).unwrap();
        let err = o.for_node(&url("ws://node:1")).unwrap_err();
        assert!(err.to_string().contains("--password-file"), "{err}");
        s.password_file = Some(file);
        let mut o = AuthOptions::resolve(&s, &env(dir.path())).unwrap();
        let a = o.for_node(&url("ws://node:1")).unwrap();
        assert_eq!(header(&a, AUTHORIZATION).unwrap(), "Basic YWxpY2U6cHc=");
    }

    #[test]
    fn cookie_file_as_the_node_writes_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".cookie");
        for text in ["OpenBazaar_Auth_Cookie=abc", "abc\n"] {
            std::fs::write(&file, text).unwrap();
            let mut s = settings();
            s.cookie_file = Some(file.clone());
            let mut o = AuthOptions::resolve(&s, &env(dir.path())).unwrap();
            let a = o.for_node(&url("ws://node:1")).unwrap();
            assert_eq!(header(&a, COOKIE).unwrap(), "OpenBazaar_Auth_Cookie=abc");
        }
    }

    #[test]
    fn local_nodes_use_the_default_cookie_unless_auth_is_given() {
        let home = tempfile::tempdir().unwrap();
        let file = &default_cookie_files(&env(home.path()))[1];
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, "OpenBazaar_Auth_Cookie=testnet").unwrap();
        let mut o = AuthOptions::resolve(&settings(), &env(home.path())).unwrap();
        let local = o.for_node(&url("127.0.0.1:4002")).unwrap();
        assert_eq!(
            header(&local, COOKIE).unwrap(),
            "OpenBazaar_Auth_Cookie=testnet"
        );
        assert!(o.for_node(&url("ws://far:1")).unwrap().headers.is_empty());
        let mut s = settings();
        s.headers = vec!["Authorization: Bearer x".into()];
        let mut o = AuthOptions::resolve(&s, &env(home.path())).unwrap();
        assert!(header(&o.for_node(&url("localhost")).unwrap(), COOKIE).is_none());
    }

    #[test]
    fn bad_headers_are_usage_errors() {
        for h in ["NoColon", "Bad Name: v", "X: a\u{1}b"] {
            let mut s = settings();
            s.headers = vec![h.into()];
            let err = AuthOptions::resolve(&s, &Env::default()).unwrap_err();
            assert_eq!(err.code(), 2, "{h}");
        }
    }

    #[test]
    fn secrets_do_not_show() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "<hidden> Secret(<hidden>)");
    }
}
