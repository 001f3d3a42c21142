//! The words given where nodes go (`obtail WORD…`, or `OBTAIL_URL`): URLs, `NAME=URL`, names
//! of the config file (`shop`, `@shop`), and the mistakes a word can be, caught before any
//! name is resolved: an option's name without its dashes (`obtail demo`), a file (`obtail
//! session.ndjson`), a word that starts with `-`.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::Args;
use crate::exit::Failure;
use crate::named::{Entry, NodeFile};
use crate::sanitize::escape;
use crate::suggest;

/// What one word names.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeArg {
    /// A URL, or `NAME=URL`, as given: `live` parses it.
    Url(String),
    /// A node of the config file.
    Named { label: String, entry: Box<Entry> },
}

/// Extensions of files people record frames into; no node's host name ends so, and `.md`
/// is left out: it is a country's domain.
const FILE_ENDINGS: &[&str] = &[".ndjson", ".jsonl", ".json", ".log", ".txt", ".gz"];

/// What each word names. `origin` says where the words came from (`OBTAIL_URL`) for errors
/// about them.
pub fn resolve(
    words: &[String],
    origin: Option<&str>,
    file: Option<&NodeFile>,
) -> Result<Vec<NodeArg>, Failure> {
    words
        .iter()
        .map(|w| {
            resolve_one(w, file).map_err(|e| match (origin, e) {
                (Some(var), Failure::Usage(m)) => Failure::usage(format!("{var}: {m}")),
                (_, e) => e,
            })
        })
        .collect()
}

fn resolve_one(word: &str, file: Option<&NodeFile>) -> Result<NodeArg, Failure> {
    if let Some(name) = word.strip_prefix('@') {
        return named(name, file).ok_or_else(|| unknown_name(name, file));
    }
    if let Some(node) = bare_name(word).and_then(|w| named(w, file)) {
        return Ok(node);
    }
    refuse_mistakes(word, file)?;
    Ok(NodeArg::Url(word.to_string()))
}

/// The word when it could be a node's name: no scheme, no port, no path.
fn bare_name(word: &str) -> Option<&str> {
    (!word.is_empty() && !word.contains([':', '/', '='])).then_some(word)
}

fn named(name: &str, file: Option<&NodeFile>) -> Option<NodeArg> {
    let entry = file?.get(name)?;
    Some(NodeArg::Named {
        label: entry.label.clone().unwrap_or_else(|| name.to_string()),
        entry: Box::new(entry.clone()),
    })
}

fn unknown_name(name: &str, file: Option<&NodeFile>) -> Failure {
    let name = escape(name);
    let Some(file) = file else {
        return Failure::usage(format!(
            "'@{name}' names a node of the config file, and there is none: write one at \
             ~/.config/obtail/config.toml (see `obtail nodes`)"
        ));
    };
    let near = suggest::closest(&name, file.nodes().map(|(n, _)| n));
    let hint = match near.as_slice() {
        [] => String::new(),
        near => format!("did you mean {}? ", suggest::either(near)),
    };
    Failure::usage(format!(
        "no node is named '{name}' in {}: {hint}`obtail nodes` lists them",
        file.shown
    ))
}

/// Words that cannot be a node, refused before any name is looked up.
fn refuse_mistakes(word: &str, file: Option<&NodeFile>) -> Result<(), Failure> {
    let shown = escape(word);
    if word == "-" {
        return Err(Failure::usage(
            "'-' is not a node: to read frames from stdin, use --replay -",
        ));
    }
    if word.starts_with('-') {
        return Err(Failure::usage(format!(
            "'{shown}' is not a node: an option goes before `--`, and a node name never \
             starts with '-'"
        )));
    }
    let Some(bare) = bare_name(word) else {
        return Ok(());
    };
    if let Some(option) = option_named(bare) {
        return Err(Failure::usage(format!(
            "'{shown}' is not a node or a command: did you mean the option --{option}?"
        )));
    }
    if looks_like_file(bare) {
        return Err(Failure::usage(format!(
            "'{shown}' is a file, not a node: to read the frames in it, use --replay {shown}"
        )));
    }
    if let Some(file) = file {
        if let near @ [_, ..] = suggest::closest(bare, file.nodes().map(|(n, _)| n)).as_slice() {
            return Err(Failure::usage(format!(
                "'{shown}' is no node of {}: did you mean {}? (a host of that name needs its \
                 port: {shown}:4002)",
                file.shown,
                suggest::either(near)
            )));
        }
    }
    Ok(())
}

/// The long option a bare word names, as typed without its dashes (`demo`, `replay`).
fn option_named(word: &str) -> Option<String> {
    let word = word.to_ascii_lowercase();
    Args::command()
        .get_arguments()
        .filter_map(|a| a.get_long())
        .find(|long| *long == word)
        .map(str::to_string)
}

/// A word naming a file here, or ending as recordings do.
fn looks_like_file(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    Path::new(word).exists() || FILE_ENDINGS.iter().any(|end| lower.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(word: &str) -> Result<NodeArg, String> {
        resolve(&[word.to_string()], None, None)
            .map(|mut v| v.remove(0))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn urls_and_hosts_pass() {
        for url in [
            "ws://127.0.0.1:4002",
            "shop.example:4002",
            "localhost",
            "main=ws://a:1",
            "node-1",
        ] {
            assert_eq!(one(url), Ok(NodeArg::Url(url.to_string())));
        }
    }

    #[test]
    fn option_names_files_and_dashes_are_named_mistakes() {
        assert_eq!(
            one("demo").unwrap_err(),
            "'demo' is not a node or a command: did you mean the option --demo?"
        );
        assert!(one("Replay").unwrap_err().contains("--replay?"));
        assert!(one("since").unwrap_err().contains("--since?"));
        assert_eq!(
            one("session.ndjson").unwrap_err(),
            "'session.ndjson' is a file, not a node: to read the frames in it, use --replay \
             session.ndjson"
        );
        assert!(
            one("Cargo.toml").unwrap_err().contains("is a file"),
            "it exists here"
        );
        assert!(one("-").unwrap_err().contains("--replay -"));
        assert!(one("-x").unwrap_err().contains("never starts with '-'"));
        assert!(one("@shop").unwrap_err().contains("there is none"));
    }

    #[test]
    fn words_from_the_environment_say_so() {
        let e = resolve(&["demo".to_string()], Some("OBTAIL_URL"), None).unwrap_err();
        assert!(e.to_string().starts_with("OBTAIL_URL: 'demo'"), "{e}");
    }
}
