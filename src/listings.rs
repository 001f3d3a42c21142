//! What `obtail kinds` and `obtail nodes` print: the kind catalog (fitted to a terminal, or as
//! JSON for scripts) and the named nodes of the config file (never a credential).

use crate::env::Env;
use crate::exit::Failure;
use crate::json::text::write_str;
use crate::named::{self, Entry, NodeFile};
use crate::render::fit;
use crate::sanitize::escape;

/// The fewest columns a description is wrapped to beside the names; on a narrower terminal
/// it goes under its name.
const MIN_DESCRIPTION: usize = 30;

/// `obtail kinds`: one kind a line in a pipe; on a terminal, descriptions wrapped to its
/// width; with `json`, one JSON array of `{"kind", "description"}`.
pub fn kinds(json: bool, env: &Env) -> Vec<u8> {
    let catalog = crate::kind::CATALOG;
    if json {
        let mut out = b"[".to_vec();
        for (i, (name, what)) in catalog.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n  " } else { b",\n  " });
            out.extend_from_slice(b"{\"kind\":");
            write_str(&mut out, name);
            out.extend_from_slice(b",\"description\":");
            write_str(&mut out, what);
            out.push(b'}');
        }
        out.extend_from_slice(b"\n]\n");
        return out;
    }
    let names = catalog.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let width = env.stdout_terminal.then_some(env.stdout_columns).flatten();
    let mut text = String::new();
    for (name, what) in catalog {
        match width {
            Some(w) if w >= names + 2 + MIN_DESCRIPTION => {
                let lines = wrap(what, w - names - 2);
                let pad = " ".repeat(names + 2);
                text.push_str(&format!(
                    "{name:<names$}  {}\n",
                    lines.join(&format!("\n{pad}"))
                ));
            }
            Some(w) => {
                text.push_str(&format!("{name}\n"));
                for line in wrap(what, w.saturating_sub(4).max(10)) {
                    text.push_str(&format!("    {line}\n"));
                }
            }
            None => text.push_str(&format!("{name:<names$}  {what}\n")),
        }
    }
    text.into_bytes()
}

/// Words wrapped to lines of at most `width` columns (a longer word has a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && fit::width(line) + 1 + fit::width(word) > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// `obtail nodes`: each named node with its label, URL, and where its credentials come from,
/// never what they are (no user name either); or how to write the file when there is none.
pub fn nodes(env: &Env, names_only: bool) -> Result<Vec<u8>, Failure> {
    if names_only {
        let file = NodeFile::load(env)?;
        let lines = file
            .iter()
            .flat_map(|f| f.nodes())
            .map(|(name, entry)| format!("{name}\t{}\n", shown_url(&entry.url)));
        return Ok(lines.collect::<String>().into_bytes());
    }
    let Some(file) = NodeFile::load(env)? else {
        let path = named::file_path(env).map_or("config.toml".into(), |p| {
            let home = env.var("HOME").map(std::path::PathBuf::from);
            named::tilde(&p, home.as_deref())
        });
        return Ok(format!(
            "No named nodes: {path} does not exist. Name a node there to tail it by its \
             name (obtail shop):\n\n[nodes.shop]\nurl = \"wss://shop.example:4002\"\n\
             user = \"admin\"\npassword_file = \"~/.ob-pass\"   # or password_env = \"SHOP_PASSWORD\"\n\
             cacert = \"~/shop.crt\"\n"
        )
        .into_bytes());
    };
    let rows: Vec<[String; 4]> = file
        .nodes()
        .map(|(name, entry)| {
            [
                name.to_string(),
                escape(entry.label.as_deref().unwrap_or(name)),
                shown_url(&entry.url),
                credentials(entry),
            ]
        })
        .collect();
    if rows.is_empty() {
        return Ok(format!("{} names no node ([nodes.NAME] sections)\n", file.shown).into_bytes());
    }
    let header = ["NAME", "LABEL", "URL", "AUTH"].map(String::from);
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .chain([&header])
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in [&header].into_iter().chain(&rows) {
        for (cell, w) in row.iter().zip(&widths) {
            out.push_str(&format!("{cell:<w$}  "));
        }
        out.push_str(&row[3]);
        out.push('\n');
    }
    Ok(out.into_bytes())
}

/// The URL as obtail shows nodes (`ws://host:port/path`), without any credentials.
fn shown_url(url: &str) -> String {
    match crate::endpoint::url::NodeUrl::parse(url) {
        Ok(u) => escape(&u.shown()),
        Err(why) => format!("(bad URL: {})", escape(&why)),
    }
}

/// Where the credentials come from, in words: never the user name, password or cookie.
fn credentials(entry: &Entry) -> String {
    let mut parts = Vec::new();
    match (&entry.password_file, &entry.password_env) {
        (Some(_), _) => parts.push("basic, password from a file".to_string()),
        (None, Some(var)) => parts.push(format!("basic, password in ${}", escape(var))),
        (None, None) if entry.user.is_some() => parts.push("basic, password asked".to_string()),
        (None, None) => {}
    }
    if entry.cookie_file.is_some() || entry.datadir.is_some() {
        parts.push("cookie from a file".to_string());
    }
    if parts.is_empty() {
        parts.push("none (a local node's own cookie if found)".to_string());
    }
    if entry.cacert.is_some() {
        parts.push("--cacert".to_string());
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_fit_a_terminal_and_json_is_json() {
        let env = |w| Env {
            stdout_terminal: true,
            stdout_columns: Some(w),
            ..Env::default()
        };
        for w in [40, 60, 80, 120] {
            let text = String::from_utf8(kinds(false, &env(w))).unwrap();
            for line in text.lines() {
                assert!(fit::width(line) <= w, "{w}: {line}");
            }
            assert!(text.contains("notification.vendorFinalizedPayment"));
        }
        let pipe = String::from_utf8(kinds(false, &Env::default())).unwrap();
        assert_eq!(
            pipe.lines().count(),
            crate::kind::CATALOG.len(),
            "one a line in a pipe"
        );
        let json: serde_json::Value =
            serde_json::from_slice(&kinds(true, &Env::default())).unwrap();
        assert_eq!(json.as_array().unwrap().len(), crate::kind::CATALOG.len());
        assert_eq!(json[0]["kind"], "walletUpdate");
    }

    #[test]
    fn credentials_are_described_never_shown() {
        let entry = Entry {
            url: "wss://shop.example:4002".into(),
            user: Some("admin".into()),
            password_env: Some("SHOP_PASS".into()),
            cacert: Some("c.pem".into()),
            ..Entry::default()
        };
        let said = credentials(&entry);
        assert_eq!(said, "basic, password in $SHOP_PASS; --cacert");
        assert!(!said.contains("admin"));
        assert_eq!(shown_url("shop.example:4002"), "ws://shop.example:4002/ws");
    }
}
