//! Credentials: where they come from (options, files, environment, the terminal, the node's
//! own cookie file) and the handshake headers they become. Nothing here ever prints them.
//!
//! The node's own cookie file is a guess, made only for a node on this machine and only when
//! the user gave no credentials at all: both default data directories (mainnet and testnet)
//! are candidates, the one the URL's port suggests first, each tried in turn when the node
//! refuses the other. Files are read at each attempt: a starting node writes its cookie late.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tungstenite::http::header::{HeaderName, HeaderValue, AUTHORIZATION, COOKIE};

use crate::config::{Env, LiveSettings};
pub use crate::endpoint::secret::Secret;
use crate::endpoint::url::NodeUrl;
use crate::exit::io_reason;
use crate::exit::Failure;

/// The node's cookie name (protocol.md §1.3).
pub const COOKIE_NAME: &str = "OpenBazaar_Auth_Cookie";

/// The handshake headers for one node.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// What the user gave, for the advice when the node refuses it.
    pub given: Given,
    /// The node's default cookie files to try, in order (only when nothing was given).
    pub cookie_files: Vec<PathBuf>,
    /// The candidate the node accepted last: tried first on the next attempt.
    accepted: Arc<AtomicUsize>,
    home: Option<PathBuf>,
    /// The node's default data directories, the likelier first, for advice.
    datadirs: Vec<PathBuf>,
}

/// The credentials the user gave for a node.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Given {
    pub basic: bool,
    pub cookie: bool,
    /// `-H Authorization:` or `-H Cookie:`.
    pub header: bool,
}

impl Given {
    pub fn any(&self) -> bool {
        self.basic || self.cookie || self.header
    }
}

/// One set of headers to try, and the default cookie file it carries, if any.
#[derive(Debug)]
pub struct Attempt {
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub cookie_file: Option<PathBuf>,
    index: usize,
}

impl Auth {
    /// The header sets to try in turn: one, or one per default cookie file found (the last
    /// accepted first). None found: the headers without a cookie, so that a node without auth
    /// still works.
    pub fn attempts(&self) -> Vec<Attempt> {
        let mut found: Vec<Attempt> = self
            .cookie_files
            .iter()
            .enumerate()
            .filter_map(|(index, path)| {
                let secret = read_cookie_file(path, "").ok()?;
                let mut headers = self.headers.clone();
                headers.push((COOKIE, cookie_header(&secret).ok()?));
                Some(Attempt {
                    headers,
                    cookie_file: Some(path.clone()),
                    index,
                })
            })
            .collect();
        let accepted = self.accepted.load(Ordering::Relaxed);
        if let Some(pos) = found.iter().position(|a| a.index == accepted) {
            found[..=pos].rotate_right(1);
        }
        if found.is_empty() {
            found.push(Attempt {
                headers: self.headers.clone(),
                cookie_file: None,
                index: usize::MAX,
            });
        }
        found
    }

    /// The node took this attempt's credentials.
    pub fn accepted(&self, attempt: &Attempt) {
        self.accepted.store(attempt.index, Ordering::Relaxed);
    }

    pub fn datadirs(&self) -> &[PathBuf] {
        &self.datadirs
    }

    /// A path for messages, `~/` for the home directory.
    pub fn show_path(&self, path: &Path) -> String {
        match self.home.as_deref().and_then(|h| path.strip_prefix(h).ok()) {
            Some(rest) => format!("~/{}", rest.display()),
            None => path.display().to_string(),
        }
    }
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
    /// The default data directories (mainnet, testnet), where a local node keeps its cookie.
    datadirs: Vec<PathBuf>,
    home: Option<PathBuf>,
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
            datadirs: default_datadirs(env),
            home: env.var("HOME").filter(|h| !h.is_empty()).map(PathBuf::from),
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
        let given = Given {
            basic: user.is_some(),
            cookie: self.cookie.is_some(),
            header: self
                .extra
                .iter()
                .any(|(n, _)| n == AUTHORIZATION || n == COOKIE),
        };
        if let Some(c) = &self.cookie {
            headers.push((COOKIE, cookie_header(c)?));
        }
        let cookie_files = if !given.any() && url.is_local() {
            self.cookie_files_for(url)
        } else {
            Vec::new()
        };
        Ok(Auth {
            headers,
            given,
            cookie_files,
            accepted: Arc::default(),
            home: self.home.clone(),
            datadirs: self.datadirs_for(url),
        })
    }

    /// The default data directories, the one the port suggests first: 4002 is the mainnet
    /// default; a node on another port is most often the second, testnet, instance.
    fn datadirs_for(&self, url: &NodeUrl) -> Vec<PathBuf> {
        let mut dirs = self.datadirs.clone();
        if url.port != 4002 {
            dirs.reverse();
        }
        dirs
    }

    fn cookie_files_for(&self, url: &NodeUrl) -> Vec<PathBuf> {
        self.datadirs_for(url)
            .iter()
            .map(|d| d.join(".cookie"))
            .collect()
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
                "{}: a user name but no password was given: use -u USER:PASSWORD, \
                 --password-file FILE or the OBTAIL_PASSWORD variable",
                url.shown()
            )));
        }
        // The user typed the name; the prompt still shows only the node.
        let prompt = format!("Password for {}: ", url.request());
        let p = rpassword::prompt_password(prompt)
            .map(Secret::new)
            .map_err(|e| {
                Failure::runtime(format!("cannot read the password: {}", io_reason(&e)))
            })?;
        self.prompted = Some((user.to_string(), p.clone()));
        Ok(p)
    }
}

/// `Cookie: OpenBazaar_Auth_Cookie=…`, marked sensitive.
fn cookie_header(c: &Secret) -> Result<HeaderValue, Failure> {
    let mut v = HeaderValue::from_str(&format!("{COOKIE_NAME}={}", c.expose()))
        .map_err(|_| Failure::usage("the auth cookie has characters a header cannot carry"))?;
    v.set_sensitive(true);
    Ok(v)
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

/// The node's default data directories, mainnet first (protocol.md §1.3, §9.2).
fn default_datadirs(env: &Env) -> Vec<PathBuf> {
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
    let mut testnet = base.clone().into_os_string();
    testnet.push("-testnet");
    vec![base, PathBuf::from(testnet)]
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
            announce: false,
            ..LiveSettings::default()
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
        s.user = Some("alice:Zq9-s3cret".into());
        let mut o = AuthOptions::resolve(&s, &env(dir.path())).unwrap();
        let a = o.for_node(&url("ws://node:1")).unwrap();
        assert_eq!(
            header(&a, AUTHORIZATION).unwrap(),
            "Basic YWxpY2U6WnE5LXMzY3JldA=="
        );
        let mut o = AuthOptions::resolve(&settings(), &env(dir.path())).unwrap();
        let a = o.for_node(&url("ws://alice:Zq9-s3cret@node:1")).unwrap();
        assert_eq!(
            header(&a, AUTHORIZATION).unwrap(),
            "Basic YWxpY2U6WnE5LXMzY3JldA=="
        );
        // A password the temp dir's random name cannot hold by chance.
        assert!(!format!("{o:?}{a:?}").contains("Zq9-s3cret"));
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
        assert!(
            !err.to_string().contains("alice"),
            "not the user name: {err}"
        );
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

    fn write_cookie(home: &Path, dir: &str, value: &str) {
        let dir = home.join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(".cookie"),
            format!("OpenBazaar_Auth_Cookie={value}"),
        )
        .unwrap();
    }

    fn cookies(auth: &Auth) -> Vec<String> {
        auth.attempts()
            .iter()
            .filter_map(|a| a.headers.iter().find(|(n, _)| *n == COOKIE))
            .map(|(_, v)| {
                v.to_str()
                    .unwrap()
                    .trim_start_matches("OpenBazaar_Auth_Cookie=")
                    .to_string()
            })
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn default_cookies_are_tried_in_the_order_the_port_suggests() {
        let home = tempfile::tempdir().unwrap();
        write_cookie(home.path(), ".openbazaar", "main");
        write_cookie(home.path(), ".openbazaar-testnet", "test");
        let mut o = AuthOptions::resolve(&settings(), &env(home.path())).unwrap();
        assert_eq!(
            cookies(&o.for_node(&url("127.0.0.1:4002")).unwrap()),
            ["main", "test"]
        );
        let testnet = o.for_node(&url("ws://localhost:4102")).unwrap();
        assert_eq!(cookies(&testnet), ["test", "main"]);
        // The one the node took last goes first next time.
        let attempts = testnet.attempts();
        testnet.accepted(&attempts[1]);
        assert_eq!(cookies(&testnet), ["main", "test"]);
        assert_eq!(
            testnet.show_path(&testnet.datadirs()[0]),
            "~/.openbazaar-testnet"
        );
    }

    #[test]
    fn default_cookies_go_only_to_local_nodes_and_never_replace_given_credentials() {
        let home = tempfile::tempdir().unwrap();
        write_cookie(home.path(), ".openbazaar", "main");
        write_cookie(home.path(), ".openbazaar-testnet", "test");
        let mut o = AuthOptions::resolve(&settings(), &env(home.path())).unwrap();
        let far = o.for_node(&url("ws://far:4002")).unwrap();
        assert!(cookies(&far).is_empty());
        assert_eq!(far.attempts().len(), 1);
        let mut s = settings();
        s.headers = vec!["Authorization: Bearer x".into()];
        let mut o = AuthOptions::resolve(&s, &env(home.path())).unwrap();
        assert!(cookies(&o.for_node(&url("localhost")).unwrap()).is_empty());
        let mut s = settings();
        s.user = Some("u:p".into());
        let mut o = AuthOptions::resolve(&s, &env(home.path())).unwrap();
        assert!(cookies(&o.for_node(&url("localhost")).unwrap()).is_empty());
        let mut s = settings();
        s.cookie = Some("mine".into());
        let mut o = AuthOptions::resolve(&s, &env(home.path())).unwrap();
        assert_eq!(cookies(&o.for_node(&url("localhost")).unwrap()), ["mine"]);
    }

    #[test]
    fn no_cookie_file_means_one_attempt_without_a_cookie() {
        let home = tempfile::tempdir().unwrap();
        let mut o = AuthOptions::resolve(&settings(), &env(home.path())).unwrap();
        let auth = o.for_node(&url("localhost")).unwrap();
        assert_eq!(auth.attempts().len(), 1);
        assert!(cookies(&auth).is_empty());
        assert_eq!(auth.cookie_files.len(), 2, "both are looked for");
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
