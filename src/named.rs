//! Named nodes: the optional config file (`~/.config/obtail/config.toml` on Linux) that names
//! nodes with their URL, where their credentials come from and the certificate to trust, so
//! that `obtail shop` replaces `obtail -u admin --password-file … --cacert … wss://…`.
//!
//! The file never holds a secret: a password or cookie in clear is refused, and a password
//! file it names must not be readable by every user of the machine (the node's own cookie
//! file is taken as the node writes it). Nothing read from the file is ever shown but names, labels and URLs without
//! credentials; a syntax error is located by line, never quoted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::env::Env;
use crate::exit::Failure;

/// One node of the file, as written there.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// `ws://`, `wss://`, `http(s)://` or `HOST:PORT`, without credentials.
    pub url: String,
    /// Shown instead of the URL (the node's name when not set).
    pub label: Option<String>,
    /// Basic auth user; the password comes from `password_file` or `password_env`.
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    /// The name of an environment variable holding the password.
    pub password_env: Option<String>,
    /// The node's `.cookie` file, or its data directory (which holds one).
    pub cookie_file: Option<PathBuf>,
    pub datadir: Option<PathBuf>,
    /// The node's CA or self-signed certificate, for `wss://`.
    pub cacert: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layout {
    #[serde(default)]
    nodes: BTreeMap<String, Entry>,
}

/// Keys that would hold a secret in clear, refused with the way to give it instead.
const CLEAR_SECRETS: &[(&str, &str)] = &[
    (
        "password",
        "password_file = \"FILE\" or password_env = \"VARIABLE\"",
    ),
    (
        "pass",
        "password_file = \"FILE\" or password_env = \"VARIABLE\"",
    ),
    ("cookie", "cookie_file = \"FILE\" or datadir = \"DIR\""),
];

/// The config file as read, with its nodes.
#[derive(Debug)]
pub struct NodeFile {
    /// Where it is, as messages show it (`~/.config/obtail/config.toml`).
    pub shown: String,
    dir: PathBuf,
    home: Option<PathBuf>,
    nodes: BTreeMap<String, Entry>,
}

/// Where the config file is: the platform's config directory.
pub fn file_path(env: &Env) -> Option<PathBuf> {
    let home = env.var("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    let base = if cfg!(target_os = "macos") {
        home.map(|h| h.join("Library/Application Support"))
    } else if cfg!(windows) {
        env.var("APPDATA")
            .filter(|a| !a.is_empty())
            .map(PathBuf::from)
    } else {
        env.var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|d| d.is_absolute())
            .or_else(|| home.map(|h| h.join(".config")))
    };
    base.map(|b| b.join("obtail").join("config.toml"))
}

impl NodeFile {
    /// Reads the file; `None` when there is none (it is optional).
    pub fn load(env: &Env) -> Result<Option<NodeFile>, Failure> {
        let Some(path) = file_path(env) else {
            return Ok(None);
        };
        let home = env.var("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
        let shown = tilde(&path, home.as_deref());
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Failure::usage(format!(
                    "cannot read {shown}: {}",
                    crate::exit::io_reason(&e)
                )))
            }
        };
        let nodes = parse(&text).map_err(|why| Failure::usage(format!("{shown}: {why}")))?;
        Ok(Some(NodeFile {
            shown,
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            home,
            nodes,
        }))
    }

    /// The node of that name.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.nodes.get(name)
    }

    /// Every node, by name.
    pub fn nodes(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.nodes.iter().map(|(n, e)| (n.as_str(), e))
    }

    /// A path of the file as obtail opens it: `~/` is the home directory, and a relative
    /// path is relative to the file's own directory.
    pub fn path(&self, p: &Path) -> PathBuf {
        match (p.strip_prefix("~"), &self.home) {
            (Ok(rest), Some(home)) => home.join(rest),
            _ => self.dir.join(p),
        }
    }

    /// A path as messages show it.
    pub fn show(&self, p: &Path) -> String {
        tilde(p, self.home.as_deref())
    }
}

/// The nodes of the file's text, checked: names are labels, no secret is in clear.
fn parse(text: &str) -> Result<BTreeMap<String, Entry>, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| located(text, &e))?;
    if let Some(toml::Value::Table(nodes)) = table.get("nodes") {
        for (name, node) in nodes {
            check_node(name, node)?;
        }
    }
    let layout: Layout = table
        .try_into()
        .map_err(|e: toml::de::Error| e.message().trim().to_string())?;
    for (name, entry) in &layout.nodes {
        entry
            .check()
            .map_err(|why| format!("[nodes.{name}]: {why}"))?;
    }
    Ok(layout.nodes)
}

impl Entry {
    /// Credentials that need each other, or exclude each other.
    fn check(&self) -> Result<(), &'static str> {
        let password = self.password_file.is_some() || self.password_env.is_some();
        if self.password_file.is_some() && self.password_env.is_some() {
            return Err("give the password one way: password_file or password_env");
        }
        if password && self.user.is_none() {
            return Err("a password needs its user: add user = \"NAME\"");
        }
        if self.user.as_deref() == Some("") {
            return Err("user is empty");
        }
        if self.user.as_deref().is_some_and(|u| u.contains(':')) {
            return Err(
                "user holds a ':', which would put a password in clear: give the user \
                        alone, and the password as password_file or password_env",
            );
        }
        if self.cookie_file.is_some() && self.datadir.is_some() {
            return Err("give the cookie one way: cookie_file or datadir");
        }
        if let Some(label) = &self.label {
            if !is_name(label) {
                return Err("a label is letters, digits, '_', '-' or '.', 32 at most");
            }
        }
        Ok(())
    }
}

/// A node's name or label: letters, digits, `_`, `-` or `.`, 32 at most (it stands in every
/// line's label column, and in `obtail NAME`).
fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

fn check_node(name: &str, node: &toml::Value) -> Result<(), String> {
    if !is_name(name) {
        return Err(format!(
            "[nodes.{}]: a node's name is letters, digits, '_', '-' or '.', 32 at most",
            crate::sanitize::escape(name)
        ));
    }
    let Some(keys) = node.as_table() else {
        return Err(format!("nodes.{name} is not a table: write [nodes.{name}]"));
    };
    for (key, instead) in CLEAR_SECRETS {
        if keys.contains_key(*key) {
            return Err(format!(
                "[nodes.{name}]: '{key}' would keep a secret in clear, which obtail refuses: \
                 use {instead}"
            ));
        }
    }
    if let Some(toml::Value::String(url)) = keys.get("url") {
        if url_has_credentials(url) {
            return Err(format!(
                "[nodes.{name}]: the url holds credentials (user@ or user:password@): use \
                 user = \"NAME\" and password_file or password_env"
            ));
        }
    }
    Ok(())
}

/// Whether the URL's authority has a `user@` or `user:password@` part.
fn url_has_credentials(url: &str) -> bool {
    // A password may hold '/', '?' or '#': any '@' is taken for the end of credentials, as
    // `live` reads URLs (a path would write it %40).
    url.contains('@')
}

/// A TOML error by line and column, without the line itself: it may hold a secret.
fn located(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim();
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {what}")
        }
        None => what.to_string(),
    }
}

/// `~/…` for a path in the home directory.
pub fn tilde(p: &Path, home: Option<&Path>) -> String {
    match home.and_then(|h| p.strip_prefix(h).ok()) {
        Some(rest) => format!("~/{}", rest.display()),
        None => p.display().to_string(),
    }
}

/// Whether every user of the machine can read the file: it is readable by others, and so
/// is the way to it (a node's `.cookie` is 0644 in a 0700 data directory, which is safe).
#[cfg(unix)]
pub fn readable_by_all(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode()).ok();
    if mode(path).is_none_or(|m| m & 0o004 == 0) {
        return false;
    }
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    absolute
        .ancestors()
        .skip(1)
        .all(|dir| mode(dir).is_none_or(|m| m & 0o001 != 0))
}

#[cfg(not(unix))]
pub fn readable_by_all(_: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_are_read_with_every_field() {
        let nodes = parse(
            "[nodes.shop]\nurl = \"wss://shop.example:4002\"\nuser = \"admin\"\n\
             password_file = \"~/.ob-pass\"\ncacert = \"shop.crt\"\nlabel = \"s\"\n\
             [nodes.home]\nurl = \"127.0.0.1:4002\"\ncookie_file = \"/x/.cookie\"\n",
        )
        .unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes["shop"].user.as_deref(), Some("admin"));
        assert_eq!(nodes["shop"].label.as_deref(), Some("s"));
        assert_eq!(nodes["home"].url, "127.0.0.1:4002");
        assert!(parse("").unwrap().is_empty(), "an empty file names no node");
    }

    #[test]
    fn secrets_in_clear_are_refused_without_being_shown() {
        for text in [
            "[nodes.a]\nurl = \"x:1\"\npassword = \"hunter2\"\n",
            "[nodes.a]\nurl = \"x:1\"\ncookie = \"hunter2\"\n",
            "[nodes.a]\nurl = \"ws://admin:hunter2@x:1\"\n",
            "[nodes.a]\nurl = \"ws://admin:hun/ter2@x:1\"\n",
            "[nodes.a]\nurl = \"x:1\"\nuser = \"admin:hunter2\"\n",
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains("[nodes.a]"), "{e}");
            assert!(!e.contains("hunter2") && !e.contains("admin"), "{e}");
        }
    }

    #[test]
    fn mistakes_are_located_but_never_quoted() {
        let e = parse("[nodes.a]\nurl = \"x:1\"\nuser = admin hunter2\n").unwrap_err();
        assert!(e.starts_with("line 3, column"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = parse("[nodes.a]\nurl = \"x:1\"\nusr = \"a\"\n").unwrap_err();
        assert!(e.contains("unknown field `usr`"), "{e}");
        let e = parse("[nodes.a]\nuser = \"a\"\n").unwrap_err();
        assert!(e.contains("missing field `url`"), "{e}");
        let e = parse("[nodes.\"a b\"]\nurl = \"x:1\"\n").unwrap_err();
        assert!(e.contains("a node's name"), "{e}");
        let e = parse("[nodes.a]\nurl = \"x:1\"\npassword_file = \"p\"\n").unwrap_err();
        assert_eq!(
            e,
            "[nodes.a]: a password needs its user: add user = \"NAME\""
        );
        let e = parse("[nodes.a]\nurl = \"x:1\"\nlabel = \"a b\"\n").unwrap_err();
        assert!(e.contains("a label is"), "{e}");
    }

    #[test]
    fn the_file_is_in_the_platform_config_directory() {
        let env = |vars: &[(&str, &str)]| Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Env::default()
        };
        if cfg!(target_os = "linux") {
            assert_eq!(
                file_path(&env(&[("HOME", "/home/u")])),
                Some(PathBuf::from("/home/u/.config/obtail/config.toml"))
            );
            assert_eq!(
                file_path(&env(&[("HOME", "/home/u"), ("XDG_CONFIG_HOME", "/c")])),
                Some(PathBuf::from("/c/obtail/config.toml"))
            );
            assert_eq!(file_path(&env(&[])), None);
        }
    }

    #[cfg(unix)]
    #[test]
    fn files_every_user_can_read_are_found() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(&open, "x").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(readable_by_all(&open));
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(!readable_by_all(&open));
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(
            !readable_by_all(&open),
            "a private directory keeps it private"
        );
    }
}
