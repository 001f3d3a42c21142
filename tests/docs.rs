//! The shipped documentation cannot rot: completions and the man page are regenerated and
//! compared, the help text is a reviewed snapshot, and the man page renders without warnings.

mod support;

use std::path::Path;
use std::process::Command;

use support::{bin, stdout};

const REFRESH: &str = "cargo run -- generate-docs --out .";
const BLESS: &str = "OBTAIL_BLESS=1 cargo test --test docs";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn completions_and_man_page_are_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["generate-docs", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    for file in [
        "completions/obtail.bash",
        "completions/_obtail",
        "completions/obtail.fish",
        "completions/obtail.elv",
        "completions/_obtail.ps1",
        "man/obtail.1",
    ] {
        let fresh = std::fs::read(dir.path().join(file)).unwrap();
        let committed = std::fs::read(root().join(file)).unwrap_or_default();
        assert!(
            fresh == committed,
            "{file} is stale: run `{REFRESH}` and commit the result"
        );
    }
}

#[test]
fn completions_offer_kinds_and_formats() {
    let bash = std::fs::read_to_string(root().join("completions/obtail.bash")).unwrap();
    for word in [
        "notification.orderConfirmation",
        "wallet.incoming",
        "reply.rating.error",
        "ndjson",
    ] {
        assert!(bash.contains(word), "{word}");
    }
    let zsh = std::fs::read_to_string(root().join("completions/_obtail")).unwrap();
    assert!(zsh.contains("--replay=[Read recorded frames") && zsh.contains("_files"));
}

fn snapshot(name: &str, actual: &str) {
    let path = root().join("tests/snapshots").join(name);
    if std::env::var_os("OBTAIL_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{name} changed; review it and run `{BLESS}`\n--- new ---\n{actual}"
    );
}

#[test]
fn help_text_is_reviewed() {
    let long = bin().arg("--help").env("COLUMNS", "100").output().unwrap();
    snapshot("help.txt", &stdout(&long));
    let short = bin().arg("-h").env("COLUMNS", "100").output().unwrap();
    snapshot("help-short.txt", &stdout(&short));
}

#[test]
fn help_groups_options_and_ends_with_examples() {
    let help = stdout(&bin().arg("-h").output().unwrap());
    let headings: Vec<&str> = help
        .lines()
        .filter(|l| l.ends_with(':') && !l.starts_with(' '))
        .collect();
    assert_eq!(
        headings,
        [
            "Commands:",
            "Options:",
            "Connection:",
            "Auth:",
            "Filtering:",
            "Output:",
            "Control:",
            "Examples:"
        ]
    );
    assert!(help.contains("[default: 10s]"));
    assert!(!help.contains("OBTAIL_COOKIE="), "env values stay hidden");
}

#[test]
fn man_page_renders_without_warnings() {
    let out = Command::new("groff")
        .args(["-man", "-ww", "-z"])
        .arg(root().join("man/obtail.1"))
        .output()
        .expect("groff is installed (.ci/run installs groff-base)");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let page = std::fs::read_to_string(root().join("man/obtail.1")).unwrap();
    for section in [
        ".SH SYNOPSIS",
        ".SH CONNECTION",
        ".SH AUTH",
        ".SH COMMANDS",
        ".SH KINDS",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH \"JQ PROGRAMS\"",
        ".SH EXAMPLES",
    ] {
        assert!(page.contains(section), "{section}");
    }
}
