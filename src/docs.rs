//! Completions and the man page, generated from the clap definition so they cannot drift.
//! `obtail generate-docs --out .` rewrites `completions/` and `man/`; a test compares them.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Args;
use crate::exit::{Failure, Stop};
use crate::kind::CATALOG;

/// Every generated file, by path relative to the repository root.
pub fn files() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "obtail.bash"),
        (Shell::Zsh, "_obtail"),
        (Shell::Fish, "obtail.fish"),
        (Shell::Elvish, "obtail.elv"),
        (Shell::PowerShell, "_obtail.ps1"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut completion_command(), "obtail", &mut buf);
        out.push((format!("completions/{name}"), buf));
    }
    out.push(("man/obtail.1".to_string(), man_page()));
    out
}

/// The command line as completions offer it: clap_complete lists hidden subcommands too, so
/// they are left out here (`generate-docs` is for packagers, not for tab).
fn completion_command() -> clap::Command {
    let full = Args::command();
    let mut cmd = clap::Command::new("obtail")
        .version(env!("CARGO_PKG_VERSION"))
        .args_conflicts_with_subcommands(true)
        .args(full.get_arguments().cloned())
        .groups(full.get_groups().cloned())
        .subcommands(full.get_subcommands().filter(|c| !c.is_hide_set()).cloned());
    if let Some(about) = full.get_about() {
        cmd = cmd.about(about.clone());
    }
    cmd
}

pub fn generate(dir: &Path) -> Result<Stop, Failure> {
    for (path, bytes) in files() {
        let target = dir.join(&path);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(target.parent().unwrap_or(dir))?;
            std::fs::File::create(&target)?.write_all(&bytes)
        };
        write().map_err(|e| Failure::runtime(format!("cannot write {}: {e}", target.display())))?;
    }
    Ok(Stop::InputEnded)
}

fn man_page() -> Vec<u8> {
    let man = clap_mangen::Man::new(Args::command()).date("2026-11-27");
    let mut buf = Vec::new();
    let written = man
        .render_title(&mut buf)
        .and_then(|()| man.render_name_section(&mut buf))
        .and_then(|()| buf.write_all(synopsis_section().as_bytes()))
        .and_then(|()| man.render_description_section(&mut buf))
        .and_then(|()| man.render_options_section(&mut buf));
    written.expect("writing to a Vec cannot fail");
    buf.extend_from_slice(commands_section().as_bytes());
    buf.extend_from_slice(extra_sections().as_bytes());
    man.render_version_section(&mut buf)
        .expect("writing to a Vec cannot fail");
    buf
}

/// The forms of the command, as CLI.md gives them, then every option with its value; clap's
/// own synopsis shows `[--replay]` where the reader needs `[--replay FILE]`.
fn synopsis_section() -> String {
    // No hyphenation here: `--connect-timeout DU-RATION` split over two lines misleads.
    let mut s = String::from(".SH SYNOPSIS\n.nh\n.ad l\n");
    for form in [
        "\\fBobtail\\fR [\\fIOPTIONS\\fR] [\\fIURL\\fR]...",
        "\\fBobtail \\-\\-replay\\fR \\fIFILE\\fR|\\fB\\-\\fR [\\fIOPTIONS\\fR]",
        "\\fBobtail \\-\\-demo\\fR [\\fIOPTIONS\\fR]",
        "\\fBobtail sim\\fR [\\fISIM OPTIONS\\fR]",
        "\\fBobtail kinds\\fR",
    ] {
        s.push_str(&format!("{form}\n.br\n"));
    }
    s.push_str(".PP\n\\fIOPTIONS\\fR:\n");
    let cmd = Args::command();
    let options: Vec<String> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set())
        .map(|a| {
            let mut names = Vec::new();
            if let Some(short) = a.get_short() {
                names.push(format!("\\fB\\-{}\\fR", roff(&short.to_string())));
            }
            if let Some(long) = a.get_long() {
                names.push(format!("\\fB\\-\\-{}\\fR", roff(long)));
            }
            let takes_value = a.get_num_args().is_some_and(|n| n.takes_values())
                || !matches!(
                    a.get_action(),
                    clap::ArgAction::SetTrue | clap::ArgAction::SetFalse | clap::ArgAction::Count
                );
            let values = match a.get_value_names() {
                Some(v) if takes_value => v
                    .iter()
                    .map(|v| format!("\\ \\fI{}\\fR", roff(v).replace(' ', "\\ ")))
                    .collect::<String>(),
                _ => String::new(),
            };
            format!("[{}{values}]", names.join("|"))
        })
        .collect();
    s.push_str(&options.join(" "));
    s.push_str("\n.ad\n.hy\n");
    s
}

/// Escapes text for roff: backslashes, and a leading dot or quote that roff would obey.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

/// The subcommands with their options, in this page rather than pages of their own.
fn commands_section() -> String {
    let cmd = Args::command();
    let mut s = String::from(".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        s.push_str(&format!(
            ".TP\n\\fBobtail {}\\fR\n{}\n",
            sub.get_name(),
            roff(&about)
        ));
        for arg in sub
            .get_arguments()
            .filter(|a| a.get_long().is_some() && a.get_id() != "help")
        {
            let value = arg
                .get_value_names()
                .map(|v| format!(" <{}>", v.join("> <")))
                .unwrap_or_default();
            let default = match arg.get_default_values() {
                [] => String::new(),
                d => format!(" [default: {}]", d[0].to_string_lossy()),
            };
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            s.push_str(&format!(
                ".RS\n.TP\n\\fB\\-\\-{}\\fR{}{}\n{}\n.RE\n",
                roff(arg.get_long().unwrap_or_default()),
                roff(&value),
                roff(&default),
                roff(&help)
            ));
        }
    }
    s
}

fn extra_sections() -> String {
    let mut s =
        String::from(".SH KINDS\nEvery frame gets exactly one kind, from the keys it carries.\n");
    for (name, what) in CATALOG {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(name), roff(what)));
    }
    s.push_str(
        ".PP\nA pattern given to \\fB\\-t\\fR or \\fB\\-T\\fR matches a kind when equal, when it is a dotted prefix \
(\\fBnotification\\fR matches \\fBnotification.order\\fR; \\fBmessage\\fR does not match \\fBmessageTyping\\fR), \
or as a \\fB*\\fR glob; case\\-insensitive.\n",
    );
    s.push_str(".SH \"NOTHING LOST\"\n");
    s.push_str(&roff(NOTHING_LOST).replace("\n\n", "\n.PP\n"));
    s.push('\n');
    s.push_str(".SH \"EXIT STATUS\"\n");
    for (code, what) in EXIT_CODES {
        s.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", roff(what)));
    }
    s.push_str(".SH ENVIRONMENT\n");
    for (var, what) in ENVIRONMENT {
        s.push_str(&format!(".TP\n\\fB{var}\\fR\n{}\n", roff(what)));
    }
    s.push_str(&format!(
        ".SH FILES\n.TP\n\\fB~/.openbazaar/.cookie\\fR\n{}\n",
        roff(
            "The node's auth cookie (OpenBazaar_Auth_Cookie=<value>), used when no other auth option is given and \
             the node is on this machine. On macOS it is in ~/Library/Application Support/openbazaar, elsewhere \
             ~/openbazaar; testnet nodes use the -testnet variants; --datadir names another directory."
        )
    ));
    s.push_str(".SH \"JQ PROGRAMS\"\n");
    s.push_str(&roff(JQ_DIFFERENCES).replace("\n\n", "\n.PP\n"));
    s.push_str("\n.SH EXAMPLES\n");
    for (what, cmd) in EXAMPLES {
        s.push_str(&format!(
            ".TP\n{}\n.nf\n\\fB{}\\fR\n.fi\n",
            roff(what),
            roff(cmd)
        ));
    }
    s
}

/// What obtail guarantees across gaps, and what the node cannot give back (README too).
pub const NOTHING_LOST: &str = "After a connection drops, obtail retries within about 100 ms and then \
with waits doubling up to --max-backoff (5 s). Status lines on stderr start with the local time; a \
reconnect says how long the node was away and what was read back.

After every reconnect obtail reads GET /ob/notifications and GET /ob/chatmessages (direct chat, and the \
order chat of the 32 orders it saw last) with the socket's TLS and auth, newest first, until it reaches an \
event seen before the gap, and prints each missed notification and incoming chat message once, oldest \
first, through the same filters, programs and formats, marked \"recovered\": true in envelopes, \
$recovered in jq and (recovered) in pretty output. It remembers the last 8192 ids per node so nothing \
prints twice. A REST failure is a warning. --no-recover turns this off; --since DURATION|all prints \
history first.

The socket is read at all times; frames wait in a queue of --buffer bytes (64 MiB). Beyond it they are \
dropped and counted, one line says so when output resumes, and the notifications and chat among them \
are read back. A drop still going on when obtail stops is said too. --stats prints at exit, per \
source and kind: received, recovered, printed, filtered, invalid, dropped, duplicate and queued (still \
waiting when obtail stopped), with received + recovered = printed + filtered + invalid + dropped + \
duplicate + queued. After Ctrl-C or --timeout, one line says how many frames read were never printed \
(also without --stats); after -n or a closed stdout they are only counted. Ctrl-C ends obtail at once \
even while stdout is blocked (a paused pager): the write under way is given up and one line says how \
many bytes of output were not written.

The node does not store unfollows, typing, read receipts, wallet frames, status, async replies or echoes: \
those sent in a gap cannot be recovered.";

pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "normal end: count reached, replay input ended, node closed with --no-reconnect, or the reader of stdout went away"),
    (1, "runtime failure: node unreachable and not retrying, I/O error"),
    (2, "usage error: bad option, bad URL, bad filter program"),
    (3, "the node refused authentication"),
    (4, "--timeout passed before --count was reached"),
    (130, "interrupted (Ctrl-C)"),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "OBTAIL_URL",
        "node URL(s) to tail when none is given on the command line",
    ),
    ("OBTAIL_PASSWORD", "password for basic auth (-u USER)"),
    ("OBTAIL_COOKIE", "the node's auth cookie value"),
    (
        "NO_COLOR",
        "when set and not empty, --color auto never colors",
    ),
    (
        "CLICOLOR_FORCE",
        "when set and not 0, --color auto colors even when not writing to a terminal",
    ),
    ("TZ", "time zone of the times in pretty output"),
    (
        "COLUMNS",
        "width that pretty lines are cut to on a terminal (the terminal's own width when unset)",
    ),
];

pub const JQ_DIFFERENCES: &str = "Programs given to -f run on jaq, a jq clone, with its standard library. \
Variables $kind, $time, $source, $recovered (read back over REST after a gap) and $suspect (handles and names that look like others') describe the frame; \
--arg and --argjson add more.

Differences from jq: regular expressions use Rust regex syntax, not Oniguruma (\\p{L} is an error, \\w and (?i) \
match ASCII only); $__loc__, @csv, @tsv, input, inputs and input_filename are not available. $ENV is, as in jq.";

pub const EXAMPLES: &[(&str, &str)] = &[
    ("Watch the built-in simulated marketplace:", "obtail --demo"),
    (
        "Tail the local node (its cookie file is found automatically):",
        "obtail",
    ),
    (
        "A node with basic auth, over TLS with a self-signed certificate:",
        "obtail -u admin --cacert node.crt wss://shop.example:4002",
    ),
    (
        "Only order notifications, without follows:",
        "obtail -t notification -T notification.follow",
    ),
    (
        "Wait in a script until an order is paid (exit 4 after 10 minutes):",
        "obtail -t notification.payment --order QmXyZ123 -n 1 --timeout 10m",
    ),
    (
        "Follow one order's whole story across kinds:",
        "obtail --order QmXyZ123",
    ),
    (
        "Count events per kind from a recording:",
        "obtail --replay session.ndjson -f '$kind' -r | sort | uniq -c",
    ),
    (
        "Record a session until Ctrl-C (or add -n or --timeout to stop by itself):",
        "obtail --record session.ndjson",
    ),
    (
        "Replay it later with new filters:",
        "obtail --replay session.ndjson -t message -o json",
    ),
];
