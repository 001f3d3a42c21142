//! The shipped completions work in the real shells: bash, zsh and fish are started with the
//! script of `completions/`, a command line is completed as a Tab would, and the candidates
//! are checked, subcommand options and option values included. A shell that is not installed
//! is skipped with a SKIPPED line (.ci/run installs all three).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::bin;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A PATH on which `obtail` is the binary under test, and a config file naming a node, so
/// that node names complete too.
struct Shell {
    path: String,
    home: tempfile::TempDir,
}

impl Shell {
    fn new() -> Shell {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".config/obtail");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(
            config.join("config.toml"),
            "[nodes.shop]\nurl = \"wss://shop.example:4002\"\n",
        )
        .unwrap();
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_obtail")).parent().unwrap();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Shell { path, home }
    }

    fn command(&self, program: &str) -> Option<Command> {
        let found = std::env::split_paths(&self.path).any(|d| d.join(program).is_file());
        if !found {
            eprintln!("completions: SKIPPED {program} (not installed; .ci/run installs it)");
            return None;
        }
        let mut cmd = Command::new(program);
        cmd.env("PATH", &self.path)
            .env("HOME", self.home.path())
            .env_remove("XDG_CONFIG_HOME");
        Some(cmd)
    }
}

/// The candidates a shell offers for `line` (the cursor at its end), or `None` without it.
fn complete(shell: &Shell, program: &str, line: &str) -> Option<Vec<String>> {
    let script = |name: &str| -> PathBuf { root().join("completions").join(name) };
    let mut cmd = shell.command(program)?;
    match program {
        "bash" => cmd.args(["--norc", "-c", BASH]).arg(script("obtail.bash")),
        "zsh" => cmd.args(["-f", "-c", ZSH]).arg(root().join("completions")),
        "fish" => cmd
            .args(["--no-config", "-c", FISH])
            .arg(script("obtail.fish")),
        _ => unreachable!(),
    };
    let out = cmd.arg(line).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .map(|l| l.split('\t').next().unwrap_or(l).trim().to_string())
            .filter(|l| !l.is_empty())
            .collect(),
    )
}

/// bash: the completion function called as `complete -F` calls it.
const BASH: &str = r#"source "$0"
line="$1"
read -ra COMP_WORDS <<<"$line"
[[ "$line" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$line"; COMP_POINT=${#line}
fn=$(complete -p obtail | sed -E 's/.*-F ([^ ]+).*/\1/')
"$fn" obtail "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}""#;

/// zsh: an interactive zsh in a pseudo-terminal (zpty) with compinit, a Tab typed, and
/// `compadd` wrapped to print what it is given.
const ZSH: &str = r#"zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT='' ; fpath=($0 \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd () { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; local h; for h in $__hits; do print -r -- "<HIT>$h</HIT>"; done }'
zpty -w z "bindkey '^I' complete-word; print -r -- '<REA''DY>'"
zpty -r z line '*<READY>*'
# Keys are read in turn: ^U clears the line only once the completion is done (a ^C would
# interrupt it), then the marker is printed; quoted apart, its echo is not the marker.
zpty -n -w z "$1"$'\t'
zpty -w z $'\C-u'"print -r -- '<DO''NE>'"
out=""
deadline=$(( SECONDS + 30 ))
while (( SECONDS < deadline )); do
  if zpty -r -t z line; then out+="$line"; [[ $line == *'<DONE>'* ]] && break; else sleep 0.05; fi
done
zpty -d z
print -r -- "$out" | tr '\r' '\n' | grep -o '<HIT>[^<]*</HIT>' | sed 's/<HIT>//; s/<\/HIT>//' | sort -u"#;

/// fish: `complete -C` completes a command line as a Tab does.
const FISH: &str = r#"source $argv[1]; complete -C $argv[2]"#;

/// What each line must offer, and must not, in every shell.
const CASES: &[(&str, &[&str], &[&str])] = &[
    // Subcommand options, not the main command's.
    (
        "obtail sim --",
        &["--listen", "--loop", "--stall"],
        &["--type", "--demo"],
    ),
    // Option values: a kind, a format, a color choice, a stats format, a generation.
    (
        "obtail -t notification.o",
        &["notification.order", "notification.orderConfirmation"],
        &["Cargo.toml"],
    ),
    (
        "obtail --color ",
        &["auto", "always", "never"],
        &["Cargo.toml"],
    ),
    (
        "obtail -o ",
        &["pretty", "json", "ndjson", "raw"],
        &["Cargo.toml"],
    ),
    (
        "obtail sim --generation ",
        &["0.13", "0.14"],
        &["Cargo.toml"],
    ),
    (
        "obtail completions ",
        &["bash", "zsh", "fish"],
        &["Cargo.toml"],
    ),
    // The commands, and the main options after a node.
    ("obtail k", &["kinds"], &[]),
    ("obtail ws://127.0.0.1:4002 --col", &["--color"], &[]),
];

fn check(program: &str) {
    let shell = Shell::new();
    for (line, wanted, unwanted) in CASES {
        // A pty under a loaded machine may lose a read: ask again before judging.
        let mut offered = Vec::new();
        for _ in 0..3 {
            let Some(o) = complete(&shell, program, line) else {
                return;
            };
            offered = o;
            if wanted.iter().all(|w| {
                offered
                    .iter()
                    .any(|o| o == w || o.ends_with(&format!("={w}")))
            }) {
                break;
            }
        }
        for w in *wanted {
            assert!(
                offered
                    .iter()
                    .any(|o| o == w || o.ends_with(&format!("={w}"))),
                "{program}: `{line}<Tab>` does not offer {w}: {offered:?}"
            );
        }
        for u in *unwanted {
            assert!(
                !offered.iter().any(|o| o == u),
                "{program}: `{line}<Tab>` offers {u}: {offered:?}"
            );
        }
    }
}

#[test]
fn bash_completes_commands_options_and_values() {
    check("bash");
    let shell = Shell::new();
    if let Some(offered) = complete(&shell, "bash", "obtail sh") {
        assert!(offered.iter().any(|o| o == "shop"), "{offered:?}");
    }
}

#[test]
fn zsh_completes_commands_options_and_values() {
    check("zsh");
    let shell = Shell::new();
    if let Some(offered) = complete(&shell, "zsh", "obtail sh") {
        assert!(offered.iter().any(|o| o == "shop"), "{offered:?}");
    }
}

#[test]
fn fish_completes_commands_options_and_values() {
    check("fish");
    let shell = Shell::new();
    if let Some(offered) = complete(&shell, "fish", "obtail sh") {
        assert!(offered.iter().any(|o| o == "shop"), "{offered:?}");
    }
}

/// An installed binary has the completions and the man page without the repository.
#[test]
fn the_binary_prints_what_the_repository_ships() {
    for (shell, file) in [
        ("bash", "obtail.bash"),
        ("zsh", "_obtail"),
        ("fish", "obtail.fish"),
        ("elvish", "obtail.elv"),
        ("powershell", "_obtail.ps1"),
    ] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let shipped = std::fs::read(root().join("completions").join(file)).unwrap();
        assert!(
            out.stdout == shipped,
            "obtail completions {shell} differs from {file}"
        );
    }
    let out = bin().arg("man").output().unwrap();
    assert!(out.status.success());
    assert!(out.stdout == std::fs::read(root().join("man/obtail.1")).unwrap());
    let bad = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
