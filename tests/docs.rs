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
    let page = std::fs::read_to_string(root().join("man/obtail.1")).unwrap();
    match Command::new("groff")
        .args(["-man", "-ww", "-z"])
        .arg(root().join("man/obtail.1"))
        .output()
    {
        Ok(out) => {
            assert!(out.status.success());
            assert_eq!(String::from_utf8_lossy(&out.stderr), "");
        }
        // CI (.ci/run) installs groff-base, so there the page is always rendered.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => eprintln!(
            "man_page_renders_without_warnings: SKIPPED the groff check (no groff on PATH; \
             .ci/run installs groff-base)"
        ),
        Err(e) => panic!("groff did not run: {e}"),
    }
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

#[test]
fn completions_offer_no_hidden_command() {
    for file in [
        "completions/obtail.bash",
        "completions/_obtail",
        "completions/obtail.fish",
        "completions/obtail.elv",
        "completions/_obtail.ps1",
    ] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        assert!(
            !text.contains("generate-docs"),
            "{file} offers generate-docs"
        );
        assert!(text.contains("kinds"), "{file} lost the visible commands");
    }
}

#[test]
fn man_page_says_what_is_true() {
    let page = std::fs::read_to_string(root().join("man/obtail.1")).unwrap();
    let synopsis = &page[page.find(".SH SYNOPSIS").unwrap()..page.find(".SH DESCRIPTION").unwrap()];
    for option in [
        "\\fB\\-\\-replay\\fR\\ \\fIFILE\\fR",
        "\\fB\\-n\\fR|\\fB\\-\\-count\\fR\\ \\fIN\\fR",
        "\\fB\\-\\-arg\\fR\\ \\fINAME\\fR\\ \\fIVALUE\\fR",
        "[\\fB\\-\\-demo\\fR]",
    ] {
        assert!(
            synopsis.contains(option),
            "SYNOPSIS lacks {option}:\n{synopsis}"
        );
    }
    let jq = &page[page.find(".SH \"JQ PROGRAMS\"").unwrap()..];
    let jq = &jq[..jq.find(".SH EXAMPLES").unwrap()];
    assert!(jq.contains("$ENV is, as in jq"), "{jq}");
    assert!(!jq.contains("$ENV,"), "{jq}");
    // An example that tails for ever cannot be followed by a second command on its line.
    let examples = &page[page.find(".SH EXAMPLES").unwrap()..];
    for line in examples.lines().filter(|l| l.starts_with("\\fBobtail")) {
        assert!(!line.contains("; obtail"), "{line}");
    }
    // One notation for an option's environment variable, in the page and in --help.
    let help = stdout(&bin().arg("--help").output().unwrap());
    for text in [&page, &help] {
        assert!(!text.contains("(env:"), "two notations for env");
    }
    assert!(help.contains("[env: OBTAIL_COOKIE]") && page.contains("[env: OBTAIL_COOKIE]"));
}

/// The README, docs/, the help and the man page name the same options: every `--option` they
/// mention exists, and a flag is shown without a value in the man page.
#[test]
fn readme_help_and_man_page_agree_on_options() {
    use clap::CommandFactory;
    let cmd = obtail::cli::Args::command();
    let mut longs: Vec<String> = cmd
        .get_arguments()
        .filter_map(|a| a.get_long().map(String::from))
        .collect();
    for sub in cmd.get_subcommands() {
        longs.extend(
            sub.get_arguments()
                .filter_map(|a| a.get_long().map(String::from)),
        );
    }
    longs.extend(["help".to_string(), "version".to_string()]);
    // Cargo's options, in the README's install and test commands.
    let cargo = [
        "locked",
        "path",
        "release",
        "all-targets",
        "check",
        "nocapture",
        "test",
    ];
    longs.extend(cargo.map(String::from));
    let mut readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for page in std::fs::read_dir(root().join("docs")).unwrap() {
        readme.push_str(&std::fs::read_to_string(page.unwrap().path()).unwrap());
    }
    for token in readme.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        if let Some(name) = token.strip_prefix("--") {
            if !name.is_empty() && !name.starts_with('-') {
                assert!(
                    longs.iter().any(|l| l == name),
                    "README or docs/ names --{name}, which does not exist"
                );
            }
        }
    }
    let page = std::fs::read_to_string(root().join("man/obtail.1")).unwrap();
    for flag in ["loop", "json", "wrap", "quiet"] {
        let shown = format!("\\fB\\-\\-{flag}\\fR");
        for at in page.match_indices(&shown).map(|(i, _)| i + shown.len()) {
            let after = &page[at..page.len().min(at + 3)];
            assert!(
                !after.starts_with(" <") && !after.starts_with("\\ \\fI"),
                "--{flag} shown with a value"
            );
        }
    }
    // --stats says every column of the books, as the books print them.
    let help = stdout(&bin().arg("--help").output().unwrap());
    let stats = &help[help.find("--stats").unwrap()..];
    let stats = &stats[..stats.find("\n\n").unwrap_or(stats.len())];
    for column in [
        "received",
        "recovered",
        "printed",
        "filtered",
        "invalid",
        "dropped",
        "duplicate",
        "queued",
    ] {
        assert!(
            stats.contains(column),
            "--stats help lacks {column}: {stats}"
        );
    }
    // The default data directories as they really are: testnet and the other systems too.
    let datadir = &help[help.find("--datadir").unwrap()..];
    let datadir = &datadir[..datadir.find("\n\n").unwrap_or(datadir.len())];
    for dir in [
        "~/.openbazaar",
        "Application Support",
        "~/openbazaar",
        "-testnet",
    ] {
        assert!(
            datadir.contains(dir),
            "--datadir help lacks {dir}: {datadir}"
        );
    }
}
